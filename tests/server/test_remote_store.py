"""RemoteStore against a real Virtuoso open-source server (skipped where it is not installed)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

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
from coevidence.server.stores.remote import RemoteStore
from tests.server.virtuoso import (
    FIXTURE_DIGEST,
    FIXTURE_GRAPH,
    OTHER_GRAPH,
    VIRTUOSO_MAX_ROWS,
    fixture_graph,
    needs_virtuoso,
    virtuoso,  # noqa: F401  (the session fixture)
)

pytestmark = [pytest.mark.virtuoso, needs_virtuoso]

FIXTURE_TRIPLES = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture
def store(virtuoso: LocalVirtuoso):
    with RemoteStore(virtuoso.endpoint) as remote:
        yield remote


def run(store: RemoteStore, sparql: str, **options) -> QueryResult:
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
    with RemoteStore(protected, user="dba", password="not-the-password", http_auth="digest") as bad:
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
        assert run(first, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][Variable("n")] == Literal(1)
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
