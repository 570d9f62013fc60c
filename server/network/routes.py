"""The network pages: ``/network/pilot/<key>``, ``/network/all``, ``/path`` and ``/similar``,
each with a JSON twin (``.json``, or ``Accept: application/json``) built from the same data.

The network is read from the store once per data version and kept in
``app.extensions["coevidence.network"]`` with the whole-dataset measures, so a request
never recomputes them.
"""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, Flask, current_app, jsonify, render_template, request, url_for

from coevidence.server import urls
from coevidence.server.backend import current_store
from coevidence.server.errors import Problem
from coevidence.server.network import measures
from coevidence.server.network.cli import entity_iri, network_report
from coevidence.server.network.model import Network, NetworkCache

bp = Blueprint("network", __name__)
EXTENSION = "coevidence.network"


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = NetworkCache()
    app.register_blueprint(bp)


def _cache() -> NetworkCache:
    return current_app.extensions[EXTENSION]


def current_network() -> Network:
    return _cache().get(current_store())


def _kept(name: str, compute):
    """A whole-dataset measure, computed once per data version."""
    cache = _cache()
    network = cache.get(current_store())
    key = (network.version, name)
    cache.forget_other_versions(network.version)
    if key not in cache.measures:
        cache.measures[key] = compute(network)
    return cache.measures[key]


def _wants_json(suffix: str | None) -> bool:
    if suffix == ".json":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"], default="text/html")
    return best == "application/json"


def _answer(data: dict, template: str, suffix: str | None, **context):
    if _wants_json(suffix):
        response = jsonify(data)
    else:
        response = current_app.make_response(render_template(template, data=data, **context))
    response.headers["Vary"] = "Accept"
    return response


def pilot_report(key: str) -> dict:
    """One pilot's network report, kept for the data version. It is read on its own (two
    queries bound to the pilot), not from the whole network, unless that has been read for
    this version already; the explorer's pilot view takes its table from the same report."""
    cache, store = _cache(), current_store()
    iri = urls.iri_for_doc(f"pilot/{key}")
    kept = (store.data_version(), f"pilot:{iri}")
    cache.forget_other_versions(kept[0])
    data = cache.measures.get(kept)
    if data is None:
        network = cache.pilot(store, iri)
        node = network.pilot_by_key(key)
        if node is None:
            raise Problem(404, "Not found", f"there is no pilot {key!r} in the data; /network/all lists every pilot.")
        data = cache.measures[kept] = network_report(network, node.iri)
    return data


@bp.route("/network/pilot/<key>")
@bp.route("/network/pilot/<key><any('.json'):suffix>")
def pilot(key: str, suffix: str | None = None):
    iri = urls.iri_for_doc(f"pilot/{key}")
    data = pilot_report(key)
    node = SimpleNamespace(label=next(n["label"] for n in data["graph"]["nodes"] if n["id"] == iri))
    return _answer(data, "network.html", suffix, title=f"Network of {node.label}", node=node,
                   twin=url_for("network.pilot", key=key, suffix=".json"))


@bp.route("/network/all")
@bp.route("/network/all<any('.json'):suffix>")
def everything(suffix: str | None = None):
    data = _kept("all", lambda found: network_report(found, None))
    return _answer(data, "network.html", suffix, title="Network of every pilot", node=None,
                   twin=url_for("network.everything", suffix=".json"))


@bp.route("/path")
@bp.route("/path<any('.json'):suffix>")
def path(suffix: str | None = None):
    start, end = request.args.get("from", "").strip(), request.args.get("to", "").strip()
    if not start or not end:
        raise Problem(400, "Bad request", "give two entities: /path?from=IRI&to=IRI (or type/key, as group/ee-hackathon-participants).")
    network = current_network()
    graph = _kept("entity-graph", measures.entity_graph)
    try:
        data = measures.connection(network, entity_iri(start), entity_iri(end), graph)
    except measures.UnknownEntity as error:
        raise Problem(404, "Not found", str(error)) from None
    return _answer(data, "path.html", suffix, title="How two entities are connected",
                   twin=url_for("network.path", suffix=".json", **{"from": start, "to": end}))


@bp.route("/similar")
@bp.route("/similar<any('.json'):suffix>")
def similar(suffix: str | None = None):
    data = _kept("similar", measures.similarity)
    return _answer(data, "similar.html", suffix, title="Pilots that resemble one another",
                   twin=url_for("network.similar", suffix=".json"))
