"""``/health``: answers at once, whatever the store is doing, and honestly.

It never queries the store and takes no query slot, so it stays fast while every query
worker is busy. It reports the store's description, the data version being served and, for
the embedded store, its worker counts. When the server cannot answer queries (no query
worker is running, and replacing them keeps failing) it says ``"status": "degraded"`` with
HTTP 503 and the reasons; a problem that leaves queries answered (a worker missing, a new
data version that failed to open) is listed under ``warnings`` with ``"status": "ok"``.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from coevidence.server.backend import current_store
from coevidence.server.linkeddata import warm
from coevidence.server.pagecache import page_cache_status

bp = Blueprint("health", __name__)


@bp.route("/health")
def health():
    store = current_store()
    problems = store.problems() if callable(getattr(store, "problems", None)) else []
    fatal = [reason for is_fatal, reason in problems if is_fatal]
    warnings = [reason for is_fatal, reason in problems if not is_fatal]
    body: dict = {"status": "degraded" if fatal else "ok", "store": store.description}
    if fatal:
        body["reasons"] = fatal
    if warnings:
        body["warnings"] = warnings
    status = getattr(store, "status", None)
    if callable(status):
        body["workers"] = status()
        body["data_version"] = store.data_version()  # the embedded store knows it at no cost
    cache_status = getattr(store, "cache_status", None)
    if callable(cache_status):
        body["cache"] = cache_status()
    warming = warm.status(current_app)
    if warming is not None:
        body["warm_up"] = warming  # the whole-dataset figures (WARM_AT_START)
    pages = page_cache_status()
    if pages is not None:
        body["page_cache"] = pages
    response = jsonify(body)
    response.status_code = 503 if fatal else 200
    response.headers["Cache-Control"] = "no-store"
    return response
