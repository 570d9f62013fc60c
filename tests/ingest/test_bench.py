"""`coevidence bench ingest` runs end to end on a tiny set and writes its Markdown report
(no timing is asserted: timings belong to the harness, not to tests)."""

from __future__ import annotations


def test_bench_ingest_writes_a_report_with_the_comparison(run, tmp_path):
    report = tmp_path / "ingest.md"
    result = run("bench", "ingest", "--pilots", 2, "--repeat", 1, "--baseline-repeat", 1, "--output", report)
    assert result.exit_code == 0, result.output
    text = report.read_text(encoding="utf-8")
    assert "| **baseline: one plain pySHACL call on the built graph** | 1 |" in text
    assert "same problems found by both (every violation and warning, compared as sets): **yes**" in text
    assert "2 synthetic pilots (seed 0)" in text
    assert "| ours: write Turtle (canonical, in memory) | 1 |" in text
    assert "| **ours: build + validate + write** | 1 |" in text


def test_bench_ingest_can_append_runs_to_one_report(run, tmp_path):
    report = tmp_path / "ingest.md"
    run("bench", "ingest", "--pilots", 1, "--repeat", 1, "--baseline-repeat", 0, "--output", report)
    result = run("bench", "ingest", "--pilots", 2, "--repeat", 1, "--baseline-repeat", 0, "--output", report, "--append")
    assert result.exit_code == 0, result.output
    text = report.read_text(encoding="utf-8")
    assert text.count("# Benchmark: ingest") == 2
    assert text.index("1 synthetic pilots") < text.index("2 synthetic pilots")
    assert "baseline not run" in text
