"""The catalogue of research questions: each file is well formed, runs on Oxigraph, and
answers as the research notes say it should."""

from __future__ import annotations

import re

import pyoxigraph
import pytest

from coevidence.data import NamedQuery, QuestionFileError, question, questions
from coevidence.data.research_questions import parse_question
from coevidence.ontology import PREFIXES

from .conftest import key, select, value

QUESTIONS = questions()


def ask(store, name: str) -> list[dict]:
    return select(store, question(name).sparql)


def labels(rows, column: str) -> set[str]:
    return {value(row[column]) for row in rows if row[column] is not None}


# -- the catalogue -----------------------------------------------------------------


def test_catalogue_has_at_least_fifteen_questions_sorted_by_name():
    assert len(QUESTIONS) >= 15
    names = [q.name for q in QUESTIONS]
    assert names == sorted(names) and len(set(names)) == len(names)
    assert all(isinstance(q, NamedQuery) for q in QUESTIONS)


@pytest.mark.parametrize("query", QUESTIONS, ids=lambda q: q.name)
def test_each_question_has_a_one_line_title_and_description(query):
    assert query.title and "\n" not in query.title and len(query.title) <= 100
    assert query.description and "\n" not in query.description
    assert query.sparql.startswith("# title: ")


@pytest.mark.parametrize("query", QUESTIONS, ids=lambda q: q.name)
def test_each_question_declares_the_project_prefixes_and_only_those(query):
    declared = dict(re.findall(r"^PREFIX\s+([A-Za-z][\w-]*):\s*<([^>]+)>", query.sparql, flags=re.M))
    assert declared, "no PREFIX declared"
    for prefix, iri in declared.items():
        assert PREFIXES.get(prefix) == iri, f"PREFIX {prefix}: <{iri}> is not the project's"


@pytest.mark.parametrize("query", QUESTIONS, ids=lambda q: q.name)
def test_each_question_runs_on_oxigraph_and_finds_something(store, query):
    rows = select(store, query.sparql)
    assert rows, f"{query.name} returned nothing"


def test_a_question_file_without_a_title_is_refused():
    with pytest.raises(QuestionFileError, match=r"questions/untitled\.rq: .*# title"):
        parse_question("untitled", "# description: something\nSELECT * WHERE { ?s ?p ?o }\n")


def test_a_question_file_with_a_bad_name_is_refused():
    with pytest.raises(QuestionFileError, match="lower-case"):
        parse_question("Bad-Name", "# title: t\n# description: d\nASK {}\n")


def test_an_unknown_question_names_the_known_ones():
    with pytest.raises(KeyError, match="pilot_overview"):
        question("no_such_question")


def test_a_question_with_a_syntax_error_is_caught_by_oxigraph(store):
    broken = parse_question("broken", "# title: t\n# description: d\nSELECT ?x WHERE { ?x \n")
    with pytest.raises(SyntaxError):
        store.query(broken.sparql)


# -- the answers, checked against the research notes ----------------------------------


def test_resources_citizens_brought_in_co_design(store):
    rows = ask(store, "resources_citizens_brought_in_co_design")
    found = {(key(r["pilot"]), value(r["resourceLabel"])) for r in rows}
    # cosie-pilots.md: parents' experience (IT), user voices (SE), residents' ideas (Nieuwegein),
    # users' own strengths (UK), seniors' ideas (PL), participants' voice in design (ES)
    assert found == {
        ("it-childhood-obesity", "lived experience"),
        ("se-personal-assistance", "voice and feedback"),
        ("nl-nieuwegein-living-environment", "idea"),
        ("uk-my-direction", "lived experience"),
        ("pl-senior-co-housing", "idea"),
        ("es-co-crea-te", "voice and feedback"),
    }
    assert all(value(r["sources"]) for r in rows)
    assert "Paediatricians" not in labels(rows, "providerLabel")  # professionals are not citizens


