"""What a public endpoint refuses to run, decided before any engine sees the query.

The endpoint is read-only and never reaches outside its own dataset:

- updates (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ``CREATE``, ``DROP``, ``COPY``,
  ``MOVE``, ``ADD``, ``WITH``, ``USING``) are refused;
- ``SERVICE`` (federated query) and Virtuoso's ``DEFINE`` pragmas and ``bif:`` / ``sql:``
  functions are refused, because each can make the engine fetch a URL; so is any function
  called by IRI other than the XSD casts (Virtuoso runs unknown IRIs as SQL procedures);
- ``FROM`` / ``FROM NAMED`` and the protocol's ``default-graph-uri`` / ``named-graph-uri``
  may only name graphs of the dataset.

Every refusal is a :class:`~coevidence.server.stores.QueryRejected` whose message names the
keyword and where it is, for the person who wrote the query.

A query holding a risky word or a function call that neither the scan nor rdflib's parser
could place (see :mod:`.second_look`) is refused too; one that rdflib was asked to read in
full and could not parse is a :class:`~coevidence.server.stores.QuerySyntaxError`. Behind all this, the embedded store's query workers have no
network at all (:mod:`.stores.isolation`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from coevidence.server.sparql.scan import NESTING_CEILING, OPERATORS_PER_LEVEL, QueryScan, UPDATE_KEYWORDS
from coevidence.server.stores import QueryRejected, QuerySyntaxError, QueryTooComplex

SEE_GRAPHS = "the graphs of this dataset are listed in the service description (GET /sparql)"


def check_keywords(scan: QueryScan) -> None:
    """Refuse updates, federated queries, engine pragmas, and vendor or custom functions."""
    for keyword in scan.forbidden:
        where = f"{keyword.word} ({keyword.position})"
        if keyword.word == "SERVICE":
            raise QueryRejected(
                f"{where} is not allowed: this endpoint does not run federated queries, "
                "so it never fetches other URLs."
            )
        if keyword.word == "DEFINE":
            raise QueryRejected(f"{where} is not allowed: engine pragmas are not accepted.")
        if keyword.word in UPDATE_KEYWORDS:
            raise QueryRejected(
                f"{where} is not allowed: this endpoint is read-only and runs queries only "
                "(SELECT, ASK, CONSTRUCT, DESCRIBE)."
            )
    for function in scan.vendor_functions:
        raise QueryRejected(
            f"{function.word} ({function.position}) is not allowed: this endpoint calls SPARQL's "
            "own functions and the XSD casts (xsd:integer(...)...), no vendor or custom function."
        )


def check_nesting(scan: QueryScan, max_nesting: int = NESTING_CEILING) -> None:
    """Refuse a query nested deeper than *max_nesting* (brackets inside brackets, runs and
    chains of operators; see :mod:`.scan`): parsers recurse on it, and overflow."""
    if scan.nesting > max_nesting:
        raise QueryTooComplex(
            f"the query nests {scan.nesting} levels deep ({scan.deepest}); this endpoint accepts at "
            f"most {max_nesting} (each bracket, ( ), {{ }} or [ ], inside another is a level, and so is "
            f"each operator of a run such as !!!x, and every {OPERATORS_PER_LEVEL} operators of one "
            "chain such as 1+1+1): write it flatter, for instance with IN (...) or VALUES"
        )


def check_verifiable(scan: QueryScan) -> None:
    """Refuse a query that holds a risky word or a function call that could not be checked,
    and (as a syntax error) one the second look had to read in full and could not parse.
    A query nested past what the second look reads is refused for its depth."""
    check_nesting(scan)
    if scan.syntax_error and not scan.unverified:
        raise QuerySyntaxError(scan.syntax_error)
    if scan.unverified:
        raise QueryRejected(
            f"{scan.unverified}. This endpoint runs only queries it can check for SERVICE, "
            "remote FROM and functions other than SPARQL's own; check the query's syntax."
        )


def check_dataset(
    scan: QueryScan,
    graphs: Collection[str],
    default_graph_uris: Iterable[str] = (),
    named_graph_uris: Iterable[str] = (),
) -> None:
    """Refuse any FROM, FROM NAMED or dataset parameter naming a graph outside *graphs*."""
    for name, uris in (("default-graph-uri", default_graph_uris), ("named-graph-uri", named_graph_uris)):
        for uri in uris:
            if uri not in graphs:
                raise QueryRejected(f"{name} <{uri}> is not a graph of this dataset; {SEE_GRAPHS}.")
    for clause in scan.dataset:
        if not clause.written:
            continue  # FROM followed by no IRI: a syntax error, for the parser to report
        where = f"{clause.keyword} {clause.written} ({clause.position})"
        if clause.iri is None:
            raise QueryRejected(
                f"{where} cannot be resolved to an absolute IRI (unknown prefix or relative IRI)."
            )
        if clause.iri not in graphs:
            if clause.written != f"<{clause.iri}>":
                where += f", that is <{clause.iri}>,"
            raise QueryRejected(f"{where} names a graph that is not in this dataset; {SEE_GRAPHS}.")


def check(
    scan: QueryScan,
    graphs: Collection[str],
    default_graph_uris: Iterable[str] = (),
    named_graph_uris: Iterable[str] = (),
    max_nesting: int = NESTING_CEILING,
) -> None:
    """Apply the whole policy (see the module docstring); raise QueryRejected on the first
    breach, QueryTooComplex for a query nested deeper than *max_nesting*."""
    check_nesting(scan, max_nesting)
    check_keywords(scan)
    check_dataset(scan, graphs, default_graph_uris, named_graph_uris)
    check_verifiable(scan)
