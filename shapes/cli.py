"""`coevidence validate FILE...`: check RDF files against the shapes and report.

Exit codes: 0 the data conforms (warnings alone keep 0), 1 it does not conform, 2 the
command could not run (a file is missing, unreadable, of an unknown format or not valid
RDF; a syntax error is reported as ``FILE:LINE: syntax error: <parser message>``).
"""

from __future__ import annotations

import json
import logging
import re
import xml.sax
from contextlib import contextmanager
from pathlib import Path

import click
import pyoxigraph
from coevidence.shapes import ValidationResult
from coevidence.shapes import validate as validate_graph
from coevidence.ontology import COE
from rdflib import Graph, URIRef
from rdflib.exceptions import Error as RDFLibError
from rdflib.plugins.parsers.notation3 import BadSyntax

from coevidence.files import write_atomically

#: file suffix -> rdflib parser
FORMATS_BY_SUFFIX: dict[str, str] = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".ntriples": "nt",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
}

#: report formats, and the suffixes --output infers them from
REPORT_FORMATS = ("human", "turtle", "json")
REPORT_FORMAT_BY_SUFFIX = {".ttl": "turtle", ".turtle": "turtle", ".json": "json"}

EXIT_CONFORMS, EXIT_DOES_NOT_CONFORM, EXIT_COULD_NOT_RUN = 0, 1, 2

# Errors rdflib's JSON-LD parser is known to raise on JSON that is not JSON-LD.
_JSONLD_ERRORS = (ValueError, TypeError, AttributeError, NameError, KeyError)


class InputError(Exception):
    """A file that could not be read as RDF, with a one-line message for the person who gave it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def rdf_format(path: Path) -> str:
    """The rdflib parser for *path*, chosen by its suffix."""
    fmt = FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS_BY_SUFFIX))
        raise InputError(f"{path}: unknown RDF format {path.suffix or '(no suffix)'!r}; use one of {known}")
    return fmt


def read_file(path: Path, graph: Graph) -> None:
    """Parse the RDF file *path* into *graph*, turning every parse failure into an :class:`InputError`."""
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not an RDF file")
    fmt = rdf_format(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not an RDF file") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: cannot read: not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        if fmt == "json-ld":
            _parse_json_ld(path, text, graph)
        else:
            graph.parse(data=text, format=fmt, publicID=path.resolve().as_uri())
    except xml.sax.SAXParseException as error:
        raise InputError(f"{path}:{error.getLineNumber()}: syntax error: {error.getMessage()}") from None
    except xml.sax.SAXException as error:
        raise InputError(f"{path}: syntax error: {error.getMessage()}") from None
    except (BadSyntax, RDFLibError, IndexError, AssertionError) as error:
        # IndexError and AssertionError: rdflib's Turtle parser fails so on some broken input
        # (a statement cut off at the end of the file, a quote where it did not expect one).
        raise InputError(_syntax_error(path, text, fmt, error)) from None


def _syntax_error(path: Path, text: str, fmt: str, error: BaseException) -> str:
    """``FILE:LINE: syntax error: <message>`` for a file rdflib could not parse.

    Oxigraph's parsers say where the first error is more precisely than rdflib's (rdflib
    lets some errors through, such as spaces in IRIs, and stumbles later), so they are asked
    first; rdflib's own position is the fallback.
    """
    located = _oxigraph_syntax_error(path, text, fmt)
    if located is not None:
        return located
    if isinstance(error, BadSyntax):
        return f"{path}:{_bad_syntax_line(text, error)}: syntax error: {_bad_syntax_reason(error)}"
    line = _failing_ntriples_line(text) if fmt == "nt" else None
    where = f"{path}:{line}" if line is not None else str(path)
    return f"{where}: syntax error: {_one_line(error)}"


_OXIGRAPH_FORMATS = {"turtle": "TURTLE", "nt": "N_TRIPLES"}


def _oxigraph_syntax_error(path: Path, text: str, fmt: str) -> str | None:
    """The first syntax error Oxigraph finds in *text*, with its line, or None."""
    ox_format = _OXIGRAPH_FORMATS.get(fmt)
    if ox_format is None:
        return None
    try:
        for _ in pyoxigraph.parse(text.encode("utf-8"), getattr(pyoxigraph.RdfFormat, ox_format), base_iri=path.resolve().as_uri()):
            pass
    except SyntaxError as located:
        if not located.lineno:
            return None
        reason = re.sub(r"^Parser error (at|between) .*?: ", "", str(located))
        reason = re.sub(r" \(line \d+\)$", "", reason)
        column = f" (column {located.offset})" if located.offset else ""
        return f"{path}:{located.lineno}: syntax error: {reason}{column}"
    return None


def _bad_syntax_line(text: str, error: BadSyntax) -> int:
    """The line of a Turtle syntax error, counted from the parser's offset into the text
    (its own line counter counts some newlines twice when it backtracks)."""
    offset = getattr(error, "_i", None)
    if isinstance(offset, int) and 0 <= offset <= len(text):
        return text.count("\n", 0, offset) + 1
    return error.lines + 1


def _parse_json_ld(path: Path, text: str, graph: Graph) -> None:
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{path}:{error.lineno}: syntax error: {error.msg} (column {error.colno})") from None
    try:
        graph.parse(data=text, format="json-ld", publicID=path.resolve().as_uri())
    except OSError as error:
        raise InputError(f"{path}: cannot load a JSON-LD context it refers to: {_one_line(error)}") from None
    except _JSONLD_ERRORS as error:
        raise InputError(f"{path}: not valid JSON-LD: {_one_line(error)}") from None


def _bad_syntax_reason(error: BadSyntax) -> str:
    match = re.search(r"Bad syntax \((.*?)\) at \^", str(error), re.DOTALL)
    return match.group(1) if match else _one_line(error)


def _failing_ntriples_line(text: str) -> int | None:
    """N-Triples is one triple per line: find the first line that does not parse alone."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            Graph().parse(data=line, format="nt")
        except RDFLibError:
            return number
    return None


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


