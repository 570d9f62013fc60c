"""The ingest pipeline: read, parse, map, validate, and only then write, atomically.

``build_graph`` turns sources into a graph (or the list of every input error);
``serialize`` gives canonical, byte-stable bytes for Turtle, N-Triples or JSON-LD;
``write_atomically`` publishes them without ever leaving a half-written
output behind.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from coevidence.ingest.limits import Limits
from coevidence.ingest.mapping import add_build, build_iri, map_records
from coevidence.ingest.readers import (
    Origin,
    SourceFiles,
    SourceUnreadable,
    collect_files,
    read_sources,
)
from coevidence.ingest.records import IngestError, Vocabularies, parse_sources
from coevidence.ingest.turtle import turtle_bytes
from coevidence.ingest.validation import Triples, paused_gc
from coevidence.ontology import ID, bind_prefixes, vocabulary_graph
from rdflib import BNode, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.plugins.parsers.ntriples import ParseError

import coevidence
from coevidence import files

FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld"}


class BuildFailed(Exception):
    """The build could not run at all (a missing source, an unwritable output): exit 2."""


@dataclass
class Built:
    """What a build produced: the triples (None when the input has errors), the errors, and
    where each record was entered (to point validation problems back at their rows)."""

    triples: Triples | None
    errors: list[IngestError] = field(default_factory=list)
    origins: dict[URIRef, Origin] = field(default_factory=dict)
    digest: str = ""
    records: int = 0
    notes: list[str] = field(default_factory=list)

    @cached_property
    def graph(self) -> Graph | None:
        """The triples as an rdflib graph with the project's prefixes (built on first use)."""
        if self.triples is None:
            return None
        graph = bind_prefixes(Graph())
        graph.addN((s, p, o, graph) for s, p, o in self.triples.list)
        return graph


def source_digest(files: SourceFiles) -> str:
    """SHA-256 over the sorted relative paths and the bytes of every source file."""
    digest = hashlib.sha256()
    for name, path, _display in sorted(files.files, key=lambda f: (f[0], f[2])):
        data = path.read_bytes()
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def _progress_bar(total: int, unit: str, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, disable=not sys.stderr.isatty(), leave=False)


def _unsafe_iris(graph: Graph, most: int = 20) -> list[str]:
    """What is wrong with the IRIs of an RDF file passed through (rdflib reads IRIs that
    RDF forbids, such as ``<https://a.org/{x}>``, which the validation engine then refuses)."""
    from coevidence.ingest.records import IRI_UNSAFE

    seen: set[str] = set()
    found = []
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef) and term not in seen:
                seen.add(term)
                bad = IRI_UNSAFE.search(term)
                if bad:
                    shown = bad.group() if bad.group().isprintable() else f"U+{ord(bad.group()):04X}"
                    found.append(f'the IRI <{term}> holds "{shown}", which may not appear in an IRI (write it %-encoded)')
    return sorted(found)[:most]


def check_base(base: str) -> str:
    """*base* if it can stand before the minted keys: an absolute http(s) IRI ending in / or #."""
    from coevidence.ingest.records import IRI_UNSAFE

    if not re.match(r"^https?://[^/?#]+", base) or base[-1] not in "/#" or IRI_UNSAFE.search(base):
        raise BuildFailed(f'--base "{base}": give an absolute http:// or https:// IRI ending in "/" or "#", such as https://example.org/my-case/id/')
    return base


def _rebase(term, old: str, new: str):
    return URIRef(new + term[len(old):]) if isinstance(term, URIRef) and term.startswith(old) else term


def rebase(triples, old: str, new: str) -> list:
    """*triples* with every IRI under *old* moved under *new* (one pass)."""
    if old == new:
        return list(triples)
    return [(_rebase(s, old, new), _rebase(p, old, new), _rebase(o, old, new)) for s, p, o in triples]


