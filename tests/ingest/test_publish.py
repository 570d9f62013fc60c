"""Publishing a build: all or nothing, never over what it would damage, leftovers cleaned."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from rdflib import Graph

from coevidence import versions
from coevidence.ingest import publish as publish_module

from .conftest import GOLDEN_EXPECTED, GOLDEN_SOURCES


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file under *root* (links as their target), to check nothing changed."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            found[str(path.relative_to(root))] = os.readlink(path).encode()
        elif path.is_file() and path.name not in ("LOCK",) and not path.name.startswith("LOG"):
            found[str(path.relative_to(root))] = path.read_bytes()
    return found


@pytest.fixture
def published(run, tmp_path) -> Path:
    root = tmp_path / "root"
    result = run("build", GOLDEN_SOURCES, "--store", root, "-o", tmp_path / "out.ttl")
    assert result.exit_code == 0, result.stderr
    return root


def test_empty_folder_is_refused_and_nothing_is_written(run, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run("build", tmp_path / "empty", "--store", tmp_path / "root", "-o", tmp_path / "out.ttl")
    assert result.exit_code == 1
    assert "the sources hold no records" in result.stderr
    assert not (tmp_path / "root").exists() and not (tmp_path / "out.ttl").exists()


def test_empty_template_is_refused(run, tmp_path):
    assert run("template", tmp_path / "t.xlsx").exit_code == 0
    result = run("build", tmp_path / "t.xlsx", "-o", tmp_path / "out.ttl")
    assert result.exit_code == 1 and "no records" in result.stderr
    assert not (tmp_path / "out.ttl").exists()


def test_folder_of_wrong_tables_is_refused(run, tmp_path):
    (tmp_path / "wrong").mkdir()
    (tmp_path / "wrong" / "people.csv").write_text("name\nAda\n", encoding="utf-8")
    result = run("build", tmp_path / "wrong", "-o", tmp_path / "out.ttl")
    assert result.exit_code == 1
    assert not (tmp_path / "out.ttl").exists()


def test_nothing_to_write_is_refused(run):
    result = run("build", GOLDEN_SOURCES)
    assert result.exit_code == 2 and "give -o OUT.ttl, --store DIR, or both" in result.stderr


def test_a_folder_that_is_not_a_root_is_refused_before_anything_is_written(run, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine", encoding="utf-8")
    output = tmp_path / "out.ttl"
    output.write_text("old\n", encoding="utf-8")
    result = run("build", GOLDEN_SOURCES, "--store", tmp_path / "mine", "-o", output)
    assert result.exit_code == 2
    assert "is not empty and is not a publication root" in result.stderr
    assert output.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["notes.txt"]


def test_a_legacy_plain_store_is_refused_with_what_to_do(run, tmp_path):
    from coevidence.server.stores.oxigraph import write_store

    legacy = tmp_path / "store"
    write_store([GOLDEN_SOURCES.parent / "expected.ttl"], legacy)
    before = _snapshot(legacy)
    result = run("build", GOLDEN_SOURCES, "--store", legacy)
    assert result.exit_code == 2
    assert "is a plain Oxigraph store" in result.stderr and f"mv {legacy} {legacy}.old" in result.stderr
    assert _snapshot(legacy) == before


@pytest.mark.parametrize("where", ["output", "store"])
def test_a_target_inside_a_source_folder_is_refused(run, sources, where):
    target = ["-o", sources / "out.ttl"] if where == "output" else ["--store", sources / "root"]
    result = run("build", sources, *target)
    assert result.exit_code == 2 and "inside the source folder" in result.stderr
    assert not (sources / "out.ttl").exists() and not (sources / "root").exists()


def test_a_much_smaller_build_is_refused_unless_asked_for(run, tmp_path):
    root = tmp_path / "root"
    assert run("synth", "--pilots", 2, tmp_path / "big").exit_code == 0
    assert run("build", tmp_path / "big", "--store", root).exit_code == 0
    before = _snapshot(root)
    result = run("build", GOLDEN_SOURCES, "--store", root)
    assert result.exit_code == 1, result.stderr
    assert "refusing to publish a much smaller graph" in result.stderr and "--allow-shrink" in result.stderr
    assert _snapshot(root) == before
    result = run("build", GOLDEN_SOURCES, "--store", root, "--allow-shrink")
    assert result.exit_code == 0, result.stderr
    assert versions.current(root).info["triples"] == len(Graph().parse(GOLDEN_EXPECTED))


def test_a_much_smaller_output_file_is_refused(run, tmp_path):
    output = tmp_path / "out.ttl"
    output.write_bytes(b"# a large graph\n" * 10_000)
    result = run("build", GOLDEN_SOURCES, "-o", output)
    assert result.exit_code == 1 and "refusing to write a much smaller graph" in result.stderr
    assert output.read_bytes() == b"# a large graph\n" * 10_000


def test_a_full_disk_while_writing_the_store_leaves_everything_as_it_was(run, tmp_path, published, monkeypatch):
    output = tmp_path / "out.ttl"
    before, before_output = _snapshot(published), output.read_bytes()
    import coevidence.server.stores.oxigraph as oxigraph

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(oxigraph, "write_store", full)
    result = run("build", GOLDEN_SOURCES, "--store", published, "-o", output, "--allow-shrink")
    assert result.exit_code == 2
    assert "No space left on device" in result.stderr and "nothing was published" in result.stderr
    assert _snapshot(published) == before and output.read_bytes() == before_output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ttl", "root"]


def test_a_failed_switch_leaves_the_current_version(run, tmp_path, published, monkeypatch):
    before = _snapshot(published)

    def broken(root, version_id):
        raise OSError(errno.EIO, "Input/output error", str(root / versions.CURRENT))

    monkeypatch.setattr(versions, "switch", broken)
    result = run("build", GOLDEN_SOURCES, "--store", published, "-o", tmp_path / "out.ttl")
    assert result.exit_code == 2
    current = versions.current(published)
    assert current is not None and _snapshot(current.path) == _snapshot(published / "current")
    assert os.readlink(published / "current").encode() == before["current"]


def test_a_failed_rename_of_the_output_says_the_version_was_published(run, tmp_path, published, monkeypatch):
    output = tmp_path / "out.ttl"
    real = os.replace

    def replace(source, target, *args, **kwargs):
        if Path(target) == output:
            raise OSError(errno.EACCES, "Permission denied")
        return real(source, target, *args, **kwargs)

    monkeypatch.setattr(publish_module.os, "replace", replace)
    result = run("build", GOLDEN_SOURCES, "--store", published, "-o", output)
    assert result.exit_code == 2
    assert "was published in" in result.stderr and "it is as it was" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ttl", "root"]  # no temporary file left


def test_leftovers_of_a_dead_build_are_removed_by_the_next(run, published):
    dead = published / versions.VERSIONS / f"{versions.BUILDING_PREFIX}999999999-abc"
    (dead / "store").mkdir(parents=True)
    result = run("build", GOLDEN_SOURCES, "--store", published)
    assert result.exit_code == 0, result.stderr
    assert not dead.exists()
    assert not list((published / versions.VERSIONS).glob(".building-*"))


def test_old_versions_are_pruned_to_the_last_few(run, published):
    for _ in range(versions.KEEP + 1):
        assert run("build", GOLDEN_SOURCES, "--store", published).exit_code == 0
    assert len(versions.published(published)) == versions.KEEP


def test_a_temporary_output_left_by_a_killed_build_is_removed_by_the_next(run, tmp_path):
    dead = tmp_path / ".out.ttl.999999999-abcd.tmp"
    dead.write_text("half a graph", encoding="utf-8")
    result = run("build", GOLDEN_SOURCES, "-o", tmp_path / "out.ttl")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ttl"]


def test_a_root_whose_current_link_is_broken_is_refused(run, published):
    os.replace(published / "current", published / "kept")
    os.symlink("versions/gone", published / "current")
    result = run("build", GOLDEN_SOURCES, "--store", published)
    assert result.exit_code == 2
    assert "repair or remove the link" in result.stderr
    assert os.readlink(published / "current") == "versions/gone"
