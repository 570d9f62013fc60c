"""The facets and compare cells read once per data version (server/explorer/index.py), and the
compare matrix's columns a page at a time."""

from __future__ import annotations

import pytest

from coevidence import data
from coevidence.bench.explorer import NewBuilds
from coevidence.server import create_app
from coevidence.server.explorer import compare, index
from coevidence.server.explorer.facets import FACETS
from coevidence.server.queries import load_query
from coevidence.server.stores.oxigraph import OxigraphStore

WHOLE_DATASET = [f.query for f in FACETS] + [d.query for d in compare.DIMENSIONS] + ["explorer_project_findings"]


class Counting(NewBuilds):
    """NewBuilds that remembers the text of every query asked of it."""

    def __init__(self, inner) -> None:
        super().__init__(inner)
        self.asked: list[str] = []

    def query(self, sparql, **options):
        self.asked.append(sparql)
        return super().query(sparql, **options)

    def whole_dataset_queries(self) -> list[str]:
        texts = {load_query(name): name for name in WHOLE_DATASET}
        return [texts[text] for text in self.asked if text in texts]


@pytest.fixture(scope="module")
def real_store():
    with OxigraphStore.load([data.COSIE_TTL], workers=2) as store:
        yield store


@pytest.fixture
def counting(real_store):
    return Counting(real_store)


@pytest.fixture
def app(counting):
    # no page cache: each request builds its page, so what it asks of the store shows
    return create_app({"STORE": counting, "TESTING": True, "PAGE_CACHE_BYTES": 0})


PAGES = ["/pilots.json", "/compare.json?dimension=stages", "/compare.json?dimension=factors"]


def test_after_the_warm_up_the_pages_ask_no_whole_dataset_query(app, counting):
    with app.test_request_context("/"):
        index.warm()
    assert sorted(counting.whole_dataset_queries()) == sorted(WHOLE_DATASET)  # each asked once
    with app.test_request_context("/"):
        assert set(index.index().parts()) >= {"facets", "project_findings"} | {d.query for d in compare.DIMENSIONS} | {d.query + "_rows" for d in compare.DIMENSIONS}
    counting.asked.clear()
    client = app.test_client()
    pilots = client.get("/pilots.json").get_json()
    facet = pilots["facets"][0]
    value = facet["values"][0]["value"]
    filtered = client.get("/pilots.json", query_string={facet["name"]: value}).get_json()
    assert filtered["count"] == facet["values"][0]["count"]
    for path in PAGES[1:]:
        assert client.get(path).status_code == 200
    assert counting.whole_dataset_queries() == []


def test_a_new_data_version_reads_them_again_once(app, counting):
    client = app.test_client()
    before = client.get("/pilots.json").get_json()
    client.get("/compare.json?dimension=stages")
    assert counting.whole_dataset_queries().count("facet_country") == 1
    client.get("/pilots.json")
    assert counting.whole_dataset_queries().count("facet_country") == 1  # kept
    counting.publish()
    after = client.get("/pilots.json").get_json()
    assert counting.whole_dataset_queries().count("facet_country") == 2  # dropped with the old version
    assert after["facets"] == before["facets"]
    with app.test_request_context("/"):
        assert "compare_stages" not in index.index().parts()


def test_the_matrix_pages_its_columns_and_shows_all_on_request(app, monkeypatch):
    client = app.test_client()
    whole = client.get("/compare.json?dimension=factors&columns=all").get_json()
    keys = [p["key"] for p in whole["pilots"]]
    assert whole["rows"] and len(keys) >= 2 and whole["columns"] == {"start": 0, "shown": len(keys), "of": len(keys), "all": True}
    monkeypatch.setattr(compare, "COLUMNS", 1)
    by_key = {p["key"]: i for i, p in enumerate(whole["pilots"])}
    for start, key in enumerate(keys):
        page = client.get(f"/compare.json?dimension=factors&start={start}").get_json()
        assert [p["key"] for p in page["pilots"]] == [key]
        assert page["columns"] == {"start": start, "shown": 1, "of": len(keys), "all": False}
        # the same cells as the whole matrix's column, and the same rows, totals and countries
        assert [r["cells"] for r in page["rows"]] == [[r["cells"][by_key[key]]] for r in whole["rows"]]
        assert [(r["row"], r["sub"], r["total"], r["countries"]) for r in page["rows"]] == \
            [(r["row"], r["sub"], r["total"], r["countries"]) for r in whole["rows"]]
    html = client.get("/compare?dimension=factors").text
    assert "columns=all" in html and "start=1" in html and f"Pilots 1 to 1 of {len(keys)}" in html
    assert client.get(f"/compare?dimension=factors&start={len(keys)}").status_code == 400
    assert client.get("/compare?dimension=factors&start=-1").status_code == 400
    assert client.get("/compare?dimension=factors&start=x").status_code == 400


def test_the_totals_and_countries_of_chosen_pilots_are_theirs(app):
    client = app.test_client()
    whole = client.get("/compare.json?dimension=factors&columns=all").get_json()
    chosen = whole["pilots"][:2]
    page = client.get("/compare.json", query_string={"dimension": "factors", "pilot": [p["key"] for p in chosen]}).get_json()
    assert [p["key"] for p in page["pilots"]] == [p["key"] for p in chosen]
    for row in page["rows"]:
        assert row["total"] == sum(cell["count"] for cell in row["cells"])
        assert set(row["countries"]) == {p["country"] for p, cell in zip(chosen, row["cells"]) if cell["count"]}
    assert sum(r["total"] for r in page["rows"]) < sum(r["total"] for r in whole["rows"])
