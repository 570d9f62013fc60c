"""Writing every export into one folder, all or nothing.

:func:`export` writes the chosen parts into a new folder beside the target, writes the
manifest last (sizes and checksums of the files as written), then swaps the new folder in.
An export that fails or is killed part-way leaves the previous one as it was.

Three things run at once: the dumps in a process of their own (they read the data
themselves, and pyoxigraph writes them), the tables in a thread (mostly waiting for the
store's answers), and the network files here. Each network view is made once and written to
all its files; the whole network is read once.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from coevidence.server.exports import catalog, dumps, networks, tables
from coevidence.server.network.model import read_network
from coevidence.server.stores import Store

PARTS = ("networks", "tables", "dumps", "report")
#: above this many triples no report is made on the spot (give one with ``report=``)
VALIDATE_LIMIT = 50_000
TITLE = "coevidence: evidence about co-creating public services"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"


class ExportFailed(Exception):
    """The export could not be written; the message says why. Nothing was replaced."""


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="file", desc="exporting", disable=not enabled, leave=False)


def export(
    out_dir: Path,
    store: Store,
    *,
    parts: Iterable[str] = PARTS,
    views: str = "all",
    data_paths: Sequence[Path] | None = None,
    store_dir: Path | None = None,
    report: Path | None = None,
    remote: bool = False,
    base: str = "https://w3id.org/coevidence/",
    progress: bool | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> dict:
    """Write the *parts* of the export of *store* into *out_dir*; returns the manifest.

    *views*: ``all`` (every pilot's network and all pilots together) or ``dataset`` (only
    the network of all pilots). Dumps need the data itself: *data_paths* or *store_dir*
    (the bundled data when both are None); in front of a remote store (*remote*) they are
    left out with a note through *log*, and so is a report that cannot be found.
    """
    parts = list(dict.fromkeys(parts))
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise ExportFailed(f"unknown part {', '.join(unknown)}: choose from {', '.join(PARTS)}")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportFailed(f"{out_dir}: exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / catalog.MANIFEST).is_file():
        raise ExportFailed(f"{out_dir}: is a folder that holds other files (no {catalog.MANIFEST}); "
                           "choose an empty or new folder, or an earlier export's folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
    dumping = None
    try:
        if "dumps" in parts and not remote:
            # the dumps read the data themselves: they are written meanwhile, by a process of their own
            dumping = _InAnotherProcess(dumps.dump_data, list(data_paths) if data_paths else None, store_dir, building)
        titles: dict[str, str] = {}
        network = read_network(store) if "networks" in parts else None
        chosen = list(networks.views(network)) if network is not None else []
        if views == "dataset":
            chosen = [view for view in chosen if view[1] is None]
        table_list = tables.codebook_tables() if "tables" in parts else []
        total = 3 * len(chosen) + len(table_list) + (1 if "dumps" in parts else 0) + (1 if "report" in parts else 0)
        enabled = sys.stderr.isatty() if progress is None else progress
        cancelled = threading.Event()
        with _progress(total, enabled) as bar, ThreadPoolExecutor(1, thread_name_prefix="coevidence-export-tables") as pool:
            # the tables are written meanwhile, by a thread of their own: while one side waits
            # for the store's answer to a table's question, the other writes network files
            tabled = pool.submit(_write_tables, store, table_list, building, bar.update, cancelled) if table_list else None
            try:
                for stem, pilot in chosen:
                    label = "every pilot" if pilot is None else network.nodes[pilot].label
                    view = networks.view(network, pilot)
                    networks.write_graphml(view, building / f"{stem}.graphml")
                    titles[f"{stem}.graphml"] = f"Actor and exchange network of {label} (GraphML)"
                    bar.update(1)
                    networks.write_gexf(view, building / f"{stem}.gexf")
                    titles[f"{stem}.gexf"] = f"Actor and exchange network of {label} (GEXF, coloured by sector)"
                    bar.update(1)
                    networks.write_gephi_csv(view, building / f"{stem}-nodes.csv", building / f"{stem}-edges.csv")
                    titles[f"{stem}-nodes.csv"] = f"Nodes of the network of {label} (Gephi spreadsheet: Id, Label)"
                    titles[f"{stem}-edges.csv"] = f"Ties of the network of {label} (Gephi spreadsheet: Source, Target, Type, Weight)"
                    bar.update(1)
                network = view = None  # the tables need neither: let them go
                if tabled is not None:
                    titles.update(tabled.result())
            except BaseException:
                cancelled.set()  # the thread stops after its table; the pool waits for it
                raise
            if "dumps" in parts:
                if remote:
                    log("dumps left out: the data is behind a remote endpoint; dump it with the store's own tools")
                else:
                    titles.update(dumping.result())
                bar.update(1)
            if "report" in parts:
                if _write_report(building, report, data_paths, store_dir, log):
                    titles["validation-report.ttl"] = "The SHACL validation report of the data (Turtle)"
                bar.update(1)
        manifest = catalog.write_manifest(building, titles, version=store.data_version())
        graph = catalog.distributions(manifest, base)
        (building / "distributions.ttl").write_bytes(graph.serialize(format="turtle", encoding="utf-8"))
        manifest = catalog.write_manifest(building, {**titles, "distributions.ttl": "These files as DCAT distributions (Turtle)"},
                                          version=store.data_version())
        _swap_in(building, out_dir)
        return manifest
    except BaseException:
        if dumping is not None:
            dumping.stop()
        shutil.rmtree(building, ignore_errors=True)
        raise


class _InAnotherProcess:
    """``function(*args)`` run in a new Python process (spawned, so no thread or store of this
    one is copied into it), started at once; :meth:`result` waits for its answer and raises
    what it raised, :meth:`stop` ends it."""

    def __init__(self, function, *args) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._answer, sending = context.Pipe(duplex=False)
        self._process = context.Process(target=_answer_with, args=(sending, function, args), daemon=True,
                                        name="coevidence-export-dumps")
        self._process.start()
        sending.close()

    def result(self):
        try:
            done, value = self._answer.recv()
        except EOFError:
            self._process.join()
            raise ExportFailed(f"the process writing the dumps ended without an answer (exit code {self._process.exitcode})") from None
        finally:
            self._answer.close()
        self._process.join()
        if not done:
            raise value
        return value

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()


def _answer_with(sending, function, args) -> None:
    import pickle

    try:
        answer = (True, function(*args))
    except BaseException as error:  # sent back whole, to be raised where the export waits for it
        try:
            pickle.dumps(error)
            answer = (False, error)
        except (pickle.PicklingError, TypeError, AttributeError):  # one that cannot cross the pipe: sent as words
            answer = (False, ExportFailed(f"{type(error).__name__}: {error}"))
    sending.send(answer)
    sending.close()


def _write_tables(store: Store, table_list: list[tables.Table], building: Path, advance: Callable[[int], object],
                  cancelled: threading.Event) -> dict[str, str]:
    """Every table, its CSVW codebook and the codebook's page into *building*: their titles."""
    titles = {}
    notations = tables._notations()
    for table in table_list:
        if cancelled.is_set():
            return titles
        (building / table.file).write_bytes(tables.table_csv(store, table, notations))
        titles[table.file] = f"{table.title} (CSV, one row per record)"
        advance(1)
    metadata = tables.csvw_metadata(table_list, licence=LICENCE, title=TITLE)
    (building / "tables-metadata.json").write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n",
                                                  encoding="utf-8")
    titles["tables-metadata.json"] = "Codebook of the CSV tables (CSVW metadata)"
    (building / "codebook.html").write_text(render_codebook(table_list), encoding="utf-8")
    titles["codebook.html"] = "Codebook of the CSV tables (a page to read)"
    return titles


