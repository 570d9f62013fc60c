"""The endpoint under load on loopback: 50 clients on the research questions, a runaway
query a second, /health probed throughout (the same load as `coevidence bench load`, for
10 s instead of 30; no timing assertions beyond /health's per-request time-out)."""

from __future__ import annotations

import pytest

from coevidence.bench.load import run_load


@pytest.mark.slow
def test_fifty_clients_and_a_runaway_a_second_get_no_unannounced_failure(start_server):
    with start_server("--workers", "2") as server:  # the bundled data: the questions' own
        server.wait_for_workers(2)
        result = run_load(server.base, seconds=10, connections=50)
    assert result.errors == []
    assert result.unexpected == {}
    assert result.answered > 100
    assert result.health and {status for status, _ in result.health} == {200}
    assert {(status, title.split(" (")[0]) for status, title in result.runaways} <= {
        (503, "Query timed out"), (503, "Store unavailable")}
