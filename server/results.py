"""Result formats: which exist, how a request picks one, and how each is written.

Solutions (SELECT) and booleans (ASK) are written as SPARQL 1.1 Query Results JSON, XML,
CSV or TSV; graphs (CONSTRUCT, DESCRIBE) as Turtle, N-Triples, JSON-LD, RDF/XML, TriG or
N-Quads. Both can also be shown as an HTML page (rendered by the view, from a template).

A request picks a format with ``format=<name>`` (for plain links) or, failing that, by its
``Accept`` header with q-values (werkzeug's ``best_match``); with no Accept header, the
first format of the list wins (JSON for solutions, Turtle for graphs).

CSV and TSV follow "SPARQL 1.1 Query Results CSV and TSV Formats": CSV gives IRIs and
literals as bare text, TSV gives every term in N-Triples syntax. Neither defines ASK; as in
Apache Jena, a boolean is written as one column named ``_askResult``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier
from werkzeug.datastructures import MIMEAccept

from coevidence.ontology import bind_prefixes
from coevidence.server.errors import Problem
from coevidence.server.namespaces import FORMATS
from coevidence.server.stores import QueryResult

SPARQL_RESULTS_XML_NS = "http://www.w3.org/2005/sparql-results#"
SOLUTIONS = frozenset({"bindings", "boolean"})
GRAPHS = frozenset({"graph"})


@dataclass(frozen=True)
class Format:
    names: tuple[str, ...]  # values of format= that ask for it; the first is its name
    media_type: str  # the Content-Type written
    kinds: frozenset[str]  # the QueryResult kinds it can hold
    write: Callable[[QueryResult], bytes] | None  # None: rendered by the view (HTML)
    aliases: tuple[str, ...] = ()  # other media types that ask for it
    description: URIRef | None = None  # its IRI in the service description

    @property
    def name(self) -> str:
        return self.names[0]

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"


# ---------------------------------------------------------------------------
# Writers for solutions and booleans
# ---------------------------------------------------------------------------


def _json_term(term: Identifier) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    value = {"type": "literal", "value": str(term)}
    if term.language:
        value["xml:lang"] = term.language
    elif term.datatype is not None and term.datatype != XSD.string:
        value["datatype"] = str(term.datatype)
    return value


def write_json(result: QueryResult) -> bytes:
    if result.kind == "boolean":
        document: dict = {"head": {}, "boolean": bool(result.boolean)}
    else:
        document = {
            "head": {"vars": [str(v) for v in result.variables]},
            "results": {
                "bindings": [
                    {str(var): _json_term(term) for var, term in row.items()} for row in result.rows
                ]
            },
        }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _xml_term(term: Identifier) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    if term.language:
        attribute = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype is not None and term.datatype != XSD.string:
        attribute = f" datatype={quoteattr(str(term.datatype))}"
    else:
        attribute = ""
    return f"<literal{attribute}>{escape(str(term))}</literal>"


def write_xml(result: QueryResult) -> bytes:
    out = ['<?xml version="1.0" encoding="utf-8"?>\n', f'<sparql xmlns="{SPARQL_RESULTS_XML_NS}">\n']
    if result.kind == "boolean":
        out.append(f"<head/>\n<boolean>{'true' if result.boolean else 'false'}</boolean>\n")
    else:
        out.append("<head>")
        out.extend(f"<variable name={quoteattr(str(v))}/>" for v in result.variables)
        out.append("</head>\n<results>\n")
        for row in result.rows:
            out.append("<result>")
            out.extend(
                f"<binding name={quoteattr(str(var))}>{_xml_term(term)}</binding>"
                for var, term in row.items()
            )
            out.append("</result>\n")
        out.append("</results>\n")
    out.append("</sparql>\n")
    return "".join(out).encode("utf-8")


def _csv_term(term: Identifier | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def write_csv(result: QueryResult) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if result.kind == "boolean":
        writer.writerow(["_askResult"])
        writer.writerow(["true" if result.boolean else "false"])
    else:
        writer.writerow([str(v) for v in result.variables])
        for row in result.rows:
            writer.writerow([_csv_term(row.get(v)) for v in result.variables])
    return buffer.getvalue().encode("utf-8")


_NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def ntriples_term(term: Identifier | None) -> str:
    """*term* in N-Triples syntax (the empty string for an unbound value)."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    text = '"' + str(term).translate(_NT_ESCAPES) + '"'
    if term.language:
        return f"{text}@{term.language}"
    if term.datatype is not None and term.datatype != XSD.string:
        return f"{text}^^<{term.datatype}>"
    return text


