"""The explorer on the real CoSIE data: facet counts against direct SPARQL counts, compare
cells against the claims they open, twins, search, the question pages, no inline script or
style, and every link of every explorer page resolving."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import deque
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from rdflib import URIRef, Variable

from coevidence import data
from coevidence.server import create_app
from coevidence.server.explorer.compare import DIMENSIONS
from coevidence.server.explorer.facets import FACETS
from coevidence.server.stores.oxigraph import OxigraphStore

COUNTRY = "http://publications.europa.eu/resource/authority/country/"
NLD, EST = URIRef(COUNTRY + "NLD"), URIRef(COUNTRY + "EST")
PREFIXES = """PREFIX coe: <https://w3id.org/coevidence/ontology#>
"""
#: each facet's pattern written again here, independently of its .rq file
FACET_PATTERNS = {
    "country": "?pilot coe:country ?value .",
    "service_area": "?pilot coe:service/coe:serviceArea ?value .",
    "target_group": "?pilot coe:targetGroup/coe:groupCategory ?value .",
    "method": "?c a coe:MethodUse ; coe:pilot ?pilot ; coe:method ?value .",
    "resource_type": "?c a coe:ResourceExchange ; coe:pilot ?pilot ; coe:resourceType ?value .",
    "outcome_type": "?c a coe:Outcome ; coe:pilot ?pilot ; coe:outcomeType ?value .",
    "outcome_direction": "?c a coe:Outcome ; coe:pilot ?pilot ; coe:direction ?value .",
    "factor_category": "?c a coe:Factor ; coe:pilot ?pilot ; coe:factorCategory ?value .",
    "factor_effect": "?c a coe:Factor ; coe:pilot ?pilot ; coe:effect ?value .",
    "evidence_type": "?c coe:pilot ?pilot ; coe:evidenceType ?value .",
    "stage": "{ ?pilot coe:stage ?value } UNION { ?c coe:pilot ?pilot ; coe:stage ?value }",
    "participation_level": "?c a coe:Participation ; coe:pilot ?pilot ; coe:participationLevel ?value .",
    "welfare_regime": "?pilot coe:nationalContext ?context . ?context coe:contextStatement ?s . ?s coe:welfareRegime ?value .",
}
#: every explorer page a visitor starts from
START_PAGES = ["/", "/pilots", "/compare", "/query", "/questions", "/search?q=hackathon"]


@pytest.fixture(scope="module")
def real_store():
    with OxigraphStore.load([data.COSIE_TTL, data.VOID_TTL], workers=2) as store:
        yield store


@pytest.fixture(scope="module")
def visitor(real_store):
    return create_app({"STORE": real_store, "TESTING": True}).test_client()


def sparql_counts(store, pattern: str, extra: str = "") -> dict[str, int]:
    """value -> COUNT(DISTINCT ?pilot) straight from the store."""
    query = PREFIXES + (
        "SELECT ?value (COUNT(DISTINCT ?pilot) AS ?n) WHERE { ?pilot a coe:Pilot . "
        + pattern + " " + extra + " } GROUP BY ?value"
    )
    result = store.query(query, timeout=30, max_rows=10_000)
    return {str(row[Variable("value")]): int(row[Variable("n")]) for row in result.rows}


def facet_json(visitor, query: str = "") -> dict:
    response = visitor.get("/pilots.json" + query)
    assert response.status_code == 200, response.text
    return response.get_json()


def counts_of(page: dict, facet: str) -> dict[str, int]:
    found = next((f for f in page["facets"] if f["name"] == facet), None)
    return {} if found is None else {v["value"]: v["count"] for v in found["values"] if v["count"]}


@pytest.mark.parametrize("facet", sorted(FACET_PATTERNS))
def test_facet_counts_match_distinct_pilot_counts_in_sparql(visitor, real_store, facet):
    expected = sparql_counts(real_store, FACET_PATTERNS[facet])
    assert expected, f"the data has no {facet}: the test would prove nothing"
    assert counts_of(facet_json(visitor), facet) == expected


@pytest.mark.parametrize("facet", ["target_group", "method", "factor_category", "outcome_type"])
def test_facet_counts_under_a_filter_match_sparql(visitor, real_store, facet):
    page = facet_json(visitor, f"?country={NLD}")
    assert page["count"] == 2
    expected = sparql_counts(real_store, FACET_PATTERNS[facet], f"?pilot coe:country <{NLD}> .")
    assert counts_of(page, facet) == expected


def test_values_of_one_facet_widen_and_facets_narrow(visitor, real_store):
    one = facet_json(visitor, f"?country={NLD}")["count"]
    both = facet_json(visitor, f"?country={NLD}&country={EST}")["count"]
    assert both == one + 1
    method = "https://w3id.org/coevidence/vocab/method/community-reporting"
    narrowed = facet_json(visitor, f"?country={NLD}&country={EST}&method={method}")
    direct = sparql_counts(
        real_store, f"VALUES ?value {{ 1 }} VALUES ?country {{ <{NLD}> <{EST}> }} ?pilot coe:country ?country . "
        f"?c a coe:MethodUse ; coe:pilot ?pilot ; coe:method <{method}> ."
    )
    assert narrowed["count"] == direct.get("1", 0) > 0


def test_a_pilot_with_several_values_is_counted_once_per_value(visitor, real_store):
    # the Estonian pilot's target group has four categories: each counts the pilot once
    page = facet_json(visitor, f"?country={EST}")
    groups = counts_of(page, "target_group")
    assert len(groups) >= 2 and set(groups.values()) == {1}
    assert counts_of(page, "hard_to_reach") == {"yes": 1}


def test_facet_links_add_and_remove_a_value(visitor):
    soup = BeautifulSoup(visitor.get("/pilots").text, "html.parser")
    link = soup.select_one('a[data-facet="country"]')
    added = visitor.get(link["href"])
    soup = BeautifulSoup(added.text, "html.parser")
    selected = soup.select_one('li.selected a[data-facet="country"]')
    assert selected is not None and selected["aria-current"] == "true"
    removed = parse_qs(urlsplit(selected["href"]).query)
    assert "country" not in removed


def test_every_declared_facet_is_shown_on_the_real_data(visitor):
    names = {f["name"] for f in facet_json(visitor)["facets"]}
    assert names == {f.name for f in FACETS}


def test_browse_twins_list_the_same_pilots(visitor):
    query = f"?country={NLD}"
    page = BeautifulSoup(visitor.get("/pilots" + query).text, "html.parser")
    titles = [a.get_text(strip=True) for a in page.select(".pilot-list li > a")]
    as_json = [p["title"] for p in facet_json(visitor, query)["pilots"]]
    response = visitor.get("/pilots.csv" + query)
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert titles == as_json == [row["title"] for row in rows] and len(rows) == 2


def test_compare_cells_open_the_claims_they_count(visitor, real_store):
    opened = 0
    for dimension in DIMENSIONS:
        page = visitor.get(f"/compare.json?dimension={dimension.name}").get_json()
        for row in page["rows"]:
            for cell in row["cells"] + [row["project"]]:
                if not cell["url"]:
                    continue
                claims = visitor.get(cell["url"].replace("/compare/cell?", "/compare/cell.json?")).get_json()
                assert claims["count"] == cell["count"] == len(claims["claims"]), cell["url"]
                opened += 1
    assert opened > 50


def test_a_factor_cell_counts_what_sparql_counts(visitor, real_store):
    page = visitor.get("/compare.json?dimension=factors").get_json()
    keys = [p["key"] for p in page["pilots"]]
    for row in page["rows"]:
        query = PREFIXES + (
            "SELECT ?pilot (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a coe:Factor ; coe:pilot ?pilot ; "
            f"coe:factorCategory <{row['row']}> ; coe:effect <{row['sub']}> }} GROUP BY ?pilot"
        )
        direct = {str(r[Variable("pilot")]).rsplit("/", 1)[-1]: int(r[Variable("n")]) for r in real_store.query(query, timeout=30, max_rows=1000).rows}
        assert {k: c["count"] for k, c in zip(keys, row["cells"]) if c["count"]} == direct


QUOTES = PREFIXES + """PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?claim ?quote WHERE { ?claim coe:evidence ?e . ?e oa:hasSelector ?s . ?s oa:exact ?quote }"""


def test_a_compare_cell_shows_every_passage_and_a_source_of_its_claims(visitor, real_store):
    quotes: dict[str, set[str]] = {}
    for row in real_store.query(QUOTES, timeout=30, max_rows=10_000).rows:
        quotes.setdefault(str(row[Variable("claim")]), set()).add(str(row[Variable("quote")]))
    shown = 0
    for dimension in ("factors", "outcomes", "actors", "methods"):
        page = visitor.get(f"/compare.json?dimension={dimension}").get_json()
        for row in page["rows"]:
            for cell in row["cells"]:
                if not cell["url"]:
                    continue
                body = visitor.get(cell["url"].replace("/compare/cell?", "/compare/cell.json?")).get_json()
                for claim in body["claims"]:
                    assert claim["sources"], claim["iri"]
                    found = {q for source in claim["sources"] for q in source["quotes"]}
                    assert found == quotes.get(claim["iri"], set()), claim["iri"]
                    shown += len(found)
                html = BeautifulSoup(visitor.get(cell["url"]).text, "html.parser")
                assert len(html.select("article.claim")) == body["count"]
    assert shown >= 1, "no claim on these dimensions quotes a passage: the test proves little"


def test_compare_twins_and_chosen_pilots(visitor):
    page = visitor.get("/compare.json?dimension=outcomes&pilot=ee-voru-disability&pilot=it-reggio-emilia-obesity")
    if page.status_code == 404:
        page = visitor.get("/compare.json?dimension=outcomes&pilot=ee-voru-disability")
    body = page.get_json()
    assert all(len(r["cells"]) == len(body["pilots"]) for r in body["rows"])
    response = visitor.get("/compare.csv?dimension=outcomes")
    header = next(csv.reader(io.StringIO(response.text)))
    assert header[:2] == ["outcome type", "direction"] and header[-2:] == ["project level", "countries"]
    assert visitor.get("/compare?dimension=nonsense").status_code == 400


def test_compare_shows_project_level_findings_apart(visitor):
    body = visitor.get("/compare.json").get_json()
    assert body["project_findings"], "the CoSIE data has findings about the project as a whole"
    assert body["recurring"] and body["unique"]


def test_search_finds_a_passage_with_its_claim_and_source(visitor, real_store):
    passage = str(real_store.query(QUOTES, timeout=30, max_rows=1).rows[0][Variable("quote")])
    body = visitor.get("/search.json", query_string={"q": passage}).get_json()
    quoted = [h for h in body["hits"] if any(m["where"] == "quoted passage" for m in h["matches"])]
    assert quoted and quoted[0]["sources"]
    page = BeautifulSoup(visitor.get("/search", query_string={"q": passage}).text, "html.parser")
    assert page.select("ol.hits blockquote")
    assert visitor.get("/search.json?q=").get_json()["count"] == 0
    assert visitor.get("/search?q=" + "x" * 201).status_code == 400


def test_pilot_view_sidebar_links_filter_the_browse_page(visitor):
    view = visitor.get("/pilots/ee-voru-disability.json").get_json()
    country = next(row for row in view["sidebar"] if row["property"] == "country")
    page = visitor.get(country["values"][0]["url"].replace("/pilots?", "/pilots.json?")).get_json()
    assert [p["key"] for p in page["pilots"]] == ["ee-voru-disability"]
    assert view["network"]["ties"] and view["outcomes"] and view["enabling"] and view["hindering"]
    html = BeautifulSoup(visitor.get("/pilots/ee-voru-disability").text, "html.parser")
    assert html.select_one("#pilot-graph")["data-network"] == "/network/pilot/ee-voru-disability.json"
    assert len(html.select("table.ties tbody tr")) == len(view["network"]["ties"])
    drawn = visitor.get("/network/pilot/ee-voru-disability.json").get_json()["graph"]
    assert view["network"]["counts"] == drawn["counts"], "the table holds the ties the graph draws"
    labels = {node["id"]: node["label"] for node in drawn["nodes"]}
    assert sorted((t["source"], t["target"], t["kind"]) for t in view["network"]["ties"]) == sorted(
        (labels[e["source"]], labels[e["target"]], e["kind"]) for e in drawn["edges"])
    assert visitor.get("/pilots/nope").status_code == 404


@pytest.mark.parametrize("question", [q.name for q in data.questions()])
def test_every_question_page_shows_its_answer_and_query(visitor, question):
    page = visitor.get(f"/questions/{question}")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select("table.answer thead th") and soup.select_one("pre.sparql")
    body = visitor.get(f"/questions/{question}.json").get_json()
    assert len(soup.select("table.answer tbody tr")) == len(body["answer"]["rows"])


def test_query_page_configures_only_this_endpoint(visitor):
    soup = BeautifulSoup(visitor.get("/query?query=ASK%7B%7D").text, "html.parser")
    config = json.loads(soup.select_one("script#yasgui-config").string)
    assert config["endpoint"] == "/sparql" and config["query"] == "ASK{}"
    assert config["prefixes"]["coe"] == "https://w3id.org/coevidence/ontology#"
    assert len(config["questions"]) == len(data.questions())
    terms = visitor.get(config["terms"]).get_json()
    assert "https://w3id.org/coevidence/ontology#Pilot" in terms["classes"]


def test_explorer_pages_have_no_inline_script_or_style(visitor):
    for url in START_PAGES + ["/pilots/ee-voru-disability", "/questions/pilot_overview"]:
        soup = BeautifulSoup(visitor.get(url).text, "html.parser")
        assert not soup.select("style"), url
        assert not soup.select("[style]"), url
        for script in soup.select("script"):
            assert script.get("src") or script.get("type") == "application/json", (url, str(script)[:80])
        assert not [tag for tag in soup.find_all(True) if any(a.startswith("on") for a in tag.attrs)], url


def test_every_link_of_the_explorer_resolves(visitor):
    seen: set[str] = set()
    queue = deque(START_PAGES + ["/pilots/ee-voru-disability"])
    checked = 0
    while queue and checked < 600:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = visitor.get(url)
        checked += 1
        if url.startswith("/exports/") and response.status_code == 503:
            assert response.headers.get("Retry-After"), url  # the exports are being written
            continue
        assert response.status_code == 200, f"{url}: {response.status_code}"
        if response.mimetype != "text/html" or urlsplit(url).path.startswith(("/sparql", "/network", "/exports", "/data")):
            continue  # pages of other parts: checked to resolve, not crawled
        for tag in BeautifulSoup(response.text, "html.parser").select("a[href], link[href], script[src], img[src], image[href]"):
            target = tag.get("href") or tag.get("src")
            if target.startswith("/") and not target.startswith("//"):
                queue.append(target.split("#", 1)[0])
    assert checked > 100


def test_third_party_assets_match_their_checksums():
    vendor = Path(__file__).parents[2] / "server" / "static" / "vendor"
    listed = json.loads((vendor / "ASSETS.json").read_text())["assets"]
    for asset in listed:
        path = vendor / asset["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == asset["sha256"], asset["file"]
        assert (vendor / asset["licence_file"]).is_file(), asset["licence_file"]
    shipped = {p.relative_to(vendor).as_posix() for p in vendor.rglob("*") if p.is_file() and p.suffix in {".js", ".css"}}
    assert shipped <= {a["file"] for a in listed}


@pytest.mark.parametrize("path", ["/pilots/fi", "/doc/pilot/fi"])
def test_a_pilot_view_reads_its_own_network_not_the_whole_one(app, path):
    from coevidence.server.network.routes import EXTENSION

    assert app.test_client().get(path).status_code == 200
    assert app.extensions[EXTENSION]._network is None  # the whole network was never read
    assert any(name.startswith("pilot:") for _, name in app.extensions[EXTENSION].measures)


def test_the_compare_form_folds_many_pilots_by_country(real_store, monkeypatch):
    """Ten pilots are one list of checkboxes; past GROUP_PILOTS_OVER (1,000 synthetic pilots
    made one list of 1,000) the list is folded per country, open where a pilot is ticked."""
    from coevidence.server.explorer import compare

    flat = BeautifulSoup(create_app({"STORE": real_store, "TESTING": True}).test_client().get("/compare").text, "html.parser")
    boxes = flat.select('fieldset input[name="pilot"]')
    assert len(boxes) == 10 and not flat.select("details.pilot-group")
    monkeypatch.setattr(compare, "GROUP_PILOTS_OVER", 3)
    web = create_app({"STORE": real_store, "TESTING": True}).test_client()
    folded = BeautifulSoup(web.get("/compare?pilot=ee-voru-disability").text, "html.parser")
    groups = folded.select("details.pilot-group")
    assert len(groups) == 9  # ten pilots in nine countries
    assert sorted(box["value"] for box in folded.select('details.pilot-group input[name="pilot"]')) == sorted(b["value"] for b in boxes)
    opened = [group for group in groups if group.has_attr("open")]
    assert len(opened) == 1 and opened[0].select_one("input[checked]")["value"] == "ee-voru-disability"
    assert "1 ticked" in opened[0].summary.get_text()
