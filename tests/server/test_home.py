"""The front door: the home page, the downloads the dataset description points at, the favicon."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF, VOID

from coevidence.data import COSIE_TTL, VOID_TTL, questions
from coevidence.server import create_app


@pytest.fixture(scope="module")
def bundled():
    """An app on the bundled data, as `coevidence serve` starts by default."""
    app = create_app({"TESTING": True})
    yield app
    app.extensions["coevidence.store"].close()


@pytest.fixture
def visitor(bundled):
    return bundled.test_client()


def test_home_page_lists_every_research_question_with_a_link_that_answers_it(visitor):
    page = visitor.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    soup = BeautifulSoup(page.text, "html.parser")
    links = {a.get_text(strip=True): a["href"] for a in soup.select("table a")}
    assert set(links) == {question.title for question in questions()}
    first = questions()[0]
    answer = visitor.get(links[first.title], headers={"Accept": "text/html"})
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    assert BeautifulSoup(answer.text, "html.parser").select("table td"), "the question's answer shows no rows"


def test_home_page_links_the_endpoint_the_downloads_and_has_an_icon(visitor):
    soup = BeautifulSoup(visitor.get("/").text, "html.parser")
    hrefs = {a["href"] for a in soup.select("a")}
    assert {"/sparql", "/data/cosie.ttl", "/data/void.ttl"} <= hrefs
    icon = soup.select_one('link[rel="icon"]')["href"]
    response = visitor.get(icon)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert visitor.get("/favicon.ico").status_code == 200


@pytest.mark.parametrize("name, path", [("cosie.ttl", COSIE_TTL)])
def test_downloads_are_the_bundled_files_as_turtle(visitor, name, path):
    response = visitor.get(f"/data/{name}")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert isomorphic(Graph().parse(data=response.data, format="turtle"), Graph().parse(path))
    again = visitor.get(f"/data/{name}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_dataset_description_points_at_files_this_server_serves(visitor):
    response = visitor.get("/data/void.ttl", base_url="http://data.example.org:8080")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert b"127.0.0.1" not in response.data
    description = Graph().parse(data=response.data, format="turtle")
    downloads = [str(url) for url in description.objects(None, DCAT.downloadURL)]
    assert downloads
    for url in downloads:
        assert url.startswith("http://data.example.org:8080/"), url
        path = "/" + url.split("/", 3)[3]
        assert visitor.get(path).status_code == 200, url
    endpoints = list(description.objects(None, VOID.sparqlEndpoint))
    assert endpoints and all(str(e).endswith("/sparql") for e in endpoints)
    assert any(description.triples((None, RDF.type, VOID.Dataset)))


def test_well_known_void_is_the_description(visitor):
    response = visitor.get("/.well-known/void")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert any(Graph().parse(data=response.data, format="turtle").triples((None, RDF.type, VOID.Dataset)))


def test_unknown_download_is_a_json_404(visitor):
    response = visitor.get("/data/secrets.ttl")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_downloads_are_not_offered_when_serving_other_data(client):
    assert client.get("/data/cosie.ttl").status_code == 404
    soup = BeautifulSoup(client.get("/").text, "html.parser")
    assert not {a["href"] for a in soup.select("a")} & {"/data/cosie.ttl"}