def test_community_reporting_pilots_and_results(store):
    rows = ask(store, "community_reporting_pilots_and_results")
    pilots = {key(r["pilot"]) for r in rows}
    # Community Reporter videos (HU), CR as insight tool (IT), CR of rural life (EE), CR (ES),
    # Peer Community Reporters (FI), 31 Community Reporter stories (Houten)
    assert pilots == {"hu-household-economy", "it-childhood-obesity", "ee-voru-disability", "es-co-crea-te", "fi-youth-co-empowerment", "nl-houten-work-and-income"}
    houten = {key(r["outcome"]) for r in rows if key(r["pilot"]) == "nl-houten-work-and-income"}
    assert "houten-out-new-narrative" in houten  # the municipality's "new narrative"
    uses = {key(r["pilot"]): value(r["use"]) for r in rows}
    assert "22 interviews" in uses["fi-youth-co-empowerment"]


def test_hindering_factors_recurring_across_countries(store):
    rows = ask(store, "hindering_factors_recurring_across_countries")
    by_category = {value(r["categoryLabel"]): set(value(r["countryNames"]).split("; ")) for r in rows}
    # centralisation (HU), bureaucracy (PL), wider system change (UK)
    assert {"Hungary", "Poland", "United Kingdom"} <= by_category["governance and bureaucracy"]
    # professional dominance (SE), officials doubting youth (FI)
    assert by_category["professional roles"] == {"Sweden", "Finland"}
    # politicians' short-termism across pilots, and the UK policy upheaval
    assert len(by_category["politics and policy"]) == 9
    assert all(int(value(r["countries"])) > 1 for r in rows)
    assert "citizen expectations" not in by_category  # only Nieuwegein (Netherlands)


def test_outcomes_resting_on_independent_evidence(store):
    rows = ask(store, "outcomes_resting_on_independent_evidence")
    found = {key(r["outcome"]): (value(r["directionLabel"]), value(r["evidenceLabel"])) for r in rows}
    assert found == {
        "uk-out-reoffending": ("no significant change", "quasi-experiment"),  # REHAB, MOOC-EVAL
        "uk-out-co-production": ("positive", "qualitative evaluation"),
        "fi-out-itla-award": ("positive", "external recognition"),  # won the Itla challenge
    }
    reoffending = next(r for r in rows if key(r["outcome"]) == "uk-out-reoffending")
    assert set(value(reoffending["sources"]).split("; ")) == {"REHAB", "MOOC-EVAL"}
    assert "https://discovery.researcher.life/" in value(reoffending["sourcePages"])


def test_hard_to_reach_groups_and_methods(store):
    rows = ask(store, "hard_to_reach_groups_and_methods")
    pilots = {key(r["pilot"]) for r in rows}
    assert pilots == {
        "hu-household-economy", "nl-nieuwegein-living-environment", "uk-my-direction", "ee-voru-disability",
        "es-co-crea-te", "fi-youth-co-empowerment", "nl-houten-work-and-income",
    }
    methods = {key(r["pilot"]): set(value(r["methods"]).split("; ")) for r in rows}
    assert "hackathon" in methods["ee-voru-disability"]
    assert {"door-to-door conversation", "living lab"} <= methods["nl-nieuwegein-living-environment"]
    assert {"community reporting", "hackathon", "machine-learning text analysis"} <= methods["fi-youth-co-empowerment"]


def test_null_and_negative_outcomes(store):
    rows = ask(store, "null_and_negative_outcomes")
    assert [(key(r["outcome"]), value(r["directionLabel"]), value(r["evidenceLabel"]), value(r["outcomeTypeLabel"])) for r in rows] == [
        ("uk-out-reoffending", "no significant change", "quasi-experiment", "reoffending")
    ]


def test_citizen_roles_by_stage(store):
    rows = ask(store, "citizen_roles_by_stage")
    found = {(key(r["group"]), value(r["roleLabel"]), value(r["stageLabel"])) for r in rows}
    assert ("nieuwegein-residents", "initiator", "co-initiation") in found  # door-to-door talks
    assert ("nieuwegein-residents", "co-designer", "co-design") in found
    assert ("fi-youth", "initiator", "co-initiation") in found  # challenges from youth stories
    assert ("uk-service-users", "co-implementer", "co-implementation") in found  # co-delivery
    assert ("hu-families", "co-implementer", "co-implementation") in found  # production Feb-Sep 2019
    assert ("pl-seniors", "co-designer", "co-design") in found  # Design Thinking workshops
    assert not {g for g, _, _ in found} & {"it-paediatricians", "uk-case-managers"}


