"""The policy check: what is refused, what is not mistaken for a refused keyword."""

from __future__ import annotations

import pytest

from coevidence.server.sparql import policy
from coevidence.server.sparql.scan import scan_query
from coevidence.server.stores import QueryRejected

GRAPHS = frozenset({"https://w3id.org/coevidence/graph/pilots", "https://w3id.org/coevidence/graph/extra"})


def refusal(query: str, **dataset) -> str:
    with pytest.raises(QueryRejected) as caught:
        policy.check(scan_query(query), GRAPHS, **dataset)
    return str(caught.value)


@pytest.mark.parametrize(
    ("query", "keyword", "where"),
    [
        ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE", "line 1, column 18"),
        ("SELECT * WHERE {\n  service silent <http://x/> { ?s ?p ?o } }", "SERVICE", "line 2, column 3"),
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "INSERT", "line 1, column 1"),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE", "line 1, column 1"),
        ("LOAD <http://127.0.0.1:9/data.ttl>", "LOAD", "line 1, column 1"),
        ("CLEAR ALL", "CLEAR", "line 1, column 1"),
        ("DROP GRAPH <http://g>", "DROP", "line 1, column 1"),
        ("CREATE GRAPH <http://g>", "CREATE", "line 1, column 1"),
        ("COPY <http://a> TO <http://b>", "COPY", "line 1, column 1"),
        ("MOVE <http://a> TO <http://b>", "MOVE", "line 1, column 1"),
        ("ADD <http://a> TO <http://b>", "ADD", "line 1, column 1"),
        ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH", "line 1, column 1"),
        ("PREFIX ex: <http://ex/>\nSELECT * WHERE { ?s ?p ?o } ;\nINSERT DATA { ex:a ex:b ex:c }", "INSERT", "line 3, column 1"),
        ("DEFINE input:grab-all \"yes\" SELECT * WHERE { ?s ?p ?o }", "DEFINE", "line 1, column 1"),
    ],
)
def test_policy_refuses_updates_and_remote_keywords_naming_where(query, keyword, where):
    message = refusal(query)
    assert message.startswith(f"{keyword} ({where})")


def test_policy_refuses_virtuoso_builtin_functions():
    assert "bif:http_get (line 1, column 9)" in refusal('SELECT (bif:http_get("http://x/") AS ?y) WHERE {}')
    message = refusal("SELECT (<http://www.openlinksw.com/schemas/bif#http_get>('x') AS ?y) WHERE {}")
    assert "no vendor or custom function" in message


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "SERVICE <http://x/> { }" }',
        "SELECT * WHERE { ?s ?p '''INSERT\nDATA''' }",
        "SELECT * WHERE { ?s <http://example.org/service/load> ?o }",
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/> and DROP ALL",
        "PREFIX service: <http://example.org/>\nSELECT * WHERE { ?s service:load ?o }",
        "PREFIX ex: <http://example.org/>\nSELECT * WHERE { ?s ex:delete ?o ; ex:insert ?service }",
        'SELECT * WHERE { ?s ?p "text"@load }',
        "SELECT ?insert ?delete ?drop ?copy WHERE { ?insert ?delete ?drop . BIND(?drop AS ?copy) }",
        "SELECT * WHERE { ?a ?b ?c FILTER(?c <?d && ?d > 3) }",
        "SELECT * WHERE { _:load ?p ?o }",
        'SELECT * WHERE { ?s ?p "escaped \\" quote, then SERVICE" }',
    ],
)
def test_policy_lets_keywords_inside_strings_iris_comments_names_and_variables_through(query):
    policy.check(scan_query(query), GRAPHS)


def test_scan_finds_the_query_form_after_the_prologue():
    assert scan_query("PREFIX select: <http://x/>\nBASE <http://b/>\n# ASK\nconstruct { } where { }").form == "CONSTRUCT"
    assert scan_query("ASK { ?s ?p ?o }").form == "ASK"
    assert scan_query("DESCRIBE <http://x>").form == "DESCRIBE"
    assert scan_query("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }").form == "SELECT"
    assert scan_query("nonsense").form is None


def test_unicode_escapes_cannot_hide_a_keyword():
    # some engines decode \\u escapes before tokenising: "\\u0022" would close the string
    query = 'SELECT * WHERE { ?s ?p "a\\u0022 . SERVICE <http://x/> { ?s ?p ?o } #" }'
    assert refusal(query).startswith("SERVICE")
    assert refusal("SELECT * WHERE { \\u0053ERVICE <http://x/> { } }").startswith("SERVICE")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <http://127.0.0.1:9/graph> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://127.0.0.1:9/graph> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "PREFIX ex: <http://127.0.0.1:9/>\nSELECT * FROM ex:graph WHERE { ?s ?p ?o }",
        "BASE <http://127.0.0.1:9/>\nSELECT * FROM <graph> WHERE { ?s ?p ?o }",
    ],
)
def test_policy_refuses_from_outside_the_dataset(query):
    message = refusal(query)
    assert "http://127.0.0.1:9/graph" in message or "ex:graph" in message
    assert "not in this dataset" in message
    assert "line" in message and "column" in message


