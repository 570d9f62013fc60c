"""Every result format, parsed back the way a client would, and checked for meaning."""

from __future__ import annotations

import csv
import io
import json

import pytest
from bs4 import BeautifulSoup
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import RDFS, XSD
from rdflib.query import Result
from rdflib.util import from_n3

from coevidence.ontology import COE, ID

PILOTS_TTL = __import__("pathlib").Path(__file__).parent / "data" / "pilots.ttl"

ACTORS = f"""
PREFIX coe: <{COE._NS}>
PREFIX rdfs: <{RDFS}>
SELECT ?actor ?label ?size ?note WHERE {{
  ?actor a ?type . FILTER(?type IN (coe:Organisation, coe:CitizenGroup))
  OPTIONAL {{ ?actor rdfs:label ?label }}
  OPTIONAL {{ ?actor coe:groupSize ?size }}
  OPTIONAL {{ ?actor rdfs:comment ?note }}
}} ORDER BY ?actor
"""
NOTE = 'A "quoted" name, with a comma,\na newline and a\ttab'
#: the expected solutions, as rdflib terms (None: unbound)
EXPECTED = [
    {"actor": URIRef(ID["actor/city-of-turku"]), "label": Literal("City of Turku"), "size": None, "note": Literal(NOTE)},
    {"actor": URIRef(ID["actor/ngo"]), "label": Literal("Local NGO"), "size": None, "note": None},
    {
        "actor": URIRef(ID["actor/young-people"]),
        "label": Literal("Young people, 18–29 (ünïcödé)"),
        "size": Literal("40", datatype=XSD.integer),
        "note": None,
    },
]
LABELS_FI = f"SELECT ?label WHERE {{ <{ID['pilot/fi']}> <{RDFS.label}> ?label }} ORDER BY ?label"
BLANK = f"SELECT ?b ?label WHERE {{ <{ID['exchange/4']}> <{RDFS.seeAlso}> ?b . ?b <{RDFS.label}> ?label }}"
PILOT_GRAPH = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s a <{COE.Pilot}> ; ?p ?o }}"
EXCHANGE_GRAPH = f"DESCRIBE <{ID['exchange/4']}>"


def get(client, query: str, fmt: str):
    response = client.get("/sparql", query_string={"query": query, "format": fmt})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def as_terms(rows: list[dict]) -> list[dict]:
    return [{name: row.get(name) for name in ("actor", "label", "size", "note")} for row in rows]


# -- solutions -----------------------------------------------------------------------------


def test_json_solutions_mean_what_the_data_says(client):
    document = json.loads(get(client, ACTORS, "json").data)
    assert document["head"]["vars"] == ["actor", "label", "size", "note"]
    rows = []
    for binding in document["results"]["bindings"]:
        row = {}
        for name, term in binding.items():
            if term["type"] == "uri":
                row[name] = URIRef(term["value"])
            else:
                assert term["type"] == "literal"
                row[name] = Literal(term["value"], lang=term.get("xml:lang"),
                                    datatype=term.get("datatype"))
        rows.append(row)
    assert as_terms(rows) == EXPECTED


def test_xml_solutions_parse_with_rdflib(client):
    result = Result.parse(io.BytesIO(get(client, ACTORS, "xml").data), format="xml")
    assert [str(v) for v in result.vars] == ["actor", "label", "size", "note"]
    rows = [{str(k): v for k, v in row.asdict().items()} for row in result]
    assert as_terms(rows) == EXPECTED


def test_csv_solutions_are_rfc4180_with_plain_values(client):
    response = get(client, ACTORS, "csv")
    assert response.data.count(b"\r\n") >= 4  # CRLF line ends, and one inside the quoted note
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert list(rows[0]) == ["actor", "label", "size", "note"]
    expected = [
        {name: "" if term is None else str(term) for name, term in row.items()} for row in EXPECTED
    ]
    assert rows == expected


