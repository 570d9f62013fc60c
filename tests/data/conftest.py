"""Fixtures for the data tests: the committed CoSIE graph, a pyoxigraph store of it, the sources."""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph

from coevidence.data import COSIE_SOURCES, COSIE_TTL
from coevidence.ontology import ID, ONTOLOGY_FILE, VOCABULARIES_FILE

DATA_README = COSIE_TTL.parent / "README.md"


@pytest.fixture(scope="session")
def cosie_graph() -> Graph:
    """The committed graph, parsed once. Tests read it and never change it."""
    return Graph().parse(COSIE_TTL, format="turtle")


@pytest.fixture(scope="session")
def store() -> pyoxigraph.Store:
    """An in-memory Oxigraph store with the data, the ontology and the vocabularies."""
    store = pyoxigraph.Store()
    for path in (COSIE_TTL, ONTOLOGY_FILE, VOCABULARIES_FILE):
        store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
    return store


def read_table(table: str, folder: Path = COSIE_SOURCES) -> list[dict[str, str]]:
    with open(folder / f"{table}.csv", encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def key(term: pyoxigraph.NamedNode | None) -> str | None:
    """The key of a data IRI (``pilot/uk-my-direction`` -> ``uk-my-direction``)."""
    if term is None:
        return None
    text = term.value
    assert text.startswith(str(ID)), text
    return text.rsplit("/", 1)[1]


def value(term) -> str | None:
    return None if term is None else term.value


def select(store: pyoxigraph.Store, sparql: str) -> list[dict[str, object]]:
    """Run a SELECT and return its rows as dicts of variable name -> term (None when unbound)."""
    result = store.query(sparql)
    names = [variable.value for variable in result.variables]
    return [{name: solution[name] for name in names} for solution in result]
