"""What was exported: a manifest (``index.json``) and the files as DCAT distributions.

The manifest is written last, from the files as they lie on disk (size, SHA-256), so the
description never disagrees with the files. ``distributions(...)`` turns it into DCAT at a
given base: ``coevidence export`` writes ``distributions.ttl`` at ``--base``, and the server
writes it at the base it serves from.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD

from coevidence.ontology import bind_prefixes

SPDX = Namespace("http://spdx.org/rdf/terms#")
MEDIA = "https://www.iana.org/assignments/media-types/"
MANIFEST = "index.json"
DATASET = URIRef("https://w3id.org/coevidence/id/dataset/cosie")

#: file ending -> (media type, what kind of file)
MEDIA_TYPES = {
    ".graphml": ("application/graphml+xml", "GraphML network (Gephi, Cytoscape, networkx, igraph)"),
    ".gexf": ("application/gexf+xml", "GEXF network (Gephi)"),
    ".csv": ("text/csv", "CSV table"),
    "-metadata.json": ("application/csvm+json", "CSVW metadata: the codebook of the tables"),
    ".html": ("text/html", "web page"),
    ".nq": ("application/n-quads", "N-Quads dump with the named graphs"),
    ".nt": ("application/n-triples", "N-Triples dump"),
    ".ttl": ("text/turtle", "Turtle"),
    ".jsonld": ("application/ld+json", "JSON-LD"),
    ".json": ("application/json", "JSON"),
}


def media_type(name: str) -> tuple[str, str]:
    plain = name.removesuffix(".gz")
    for ending, found in MEDIA_TYPES.items():
        if plain.endswith(ending):
            return found
    return "application/octet-stream", "file"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(out_dir: Path, titles: dict[str, str], *, version: str) -> dict:
    """Describe every file in *out_dir* (but the manifest) and write ``index.json``."""
    files = []
    for path in sorted(out_dir.iterdir()):
        if path.name == MANIFEST or path.name.startswith(".") or not path.is_file():
            continue
        kind_type, kind = media_type(path.name)
        files.append({
            "name": path.name,
            "title": titles.get(path.name, kind),
            "media_type": kind_type,
            "compressed": path.name.endswith(".gz"),
            "bytes": path.stat().st_size,
            "sha256": sha256(path),
        })
    manifest = {"data_version": version, "files": files}
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def distributions(manifest: dict, base: str, dataset: URIRef = DATASET) -> Graph:
    """The exported files as ``dcat:Distribution`` s of *dataset*, downloadable under *base*."""
    graph = bind_prefixes(Graph())
    graph.bind("spdx", SPDX)
    exports = base.rstrip("/") + "/exports/"
    for item in manifest["files"]:
        url = URIRef(exports + item["name"])
        graph.add((dataset, DCAT.distribution, url))
        graph.add((url, RDF.type, DCAT.Distribution))
        graph.add((url, DCTERMS.title, Literal(item["title"], lang="en")))
        graph.add((url, DCAT.downloadURL, url))
        if item["name"].startswith("dataset."):
            graph.add((dataset, VOID.dataDump, url))
        graph.add((url, DCAT.mediaType, URIRef(MEDIA + item["media_type"])))
        if item["compressed"]:
            graph.add((url, DCAT.compressFormat, URIRef(MEDIA + "application/gzip")))
        graph.add((url, DCAT.byteSize, Literal(item["bytes"], datatype=XSD.nonNegativeInteger)))
        # a blank node, as DCAT-AP writes it: an IRI per checksum (``FILE#sha256``) gave rdflib's
        # Turtle serializer one namespace per file, and a time that grew with their square
        checksum = BNode(f"sha256-{item['sha256']}")
        graph.add((url, SPDX.checksum, checksum))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add((checksum, SPDX.checksumValue, Literal(item["sha256"], datatype=XSD.hexBinary)))
    return graph