def test_tsv_solutions_hold_ntriples_terms(client):
    text = get(client, ACTORS, "tsv").get_data(as_text=True)
    lines = text.split("\n")
    assert lines[0] == "?actor\t?label\t?size\t?note"
    assert lines[-1] == ""
    rows = []
    for line in lines[1:-1]:
        cells = line.split("\t")
        assert len(cells) == 4
        rows.append({name: from_n3(cell) if cell else None
                     for name, cell in zip(("actor", "label", "size", "note"), cells)})
    assert rows == EXPECTED


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_csv_and_tsv_parse_with_rdflib(client, fmt):
    result = Result.parse(io.BytesIO(get(client, LABELS_FI, fmt).data), format=fmt)
    assert {str(row[0]) for row in result} == {"Youth guarantee, Finland", "Nuorisotakuu"}


def test_language_tags_in_every_solution_format(client):
    document = json.loads(get(client, LABELS_FI, "json").data)
    assert {(b["label"]["value"], b["label"]["xml:lang"]) for b in document["results"]["bindings"]} == {
        ("Youth guarantee, Finland", "en"), ("Nuorisotakuu", "fi")}
    result = Result.parse(io.BytesIO(get(client, LABELS_FI, "xml").data), format="xml")
    assert {row[0] for row in result} == {Literal("Youth guarantee, Finland", lang="en"), Literal("Nuorisotakuu", lang="fi")}
    tsv = get(client, LABELS_FI, "tsv").get_data(as_text=True).split("\n")[1:-1]
    assert {from_n3(cell) for cell in tsv} == {Literal("Youth guarantee, Finland", lang="en"), Literal("Nuorisotakuu", lang="fi")}


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_blank_nodes_in_every_solution_format(client, fmt):
    data = get(client, BLANK, fmt).data
    if fmt == "json":
        term = json.loads(data)["results"]["bindings"][0]["b"]
        assert term["type"] == "bnode" and term["value"]
    elif fmt == "xml":
        assert isinstance(next(iter(Result.parse(io.BytesIO(data), format="xml")))[0], BNode)
    elif fmt == "csv":
        row = list(csv.reader(io.StringIO(data.decode())))[1]
        assert row[0].startswith("_:") and row[1] == "a blank node"
    else:
        assert isinstance(from_n3(data.decode().split("\n")[1].split("\t")[0]), BNode)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("answer", [True, False])
def test_ask_in_every_solution_format(client, fmt, answer):
    query = f"ASK {{ ?p <{COE.pilotNumber}> {1 if answer else 99} }}"
    data = get(client, query, fmt).data
    if fmt in ("json", "xml"):
        assert Result.parse(io.BytesIO(data), format=fmt).askAnswer is answer
    elif fmt == "csv":
        assert list(csv.reader(io.StringIO(data.decode()))) == [["_askResult"], [str(answer).lower()]]
    else:
        assert data.decode() == f"?_askResult\n{str(answer).lower()}\n"


# -- graphs --------------------------------------------------------------------------------


def expected_pilots() -> Graph:
    source = Graph().parse(PILOTS_TTL, format="turtle")
    graph = Graph()
    for pilot in source.subjects(predicate=None, object=COE.Pilot):
        for p, o in source.predicate_objects(pilot):
            graph.add((pilot, p, o))
    return graph


def assert_same_graph(got: Graph, expected: Graph) -> None:
    if not isomorphic(got, expected):
        _, only_got, only_expected = graph_diff(to_isomorphic(got), to_isomorphic(expected))
        pytest.fail(
            "graphs differ\nonly in the response:\n" + only_got.serialize(format="nt")
            + "\nonly expected:\n" + only_expected.serialize(format="nt")
        )


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"),
    [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml"), ("trig", "trig"), ("nq", "nquads")],
)
def test_construct_in_every_graph_format(client, fmt, rdflib_format):
    data = get(client, PILOT_GRAPH, fmt).data
    if rdflib_format in ("trig", "nquads"):
        dataset = Dataset().parse(data=data, format=rdflib_format)
        got = Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            got.add((s, p, o))
    else:
        got = Graph().parse(data=data, format=rdflib_format)
    assert len(got) == 14
    assert_same_graph(got, expected_pilots())


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_describe_keeps_blank_nodes(client, fmt, rdflib_format):
    got = Graph().parse(data=get(client, EXCHANGE_GRAPH, fmt).data, format=rdflib_format)
    seen_also = got.value(URIRef(ID["exchange/4"]), RDFS.seeAlso)
    assert isinstance(seen_also, BNode)
    assert (URIRef(ID["exchange/4"]), COE.provider, URIRef(ID["actor/city-of-turku"])) in got


