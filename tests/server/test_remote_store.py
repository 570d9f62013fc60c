"""RemoteStore against a real Virtuoso open-source server (skipped where it is not installed)."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import RDF, RDFS

from coevidence.bench.virtuoso import LocalVirtuoso, free_port
from coevidence.ontology import COE, COUNTRY, ID, VOCAB
from coevidence.server.stores import (
    QueryRejected,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    Store,
    StoreUnavailable,
)
from coevidence.server.stores.remote import RemoteStore, json_term
from tests.server.virtuoso import (
    COSIE_TTL,
    FIXTURE_DIGEST,
    FIXTURE_GRAPH,
    OTHER_GRAPH,
    REPOSITORY,
    VIRTUOSO_MAX_ROWS,
    bundled_graphs,
    fixture_graph,
    needs_virtuoso,
    virtuoso,  # noqa: F401  (the session fixture)
)

pytestmark = [pytest.mark.virtuoso, needs_virtuoso]

FIXTURE_TRIPLES = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@pytest.fixture
def store(virtuoso: LocalVirtuoso):
    with RemoteStore(virtuoso.endpoint) as remote:
        yield remote


def run(store: RemoteStore, sparql: str, **options) -> QueryResult:
    """Run *sparql* on the fixture graph (unless the options name another dataset)."""
    if "named_graph_uris" not in options:
        options.setdefault("default_graph_uris", [FIXTURE_GRAPH])
    options.setdefault("timeout", 20)
    options.setdefault("max_rows", 100_000)
    return store.query(sparql, **options)


def as_graph(result: QueryResult) -> Graph:
    graph = Graph()
    for row in result.rows:
        graph.add((row[Variable("s")], row[Variable("p")], row[Variable("o")]))
    return graph


def lowercase_language_tags(graph: Graph) -> Graph:
    """*graph* with language tags in lower case: RDF compares them case-insensitively and
    Virtuoso stores them lowercased ("en-GB" comes back as "en-gb")."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language:
            o = Literal(str(o), lang=o.language.lower())
        out.add((s, p, o))
    return out


def assert_same_graph(expected: Graph, actual: Graph) -> None:
    expected, actual = lowercase_language_tags(expected), lowercase_language_tags(actual)
    if isomorphic(expected, actual):
        return
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = ["graphs differ"]
    lines += [f"- only expected: {' '.join(t.n3() for t in triple)}" for triple in sorted(only_expected)[:20]]
    lines += [f"+ only received: {' '.join(t.n3() for t in triple)}" for triple in sorted(only_actual)[:20]]
    pytest.fail("\n".join(lines))


def test_remote_store_satisfies_the_store_protocol(store):
    assert isinstance(store, Store)
    assert store.description.startswith("remote: http://127.0.0.1:")


def test_select_round_trips_every_kind_of_literal(store):
    result = run(store, FIXTURE_TRIPLES, named_graph_uris=[FIXTURE_GRAPH])
    assert result.kind == "bindings"
    assert result.variables == [Variable("s"), Variable("p"), Variable("o")]
    assert not result.truncated
    # blank nodes come back with other labels: compare as graphs, up to blank-node renaming
    assert_same_graph(fixture_graph(), as_graph(result))


def test_select_keeps_language_tags_and_datatypes(store):
    from rdflib.namespace import XSD  # imported here: pytest probes module attributes, XSD warns

    result = run(
        store,
        "SELECT ?label WHERE { ?pilot ?number 3 ; ?labelled ?label }",
        bindings={"number": COE.pilotNumber, "labelled": RDFS.label},
    )
    labels = {row[Variable("label")] for row in result.rows}
    assert labels == {Literal("Pilot 3", lang="en"), Literal("Pilotti 3", lang="fi")}
    values = run(store, "SELECT ?v WHERE { ?m ?p ?v } ORDER BY ?v", bindings={"p": COE.numericValue})
    assert [row[Variable("v")] for row in values.rows][0] == Literal("10.5", datatype=XSD.decimal)
    assert all(row[Variable("v")].datatype == XSD.decimal for row in values.rows)


def test_ask_answers_true_and_false(store):
    assert run(store, "ASK { ?p ?n 6 }", bindings={"n": COE.pilotNumber}).boolean is True
    assert run(store, "ASK { ?p ?n 7 }", bindings={"n": COE.pilotNumber}).boolean is False
    assert run(store, "ASK { ?p ?n 7 }", bindings={"n": COE.pilotNumber}).kind == "boolean"


