"""Rows of a SELECT as SPARQL JSON binding objects, for code that reads many of them.

``{"type": "uri" | "literal" | "bnode", "value": ..., "xml:lang"?: ..., "datatype"?: ...}``
per bound variable, as the SPARQL 1.1 JSON results format writes them. Where the store can
write JSON itself (``accept``), it does, which saves building rdflib terms for hundreds of
thousands of rows only to read their text; otherwise the terms are turned into the same shape.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping

import orjson
from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier

from coevidence.server.stores import Store

JSON_RESULTS = "application/sparql-results+json"


def _binding(term: Identifier) -> dict:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    found = {"type": "literal", "value": str(term)}
    if isinstance(term, Literal) and term.language:
        found["xml:lang"] = term.language
    elif isinstance(term, Literal) and term.datatype:
        found["datatype"] = str(term.datatype)
    return found


def select_rows(store: Store, sparql: str, *, bindings: Mapping[str, Identifier] | None = None,
                timeout: float, max_rows: int) -> list[dict[str, dict]]:
    """Every row of *sparql* on *store*, as SPARQL JSON binding objects."""
    options = {"accept": (JSON_RESULTS,)} if "accept" in inspect.signature(store.query).parameters else {}
    result = store.query(sparql, bindings=bindings, timeout=timeout, max_rows=max_rows, **options)
    if JSON_RESULTS in result.encoded:
        return orjson.loads(result.encoded[JSON_RESULTS])["results"]["bindings"]
    return [{str(name): _binding(value) for name, value in row.items()} for row in result.rows]


def select_values(store: Store, sparql: str, **options) -> list[dict[str, str]]:
    """Every row of *sparql* on *store*, each value as its text (an IRI, a literal's lexical form)."""
    return [{name: value["value"] for name, value in row.items()} for row in select_rows(store, sparql, **options)]