def test_turtle_uses_the_project_prefixes(client):
    text = get(client, PILOT_GRAPH, "ttl").get_data(as_text=True)
    assert f"@prefix coe: <{COE._NS}>" in text
    assert "coe:Pilot" in text


# -- HTML ----------------------------------------------------------------------------------


def test_html_solutions_table(client):
    response = client.get("/sparql", query_string={"query": ACTORS}, headers={"Accept": "text/html"})
    page = BeautifulSoup(response.data, "html.parser")
    assert [th.get_text() for th in page.select("#results thead th")] == ["?actor", "?label", "?size", "?note"]
    rows = page.select("#results tbody tr")
    assert len(rows) == 3
    # IRIs link to their page on this server (the IRI on hover); literals read as text
    link = rows[0].select("td a")[0]
    assert link["href"] == "/doc/actor/city-of-turku" and link["title"] == str(ID["actor/city-of-turku"])
    assert "City of Turku" in rows[0].get_text() and '"City of Turku"' not in rows[0].get_text()
    assert page.select_one("textarea[name=query]").get_text() == ACTORS
    twins = {a.get_text(): a["href"] for a in page.select("#results p.muted a")}
    assert set(twins) == {"json", "xml", "csv", "tsv"}
    assert client.get(twins["csv"]).mimetype == "text/csv"
    assert page.select_one("#truncated") is None


def test_html_escapes_the_data_and_the_query(client):
    query = 'SELECT ("<script>alert(1)</script>" AS ?x) WHERE {}'
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/html"})
    assert b"<script>" not in response.data
    assert b"&lt;script&gt;" in response.data


def test_html_form_for_browsers_without_a_query(client):
    response = client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    page = BeautifulSoup(response.data, "html.parser")
    form = page.select_one("form")
    assert form["action"] == "/sparql" and form["method"] == "get"
    assert "PREFIX coe:" in page.select_one("textarea[name=query]").get_text()
    graphs = [code.get_text() for code in page.select("table code")]
    assert "https://w3id.org/coevidence/graph/pilots" in graphs
    assert not page.select("script[src], link[href^=http]")  # nothing from a CDN


# -- the two ways a result is written ------------------------------------------------------


def _parsed(fmt_name: str, data: bytes):
    if fmt_name in ("json", "xml", "csv", "tsv"):
        result = Result.parse(io.BytesIO(data), format=fmt_name)
        if result.type == "ASK":
            return result.askAnswer
        return sorted(tuple(row) for row in result), [str(v) for v in result.vars]
    rdflib_format = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdfxml": "xml",
                     "trig": "trig", "nq": "nquads"}[fmt_name]
    dataset = Dataset().parse(data=data, format=rdflib_format)
    graph = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return to_isomorphic(graph)


@pytest.mark.parametrize(
    ("query", "fmt_name"),
    [(ACTORS, name) for name in ("json", "xml", "csv", "tsv")]
    + [(f"ASK {{ ?p <{COE.pilotNumber}> 3 }}", name) for name in ("json", "xml", "csv", "tsv")]
    + [(PILOT_GRAPH, name) for name in ("ttl", "nt", "jsonld", "rdfxml", "trig", "nq")],
)
def test_engine_written_and_rdflib_written_results_mean_the_same(store, query, fmt_name):
    """The worker writes results itself when asked (`accept`); the web layer writes the same
    formats from rdflib terms (a remote store's results): both must mean the same."""
    from coevidence.server.sparql.results import FORMATS_LIST

    result_format = next(f for f in FORMATS_LIST if f.name == fmt_name)
    written = store.query(query, timeout=5, max_rows=100, accept=(result_format.media_type,))
    assert result_format.media_type in written.encoded
    as_terms_result = store.query(query, timeout=5, max_rows=100)
    assert not as_terms_result.encoded
    assert len(written) == len(as_terms_result)
    assert _parsed(fmt_name, written.encoded[result_format.media_type]) == _parsed(
        fmt_name, result_format.write(as_terms_result))
