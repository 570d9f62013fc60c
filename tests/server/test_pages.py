"""Linked-data pages on the real bundled data: dereferencing, formats, sentences, SHACL state."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

import coevidence
from coevidence.data import COSIE_TTL
from coevidence.data.catalog import REPORT_TTL
from coevidence.ontology import COE
from coevidence.server import create_app
from coevidence.server.linkeddata import sentences
from coevidence.server.stores.oxigraph import OxigraphStore, bundled_data_paths

BASE = "https://w3id.org/coevidence/"
ID = BASE + "id/"
PILOT = ID + "pilot/ee-voru-disability"
RDF_FORMATS = {
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "nt": ("application/n-triples", "nt"),
    "rdf": ("application/rdf+xml", "xml"),
}
#: one entity of every kind the pages must handle: class local name -> how it is found
KINDS = [
    "Pilot", "Organisation", "CitizenGroup", "ProfessionalGroup", "InformalNetwork",
    "Participation", "ResourceExchange", "MethodUse", "Outcome", "Factor", "ContextStatement", "Finding",
    "Source", "Project", "PublicService", "Place", "NationalContext",
]
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
CLAIM_CLASSES = ["Participation", "ResourceExchange", "MethodUse", "Outcome", "Factor", "ContextStatement", "Finding",
                 "Output", "IdentifiedNeed", "Framing"]


@pytest.fixture(scope="module")
def real_store():
    with OxigraphStore.load(bundled_data_paths(), workers=2) as shared:
        yield shared


@pytest.fixture
def real_app(real_store):
    return create_app({"STORE": real_store, "TESTING": True, "REPORT_PATH": REPORT_TTL})


@pytest.fixture
def web(real_app):
    return real_app.test_client()


def select(store, sparql: str, **bindings):
    result = store.query(sparql, bindings=bindings, timeout=10, max_rows=100_000)
    return [{str(k): v for k, v in row.items()} for row in result.rows]


def first_of(store, local: str, count: int = 1) -> list[str]:
    rows = select(store, "SELECT ?s ?c WHERE { ?s a ?c } ORDER BY ?s", c=COE[local])
    return [str(row["s"]) for row in rows if str(row["s"]).startswith(ID)][:count]


def doc_path(iri: str) -> str:
    return "/doc/" + iri[len(ID):]


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


# ---------------------------------------------------------------------------
# Dereferencing and formats, for every kind of entity
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_dereferences_with_303_and_serves_every_format(web, real_store, kind):
    (iri,) = first_of(real_store, kind)
    thing = "/id/" + iri[len(ID):]
    response = web.get(thing)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(doc_path(iri))

    page = web.get(doc_path(iri), headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert soup_of(page).select_one("h1").get_text(strip=True)
    twin = web.get(doc_path(iri) + ".json")
    assert twin.status_code == 200 and twin.mimetype == "application/json"
    assert twin.get_json()["iri"] == iri

    expected = {(URIRef(iri), row["p"], row["o"]) for row in select(real_store, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", s=URIRef(iri))}
    assert expected
    for suffix, (media_type, parser) in RDF_FORMATS.items():
        for response in (web.get(doc_path(iri) + "." + suffix), web.get(doc_path(iri), headers={"Accept": media_type})):
            assert response.status_code == 200, (suffix, response.data[:200])
            assert response.mimetype == media_type
            graph = Graph().parse(data=response.data, format=parser)
            missing = expected - set(graph)
            assert not missing, f"{suffix}: {len(missing)} of the subject's triples missing, e.g. {sorted(missing)[:2]}"


def test_negotiation_sets_vary_content_location_and_link(web):
    response = web.get(doc_path(PILOT), headers={"Accept": "text/turtle;q=0.9, application/ld+json;q=0.5"})
    assert response.mimetype == "text/turtle"
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Content-Location"] == doc_path(PILOT) + ".ttl"
    links = response.headers["Link"]
    for suffix in ("html", "json", "jsonld", "nt", "rdf"):
        assert f"<{doc_path(PILOT)}.{suffix}>; rel=\"alternate\"" in links
    assert web.get(doc_path(PILOT), headers={"Accept": "*/*"}).mimetype == "text/html"
    assert web.get(doc_path(PILOT)).mimetype == "text/html"
    assert web.get(doc_path(PILOT) + "?format=nt").mimetype == "application/n-triples"
    chrome = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
    assert web.get(doc_path(PILOT), headers={"Accept": chrome}).mimetype == "text/html"


def test_page_head_lists_alternates_and_embeds_its_json_ld(web):
    soup = soup_of(web.get(doc_path(PILOT)))
    types = {link["type"]: link["href"] for link in soup.select('head link[rel="alternate"]')}
    assert set(types) == {"application/json", "text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"}
    block = soup.select_one('script[type="application/ld+json"]')
    graph = Graph().parse(data=block.get_text(), format="json-ld")
    assert (URIRef(PILOT), RDF.type, COE.Pilot) in graph
    assert not soup.select("script:not([type]):not([src])"), "no inline executable script on a page (CSP)"
    assert not soup.select("[style]") and not soup.select("style"), "no inline styles (CSP)"


@pytest.mark.parametrize("path", ["/doc/pilot/no-such-pilot", "/id/pilot/no-such-pilot"])
def test_unknown_iri_is_404_in_the_format_asked_for(web, path):
    html = web.get(path, headers={"Accept": "text/html"}, follow_redirects=True)
    assert html.status_code == 404 and html.mimetype == "text/html"
    turtle = web.get(path, headers={"Accept": "text/turtle"}, follow_redirects=True)
    assert turtle.status_code == 404 and turtle.mimetype == "text/turtle"
    Graph().parse(data=turtle.data, format="turtle")
    as_json = web.get("/doc/pilot/no-such-pilot.json")
    assert as_json.status_code == 404 and as_json.get_json()["error"]["status"] == 404
    assert web.get("/doc/pilot/no-such-pilot.jsonld").mimetype == "application/ld+json"


@pytest.mark.parametrize("headers, query", [({"Accept": "image/png"}, ""), ({}, "?format=pdf")])
def test_unsatisfiable_format_is_406_listing_the_available_ones(web, headers, query):
    response = web.get(doc_path(PILOT) + query, headers=headers)
    assert response.status_code == 406
    detail = response.get_json()["error"]["detail"]
    for media_type in ("text/html", "text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"):
        assert media_type in detail


def test_describe_shows_external_iris_and_ontology_terms(web):
    country = web.get("/describe?iri=http://publications.europa.eu/resource/authority/country/EST")
    assert country.status_code == 200
    assert soup_of(country).select_one("h1").get_text(strip=True) == "Estonia"
    term = web.get("/describe", query_string={"iri": str(COE.Pilot)})
    assert term.status_code == 200 and "pilot" in soup_of(term).select_one("h1").get_text()
    assert web.get("/describe?iri=https://example.org/nothing").status_code == 404
    assert web.get("/describe").status_code == 400


# ---------------------------------------------------------------------------
# What the page says
# ---------------------------------------------------------------------------


def test_pilot_page_reads_as_a_page(web):
    soup = soup_of(web.get(doc_path(PILOT)))
    assert soup.select_one("h1").get_text(strip=True) == "Disabled People in Remote Areas (Vunki mano!)"
    assert "Võru County" in soup.select_one("#description").get_text()
    assert soup.select_one(".types a")["href"] == "/ontology#Pilot"
    rows = {row.th.get_text(strip=True): row for row in soup.select("#outgoing tr")}
    country = rows["country"].select_one("td a")
    assert country.get_text() == "Estonia" and country["href"].startswith("/describe?iri=")
    assert rows["country"].select_one("abbr")["title"].startswith("The country of a pilot")
    place = rows["place"].select_one("td a")
    assert place["href"] == "/doc/place/voru-county"
    assert "^^" not in soup.get_text() and '"@en' not in soup.get_text()
    assert soup.select_one('header a[href="/sparql"]') and soup.select_one('header a[href="/"]')
    footer = soup.select_one("footer").get_text(" ", strip=True)
    digest = next(Graph().parse(COSIE_TTL).objects(None, COE.sourceDigest))
    assert "CC BY 4.0" in footer and str(digest)[:12] in footer and coevidence.__version__ in footer


def test_pilot_page_lists_every_claim_about_it_as_sentences_grouped_by_kind(web, real_store):
    soup = soup_of(web.get(doc_path(PILOT)))
    expected = select(
        real_store,
        "PREFIX coe: <https://w3id.org/coevidence/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT DISTINCT ?pilot ?claim WHERE { { ?claim ?link ?pilot } UNION { ?pilot ?link ?claim } ?claim a ?c . ?c rdfs:subClassOf+ coe:Claim }",
        pilot=URIRef(PILOT),
    )
    shown = {a["href"] for a in soup.select("#claims li.claim .meta a") if a.get_text() == "the claim"}
    assert shown == {doc_path(str(row["claim"])) for row in expected}
    headings = [h.get_text() for h in soup.select("#claims h3")]
    assert headings[0].startswith("Participation") and any(h.startswith("Resource exchange") for h in headings)
    sentence = next(li for li in soup.select("#claims li.claim") if "contributed mentoring" in li.get_text())
    assert sentence.select_one(".sentence").get_text() == (
        "Hackathon mentors contributed mentoring to Teams of the Vunki mano! social hackathons during co-implementation."
    )
    assert "confidence: high" in sentence.get_text()
    assert sentence.select(".evidence a")


@pytest.mark.parametrize("kind", CLAIM_CLASSES)
def test_every_claim_class_reads_as_its_own_sentence(web, real_store, kind):
    for iri in first_of(real_store, kind, count=4):
        soup = soup_of(web.get(doc_path(iri)))
        text = soup.select_one("#claim .sentence").get_text()
        assert text and not re.match(r"^[A-Z][a-z ]+( about |: )", text), text
        assert sentences.TEMPLATES[kind]
        assert soup.select_one("#claim .confidence"), iri
        assert soup.select("#claim .evidence"), iri


def test_every_claim_on_real_data_reads_with_its_own_classes_template(web, real_store):
    """Every claim about a pilot or a national context, i.e. every claim of the data."""
    seen: dict[str, int] = {}
    holders = first_of(real_store, "Pilot", count=100) + first_of(real_store, "NationalContext", count=100) + first_of(real_store, "Project")
    for holder in holders:
        for group in web.get(doc_path(holder) + ".json").get_json()["claims"]:
            for claim in group["claims"]:
                kind = claim["kind_iri"].rsplit("#", 1)[-1]
                assert claim["template"] == kind, (claim["iri"], claim["text"])
                assert claim["text"] and "{" not in claim["text"]
                seen[kind] = seen.get(kind, 0) + 1
    assert set(seen) == set(CLAIM_CLASSES) and set(CLAIM_CLASSES) <= set(sentences.TEMPLATES)


def test_claim_sentence_carries_its_quote_and_locator(web):
    soup = soup_of(web.get("/doc/context-statement/pl-cs-co-creation-tradition"))
    assert "barely recognised" in soup.select_one("#claim blockquote").get_text()
    soup = soup_of(web.get("/doc/finding/cosie-find-micro-meso-impact"))
    assert "section 4.2" in " ".join(e.get_text() for e in soup.select("#claim .evidence"))


@pytest.mark.parametrize("kind, facts, expected", [
    ("Output", {"pilot": [("P", "/doc/pilot/p")], "outputType": [("an app", None)], "description": [("A booking app.", None)]},
     "P produced an app: A booking app."),
    ("Framing", {"pilot": [("P", None)], "policyInstrument": [("the Social Support Act", None)]}, "P was framed by the Social Support Act"),
    ("IdentifiedNeed", {"about": [("P", None)], "description": [("Transport came first.", None)]}, "P identified a need: Transport came first."),
    ("ResourceExchange", {"wholeProject": [("CoSIE", None)], "resourceType": [("money", None)]},
     "Money went to CoSIE; the sources name no giver."),
])
def test_templates_for_the_next_ontology_version(kind, facts, expected):
    assert sentences.written(kind, facts)[0] == kind
    assert sentences.plain(sentences.sentence(kind, facts)) == expected


def test_new_claim_class_without_template_reads_with_the_generic_sentence():
    facts = {"class": [("membership", None)], "pilot": [("Co-Crea-Te", "/doc/pilot/x")],
             "description": [("Ten members joined.", None)]}
    assert sentences.plain(sentences.sentence("Membership", facts)) == "Membership about Co-Crea-Te: Ten members joined."
    assert sentences.plain(sentences.sentence(None, {"class": [("claim", None)], "label": [("A", None)]})) == "Claim about A: A"


def incoming_count(store, prop, target) -> int:
    (row,) = select(store, "SELECT ?p ?o (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ?o", p=prop, o=URIRef(target))
    return int(row["n"])


def test_incoming_counts_match_sparql_and_numerous_ones_are_collapsed(web, real_store):
    soup = soup_of(web.get(doc_path(PILOT)))
    incoming = soup.select_one(f'#incoming tr[data-property="{COE.pilot}"]')
    expected = incoming_count(real_store, COE.pilot, PILOT)
    assert 10 < expected <= 200
    assert incoming.select_one(".count").get_text() == f"({expected})"
    assert incoming.select_one("details"), "numerous incoming relations are collapsed"
    assert len(incoming.select("details li")) == expected


def test_very_numerous_incoming_relations_are_counted_and_paged(web, real_store):
    concept = BASE + "vocab/confidence/high"
    soup = soup_of(web.get("/doc/vocab/confidence/high"))
    incoming = soup.select_one(f'#incoming tr[data-property="{COE.confidence}"]')
    expected = incoming_count(real_store, COE.confidence, concept)
    assert expected > 200
    assert incoming.select_one(".count").get_text() == f"({expected})"
    assert not incoming.select("li"), "more than 200 are not listed on the page itself"
    first = soup_of(web.get(incoming.select_one("a.list")["href"]))
    shown = first.select("#incoming li")
    assert len(shown) == 50 and not first.select("#outgoing")
    page2 = soup_of(web.get(first.select_one("a.next")["href"]))
    second = page2.select("#incoming li")
    assert len(second) == 50 and not {li.get_text() for li in second} & {li.get_text() for li in shown}
    seen, page = 0, first
    while True:  # walking every page gives every subject once
        seen += len(page.select("#incoming li"))
        link = page.select_one("#incoming a.next")
        if link is None:
            break
        page = soup_of(web.get(link["href"]))
    assert seen == expected


def test_concept_page_shows_scheme_definition_and_claims_using_it(web):
    response = web.get("/vocab/stage/co-design")
    assert response.status_code == 303 and response.headers["Location"].endswith("/doc/vocab/stage/co-design")
    soup = soup_of(web.get("/doc/vocab/stage/co-design"))
    assert soup.select_one("h1").get_text() == "co-design"
    assert soup.select_one("#description").get_text()
    rows = {row.th.get_text(strip=True) for row in soup.select("#outgoing tr")}
    assert "in scheme" in rows
    assert soup.select("#claims li.claim")


def test_shacl_state_shows_the_reports_warnings_for_the_resource(web):
    soup = soup_of(web.get("/doc/pilot/nl-houten-work-and-income"))
    shacl = soup.select_one("#shacl").get_text(" ", strip=True)
    assert "Warning" in shacl and "No resource exchange is recorded for this pilot" in shacl
    assert soup_of(web.get("/doc/vocab/stage/co-design")).select_one("#shacl") is None


def test_ontology_documents_every_term_with_counts(web, real_store):
    soup = soup_of(web.get("/ontology", headers={"Accept": "text/html"}))
    pilot = soup.select_one("section#Pilot")
    assert "pilot" in pilot.h3.get_text()
    assert "co-creation case" in pilot.select_one(".definition").get_text()
    (row,) = select(real_store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c", c=COE.Pilot)
    assert pilot.select_one(".count a").get_text().startswith(f"{int(row['n'])} instance")
    assert pilot.select(".constraints li"), "the SHACL constraints on pilots are shown"
    organisation = soup.select_one("section#Organisation").get_text(" ")
    assert "W3C ORG" in organisation and "PROV-O" in organisation
    assert soup.select_one("section#participant").select_one("dd a[href='/ontology#Participation']")
    turtle = web.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle" and "Accept" in turtle.headers["Vary"]
    graph = Graph().parse(data=turtle.data, format="turtle")
    assert (COE.Pilot, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in graph
    assert web.get("/ontology.json").get_json()["terms"]


def test_sitemap_and_robots(web):
    robots = web.get("/robots.txt", base_url="http://crawl.example")
    assert "Sitemap: http://crawl.example/sitemap.xml" in robots.text
    index = ElementTree.fromstring(web.get("/sitemap.xml", base_url="http://crawl.example").data)
    locs = [loc.text for loc in index.iter(SITEMAP + "loc")]
    pilots = next(loc for loc in locs if loc.endswith("Pilot"))
    page = ElementTree.fromstring(web.get(pilots.replace("http://crawl.example", ""), base_url="http://crawl.example").data)
    urls = [loc.text for loc in page.iter(SITEMAP + "loc")]
    assert "http://crawl.example" + doc_path(PILOT) in urls and len(urls) == 10


# ---------------------------------------------------------------------------
# Hostile literals, languages and the base setting (a small graph of their own)
# ---------------------------------------------------------------------------

HOSTILE = """
@prefix coe: <https://w3id.org/coevidence/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{base}id/pilot/x> a coe:Pilot ;
    rdfs:label "Pilot <script>alert(1)</script>"@en , "Kokeilu"@fi ;
    dcterms:description "<b>bold</b> & </script><script>alert(2)</script>" .