def test_methods_by_stage(store):
    rows = ask(store, "methods_by_stage")
    found = {(value(r["stageLabel"]), value(r["methodLabel"])): int(value(r["pilots"])) for r in rows}
    assert ("co-initiation", "door-to-door conversation") in found  # Nieuwegein
    assert ("co-initiation", "hackathon") in found  # Estonia: hackathons open the pilot
    assert ("co-design", "hackathon") in found  # Finland: challenges solved in hackathons
    assert ("co-design", "design thinking") in found  # Poland
    assert found[("co-design", "co-creation workshop")] == 3  # HU workshops, IT lab, ES events
    assert found[("co-implementation", "mentoring")] == 2  # EE and ES


def test_enabling_factors_by_category(store):
    rows = ask(store, "enabling_factors_by_category")
    factors = {key(r["factor"]): (value(r["categoryLabel"]), set(value(r["pilotNames"]).split("; "))) for r in rows}
    category, pilots = factors["x-fac-mixed-partners"]
    assert category == "partnership"
    assert pilots == {"Reducing Childhood Obesity", "Co-Crea-Te", "Household Economy in Rural Areas", "Disabled People in Remote Areas (Vunki mano!)"}
    category, pilots = factors["x-fac-tailored-outreach"]
    assert category == "outreach" and len(pilots) == 3
    assert factors["se-fac-facilitators"][0] == "facilitation"
    assert factors["es-fac-peer-community"][0] == "peer community"
    assert factors["fi-fac-peer-interviewers"][0] == "outreach"


def test_pilot_overview(store):
    rows = ask(store, "pilot_overview")
    assert len(rows) == 10
    by_pilot = {key(r["pilot"]): r for r in rows}
    assert value(by_pilot["it-childhood-obesity"]["serviceAreaLabel"]) == "public health and prevention"
    assert value(by_pilot["uk-my-direction"]["places"]).split("; ") in (["Hull", "East Riding"], ["East Riding", "Hull"])
    assert by_pilot["uk-my-direction"]["number"] is None
    assert value(by_pilot["pl-senior-co-housing"]["number"]) == "6"
    assert value(by_pilot["se-personal-assistance"]["countryLabel"]) == "Sweden"
    assert len(value(by_pilot["hu-household-economy"]["places"]).split("; ")) == 10


def test_consortium_partners_by_country(store):
    rows = ask(store, "consortium_partners_by_country")
    assert len(rows) == 24
    by_country: dict[str, set[str]] = {}
    for r in rows:
        by_country.setdefault(value(r["countryLabel"]), set()).add(value(r["organisationLabel"]))
    assert len(by_country) == 10
    assert by_country["Greece"] == {"Panteion University"}
    assert by_country["Sweden"] == {"Karlstad University", "Jönköping municipality"}
    coordinators = {value(r["organisationLabel"]) for r in rows if value(r["coordinator"]) == "true"}
    assert coordinators == {"Turku University of Applied Sciences"}


def test_publications_with_identifiers(store):
    rows = ask(store, "publications_with_identifiers")
    identifiers = {value(r["title"]): value(r["identifiers"]) for r in rows}
    assert "isbn:978-952-216-772-9" in identifiers["Where Next for Co-Creating Public Services?"]
    assert "isbn:978-952-216-784-2" in identifiers["A New Agenda for Co-Creating Public Services"]
    assert "TUAS Reports 275" in identifiers["A New Agenda for Co-Creating Public Services"]
    rea = next(t for t in identifiers if t.startswith("Rapid Evidence Appraisal"))
    assert "isbn:978-952-216-703-3" in identifiers[rea]
    assert "Co-creation in Public Services for Innovation and Social Justice" in identifiers


