"""The vocabulary of coevidence: the OWL ontology, its SKOS schemes and their IRIs.

Everything else takes IRIs from here: the ontology namespace (:class:`COE`), the base of
the SKOS vocabularies (:data:`VOCAB`) and the base of the data (:data:`ID`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Namespace

from coevidence.ontology.namespace import COE

__all__ = [
    "COE",
    "VOCAB",
    "ID",
    "COUNTRY",
    "OA",
    "ONTOLOGY_FILE",
    "VOCABULARIES_FILE",
    "ontology_graph",
    "vocabulary_graph",
    "bind_prefixes",
]

HERE = Path(__file__).resolve().parent
ONTOLOGY_FILE = HERE / "coevidence.ttl"
VOCABULARIES_FILE = HERE / "vocabularies.ttl"

#: the ontology itself (owl:Ontology)
ONTOLOGY_IRI = "https://w3id.org/coevidence/ontology"
#: SKOS schemes are <VOCAB + scheme>, their concepts <VOCAB + scheme/notation>
VOCAB = Namespace("https://w3id.org/coevidence/vocab/")
#: every entity of the data is <ID + kind/key>
ID = Namespace("https://w3id.org/coevidence/id/")
#: the EU Publications Office country authority
COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
#: W3C Web Annotation vocabulary (passages as text-quote selectors)
OA = Namespace("http://www.w3.org/ns/oa#")

PREFIXES: dict[str, str] = {
    "coe": str(COE._NS),
    "coev": str(VOCAB),
    "cid": str(ID),
    "country": str(COUNTRY),
    "oa": str(OA),
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "void": "http://rdfs.org/ns/void#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes on *graph* (replacing rdflib's defaults) and return it."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


@lru_cache(maxsize=1)
def _parsed(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def ontology_graph() -> Graph:
    """A fresh copy of the OWL ontology."""
    return bind_prefixes(Graph()) + _parsed(ONTOLOGY_FILE)


def vocabulary_graph() -> Graph:
    """A fresh copy of the SKOS concept schemes (including the countries used)."""
    return bind_prefixes(Graph()) + _parsed(VOCABULARIES_FILE)
