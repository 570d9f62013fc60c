"""Long tokens and deep nesting: every check before execution reads a query in linear time,
and nesting past MAX_NESTING is refused with 400 before any parser recurses on it.

The long-token cases run in a subprocess with a generous time limit, as a hang guard only
(no timing is asserted): before the fix, each 200 KB case held the process for minutes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import requests

from coevidence.server.sparql.scan import NESTING_CEILING, scan_query
from coevidence.server.settings import SettingError, resolve
from coevidence.server.stores import QueryTooComplex

from .conftest import EXTRA, PILOTS

SIZE = 200_000
#: name -> (query holding one 200 KB token, status expected)
LONG_TOKENS = {
    "comment": ("ASK {}\n#" + "a" * SIZE, 200),
    "comment holding FROM": ("ASK {}\n#FROM" + "a" * SIZE, 200),
    "string": ('ASK { FILTER("' + "a" * SIZE + '" != "") }', 200),
    "long string": ("ASK { FILTER('''" + "a" * SIZE + "''' != '') }", 200),
    "unterminated string": ('ASK { FILTER("' + "a" * SIZE + " }", 400),
    "escaped quotes": ("ASK { FILTER('" + "\\'" * (SIZE // 2) + " }", 400),
    "variable": ("SELECT * { ?" + "v" * SIZE + " ?p ?o } LIMIT 1", 200),
    "prefixed name": ("PREFIX ex: <http://example.org/> ASK { ex:" + "a" * SIZE + " ?p ?o }", 200),
    "dotted word": ("ASK { " + "a." * (SIZE // 2) + " }", 400),
    "iri": ("ASK { <http://example.org/" + "a" * SIZE + "> ?p ?o }", 200),
    "unterminated iri": ("ASK { <http://example.org/" + "a" * SIZE + " ?p ?o }", 400),
    "run of !": ("ASK { FILTER(" + "!" * SIZE + "true) }", 400),
    "chain of +": ("ASK { FILTER(1" + "+1" * (SIZE // 2) + " > 0) }", 400),
    "calls": ("ASK { FILTER(" + "a(" * (SIZE // 2) + ") }", 400),
}

LONG_TOKEN_RUN = """
    import json, sys
    from coevidence.server import create_app
    from coevidence.server.stores.oxigraph import OxigraphStore

    class NetworkedStore(OxigraphStore):
        network_cut = False  # thorough mode: rdflib reads every query

    cases = json.loads(sys.stdin.read())
    store_class = NetworkedStore if sys.argv[1] == "thorough" else OxigraphStore
    store = store_class.load([{pilots!r}, {extra!r}], workers=1)
    client = create_app({{"STORE": store, "TESTING": True, "MAX_QUERY_BYTES": 1_000_000}}).test_client()
    statuses = {{}}
    for name, query in cases.items():
        response = client.post("/sparql", data={{"query": query}})
        statuses[name] = [response.status_code, response.get_json()]
    store.close()
    print(json.dumps(statuses))
