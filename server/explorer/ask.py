"""Ask without writing SPARQL: ``/query`` (the vendored @zazuko/yasgui editor on this
server's ``/sparql`` only, with the dataset's prefixes, autocompletion built from the
ontology and no outside service), the research questions as a catalogue beside it,
``/questions`` and ``/questions/<name>`` (the question, its answer as a table, the query).
"""

from __future__ import annotations

from flask import current_app, request, url_for

from coevidence import data as bundled
from coevidence.server.backend import current_store
from coevidence.server.errors import Problem
from coevidence.server.explorer import bp
from coevidence.server.explorer.common import answer, local_name, resource_url, run

#: the prefixes the editor starts with and writes IRIs with
PREFIXES = {
    "coe": "https://w3id.org/coevidence/ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "country": "http://publications.europa.eu/resource/authority/country/",
    "pilot": "https://w3id.org/coevidence/id/pilot/",
    "vocab": "https://w3id.org/coevidence/vocab/",
}
#: rows shown on a question page
MAX_ANSWER_ROWS = 1000
DEFAULT_QUERY = """PREFIX coe: <https://w3id.org/coevidence/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?pilot ?title WHERE { ?pilot a coe:Pilot ; dcterms:title ?title } ORDER BY ?title
"""


def compact(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def catalogue() -> list[dict]:
    return [
        {"name": q.name, "title": q.title, "description": q.description, "sparql": q.sparql,
         "url": url_for("explorer.question_page", name=q.name)}
        for q in bundled.questions()
    ]


@bp.route("/query")
def query_page():
    query = request.args.get("query", "")
    if len(query.encode("utf-8")) > current_app.config["MAX_QUERY_BYTES"]:
        raise Problem(413, "Query too large", "the query is larger than this server accepts.")
    config = {
        "endpoint": url_for("sparql.sparql"),
        "prefixes": PREFIXES,
        "terms": url_for("explorer.query_terms"),
        "query": query or None,
        "questions": [{"name": q["name"], "title": q["title"], "sparql": q["sparql"]} for q in catalogue()],
    }
    return answer(
        config, "explorer/query.html", None, config=config, questions=catalogue(),
        start_query=query or DEFAULT_QUERY,
    )


@bp.route("/query/terms.json")
def query_terms():
    """Classes and properties of the ontology, for the editor's autocompleters."""
    terms: dict[str, list] = {"class": [], "property": []}
    for row in run("explorer_terms"):
        if row["term"] not in terms[row["kind"]]:
            terms[row["kind"]].append(row["term"])
    from flask import jsonify

    response = jsonify({"classes": terms["class"], "properties": terms["property"], "prefixes": PREFIXES})
    response.headers["Cache-Control"] = "max-age=3600"
    return response


@bp.route("/questions")
@bp.route("/questions<any('.json'):suffix>")
def questions(suffix: str | None = None):
    data = {"questions": catalogue()}
    return answer(data, "explorer/questions.html", suffix, twin=url_for("explorer.questions", suffix=".json"))


def answer_table(sparql: str) -> dict:
    result = current_store().query(sparql, timeout=current_app.config["SPARQL_TIMEOUT_S"], max_rows=MAX_ANSWER_ROWS)
    variables = [str(v) for v in result.variables]
    rows = []
    for solution in result.rows:
        cells = []
        for var in result.variables:
            value = solution.get(var)
            if value is None:
                cells.append(None)
            elif value.__class__.__name__ == "URIRef":
                cells.append({"iri": str(value), "text": compact(str(value)), "url": resource_url(str(value))})
            else:
                cells.append({"text": str(value)})
        rows.append(cells)
    return {"variables": variables, "rows": rows, "truncated": result.truncated}


@bp.route("/questions/<name>")
@bp.route("/questions/<name><any('.json'):suffix>")
def question_page(name: str, suffix: str | None = None):
    try:
        question = bundled.question(name)
    except KeyError:
        raise Problem(404, "Not found", f"there is no research question {name!r}; /questions lists them.") from None
    data = {
        "name": question.name, "title": question.title, "description": question.description,
        "sparql": question.sparql, "answer": answer_table(question.sparql),
    }
    return answer(
        data, "explorer/question.html", suffix,
        twin=url_for("explorer.question_page", name=name, suffix=".json"),
        show_query=url_for("explorer.query_page", query=question.sparql),
    )
