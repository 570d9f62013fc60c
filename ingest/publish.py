"""Publishing a build: all of it or nothing, and never over what a user would miss.

``coevidence build`` checks every target before it reads a source (:func:`check_targets`),
and writes only once the graph conforms:

* with ``--store DIR``, one new *version* in the publication root *DIR*
  (:mod:`coevidence.versions`): ``graph.ttl`` (the canonical Turtle), ``report.txt`` (the
  validation problems, one line each, as printed), ``store/`` (the Oxigraph store the server
  opens) and ``version.json``, all written into ``versions/.building-*`` and switched in
  with one rename of the ``current`` link. A failure, a kill or a full disk at any point
  leaves ``current`` and every published version as they were; the next build removes
  what a dead build left;
* with ``-o OUT``, the graph in OUT's format, through a temporary file renamed over OUT.

With both, the temporary ``-o`` file and the whole version are written first; then the
version is switched in and, right after, OUT renamed over. The only step that can fail
between the two renames is the last rename itself (the file is already written and
flushed, beside OUT): the error then says the version was published and OUT left as it was.

A build is refused (exit 1, nothing written) when it holds no records, and when it is much
smaller than what it replaces (fewer than :data:`SHRINK_RATIO` of the triples of the current
version, or of the bytes of the existing OUT), unless ``--allow-shrink`` is given.
"""

from __future__ import annotations

import datetime as _dt
import glob
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from coevidence import versions

GRAPH_FILE = "graph.ttl"
REPORT_FILE = "report.txt"
SHRINK_RATIO = 0.5
"""A build with fewer than this share of what it replaces is refused unless ``--allow-shrink``."""


class PublishRefused(Exception):
    """The build would publish something it should not (empty, much smaller): exit 1."""


class PublishFailed(Exception):
    """A target cannot be used or written: exit 2. The message names the path."""


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def check_store_root(root: Path) -> None:
    """Refuse a ``--store`` folder that a build must not write into (nothing is written)."""
    if not root.exists():
        if root.is_symlink():
            raise PublishFailed(f"{root}: is a broken symbolic link; remove it or give another --store folder")
        return
    if not root.is_dir():
        raise PublishFailed(f"{root}: exists and is not a folder; give --store a new or empty folder, or a publication root")
    if versions.is_root(root):
        try:
            versions.current(root)
        except versions.VersionError as error:
            raise PublishFailed(f"{error}; repair or remove the link {root / versions.CURRENT}") from None
        return
    if (root / "CURRENT").is_file():  # a plain Oxigraph store, as `build --store` wrote before versions
        raise PublishFailed(
            f"{root}: is a plain Oxigraph store written by an older `coevidence build --store`; builds now publish "
            f"versions into a publication root (see data/README.md, \"Publishing a build\"): move it away "
            f"(mv {root} {root}.old) and build again, or give --store another folder"
        )
    if any(root.iterdir()):
        raise PublishFailed(f"{root}: exists, is not empty and is not a publication root; not writing into it (give --store a new or empty folder)")


def check_targets(sources: list[Path], output: Path | None, store: Path | None) -> None:
    """Refuse, before anything is read or written, targets that would damage something."""
    for target, what in ((output, "the output"), (store, "the store")):
        if target is None:
            continue
        for source in sources:
            if source.is_dir() and _inside(target, source):
                raise PublishFailed(
                    f"{target}: {what} is inside the source folder {source}, and would be read back as a source "
                    "by the next build; write it elsewhere"
                )
            if source.exists() and target.exists() and target.resolve() == source.resolve():
                raise PublishFailed(f"{target}: {what} is one of the sources; write it elsewhere")
    if output is not None:
        if output.is_dir():
            raise PublishFailed(f"{output}: is a folder; -o names the file to write")
        if store is not None and _inside(output, store):
            raise PublishFailed(f"{output}: is inside the --store folder {store}; write it elsewhere")
        parent = output.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            raise PublishFailed(f"{output}: cannot be written (the folder {parent} is not writable)")
    if store is not None:
        check_store_root(store)