def write_tsv(result: QueryResult) -> bytes:
    if result.kind == "boolean":
        return f"?_askResult\n{'true' if result.boolean else 'false'}\n".encode("utf-8")
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join(ntriples_term(row.get(v)) for v in result.variables))
    return ("\n".join(lines) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------
# Writers for graphs
# ---------------------------------------------------------------------------


def _graph_writer(rdflib_format: str, quads: bool = False) -> Callable[[QueryResult], bytes]:
    def write(result: QueryResult) -> bytes:
        graph = bind_prefixes(result.graph if result.graph is not None else Graph())
        if quads:
            dataset = bind_prefixes(Dataset())
            for prefix, namespace in graph.namespaces():
                dataset.bind(prefix, namespace, override=False)
            for triple in graph:
                dataset.add(triple)
            graph = dataset
        return graph.serialize(format=rdflib_format, encoding="utf-8")

    write.__name__ = f"write_{rdflib_format}"
    return write


HTML = Format(("html",), "text/html", SOLUTIONS | GRAPHS, None, ("application/xhtml+xml",))

#: every format, machine formats first (the first of a kind is its default). The extra
#: names are those other clients send (SPARQLWrapper sends format=turtle, rdf+xml, json-ld...).
FORMATS_LIST: tuple[Format, ...] = (
    Format(("json",), "application/sparql-results+json", SOLUTIONS, write_json,
           ("application/json",), FORMATS.SPARQL_Results_JSON),
    Format(("xml",), "application/sparql-results+xml", SOLUTIONS, write_xml,
           ("application/xml", "text/xml"), FORMATS.SPARQL_Results_XML),
    Format(("csv",), "text/csv", SOLUTIONS, write_csv, (), FORMATS.SPARQL_Results_CSV),
    Format(("tsv",), "text/tab-separated-values", SOLUTIONS, write_tsv, (), FORMATS.SPARQL_Results_TSV),
    Format(("ttl", "turtle", "n3"), "text/turtle", GRAPHS, _graph_writer("turtle"),
           ("application/x-turtle",), FORMATS.Turtle),
    Format(("nt", "ntriples", "n-triples"), "application/n-triples", GRAPHS, _graph_writer("nt"),
           (), FORMATS["N-Triples"]),
    Format(("jsonld", "json-ld", "json"), "application/ld+json", GRAPHS, _graph_writer("json-ld"),
           (), FORMATS["JSON-LD"]),
    Format(("rdfxml", "rdf+xml", "rdf", "xml"), "application/rdf+xml", GRAPHS, _graph_writer("xml"),
           (), FORMATS.RDF_XML),
    Format(("trig",), "application/trig", GRAPHS, _graph_writer("trig", quads=True), (), FORMATS.TriG),
    Format(("nq", "nquads", "n-quads"), "application/n-quads", GRAPHS,
           _graph_writer("nquads", quads=True), (), FORMATS["N-Quads"]),
    HTML,
)


def _asks_for(result_format: Format, value: str) -> bool:
    return value in result_format.names or value in (result_format.media_type, *result_format.aliases)


def formats_for(kind: str) -> list[Format]:
    """The formats that can hold a result of *kind* ("bindings", "boolean" or "graph")."""
    return [f for f in FORMATS_LIST if kind in f.kinds]


def _available(formats: list[Format]) -> str:
    return ", ".join(f"{f.media_type} (format={f.name})" for f in formats)


def negotiate(kind: str, format_name: str | None, accept: MIMEAccept) -> Format:
    """The format to answer with, or a :class:`Problem` (400 unknown format=, 406 nothing fits)."""
    candidates = formats_for(kind)
    if format_name is not None:
        value = format_name.strip().lower()
        chosen = next((f for f in candidates if _asks_for(f, value)), None)
        if chosen is not None:
            return chosen
        if any(_asks_for(f, value) for f in FORMATS_LIST):
            raise Problem(
                406, "Not acceptable",
                f"format={format_name} cannot hold this result; available: {_available(candidates)}.",
            )
        names = ", ".join(f.name for f in FORMATS_LIST)
        raise Problem(400, "Unknown format", f"format={format_name} is not a known format; use one of: {names}.")
    if not accept:
        return candidates[0]
    by_media_type: dict[str, Format] = {}
    for candidate in candidates:
        for media_type in (candidate.media_type, *candidate.aliases):
            by_media_type.setdefault(media_type, candidate)
    best = accept.best_match(list(by_media_type))
    if best is None:
        raise Problem(
            406, "Not acceptable",
            f"none of the media types in Accept can hold this result; available: {_available(candidates)}.",
        )
    return by_media_type[best]
