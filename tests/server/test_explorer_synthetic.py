"""Facet counts on a small synthetic graph built to trip naive counting: a pilot reached
twice through two target groups of one category, a pilot with two methods, claims of one
pilot repeating a value."""

from __future__ import annotations

import pytest

from coevidence.server import create_app
from coevidence.server.stores.oxigraph import OxigraphStore

TTL = """
@prefix coe: <https://w3id.org/coevidence/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix id: <https://w3id.org/coevidence/id/> .
@prefix v: <https://w3id.org/coevidence/vocab/> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .

id:pilot\\/a a coe:Pilot ; dcterms:title "A" ; coe:country country:FIN ;
    coe:targetGroup id:group\\/a1 , id:group\\/a2 .
id:group\\/a1 coe:groupCategory v:group-category\\/older-people ; coe:hardToReach true .
id:group\\/a2 coe:groupCategory v:group-category\\/older-people ; coe:hardToReach false .
id:pilot\\/b a coe:Pilot ; dcterms:title "B" ; coe:country country:FIN ;
    coe:targetGroup id:group\\/b1 .
id:group\\/b1 coe:groupCategory v:group-category\\/young-people ; coe:hardToReach false .
id:pilot\\/c a coe:Pilot ; dcterms:title "C" ; coe:country country:SWE .
id:m1 a coe:MethodUse ; coe:pilot id:pilot\\/a ; coe:method v:method\\/hackathon .
id:m2 a coe:MethodUse ; coe:pilot id:pilot\\/a ; coe:method v:method\\/hackathon .
id:m3 a coe:MethodUse ; coe:pilot id:pilot\\/a ; coe:method v:method\\/living-lab .
id:m4 a coe:MethodUse ; coe:pilot id:pilot\\/c ; coe:method v:method\\/living-lab .
"""
V = "https://w3id.org/coevidence/vocab/"
FIN = "http://publications.europa.eu/resource/authority/country/FIN"


@pytest.fixture(scope="module")
def visitor(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "pilots.ttl"
    path.write_text(TTL, encoding="utf-8")
    with OxigraphStore.load([path], workers=1) as store:
        yield create_app({"STORE": store, "TESTING": True}).test_client()


def counts(page: dict, facet: str) -> dict[str, int]:
    found = next(f for f in page["facets"] if f["name"] == facet)
    return {v["value"].rsplit("/", 1)[-1]: v["count"] for v in found["values"]}


def test_each_pilot_counts_once_per_value(visitor):
    page = visitor.get("/pilots.json").get_json()
    assert page["count"] == 3
    assert counts(page, "target_group") == {"older-people": 1, "young-people": 1}
    assert counts(page, "method") == {"hackathon": 1, "living-lab": 2}
    assert counts(page, "hard_to_reach") == {"yes": 1, "no": 2}
    assert counts(page, "country") == {"FIN": 2, "SWE": 1}


def test_facets_and_and_values_or(visitor):
    page = visitor.get(f"/pilots.json?country={FIN}&method={V}method/living-lab").get_json()
    assert [p["title"] for p in page["pilots"]] == ["A"]
    # within the method facet the counts ignore its own filter (OR): both methods stay offered
    assert counts(page, "method") == {"hackathon": 1, "living-lab": 1}
    either = visitor.get(f"/pilots.json?method={V}method/living-lab&method={V}method/hackathon").get_json()
    assert sorted(p["title"] for p in either["pilots"]) == ["A", "C"]


def test_the_pages_work_without_the_ontology_labels(visitor):
    for url in ["/pilots", "/compare", "/compare?dimension=methods", "/pilots/a", "/search?q=a"]:
        assert visitor.get(url).status_code == 200, url


def test_a_facet_the_data_lacks_is_not_shown(visitor):
    names = {f["name"] for f in visitor.get("/pilots.json").get_json()["facets"]}
    assert names == {"country", "target_group", "hard_to_reach", "method"}
