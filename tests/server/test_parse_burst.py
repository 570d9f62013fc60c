"""A burst on a fresh process: rdflib's parser must come out of its first uses working.

pyparsing 3 learns each parse action's arity on its first call, on shared state; concurrent
first calls left rdflib's SPARQL grammar broken for the life of the process. Each test here
runs in a fresh interpreter (a subprocess, or a fresh `coevidence serve`), since any earlier
parse in the test process would have warmed the grammar already.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from coevidence import data

from .conftest import EXTRA, PATIENCE_S, PILOTS

QUESTIONS = [question.sparql for question in data.questions()]
BURST = 16


def run_fresh(script: str) -> dict:
    """Run *script* in a fresh interpreter; it prints one JSON object last."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True, text=True, timeout=10 * PATIENCE_S,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_burst_sends_every_bundled_question():
    # the burst was the 23 questions of the time; the catalogue has grown since
    assert len(QUESTIONS) == len(list((Path(data.__file__).parent / "questions").glob("*.rq"))) >= 23


def test_sixteen_threads_parsing_at_once_on_first_use_all_succeed():
    findings = run_fresh(
        """
        import json, threading
        from coevidence import data
        from coevidence.server.sparql.second_look import parse
        questions = [q.sparql for q in data.questions()]
        barrier, errors = threading.Barrier(16), []
        def work(i):
            barrier.wait()
            for query in questions[i::16]:
                try:
                    parse(query)
                except Exception as error:
                    errors.append(repr(error))
        threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        after = []
        for query in questions:
            try:
                parse(query)
            except Exception as error:
                after.append(repr(error))
        print(json.dumps({"during": errors, "after": after}))
        """
    )
    assert findings == {"during": [], "after": []}


APP_BURST = """
    import json, sys, threading
    from coevidence import data
    from coevidence.server import create_app
    from coevidence.server.stores.oxigraph import OxigraphStore

    class NetworkedStore(OxigraphStore):
        network_cut = False  # as a store that can reach the network: thorough mode

    store_class = NetworkedStore if sys.argv[1] == "thorough" else OxigraphStore
    store = store_class.load([{pilots!r}, {extra!r}], workers=2)
    app = create_app({{"STORE": store, "TESTING": True, "THREADS": 64}})
    questions = [q.sparql for q in data.questions()]
    barrier, burst = threading.Barrier(16), []
    def work(i):
        client = app.test_client()
        barrier.wait()
        for query in questions[i::16]:
            response = client.get("/sparql", query_string={{"query": query}})
            burst.append((response.status_code, response.get_data(as_text=True)[:300]))
    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    client = app.test_client()
    after = []
    for query in questions:
        response = client.get("/sparql", query_string={{"query": query}})
        after.append((response.status_code, response.get_data(as_text=True)[:300]))
    store.close()
    print(json.dumps({{"burst": burst, "after": after}}))
"""


@pytest.mark.parametrize("mode", ["normal", "thorough"])
def test_a_fresh_app_answers_a_burst_of_every_question_then_each_one_alone(mode):
    script = APP_BURST.format(pilots=str(PILOTS), extra=str(EXTRA))
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), mode],
        capture_output=True, text=True, timeout=10 * PATIENCE_S,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    findings = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(findings["burst"]) == len(QUESTIONS)
    assert [body for status, body in findings["burst"] if status != 200] == []
    assert [body for status, body in findings["after"] if status != 200] == []


def _burst(url: str) -> tuple[list, list]:
    def ask(query: str):
        response = requests.post(url, data={"query": query}, timeout=PATIENCE_S)
        return response.status_code, response.text[:300]

    with ThreadPoolExecutor(BURST) as pool:
        during = list(pool.map(ask, QUESTIONS))
    return during, [ask(query) for query in QUESTIONS]


def test_a_fresh_live_server_answers_a_burst_of_every_question(start_server):
    with start_server("--threads", "32") as server:
        during, after = _burst(server.url)
    assert [body for status, body in during if status != 200] == []
    assert [body for status, body in after if status != 200] == []


def test_a_fresh_live_server_in_front_of_a_remote_store_answers_a_burst(start_server):
    # the outer server reads every query with rdflib (thorough mode): a remote store
    with start_server("--threads", "32") as inner, \
            start_server("--endpoint", inner.url, "--threads", "32") as outer:
        assert "remote" in outer.health()["store"]
        during, after = _burst(outer.url)
    assert [body for status, body in during if status != 200] == []
    assert [body for status, body in after if status != 200] == []
