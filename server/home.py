"""The front door: ``/`` (what this is, its size, sources and licence, the pilots on a map and
by country, the entry points, the research questions, the downloads; ``/index.json`` its
twin), the bundled
data files under ``/data/``, ``/.well-known/void`` and the favicon.

The downloads are the files the dataset description (``data/void.ttl``) points at, so they
are served only when the app serves the bundled data; a server started on other files, a
store or a remote endpoint answers 404 for them, since they would not describe what it serves.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, send_file, url_for

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


def _about() -> dict:
    """What the home page says about the data: facts from the dataset description, counts,
    the pilots by country and their dots on the map."""
    from coevidence.server.explorer import atlas
    from coevidence.server.explorer.browse import pilot_rows
    from coevidence.server.explorer.common import run

    facts = next(iter(run("home_dataset")), {})
    pilots = pilot_rows()
    by_country: dict[str, list[dict]] = {}
    for pilot in pilots:
        by_country.setdefault(pilot["country_label"], []).append(pilot)
    return {
        "title": facts.get("title"),
        "description": facts.get("description"),
        "license": facts.get("license"),
        "issued": facts.get("issued"),
        "modified": facts.get("modified"),
        "build": facts.get("build"),
        "conforms": None if "conforms" not in facts else facts["conforms"] == "true",
        "counts": {name: int(facts.get(name, 0)) for name in ("pilots", "countries", "claims", "sources")},
        "data_version": current_store().data_version(),
        "by_country": [
            {"country": country, "pilots": [{"title": p["title"], "url": p["url"], "key": p["key"]} for p in group]}
            for country, group in sorted(by_country.items())
        ],
        "map": {"viewBox": atlas.europe()["viewBox"], "width": atlas.europe()["viewBox"].split()[2],
                "height": atlas.europe()["viewBox"].split()[3], "image": url_for("home.static", filename="explorer/europe.svg"), "dots": [
            {"x": dot["x"], "y": dot["y"], "iso": dot["iso"], "title": dot["pilot"]["title"], "url": dot["pilot"]["url"]}
            for dot in atlas.dots(pilots)
        ]},
    }


@bp.route("/index.json")
def index_json():
    info = dataset_info()
    about = _about()
    about["triples"] = info.triples
    about["questions"] = [
        {"name": q.name, "title": q.title, "url": url_for("explorer.question_page", name=q.name)}
        for q in data.questions()
    ]
    return jsonify(about)


@bp.route("/")
def index():
    info = dataset_info()
    about = _about()
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
        about=about,
        twin=url_for("home.index_json"),
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
