"""The publication layout: versions written beside each other, switched by one link."""

from __future__ import annotations

import os

import pytest

from coevidence import versions


def _publish(root, digest, marker):
    building = versions.begin(root)
    (building / versions.STORE).mkdir()
    (building / versions.STORE / "marker").write_text(marker)
    return versions.publish(root, building, versions.new_id(digest), {"digest": digest})


def test_publish_points_current_at_the_new_version(tmp_path):
    assert versions.current(tmp_path) is None
    first = _publish(tmp_path, "a" * 64, "one")
    assert versions.current(tmp_path).id == first.id
    second = _publish(tmp_path, "b" * 64, "two")
    now = versions.current(tmp_path)
    assert now.id == second.id and now.info["digest"] == "b" * 64
    assert (now.store / "marker").read_text() == "two"
    assert os.readlink(tmp_path / "current") == f"versions/{second.id}"


def test_prune_keeps_the_newest_and_the_current(tmp_path):
    made = [_publish(tmp_path, f"{n:064x}", str(n)) for n in range(5)]
    kept = [version.id for version in versions.published(tmp_path)]
    assert kept == [version.id for version in made[-versions.KEEP:]]


def test_a_build_that_is_abandoned_leaves_current_alone(tmp_path):
    first = _publish(tmp_path, "a" * 64, "one")
    building = versions.begin(tmp_path)
    (building / "half").write_text("x")
    versions.abandon(building)
    assert versions.current(tmp_path).id == first.id
    assert not list((tmp_path / "versions").glob(".building-*"))


def test_leftovers_of_a_dead_build_are_cleaned_on_the_next(tmp_path):
    (tmp_path / "versions" / ".building-999999999-x").mkdir(parents=True)
    versions.begin(tmp_path)
    names = [entry.name for entry in (tmp_path / "versions").iterdir()]
    assert ".building-999999999-x" not in names and len(names) == 1


def test_current_pointing_at_a_non_version_is_an_error(tmp_path):
    (tmp_path / "versions" / "junk").mkdir(parents=True)
    os.symlink("versions/junk", tmp_path / "current")
    with pytest.raises(versions.VersionError, match="not a published version"):
        versions.current(tmp_path)
