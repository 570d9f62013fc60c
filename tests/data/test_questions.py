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
    # the Italian pilot is not among them: its notes give no stage names (cosie-pilots.md, pilot 2)
    assert found == {
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
    assert by_category["governance and bureaucracy"] == {"Hungary", "Poland", "United Kingdom"}
    # professional dominance (SE), officials doubting youth (FI)
    assert by_category["professional roles"] == {"Sweden", "Finland"}
    # culture takes time (SE), top-down design (EE), power tension (ES), fragmented services (FI)
    assert by_category["organisational culture"] == {"Sweden", "Estonia", "Spain", "Finland"}
    # politicians' short-termism is stated for the project as a whole, and the UK upheaval is one country
    assert "politics and policy" not in by_category
    assert list(by_category)[0] == "organisational culture"
    assert all(int(value(r["countries"])) > 1 for r in rows)
    assert "citizen expectations" not in by_category  # only Nieuwegein (Netherlands)


def test_outcomes_resting_on_independent_evidence(store):
    rows = ask(store, "outcomes_resting_on_independent_evidence")
    found = {key(r["outcome"]): (value(r["directionLabel"]), value(r["evidenceLabel"])) for r in rows}
    # the UK evaluation (quasi-experiment, qualitative work) was by MMU, a consortium partner: not independent
    assert found == {
        "fi-out-itla-award": ("positive", "external recognition"),  # won Itla's challenge competition (ITLA)
        "ee-out-hackathon-spread": ("positive", "self-reported by the pilot"),  # Tartu County's own page (TARTU)
    }
    itla = next(r for r in rows if key(r["outcome"]) == "fi-out-itla-award")
    assert value(itla["sources"]) == "ITLA"
    assert "https://cosie.turkuamk.fi/info/engagement-training" in value(itla["sourcePages"])


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
    assert {"community reporting", "hackathon"} <= methods["fi-youth-co-empowerment"]
    assert "machine-learning text analysis" not in methods["fi-youth-co-empowerment"]  # its only source (JAL21) has no address


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
    assert found[("co-design", "co-creation workshop")] == 2  # HU workshops, ES events (the Italian lab has no stage in the notes)
    assert found[("co-implementation", "mentoring")] == 2  # EE and ES


def test_enabling_factors_by_category(store):
    rows = ask(store, "enabling_factors_by_category")
    factors = {key(r["factor"]): (value(r["categoryLabel"]), set((value(r["pilotNames"]) or "").split("; ")) - {""}) for r in rows}
    category, pilots = factors["x-fac-mixed-partners"]
    assert category == "partnership"
    assert pilots == {"Reducing Childhood Obesity", "Co-Crea-Te", "Household Economy in Rural Areas", "Disabled People in Remote Areas (Vunki mano!)"}
    category, pilots = factors["x-fac-tailored-outreach"]
    assert category == "outreach" and len(pilots) == 3
    assert factors["se-fac-facilitators"][0] == "facilitation"
    assert factors["es-fac-peer-community"][0] == "peer community"
    assert factors["fi-fac-peer-interviewers"][0] == "outreach"
    # stated for the pilots as a whole (M-CORN, M-CAT): no pilot is named
    scopes = {key(r["factor"]): (value(r["scope"]), int(value(r["pilots"]))) for r in rows}
    assert scopes["x-fac-decision-maker-backing"] == ("the project as a whole", 0)
    assert scopes["x-fac-mixed-partners"] == ("named pilots", 4)


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
    assert sources == {"FENGER", "MOOC-PL"}  # two readings, each with its source (M-PL2 is the same page as MOOC-PL)
    types = {(value(r["countryLabel"]), value(r["types"])) for r in rows if r["types"] is not None and value(r["types"])}
    assert ("Poland", "central and eastern European") in types and ("Poland", "liberal") in types
    assert ("Finland", "Nordic") in types and ("Sweden", "social-democratic") in types


def test_laws_and_reforms_framing_pilots(store):
    rows = ask(store, "laws_and_reforms_framing_pilots")
    framing = {(key(r["pilot"]), value(r["policyLabel"])): (value(r["date"]), value(r["confidenceLabel"]), value(r["sources"])) for r in rows}
    # only the links the pilot notes draw, each with its source
    assert framing == {
        ("hu-household-economy", "Social Land Programme"): (None, "high", "TU-HU"),  # "through the Social Land Programme"
        ("it-childhood-obesity", "BMInforma programme"): (None, "high", "TU-IT"),  # "within the BMInforma programme"
        ("uk-my-direction", "Transforming Rehabilitation"): (None, "high", "MOOC-UK"),  # the reform's end, a barrier
        ("se-personal-assistance", "LSS and LASS"): ("1994-01-01", "low", "TU-SE"),  # "legally stipulated": the data team's reading
    }


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
    # M-MACRO: HU funding rules reward co-creation; EE hackathons spread (Finland's nationwide uptake is
    # CORDIS's claim, which names no level)
    assert macro == {"Household Economy in Rural Areas", "Disabled People in Remote Areas (Vunki mano!)"}
    meso = {value(r["pilotLabel"]) for r in rows if value(r["levelLabel"]) == "meso level"}
    assert meso == {"Social Services for Disabled People", "Youth Co-empowerment"}  # M-MESO: SE managers, FI staff
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
    assert "houten-out-new-narrative" not in quotes  # a bare term ("new narrative") is no passage
    pages = {value(r["page"]) for r in rows if key(r["outcome"]) == "hu-out-activated-resources"}
    assert pages == {"https://sola.kau.se/cosie/pilot-1-household-economy-in-rural-areas-hungary/"}


def test_technology_in_the_pilots(store):
    rows = ask(store, "technology_in_the_pilots")
    found = {(value(r["pilotLabel"]), value(r["kind"]), value(r["what"])) for r in rows}
    assert ("Youth Co-empowerment", "digital method used", "social media analytics") in found
    assert ("Youth Co-empowerment", "digital method used", "machine-learning text analysis") not in found  # JAL21 has no address
    assert ("Household Economy in Rural Areas", "digital method used", "online community") in found  # CoSIE Club
    assert ("Reducing Childhood Obesity", "digital tool produced", "digital tool") in found  # BeBa, an output
    assert ("Redesigning Social Services: Work and Income in Houten", "digital tool produced", "digital tool") in found  # blockchain
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
    # IT parents, UK users, FI youth, EE hackathon participants; the notes do not say who told Houten's stories
    assert found[("lived experience", "citizen group")] == 4
    # the Social Land Programme's training, seeds and chickens (HU) and the UK enabling fund
    assert found[("training", "policy instrument")] == 1
    assert found[("money", "policy instrument")] == 1
    # space (PL, ES) and social-media data (FI), whose giver the notes do not name
    assert found[("space", "giver not named")] == 2
    assert found[("data and information", "giver not named")] == 1
    assert found[("mentoring", "professional group")] == 2  # EE and ES mentors
    assert ("time", "informal network") in found  # UK volunteers
    assert not any(kind == "organisation" and resource == "lived experience" for resource, kind in found)


def test_the_data_readme_lists_every_question_with_its_title():
    from .conftest import DATA_README

    listed = dict(re.findall(r"^\| `([a-z0-9_]+)` \| (.+?) \|$", DATA_README.read_text(encoding="utf-8"), flags=re.M))
    assert listed == {q.name: q.title for q in QUESTIONS}


# -- the comparative questions (format version 2) --------------------------------------


def test_project_level_factors(store):
    rows = ask(store, "project_level_factors")
    found = {key(r["factor"]): (value(r["effectLabel"]), value(r["categoryLabel"])) for r in rows}
    # M-CORN, M-CAT: decision-maker backing and fitting political plans enable; politicians' short-termism hinders
    assert found == {
        "x-fac-decision-maker-backing": ("enabling", "resources and time"),
        "x-fac-political-fit": ("enabling", "politics and policy"),
        "x-fac-political-short-termism": ("hindering", "politics and policy"),
    }


def test_factors_by_outcome_direction(store):
    rows = ask(store, "factors_by_outcome_direction")
    null = {key(r["factor"]) for r in rows if value(r["directionLabel"]) == "no significant change"}
    # the UK pilot, whose reoffending result was null (REHAB): policy upheaval and the need for wider change
    assert null == {"uk-fac-policy-upheaval", "uk-fac-wider-system-change"}
    assert not any(value(r["directionLabel"]) == "negative" for r in rows)  # the notes report no negative outcome
    positive = {key(r["factor"]) for r in rows if value(r["directionLabel"]) == "positive"}
    assert {"se-fac-facilitators", "es-fac-peer-community", "fi-fac-peer-interviewers"} <= positive
    assert not {k for k in positive | null if k.startswith(("x-fac-decision", "x-fac-political"))}  # project level
    assert not any(value(r["linkedOutcomes"]) for r in rows)  # the notes tie no factor to an outcome


def test_pilots_by_welfare_regime_with_factors(store):
    rows = ask(store, "pilots_by_welfare_regime_with_factors")
    pilots = {}
    for r in rows:
        pilots.setdefault(value(r["regimeLabel"]), set()).update(value(r["pilots"]).split("; "))
    assert pilots["southern"] == {"Reducing Childhood Obesity", "Co-Crea-Te"}  # FERRERA: Italy and Spain
    assert pilots["Nordic"] == {"Youth Co-empowerment"}  # KROGER
    assert pilots["social-democratic"] >= {"Social Services for Disabled People"}  # DEBEER
    # Hungary (CERAMI), Poland (FENGER) and Estonia (TOOTS) in the central and eastern European group
    assert pilots["central and eastern European"] == {"Household Economy in Rural Areas", "Co-housing of Seniors (ProPoLab)", "Disabled People in Remote Areas (Vunki mano!)"}
    assert pilots["liberal"] >= {"My Direction", "Co-housing of Seniors (ProPoLab)"}  # DEBEER (UK), MOOC-PL (PL)
    hindering = {value(r["regimeLabel"]): value(r["categories"]) for r in rows if value(r["effectLabel"]) == "hindering"}
    assert "professional roles" in hindering["Nordic"]  # officials doubting youth (FI)


def test_pilots_by_administrative_tradition_with_factors(store):
    rows = ask(store, "pilots_by_administrative_tradition_with_factors")
    pilots = {}
    for r in rows:
        pilots.setdefault(value(r["traditionLabel"]), set()).update(value(r["pilots"]).split("; "))
    assert pilots["Napoleonic"] == {"Reducing Childhood Obesity", "Co-Crea-Te"}  # LOUGHLIN, PETERS21
    assert pilots["Anglo-Saxon"] == {"My Direction"}
    assert pilots["Scandinavian"] == {"Social Services for Disabled People"}
    assert "Redesigning Social Services: Work and Income in Houten" in pilots["Germanic"]
    named = set().union(*pilots.values())
    assert not named & {"Youth Co-empowerment", "Household Economy in Rural Areas"}  # no tradition named for FI, HU


def test_resources_by_provider_type_and_recipient(store):
    rows = ask(store, "resources_by_provider_type_and_recipient")
    found = {key(r["exchange"]): (value(r["providerKind"]), value(r["recipientLabel"])) for r in rows}
    assert found["uk-ex-volunteer-time"] == ("informal network", "People on community sentences or released on licence")
    assert found["es-ex-mentoring"] == ("professional group", "Unemployed people who want to start a business")
    assert found["ee-ex-mentoring"] == ("professional group", "Teams of the Vunki mano! social hackathons")
    assert found["hu-ex-programme-training"] == ("policy instrument", "the pilot as a whole")
    assert found["pl-ex-space"] == ("giver not named", "the pilot as a whole")
    named = [k for k, (_, recipient) in found.items() if recipient != "the pilot as a whole"]
    assert len(named) == 4  # three from the notes, and the families for the programme's seeds and chickens (low)
    goods = next(r for r in rows if key(r["exchange"]) == "hu-ex-programme-goods")
    assert value(goods["confidenceLabel"]) == "low"


def test_participation_level_by_stage_and_pilot(store):
    rows = ask(store, "participation_level_by_stage_and_pilot")
    levels = {(key(r["pilot"]), key(r["group"]), value(r["stageLabel"])): value(r["levelLabel"]) for r in rows}
    assert levels[("nl-nieuwegein-living-environment", "nieuwegein-residents", "co-initiation")] == "consult"  # door-to-door talks
    assert levels[("es-co-crea-te", "es-unemployed", "co-implementation")] == "empower"  # users ran the social media
    assert levels[("uk-my-direction", "uk-service-users", "co-design")] == "collaborate"  # plans co-produced
    assert all(value(r["confidenceLabel"]) == "low" and "inference" in value(r["description"]) for r in rows)
    assert "nl-houten-work-and-income" not in {p for p, _, _ in levels}  # the notes say nothing of how far job seekers took part


def test_outcomes_by_evaluator_independence(store):
    rows = ask(store, "outcomes_by_evaluator_independence")
    found = {(value(r["relationLabel"]), value(r["directionLabel"])): set(value(r["outcomeKeys"]).split("; ")) for r in rows}
    assert found[("consortium partner", "no significant change")] == {"uk-out-reoffending"}  # MMU evaluated the UK pilot
    assert found[("consortium partner", "positive")] == {"uk-out-co-production"}
    assert found[("external", "positive")] == {"fi-out-itla-award", "ee-out-hackathon-spread"}
    assert found[("not known", "positive")] == {"pl-out-meeting-place"}  # MISN: authors not named in the notes


def test_what_came_of_each_method(store):
    rows = ask(store, "what_came_of_each_method")
    found = {(value(r["methodLabel"]), key(r["result"])) for r in rows}
    assert ("community reporting", "fi-op-youth-profiles") in found  # 22 peer interviews, four profiles
    assert ("hackathon", "ee-op-projects") in found  # more than 30 projects
    assert ("training", "fi-out-itla-award") in found  # the Encounter training won the Itla challenge
    assert ("prototyping", "pl-out-meeting-place") in found  # the pop-up prototype
    assert ("prototyping", "it-op-beba-app") in found


def test_where_hindering_factors_came_from(store):
    rows = ask(store, "where_hindering_factors_came_from")
    found = {(key(r["factor"]), value(r["originKind"]), value(r["originLabel"])) for r in rows}
    assert ("uk-fac-policy-upheaval", "law, reform or programme", "Transforming Rehabilitation") in found
    assert ("uk-fac-policy-upheaval", "actor", "Interserve") in found  # went into administration
    assert ("nieuwegein-fac-resident-expectations", "actor", "Residents of the Plantsoen/Nypels blocks") in found
    assert ("fi-fac-peer-interviewers", "method", "community reporting") in found


def test_hard_to_reach_groups_taking_part(store):
    rows = ask(store, "hard_to_reach_groups_taking_part")
    found = {(key(r["group"]), value(r["stageLabel"])) for r in rows}
    assert ("nieuwegein-residents", "co-initiation") in found and ("uk-service-users", "co-design") in found
    assert not {g for g, _ in found} & {"houten-jobseekers", "ee-target-people"}  # named as targets only
    counts = {(key(r["group"]), value(r["stageLabel"])): float(value(r["count"])) for r in rows if r["count"] is not None}
    assert counts == {("nieuwegein-residents", "co-initiation"): 50.0, ("es-unemployed", "co-implementation"): 350.0}


def test_people_taking_part_by_group_and_stage(store):
    rows = ask(store, "people_taking_part_by_group_and_stage")
    found = {(value(r["groupLabel"]), value(r["stageLabel"])): (float(value(r["value"])), value(r["unit"])) for r in rows}
    assert found[("Seniors of the Popowice estate", "co-design")] == (35.0, "people")  # Design Thinking workshops
    assert found[("Residents of the Plantsoen/Nypels blocks", "co-initiation")] == (50.0, "percent of households")
    assert found[("Unemployed people who want to start a business", "co-implementation")] == (350.0, "people")


def test_lasting_outcomes_and_when_observed(store):
    rows = ask(store, "lasting_outcomes_and_when_observed")
    found = {key(r["outcome"]): (value(r["lasting"]), value(r["observedFrom"]), value(r["observedUntil"])) for r in rows}
    assert found["it-out-consulting-committee"][0] == "true"  # "will stay open after the project"
    assert found["ee-out-hackathon-spread"][0] == "true"  # the format continued and spread
    assert found["fi-out-itla-award"][1] == "2020"
    assert found["uk-out-reoffending"][2] == "2020-05"  # evaluated to May 2020
    assert not any(v[0] == "false" for v in found.values())  # the notes report no change that faded


def test_outputs_and_needs_by_pilot(store):
    rows = ask(store, "outputs_and_needs_by_pilot")
    found = {(value(r["kind"]), key(r["claim"])) for r in rows}
    assert ("identified need", "nieuwegein-need-litter") in found  # litter named as top priority
    assert ("identified need", "pl-need-communication") in found  # communication the biggest need
    assert {("output", k) for k in ("it-op-beba-app", "fi-op-youth-profiles", "uk-op-enrolment", "es-op-service-opened")} <= found
    dates = {key(r["claim"]): value(r["date"]) for r in rows if r["date"] is not None}
    assert dates["it-op-beba-app"] == "2022-10-24" and dates["es-op-service-opened"] == "2019-01-11"


def test_partner_sectors_by_pilot(store):
    rows = ask(store, "partner_sectors_by_pilot")
    sectors = {}
    for r in rows:
        sectors.setdefault(value(r["pilotLabel"]), set()).add(value(r["sectorLabel"]))
    # the mixed partners of the Italian pilot (M-CAT): public bodies, a public company, a university, and
    # through the Consulting Committee associations and sports clubs
    assert {"public agency", "publicly owned company", "research organisation", "third-sector organisation"} <= sectors["Reducing Childhood Obesity"]
    assert "not given" in sectors["Improving the Living Environment in Nieuwegein"]  # housing agency, welfare bodies, waste collector
    assert sectors["Social Services for Disabled People"] == {"public agency", "research organisation"}


def test_disagreements_between_sources(store):
    rows = ask(store, "disagreements_between_sources")
    found = {(key(r["claimA"]), value(r["sourcesA"]), key(r["claimB"]), value(r["sourcesB"])) for r in rows}
    # BRO names the Association of Municipalities of Võru County, HELPIFIC the Võru County Development Centre
    assert ("ee-part-voru-development-centre", "HELPIFIC", "ee-part-voru-municipalities", "BRO") in found
    assert ("ee-find-partner-association", "BRO", "ee-find-partner-development-centre", "HELPIFIC") in found
    assert ("cosie-find-budget-4-9m", "LASPROV", "cosie-find-budget-5m", "PERU2") in found
    assert len(rows) == 4