"""


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    path = folder / "hostile.ttl"
    path.write_text(HOSTILE.replace("{base}", BASE) + HOSTILE.replace("{base}", "https://example.org/kg/").replace("<script>alert(1)</script>", "elsewhere"), encoding="utf-8")
    with OxigraphStore.load([path], workers=1) as shared:
        yield shared


def test_literal_holding_html_or_a_script_renders_as_text(hostile_store):
    web = create_app({"STORE": hostile_store, "TESTING": True}).test_client()
    response = web.get("/doc/pilot/x")
    soup = soup_of(response)
    assert soup.select_one("h1").get_text() == "Pilot <script>alert(1)</script>"
    assert "<b>bold</b>" in soup.select_one("#description").get_text()
    # data blocks and the explorer's two script files only: the literal's markup is text
    assert not soup.select("b") and not soup.select("script:not([src]):not([type])")
    assert all("alert(1)" not in script.get_text() or script["type"] in ("application/ld+json", "application/json")
               for script in soup.select("script:not([src])"))
    assert {script["src"].rsplit("/", 1)[-1] for script in soup.select("script[src]")} <= {"cytoscape.min.js", "pilot-graph.js"}
    assert b"</script><script>" not in response.data


def test_language_by_parameter_or_accept_language_falling_back_to_english(hostile_store):
    web = create_app({"STORE": hostile_store, "TESTING": True}).test_client()
    assert soup_of(web.get("/doc/pilot/x?lang=fi")).h1.get_text() == "Kokeilu"
    assert soup_of(web.get("/doc/pilot/x", headers={"Accept-Language": "fi-FI, fi;q=0.9"})).h1.get_text() == "Kokeilu"
    assert soup_of(web.get("/doc/pilot/x", headers={"Accept-Language": "de"})).h1.get_text().startswith("Pilot")


def test_base_setting_maps_urls_onto_other_iris_and_host_changes_absolute_urls(hostile_store):
    web = create_app({"STORE": hostile_store, "TESTING": True, "PUBLIC_BASE": "https://example.org/kg/"}).test_client()
    page = web.get("/doc/pilot/x.json", base_url="http://mirror.example:8080")
    assert page.get_json()["iri"] == "https://example.org/kg/id/pilot/x"
    void = Graph().parse(data=web.get("/.well-known/void", base_url="http://mirror.example:8080").data, format="turtle")
    space = {str(o) for o in void.objects(None, URIRef("http://rdfs.org/ns/void#uriSpace"))}
    assert space == {"https://example.org/kg/id/"}
    absolute = {str(o) for o in void.objects() if isinstance(o, URIRef) and str(o).startswith("http://") and ":8080" in str(o)}
    assert any(url.endswith("/sparql") for url in absolute)
    for s, p, o in void:
        for term in (s, o):
            assert "127.0.0.1" not in str(term) and "localhost" not in str(term)
    sitemap = web.get("/sitemap.xml", base_url="http://mirror.example:8080").text
    assert all(loc.startswith("http://mirror.example:8080/") for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap))
    description = web.get("/sparql", headers={"Accept": "text/turtle"}, base_url="http://mirror.example:8080")
    assert b"http://mirror.example:8080/sparql" in description.data


def test_sparql_results_show_text_and_link_iris_to_local_pages(web):
    query = ("PREFIX coe: <https://w3id.org/coevidence/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
             "SELECT ?pilot ?label ?number ?country WHERE { ?pilot a coe:Pilot ; rdfs:label ?label ; coe:pilotNumber ?number ; coe:country ?country } ORDER BY ?number LIMIT 3")
    soup = soup_of(web.get("/sparql", query_string={"query": query}, headers={"Accept": "text/html"}))
    first = soup.select("#results tbody tr")[0]
    cells = first.select("td")
    assert cells[0].a["href"].startswith("/doc/pilot/")
    assert web.get(cells[0].a["href"]).status_code == 200
    assert cells[3].a["href"].startswith("/describe?iri=")
    assert "^^" not in soup.select_one("#results").get_text() and cells[2].get_text().strip().isdigit()
    for page in ("/", "/sparql", doc_path(PILOT), "/ontology"):
        links = {a["href"] for a in soup_of(web.get(page, headers={"Accept": "text/html"})).select("a")}
        assert "/" in links and "/sparql" in links, page


def test_report_comes_from_the_served_version_of_a_publication_root(tmp_path, real_app):
    from coevidence import versions
    from coevidence.server.linkeddata import report

    building = versions.begin(tmp_path)
    (building / "report.ttl").write_text("", encoding="utf-8")
    version = versions.publish(tmp_path, building, versions.new_id("ab" * 32), {})
    with real_app.test_request_context():
        real_app.config.update(REPORT_PATH=None, STORE_DIR=tmp_path)
        assert report.report_path() == version.path / "report.ttl"
        real_app.config.update(STORE_DIR=None, REPORT_PATH=tmp_path / "elsewhere.ttl")
        assert report.report_path() == tmp_path / "elsewhere.ttl"
        assert report.problems_for(PILOT) == []  # no such file: nothing to show, no error


def test_a_path_no_iri_could_have_is_404_not_an_error(web):
    for path in ("/doc/pilot/a%0Ab%20c.ttl", "/doc/pilot/%3Cx%3E"):
        response = web.get(path)
        assert response.status_code == 404, path
    assert web.get("/describe?iri=a%0Ab").status_code == 400


def test_concept_scheme_dereferences_with_its_top_concepts(web):
    response = web.get("/vocab/stage")
    assert response.status_code == 303 and response.headers["Location"].endswith("/doc/vocab/stage")
    soup = soup_of(web.get("/doc/vocab/stage"))
    rows = {row.th.get_text(strip=True): row for row in soup.select("#outgoing tr")}
    tops = {a["href"] for a in rows["top concept"].select("a")}
    assert "/doc/vocab/stage/co-design" in tops
    graph = Graph().parse(data=web.get("/doc/vocab/stage.ttl").data, format="turtle")
    assert (URIRef(BASE + "vocab/stage"), URIRef("http://www.w3.org/2004/02/skos/core#hasTopConcept"), URIRef(BASE + "vocab/stage/co-design")) in graph


def test_a_pilots_document_embeds_its_explorer_view_and_links_its_network(web):
    soup = soup_of(web.get("/doc/pilot/ee-voru-disability"))
    explore = soup.select_one("#explore")
    assert explore is not None
    hrefs = {a["href"] for a in explore.select("a")}
    assert "/network/pilot/ee-voru-disability" in hrefs and "/pilots/ee-voru-disability" in hrefs
    scripts = [s.get("src") for s in soup.select("script[src]")]
    assert any(src.endswith("cytoscape.min.js") for src in scripts)
    assert not soup.select("script:not([src]):not([type='application/ld+json']):not([type='application/json'])")
    for href in sorted(hrefs):
        assert web.get(href).status_code == 200, href


def test_an_actors_document_links_the_networks(web):
    soup = soup_of(web.get("/doc/organisation/helpific"))
    hrefs = [a["href"] for a in soup.select("#explore a")]
    assert "/network/all" in hrefs and any(href.startswith("/path?from=") for href in hrefs)


def test_the_embedded_view_does_not_repeat_the_description(web):
    soup = soup_of(web.get("/doc/pilot/ee-voru-disability"))
    description = soup.select_one("#description").get_text()
    assert description not in soup.select_one("#explore").get_text()
    explorer = soup_of(web.get("/pilots/ee-voru-disability", headers={"Accept": "text/html"}))
    assert description in explorer.select_one("p.lead").get_text()


def test_a_pilots_outcomes_show_who_evaluated_them_beside_direction_and_evidence(web, real_store):
    rows = select(real_store, """
        PREFIX coe: <https://w3id.org/coevidence/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?pilot ?outcome ?label WHERE {
          ?outcome a coe:Outcome ; coe:pilot ?pilot ; coe:evaluatorRelation ?evaluator .
          ?evaluator skos:prefLabel ?label }""")
    assert {str(row["label"]) for row in rows} >= {"internal", "consortium partner", "external"}, \
        "the data no longer has every kind of evaluator: the test would prove less"
    by_pilot: dict[str, dict[str, str]] = {}
    for row in rows:
        by_pilot.setdefault(str(row["pilot"]), {})[str(row["outcome"])] = str(row["label"])
    for pilot, outcomes in by_pilot.items():
        soup = soup_of(web.get(doc_path(pilot)))
        section = soup.select_one("#explore #outcomes-heading").parent
        for outcome, label in outcomes.items():
            (item,) = [li for li in section.select("li") if li.a["href"] == doc_path(outcome)]
            details = item.select_one(".small").get_text(" ", strip=True)
            assert f"evaluated by: {label}" in details, (outcome, details)
            assert item.select_one(".evaluator a")["href"].startswith("/doc/vocab/evaluator-relation/")
        others = [li for li in section.select("li") if li.a["href"] not in {doc_path(o) for o in outcomes}]
        assert not any(li.select(".evaluator") for li in others), "an evaluator shown where the data has none"


def test_every_claim_class_is_a_direct_subclass_of_claim(real_store):
    """claims_linking.rq finds claims by a direct rdfs:subClassOf coe:Claim (a path per
    candidate costs 4x): a claim class deeper in the hierarchy would go missing from pages."""
    prefixes = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX coe: <https://w3id.org/coevidence/ontology#> "
    deep = {str(r["c"]) for r in select(real_store, prefixes + "SELECT ?c WHERE { ?c rdfs:subClassOf+ coe:Claim }")}
    direct = {str(r["c"]) for r in select(real_store, prefixes + "SELECT ?c WHERE { ?c rdfs:subClassOf coe:Claim }")}
    assert deep and deep == direct


@pytest.fixture(scope="module")
def crowded_store(tmp_path_factory):
    """A concept that 10,050 claims point at with one property and 20 with another, and a
    build that 2,100 records point at: more than the pages count in full."""
    lines = ["@prefix coe: <https://w3id.org/coevidence/ontology#> .",
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
             "@prefix prov: <http://www.w3.org/ns/prov#> .",
             f"<{BASE}vocab/stage/crowded> rdfs:label \"crowded\"@en .",
             f"<{ID}build/b> a coe:Build ."]
    for number in range(10_050):
        lines.append(f"<{ID}participation/c{number}> a coe:Participation ; coe:stage <{BASE}vocab/stage/crowded>"
                     + (f" ; coe:illustrates <{BASE}vocab/stage/crowded>" if number < 20 else "")
                     + (f" ; prov:wasGeneratedBy <{ID}build/b>" if number < 2_100 else "") + " .")
    lines.append("coe:Participation rdfs:subClassOf coe:Claim .")
    path = tmp_path_factory.mktemp("crowded") / "crowded.ttl"
    path.write_text("\n".join(lines), encoding="utf-8")
    with OxigraphStore.load([path], workers=1) as shared:
        yield shared


def test_incoming_counts_past_the_sample_are_capped_and_say_so(crowded_store):
    web = create_app({"STORE": crowded_store, "TESTING": True}).test_client()
    soup = soup_of(web.get("/doc/vocab/stage/crowded"))
    assert "More than 2,000 statements point here" in soup.select_one("#incoming-sampled").get_text()
    stage = soup.select_one(f'#incoming tr[data-property="{COE.stage}"] .count').get_text()
    assert stage == "(more than 10,000)" and incoming_count(crowded_store, COE.stage, BASE + "vocab/stage/crowded") == 10_050
    body = web.get("/doc/vocab/stage/crowded.json").get_json()
    counted = {r["property"]: (r["count"], r["more"]) for r in body["incoming"]}
    assert counted[str(COE.stage)] == (10_000, True)
    if str(COE.illustrates) in counted:  # found in the first 2,000 statements: counted exactly
        assert counted[str(COE.illustrates)] == (20, False)
    # under the cap, the count is exact (against SPARQL), and no longer "more than"
    build = soup_of(web.get("/doc/build/b"))
    assert build.select_one("#incoming-sampled") is not None
    assert build.select_one(f'#incoming tr[data-property="{PROV_GENERATED}"] .count').get_text() == "(2,100)"
    assert incoming_count(crowded_store, URIRef(PROV_GENERATED), ID + "build/b") == 2_100
    # a resource under the sample is counted in full, without the note
    assert soup_of(web.get("/doc/participation/c1")).select_one("#incoming-sampled") is None


PROV_GENERATED = "http://www.w3.org/ns/prov#wasGeneratedBy"


def test_the_build_page_lists_what_it_generated_but_no_claims_and_a_source_page_its_claims(real_store, web):
    """Every claim was generated by the build, which makes none of them a claim about the
    build: its page counts what it generated and lists no claims; a source lists the claims
    that rest on it."""
    build, = first_of(real_store, "Build")
    body = web.get(doc_path(build) + ".json").get_json()
    generated = {r["property"]: r["count"] for r in body["incoming"]}[PROV_GENERATED]
    claims = select(real_store, "SELECT ?c WHERE { ?c <http://www.w3.org/ns/prov#wasGeneratedBy> ?b ; a ?k . "
                                "?k <http://www.w3.org/2000/01/rdf-schema#subClassOf> <%s> }" % COE.Claim, b=URIRef(build))
    assert generated > len(claims) > 0 and body["claims"] == []
    source = str(select(real_store, "SELECT ?s WHERE { ?c <http://www.w3.org/ns/prov#wasDerivedFrom> ?s ; a <%s> } LIMIT 1"
                        % COE.Participation)[0]["s"])
    listed = [c for group in web.get(doc_path(source) + ".json").get_json()["claims"] for c in group["claims"]]
    assert listed


class RecordingStore:
    """The app's store, noting the text of every query asked of it."""

    def __init__(self, inner):
        self.inner, self.asked = inner, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def query(self, sparql, **options):
        self.asked.append(sparql)
        return self.inner.query(sparql, **options)