def test_construct_round_trips_the_fixture_graph(store):
    result = run(store, "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", named_graph_uris=[FIXTURE_GRAPH])
    assert result.kind == "graph"
    assert not result.truncated
    assert_same_graph(fixture_graph(), result.graph)


def test_describe_returns_a_graph_about_the_resource(store):
    result = run(store, "DESCRIBE ?pilot", bindings={"pilot": ID["pilot/p2"]})
    assert result.kind == "graph"
    assert (ID["pilot/p2"], COE.pilotNumber, Literal(2)) in result.graph


def test_bindings_keep_the_variable_bound_in_the_results(store):
    pilot = ID["pilot/p4"]
    result = run(store, "SELECT ?pilot ?number WHERE { ?pilot ?p ?number }", bindings={"pilot": pilot, "p": COE.pilotNumber})
    assert [dict(row) for row in result.rows] == [{Variable("pilot"): pilot, Variable("number"): Literal(4)}]


def test_bindings_cannot_inject_query_text(store):
    # a literal full of SPARQL syntax is a value, not text: it matches nothing and breaks nothing
    hostile = Literal('x" } ; DROP ALL ; SELECT * { ?s ?p "')
    result = run(store, "SELECT ?s WHERE { ?s ?p ?label }", bindings={"label": hostile})
    assert result.rows == []
    odd = run(store, "SELECT ?s WHERE { ?s ?p ?label }", bindings={"label": fixture_label()})
    assert [row[Variable("s")] for row in odd.rows] == [ID["source/odd"]]
    with pytest.raises(QueryRejected):
        run(store, "SELECT ?o WHERE { ?s ?p ?o }", bindings={"s": URIRef("http://x/> ?p ?o } #")})


def fixture_label() -> Literal:
    return next(o for s, p, o in fixture_graph() if s == ID["source/odd"] and p == RDFS.label)


def test_bindings_work_inside_aggregates_and_groups(store):
    result = run(
        store,
        "SELECT ?country (COUNT(?exchange) AS ?n) WHERE { ?exchange ?pilotOf ?pilot . ?pilot ?in ?country } GROUP BY ?country",
        bindings={"country": COUNTRY.FIN, "pilotOf": COE.pilot, "in": COE.country},
    )
    # pilots 3 and 6 are in Finland, each with 4 exchanges and 1 outcome
    assert [dict(row) for row in result.rows] == [{Variable("country"): COUNTRY.FIN, Variable("n"): Literal(10)}]


def test_default_graph_uri_selects_the_default_graph(store):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    only_other = run(store, count, default_graph_uris=[OTHER_GRAPH])
    assert only_other.rows[0][Variable("n")] == Literal(1)
    only_fixture = run(store, count, default_graph_uris=[FIXTURE_GRAPH])
    assert only_fixture.rows[0][Variable("n")] == Literal(len(fixture_graph()))


def test_named_graph_uri_selects_the_named_graphs(store):
    result = run(store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graph_uris=[OTHER_GRAPH])
    assert [row[Variable("g")] for row in result.rows] == [URIRef(OTHER_GRAPH)]


def test_max_rows_cuts_solutions_and_says_so(store):
    query = "SELECT ?e WHERE { ?e a ?type }"
    full = run(store, query, bindings={"type": COE.ResourceExchange})
    assert len(full.rows) == 24 and not full.truncated
    cut = run(store, query, bindings={"type": COE.ResourceExchange}, max_rows=5)
    assert len(cut.rows) == 5 and cut.truncated
    exact = run(store, query, bindings={"type": COE.ResourceExchange}, max_rows=24)
    assert len(exact.rows) == 24 and not exact.truncated


def test_max_rows_cuts_graphs_and_says_so(store):
    result = run(store, "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", named_graph_uris=[FIXTURE_GRAPH], max_rows=10)
    assert len(result.graph) == 10 and result.truncated


def test_virtuoso_own_row_cap_is_reported_as_truncation(store):
    # every pair of fixture triples: far more rows than Virtuoso's ResultSetMaxRows
    result = run(store, "SELECT * WHERE { GRAPH ?g { ?a ?b ?c . ?d ?e ?f } }", named_graph_uris=[FIXTURE_GRAPH])
    assert len(result.rows) == VIRTUOSO_MAX_ROWS
    assert result.truncated, "Virtuoso cut the result (X-SPARQL-MaxRows) and the store did not say so"


