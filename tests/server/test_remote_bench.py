"""The endpoint benchmark's pure parts: its queries parse, its report adds up (no timings)."""

from __future__ import annotations

from rdflib.plugins.sparql import prepareQuery

from coevidence.bench.endpoint import (
    MAX_ROUNDS,
    Cell,
    Dataset,
    Results,
    Run,
    engine_seconds,
    measure_interleaved,
    query_mix,
    report,
)
from coevidence.ontology import ID

PILOT = ID["pilot/p00001"].n3()
ACTOR = ID["organisation/p00001-a1"].n3()


def test_the_query_mix_parses_and_is_large_enough():
    queries = query_mix(PILOT, ACTOR)
    assert len(queries) >= 8
    assert len({q.name for q in queries}) == len(queries)
    for query in queries:
        prepareQuery(query.text())


def fake_results(times: dict[str, float], rows: dict[str, int], timed_out: set[str] = frozenset()) -> tuple[Results, Dataset]:
    queries = query_mix(PILOT, ACTOR)[:2]
    results = Results(queries, list(times), {}, limit=60.0, repeat=1, min_time=0.0, notes=[], loads={})
    for query in queries:
        for system, seconds in times.items():
            run = Run(60.0, error="timeout") if system in timed_out else Run(seconds, rows=rows.get(system, 3))
            results.cells[(query.name, system)] = Cell([run])
    dataset = Dataset(folder=None, data=None, triples=1234, pilot=PILOT, actor=ACTOR, prepare_seconds={})  # type: ignore[arg-type]
    return results, dataset


def test_report_gives_ratios_against_the_targets():
    times = {"oxigraph": 0.010, "serve": 0.011, "virtuoso": 0.004, "serve→virtuoso": 0.0046, "rdflib-endpoint": 1.0}
    results, dataset = fake_results(times, {})
    text = report(results, dataset, pilots=10)
    assert "1,234 triples" in text
    assert "91× lower on the mix (target ≥ 50×: met)" in text
    assert "1.00 ms (target < 2 ms: met)" in text
    assert "1.15× (target ≤ 1.2×: met)" in text or "ratio of the mix medians 1.15×" in text
    assert "the engine alone (pyoxigraph in-process, no server) against `rdflib-endpoint`: 100× lower" in text
    assert "`serve` in front of Virtuoso against `rdflib-endpoint`: 217× lower" in text
    assert "rows differ" not in text


class FakeClient:
    """Answers at once and records the order in which the systems were asked."""

    def __init__(self, name: str, calls: list[str], seconds: float) -> None:
        self.name, self.calls, self.seconds = name, calls, seconds

    def ask(self, sparql: str, limit: float) -> Run:
        self.calls.append(self.name)
        return Run(self.seconds, rows=1)


def measured(repeat: int, min_time: float, names=("a", "b", "c")) -> tuple[Results, list[str]]:
    calls: list[str] = []
    clients = {name: FakeClient(name, calls, 0.001) for name in names}
    queries = query_mix(PILOT, ACTOR)[:1]
    results = Results(queries, list(names), {}, limit=60.0, repeat=repeat, min_time=min_time, notes=[], loads={})
    measure_interleaved(results, clients, warmup=1, say=lambda message: None)
    return results, calls


def test_rounds_turn_the_order_of_the_systems():
    results, calls = measured(repeat=6, min_time=0.0)
    rounds = [calls[i:i + 3] for i in range(3, len(calls), 3)]  # after the warm-up round
    assert len(rounds) == 6
    assert [r[0] for r in rounds] == ["a", "b", "c", "a", "b", "c"]
    assert all(sorted(r) == ["a", "b", "c"] for r in rounds)
    assert all(len(results.cell(results.queries[0].name, name).runs) == 6 for name in "abc")


def test_fast_queries_get_more_rounds_up_to_the_cap():
    results, _ = measured(repeat=2, min_time=3600.0)
    assert len(results.cell(results.queries[0].name, "a").runs) == MAX_ROUNDS


def test_report_counts_time_outs_at_the_limit():
    times = {"serve": 0.5, "rdflib-endpoint": 1.0}
    results, dataset = fake_results(times, {}, timed_out={"rdflib-endpoint"})
    text = report(results, dataset, pilots=10)
    assert "60.00 s ⏱" in text
    assert "120× lower on the mix (target ≥ 50×: met)" in text
    assert "timed out on 2 of 2 queries" in text


def test_report_flags_systems_that_disagree_on_rows():
    times = {"serve": 0.5, "rdflib-endpoint": 1.0}
    results, dataset = fake_results(times, {"serve": 3, "rdflib-endpoint": 4})
    text = report(results, dataset, pilots=10)
    assert "rows differ between systems" in text
    assert "2.00× lower on the mix (target ≥ 50×: NOT met)" in text


def test_engine_time_is_read_from_server_timing():
    assert engine_seconds('engine;dur=12.500;desc="query engine"') == 0.0125
    assert engine_seconds("db;dur=3, engine;dur=2") == 0.002
    assert engine_seconds(None) is None
    assert engine_seconds("engine;desc=x") is None
    assert engine_seconds("engine;dur=soon") is None


def test_report_gives_the_overhead_within_each_request():
    results, dataset = fake_results({"serve": 0.010, "rdflib-endpoint": 1.0}, {})
    for query in results.queries:
        results.cells[(query.name, "serve")] = Cell([Run(0.010, rows=3, engine=0.0085), Run(0.030, rows=3, engine=0.0285), Run(0.012, rows=3, engine=0.002)])
    text = report(results, dataset, pilots=10)
    assert "then over the queries): 1.50 ms (target < 2 ms: met)" in text
