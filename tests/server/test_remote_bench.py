"""The endpoint benchmark's pure parts: its queries parse, its report adds up (no timings)."""

from __future__ import annotations

from rdflib.plugins.sparql import prepareQuery

from coevidence.bench.endpoint import Cell, Dataset, Results, Run, query_mix, report
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
    results = Results(queries, list(times), {}, limit=60.0, repeat=1, notes=[], loads={})
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
    assert "rows differ" not in text


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
