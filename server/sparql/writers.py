"""SPARQL 1.1 query results as bytes, written from term tuples (see :mod:`.terms`).

One writer per format, used both inside the query workers (so a result leaves the worker
already written) and by the web layer for results that come as rdflib terms (a remote
store). Each distinct term is formatted once per result.

- JSON and XML follow "SPARQL 1.1 Query Results JSON / XML Format";
- CSV and TSV follow "SPARQL 1.1 Query Results CSV and TSV Formats": CSV gives bare values
  (RFC 4180 quoting, CRLF line ends), TSV gives terms in N-Triples syntax. Neither defines
  ASK: as Apache Jena does, a boolean is one column named ``_askResult``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

from coevidence.server.stores import ResultNotWritable
from coevidence.server.terms import BNODE, IRI, LANG, STRING, TRIPLE as TRIPLE_KIND, TRIPLE_TERM_REFUSED, TYPED

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
SPARQL_RESULTS_XML_NS = "http://www.w3.org/2005/sparql-results#"

Rows = Sequence[Sequence[tuple | None]]  # one tuple of terms per solution, in variable order

#: characters XML 1.0 cannot carry, not even as character references: most C0 controls,
#: lone surrogates, U+FFFE and U+FFFF. A result holding one is refused in XML results and
#: RDF/XML (406, naming the character and the formats that can carry it: JSON, CSV, TSV,
#: Turtle...) rather than written as a document no XML parser reads, or silently altered.
XML_UNWRITABLE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def check_xml_text(text: str, other_formats: str) -> str:
    """*text*, if XML 1.0 can carry it; else :class:`ResultNotWritable` naming the character."""
    match = XML_UNWRITABLE.search(text)
    if match is not None:
        raise ResultNotWritable(
            f"the result holds the character U+{ord(match.group()):04X}, which XML 1.0 cannot carry; "
            f"ask for it as {other_formats}"
        )
    return text


def _unsupported(term: tuple) -> str:
    raise ValueError(TRIPLE_TERM_REFUSED)


def _cached(format_term: Callable[[tuple], str]) -> Callable[[tuple], str]:
    cache: dict[tuple, str] = {}

    def formatted(term: tuple) -> str:
        try:
            return cache[term]
        except KeyError:
            text = cache[term] = format_term(term)
            return text

    return formatted


def _json_term(term: tuple) -> str:
    kind, value = term[0], json.dumps(term[1], ensure_ascii=False)
    if kind == IRI:
        return f'{{"type":"uri","value":{value}}}'
    if kind == STRING:
        return f'{{"type":"literal","value":{value}}}'
    if kind == LANG:
        return f'{{"type":"literal","value":{value},"xml:lang":{json.dumps(term[2])}}}'
    if kind == TYPED:
        return f'{{"type":"literal","value":{value},"datatype":{json.dumps(term[2])}}}'
    if kind == BNODE:
        return f'{{"type":"bnode","value":{value}}}'
    return _unsupported(term)


def write_json(names: Sequence[str], rows: Rows, boolean: bool | None = None) -> bytes:
    if boolean is not None:
        return b'{"head":{},"boolean":' + (b"true" if boolean else b"false") + b"}"
    term = _cached(_json_term)
    keys = [json.dumps(name) + ":" for name in names]
    solutions = []
    for row in rows:
        solutions.append(
            "{" + ",".join(keys[i] + term(value) for i, value in enumerate(row) if value is not None) + "}"
        )
    head = json.dumps({"vars": list(names)})
    text = '{"head":' + head + ',"results":{"bindings":[' + ",".join(solutions) + "]}}"
    return text.encode("utf-8")


def _xml_term(term: tuple) -> str:
    kind = term[0]
    if kind != TRIPLE_KIND:
        for part in term[1:]:
            check_xml_text(part, "JSON, CSV or TSV (format=json, csv, tsv)")
    if kind == IRI:
        return f"<uri>{escape(term[1])}</uri>"
    if kind == BNODE:
        return f"<bnode>{escape(term[1])}</bnode>"
    if kind == STRING:
        return f"<literal>{escape(term[1])}</literal>"
    if kind == LANG:
        return f"<literal xml:lang={quoteattr(term[2])}>{escape(term[1])}</literal>"
    if kind == TYPED:
        return f"<literal datatype={quoteattr(term[2])}>{escape(term[1])}</literal>"
    return _unsupported(term)


def write_xml(names: Sequence[str], rows: Rows, boolean: bool | None = None) -> bytes:
    for name in names:
        check_xml_text(name, "JSON, CSV or TSV (format=json, csv, tsv)")
    out = ['<?xml version="1.0" encoding="utf-8"?>\n', f'<sparql xmlns="{SPARQL_RESULTS_XML_NS}">\n']
    if boolean is not None:
        out.append(f"<head/>\n<boolean>{'true' if boolean else 'false'}</boolean>\n")
    else:
        term = _cached(_xml_term)
        opening = [f"<binding name={quoteattr(name)}>" for name in names]
        out.append("<head>" + "".join(f"<variable name={quoteattr(n)}/>" for n in names) + "</head>\n<results>\n")
        for row in rows:
            out.append(
                "<result>"
                + "".join(opening[i] + term(value) + "</binding>" for i, value in enumerate(row) if value is not None)
                + "</result>\n"
            )
        out.append("</results>\n")
    out.append("</sparql>\n")
    return "".join(out).encode("utf-8")


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_term(term: tuple) -> str:
    if term[0] == BNODE:
        return "_:" + term[1]
    if term[0] in (IRI, STRING, LANG, TYPED):
        return _csv_field(term[1])
    return _unsupported(term)


def write_csv(names: Sequence[str], rows: Rows, boolean: bool | None = None) -> bytes:
    if boolean is not None:
        return b"_askResult\r\n" + (b"true" if boolean else b"false") + b"\r\n"
    term = _cached(_csv_term)
    lines = [",".join(_csv_field(name) for name in names)]
    for row in rows:
        lines.append(",".join("" if value is None else term(value) for value in row))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


_NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def ntriples_term(term: tuple) -> str:
    """A term in N-Triples syntax."""
    kind = term[0]
    if kind == IRI:
        return f"<{term[1]}>"
    if kind == BNODE:
        return f"_:{term[1]}"
    if kind not in (STRING, LANG, TYPED):
        return _unsupported(term)
    text = '"' + term[1].translate(_NT_ESCAPES) + '"'
    if kind == STRING:
        return text
    if kind == LANG:
        return f"{text}@{term[2]}"
    if kind == TYPED:
        return f"{text}^^<{term[2]}>"
    return _unsupported(term)


def write_tsv(names: Sequence[str], rows: Rows, boolean: bool | None = None) -> bytes:
    if boolean is not None:
        return b"?_askResult\n" + (b"true" if boolean else b"false") + b"\n"
    term = _cached(ntriples_term)
    lines = ["\t".join("?" + name for name in names)]
    for row in rows:
        lines.append("\t".join("" if value is None else term(value) for value in row))
    return ("\n".join(lines) + "\n").encode("utf-8")


#: media type -> writer, for solutions (SELECT) and booleans (ASK)
SOLUTION_WRITERS: dict[str, Callable[..., bytes]] = {
    JSON: write_json,
    XML: write_xml,
    CSV: write_csv,
    TSV: write_tsv,
}
#: media type -> pyoxigraph RdfFormat name, for graphs (CONSTRUCT, DESCRIBE)
GRAPH_FORMATS: dict[str, str] = {
    "text/turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES",
    "application/ld+json": "JSON_LD",
    "application/rdf+xml": "RDF_XML",
    "application/trig": "TRIG",
    "application/n-quads": "N_QUADS",
}
