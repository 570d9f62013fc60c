"""The query worker: a process that opens the on-disk store read-only and runs queries.

Queries run here, not in the web server, because pyoxigraph cannot stop a query once it has
started: a query past its deadline gets its whole worker killed (see
:class:`coevidence.server.stores.oxigraph.WorkerPool`). Messages on the pipe are small
tuples of strings, so pickling them costs little:

request  ``(sparql, substitutions, default_graphs, named_graphs, union, max_rows)``
         (``substitutions`` a tuple of ``(name, term)``; the graph lists ``None`` when the
         protocol did not give them)
response ``("bindings", names, rows, truncated)`` / ``("boolean", value)`` /
         ``("graph", triples, truncated)`` / ``("syntax", message)`` (the query does not parse) /
         ``("invalid", message)`` (it cannot be evaluated) / ``("failed", message)`` (I/O)

A term is a tuple: ``(IRI, value)``, ``(BNODE, label)``, ``(STRING, lexical)``,
``(LANG, lexical, tag)``, ``(TYPED, lexical, datatype)`` or ``(TRIPLE, s, p, o)``.
"""

from __future__ import annotations

import os
from multiprocessing.connection import Connection

import pyoxigraph as ox

IRI, BNODE, STRING, LANG, TYPED, TRIPLE = range(6)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def encode(term) -> tuple:
    """A pyoxigraph term as a plain tuple."""
    if type(term) is ox.NamedNode:
        return (IRI, term.value)
    if type(term) is ox.Literal:
        if term.language:
            return (LANG, term.value, term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return (STRING, term.value)
        return (TYPED, term.value, datatype)
    if type(term) is ox.BlankNode:
        return (BNODE, term.value)
    return (TRIPLE, encode(term.subject), encode(term.predicate), encode(term.object))


def decode(term: tuple):
    """A plain tuple as a pyoxigraph term (for substitutions)."""
    kind = term[0]
    if kind == IRI:
        return ox.NamedNode(term[1])
    if kind == BNODE:
        return ox.BlankNode(term[1])
    if kind == STRING:
        return ox.Literal(term[1])
    if kind == LANG:
        return ox.Literal(term[1], language=term[2])
    if kind == TYPED:
        return ox.Literal(term[1], datatype=ox.NamedNode(term[2]))
    return ox.Triple(decode(term[1]), decode(term[2]), decode(term[3]))


def run(store: ox.Store, request: tuple) -> tuple:
    """Run one request on *store* and build the response message."""
    sparql, substitutions, default_graphs, named_graphs, union, max_rows = request
    options: dict = {}
    if default_graphs is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    if named_graphs is not None:
        options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    if union:
        options["use_default_graph_as_union"] = True
    if substitutions:
        options["substitutions"] = {ox.Variable(name): decode(t) for name, t in substitutions}
    try:
        result = store.query(sparql, **options)
        if isinstance(result, ox.QueryBoolean):
            return ("boolean", bool(result))
        if isinstance(result, ox.QuerySolutions):
            names = [variable.value for variable in result.variables]
            rows = []
            for solution in result:
                if len(rows) == max_rows:
                    return ("bindings", names, rows, True)
                rows.append(tuple(None if t is None else encode(t) for t in solution))
            return ("bindings", names, rows, False)
        triples = []
        for triple in result:
            if len(triples) == max_rows:
                return ("graph", triples, True)
            triples.append((encode(triple.subject), encode(triple.predicate), encode(triple.object)))
        return ("graph", triples, False)
    except SyntaxError as error:
        return ("syntax", str(error))
    except (RuntimeError, ValueError, TypeError) as error:
        return ("invalid", str(error))
    except OSError as error:
        return ("failed", str(error))


def serve(conn: Connection, store_path: str) -> None:
    """The worker process: open the store, say ready, then answer requests until told to stop."""
    try:
        store = ox.Store.read_only(store_path)
    except OSError as error:
        conn.send(("failed", f"cannot open the store {store_path}: {error}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        conn.send(run(store, request))
