"""The namespaces the server mints or describes with, as closed rdflib namespaces.

``GRAPH`` is where the dataset's named graphs live: each data file is loaded into
``GRAPH[<name>]`` (``.../graph/cosie``, ``.../graph/ontology``, ``.../graph/vocabularies``).
"""

from __future__ import annotations

from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef

#: the named graphs of the dataset: <GRAPH + name>
GRAPH = Namespace("https://w3id.org/coevidence/graph/")


class SD(DefinedNamespace):
    """SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/)."""

    _NS = Namespace("http://www.w3.org/ns/sparql-service-description#")
    _fail = True

    Service: URIRef
    Dataset: URIRef
    Graph: URIRef
    NamedGraph: URIRef
    Language: URIRef
    SPARQL11Query: URIRef
    UnionDefaultGraph: URIRef
    endpoint: URIRef
    supportedLanguage: URIRef
    resultFormat: URIRef
    feature: URIRef
    defaultDataset: URIRef
    defaultGraph: URIRef
    namedGraph: URIRef
    name: URIRef
    graph: URIRef


class FORMATS(DefinedNamespace):
    """W3C's IRIs for media formats (https://www.w3.org/ns/formats/)."""

    _NS = Namespace("http://www.w3.org/ns/formats/")
    _fail = True
    _extras = ["N-Triples", "N-Quads", "JSON-LD"]

    SPARQL_Results_JSON: URIRef
    SPARQL_Results_XML: URIRef
    SPARQL_Results_CSV: URIRef
    SPARQL_Results_TSV: URIRef
    Turtle: URIRef
    RDF_XML: URIRef
    TriG: URIRef
