"""Building the same sources twice gives byte-identical output, whatever the hash seed, the
working directory or the output format; and nothing in the graph depends on the clock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import XSD

from .conftest import GOLDEN_SOURCES

BUILD = "from coevidence.cli import main; main()"


def build_in_subprocess(sources: Path, output: Path, seed: str, cwd: Path) -> bytes:
    environment = {**os.environ, "PYTHONHASHSEED": seed}
    completed = subprocess.run(
        [sys.executable, "-c", BUILD, "build", str(sources), "-o", str(output)],
        cwd=cwd, env=environment, capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return output.read_bytes()


@pytest.mark.parametrize("suffix", [".ttl", ".nt", ".jsonld"])
def test_rebuilds_are_byte_identical_across_hash_seeds(tmp_path, suffix):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = build_in_subprocess(GOLDEN_SOURCES, tmp_path / f"one{suffix}", "1", tmp_path / "a")
    second = build_in_subprocess(GOLDEN_SOURCES, tmp_path / f"two{suffix}", "4242", tmp_path / "b")
    assert first == second
    assert len(Graph().parse(data=first, format={".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld"}[suffix])) > 300


def test_synthetic_rebuilds_are_byte_identical(tmp_path):
    from coevidence.ingest.synth import write_synthetic

    write_synthetic(tmp_path / "synth", pilots=3, seed=7)
    first = build_in_subprocess(tmp_path / "synth", tmp_path / "one.ttl", "0", tmp_path)
    second = build_in_subprocess(tmp_path / "synth", tmp_path / "two.ttl", "99", tmp_path)
    assert first == second


def test_no_wall_clock_time_in_the_graph(tmp_path):
    from coevidence.ingest.build import build_graph

    graph = build_graph([GOLDEN_SOURCES]).graph
    timed = [o for o in graph.objects() if isinstance(o, Literal) and o.datatype in (XSD.dateTime, XSD.dateTimeStamp, XSD.time)]
    assert timed == []


def test_the_build_records_version_and_a_digest_that_follows_the_sources(sources):
    import coevidence
    from coevidence.ingest.build import build_graph
    from coevidence.ontology import COE

    first = build_graph([sources]).graph
    digest = next(first.objects(None, COE.sourceDigest))
    assert len(str(digest)) == 64 and next(first.objects(None, COE.softwareVersion)) == Literal(coevidence.__version__)
    with open(sources / "places.csv", "a", encoding="utf-8") as stream:
        stream.write("another,Another place,HUN,\n")
    assert next(build_graph([sources]).graph.objects(None, COE.sourceDigest)) != digest