def test_syntax_error_passes_virtuoso_message_on(store):
    with pytest.raises(QuerySyntaxError) as error:
        run(store, "SELECT ?x WHERE { ?x ?y ")
    assert "SP030" in str(error.value) and "syntax error" in str(error.value)
    assert "SPARQL query:" not in str(error.value)


def test_undefined_prefix_is_a_syntax_error(store):
    with pytest.raises(QuerySyntaxError, match="Undefined namespace prefix"):
        run(store, "SELECT ?o WHERE { ?s nope:p ?o }")


def test_updates_are_refused_before_reaching_the_endpoint(store):
    with pytest.raises(QueryRejected, match="update"):
        run(store, "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }")
    with pytest.raises(QueryRejected):
        run(store, "# a comment\nPREFIX x: <http://x/>\nDELETE WHERE { ?s ?p ?o }")


def test_query_past_its_time_limit_raises_timeout_not_partial_results(store):
    # a cartesian product Virtuoso cannot finish in a second: it stops at the limit and
    # offers partial ("anytime") results with status 200, which must not pass as an answer
    with pytest.raises(QueryTimeout):
        run(
            store,
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }",
            timeout=1,
        )


def test_refused_connection_is_store_unavailable():
    with RemoteStore(f"http://127.0.0.1:{free_port()}/sparql") as nowhere:
        with pytest.raises(StoreUnavailable, match="cannot reach"):
            run(nowhere, "ASK {}")


def test_wrong_path_is_store_unavailable(virtuoso):
    with RemoteStore(f"http://127.0.0.1:{virtuoso.http_port}/no-such-endpoint") as wrong:
        with pytest.raises(StoreUnavailable, match="404"):
            run(wrong, "ASK {}")


def test_digest_credentials_reach_the_protected_endpoint(virtuoso):
    protected = virtuoso.endpoint + "-auth"  # Virtuoso's /sparql-auth wants HTTP digest
    with RemoteStore(protected, user="dba", password=virtuoso.password, http_auth="digest") as good:
        assert run(good, "ASK { ?s ?p ?o }").boolean is True
    with RemoteStore(protected, user="dba", password=virtuoso.password) as automatic:
        # the default sends basic credentials, then changes to digest when asked to
        assert run(automatic, "ASK { ?s ?p ?o }").boolean is True
        assert automatic.http_auth == "digest"
        assert run(automatic, "ASK { ?s ?p ?o }").boolean is True
    with RemoteStore(protected, user="dba", password="not-the-password") as bad:
        with pytest.raises(StoreUnavailable, match="credentials"):
            run(bad, "ASK { ?s ?p ?o }")
    with RemoteStore(protected) as anonymous:
        with pytest.raises(StoreUnavailable, match="401"):
            run(anonymous, "ASK { ?s ?p ?o }")


def test_data_version_is_the_build_digest(store):
    assert store.data_version() == f"build-{FIXTURE_DIGEST}"
    assert store.data_version() == store.data_version()


def test_data_version_without_a_build_is_stable(virtuoso):
    # a store that only sees the other graph has no coe:Build: the endpoint URL stands in
    endpoint = virtuoso.endpoint + f"?default-graph-uri={OTHER_GRAPH}"
    with RemoteStore(endpoint) as first, RemoteStore(endpoint) as second:
        count = run(first, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph_uris=[])
        assert count.rows[0][Variable("n")] == Literal(1)
        assert first.data_version() == second.data_version()
        assert first.data_version().startswith("endpoint-")


def test_long_queries_go_by_post(store):
    padding = "# " + "x" * 3000 + "\n"
    result = run(store, padding + "ASK { ?p ?n 6 }", bindings={"n": COE.pilotNumber})
    assert result.boolean is True


def test_concurrent_queries_share_the_connection_pool(store):
    def count(number: int) -> int:
        result = run(store, "SELECT ?e WHERE { ?e ?of ?pilot }", bindings={"of": COE.pilot, "pilot": ID[f"pilot/p{number % 6 + 1}"]})
        return len(result.rows)

    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(pool.map(count, range(200)))
    assert counts == [5] * 200  # 4 exchanges and 1 outcome per pilot
    assert store._pool.idle.qsize() >= 1  # connections were kept for reuse


