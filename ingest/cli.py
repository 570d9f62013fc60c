"""`coevidence template`, `coevidence build` and `coevidence synth`.

Exit codes: 0 success (warnings allowed), 1 the input has errors or the graph does not
conform (nothing written), 2 the command could not run (nothing written).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from coevidence.ingest.build import (
    BuildFailed,
    Built,
    build_graph,
    check_base,
    output_format,
    serialize,
)
from coevidence.ingest.readers import Origin
from coevidence.ontology import ID
from coevidence.shapes import Problem
from rdflib import URIRef

import coevidence

EXIT_OK, EXIT_INVALID, EXIT_FAILED = 0, 1, 2


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_FAILED)


@click.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def template(out: Path) -> None:
    """Write an empty data-entry workbook (OUT.xlsx), generated from the ontology."""
    from coevidence.ingest.template import write_template

    if out.suffix.lower() != ".xlsx":
        _fail(f"{out}: the template is a workbook; give a name ending in .xlsx")
    try:
        write_template(out)
    except BuildFailed as error:
        _fail(str(error))
    click.echo(f"wrote {out}", err=True)


def _origin_of(focus: str, origins: dict[URIRef, Origin]) -> Origin | None:
    """The row a focus node was entered in: its own, or that of the record it belongs to."""
    text = focus
    while text:
        origin = origins.get(URIRef(text))
        if origin is not None:
            return origin
        if "/" not in text[len("https://"):]:
            return None
        text = text.rsplit("/", 1)[0]
    return None


def problem_line(problem: Problem, origins: dict[URIRef, Origin]) -> str:
    """``[warning: ]LABEL (row FILE:SHEET:ROW): PATH: MESSAGE [value]``."""
    origin = _origin_of(problem.focus, origins)
    where = f" (row {origin.file}:{origin.sheet}:{origin.row})" if origin else f" <{problem.focus}>"
    path = f"{problem.path}: " if problem.path else ""
    value = f" [value {problem.value}]" if problem.value else ""
    prefix = "" if problem.severity == "Violation" else f"{problem.severity.lower()}: "
    return f"{prefix}{problem.focus_label}{where}: {path}{problem.message}{value}"


@click.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="The graph to write: .ttl, .nt or .jsonld.")
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "jsonld"]), help="The output format, when the extension does not say.")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), help="Publish a new version (Turtle, report and Oxigraph store) into this publication root.")
@click.option("--allow-shrink", is_flag=True, help="Publish even when the graph is much smaller than the one it replaces.")
@click.option("--base", default=str(ID), show_default=True, help="The IRI the build mints its IRIs under (<BASE>pilot/<id>...).")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Validate in this many processes, pilot by pilot.")
@click.option("--engine", type=click.Choice(["auto", "pyshacl", "turbo"]), default="auto", show_default=True, help="The SHACL engine.")
def build(sources: tuple[Path, ...], output: Path | None, fmt: str | None, store: Path | None, allow_shrink: bool, base: str, jobs: int, engine: str) -> None:
    """Build a validated graph from SOURCES (workbooks, folders of CSV tables, RDF files).

    Every problem in the input is listed at once, one line each, as
    FILE:SHEET:ROW: column "x": message. Nothing is written unless the input is free of
    errors and the graph conforms to the shapes. With --store DIR the Turtle, the
    validation report and the Oxigraph store are published together as one new version
    of DIR (see data/README.md, "Publishing a build"); with -o, the graph is written to OUT.
    """
    from coevidence.ingest.publish import PublishFailed, PublishRefused, check_size, check_targets, publish
    from coevidence.ingest.validation import ValidationFailed, validate_graph

    if output is None and store is None:
        _fail("nothing to write: give -o OUT.ttl, --store DIR, or both")
    try:
        rdf_format = output_format(output, fmt) if output is not None else "turtle"
        check_targets(list(sources), output, store)
        built: Built = build_graph(list(sources), base=check_base(base))
    except (BuildFailed, PublishFailed) as error:
        _fail(str(error))
    for note in built.notes:
        click.echo(f"note: {note}", err=True)
    if built.triples is None:
        for error in built.errors:
            click.echo(str(error), err=True)
        count = len(built.errors)
        click.echo(f"{count} error{'s' if count != 1 else ''} in the input; nothing written", err=True)
        sys.exit(EXIT_INVALID)
    try:
        result = validate_graph(built.triples, jobs=jobs, engine=engine)
    except ValidationFailed as error:
        _fail(f"validation could not run: {error}")
    lines = [problem_line(problem, built.origins) for problem in result.problems]
    for line in lines:
        click.echo(line, err=True)
    counts = result.counts()
    if not result.conforms:
        click.echo(f"{counts['Violation']} violation(s), {counts['Warning']} warning(s): the graph does not conform; nothing written", err=True)
        sys.exit(EXIT_INVALID)
    turtle = serialize(built.triples, "turtle")
    data = turtle if rdf_format == "turtle" else (serialize(built.graph, rdf_format) if output is not None else None)
    try:
        check_size(built.records, len(built.triples), data, output, store, allow_shrink)
    except PublishRefused as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_INVALID)
    except PublishFailed as error:
        _fail(str(error))
    info = {
        "coevidence": coevidence.__version__, "sources_sha256": built.digest,
        "records": built.records, "triples": len(built.triples), "problems": counts,
    }
    try:
        done = publish(
            turtle=turtle, output=output, output_data=data, store=store,
            report="".join(line + "\n" for line in lines), info=info, graph_name=_graph_name(sources),
        )
    except PublishFailed as error:
        _fail(str(error))
    warnings = f", {counts['Warning']} warning(s)" if counts["Warning"] else ""
    written = [str(output)] if output is not None else []
    if done.version is not None:
        written.append(f"version {done.version.id} of {store}")
    click.echo(f"wrote {' and '.join(written)}: {len(built.triples)} triples from {built.records} records{warnings}", err=True)


def _graph_name(sources: tuple[Path, ...]) -> str:
    """The named graph of the built data in the store: ``GRAPH[<name of the first source>]``
    (``data/sources/cosie`` -> ``.../graph/cosie``, as the server names the bundled cosie.ttl)."""
    first = sources[0].resolve()
    return first.stem if first.is_file() else first.name


@click.command()
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--pilots", type=click.IntRange(min=1), default=100, show_default=True, help="How many pilots.")
@click.option("--seed", type=int, default=0, show_default=True, help="The random seed: the same seed gives the same files.")
def synth(outdir: Path, pilots: int, seed: int) -> None:
    """Write synthetic sources (CSV tables in the ingest format) to OUTDIR."""
    from coevidence.ingest.synth import SynthRefused, write_synthetic

    try:
        counts = write_synthetic(outdir, pilots, seed)
    except SynthRefused as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"{outdir}: cannot be written ({error.strerror})")
    click.echo(f"wrote {sum(counts.values())} rows for {pilots} pilots to {outdir}", err=True)


__all__ = ["build", "problem_line", "synth", "template"]