def test_disagreeing_findings(store):
    rows = ask(store, "disagreeing_findings")
    found = {
        (value(r["indicator"]), float(value(r["valueA"])), value(r["sourcesA"]), float(value(r["valueB"])), value(r["sourcesB"])) for r in rows
    }
    assert ("pilots run", 10.0, "MOOC-INFO; NL-HU", 9.0, "BRO; WP") in {(i, a, "; ".join(sorted(sa.split("; "))), b, "; ".join(sorted(sb.split("; ")))) for i, a, sa, b, sb in found}
    assert ("project budget", 5000000.0, "PERU2", 4900000.0, "LASPROV") in found


def test_welfare_regimes_and_administrative_traditions(store):
    rows = ask(store, "welfare_regimes_and_administrative_traditions")
    text = {(value(r["countryLabel"]), value(r["aspectLabel"])): set() for r in rows}
    for r in rows:
        text[(value(r["countryLabel"]), value(r["aspectLabel"]))].add(value(r["description"]))
    assert any("social-democratic" in t for t in text[("Sweden", "welfare regime")])
    assert any("liberal" in t for t in text[("United Kingdom", "welfare regime")])
    assert any("Napoleonic" in t for t in text[("Italy", "administrative tradition")])
    assert any("Germanic" in t for t in text[("Netherlands", "administrative tradition")])
    sources = {value(r["sources"]) for r in rows if value(r["countryLabel"]) == "Poland" and value(r["aspectLabel"]) == "welfare regime"}
    assert sources == {"FENGER", "M-PL2"}  # two readings, each with its source


def test_laws_and_reforms_framing_pilots(store):
    rows = ask(store, "laws_and_reforms_framing_pilots")
    framing = {(key(r["pilot"]), value(r["policyLabel"])): value(r["date"]) for r in rows}
    assert framing[("se-personal-assistance", "LSS and LASS")] == "1994-01-01"
    assert ("uk-my-direction", "Transforming Rehabilitation") in framing
    assert framing[("uk-my-direction", "Offender Rehabilitation Act 2014")] == "2014"
    assert framing[("fi-youth-co-empowerment", "Youth Guarantee")] == "2013"
    assert framing[("ee-voru-disability", "Administrative Reform Act")] == "2016-06"


def test_big_ideas_illustrated(store):
    rows = ask(store, "big_ideas_illustrated")
    pilots = {value(r["ideaLabel"]): set(value(r["pilotNames"]).split("; ")) for r in rows}
    assert {"My Direction", "Household Economy in Rural Areas"} <= pilots["strengths- or asset-based approaches"]
    assert {"Co-Crea-Te", "Disabled People in Remote Areas (Vunki mano!)"} <= pilots["scaling up"]
    assert pilots["options for evaluating co-creation"] == {"My Direction"}  # quasi-experiments: UK only
    assert "Social Services for Disabled People" in pilots["the role of professionals"]


def test_outcomes_by_impact_level(store):
    rows = ask(store, "outcomes_by_impact_level")
    macro = {value(r["pilotLabel"]) for r in rows if value(r["levelLabel"]) == "macro level"}
    # HU funding rules reward co-creation; EE hackathons spread; FI nationwide uptake
    assert macro == {"Household Economy in Rural Areas", "Disabled People in Remote Areas (Vunki mano!)", "Youth Co-empowerment"}
    assert {value(r["levelLabel"]) for r in rows} == {"micro level", "meso level", "macro level"}


def test_claims_with_low_or_medium_confidence(store):
    rows = ask(store, "claims_with_low_or_medium_confidence")
    by_claim = {key(r["claim"]): value(r["confidenceLabel"]) for r in rows}
    assert by_claim["nieuwegein-out-litter-experiment"] == "low"  # "monitoring data not found"
    assert by_claim["fi-out-nationwide-uptake"] == "medium"  # CORDIS only
    assert by_claim["cosie-find-consortium-size"] == "medium"  # the 24-partner list
    assert "uk-out-reoffending" not in by_claim


