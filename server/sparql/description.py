"""The SPARQL 1.1 Service Description of the endpoint, as an rdflib graph.

It says what a client may rely on: SPARQL 1.1 Query only (no update, no federated query:
``sd:BasicFederatedQuery`` is deliberately absent), the result formats, whether the default
graph is the union of the named graphs, and the named graphs with their sizes.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, VOID, XSD

from coevidence.ontology import bind_prefixes
from coevidence.server.backend import DatasetInfo
from coevidence.server.namespaces import SD
from coevidence.server.sparql.results import FORMATS_LIST


def service_description(endpoint: str, info: DatasetInfo, *, union_default_graph: bool) -> Graph:
    graph = bind_prefixes(Graph())
    graph.bind("sd", SD._NS)
    service = URIRef(endpoint + "#service")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, URIRef(endpoint)))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for result_format in FORMATS_LIST:
        if result_format.description is not None:
            graph.add((service, SD.resultFormat, result_format.description))
    if union_default_graph:
        graph.add((service, SD.feature, SD.UnionDefaultGraph))

    dataset = URIRef(endpoint + "#dataset")
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    default_graph = BNode()
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    if union_default_graph:
        graph.add((default_graph, VOID.triples, Literal(info.triples, datatype=XSD.integer)))
    for name, triples in info.graphs:
        named = BNode()
        described = BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, Literal(triples, datatype=XSD.integer)))
    return graph
