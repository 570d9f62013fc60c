"""The whole graph as files: Turtle, N-Triples, N-Quads (with the named graphs) and JSON-LD.

Dumps are written by pyoxigraph straight from the data, in one pass each, so they cost
seconds at a million triples. They need the data itself (the files or the store that
``coevidence serve`` would open): a remote endpoint is dumped with its own tools.

The JSON-LD dump uses the project's prefixes as its context, which is also published on its
own as ``context.jsonld``: keys and IRIs are written as compact IRIs (``coe:pilot``) that any
JSON-LD processor expands back. Above ``COMPACT_LIMIT`` triples the dump stays in the
expanded form pyoxigraph writes (full IRIs), which every processor reads as it is.

A file larger than ``GZIP_ABOVE`` bytes is written gzip-compressed (``.gz``, reproducible:
no time stamp in the header), compressed as it is written (:class:`_Output`).
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from coevidence.ontology import PREFIXES

GZIP_ABOVE = 8 * 1024 * 1024
#: how much of a compressed dump is handed to gzip at a time
BLOCK = 1024 * 1024
COMPACT_LIMIT = 500_000
CONTEXT = {prefix: str(iri) for prefix, iri in sorted(PREFIXES.items())}


def open_data(*, data_paths: Sequence[Path] | None = None, store_dir: Path | None = None) -> ox.Store:
    """A pyoxigraph store holding what ``coevidence serve`` would serve (files or a store)."""
    if store_dir is not None:
        return ox.Store.read_only(str(store_dir))
    from coevidence.server.stores.oxigraph import FORMATS_BY_SUFFIX, data_files

    store = ox.Store()
    for file in data_files(data_paths or None):
        store.bulk_load(path=str(file.path), format=getattr(ox.RdfFormat, FORMATS_BY_SUFFIX[file.path.suffix.lower()]),
                        to_graph=ox.NamedNode(file.graph))
    return store


class _Output:
    """A dump being written as *name*: held in memory up to ``GZIP_ABOVE`` bytes, then sent
    through gzip into *name*.gz as it comes, so no byte is written twice (no spool on disk to
    compress afterwards). :meth:`close` says which file it became."""

    def __init__(self, out_dir: Path, name: str) -> None:
        self._out_dir, self._name = out_dir, name
        self._held = io.BytesIO()
        self._raw = None
        self._packed: gzip.GzipFile | None = None

    def write(self, data) -> int:
        written = self._held.write(data)
        if self._packed is not None:
            if self._held.tell() >= BLOCK:  # pyoxigraph writes in small pieces: gzip takes them in blocks
                self._packed.write(self._held.getbuffer())
                self._held = io.BytesIO()
        elif self._held.tell() > GZIP_ABOVE:
            self._raw = open(self._out_dir / f"{self._name}.gz", "wb")
            # reproducible: no time stamp in the header
            self._packed = gzip.GzipFile(filename=self._name, fileobj=self._raw, mode="wb", mtime=0, compresslevel=6)
            self._packed.write(self._held.getbuffer())
            self._held = io.BytesIO()
        return written

    def flush(self) -> None:
        pass

    def close(self) -> Path:
        if self._packed is None:
            target = self._out_dir / self._name
            target.write_bytes(self._held.getbuffer())
            return target
        self._packed.write(self._held.getbuffer())
        self._packed.close()
        self._raw.close()
        return self._out_dir / f"{self._name}.gz"


def _graphs(store: ox.Store) -> list:
    """The graphs of *store* that hold triples, in a fixed order (the default graph first)."""
    graphs = sorted(store.named_graphs(), key=str)
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        graphs.insert(0, ox.DefaultGraph())
    return graphs


def _triples(store: ox.Store):
    """Every triple of every graph (one that stands in two graphs is written twice, which
    changes nothing for a reader of N-Triples or Turtle)."""
    for quad in store:
        yield ox.Triple(quad.subject, quad.predicate, quad.object)


def write_dumps(store: ox.Store, out_dir: Path) -> list[Path]:
    """Every dump of *store* into *out_dir*; returns the files written.

    N-Triples and Turtle are written by pyoxigraph graph by graph, one after the other (a
    Turtle document may declare its prefixes again; the union of the graphs is what a reader
    gets, as from the N-Quads), so no triple passes through Python on its way out.
    """
    written = []
    output = _Output(out_dir, "dataset.nq")
    store.dump(output, format=ox.RdfFormat.N_QUADS)
    written.append(output.close())

    graphs = _graphs(store)
    for name, rdf_format in (("dataset.nt", ox.RdfFormat.N_TRIPLES), ("dataset.ttl", ox.RdfFormat.TURTLE)):
        output = _Output(out_dir, name)
        for graph in graphs:
            options = {"prefixes": CONTEXT} if rdf_format == ox.RdfFormat.TURTLE else {}
            store.dump(output, format=rdf_format, from_graph=graph, **options)
        written.append(output.close())

    (out_dir / "context.jsonld").write_text(json.dumps({"@context": CONTEXT}, indent=2) + "\n", encoding="utf-8")
    written.append(out_dir / "context.jsonld")
    output = _Output(out_dir, "dataset.jsonld")
    if len(store) <= COMPACT_LIMIT:
        expanded = json.loads(ox.serialize(_triples(store), format=ox.RdfFormat.JSON_LD))
        document = {"@context": CONTEXT, "@graph": [_compact(node) for node in expanded]}
        output.write((json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    else:
        ox.serialize(_triples(store), output, ox.RdfFormat.JSON_LD)
    written.append(output.close())
    return written


TITLES = {
    "dataset.nq": "The whole dataset with its named graphs (N-Quads)",
    "dataset.nt": "The whole dataset (N-Triples)",
    "dataset.ttl": "The whole dataset (Turtle)",
    "dataset.jsonld": "The whole dataset (JSON-LD, compact IRIs from context.jsonld)",
    "context.jsonld": "The JSON-LD context of the dump: the project's prefixes",
}


def dump_data(data_paths: Sequence[Path] | None, store_dir: Path | None, out_dir: Path) -> dict[str, str]:
    """Open the data (:func:`open_data`) and write every dump into *out_dir*: the files
    written and their titles. One call with plain arguments, so it can run in a process of
    its own while the rest of an export is written."""
    written = write_dumps(open_data(data_paths=data_paths, store_dir=store_dir), out_dir)
    return {path.name: TITLES.get(path.name.removesuffix(".gz"), path.name) for path in written}


_BY_LENGTH = sorted(CONTEXT.items(), key=lambda item: -len(item[1]))


def compact_iri(iri: str) -> str:
    """``https://w3id.org/coevidence/ontology#Pilot`` -> ``coe:Pilot`` where a prefix fits."""
    for prefix, namespace in _BY_LENGTH:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            rest = iri[len(namespace):]
            if not rest.startswith("//") and ":" not in rest:
                return f"{prefix}:{rest}"
    return iri


def _compact(value):
    if isinstance(value, list):
        return [_compact(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in ("@id", "@type") and isinstance(item, str):
            out[key] = compact_iri(item)
        elif key == "@type" and isinstance(item, list):
            out[key] = [compact_iri(name) for name in item]
        elif key.startswith("@"):
            out[key] = _compact(item)
        else:
            out[compact_iri(key)] = _compact(item)
    return out
