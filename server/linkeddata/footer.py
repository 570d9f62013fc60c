"""The footer of every linked-data page: licence, build (version, date, digest), dumps, endpoint.

The build is read from the store (``coe:Build``, once per data version); a publication
root's ``version.json`` adds the date it was published.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app, url_for

from coevidence import __version__, versions
from coevidence.server import urls
from coevidence.server.backend import current_store
from coevidence.server.home import DOWNLOADS, serves_bundled_data
from coevidence.server.linkeddata.model import run

LICENCE = ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/")
_CACHE = "coevidence.linkeddata.build"
_LOCK = threading.Lock()


def build_info() -> dict:
    version = current_store().data_version()
    cached = current_app.extensions.get(_CACHE)
    if cached is not None and cached[0] == version:
        return cached[1]
    with _LOCK:
        rows, _ = run("build_info", max_rows=10)
        info = {"software": None, "digest": None, "date": None, "iri": None}
        if rows:
            row = rows[0]
            info = {
                "software": str(row["version"]) if "version" in row else None,
                "digest": str(row["digest"])[:12] if "digest" in row else None,
                "date": str(row["date"])[:10] if "date" in row else None,
                "iri": str(row["build"]),
            }
        store_dir = current_app.config.get("STORE_DIR")
        if store_dir and versions.is_root(Path(store_dir)):
            try:
                published = versions.current(Path(store_dir))
            except versions.VersionError:
                published = None
            if published is not None:
                info["version"] = published.id
                info["date"] = info["date"] or str(published.info.get("published") or published.info.get("created") or "")[:10] or None
        current_app.extensions[_CACHE] = (version, info)
        return info


def footer() -> dict:
    build = build_info()
    return {
        "licence": LICENCE,
        "build": build,
        "build_href": urls.local_url(build["iri"]) if build.get("iri") else None,
        "software": __version__,
        "dumps": [(name, url_for("home.download", name=name)) for name in DOWNLOADS] if serves_bundled_data() else [],
        "endpoint": urls.sparql_url(),
        "void": url_for("linkeddata.well_known_void"),
        "ontology": url_for("linkeddata.ontology"),
        "home": url_for("home.index"),
    }