def check_size(records: int, triples: int, data: bytes | None, output: Path | None, store: Path | None, allow_shrink: bool) -> None:
    """Refuse an empty build, and one much smaller than what it would replace."""
    if records == 0:
        raise PublishRefused(
            "the sources hold no records (no table rows were read: is this the right folder, and are the "
            "tables named as in the template?); nothing written"
        )
    if allow_shrink:
        return
    if store is not None and versions.is_root(store):
        now = versions.current(store)
        before = int(now.info.get("triples", 0)) if now is not None else 0
        if before and triples < before * SHRINK_RATIO:
            raise PublishRefused(
                f"{store}: this build has {triples} triples, the published version {now.id} has {before}: "
                "refusing to publish a much smaller graph; nothing written (give --allow-shrink if this is meant)"
            )
    if output is not None and data is not None and output.is_file():
        before = output.stat().st_size
        if before and len(data) < before * SHRINK_RATIO:
            raise PublishRefused(
                f"{output}: the new graph is {len(data)} bytes, the file it would replace {before}: refusing to "
                "write a much smaller graph; nothing written (give --allow-shrink if this is meant)"
            )


@dataclass
class Published:
    version: versions.Version | None
    output: Path | None


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def clean_leftovers(output: Path) -> None:
    """Remove the temporary files a killed build left beside *output* (``.OUT.<pid>-*.tmp``
    whose process is gone)."""
    prefix = f".{output.name}."
    for entry in output.parent.glob(f"{glob.escape(prefix)}*.tmp"):
        pid = entry.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not versions.process_alive(int(pid)):
            entry.unlink(missing_ok=True)


def publish(
    *, turtle: bytes, output: Path | None, output_data: bytes | None, store: Path | None,
    report: str, info: dict, graph_name: str,
) -> Published:
    """Write the version (if *store*) and *output* (if given) as described in the module.

    Raises :class:`PublishFailed` (after removing everything it wrote) when a write fails.
    """
    from coevidence.server.stores import DataFileError
    from coevidence.server.stores.oxigraph import write_store

    pending: Path | None = None
    building: Path | None = None
    try:
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            clean_leftovers(output)
            handle, name = tempfile.mkstemp(prefix=f".{output.name}.{os.getpid()}-", suffix=".tmp", dir=output.parent)
            os.close(handle)
            pending = Path(name)
            _write(pending, output_data)
            os.chmod(pending, 0o644)
        version = None
        if store is not None:
            building = versions.begin(store)
            graph_file = building / GRAPH_FILE
            _write(graph_file, turtle)
            _write(building / REPORT_FILE, report.encode("utf-8"))
            data_version = write_store([graph_file], building / versions.STORE, graphs={graph_file: graph_name})
            digest = hashlib.sha256(turtle).hexdigest()
            info = {
                **info, "graph": GRAPH_FILE, "report": REPORT_FILE, "graph_sha256": digest,
                "data_version": data_version, "named_graph": graph_name,
                "published": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            }
            version = versions.publish(store, building, versions.new_id(digest), info)
            building = None
        if pending is not None:
            try:
                os.replace(pending, output)
            except OSError as error:
                published = f"version {version.id} was published in {store}, but " if version else ""
                raise PublishFailed(f"{output}: {published}the file could not be replaced ({error.strerror}); it is as it was") from None
            pending = None
        return Published(version, output)
    except (OSError, DataFileError, versions.VersionError) as error:
        where = getattr(error, "filename", None) or store or output
        reason = getattr(error, "strerror", None) or str(error)
        raise PublishFailed(f"{where}: cannot be written ({reason}); nothing was published") from None
    finally:
        if pending is not None:
            pending.unlink(missing_ok=True)
        if building is not None:
            versions.abandon(building)


__all__ = ["GRAPH_FILE", "REPORT_FILE", "SHRINK_RATIO", "Published", "PublishFailed", "PublishRefused", "check_size", "check_store_root", "check_targets", "publish"]