def test_quoted_passages_behind_outcomes(store):
    rows = ask(store, "quoted_passages_behind_outcomes")
    quotes = {key(r["outcome"]): (value(r["quote"]), value(r["sourceKey"])) for r in rows}
    assert quotes["hu-out-activated-resources"] == ("activated their resources", "MOOC-HU")
    assert quotes["nieuwegein-out-litter-experiment"] == ("Experiment seems successful", "NYPELS")
    assert quotes["houten-out-blockchain"] == ("extremely promising", "MOOC-NL-R")
    pages = {value(r["page"]) for r in rows if key(r["outcome"]) == "hu-out-activated-resources"}
    assert pages == {"https://sola.kau.se/cosie/pilot-1-household-economy-in-rural-areas-hungary/"}


def test_technology_in_the_pilots(store):
    rows = ask(store, "technology_in_the_pilots")
    found = {(value(r["pilotLabel"]), value(r["kind"]), value(r["what"])) for r in rows}
    assert ("Youth Co-empowerment", "digital method used", "social media analytics") in found
    assert ("Youth Co-empowerment", "digital method used", "machine-learning text analysis") in found
    assert ("Household Economy in Rural Areas", "digital method used", "online community") in found  # CoSIE Club
    assert ("Reducing Childhood Obesity", "digital tool produced", "digital tool") in found  # BeBa
    assert ("Co-housing of Seniors (ProPoLab)", "technology factor", "hindering") in found  # social media
    assert ("Disabled People in Remote Areas (Vunki mano!)", "factor about the role of technology", "the role of technology") in found


def test_people_and_households_counted_by_pilot(store):
    rows = ask(store, "people_and_households_counted_by_pilot")
    found = {(value(r["pilotLabel"]), value(r["indicator"])): (float(value(r["value"])), value(r["approximate"])) for r in rows}
    assert found[("My Direction", "users enrolled")] == (60.0, "false")
    assert found[("Co-Crea-Te", "participants")] == (350.0, "true")  # "350+"
    assert found[("Redesigning Social Services: Work and Income in Houten", "long-term benefit recipients in the target group")] == (140.0, "false")
    assert found[("Household Economy in Rural Areas", "households the pilot aimed to involve")] == (50.0, "true")  # "at least 50"


def test_co_creation_tradition_by_country(store):
    rows = ask(store, "co_creation_tradition_by_country")
    by_country: dict[str, list[str]] = {}
    for r in rows:
        by_country.setdefault(value(r["countryLabel"]), []).append(value(r["description"]))
    assert any("barely recognised" in d for d in by_country["Poland"])
    assert any("look to the state" in d for d in by_country["Netherlands"])  # residents' expectations (HU-NW)
    spain = [r for r in rows if value(r["countryLabel"]) == "Spain"]
    assert [value(r["aspectLabel"]) for r in spain] == ["economic conditions"]
    netherlands_pilots = {p for r in rows if value(r["countryLabel"]) == "Netherlands" for p in value(r["pilots"]).split("; ")}
    assert len(netherlands_pilots) == 2  # Nieuwegein and Houten share one context


def test_exchanges_by_resource_type_and_provider(store):
    rows = ask(store, "exchanges_by_resource_type_and_provider")
    found = {(value(r["resourceLabel"]), value(r["providerKindLabel"])): int(value(r["exchanges"])) for r in rows}
    # IT parents, UK users, FI youth; the notes do not say who told Houten's Community Reporter stories
    assert found[("lived experience", "citizen group")] == 3
    assert found[("mentoring", "professional group")] == 2  # EE and ES mentors
    assert ("time", "informal network") in found  # UK volunteers
    assert not any(kind == "organisation" and resource == "lived experience" for resource, kind in found)


def test_the_data_readme_lists_every_question_with_its_title():
    from .conftest import DATA_README

    listed = dict(re.findall(r"^\| `([a-z0-9_]+)` \| (.+?) \|$", DATA_README.read_text(encoding="utf-8"), flags=re.M))
    assert listed == {q.name: q.title for q in QUESTIONS}