def test_policy_refuses_from_that_cannot_be_resolved():
    assert "cannot be resolved" in refusal("SELECT * FROM <relative> WHERE { ?s ?p ?o }")
    assert "cannot be resolved" in refusal("SELECT * FROM nope:g WHERE { ?s ?p ?o }")


def test_policy_accepts_from_naming_graphs_of_the_dataset():
    policy.check(
        scan_query(
            "PREFIX graph: <https://w3id.org/coevidence/graph/>\n"
            "SELECT * FROM graph:pilots FROM NAMED <https://w3id.org/coevidence/graph/extra> "
            "WHERE { ?s ?p ?o }"
        ),
        GRAPHS,
    )


def test_policy_checks_the_protocol_dataset_parameters():
    query = "SELECT * WHERE { ?s ?p ?o }"
    message = refusal(query, default_graph_uris=["http://127.0.0.1:9/g"])
    assert message.startswith("default-graph-uri <http://127.0.0.1:9/g>")
    message = refusal(query, named_graph_uris=["http://127.0.0.1:9/g"])
    assert message.startswith("named-graph-uri <http://127.0.0.1:9/g>")
    policy.check(scan_query(query), GRAPHS, default_graph_uris=sorted(GRAPHS), named_graph_uris=sorted(GRAPHS))


@pytest.mark.parametrize(
    ("query", "limit"),
    [
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 10", 10),
        ("select * where { ?s ?p ?o } order by ?s limit 3 offset 5", 3),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 10 VALUES ?s { <http://x/a> }", 10),
        ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s HAVING (COUNT(*) > 1) LIMIT 7", 7),
        ("SELECT * WHERE { ?s ?p ?o }", None),
        ("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 5 } }", None),
        ('SELECT * WHERE { ?s ?p "} LIMIT 3" } # LIMIT 4', None),
        ("SELECT * WHERE { ?s <http://x/LIMIT> ?limit }", None),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1e3", None),
        ("SELECT * WHERE { ?s ?p ?o \\u007D LIMIT 3", None),  # raw and decoded scans disagree
    ],
)
def test_scan_finds_the_outermost_limit(query, limit):
    assert scan_query(query).limit == limit


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { FILTER(1<'>') SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } FILTER('' = '') }",
        "SELECT * WHERE { ?s ?p ?o FILTER(?o<'>') LOAD <http://127.0.0.1:9/> FILTER('' = '') }",
        "SELECT * WHERE { ?s ?p ?o } ORDER BY <http://x/f>(1<'>') SERVICE <http://127.0.0.1:9/> { } ('')",
    ],
)
def test_a_less_than_sign_that_looks_like_an_iri_cannot_hide_a_keyword(query):
    assert scan_query(query).forbidden


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s <http://x/service> ?o FILTER(?o = <http://x/load>) }",
        "SELECT * WHERE { VALUES (?a ?b) { (<http://x/a> <http://x/with>) } }",
        "SELECT * WHERE { ?s <http://x/p> (<http://x/a> <http://x/add>) }",
        "SELECT * WHERE { ?s ?p ?o FILTER(?o IN (<http://x/b>, <http://x/drop>)) }",
        'SELECT * WHERE { ?s ?p ?o FILTER(?o < "3"^^<http://www.w3.org/2001/XMLSchema#create>) }',
        "SELECT * WHERE { ?s (<http://x/copy>|<http://x/move>)/<http://x/clear> ?o }",
    ],
)
def test_iris_with_keyword_like_words_are_not_refused(query):
    assert scan_query(query).forbidden == ()


# -- the second look: rdflib's parser, for queries holding a risky word ---------------------

UNPARSABLE_BY_RDFLIB = (  # the same as in test_ssrf.py
    'SELECT ?x WHERE { BIND(<<( <http://x/a> <http://x/b> <http://x/c> )>> AS ?t) BIND(1 AS ?x) '
    'FILTER(?t != "data from elsewhere") }'
)


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX coe: <https://w3id.org/coevidence/ontology#> SELECT * WHERE { ?p coe:service ?s }",
        "SELECT * WHERE { ?s <http://x/service> ?o FILTER(CONTAINS(?o, 'data from Finland')) }",
        "SELECT * WHERE { ?s ?p ?o } # a comment that says SERVICE and LOAD",
    ],
)
def test_risky_words_outside_keywords_pass_the_second_look(query):
    scan = scan_query(query)
    assert scan.forbidden == () and scan.unverified is None
    policy.check_keywords(scan)