def _write_report(building: Path, report: Path | None, data_paths, store_dir, log) -> bool:
    if report is not None:
        shutil.copyfile(report, building / "validation-report.ttl")
        return True
    if store_dir is not None:
        found = Path(store_dir).parent / "report.ttl"  # a published version: store/ beside report.ttl
        if found.is_file():
            shutil.copyfile(found, building / "validation-report.ttl")
            return True
    from rdflib import Graph

    from coevidence.server.stores.oxigraph import bundled_data_paths
    from coevidence.shapes import validate

    paths = list(data_paths) if data_paths else (bundled_data_paths() if store_dir is None else [])
    if not paths:
        log("report left out: no report beside the store; give the build's report with --report")
        return False
    if _more_triples_than(paths, VALIDATE_LIMIT):
        log(f"report left out: over {VALIDATE_LIMIT:,} triples; give the build's report with --report")
        return False
    graph = Graph()
    for path in paths:
        graph.parse(path)
    result = validate(graph)
    (building / "validation-report.ttl").write_bytes(result.report_graph.serialize(format="turtle", encoding="utf-8"))
    return True


def _more_triples_than(paths: Sequence[Path], limit: int) -> bool:
    """Whether the files hold more than *limit* triples, counted by pyoxigraph's parser and
    stopped as soon as they do (rdflib would take minutes and gigabytes to find out)."""
    import pyoxigraph as ox

    from coevidence.server.stores.oxigraph import FORMATS_BY_SUFFIX

    seen = 0
    for path in paths:
        rdf_format = getattr(ox.RdfFormat, FORMATS_BY_SUFFIX.get(Path(path).suffix.lower(), "TURTLE"))
        for _ in ox.parse(path=str(path), format=rdf_format):
            seen += 1
            if seen > limit:
                return True
    return False


def _swap_in(building: Path, out_dir: Path) -> None:
    old = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        out_dir.rename(old / "previous")
    try:
        building.rename(out_dir)
    except BaseException:
        if old is not None:
            (old / "previous").rename(out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def render_codebook(table_list: list[tables.Table]) -> str:
    """The codebook as a page to read: every table, every column, what it holds."""
    environment = Environment(loader=PackageLoader("coevidence.server", "templates"),
                              autoescape=select_autoescape(default=True))
    return environment.get_template("codebook.html").render(tables=table_list, title=TITLE, separator=tables.SEPARATOR)
