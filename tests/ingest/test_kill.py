"""A build killed at any point leaves the published version whole and no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import pytest

from coevidence import versions

from .conftest import GOLDEN_SOURCES

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
BUILD = "from coevidence.cli import main; main()"


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_build(sources: Path, root: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", BUILD, "build", str(sources), "--store", str(root), "--jobs", "2", "--allow-shrink", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def assert_whole(root: Path, expected_id: str | None = None) -> None:
    current = versions.current(root)
    assert current is not None
    if expected_id is not None:
        assert current.id == expected_id
    assert (current.path / "graph.ttl").stat().st_size > 0
    store = pyoxigraph.Store.read_only(str(current.store))
    assert len(store) > 0
    del store


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    from coevidence.ingest.synth import write_synthetic

    folder = tmp_path_factory.mktemp("synth") / "sources"
    write_synthetic(folder, 12, 0)
    return folder


def test_killing_a_build_during_validation_leaves_no_worker_and_the_version_intact(tmp_path, synthetic):
    root = tmp_path / "root"
    assert subprocess.run([sys.executable, "-c", BUILD, "build", str(GOLDEN_SOURCES), "--store", str(root)], capture_output=True).returncode == 0
    before = versions.current(root).id
    build = start_build(synthetic, root)
    workers: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and build.poll() is None:
        workers = children(build.pid)
        if len(workers) >= 2:
            break
        time.sleep(0.02)
    if not workers:
        build.wait()
        pytest.skip("the build ended before its workers could be seen")
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if alive(pid)], "validation workers outlived their build"
    assert_whole(root, before)
    # the next build cleans what the killed one left, and publishes
    assert subprocess.run([sys.executable, "-c", BUILD, "build", str(GOLDEN_SOURCES), "--store", str(root)], capture_output=True).returncode == 0
    assert not list((root / versions.VERSIONS).glob(".building-*"))
    assert_whole(root)


@pytest.mark.parametrize("delay", [0.3, 1.0, 2.0, 3.5, 5.0])
def test_killing_a_build_at_any_moment_keeps_a_whole_version(tmp_path, synthetic, delay):
    root = tmp_path / "root"
    assert subprocess.run([sys.executable, "-c", BUILD, "build", str(GOLDEN_SOURCES), "--store", str(root)], capture_output=True).returncode == 0
    build = start_build(synthetic, root)
    time.sleep(delay)
    family = children(build.pid)
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in family) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in family if alive(pid)]
    assert_whole(root)  # the old version, or the new one if the build had finished


HANGING_PARENT = """
import multiprocessing, os, sys, time
from coevidence.ingest.validation import die_with_parent

def child(parent):
    die_with_parent(parent)
    time.sleep(120)  # as a worker blocked on a pipe nobody reads

process = multiprocessing.get_context("fork").Process(target=child, args=(os.getpid(),), daemon=True)
process.start()
print(process.pid, flush=True)
time.sleep(120)
"""


def test_a_worker_dies_when_its_parent_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", HANGING_PARENT], stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())
    time.sleep(0.2)  # let the child reach prctl
    assert alive(worker)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive_after = alive(worker)
    if alive_after:
        os.kill(worker, signal.SIGKILL)
    assert not alive_after, "the worker outlived its parent"
