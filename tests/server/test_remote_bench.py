"""The endpoint benchmark's pure parts: its queries parse, its report adds up (no timings)."""

from __future__ import annotations

from rdflib.plugins.sparql import prepareQuery

from coevidence.bench.endpoint import (
    MAX_ROUNDS,
    Cell,
    Dataset,
    Results,
    Run,
    cache_hit,
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
    assert "`serve` against `rdflib-endpoint`: 91× lower on the mix (target ≥ 10×: met)" in text
    assert "`serve` − `oxigraph` in-process (median over the queries): 1.00 ms" in text
    # Virtuoso takes 4 ms, under the 5 ms floor of the in-front target: no query to hold it on
    assert "on the 0 queries that take Virtuoso over 5 ms: none (target ≤ 1.2× on every one: met)" in text
    assert "ratio of the mix medians 1.15×" in text
    assert "the engine alone (pyoxigraph in-process, no server) against `rdflib-endpoint`: 100× lower" in text
    assert "`serve` in front of Virtuoso against `rdflib-endpoint`: 217× lower" in text
    assert "rows differ" not in text


def test_report_holds_the_virtuoso_target_on_queries_over_five_milliseconds():
    times = {"virtuoso": 0.008, "serve→virtuoso": 0.0104, "serve": 0.01}
    results, dataset = fake_results(times, {})
    fast = results.queries[1].name
    results.cells[(fast, "virtuoso")] = Cell([Run(0.002, rows=3)])
    results.cells[(fast, "serve→virtuoso")] = Cell([Run(0.006, rows=3)])  # 3×, but under the floor
    text = report(results, dataset, pilots=10)
    assert "on the 1 queries that take Virtuoso over 5 ms: at most 1.30×" in text
    assert "(target ≤ 1.2× on every one: NOT met); over it: " in text
    assert f"`{fast}`" not in text.split("over it: ")[1].split(".")[0]


def test_report_gives_warm_rounds_against_virtuoso():
    results, dataset = fake_results({"serve": 0.010, "virtuoso": 0.008}, {})
    for query in results.queries:
        results.warm[(query.name, "serve")] = Cell([Run(0.001, rows=3, cached=True)])
        results.warm[(query.name, "virtuoso")] = Cell([Run(0.008, rows=3)])
    text = report(results, dataset, pilots=10)
    assert "## Warm: the same request again" in text
    assert "`serve` (cached) against Virtuoso direct: 8.00× lower on the mix (target ≥ 5×: met)" in text


def test_report_names_both_rdflib_stores():
    times = {"serve": 0.010, "rdflib-endpoint": 1.0, "rdflib-endpoint/oxigraph": 0.05}
    results, dataset = fake_results(times, {})
    text = report(results, dataset, pilots=10)
    assert "`serve` against `rdflib-endpoint`: 100× lower on the mix (target ≥ 10×: met)" in text
    assert "`serve` against `rdflib-endpoint/oxigraph`: 5.00× lower on the mix (target ≥ 10×: NOT met)" in text


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
    assert "120× lower on the mix (target ≥ 10×: met)" in text
    assert "timed out on 2 of 2 queries" in text


def test_report_flags_systems_that_disagree_on_rows():
    times = {"serve": 0.5, "rdflib-endpoint": 1.0}
    results, dataset = fake_results(times, {"serve": 3, "rdflib-endpoint": 4})
    text = report(results, dataset, pilots=10)
    assert "rows differ between systems" in text
    assert "2.00× lower on the mix (target ≥ 10×: NOT met)" in text


def test_engine_time_is_read_from_server_timing():
    assert engine_seconds('engine;dur=12.500;desc="query engine"') == 0.0125
    assert engine_seconds("db;dur=3, engine;dur=2") == 0.002
    assert engine_seconds(None) is None
    assert engine_seconds("engine;desc=x") is None
    assert engine_seconds("engine;dur=soon") is None


def test_report_gives_the_overhead_within_each_request():
    results, dataset = fake_results({"serve": 0.010, "rdflib-endpoint": 1.0}, {})
    for query in results.queries:
        results.cells[(query.name, "serve")] = Cell([Run(0.010, rows=3, engine=0.0088), Run(0.030, rows=3, engine=0.0288), Run(0.012, rows=3, engine=0.002)])
    text = report(results, dataset, pilots=10)
    assert "then over the queries): 1.20 ms (target < 1.5 ms: met)" in text


def test_cache_hits_are_read_from_server_timing():
    assert cache_hit('cache;desc="hit"')
    assert cache_hit("engine;dur=1, cache;desc=hit")
    assert not cache_hit('engine;dur=12.500;desc="query engine"')
    assert not cache_hit(None)


def test_warm_rounds_follow_the_cold_ones_query_by_query():
    calls: list[str] = []
    clients = {name: FakeClient(name, calls, 0.001) for name in ("a", "b")}
    warm = {"a warm": FakeClient("a warm", calls, 0.0001)}
    queries = query_mix(PILOT, ACTOR)[:2]
    results = Results(queries, ["a", "b"], {}, limit=60.0, repeat=3, min_time=0.0, notes=[], loads={})
    measure_interleaved(results, clients, warmup=0, say=lambda message: None, warm_clients=warm)
    # per query: 3 cold rounds of a and b, then 1 warm-up and 3 warm runs
    assert calls == (["a", "b", "b", "a", "a", "b"] + ["a warm"] * 4) * 2
    assert all(len(results.warm_cell(q.name, "a warm").runs) == 3 for q in queries)
    assert all(len(results.cell(q.name, "b").runs) == 3 for q in queries)


def test_a_missing_rdflib_endpoint_is_said_at_once_without_a_traceback(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from coevidence.bench import endpoint
    from coevidence.cli import main

    monkeypatch.setattr(endpoint, "rdflib_endpoint_executable", lambda: tmp_path / "no" / "rdflib-endpoint")
    work = tmp_path / "work"
    result = CliRunner().invoke(main, ["bench", "endpoint", "--pilots", "2", "--systems", "oxigraph,rdflib-endpoint",
                                       "--workdir", str(work)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "rdflib-endpoint is not installed" in result.output and "pip install -e '.[bench]'" in result.output
    assert not work.exists()  # nothing measured or prepared first


def test_report_sets_the_bare_proxy_beside_the_virtuoso_target():
    times = {"virtuoso": 0.008, "serve→virtuoso": 0.0104, "flask→virtuoso": 0.0099}
    results, dataset = fake_results(times, {})
    for query in results.queries:
        results.cells[(query.name, "serve→virtuoso")] = Cell([Run(0.0104, rows=3, engine=0.0081)])
        results.cells[(query.name, "flask→virtuoso")] = Cell([Run(0.0099, rows=3, engine=0.0081)])
    text = report(results, dataset, pilots=10)
    assert "| flask→virtuoso ÷ virtuoso |" in text.splitlines()[text.splitlines().index(
        "## Cold: the first run of each query on a data version (the result cache misses)") + 2]
    floor = next(line for line in text.splitlines() if "the floor, `flask→virtuoso`" in line)
    assert "at most 1.24×; over 1.2× itself on " in floor
    assert "its own time (latency − its wait for Virtuoso) 1.80 ms median over the queries, `serve→virtuoso`'s 2.30 ms" in floor