def test_blank_nodes_come_back_as_blank_nodes(store):
    result = run(store, "SELECT ?m WHERE { ?o ?measured ?m }", bindings={"measured": COE.measure})
    assert len(result.rows) == 6
    assert all(isinstance(row[Variable("m")], BNode) for row in result.rows)
    assert all(str(row[Variable("m")]).isalnum() for row in result.rows)


def test_resource_types_by_stage_match_the_fixture(store):
    result = run(
        store,
        """SELECT ?stage ?type (COUNT(?e) AS ?n) WHERE {
               ?e a ?exchangeClass ; ?stageOf ?stage ; ?typeOf ?type
           } GROUP BY ?stage ?type""",
        bindings={"exchangeClass": COE.ResourceExchange, "stageOf": COE.stage, "typeOf": COE.resourceType},
    )
    got = {(row[Variable("stage")], row[Variable("type")]): row[Variable("n")].toPython() for row in result.rows}
    expected: dict = {}
    graph = fixture_graph()
    for exchange in graph.subjects(RDF.type, COE.ResourceExchange):
        key = (graph.value(exchange, COE.stage), graph.value(exchange, COE.resourceType))
        expected[key] = expected.get(key, 0) + 1
    assert got == expected
    assert all(stage.startswith(str(VOCAB)) for stage, _ in got)


# ---------------------------------------------------------------------------------------
# Results written by the store (accept=): the server's fast path
# ---------------------------------------------------------------------------------------

JSON = "application/sparql-results+json"


def test_accept_json_gives_written_results_with_the_same_meaning(store):
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    terms = run(store, query)
    written = run(store, query, accept=[JSON])
    assert written.encoded and JSON in written.encoded and written.rows == []
    assert written.variables == terms.variables
    assert len(written) == len(terms) == len(fixture_graph())
    data = json.loads(written.encoded[JSON])
    assert data["head"]["vars"] == ["s", "p", "o"]
    assert all(value["type"] in {"uri", "literal", "bnode"} for row in data["results"]["bindings"] for value in row.values())
    decoded = {
        frozenset((Variable(name), json_term(value)) for name, value in row.items() if value["type"] != "bnode")
        for row in data["results"]["bindings"]
    }
    expected = {frozenset((k, v) for k, v in row.items() if not isinstance(v, BNode)) for row in terms.rows}
    assert decoded == expected


def test_accept_json_cuts_at_max_rows(store):
    written = run(store, "SELECT ?s WHERE { ?s ?p ?o }", accept=[JSON], max_rows=7)
    assert written.truncated and len(written) == 7
    assert len(json.loads(written.encoded[JSON])["results"]["bindings"]) == 7


@pytest.mark.parametrize("media_type", ["application/sparql-results+xml", "text/csv", "text/tab-separated-values"])
def test_accept_other_solution_formats(store, media_type):
    written = run(store, "SELECT ?n WHERE { ?p ?number ?n } ORDER BY ?n", bindings={"number": COE.pilotNumber}, accept=[media_type])
    body = written.encoded[media_type].decode()
    assert len(written) == 6
    assert all(str(n) in body for n in range(1, 7))


def test_accept_json_for_ask(store):
    written = run(store, "ASK { ?p ?n 6 }", bindings={"n": COE.pilotNumber}, accept=[JSON])
    assert written.boolean is True and json.loads(written.encoded[JSON])["boolean"] is True


