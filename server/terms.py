"""RDF terms as plain tuples: what crosses the pipe between the server and its query workers.

A term is ``(IRI, value)``, ``(BNODE, label)``, ``(STRING, lexical)`` (a simple literal),
``(LANG, lexical, tag)``, ``(TYPED, lexical, datatype)`` or ``(TRIPLE, s, p, o)`` (an RDF 1.2
triple term); an unbound value is ``None``. Tuples of strings pickle fast, and the result
writers (:mod:`.writers`) work on them directly, so a result need not become rdflib objects
on its way out.
"""

from __future__ import annotations

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier

IRI, BNODE, STRING, LANG, TYPED, TRIPLE = range(6)
#: what every writer says of a triple term: the endpoint answers in SPARQL 1.1 and RDF 1.1
#: formats, none of which holds one, so a result holding one is refused in every format
#: (400 "Query failed"), never half written
TRIPLE_TERM_REFUSED = (
    "the result holds an RDF 1.2 triple term (<<( s p o )>>), which no format of this endpoint "
    "writes (SPARQL 1.1 results and RDF 1.1 syntaxes cannot hold one); select its parts "
    "instead, with SUBJECT(), PREDICATE() and OBJECT()"
)
XSD_STRING = str(XSD.string)


def from_oxigraph(term) -> tuple:
    """A pyoxigraph term as a tuple."""
    import pyoxigraph as ox

    kind = type(term)
    if kind is ox.NamedNode:
        return (IRI, term.value)
    if kind is ox.Literal:
        if term.language:
            return (LANG, term.value, term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return (STRING, term.value)
        return (TYPED, term.value, datatype)
    if kind is ox.BlankNode:
        return (BNODE, term.value)
    return (TRIPLE, from_oxigraph(term.subject), from_oxigraph(term.predicate), from_oxigraph(term.object))


def to_oxigraph(term: tuple):
    """A tuple as a pyoxigraph term."""
    import pyoxigraph as ox

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
    return ox.Triple(to_oxigraph(term[1]), to_oxigraph(term[2]), to_oxigraph(term[3]))


def from_rdflib(term: Identifier | None) -> tuple | None:
    """An rdflib term as a tuple (None stays None)."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return (IRI, str(term))
    if isinstance(term, BNode):
        return (BNODE, str(term))
    if isinstance(term, Literal):
        if term.language:
            return (LANG, str(term), term.language)
        if term.datatype is not None and str(term.datatype) != XSD_STRING:
            return (TYPED, str(term), str(term.datatype))
        return (STRING, str(term))
    raise TypeError(f"not an RDF term: {type(term).__name__}")


class RdflibTerms:
    """Turns tuples into rdflib terms, building each distinct term once."""

    def __init__(self) -> None:
        self._cache: dict[tuple, Identifier] = {}

    def __call__(self, term: tuple) -> Identifier:
        try:
            return self._cache[term]
        except KeyError:
            pass
        kind = term[0]
        if kind == IRI:
            value: Identifier = URIRef(term[1])
        elif kind == STRING:
            value = Literal(term[1])
        elif kind == LANG:
            value = Literal(term[1], lang=term[2])
        elif kind == TYPED:
            value = Literal(term[1], datatype=URIRef(term[2]))
        elif kind == BNODE:
            value = BNode(term[1])
        else:
            raise ValueError(TRIPLE_TERM_REFUSED)
        self._cache[term] = value
        return value
