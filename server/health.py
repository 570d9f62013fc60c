"""``/health``: answers at once, whatever the store is doing.

It never queries the store, so it stays fast while every query worker is busy. It reports
the store's description and, for the embedded store, its worker counts.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from coevidence.server.backend import current_store

bp = Blueprint("health", __name__)


@bp.route("/health")
def health():
    store = current_store()
    body: dict = {"status": "ok", "store": store.description}
    status = getattr(store, "status", None)
    if callable(status):
        body["workers"] = status()
    cache_status = getattr(store, "cache_status", None)
    if callable(cache_status):
        body["cache"] = cache_status()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response
