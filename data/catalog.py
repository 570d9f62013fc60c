"""The DCAT/VoID description of the CoSIE dataset, computed from the graph itself.

``describe(graph)`` gives a ``dcat:Dataset`` that is also a ``void:Dataset``: title, licence,
publisher, the project's publications as ``dcterms:source``, counts (triples, entities, one
class partition per class and one property partition per property), the vocabularies used,
the SPARQL endpoint and the Turtle dump. Nothing in it depends on the clock: run twice on
the same graph, it gives the same triples.

``python -m coevidence.data.catalog`` rewrites ``data/void.ttl`` from ``data/cosie.ttl``,
writes the SHACL validation report of the data to ``data/report.ttl`` (the warnings the
resource pages show) and refreshes the copies of the ontology and vocabularies that sit
beside the data.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from coevidence.data import COSIE_TTL, DATA_DIR, VOID_TTL
from coevidence.ontology import (
    COE,
    COUNTRY,
    ID,
    ONTOLOGY_FILE,
    ONTOLOGY_IRI,
    PREFIXES,
    VOCAB,
    VOCABULARIES_FILE,
    bind_prefixes,
)
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, VOID, XSD

from coevidence.files import write_atomically

__all__ = ["DATASET", "DEFAULT_BASE", "REPORT_TTL", "describe", "serialize_description", "write_description", "write_report", "copy_vocabularies", "main"]

#: the dataset described
DATASET = ID["dataset/cosie"]
#: where the server runs unless told otherwise
DEFAULT_BASE = "http://127.0.0.1:8000"
PUBLISHER = ID["agent/coevidence"]
LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")
TURTLE = URIRef("https://www.iana.org/assignments/media-types/text/turtle")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
ENGLISH = URIRef("http://id.loc.gov/vocabulary/iso639-1/en")
#: the files served beside the data, by the path the server publishes them at
DUMP_PATH = "data/cosie.ttl"
ONTOLOGY_COPY = DATA_DIR / "ontology.ttl"
#: the SHACL validation report of data/cosie.ttl
REPORT_TTL = DATA_DIR / "report.ttl"
VOCABULARIES_COPY = DATA_DIR / "vocabularies.ttl"

TITLE = "CoSIE pilots: evidence on co-creating public services"
DESCRIPTION = (
    "The ten pilots of the EU project CoSIE (Co-creation of Service Innovation in Europe, "
    "Horizon 2020 grant 770492) as a knowledge graph: the places, organisations and citizen "
    "groups that took part, their roles at each stage of co-creation, the resources they "
    "exchanged, the methods they used, the outcomes (null ones included) and the factors that "
    "helped or hindered, with each country's welfare regime, administrative tradition, laws "
    "and co-creation tradition. Every claim points to the source it rests on."
)
KEYWORDS = ("co-creation", "co-production", "public services", "social innovation", "CoSIE", "living lab", "community reporting")

#: namespaces a term may come from, longest first, for void:vocabulary
_NAMESPACES = tuple(sorted({*PREFIXES.values(), str(RDF)}, key=len, reverse=True))


def _vocabulary_of(term: URIRef) -> URIRef | None:
    text = str(term)
    for namespace in _NAMESPACES:
        if text.startswith(namespace) and len(text) > len(namespace):
            return URIRef(namespace)
    return None


def _slug(graph: Graph, term: URIRef) -> str:
    """A stable, readable key for a class or property: ``coe-Pilot``, ``rdfs-label``."""
    prefix, _namespace, local = graph.namespace_manager.compute_qname(str(term))
    return f"{prefix}-{local}"


def _absolute(base: str, path: str) -> URIRef:
    return URIRef(f"{base.rstrip('/')}/{path}")


def describe(graph: Graph, base: str = DEFAULT_BASE) -> Graph:
    """The DCAT/VoID description of *graph*, served from *base* (the server's root URL)."""
    out = bind_prefixes(Graph())
    names = bind_prefixes(Graph())  # for partition keys: the same prefixes, whatever *graph* binds
    d = DATASET

    out.add((d, RDF.type, DCAT.Dataset))
    out.add((d, RDF.type, VOID.Dataset))
    out.add((d, DCTERMS.title, Literal(TITLE, lang="en")))
    out.add((d, RDFS.label, Literal(TITLE, lang="en")))
    out.add((d, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    out.add((d, DCTERMS.license, LICENCE))
    out.add((d, DCTERMS.language, ENGLISH))
    out.add((d, DCTERMS.publisher, PUBLISHER))
    out.add((PUBLISHER, RDF.type, FOAF.Organization))
    out.add((PUBLISHER, FOAF.name, Literal("The coevidence project")))
    out.add((d, DCTERMS.conformsTo, URIRef(ONTOLOGY_IRI)))
    for keyword in KEYWORDS:
        out.add((d, DCAT.keyword, Literal(keyword, lang="en")))
    out.add((d, DCAT.landingPage, _absolute(base, "")))
    out.add((d, VOID.uriSpace, Literal(str(ID))))

    # what the data is about, read from the data
    for project in sorted(graph.subjects(RDF.type, COE.Project)):
        out.add((d, DCTERMS.subject, project))
        for publication in sorted(graph.objects(project, COE.publication)):
            out.add((d, DCTERMS.source, publication))
    for pilot in sorted(graph.subjects(RDF.type, COE.Pilot)):
        out.add((d, VOID.exampleResource, pilot))
        for country in graph.objects(pilot, COE.country):
            out.add((d, DCTERMS.spatial, country))
    for build in sorted(set(graph.subjects(RDF.type, COE.Build))):
        out.add((d, PROV.wasGeneratedBy, build))

    # counts
    typed = {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)}
    out.add((d, VOID.triples, Literal(len(graph), datatype=XSD.integer)))
    out.add((d, VOID.entities, Literal(len(typed), datatype=XSD.integer)))
    out.add((d, VOID.distinctSubjects, Literal(len(set(graph.subjects())), datatype=XSD.integer)))
    out.add((d, VOID.distinctObjects, Literal(len(set(graph.objects())), datatype=XSD.integer)))
    per_class = Counter(o for s, o in graph.subject_objects(RDF.type) if isinstance(s, URIRef) and isinstance(o, URIRef))
    per_property = Counter(p for p in graph.predicates())
    out.add((d, VOID.classes, Literal(len(per_class), datatype=XSD.integer)))
    out.add((d, VOID.properties, Literal(len(per_property), datatype=XSD.integer)))
    for cls, count in sorted(per_class.items()):
        partition = ID[f"dataset/cosie/class/{_slug(names, cls)}"]
        out.add((d, VOID.classPartition, partition))
        out.add((partition, VOID["class"], cls))
        out.add((partition, VOID.entities, Literal(count, datatype=XSD.integer)))
    for prop, count in sorted(per_property.items()):
        partition = ID[f"dataset/cosie/property/{_slug(names, prop)}"]
        out.add((d, VOID.propertyPartition, partition))
        out.add((partition, VOID.property, prop))
        out.add((partition, VOID.triples, Literal(count, datatype=XSD.integer)))
    used = {_vocabulary_of(t) for t in (*per_property, *per_class)}
    for namespace in (VOCAB, COUNTRY):  # concepts the data points to: the SKOS schemes, the countries
        if any(isinstance(o, URIRef) and str(o).startswith(str(namespace)) for o in graph.objects()):
            used.add(URIRef(str(namespace)))
    for vocabulary in sorted(v for v in used if v is not None):
        out.add((d, VOID.vocabulary, vocabulary))

    # access: the SPARQL endpoint and the Turtle dump
    endpoint = _absolute(base, "sparql")
    out.add((d, VOID.sparqlEndpoint, endpoint))
    service = ID["dataset/cosie/service/sparql"]
    out.add((service, RDF.type, DCAT.DataService))
    out.add((service, DCTERMS.title, Literal("SPARQL endpoint of the CoSIE dataset", lang="en")))
    out.add((service, DCAT.endpointURL, endpoint))
    out.add((service, DCAT.servesDataset, d))
    out.add((service, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    dump = _absolute(base, DUMP_PATH)
    out.add((d, VOID.dataDump, dump))
    turtle = ID["dataset/cosie/distribution/turtle"]
    out.add((d, DCAT.distribution, turtle))
    out.add((turtle, RDF.type, DCAT.Distribution))
    out.add((turtle, DCTERMS.title, Literal("The dataset as Turtle", lang="en")))
    out.add((turtle, DCAT.mediaType, TURTLE))
    out.add((turtle, DCAT.downloadURL, dump))
    out.add((turtle, DCAT.accessURL, dump))
    out.add((turtle, DCTERMS.license, LICENCE))
    out.add((turtle, DCTERMS.conformsTo, URIRef(ONTOLOGY_IRI)))
    sparql = ID["dataset/cosie/distribution/sparql"]
    out.add((d, DCAT.distribution, sparql))
    out.add((sparql, RDF.type, DCAT.Distribution))
    out.add((sparql, DCTERMS.title, Literal("The dataset through its SPARQL endpoint", lang="en")))
    out.add((sparql, DCAT.accessURL, endpoint))
    out.add((sparql, DCAT.accessService, service))
    out.add((sparql, DCTERMS.license, LICENCE))
    for path in (ONTOLOGY_COPY, VOCABULARIES_COPY):
        out.add((d, RDFS.seeAlso, _absolute(base, f"data/{path.name}")))
    return out


def serialize_description(description: Graph) -> bytes:
    """Canonical Turtle for a description (the same triples always give the same bytes)."""
    return description.serialize(format="longturtle", encoding="utf-8")


def write_description(data: Path = COSIE_TTL, output: Path = VOID_TTL, base: str = DEFAULT_BASE) -> int:
    """Describe the graph in *data*, write it to *output* atomically; return the triple count."""
    graph = Graph().parse(data, format="turtle")
    write_atomically(Path(output), serialize_description(describe(graph, base)))
    return len(graph)


def write_report(data: Path = COSIE_TTL, output: Path = REPORT_TTL) -> dict[str, int]:
    """Validate the graph in *data* against the shapes; write the SHACL report to *output*
    (canonical Turtle) atomically; return the counts per severity."""
    from coevidence.shapes import validate

    result = validate(Graph().parse(data, format="turtle"))
    write_atomically(Path(output), result.report_graph.serialize(format="longturtle", encoding="utf-8"))
    return result.counts()


def copy_vocabularies() -> None:
    """Refresh data/ontology.ttl and data/vocabularies.ttl, byte-for-byte copies of ontology/'s files."""
    for source, copy in ((ONTOLOGY_FILE, ONTOLOGY_COPY), (VOCABULARIES_FILE, VOCABULARIES_COPY)):
        write_atomically(copy, Path(source).read_bytes())


def main(argv: list[str] | None = None) -> int:
    """``python -m coevidence.data.catalog [--base URL]``: rewrite data/void.ttl. Exit 0, or 2 if it cannot run."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m coevidence.data.catalog", description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"the server's root URL (default {DEFAULT_BASE})")
    parser.add_argument("--data", type=Path, default=COSIE_TTL, help="the graph to describe (default data/cosie.ttl)")
    parser.add_argument("--output", type=Path, default=VOID_TTL, help="where to write the description (default data/void.ttl)")
    args = parser.parse_args(argv)
    try:
        triples = write_description(args.data, args.output, args.base)
        if args.output.resolve() == VOID_TTL:
            copy_vocabularies()
            counts = write_report(args.data, REPORT_TTL)
            print(f"wrote {REPORT_TTL}: {counts['Violation']} violations, {counts['Warning']} warnings")
    except FileNotFoundError as error:
        print(f"error: {error.filename}: no such file; build it first with `coevidence build data/sources/cosie -o data/cosie.ttl`", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    except SyntaxError as error:  # rdflib's Turtle parser raises BadSyntax, a SyntaxError
        print(f"error: {args.data}: is not valid Turtle: {str(error).splitlines()[0]}", file=sys.stderr)
        return 2
    print(f"wrote {args.output}: the description of {triples} triples")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
