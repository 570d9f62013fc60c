"""The benchmark harness run for real at a tiny size: what it measures holds together
(no timings are asserted; speed is measured by `coevidence bench`, not by pytest)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from coevidence.bench import endpoint, start


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("bench")


def test_bench_endpoint_measures_serve_cold_and_warm(workdir):
    results, dataset = endpoint.run_benchmark(
        pilots=2, seed=0, repeat=2, min_time=0.0, warmup=1, limit=30.0, workdir=workdir,
        systems=["oxigraph", "serve", "flask"], say=lambda message: None,
    )
    assert dataset.triples > 1000
    for query in results.queries:
        cold = results.cell(query.name, "serve").runs
        assert len(cold) >= 2
        # every cold run was answered by the engine (the cache missed), none from the cache
        assert all(run.error is None and not run.cached and run.engine is not None for run in cold), cold
        warm = results.warm_cell(query.name, "serve").runs
        assert len(warm) >= 2 and all(run.cached for run in warm), warm
        # the server and pyoxigraph in-process agree on the answer's size
        assert results.cell(query.name, "serve").rows == results.cell(query.name, "oxigraph").rows
        # the floor answered every run with serve's answer, from no engine
        # (after sleeping about as long as serve's engine took, which it reports as its engine time)
        floor = results.cell(query.name, "flask").runs
        assert floor and all(run.error is None and run.engine is not None for run in floor), floor
        assert results.cell(query.name, "flask").rows == results.cell(query.name, "serve").rows
    # the measurements began only once the server's warm-up had finished
    assert any(name.startswith("serve warm-up") for name in results.loads), results.loads
    text = endpoint.report(results, dataset, pilots=2)
    assert "## Cold: the first run of each query" in text
    assert "## Warm: the same request again" in text
    assert "the floor, `flask` (HTTP, waitress and Flask alone, waiting as long as `serve`'s engine" in text
    assert "| flask − its sleep |" in text
    assert "## Notes" not in text  # no failure, no row count differing between the systems


class _Health:
    """A loopback server whose ``/health`` gives *states* one after the other (the last
    one again and again)."""

    def __init__(self, states):
        import http.server
        import json
        import threading

        self.states, self.asked = list(states), 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                state = outer.states[min(outer.asked, len(outer.states) - 1)]
                outer.asked += 1
                body = json.dumps({"status": "ok", "warm_up": state}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"

    def process(self, tmp_path):
        popen = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        return endpoint.Process("serve", popen, self.url, tmp_path / "serve.log")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([{"running": True, "version": None, "seconds": None}] * 2
         + [{"running": False, "version": "v1", "seconds": 7.5}], (7.5, None)),
        ([None], (None, None)),  # no warm-up (it is off): nothing to wait for
        ([{"running": True, "version": None, "seconds": None},
          {"running": False, "version": None, "seconds": None, "error": "the store timed out"}],
         (None, "the store timed out")),
    ],
)
def test_wait_for_warm_up_waits_until_the_warm_up_has_ended(tmp_path, states, expected):
    health = _Health(states)
    process = health.process(tmp_path)
    try:
        assert endpoint.wait_for_warm_up(process, deadline=30) == expected
        assert health.asked == len(states)  # it asked until the state changed, and no longer
    finally:
        process.popen.kill()
        process.popen.wait()
        health.close()


def test_wait_for_warm_up_gives_up_at_its_deadline_and_when_the_server_stops(tmp_path):
    import click

    health = _Health([{"running": True, "version": None, "seconds": None}])
    process = health.process(tmp_path)
    try:
        with pytest.raises(click.ClickException, match="had not finished its warm-up after 0.5 s"):
            endpoint.wait_for_warm_up(process, deadline=0.5)
        process.popen.kill()
        process.popen.wait()
        (tmp_path / "serve.log").write_text("the zygote died")
        with pytest.raises(click.ClickException, match="stopped during its warm-up: the zygote died"):
            endpoint.wait_for_warm_up(process, deadline=30)
    finally:
        if process.popen.poll() is None:
            process.popen.kill()
            process.popen.wait()
        health.close()


def test_a_health_that_is_not_a_json_status_stops_the_run_with_a_clear_error():
    import click
    import http.server
    import threading

    class NoHealth(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(404)
            self.send_header("Content-Length", "9")
            self.end_headers()
            self.wfile.write(b"not found")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NoHealth)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(click.ClickException, match="/health answered HTTP 404, not a JSON status"):
            endpoint.health(f"http://127.0.0.1:{server.server_port}/sparql")
    finally:
        server.shutdown()
        server.server_close()


def test_bench_start_measures_start_up_and_memory(workdir):
    prepared: dict[str, float] = {}
    measured = start.measure(2, 0, 1, 2, 30.0, workdir, lambda message: None, prepared)
    assert [m.mode for m in measured] == ["prebuilt store", "from Turtle"]
    for m in measured:
        assert len(m.starts) == 1
        assert 0 < m.starts[0].url_seconds <= m.starts[0].answer_seconds
        assert m.failed_queries == []
        # the server, its zygote and its two workers, with memory of their own
        assert m.processes >= 4
        assert 0 < m.peak_pss <= m.peak_rss
    text = start.report(measured, prepared, "coevidence bench start --pilots 2", "0.00", 2)
    assert "| 2 | " in text and "prebuilt store" in text and "from Turtle" in text
    assert "(target < 1.5 GiB: met)" in text


def test_descendants_include_children_of_children():
    # a shell that starts a sleeping child of its own
    shell = subprocess.Popen(["sh", "-c", "sleep 30 & wait"])
    try:
        for _ in range(100):
            found = start.descendants(shell.pid)
            if len(found) >= 2:
                break
            subprocess.run([sys.executable, "-c", "import time; time.sleep(0.02)"])
        assert found[0] == shell.pid and len(found) == 2
        pss, rss = start.memory(shell.pid)
        assert 0 < pss <= rss
    finally:
        shell.kill()
        shell.wait()


def test_the_floor_answers_only_the_queries_it_was_given():
    from coevidence.bench.ceiling import make_answers_app

    from coevidence.bench.endpoint import engine_seconds

    client = make_answers_app({"ASK {}": (b'{"head":{},"boolean":true}', 0.05)}).test_client()
    answer = client.get("/sparql", query_string={"query": "ASK {}"})
    assert answer.status_code == 200 and answer.mimetype == "application/sparql-results+json"
    assert answer.data == b'{"head":{},"boolean":true}'
    assert 0.05 <= engine_seconds(answer.headers["Server-Timing"]) < 5  # it slept first, and says so
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 404


def test_the_bare_proxy_sends_each_request_on_as_it_came(tmp_path):
    """``ceiling --forward`` in front of a real loopback endpoint: the query string and the
    Accept header go on unchanged, the answer comes back with its status and type, the wait
    is reported as ``engine``, and an endpoint closing its idle connection is asked again."""
    import http.server
    import threading

    from coevidence.bench.ceiling import make_forward_app
    from coevidence.bench.endpoint import engine_seconds

    seen = []

    class Endpoint(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            seen.append((self.path, self.headers["Accept"]))
            time.sleep(0.03)
            status, body = (400, b"bad query") if "bad" in self.path else (200, b'{"head":{},"boolean":true}')
            self.send_response(status)
            self.send_header("Content-Type", "application/sparql-results+json" if status == 200 else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = len(seen) == 1  # the first connection closed once answered

        def log_message(self, *args):
            pass

    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    try:
        client = make_forward_app(f"http://127.0.0.1:{upstream.server_port}/sparql?x=1").test_client()
        for _ in range(3):
            answer = client.get("/sparql?query=ASK%20%7B%7D&timeout=5000",
                                headers={"Accept": "application/sparql-results+json"})
            assert answer.status_code == 200 and answer.data == b'{"head":{},"boolean":true}'
            assert answer.mimetype == "application/sparql-results+json"
            assert 0.03 <= engine_seconds(answer.headers["Server-Timing"]) < 5
        refused = client.get("/sparql?query=bad")
        assert refused.status_code == 400 and refused.data == b"bad query"
        assert seen[0] == ("/sparql?x=1&query=ASK%20%7B%7D&timeout=5000", "application/sparql-results+json")
        assert len(seen) == 4
    finally:
        upstream.shutdown()
        upstream.server_close()


def test_bench_endpoint_refuses_the_floor_without_serve():
    from click.testing import CliRunner

    result = CliRunner().invoke(endpoint.command, ["--systems", "oxigraph,flask"])
    assert result.exit_code == 2
    assert "flask answers with serve's answers: measure serve too" in result.output
