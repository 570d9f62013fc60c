"""`coevidence bench pages` runs end to end at a tiny size (two pilots, one second per load
level) and writes every row of its report, with no failed request. No timing is asserted:
timings belong to the harness, not to tests."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from coevidence.bench.explorer import NewBuilds
from coevidence.cli import main
from coevidence.server.explorer.compare import DIMENSIONS


def _table(text: str, heading: str) -> list[list[str]]:
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("|---")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[1:]]  # without the header


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench-pages")
    output = folder / "pages.md"
    result = CliRunner().invoke(main, [
        "bench", "pages", "--pilots", "2", "--samples", "2", "--connections", "1", "--connections", "3",
        "--seconds", "1", "--workdir", str(folder / "work"), "--output", str(output),
    ])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return output.read_text(encoding="utf-8")


def test_report_has_a_row_for_every_kind_of_page(report):
    rows = _table(report, "### 2 pilots")
    pages = [row[0] for row in rows]
    for expected in ("browse, two facets", "pilot document", "pilot view", "pilot network (", "pilot network JSON",
                     "question page", "resource page"):
        assert any(page.startswith(expected) for page in pages), (expected, pages)
    for dimension in DIMENSIONS:
        assert any(page.startswith(f"compare, {dimension.name} ") for page in pages), dimension.name
    for row in rows:
        assert int(row[1]) >= 1  # URLs sampled
        assert re.fullmatch(r"\d+ \(\d+\)", row[2]), row  # first view: median (slowest)
        assert re.fullmatch(r"\d+", row[3]), row  # before the warm-up
        assert row[7] == "0", row  # every answer a 200


def test_load_levels_run_against_the_server_and_the_ceiling_without_errors(report):
    rows = _table(report, "## Under load, over HTTP")
    measured = {(row[0], int(row[1])): row for row in rows}
    assert set(measured) == {("pages", 1), ("bare Flask", 1), ("pages", 3), ("bare Flask", 3)}
    for row in measured.values():
        assert int(row[2]) > 0, row  # requests per second: something was answered
        assert row[6] == "0", row  # errors
    assert "Targets at 3 connections: no errors yes" in report


def test_new_builds_gives_a_new_data_version_and_answers_stamped_with_it(store):
    builds = NewBuilds(store)
    before = builds.data_version()
    builds.publish()
    assert builds.data_version() != before
    result = builds.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", timeout=10, max_rows=1)
    assert result.data_version == builds.data_version()
    assert builds.status() == store.status()  # the rest reads through


def test_the_report_says_how_long_the_warm_up_took(report):
    assert re.search(r"The warm-up after a build: median \d+\.\d s, slowest \d+\.\d s \(\d+ builds\)", report)
    assert "Accept-Encoding: gzip" in report


def test_the_ceiling_answers_a_gzipped_page_with_a_gzip_body_of_its_size():
    import gzip

    from coevidence.bench.ceiling import make_app

    client = make_app({"/big?x=1": (5000, "gzip"), "/small": (300, "")}).test_client()
    packed = client.get("/big?x=1", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and len(packed.data) == 5000
    gzip.decompress(packed.data)  # a valid gzip body
    plain = client.get("/big?x=1")
    assert "Content-Encoding" not in plain.headers and len(plain.data) == 5000
    small = client.get("/small", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers and len(small.data) == 300
