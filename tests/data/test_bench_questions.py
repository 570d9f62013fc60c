"""`coevidence bench questions` runs every question of the catalogue end to end at a tiny size
and reports each one as finished. No timing is asserted: timings belong to the harness."""

from __future__ import annotations

from click.testing import CliRunner

from coevidence.cli import main
from coevidence.data import questions


def test_report_lists_every_question_finished(tmp_path):
    output = tmp_path / "questions.md"
    result = CliRunner().invoke(main, [
        "bench", "questions", "--pilots", "2", "--repeat", "2", "--workdir", str(tmp_path / "work"), "--output", str(output),
    ])
    assert result.exit_code == 0, result.output + repr(result.exception)
    report = output.read_text(encoding="utf-8")
    assert "## 2 pilots" in report and "Over the time limit: none." in report
    rows = [line.strip("|").split("|") for line in report.splitlines() if line.startswith("| `")]
    assert sorted(row[0].strip().strip("`") for row in rows) == sorted(q.name for q in questions())
    assert all(row[4].strip() == "ok" for row in rows), rows
