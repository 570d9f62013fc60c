"""The SHACL state of resources: what the build's validation report says of each.

Where the report comes from (first that applies): the ``REPORT_PATH`` setting; the
``report.ttl`` of the served version when ``STORE_DIR`` is a publication root
(:mod:`coevidence.versions`); the bundled ``data/report.ttl`` (written by
``python -m coevidence.data.catalog``) when the server serves the bundled data. Otherwise
no report, and pages say nothing about validation. The report is parsed once, and again
when its file changes (a new version published).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from pathlib import Path

from flask import current_app
from rdflib import Graph

from coevidence import data, versions

_CACHE = "coevidence.linkeddata.report"
_LOCK = threading.Lock()
#: the bundled report, beside data/cosie.ttl
BUNDLED_REPORT = data.DATA_DIR / "report.ttl"


def report_path() -> Path | None:
    config = current_app.config
    if config.get("REPORT_PATH"):
        return Path(config["REPORT_PATH"])
    store_dir = config.get("STORE_DIR")
    if store_dir and versions.is_root(Path(store_dir)):
        try:
            version = versions.current(Path(store_dir))
        except versions.VersionError:
            return None
        if version is None:
            return None
        return version.path / str(version.info.get("report") or "report.ttl")  # named in version.json
    if not (config.get("DATA_PATHS") or store_dir or config.get("ENDPOINT") or config.get("STORE")):
        return BUNDLED_REPORT
    return None


def _load(path: Path) -> dict[str, list]:
    from coevidence.shapes import problems_from_report  # pyshacl is slow to import: only when a report exists

    report = Graph().parse(path, format="turtle")
    found: dict[str, list] = defaultdict(list)
    for problem in problems_from_report(report, report):
        found[problem.focus].append(problem)
    for problems in found.values():
        problems.sort(key=lambda p: p.sort_key())
    return dict(found)


def problems_for(iri: str) -> list:
    """The problems (:class:`coevidence.shapes.Problem`) the report holds for *iri*."""
    path = report_path()
    if path is None:
        return []
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return []
    key = (str(path), stamp)
    cached = current_app.extensions.get(_CACHE)
    if cached is None or cached[0] != key:
        with _LOCK:
            cached = current_app.extensions.get(_CACHE)
            if cached is None or cached[0] != key:
                cached = (key, _load(path))
                current_app.extensions[_CACHE] = cached
    return cached[1].get(iri, [])