@pytest.mark.parametrize("media_type,rdflib_format", [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld")])
def test_accept_graph_formats_round_trip(store, media_type, rdflib_format):
    written = run(store, "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", named_graph_uris=[FIXTURE_GRAPH], accept=[media_type])
    assert len(written) == len(fixture_graph()) and not written.truncated
    assert_same_graph(fixture_graph(), Graph().parse(data=written.encoded[media_type], format=rdflib_format))


# ---------------------------------------------------------------------------------------
# The whole /sparql endpoint on RemoteStore answers like the embedded store
# ---------------------------------------------------------------------------------------

QUESTIONS = sorted((REPOSITORY / "data" / "questions").glob("*.rq"))


@pytest.fixture(scope="module")
def embedded_client():
    if not COSIE_TTL.is_file():
        pytest.skip("data/cosie.ttl does not exist yet")
    create_app = pytest.importorskip("coevidence.server").create_app
    from coevidence.server.stores.oxigraph import OxigraphStore

    with OxigraphStore.load(None, workers=1) as embedded:
        yield create_app({"STORE": embedded, "TESTING": True}).test_client()


@pytest.fixture(scope="module")
def remote_client(virtuoso):
    if not COSIE_TTL.is_file():
        pytest.skip("data/cosie.ttl does not exist yet")
    create_app = pytest.importorskip("coevidence.server").create_app
    # the same dataset as the embedded store: its graphs as the default graph and as the
    # named graphs (Virtuoso also holds the test graphs and its own system graphs)
    dataset = [(name, graph) for _, graph in bundled_graphs() for name in ("default-graph-uri", "named-graph-uri")]
    with RemoteStore(virtuoso.endpoint + "?" + urllib.parse.urlencode(dataset)) as remote:
        yield create_app({"STORE": remote, "TESTING": True}).test_client()


GROUP_CONCAT = re.compile(
    r"GROUP_CONCAT\s*\((?:[^;()]|\([^()]*\))*?(?:;\s*separator\s*=\s*(?P<separator>\"[^\"]*\"|'[^']*'))?\s*\)\s*AS\s+\?(?P<name>\w+)",
    re.IGNORECASE,
)
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


def group_concat_separators(query: str) -> dict[str, str]:
    """Variables bound by GROUP_CONCAT in *query*, with their separators."""
    return {m["name"]: (m["separator"] or '" "')[1:-1] for m in GROUP_CONCAT.finditer(query)}


def canonical(value: dict | None, separator: str | None) -> tuple | None:
    """A JSON results term, compared by meaning, where engines may legitimately differ:

    - language tags in lower case (Virtuoso stores them so), numbers and booleans by value;
    - blank nodes all alike (their labels are the engine's own);
    - a GROUP_CONCAT value as the set of its parts (SPARQL leaves their order open), without
      a language tag (Oxigraph keeps a tag all parts share), and "" the same as unbound
      (over no values Virtuoso gives "", Oxigraph leaves the variable unbound);
    - a computed boolean the same as 1 or 0: Virtuoso has no boolean type for values it
      computes, so ``BIND(EXISTS {...} AS ?b)`` comes back as an xsd:integer 1 or 0.
    """
    if separator is not None:
        text = "" if value is None else value["value"]
        return ("concat", tuple(sorted(part for part in text.split(separator) if part)))
    if value is None:
        return None
    kind, text = value["type"], value["value"]
    if kind == "bnode":
        return ("bnode",)
    if kind == "uri":
        return ("uri", text)
    if "xml:lang" in value:
        return ("lang", text, value["xml:lang"].lower())
    datatype = value.get("datatype")
    if datatype == XSD_BOOLEAN:
        return ("number", str(int(Literal(text, datatype=URIRef(datatype)).toPython())))
    if datatype and datatype != XSD_STRING:
        python = Literal(text, datatype=URIRef(datatype)).toPython()
        if isinstance(python, (int, float, Decimal)) and not isinstance(python, bool):
            return ("number", str(python))
        return ("typed", datatype, text if isinstance(python, Literal) else str(python))
    return ("string", text)


def canonical_solutions(data: dict, separators: dict[str, str]) -> Counter:
    names = data["head"]["vars"]
    return Counter(
        frozenset((name, canonical(row.get(name), separators.get(name))) for name in names)
        for row in data["results"]["bindings"]
    )


@pytest.mark.parametrize("question", QUESTIONS, ids=[path.stem for path in QUESTIONS])
def test_endpoint_on_virtuoso_answers_the_questions_like_the_embedded_store(remote_client, embedded_client, question):
    query = question.read_text(encoding="utf-8")
    answers = []
    for client in (remote_client, embedded_client):
        response = client.get("/sparql", query_string={"query": query}, headers={"Accept": JSON})
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert response.headers["X-Result-Truncated"] == "false"
        answers.append(response.get_json())
    remote, embedded = answers
    assert remote["head"]["vars"] == embedded["head"]["vars"]
    separators = group_concat_separators(query)
    assert canonical_solutions(remote, separators) == canonical_solutions(embedded, separators)


def test_endpoint_on_virtuoso_constructs_the_same_graph(remote_client, embedded_client):
    query = prologue_for("coe") + "CONSTRUCT { ?pilot ?p ?o } WHERE { ?pilot a coe:Pilot ; ?p ?o }"
    graphs = []
    for client in (remote_client, embedded_client):
        response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/turtle"})
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        graphs.append(Graph().parse(data=response.get_data(), format="turtle"))
    assert len(graphs[1]) > 0
    assert_same_graph(graphs[1], graphs[0])


def test_endpoint_on_virtuoso_reports_syntax_errors_as_400(remote_client):
    response = remote_client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x ?y }"}, headers={"Accept": JSON})
    assert response.status_code == 400


def prologue_for(*prefixes: str) -> str:
    from coevidence.ontology import PREFIXES

    return "".join(f"PREFIX {prefix}: <{PREFIXES[prefix]}>\n" for prefix in prefixes)


# -- Virtuoso's own built-ins reach the network: the server must refuse them ---------------


def vendor_function_attacks(url: str) -> list[str]:
    return [
        f"SELECT (<bif:http_get>('{url}x') AS ?page) WHERE {{}}",
        f"SELECT (bif:http_get('{url}x') AS ?page) WHERE {{}}",
        f"PREFIX b: <bif:>\nSELECT (b:http_get('{url}x') AS ?page) WHERE {{}}",
        f"SELECT (<BIF:http_get>('{url}x') AS ?page) WHERE {{}}",
        # found by fuzzing Virtuoso: its type qualifiers, and unknown IRIs run as SQL procedures
        f"SELECT (<LONG::bif:http_get>('{url}x') AS ?page) WHERE {{}}",
        f"SELECT ?page WHERE {{ BIND(<SHORT::bif:http_get>('{url}x') AS ?page) }}",
        f"SELECT (<SQLVAL::bif:http_client>('{url}x') AS ?page) WHERE {{}}",
        f"PREFIX l: <LONG::bif:>\nSELECT (l:http_get('{url}x') AS ?page) WHERE {{}}",
        f"SELECT (<RDF_HTTP_URL_GET>('{url}x') AS ?page) WHERE {{}}",
        # a comment between the name and "(": DB.DBA.HTTP_CLIENT, which the account may run
        f"SELECT ?page WHERE {{ BIND(<http_client> #c\n('{url}x') AS ?page) }}",
        f"PREFIX e: <>\nSELECT ?page WHERE {{ BIND(e:http_client #\n('{url}x') AS ?page) }}",
        # a lone carriage return ends a comment for the SPARQL grammar, not for Virtuoso
        "SELECT ?page WHERE { # a\r'''\nBIND(<http_client>#\n('" + url + "x') AS ?page) # '''\n}",
        # rdflib decodes \u escapes before parsing, Virtuoso only inside strings: to rdflib the
        # call is inside one string, to Virtuoso it is a call between two strings
        'SELECT ?page WHERE { BIND(CONCAT("a\\u0022 ,", <http_client>(\'' + url + 'x\'), ", \\u0022b") AS ?page) }',
    ]


@pytest.mark.parametrize("attack", [0, 4, 9, 11, 12])
def test_virtuoso_itself_fetches_for_bif_http_get(virtuoso, listener, attack):
    """Positive control: Debian's Virtuoso, as configured, runs <bif:http_get> (also behind a
    LONG:: qualifier) for the SPARQL account, so the refusal test below can fail."""
    import requests

    query = vendor_function_attacks(listener.url)[attack]
    requests.get(virtuoso.endpoint, params={"query": query}, timeout=30)
    assert listener.settled_connections() >= 1


def test_server_in_front_of_virtuoso_refuses_vendor_functions(remote_client, listener):
    for query in vendor_function_attacks(listener.url):
        response = remote_client.get("/sparql", query_string={"query": query})
        assert response.status_code == 403, (query, response.get_data(as_text=True))
    assert listener.settled_connections() == 0


# ---------------------------------------------------------------------------------------
# The linked-data pages on RemoteStore (Virtuoso) read like those on the embedded store
# ---------------------------------------------------------------------------------------

LD_PILOT = "/doc/pilot/ee-voru-disability"
LD_CONCEPT = "/doc/vocab/stage/co-design"


def page_of(client, path: str, **headers):
    from bs4 import BeautifulSoup

    response = client.get(path, headers={"Accept": "text/html", **headers})
    assert response.status_code == 200, (path, response.get_data(as_text=True)[:800])
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def incoming_counts_shown(soup) -> dict[str, str]:
    return {row["data-property"]: row.select_one(".count").get_text() for row in soup.select("#incoming tr.incoming")}


def claim_sentences(soup) -> Counter:
    return Counter(li.select_one(".sentence").get_text(" ", strip=True) for li in soup.select("#claims li.claim"))


@pytest.mark.parametrize("path", [LD_PILOT, LD_CONCEPT, "/doc/organisation/helpific", "/doc/source/VUNKI"])
def test_resource_pages_on_virtuoso_read_like_the_embedded_stores(remote_client, embedded_client, path):
    assert remote_client.application.extensions["coevidence.store"].description.startswith("remote: http://127.0.0.1:")
    remote, embedded = page_of(remote_client, path), page_of(embedded_client, path)
    assert remote.select_one("h1").get_text() == embedded.select_one("h1").get_text()
    assert remote.select_one("#description").get_text() == embedded.select_one("#description").get_text()
    assert incoming_counts_shown(remote) == incoming_counts_shown(embedded)
    assert claim_sentences(remote) == claim_sentences(embedded)
    assert claim_sentences(remote), f"{path}: no claim listed, the test would prove little"
    outgoing = lambda soup: sorted(row.get_text(" ", strip=True) for row in soup.select("#outgoing tr"))  # noqa: E731
    assert outgoing(remote) == outgoing(embedded)


@pytest.mark.parametrize("suffix,rdf_format", [(".ttl", "turtle"), (".jsonld", "json-ld"), (".nt", "nt")])
def test_a_pilots_rdf_forms_on_virtuoso_hold_the_same_graph(remote_client, embedded_client, suffix, rdf_format):
    graphs = []
    for client in (remote_client, embedded_client):
        response = client.get(LD_PILOT + suffix)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        graphs.append(Graph().parse(data=response.get_data(as_text=True), format=rdf_format))
    remote, embedded = graphs
    assert (ID["pilot/ee-voru-disability"], RDF.type, COE.Pilot) in remote
    assert_same_graph(embedded, remote)


def test_a_pilots_document_on_virtuoso_embeds_the_same_explorer_view(remote_client, embedded_client):
    views = [page_of(client, LD_PILOT).select_one("#explore") for client in (remote_client, embedded_client)]
    remote, embedded = views
    assert remote is not None
    text = lambda view: view.get_text(" ", strip=True)  # noqa: E731
    assert text(remote) == text(embedded)


def test_ontology_page_on_virtuoso_documents_the_terms_with_the_same_counts(remote_client, embedded_client):
    remote, embedded = (page_of(client, "/ontology") for client in (remote_client, embedded_client))
    for term in ("Pilot", "Organisation", "participant", "confidence"):
        assert remote.select_one(f"section#{term}") is not None, term
        assert remote.select_one(f"section#{term}").get_text(" ", strip=True) == embedded.select_one(f"section#{term}").get_text(" ", strip=True)
    turtle = remote_client.get("/ontology", headers={"Accept": "text/turtle"})
    assert (COE.Pilot, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in Graph().parse(data=turtle.data, format="turtle")


def test_void_on_virtuoso_counts_the_same_partitions(remote_client, embedded_client):
    from rdflib.namespace import VOID

    def partitions(client) -> dict:
        response = client.get("/.well-known/void")
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        graph = Graph().parse(data=response.data, format="turtle")
        found = {}
        for partition, cls in graph.subject_objects(VOID["class"]):
            found[str(cls)] = int(graph.value(partition, VOID.entities))
        return found

    remote, embedded = partitions(remote_client), partitions(embedded_client)
    assert remote[str(COE.Pilot)] == embedded[str(COE.Pilot)] == 10
    assert remote == embedded


def test_describe_of_an_external_iri_on_virtuoso(remote_client, embedded_client):
    path = "/describe?iri=" + urllib.parse.quote(str(COUNTRY.EST), safe="")
    remote, embedded = page_of(remote_client, path), page_of(embedded_client, path)
    assert remote.select_one("h1").get_text() == embedded.select_one("h1").get_text()
    assert incoming_counts_shown(remote) == incoming_counts_shown(embedded)
    assert incoming_counts_shown(remote), "nothing points at the country: the test would prove little"