WHOLE_DATASET = ("class_counts", "property_counts", "dataset_graphs", "ontology_terms", "term_labels")


def whole_dataset_queries_asked(app, paths) -> set[str]:
    from coevidence.server.backend import STORE
    from coevidence.server.queries import load_query

    recording = app.extensions[STORE] = RecordingStore(app.extensions[STORE])
    client = app.test_client()
    for path in paths:
        assert client.get(path, headers={"Accept": "text/html"}).status_code == 200, path
    return {name for name in WHOLE_DATASET if load_query(name) in recording.asked}


def test_whole_dataset_figures_warmed_at_start_are_not_computed_for_a_visitor(real_store):
    import threading
    from coevidence.server.linkeddata import counts, warm

    paths = ["/ontology", "/.well-known/void", "/sitemap.xml"]
    cold = create_app({"STORE": real_store, "TESTING": True, "RESULT_CACHE_BYTES": 0})
    assert whole_dataset_queries_asked(cold, paths) >= {"class_counts", "property_counts", "dataset_graphs"}
    assert warm.start(create_app({"STORE": real_store, "TESTING": True, "WARM_AT_START": False})) is None

    app = create_app({"STORE": real_store, "TESTING": True, "RESULT_CACHE_BYTES": 0})
    thread = warm.start(app)
    try:
        done = threading.Event()
        for _ in range(600):  # until the thread has computed the counts (it logs how long it took)
            if app.extensions.get(counts._CACHE) is not None and app.extensions.get("coevidence.linkeddata.ontology.models"):
                done.set()
                break
            done.wait(0.1)
        assert done.is_set(), "the background thread computed nothing"
        assert whole_dataset_queries_asked(app, paths) == set()
    finally:
        app.extensions[warm.STOP].set()
        thread.join(30)
    assert not thread.is_alive()


def test_after_the_warm_up_a_first_pilot_document_parses_no_query_and_compiles_no_template(real_store, monkeypatch):
    """The policy scan parses a page query holding a word such as ?from with rdflib (50 ms
    each) and Jinja compiles each template on first use: the warm-up does both once per
    process, so the first visitor of a pilot's page waits for neither."""
    from coevidence.server.linkeddata import warm
    from coevidence.server.sparql import second_look

    app = create_app({"STORE": real_store, "TESTING": True})
    warm.warm(app)

    def refuse(*args, **kwargs):
        raise AssertionError("parsed or compiled for a visitor")

    monkeypatch.setattr(second_look, "parse", refuse)
    monkeypatch.setattr(app.jinja_env, "compile", refuse)
    for path in ("/doc/pilot/fi-youth-co-empowerment", "/pilots/ee-voru-disability", "/compare", "/doc/organisation/helpific"):
        assert app.test_client().get(path, headers={"Accept": "text/html"}).status_code == 200, path