"""


@pytest.mark.parametrize("mode", ["normal", "thorough"])
def test_long_tokens_are_read_in_linear_time_and_answered(mode):
    script = textwrap.dedent(LONG_TOKEN_RUN.format(pilots=str(PILOTS), extra=str(EXTRA)))
    cases = {name: query for name, (query, _) in LONG_TOKENS.items()}
    done = subprocess.run(
        [sys.executable, "-c", script, mode], input=json.dumps(cases),
        capture_output=True, text=True, timeout=240,  # a hang guard: minutes per case before
    )
    assert done.returncode == 0, done.stderr[-3000:]
    statuses = json.loads(done.stdout.strip().splitlines()[-1])
    got = {name: status for name, (status, _) in statuses.items()}
    assert got == {name: status for name, (_, status) in LONG_TOKENS.items()}, statuses
    for name, (status, body) in statuses.items():
        if status != 200:
            assert body["error"]["title"] in ("Query syntax error", "Query too deeply nested"), (name, body)


def test_a_query_above_the_size_limit_is_413_whatever_it_holds(client):
    response = client.post("/sparql", data={"query": "ASK {}\n#" + "a" * SIZE})
    assert response.status_code == 413
    assert response.get_json()["error"]["title"] == "Query too large"


def test_a_long_query_in_the_url_is_answered(client):
    response = client.get("/sparql", query_string={"query": "ASK {}\n#" + "a" * 90_000})
    assert response.status_code == 200


def nested(kind: str, depth: int) -> str:
    if kind == "braces":
        return "ASK " + "{" * depth + "}" * depth
    if kind == "parentheses":
        return "ASK { FILTER" + "(" * depth + "true" + ")" * depth + " }"
    if kind == "brackets":
        return "ASK { ?s ?p " + "[ ?p " * depth + "1" + " ]" * depth + " }"
    if kind == "collections":
        return "ASK { ?s ?p " + "(" * depth + "1" + ")" * depth + " }"
    if kind == "negations":
        return "ASK { FILTER(" + "!" * depth + "true) }"
    raise ValueError(kind)


KINDS = ["braces", "parentheses", "brackets", "collections", "negations"]


@pytest.mark.parametrize("kind", KINDS)
def test_nesting_is_measured(kind):
    assert 40 <= scan_query(nested(kind, 40)).nesting <= 50


@pytest.mark.parametrize("kind", KINDS)
def test_nesting_past_the_limit_is_400_naming_it(client, kind):
    response = client.get("/sparql", query_string={"query": nested(kind, 5000)})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["title"] == "Query too deeply nested"
    assert "at most 100" in error["detail"] and "line 1, column" in error["detail"]


@pytest.mark.parametrize("mode", ["normal", "thorough"])
def test_nesting_within_the_limit_is_answered_in_both_modes(make_app, store, mode):
    class Networked:  # a store that says it can reach the network: rdflib reads every query
        network_cut = False
        description = store.description

        def __getattr__(self, name):
            return getattr(store, name)

    app = make_app(STORE=Networked() if mode == "thorough" else store)
    client = app.test_client()
    for kind in ("braces", "parentheses", "brackets"):
        query = nested(kind, 90)
        assert scan_query(query).nesting <= 100
        response = client.get("/sparql", query_string={"query": query})
        assert response.status_code == 200, (kind, response.get_json())


def test_a_lower_max_nesting_refuses_sooner(make_app):
    client = make_app(MAX_NESTING=3).test_client()
    assert client.get("/sparql", query_string={"query": "ASK { FILTER((true)) }"}).status_code == 200
    response = client.get("/sparql", query_string={"query": "ASK { FILTER(((true))) }"})
    assert response.status_code == 400
    assert "at most 3" in response.get_json()["error"]["detail"]


def test_max_nesting_cannot_be_set_past_what_the_checks_read():
    assert resolve({"MAX_NESTING": NESTING_CEILING}, environ={})["MAX_NESTING"] == NESTING_CEILING
    with pytest.raises(SettingError, match="MAX_NESTING"):
        resolve({"MAX_NESTING": NESTING_CEILING + 1}, environ={})


def test_the_store_itself_refuses_nesting_past_the_ceiling(store):
    with pytest.raises(QueryTooComplex):
        store.query(nested("braces", 5000), timeout=5, max_rows=10)


def test_live_server_refuses_deep_nesting_and_keeps_its_workers(live_server):
    before = live_server.wait_for_workers(2)
    for query in (nested("braces", 5000), nested("negations", 50_000), "ASK { FILTER(1" + "+1" * 20_000 + ") }"):
        response = requests.post(live_server.url, data={"query": query}, timeout=60)
        assert response.status_code == 400, response.text[:300]
        assert response.json()["error"]["title"] == "Query too deeply nested"
    assert requests.get(live_server.url, params={"query": "ASK {}"}, timeout=60).status_code == 200
    assert live_server.wait_for_workers(2)["workers"] == before["workers"]


def test_live_server_answers_a_90_kb_query_in_the_url_and_health_meanwhile(live_server):
    import threading

    query = "ASK {}\n#" + "a" * 90_000
    health: list[int] = []

    def poll() -> None:
        for _ in range(5):
            health.append(requests.get(live_server.base + "/health", timeout=20).status_code)

    poller = threading.Thread(target=poll)
    poller.start()
    # a hang guard, not a timing: before, this one request held the web process for a minute
    response = requests.get(live_server.url, params={"query": query}, timeout=20)
    poller.join()
    assert response.status_code == 200 and response.json()["boolean"] is True
    assert health == [200] * 5
