"""``/exports/``: the files of ``coevidence export`` at stable URLs, with a list to browse.

The files come from ``EXPORTS_DIR`` when it is set (a folder written by ``coevidence
export``). Otherwise the server writes them itself, once per data version, in a background
thread into a temporary folder it removes when it stops: until they are ready, a request
is answered 503 with ``Retry-After``. ``distributions.ttl`` is written anew at the base the
request came to, so its download URLs always point at this server.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
import weakref
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request, send_file, url_for
from rdflib import Graph

from coevidence.server.backend import current_store
from coevidence.server.errors import Problem
from coevidence.server.exports import catalog
from coevidence.server.exports.export import export

bp = Blueprint("exports", __name__)
EXTENSION = "coevidence.exports"
log = logging.getLogger(__name__)


class ExportFolder:
    """The folder of exported files for the store's current data version."""

    def __init__(self, app: Flask) -> None:
        self.fixed = app.config.get("EXPORTS_DIR")
        self._root: Path | None = None  # made on first use, removed with the app or at exit
        self._ready: dict[str, Path] = {}
        self._failed: dict[str, str] = {}
        self._running: set[str] = set()
        self._lock = threading.Lock()
        config = app.config
        self._options = {
            "data_paths": list(config["DATA_PATHS"]) or None,
            "store_dir": config["STORE_DIR"],
            "remote": bool(config["ENDPOINT"]),
        }

    def folder(self, store) -> Path:
        if self.fixed:
            return Path(self.fixed)
        version = store.data_version()
        with self._lock:
            if version in self._ready:
                return self._ready[version]
            if version in self._failed:
                raise Problem(503, "Exports unavailable", f"the exports could not be written: {self._failed[version]}")
            if version not in self._running:
                self._running.add(version)
                threading.Thread(target=self._write, args=(store, version), daemon=True,
                                 name=f"exports-{version}").start()
        raise Problem(503, "Exports being written", "the export files of this data version are being written; "
                      "try again in a few seconds.", headers={"Retry-After": "5"})

    def written(self, store) -> Path | None:
        """The folder of exports there is for the store's data version, or None; unlike
        :meth:`folder`, this never starts writing them."""
        if self.fixed:
            return Path(self.fixed) if (Path(self.fixed) / catalog.MANIFEST).is_file() else None
        with self._lock:
            return self._ready.get(store.data_version())

    def _write(self, store, version: str) -> None:
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="coevidence-exports-"))
                weakref.finalize(self, shutil.rmtree, self._root, True)
        target = self._root / version
        try:
            export(target, store, **self._options, progress=False, log=log.info)
        except Exception as error:  # the one place a background export's failure is kept and logged
            log.exception("writing the exports of data version %s failed", version)
            with self._lock:
                self._failed[version] = str(error) or type(error).__name__
                self._running.discard(version)
            return
        with self._lock:
            for old, path in list(self._ready.items()):
                shutil.rmtree(path, ignore_errors=True)
                del self._ready[old]
            self._ready[version] = target
            self._running.discard(version)



def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = ExportFolder(app)
    app.register_blueprint(bp)


def _manifest() -> tuple[Path, dict]:
    folder = current_app.extensions[EXTENSION].folder(current_store())
    try:
        return folder, json.loads((folder / catalog.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise Problem(503, "Exports unavailable", f"{catalog.MANIFEST} of the exports cannot be read; "
                      "run `coevidence export` into EXPORTS_DIR again.") from None


def written_exports() -> str | None:
    """Which exports the VoID lists now (their folder), or None: part of the key the VoID is
    kept under, since the exports of a data version are written after the version is served."""
    folder = current_app.extensions[EXTENSION].written(current_store())
    return None if folder is None else str(folder)


def distributions_for_void(dataset) -> Graph | None:
    """The exported files as ``dcat:Distribution`` s of *dataset*, downloadable at the host the
    request came to, for the VoID description; None when there are no exports (yet).

    ``distributions.ttl`` is left out: it is written anew at each base, so its size and checksum
    in the manifest are those of the file on disk, not of what is served.
    """
    folder = current_app.extensions[EXTENSION].written(current_store())
    if folder is None:
        return None
    try:
        manifest = json.loads((folder / catalog.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log.warning("%s of the exports in %s cannot be read; the VoID lists no exports", catalog.MANIFEST, folder)
        return None
    files = [item for item in manifest["files"] if item["name"] != "distributions.ttl"]
    return catalog.distributions({**manifest, "files": files}, _base(), dataset)


def _base() -> str:
    return request.url_root.rstrip("/") + "/"


@bp.route("/exports/")
@bp.route("/exports/index<any('.json'):suffix>")
def index(suffix: str | None = None):
    _, manifest = _manifest()
    files = [{**item, "url": url_for("exports.download", name=item["name"], _external=True)} for item in manifest["files"]]
    wants_json = suffix == ".json" or request.accept_mimetypes.best_match(
        ["text/html", "application/json"], default="text/html") == "application/json"
    if wants_json:
        response = jsonify({"data_version": manifest["data_version"], "files": files})
    else:
        response = current_app.make_response(render_template("exports.html", files=files, manifest=manifest))
    response.headers["Vary"] = "Accept"
    return response


@bp.route("/exports/<path:name>")
def download(name: str):
    folder, manifest = _manifest()
    if name == "distributions.ttl":
        body = catalog.distributions(manifest, _base()).serialize(format="turtle", encoding="utf-8")
        return Response(body, content_type="text/turtle; charset=utf-8")
    item = next((item for item in manifest["files"] if item["name"] == name), None)
    if item is None:
        raise Problem(404, "Not found", f"there is no export named {name!r}; /exports/ lists them.")
    response = send_file(folder / item["name"], mimetype=item["media_type"], etag=item["sha256"],
                         conditional=True, max_age=current_app.config["CACHE_MAX_AGE_S"])
    if item["compressed"]:
        response.headers["Content-Disposition"] = f'attachment; filename="{item["name"]}"'
    return response
