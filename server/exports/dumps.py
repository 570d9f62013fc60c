"""The whole graph as files: Turtle, N-Triples, N-Quads (with the named graphs) and JSON-LD.

Dumps are written by pyoxigraph straight from the data, in one pass each, so they cost
seconds at a million triples. They need the data itself (the files or the store that
``coevidence serve`` would open): a remote endpoint is dumped with its own tools.

The JSON-LD dump uses the project's prefixes as its context, which is also published on its
own as ``context.jsonld``: keys and IRIs are written as compact IRIs (``coe:pilot``) that any
JSON-LD processor expands back. Above ``COMPACT_LIMIT`` triples the dump stays in the
expanded form pyoxigraph writes (full IRIs), which every processor reads as it is.

A file larger than ``GZIP_ABOVE`` bytes is written gzip-compressed (``.gz``, reproducible:
no time stamp in the header).
"""

from __future__ import annotations

import gzip
import io
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from coevidence.ontology import PREFIXES

GZIP_ABOVE = 8 * 1024 * 1024
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


def _finish(buffer: io.BytesIO | Path, out_dir: Path, name: str) -> Path:
    """Write the dump as *name*, or as *name*.gz when it is large."""
    size = buffer.stat().st_size if isinstance(buffer, Path) else buffer.getbuffer().nbytes
    target = out_dir / name
    if size > GZIP_ABOVE:
        target = out_dir / f"{name}.gz"
        with (open(buffer, "rb") if isinstance(buffer, Path) else buffer) as source, open(target, "wb") as raw:
            if not isinstance(buffer, Path):
                source.seek(0)
            with gzip.GzipFile(filename=name, fileobj=raw, mode="wb", mtime=0, compresslevel=6) as packed:
                shutil.copyfileobj(source, packed, 1 << 20)
        if isinstance(buffer, Path):
            buffer.unlink()
    elif isinstance(buffer, Path):
        buffer.replace(target)
    else:
        target.write_bytes(buffer.getvalue())
    return target


def _triples(store: ox.Store):
    """Every triple of every graph (one that stands in two graphs is written twice, which
    changes nothing for a reader of N-Triples or Turtle)."""
    for quad in store:
        yield ox.Triple(quad.subject, quad.predicate, quad.object)


def write_dumps(store: ox.Store, out_dir: Path) -> list[Path]:
    """Every dump of *store* into *out_dir*; returns the files written."""
    written = []
    spool = out_dir / ".dump.tmp"
    with open(spool, "wb") as stream:
        store.dump(stream, format=ox.RdfFormat.N_QUADS)
    written.append(_finish(spool, out_dir, "dataset.nq"))

    for name, rdf_format in (("dataset.nt", ox.RdfFormat.N_TRIPLES), ("dataset.ttl", ox.RdfFormat.TURTLE)):
        with open(spool, "wb") as stream:
            ox.serialize(_triples(store), stream, rdf_format, prefixes=CONTEXT if rdf_format == ox.RdfFormat.TURTLE else None)
        written.append(_finish(spool, out_dir, name))

    (out_dir / "context.jsonld").write_text(json.dumps({"@context": CONTEXT}, indent=2) + "\n", encoding="utf-8")
    written.append(out_dir / "context.jsonld")
    with open(spool, "wb") as stream:
        ox.serialize(_triples(store), stream, ox.RdfFormat.JSON_LD)
    if len(store) <= COMPACT_LIMIT:
        expanded = json.loads(spool.read_bytes())
        document = {"@context": CONTEXT, "@graph": [_compact(node) for node in expanded]}
        spool.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    written.append(_finish(spool, out_dir, "dataset.jsonld"))
    return written


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
