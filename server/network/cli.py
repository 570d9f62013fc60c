"""``coevidence network``: the network measures as tables on a terminal, or as JSON.

    coevidence network pilot KEY        one pilot's actors, brokers and bridging ties
    coevidence network all              the same over every pilot
    coevidence network path A B         how two entities are connected, with sources
    coevidence network similar          which pilots resemble one another

Each reads the bundled data by default, or ``--data``, ``--store`` or ``--endpoint`` as
``coevidence serve`` does. Exit codes: 0 done, 1 an entity or pilot asked for is not in
the data, 2 the command could not run.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from contextlib import contextmanager
import click

from coevidence.server.store_options import open_chosen_store, store_options

ID_BASE = "https://w3id.org/coevidence/id/"


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"coevidence network: error: {message}", err=True)
    sys.exit(code)


@contextmanager
def _network(options: dict):
    from coevidence.server.network.model import read_network
    from coevidence.server.stores import StoreError

    try:
        store = open_chosen_store(**options)
    except StoreError as error:
        _fail(str(error))
    try:
        yield read_network(store)
    except StoreError as error:
        _fail(str(error))
    finally:
        store.close()


def _store_options(command):
    return store_options(click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")(command))


def table(rows: Sequence[dict], columns: Sequence[tuple[str, str]], *, limit: int | None = None) -> str:
    """*rows* as a plain text table of *columns* (key, heading), cut at *limit* rows."""
    shown = list(rows[:limit] if limit else rows)
    cells = [[_cell(row.get(key)) for key, _ in columns] for row in shown]
    widths = [max([len(heading)] + [len(line[i]) for line in cells]) for i, (_, heading) in enumerate(columns)]
    lines = ["  ".join(heading.ljust(width) for (_, heading), width in zip(columns, widths)).rstrip()]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in cells]
    if limit and len(rows) > limit:
        lines.append(f"... {len(rows) - limit} more (all of them with --json)")
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(item) for item in value)
    return str(value).replace("\n", " ")


def entity_iri(text: str) -> str:
    """An IRI from a full IRI or from ``type/key`` under the data's base (``group/x``)."""
    if "://" in text:
        return text
    return ID_BASE + text.strip("/")


def _emit(data, as_json: bool, render) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(render(data))


CENTRALITY = [("label", "node"), ("kind", "kind"), ("sector_group", "sector"), ("degree", "degree"),
              ("betweenness", "betweenness"), ("betweenness_without_low", "without low")]
BRIDGES = [("from_label", "from"), ("from_sector", "sector"), ("to_label", "to"), ("to_sector", "sector"),
           ("kind", "tie"), ("resource", "resource")]


def _network_report(data: dict) -> str:
    parts = [f"{data['counts']['nodes']} nodes, {data['counts']['edges']} ties", "",
             "Brokers (betweenness; 'without low' leaves out low-confidence claims):",
             table(data["centrality"], CENTRALITY, limit=25), ""]
    if data["bridges"]["bridges"]:
        parts += ["Ties that bridge sectors:", table(data["bridges"]["bridges"], BRIDGES, limit=25), ""]
    else:
        parts += ["No tie between two actors of different sectors (exchanges name few recipients).", ""]
    sectors = [{"pilot": value["label"], "sectors": value["sectors"]} for value in data["bridges"]["sectors_by_pilot"].values()]
    parts += ["Sectors that meet in each pilot:", table(sectors, [("pilot", "pilot"), ("sectors", "sectors")])]
    return "\n".join(parts)


def network_report(network, pilot: str | None) -> dict:
    from coevidence.server.network import measures

    drawn = measures.graph_json(network, pilot)
    return {
        "pilot": pilot,
        "counts": drawn["counts"],
        "centrality": measures.centrality(network, pilot),
        "bridges": measures.sector_bridges(network, pilot),
        "graph": drawn,
    }


@click.group()
def network() -> None:
    """Network measures on the actors and exchanges of the pilots (networkx)."""


@network.command("pilot")
@click.argument("key")
@_store_options
def pilot_command(key, as_json, **options) -> None:
    """One pilot's network: KEY is the end of its IRI (ee-voru-disability)."""
    with _network(options) as found:
        node = found.pilot_by_key(key)
        if node is None:
            keys = ", ".join(pilot.iri.rsplit("/", 1)[-1] for pilot in found.pilots())
            _fail(f"no pilot {key!r}; the pilots are: {keys}", 1)
        _emit(network_report(found, node.iri), as_json, _network_report)


@network.command("all")
@_store_options
def all_command(as_json, **options) -> None:
    """The network of every pilot together."""
    with _network(options) as found:
        _emit(network_report(found, None), as_json, _network_report)


@network.command("path")
@click.argument("start")
@click.argument("end")
@_store_options
def path_command(start, end, as_json, **options) -> None:
    """How START is connected to END: IRIs, or type/key (group/ee-hackathon-participants)."""
    from coevidence.server.network import measures

    with _network(options) as found:
        try:
            data = measures.connection(found, entity_iri(start), entity_iri(end))
        except measures.UnknownEntity as error:
            _fail(str(error), 1)
    _emit(data, as_json, _path_report)


def _path_report(data: dict) -> str:
    if not data["connected"]:
        return f"{data['from']} and {data['to']} are not connected."
    lines = [f"{data['length']} links from {data['from']} to {data['to']}:", ""]
    for number, step in enumerate(data["steps"], 1):
        confidence = f" [{step['confidence']} confidence]" if step["confidence"] else ""
        lines.append(f"{number}. {step['label']} ({step['kind']}){confidence}")
        for source in step["sources"]:
            lines.append(f"     source: {source['title']}" + (f" <{source['url']}>" if source["url"] else ""))
        if "link" in step:
            lines.append(f"   -- {step['link']} -->")
    return "\n".join(lines)


@network.command("similar")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="Least similarity that joins two pilots into a group [default: 0.25].")
@_store_options
def similar_command(threshold, as_json, **options) -> None:
    """Which pilots resemble one another (Jaccard on methods, factors, resource types)."""
    from coevidence.server.network import measures

    with _network(options) as found:
        data = measures.similarity(found, measures.SIMILARITY_THRESHOLD if threshold is None else threshold)
    _emit(data, as_json, _similar_report)


def _similar_report(data: dict) -> str:
    columns = [("a_label", "pilot"), ("b_label", "pilot"), ("jaccard", "jaccard"), ("jaccard_without_low", "without low")]
    lines = [f"Similarity: {data['measure']}.", "", table(data["pairs"], columns, limit=30), "",
             f"Groups: {data['grouping']}:"]
    for number, group in enumerate(data["groups"], 1):
        lines.append(f"  {number}. " + "; ".join(member["label"] for member in group))
    if data["groups"] != data["groups_without_low"]:
        lines.append("Without low-confidence claims the groups are:")
        for number, group in enumerate(data["groups_without_low"], 1):
            lines.append(f"  {number}. " + "; ".join(member["label"] for member in group))
    else:
        lines.append("The groups are the same without low-confidence claims.")
    return "\n".join(lines)
