"""The catalogue's questions and the pages' named queries keep the one shape rule that keeps
them fast on the embedded store at a thousand pilots.

pyoxigraph 0.5 evaluates ``{ A OPTIONAL { B } C }`` by running the optional part again for
every solution of ``C`` joined in afterwards: a label looked up after an OPTIONAL took the
question ``people_taking_part_by_group_and_stage`` from 14 ms to 29 s at 100 synthetic pilots
(``coevidence bench questions`` measures every question). With the required patterns first
and the OPTIONALs last in each group the answer is the same (the tests of each question and
``bench questions`` compare them) and the time stays proportional to it. So: in a group, no
triple pattern, sub-group, UNION, VALUES, GRAPH or sub-select after an OPTIONAL. FILTER,
BIND and further OPTIONALs may follow (a BIND that reads an optional variable must).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from pyparsing import ParseResults
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue

#: parts of a group that join what comes before them (FILTER and BIND do not: they only test
#: or extend each solution; another OPTIONAL is a left join of its own)
JOINED = {"TriplesBlock", "GroupOrUnionGraphPattern", "InlineData", "SubSelect", "GraphGraphPattern", "MinusGraphPattern"}


def joined_after_optional(sparql: str) -> list[str]:
    """The parts of *sparql*'s groups that are joined after an OPTIONAL of the same group."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, CompValue):
            if node.name == "GroupGraphPatternSub":
                optional_seen = False
                for part in node.get("part", []):
                    name = getattr(part, "name", None)
                    if name == "OptionalGraphPattern":
                        optional_seen = True
                    elif optional_seen and name in JOINED:
                        found.append(name)
            for child in node.values():
                walk(child)
        elif isinstance(node, (list, ParseResults)):
            for child in node:
                walk(child)

    walk(parseQuery(sparql))
    return found


def _files(package: str, folder: str) -> list[Path]:
    return sorted(Path(str(resources.files(package).joinpath(folder))).glob("*.rq"))


QUERY_FILES = _files("coevidence.data", "questions") + _files("coevidence.server", "queries")


def test_there_are_queries_to_check():
    names = {path.parent.name for path in QUERY_FILES}
    assert names == {"questions", "queries"} and len(QUERY_FILES) > 60


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_no_pattern_is_joined_after_an_optional(path):
    assert joined_after_optional(path.read_text(encoding="utf-8")) == [], (
        f"{path}: move the required patterns above the OPTIONALs of their group"
    )


@pytest.mark.parametrize("sparql, expected", [
    ("SELECT * { ?a ?b ?c OPTIONAL { ?a ?d ?e } ?a ?f ?g }", ["TriplesBlock"]),
    ("SELECT * { ?a ?b ?c OPTIONAL { ?a ?d ?e } { ?a ?f ?g } UNION { ?a ?h ?g } }", ["GroupOrUnionGraphPattern"]),
    ("SELECT * { ?a ?b ?c OPTIONAL { ?a ?d ?e } VALUES ?a { <x:y> } }", ["InlineData"]),
    ("SELECT * { { ?a ?b ?c OPTIONAL { ?a ?d ?e } ?a ?f ?g } }", ["TriplesBlock"]),
    ("SELECT * { ?a ?b ?c OPTIONAL { ?a ?d ?e } OPTIONAL { ?a ?f ?g } FILTER(BOUND(?e)) BIND(1 AS ?one) }", []),
    ("SELECT * { ?a ?b ?c ; ?f ?g OPTIONAL { ?a ?d ?e . ?e ?h ?i } }", []),
])
def test_the_check_finds_a_join_after_an_optional_at_any_depth(sparql, expected):
    assert joined_after_optional(sparql) == expected