def test_a_query_the_second_look_cannot_parse_is_refused():
    scan = scan_query(UNPARSABLE_BY_RDFLIB)
    assert scan.forbidden == ()
    assert scan.unverified and scan.unverified.startswith("FROM (line 1, column")
    policy.check_keywords(scan)  # no keyword, no function: only unverifiable
    with pytest.raises(QueryRejected, match="could not be checked"):
        policy.check_verifiable(scan)


def test_queries_without_risky_words_skip_the_second_look(monkeypatch):
    import rdflib.plugins.sparql.parser as parser

    def fail(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(parser, "parseQuery", fail)
    scan_query.cache_clear()
    assert scan_query("SELECT ?s WHERE { ?s a <http://x/Pilot> } LIMIT 3").limit == 3
    scan_query.cache_clear()


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\nSELECT (xsd:integer('3') AS ?n) WHERE {}",
        "SELECT ?n WHERE { BIND(<http://www.w3.org/2001/XMLSchema#decimal>('1.5') AS ?n) }",
        "PREFIX ex: <http://x/>\nSELECT * WHERE { ?s ex:p (ex:a ex:b) }",  # a collection, not a call
        "SELECT (COUNT(*) AS ?n) (STR(?s) AS ?t) WHERE { ?s ?p ?o } GROUP BY ?s",
    ],
)
def test_sparql_functions_xsd_casts_and_collections_are_allowed(query):
    policy.check_keywords(scan_query(query))


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX ex: <http://x/>\nSELECT (ex:f(1) AS ?n) WHERE {}",
        "SELECT (<RDF_HTTP_URL_GET>('http://127.0.0.1:9/') AS ?n) WHERE {}",
        "SELECT (<LONG::bif:http_get>('http://127.0.0.1:9/') AS ?n) WHERE {}",
        "SELECT * WHERE { ?s ?p ?o FILTER(<http://x/f>(?o)) }",
    ],
)
def test_other_functions_called_by_iri_are_refused(query):
    with pytest.raises(QueryRejected, match="SPARQL's own functions and the XSD casts"):
        policy.check_keywords(scan_query(query))


def test_a_comment_between_a_function_name_and_its_parenthesis_does_not_hide_the_call():
    query = 'SELECT ?x WHERE { BIND(<http_client> # a comment\n("http://127.0.0.1:9/") AS ?x) }'
    with pytest.raises(QueryRejected, match=r"<http_client> \(line 1, column 24\)"):
        policy.check(scan_query(query), set())


def test_a_lone_carriage_return_cannot_end_a_comment_early():
    """SPARQL ends a comment at CR or LF; Virtuoso and rdflib only at LF. Read as the grammar
    says, the ''' after the CR opens a string that hides the call; the scan reads both ways."""
    query = "SELECT ?x WHERE { # a\r'''\nBIND(<http_client>#\n(\"http://127.0.0.1:9/\") AS ?x) # '''\n}"
    with pytest.raises(QueryRejected, match="<http_client>"):
        policy.check(scan_query(query), set())


def test_a_thorough_scan_reads_every_query_with_rdflib(monkeypatch):
    """For a store that can reach the network, the second look reads every query."""
    import rdflib.plugins.sparql.parser as parser

    parsed: list[str] = []
    real = parser.parseQuery

    def counted(text):
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(parser, "parseQuery", counted)
    scan_query.cache_clear()
    plain = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
    policy.check(scan_query(plain), set())
    assert parsed == []
    policy.check(scan_query(plain, thorough=True), set())
    assert parsed == [plain]
    scan_query.cache_clear()


def test_a_thorough_scan_reports_a_malformed_query_as_a_syntax_error():
    from coevidence.server.stores import QuerySyntaxError

    with pytest.raises(QuerySyntaxError, match=r"^line 1, column \d+: .*\n  1 \| SELECT \?s WHERE \{ \?s \?p \}\n +\| +\^$"):
        policy.check(scan_query("SELECT ?s WHERE { ?s ?p }", thorough=True), set())


def test_escapes_are_refused_only_in_front_of_a_store_that_can_reach_the_network():
    query = 'SELECT ?x WHERE { BIND(CONCAT("a\\u0022 ,", STR(1), ", \\u0022b") AS ?x) }'
    policy.check(scan_query(query), set())  # the embedded store's workers have no network
    with pytest.raises(QueryRejected, match=r"\\u0022 \(line 1, column 33\): escapes are not accepted"):
        policy.check(scan_query(query, thorough=True), set())


def test_only_real_xsd_casts_are_allowed_in_the_xsd_namespace():
    query = "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\nSELECT (xsd:http_client('u') AS ?x) WHERE {}"
    with pytest.raises(QueryRejected, match="XMLSchema#http_client"):
        policy.check(scan_query(query), set())
