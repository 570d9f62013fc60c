"""The front door: ``/`` (what this is, the research questions, the downloads), the bundled
data files under ``/data/``, ``/.well-known/void`` and the favicon.

The downloads are the files the dataset description (``data/void.ttl``) points at, so they
are served only when the app serves the bundled data; a server started on other files, a
store or a remote endpoint answers 404 for them, since they would not describe what it serves.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, send_file, url_for

from coevidence import __version__, data
from coevidence.server.backend import current_store, dataset_info
from coevidence.server.errors import Problem

bp = Blueprint("home", __name__, static_folder="static", static_url_path="/static")

#: the bundled files offered for download: name -> (path, what it is)
DOWNLOADS = {
    "cosie.ttl": (data.COSIE_TTL, "the CoSIE pilots: every claim with its source (Turtle)"),
    "void.ttl": (data.VOID_TTL, "the DCAT/VoID description of the dataset (Turtle)"),
    "ontology.ttl": (data.DATA_DIR / "ontology.ttl", "the coevidence ontology (OWL, Turtle)"),
    "vocabularies.ttl": (data.DATA_DIR / "vocabularies.ttl", "the SKOS vocabularies (Turtle)"),
}


def serves_bundled_data() -> bool:
    config = current_app.config
    return not (config["DATA_PATHS"] or config["STORE_DIR"] or config["ENDPOINT"] or config.get("STORE"))


@bp.route("/")
def index():
    info = dataset_info()
    downloads = (
        [(name, url_for("home.download", name=name), what) for name, (_, what) in DOWNLOADS.items()]
        if serves_bundled_data()
        else []
    )
    questions = [
        (question, url_for("sparql.sparql", query=question.sparql, format="html"))
        for question in data.questions()
    ]
    return render_template(
        "home.html",
        info=info,
        store=current_store().description,
        downloads=downloads,
        questions=questions,
        version=__version__,
    )


@bp.route("/data/<name>")
def download(name: str):
    if name not in DOWNLOADS or not serves_bundled_data():
        raise Problem(404, "Not found", f"/data/{name} is not a file of this dataset; see / for the downloads.")
    if name == "void.ttl":  # written for the host and base this server answers at, not a fixed address
        from coevidence.server.linkeddata.discovery import void_response

        return void_response()
    path, _ = DOWNLOADS[name]
    response = send_file(path, mimetype="text/turtle", conditional=True, etag=True, max_age=3600)
    return response


@bp.route("/favicon.ico")
def favicon():
    return send_file(
        current_app.root_path + "/static/favicon.svg", mimetype="image/svg+xml", max_age=86400
    )
