"""The explorer: browse, search and compare the pilots, see their networks, and ask the
research questions without writing SPARQL.

One blueprint, ``explorer``; each module adds its routes to it:

- :mod:`.browse`: ``/pilots`` (faceted; ``.json``, ``.csv``) and ``/search``;
- :mod:`.pilot`: ``/pilots/<key>``, one pilot (a model function and a partial template, so
  the linked-data pilot page can embed the same view);
- :mod:`.compare`: ``/compare`` (pilots x one dimension; ``.json``, ``.csv``) and the claims
  behind each cell, ``/compare/cell``;
- :mod:`.ask`: ``/query`` (the vendored YASGUI editor), ``/questions`` and ``/questions/<name>``;
- :mod:`.facets` and :mod:`.dimensions`: what is faceted and compared, declared as data;
- :mod:`.common`: running named queries, the local link of a resource, twins;
- :mod:`.atlas`: the home page's map (drawn at build time by ``mapgen``).

Every page reads the store only through :func:`~coevidence.server.backend.current_store`,
with the named queries in ``server/queries/``.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("explorer", __name__)


def init_app(app: Flask) -> None:
    # the modules add their routes to bp when imported
    from coevidence.server.explorer import ask, browse, compare, pilot  # noqa: F401

    app.register_blueprint(bp)