def build_graph(sources: list[Path], *, vocabularies: Vocabularies | None = None, limits: Limits | None = None, base: str = str(ID)) -> Built:
    """Read *sources* and map them to a graph; every input error is collected, none raised.

    *limits* (default: :meth:`Limits.from_environment`) bound what is read; the IRIs the
    build mints are under *base* (default ``https://w3id.org/coevidence/id/``; RDF files passed
    through may use either). Raises
    :class:`BuildFailed` only when a source cannot be opened at all, a limit setting is not
    a number, or memory runs out.
    """
    try:
        limits = limits or Limits.from_environment()
    except ValueError as error:
        raise BuildFailed(str(error)) from None
    try:
        files = collect_files(sources)
        with _progress_bar(len(files.files), "file", "reading") as bar:
            read = read_sources(sources, progress=lambda _path: bar.update(1), files=files, limits=limits)
        digest = source_digest(read.files)
    except SourceUnreadable as error:
        raise BuildFailed(str(error)) from None
    except OSError as error:
        raise BuildFailed(f"{error.filename}: cannot be read ({error.strerror})") from None
    except MemoryError:
        raise BuildFailed(
            "ran out of memory while reading the sources; lower the limits (COEVIDENCE_MAX_SOURCE_BYTES, "
            "COEVIDENCE_MAX_CELLS: see data/README.md) or split the sources"
        ) from None

    errors: list[IngestError] = []
    passthrough = Graph()
    for rdf in read.rdf_files:
        try:
            part = Graph().parse(rdf.path, format=rdf.format)
        except (BadSyntax, ParseError, SyntaxError, ValueError) as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            errors.append(IngestError(rdf.display, None, None, None, f"is not valid {rdf.format}: {first_line}"))
            continue
        bad = _unsafe_iris(part)
        if bad:
            errors.extend(IngestError(rdf.display, None, None, None, message) for message in bad)
            continue
        if any(isinstance(term, BNode) for triple in part for term in triple):
            part = to_canonical_graph(part)  # deterministic blank-node labels
        passthrough += part
    vocabularies = vocabularies or Vocabularies(vocabulary_graph())
    try:
        with paused_gc():
            built = _parse_and_map(read, vocabularies, rebase(passthrough.triples((None, None, None)), base, str(ID)), errors, digest)
            if base != str(ID) and built.triples is not None:
                built.triples = Triples(dict.fromkeys(rebase(built.triples.list, str(ID), base)))
                built.origins = {_rebase(iri, str(ID), base): origin for iri, origin in built.origins.items()}
    except MemoryError:
        raise BuildFailed("ran out of memory while mapping the sources to triples; split the sources or build on a larger machine") from None
    built.notes = list(files.notes)
    return built


def _parse_and_map(read, vocabularies: Vocabularies, passthrough: list, errors: list[IngestError], digest: str) -> Built:
    known = {s for s, _, _ in passthrough if isinstance(s, URIRef)}
    parsed = parse_sources(read, vocabularies, known)
    errors.extend(parsed.errors)
    if errors:
        return Built(None, errors, digest=digest)

    triples: list = []
    build = add_build(triples, digest, coevidence.__version__)
    with _progress_bar(len(parsed.records), "row", "mapping") as bar:
        map_records(parsed.records, vocabularies, build, triples, progress=bar.update)
    triples.extend(passthrough)
    origins = {record.iri: record.origin for record in parsed.records}
    return Built(Triples(dict.fromkeys(triples)), [], origins, digest, len(parsed.records))


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def output_format(path: Path, requested: str | None) -> str:
    """The rdflib format for *path*: the requested one, else from its extension."""
    if requested:
        return {"ttl": "turtle", "turtle": "turtle", "nt": "nt", "ntriples": "nt", "jsonld": "json-ld", "json-ld": "json-ld"}[requested]
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise BuildFailed(f"{path}: cannot tell the output format from the extension; use .ttl, .nt or .jsonld, or --format") from None


def serialize(graph: Graph | Triples, fmt: str) -> bytes:
    """Canonical bytes: the same graph always gives the same bytes, whatever the hash seed.

    Turtle is written by :func:`coevidence.ingest.turtle.turtle_bytes` (longturtle's layout,
    in linear time) straight from the triples, without building an rdflib graph.
    """
    if fmt == "turtle":
        if isinstance(graph, Triples):
            return turtle_bytes(graph, bind_prefixes(Graph()).namespace_manager)
        return turtle_bytes(graph, graph.namespace_manager)
    if isinstance(graph, Triples):
        graph = bind_prefixes(graph.graph())
    if fmt == "nt":
        lines = graph.serialize(format="nt", encoding="utf-8").splitlines()
        return b"".join(sorted(line + b"\n" for line in lines if line.strip()))
    if fmt == "json-ld":
        context = {prefix: str(iri) for prefix, iri in graph.namespace_manager.namespaces() if prefix}
        data = json.loads(graph.serialize(format="json-ld", context=context, encoding="utf-8"))
        return (json.dumps(_sorted_jsonld(data), ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
    raise ValueError(fmt)


def _sorted_jsonld(data):
    """JSON-LD with nodes ordered by @id and every value list sorted, for stable bytes."""
    if isinstance(data, dict):
        return {key: _sorted_jsonld(value) for key, value in data.items()}
    if isinstance(data, list):
        items = [_sorted_jsonld(item) for item in data]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))
    return data


def write_atomically(path: Path, data: bytes) -> None:
    """Publish *data* at *path* atomically (see :func:`coevidence.files.write_atomically`)."""
    try:
        files.write_atomically(path, data, make_parents=True)
    except OSError as error:
        raise BuildFailed(f"{path}: cannot be written ({error.strerror or error})") from None


__all__ = ["Built", "BuildFailed", "build_graph", "build_iri", "output_format", "serialize", "source_digest", "write_atomically"]
