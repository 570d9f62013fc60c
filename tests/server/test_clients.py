"""Real clients against a live server: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import csv
import io
import urllib.error

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from coevidence.ontology import COE, ID

PILOT_LABELS = f"""
SELECT ?pilot ?number ?label WHERE {{
  ?pilot a <{COE.Pilot}> ; <{COE.pilotNumber}> ?number ; <{RDFS.label}> ?label .
  FILTER(LANG(?label) = "en")
}} ORDER BY ?number
"""
EXPECTED_LABELS = [
    ("Youth guarantee, Finland", 1),
    ("Social support, Netherlands", 2),
    ("Employment, Spain", 3),
]
PILOTS = f"CONSTRUCT {{ ?p a <{COE.Pilot}> ; <{COE.country}> ?c }} WHERE {{ ?p a <{COE.Pilot}> ; <{COE.country}> ?c }}"


def wrapper(url: str, query: str, return_format: str, method: str | None = None) -> SPARQLWrapper:
    client = SPARQLWrapper(url)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    if method == POSTDIRECTLY:
        client.setMethod(POST)
        client.setRequestMethod(POSTDIRECTLY)
    elif method:
        client.setMethod(method)
    return client


@pytest.mark.parametrize("method", [None, POST, POSTDIRECTLY])
def test_sparqlwrapper_json(live_server, method):
    result = wrapper(live_server.url, PILOT_LABELS, JSON, method).queryAndConvert()
    got = [(b["label"]["value"], int(b["number"]["value"])) for b in result["results"]["bindings"]]
    assert got == EXPECTED_LABELS
    assert result["results"]["bindings"][0]["number"]["datatype"] == str(XSD.integer)


def test_sparqlwrapper_xml(live_server):
    document = wrapper(live_server.url, PILOT_LABELS, XML, POST).queryAndConvert()  # a DOM
    literals = [node.firstChild.data for node in document.getElementsByTagName("literal")
                if node.getAttribute("xml:lang") == "en"]
    assert literals == [label for label, _ in EXPECTED_LABELS]


@pytest.mark.parametrize(("return_format", "delimiter"), [(CSV, ","), (TSV, "\t")])
def test_sparqlwrapper_csv_and_tsv(live_server, return_format, delimiter):
    data = wrapper(live_server.url, PILOT_LABELS, return_format).queryAndConvert()
    quoting = csv.QUOTE_MINIMAL if delimiter == "," else csv.QUOTE_NONE
    rows = list(csv.reader(io.StringIO(data.decode("utf-8")), delimiter=delimiter, quoting=quoting))
    assert rows[0] == (["pilot", "number", "label"] if delimiter == "," else ["?pilot", "?number", "?label"])
    if delimiter == ",":
        assert [(r[2], int(r[1])) for r in rows[1:]] == EXPECTED_LABELS
    else:
        assert rows[1][2] == '"Youth guarantee, Finland"@en'


def test_sparqlwrapper_ask(live_server):
    assert wrapper(live_server.url, f"ASK {{ ?p <{COE.pilotNumber}> 2 }}", JSON).queryAndConvert()["boolean"] is True
    document = wrapper(live_server.url, f"ASK {{ ?p <{COE.pilotNumber}> 9 }}", XML).queryAndConvert()
    assert document.getElementsByTagName("boolean")[0].firstChild.data == "false"


@pytest.mark.parametrize("return_format", [TURTLE, N3, RDFXML, JSONLD, XML])
def test_sparqlwrapper_construct(live_server, return_format):
    converted = wrapper(live_server.url, PILOTS, return_format).queryAndConvert()
    if isinstance(converted, bytes):
        graph = Graph().parse(data=converted, format="turtle")
    else:
        graph = converted
    assert len(graph) == 6
    assert (URIRef(ID["pilot/fi"]), COE.country,
            URIRef("http://publications.europa.eu/resource/authority/country/FIN")) in graph


def test_sparqlwrapper_sees_a_syntax_error_as_query_bad_formed(live_server):
    with pytest.raises(QueryBadFormed) as caught:
        wrapper(live_server.url, "SELECT * WHERE { ?s ?p }", JSON).query()
    assert "line 1, column" in str(caught.value)


def test_sparqlwrapper_sees_a_refusal_as_403(live_server):
    with pytest.raises(urllib.error.HTTPError) as caught:
        wrapper(live_server.url, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", JSON).query()
    assert caught.value.code == 403
    assert b"SERVICE (line 1, column 18)" in caught.value.read()


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore_select_ask_construct(live_server, method):
    store = SPARQLStore(live_server.url, method=method)
    graph = Graph(store=store)
    rows = list(graph.query(PILOT_LABELS))
    assert [(str(label), int(number)) for _, number, label in rows] == EXPECTED_LABELS
    assert rows[0][2] == Literal("Youth guarantee, Finland", lang="en")
    assert graph.query(f"ASK {{ <{ID['pilot/nl']}> a <{COE.Pilot}> }}").askAnswer is True
    constructed = graph.query(PILOTS).graph
    assert len(constructed) == 6
    assert set(constructed.subjects(RDF.type, COE.Pilot)) == {
        URIRef(ID["pilot/fi"]), URIRef(ID["pilot/nl"]), URIRef(ID["pilot/es"])}


def test_rdflib_sparqlstore_graph_api(live_server):
    graph = Graph(store=SPARQLStore(live_server.url))
    labels = set(graph.objects(URIRef(ID["actor/ngo"]), RDFS.label))
    assert labels == {Literal("Local NGO")}
    assert (URIRef(ID["pilot/es"]), COE.pilotNumber, Literal(3)) in graph
    assert len(graph) > 1000  # the fixture plus the ontology and the vocabularies


def test_rdflib_sparqlstore_cannot_write(live_server):
    graph = Graph(store=SPARQLStore(live_server.url))
    with pytest.raises(TypeError):
        graph.add((URIRef("http://a"), URIRef("http://b"), URIRef("http://c")))
