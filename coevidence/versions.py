"""Published data versions: one folder per version, switched by one symbolic link.

A *publication root* (the ``--store DIR`` of ``coevidence build`` and ``coevidence serve``)
holds every version a build published and names the one being served::

    DIR/
      current -> versions/<id>          the published version (a relative symbolic link)
      versions/<id>/                    one complete version, never changed once published
        store/                          the Oxigraph store the server opens
        version.json                    what the version is (see :class:`Version`)
        graph.ttl, report.txt           the build's Turtle and its validation problems, one a line
      versions/.building-<pid>-<tag>/   a version being written (removed if its build died)

A build writes everything into a ``.building-*`` folder, renames it to ``versions/<id>``
and only then points ``current`` at it, with one ``rename`` of a new link over the old:
a reader sees the old version or the new one, never a mix, and a build that fails or is
killed at any point leaves ``current`` where it was. The server reads ``current`` again
from time to time and moves all its workers to a new version together.

This module knows folders, not RDF: ``ingest`` (which writes versions) and ``server``
(which reads them) both use it, and neither imports the other.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CURRENT = "current"
VERSIONS = "versions"
INFO = "version.json"
STORE = "store"
BUILDING_PREFIX = ".building-"
KEEP = 3
"""How many published versions are kept (the current one included); older ones are removed."""


class VersionError(Exception):
    """A publication root or version cannot be used; the message names the path and says why."""


@dataclass(frozen=True)
class Version:
    """One published version: its id, its folder and what ``version.json`` says of it."""

    id: str
    path: Path
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def store(self) -> Path:
        return self.path / STORE


def new_id(digest: str, *, now: _dt.datetime | None = None) -> str:
    """A version id that sorts by time: ``20261201T202209Z-<first 12 of digest>``."""
    now = now or _dt.datetime.now(_dt.timezone.utc)
    return f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{digest[:12]}"


def is_root(path: Path) -> bool:
    """Whether *path* is a publication root (it has a ``current`` link or a ``versions`` folder)."""
    path = Path(path)
    return (path / CURRENT).is_symlink() or (path / VERSIONS).is_dir()


def current(root: Path) -> Version | None:
    """The version ``current`` points at, or None when nothing was published yet.

    Raises :class:`VersionError` when ``current`` points at something that is not a version.
    """
    root = Path(root)
    link = root / CURRENT
    try:
        target = os.readlink(link)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise VersionError(f"{link}: cannot be read ({error.strerror})") from None
    return read_version(root / target)


def read_version(path: Path) -> Version:
    """The version in folder *path*; raises :class:`VersionError` if it is not a whole one."""
    path = Path(path)
    info_file = path / INFO
    try:
        info = json.loads(info_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VersionError(f"{path}: is not a published version (no {INFO})") from None
    except (OSError, ValueError) as error:
        raise VersionError(f"{info_file}: cannot be read ({error})") from None
    if not isinstance(info, dict):
        raise VersionError(f"{info_file}: is not a JSON object")
    return Version(path.name, path, info)


def begin(root: Path) -> Path:
    """Make a new, empty ``.building-*`` folder under *root* and return it.

    Leftovers of builds that died (their process is gone) are removed first.
    """
    versions = Path(root) / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    clean_leftovers(root)
    building = Path(tempfile.mkdtemp(prefix=f"{BUILDING_PREFIX}{os.getpid()}-", dir=versions))
    os.chmod(building, 0o755)  # mkdtemp's 0700 would hide the version from a server run as another user
    return building


def publish(root: Path, building: Path, version_id: str, info: dict[str, Any]) -> Version:
    """Seal *building* as version *version_id*, point ``current`` at it and prune old ones.

    *info* is written as ``version.json`` (``id`` is added). On any failure before the switch,
    ``current`` is unchanged; the caller should then :func:`abandon` *building*.
    """
    root = Path(root)
    building = Path(building)
    info = {"id": version_id, **info}
    info_file = building / INFO
    with open(info_file, "w", encoding="utf-8") as stream:
        stream.write(json.dumps(info, indent=2, sort_keys=True) + "\n")
        stream.flush()
        os.fsync(stream.fileno())
    _fsync_tree(building)
    final = root / VERSIONS / version_id
    if final.exists():
        raise VersionError(f"{final}: a version with this id exists already")
    os.rename(building, final)
    _fsync_dir(final.parent)
    switch(root, version_id)
    prune(root)
    return Version(version_id, final, info)


def switch(root: Path, version_id: str) -> None:
    """Point ``current`` at ``versions/<version_id>`` atomically (a new link renamed over the old)."""
    root = Path(root)
    target = Path(VERSIONS) / version_id
    if not (root / target / INFO).is_file():
        raise VersionError(f"{root / target}: is not a published version (no {INFO})")
    temporary = root / f".{CURRENT}.{os.getpid()}.tmp"
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary)
    try:
        os.replace(temporary, root / CURRENT)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_dir(root)


def abandon(building: Path) -> None:
    """Remove a ``.building-*`` folder that will not be published."""
    shutil.rmtree(building, ignore_errors=True)


def published(root: Path) -> list[Version]:
    """Every whole published version under *root*, oldest first."""
    versions = Path(root) / VERSIONS
    if not versions.is_dir():
        return []
    found = []
    for entry in sorted(versions.iterdir()):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        try:
            found.append(read_version(entry))
        except VersionError:
            continue
    return found


def prune(root: Path, keep: int = KEEP) -> None:
    """Remove the oldest versions beyond *keep*, never the current one."""
    now = current(root)
    old = [version for version in published(root) if now is None or version.id != now.id]
    for version in old[: max(0, len(old) - (keep - 1))]:
        shutil.rmtree(version.path, ignore_errors=True)


def clean_leftovers(root: Path) -> None:
    """Remove ``.building-*`` folders and stray link files whose process is gone."""
    root = Path(root)
    for entry in list((root / VERSIONS).glob(f"{BUILDING_PREFIX}*")) + list(root.glob(f".{CURRENT}.*.tmp")):
        pid = _pid_of(entry.name)
        if pid is not None and pid != os.getpid() and process_alive(pid):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _pid_of(name: str) -> int | None:
    digits = name.removeprefix(BUILDING_PREFIX).removeprefix(f".{CURRENT}.").split("-")[0].split(".")[0]
    return int(digits) if digits.isdigit() else None


def process_alive(pid: int) -> bool:
    """Whether process *pid* still runs (one of another user counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync(path: str | Path, flags: int = os.O_RDONLY) -> None:
    """Flush *path* (a file, or a folder with ``O_DIRECTORY``) to disk, as far as the system allows."""
    try:
        handle = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _fsync_dir(path: Path) -> None:
    _fsync(path, os.O_RDONLY | os.O_DIRECTORY)


def _fsync_tree(path: Path) -> None:
    for folder, _dirs, names in os.walk(path):
        for name in names:
            _fsync(os.path.join(folder, name))
        _fsync_dir(Path(folder))


__all__ = [
    "Version", "VersionError", "abandon", "begin", "clean_leftovers", "current", "is_root",
    "new_id", "process_alive", "prune", "publish", "published", "read_version", "switch",
]
