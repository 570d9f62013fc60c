"""Synthetic sources: seeded, reproducible, shaped like real pilots, never in data/."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

from coevidence.ingest.synth import write_synthetic


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.glob("*.csv")):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


def rows(folder: Path, table: str) -> list[dict[str, str]]:
    with open(folder / f"{table}.csv", encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    write_synthetic(tmp_path / "a", pilots=5, seed=1)
    write_synthetic(tmp_path / "b", pilots=5, seed=1)
    write_synthetic(tmp_path / "c", pilots=5, seed=2)
    assert digest(tmp_path / "a") == digest(tmp_path / "b") != digest(tmp_path / "c")


def test_pilots_have_a_realistic_skewed_shape(tmp_path):
    write_synthetic(tmp_path, pilots=60, seed=0)
    assert len(rows(tmp_path, "pilots")) == 60
    actors = Counter(r["id"].split("-")[0] for t in ("organisations", "groups") for r in rows(tmp_path, t) if r["id"].startswith("p") and not r["id"].endswith("-network"))
    exchanges = Counter(r["pilot"] for r in rows(tmp_path, "exchanges"))
    assert all(10 <= n <= 41 for n in actors.values())  # one extra citizen group when none was drawn
    assert all(20 <= n <= 200 for n in exchanges.values())
    assert sum(exchanges.values()) / 60 < 80 < max(exchanges.values())  # most pilots small, some large
    resource_types = Counter(r["resource_type"] for r in rows(tmp_path, "exchanges")).most_common()
    assert resource_types[0][1] > 5 * resource_types[-1][1]  # a few kinds dominate
    for table in ("outcomes", "factors", "method_uses"):
        per_pilot = Counter(r.get("pilot") or r.get("pilots") for r in rows(tmp_path, table) if r.get("pilot") or r.get("pilots"))
        assert len(per_pilot) == 60 and min(per_pilot.values()) >= 2


def test_synthetic_sources_build_into_a_conforming_graph(run, tmp_path):
    result = run("synth", "--pilots", 4, "--seed", 5, tmp_path / "synth")
    assert result.exit_code == 0, result.output
    result = run("build", tmp_path / "synth", "-o", tmp_path / "synth.ttl")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "synth.ttl").stat().st_size > 100_000


def test_synth_refuses_to_write_into_data(run):
    import coevidence.data

    data = Path(coevidence.data.__file__).parent
    result = run("synth", "--pilots", 1, data / "synthetic")
    assert result.exit_code == 2
    assert "synthetic data never goes into data/" in result.stderr
    assert not (data / "synthetic").exists()


def test_synthetic_sources_follow_format_version_2(tmp_path):
    write_synthetic(tmp_path, pilots=20, seed=3)
    assert len(rows(tmp_path, "framings")) == 20 and rows(tmp_path, "outputs")
    assert any(r["project"] and not r["pilots"] for r in rows(tmp_path, "factors"))  # project-level factors
    exchanges = rows(tmp_path, "exchanges")
    assert any(r["provider"].startswith("policy-") for r in exchanges) and any(not r["provider"] for r in exchanges)
    assert all(r["evaluator_relation"] for r in rows(tmp_path, "outcomes"))
    assert any(r["level"] for r in rows(tmp_path, "participations"))
    assert any(r["member_of"] for r in rows(tmp_path, "organisations"))
