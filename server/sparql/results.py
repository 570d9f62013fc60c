"""Result formats: which exist, how a request picks one, and how each is written.

Solutions (SELECT) and booleans (ASK) are written as SPARQL 1.1 Query Results JSON, XML,
CSV or TSV (by :mod:`.writers`); graphs (CONSTRUCT, DESCRIBE) as Turtle, N-Triples,
JSON-LD, RDF/XML, TriG or N-Quads. Both can also be shown as an HTML page (rendered by the
view, from a template). A result the store already wrote in the chosen format
(``QueryResult.encoded``) is sent as it is.

A request picks a format with ``format=<name>`` (for plain links) or, failing that, by its
``Accept`` header with q-values (werkzeug's ``best_match``); with no Accept header, the
first format of the list wins (JSON for solutions, Turtle for graphs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from rdflib import Dataset, Graph, Literal, URIRef
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from coevidence.ontology import bind_prefixes
from coevidence.server.sparql import writers
from coevidence.server.errors import Problem
from coevidence.server.namespaces import FORMATS
from coevidence.server.stores import QueryResult
from coevidence.server.terms import from_rdflib

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


def _solution_writer(media_type: str) -> Callable[[QueryResult], bytes]:
    write_terms = writers.SOLUTION_WRITERS[media_type]

    def write(result: QueryResult) -> bytes:
        if media_type in result.encoded:
            return result.encoded[media_type]
        if result.kind == "boolean":
            return write_terms((), (), bool(result.boolean))
        rows = [tuple(from_rdflib(row.get(v)) for v in result.variables) for row in result.rows]
        return write_terms([str(v) for v in result.variables], rows)

    write.__name__ = write_terms.__name__
    return write


# ---------------------------------------------------------------------------
# Writers for graphs
# ---------------------------------------------------------------------------


def _graph_writer(media_type: str, rdflib_format: str, quads: bool = False) -> Callable[[QueryResult], bytes]:
    def write(result: QueryResult) -> bytes:
        if media_type in result.encoded:
            return result.encoded[media_type]
        graph = bind_prefixes(result.graph if result.graph is not None else Graph())
        if rdflib_format == "xml":
            for literal in graph.objects():
                if isinstance(literal, Literal):
                    writers.check_xml_text(str(literal), "Turtle, N-Triples or JSON-LD (format=ttl, nt, jsonld)")
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
    Format(("json",), writers.JSON, SOLUTIONS, _solution_writer(writers.JSON),
           ("application/json",), FORMATS.SPARQL_Results_JSON),
    Format(("xml",), writers.XML, SOLUTIONS, _solution_writer(writers.XML),
           ("application/xml", "text/xml"), FORMATS.SPARQL_Results_XML),
    Format(("csv",), writers.CSV, SOLUTIONS, _solution_writer(writers.CSV), (), FORMATS.SPARQL_Results_CSV),
    Format(("tsv",), writers.TSV, SOLUTIONS, _solution_writer(writers.TSV), (), FORMATS.SPARQL_Results_TSV),
    Format(("ttl", "turtle", "n3"), "text/turtle", GRAPHS, _graph_writer("text/turtle", "turtle"),
           ("application/x-turtle",), FORMATS.Turtle),
    Format(("nt", "ntriples", "n-triples"), "application/n-triples", GRAPHS,
           _graph_writer("application/n-triples", "nt"), (), FORMATS["N-Triples"]),
    Format(("jsonld", "json-ld", "json"), "application/ld+json", GRAPHS,
           _graph_writer("application/ld+json", "json-ld"), (), FORMATS["JSON-LD"]),
    Format(("rdfxml", "rdf+xml", "rdf", "xml"), "application/rdf+xml", GRAPHS,
           _graph_writer("application/rdf+xml", "xml"), (), FORMATS.RDF_XML),
    Format(("trig",), "application/trig", GRAPHS, _graph_writer("application/trig", "trig", quads=True),
           (), FORMATS.TriG),
    Format(("nq", "nquads", "n-quads"), "application/n-quads", GRAPHS,
           _graph_writer("application/n-quads", "nquads", quads=True), (), FORMATS["N-Quads"]),
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


@lru_cache(maxsize=256)
def negotiate_header(kind: str, format_name: str | None, accept: str | None) -> Format:
    """:func:`negotiate` for an ``Accept`` header as sent, remembered: clients send the same
    few headers again and again, and matching one against every media type was a tenth of
    a cached answer's time. A refusal (:class:`Problem`) is raised each time, not kept."""
    return negotiate(kind, format_name, parse_accept_header(accept, MIMEAccept))