@contextmanager
def _quiet_literal_warnings():
    """rdflib logs a traceback for each ill-typed literal (``"2019-02-30"^^xsd:date``) it reads.
    The shapes report such values with a message for the person who wrote them, so the
    traceback is noise: hold it back while the command reads and validates."""
    logger = logging.getLogger("rdflib.term")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def read_graph(paths: list[Path]) -> Graph:
    """Parse all *paths* into one graph; raise :class:`InputError` listing every file that failed."""
    graph = Graph()
    errors: list[str] = []
    for path in paths:
        try:
            read_file(path, graph)
        except InputError as error:
            errors.append(error.message)
    if errors:
        raise InputError("\n".join(errors))
    return graph


# ---------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------


def entered_at(graph: Graph | None, focus: str) -> str | None:
    """``FILE:SHEET:ROW`` of the source row the focus node (or the record it belongs to, whose
    IRI it extends) was entered in, as ``coevidence build`` records it (``coe:enteredIn``)."""
    if graph is None:
        return None
    text = focus
    while "/" in text.split("://", 1)[-1]:
        row = graph.value(URIRef(text), COE.enteredIn)
        if row is not None:
            file, sheet, number = (graph.value(row, term) for term in (COE.file, COE.sheet, COE.row))
            if file is not None:
                return ":".join(str(part) for part in (file, sheet, number) if part is not None)
        text = text.rsplit("/", 1)[0]
    return None


def human_report(result: ValidationResult, graph: Graph | None = None) -> str:
    """One line per problem: severity, focus label and IRI, the source row it was entered in
    (when *graph* records it), path, message (and value)."""
    lines = []
    for problem in result.problems:
        where = f"{problem.path}: " if problem.path else ""
        value = f" (value: {problem.value})" if problem.value is not None else ""
        row = entered_at(graph, problem.focus)
        entered = f" entered in {row}" if row else ""
        lines.append(f"{problem.severity:<9}  {problem.focus_label} ({problem.focus}){entered}  {where}{problem.message}{value}")
    return "\n".join(lines) + ("\n" if lines else "")


def summary(result: ValidationResult, files: int, hidden: int = 0) -> str:
    """The count line: ``2 violations, 3 warnings in 1 file: does not conform``."""
    counts = result.counts()
    parts = [_plural(counts["Violation"], "violation"), _plural(counts["Warning"], "warning")]
    if counts["Info"]:
        parts.append(_plural(counts["Info"], "info"))
    verdict = "conforms" if result.conforms else "does not conform"
    note = f" ({hidden} not shown)" if hidden else ""
    return f"{', '.join(parts)} in {_plural(files, 'file')}: {verdict}{note}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def render(result: ValidationResult, report_format: str, graph: Graph | None = None) -> str:
    if report_format == "turtle":
        return result.to_turtle()
    if report_format == "json":
        return result.to_json()
    return human_report(result, graph)


# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=True))
@click.option(
    "--format", "report_format", type=click.Choice(REPORT_FORMATS), default=None,
    help="Report format: human (default), turtle (the SHACL report graph) or json. "
    "With --output and no --format, taken from the output's suffix (.ttl, .json).",
)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write the report to this file instead of printing it.")
@click.option("--warnings/--no-warnings", "show_warnings", default=True, show_default=True, help="List warnings and infos as well as violations.")
@click.pass_context
def validate(ctx: click.Context, files: tuple[Path, ...], report_format: str | None, output: Path | None, show_warnings: bool) -> None:
    """Check RDF FILES against the coevidence shapes.

    The files (Turtle .ttl, N-Triples .nt, JSON-LD .jsonld, RDF/XML .rdf) are read into one
    graph and validated together, with the ontology and vocabularies added. Violations mean
    the data is wrong; warnings mean it is incomplete and do not change the exit code.

    Exit codes: 0 conforms, 1 does not conform, 2 could not run.
    """
    if report_format is None:
        report_format = REPORT_FORMAT_BY_SUFFIX.get(output.suffix.lower(), "human") if output else "human"
    with _quiet_literal_warnings():
        try:
            graph = read_graph(list(files))
        except InputError as error:
            click.echo(error.message, err=True)
            ctx.exit(EXIT_COULD_NOT_RUN)
        result = validate_graph(graph)
    shown = result if show_warnings else result.only("Violation")
    hidden = len(result.problems) - len(shown.problems)
    text = render(shown, report_format, graph)
    count_line = summary(result, len(files), hidden)

    if output is not None:
        try:
            write_atomically(output, text.encode("utf-8"))
        except OSError as error:
            click.echo(f"{output}: cannot write the report: {error.strerror or error}", err=True)
            ctx.exit(EXIT_COULD_NOT_RUN)
        click.echo(f"{count_line}; report written to {output}")
    elif report_format == "human":
        click.echo(text, nl=False)
        click.echo(count_line)
    else:
        click.echo(text, nl=False)
        click.echo(count_line, err=True)
    ctx.exit(EXIT_CONFORMS if result.conforms else EXIT_DOES_NOT_CONFORM)
