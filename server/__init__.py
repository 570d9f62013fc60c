"""The coevidence web server: a read-only SPARQL 1.1 endpoint in front of a store.

``create_app`` builds the Flask app; ``coevidence serve`` (:mod:`.cli`) runs it under
waitress. The folders say what each part serves:

- :mod:`.sparql`: the SPARQL 1.1 Protocol endpoint, the policy that checks every query, the
  result writers and the service description;
- :mod:`.stores`: the stores behind every route (embedded Oxigraph workers, a remote endpoint);
- :mod:`.linkeddata`: dereferencing (``/id/``, ``/vocab/``, ``/doc/``, ``/describe``), the
  resource pages and their twins, ``/ontology``, VoID, the sitemap and robots.txt;
- :mod:`.urls`: the one URL builder every route and template takes its links from;
- :mod:`.queries`: the named ``.rq`` files the pages run, with bound values;
- the modules at this level serve the whole app: :mod:`.settings` (declared once),
  :mod:`.errors` (every error rendered in one place), :mod:`.headers` (security headers and
  CORS on every response), :mod:`.wsgi` (waitress, with its own errors in the same shape),
  :mod:`.backend`, :mod:`.health`, :mod:`.requestlog`, :mod:`.home`, :mod:`.pagecache` (built
  pages kept for the data version).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from coevidence.server import backend, errors, headers, pagecache, requestlog
from coevidence.server.sparql.endpoint import bp as sparql_bp
from coevidence.server.sparql.second_look import warm as warm_parser
from coevidence.server.health import bp as health_bp
from coevidence.server.home import bp as home_bp
from coevidence.server.exports import routes as export_routes
from coevidence.server import explorer
from coevidence.server.network import routes as network_routes
from coevidence.server.linkeddata import bp as linkeddata_bp
from coevidence.server.settings import resolve

__all__ = ["create_app"]


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app.

    *test_config* overrides settings (see :data:`.settings.SETTINGS`) and may carry other
    Flask config keys; ``STORE``, an already open :class:`~.stores.Store`, makes the app use
    it instead of opening one (the caller then closes it). Opening the store can raise
    :class:`~.stores.DataFileError` (no data, unreadable data) or
    :class:`~.stores.StoreUnavailable`; a bad setting raises :class:`~.settings.SettingError`.
    """
    app = Flask(__name__)
    app.config.update(resolve(test_config))
    max_body = 3 * app.config["MAX_QUERY_BYTES"] + 65_536  # a percent-encoded query can triple
    app.config["MAX_CONTENT_LENGTH"] = max_body
    app.config["MAX_FORM_MEMORY_SIZE"] = max_body
    app.json.sort_keys = False

    warm_parser()  # rdflib's parser through its first uses, before any burst (see second_look)
    errors.init_app(app)
    requestlog.init_app(app)
    headers.init_app(app)
    backend.init_app(app)
    app.register_blueprint(sparql_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(home_bp)
    network_routes.init_app(app)
    export_routes.init_app(app)
    app.register_blueprint(linkeddata_bp)
    explorer.init_app(app)
    pagecache.init_app(app)  # last: its hooks see the views' own answers (see pagecache)
    return app
