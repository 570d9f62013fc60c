"""Canonical Turtle in linear time: the bytes rdflib's ``longturtle`` gives, without its cost.

rdflib's ``longturtle`` serializer is what the committed data was written with (it diffs
cleanly: one subject per block, ``a`` first, one predicate a line, object lists one a
line), but it grows quadratically with the graph (12 s at 89,000 triples, 42 s at 176,000).
:func:`write_turtle` writes the same layout from a plain list of triples in one pass over
them, after one sort of the subjects and of each subject's predicates:

* ``PREFIX`` lines for the namespaces the data uses, sorted by prefix;
* subjects ordered as ``longturtle`` orders them: IRIs before blank nodes, then by how often
  the subject is an object elsewhere, then by the subject itself;
* per subject ``rdf:type`` (as ``a``), then ``rdfs:label``, then the other predicates sorted
  by IRI; the objects of one predicate sorted as rdflib sorts terms, one per line when
  there are several;
* terms written as ``longturtle`` writes them (a prefixed name where the namespace is bound
  and the local part allows it, the full IRI otherwise; literals in their shortest form).

For a graph without blank nodes the output is byte for byte that of
``Graph.serialize(format="longturtle")`` (a test checks it). Blank nodes, which the ingest
mints none of (RDF files passed through have theirs given canonical labels), are written as
``_:label`` subjects and objects rather than nested ``[ ... ]``: still valid, deterministic
Turtle, only laid out differently from ``longturtle``.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, NamespaceManager
from rdflib.plugins.serializers.longturtle import LongTurtleSerializer
from rdflib.term import Node

Triple = tuple[Node, Node, Node]
PREDICATE_ORDER = (RDF.type, RDFS.label)
INDENT = "    "
_NIL = str(RDF.nil)


class _Names:
    """Term -> text as ``longturtle`` writes it, each term worked out once.

    The prefixed-name rules are longturtle's own (its ``get_pname``, run on a serializer over
    an empty graph that shares the namespace bindings), so the two agree on every IRI.
    """

    def __init__(self, namespaces: NamespaceManager):
        graph = Graph(bind_namespaces="none")
        for prefix, namespace in namespaces.namespaces():
            graph.bind(prefix, namespace, override=True, replace=True)
        self._serializer = LongTurtleSerializer(graph)
        self._serializer.reset()
        self._subject_or_object: dict[Node, str] = {}
        self._by_host: dict[str, list[str]] = {}
        self._predicate: dict[Node, str] = {}

    @property
    def used(self) -> list[tuple[str, str]]:
        """The namespaces that were written as prefixes, sorted by prefix."""
        return sorted((prefix, str(namespace)) for prefix, namespace in self._serializer.namespaces.items())

    def prepare(self, predicates: Iterable[Node]) -> None:
        """Let the predicates bind the prefixes they need (``ns1``...) before any term is named,
        as longturtle does in its first pass."""
        for predicate in sorted(predicates):
            if predicate != RDF.type:
                self._serializer.get_pname(predicate, gen_prefix=True)
        # rdflib's compute_qname files every namespace it is asked about in a trie whose
        # insertion scans siblings: asked about every subject's own path, it grows
        # quadratically (the cost of longturtle). So it is asked only about IRIs it may name
        # with a prefix (see _may_have_prefix); the others are written in full.
        self._by_host: dict[str, list[str]] = defaultdict(list)
        for _, namespace in self._serializer.store.namespace_manager.namespaces():
            self._by_host[_host(str(namespace))].append(str(namespace))

    def term(self, node: Node) -> str:
        text = self._subject_or_object.get(node)
        if text is None:
            text = self._subject_or_object[node] = self._label(node, verb=False)
        return text

    def verb(self, node: Node) -> str:
        text = self._predicate.get(node)
        if text is None:
            text = self._predicate[node] = "a" if node == RDF.type else self._label(node, verb=True)
        return text

    def _label(self, node: Node, *, verb: bool) -> str:
        serializer = self._serializer
        if type(node) is Literal or isinstance(node, Literal):
            if node.datatype is not None:
                serializer.get_pname(node.datatype, gen_prefix=False)  # registers xsd: as used
            return node._literal_n3(use_plain=True, qname_callback=lambda dt: serializer.get_pname(dt, False))
        if type(node) is not BNode and str(node) == _NIL:
            serializer.get_pname(node, gen_prefix=verb)  # longturtle registers rdf: even so
            return "()"
        if isinstance(node, BNode):
            return node.n3()
        if not verb and not self._may_have_prefix(node):
            return node.n3()
        return serializer.get_pname(node, gen_prefix=verb) or node.n3()

    def _may_have_prefix(self, node: URIRef) -> bool:
        """False when rdflib would surely write *node* in full.

        rdflib names an IRI ``p:local`` only when a bound namespace ends where split_uri
        splits it, or extends that split and starts the IRI. Take the longest bound namespace
        *b* that starts the IRI: if none, or if the rest holds a ``/``, ``#`` or ``?`` (which
        no local name holds, so the split lies beyond *b*), any such namespace would be a
        longer bound one starting the IRI, and there is none.
        """
        text = str(node)
        buckets = self._by_host
        starts = [b for b in (*buckets.get(_host(text), ()), *buckets.get("", ())) if text.startswith(b)]
        if not starts:
            return False
        rest = text[len(max(starts, key=len)):]
        return not ("/" in rest or "#" in rest or "?" in rest)


def _host(iri: str) -> str:
    """``scheme://host`` of a hierarchical IRI (all of it when it has no path); "" for others
    (``urn:``, ``mailto:``...), whose namespaces are tried for every IRI."""
    after = iri.find("//")
    if after < 0:
        return ""
    end = iri.find("/", after + 2)
    return iri if end < 0 else iri[:end]


def turtle_bytes(triples: Iterable[Triple], namespaces: NamespaceManager) -> bytes:
    """Canonical Turtle for *triples* (which must be distinct, as those of a graph or of
    :class:`~coevidence.ingest.validation.Triples` are), UTF-8 encoded.

    IRIs are keyed by plain strings (an rdflib term hashes in Python, a ``str`` in C): the
    cost per triple is a few dictionary lookups, so the time grows with the triples. The
    cyclic garbage collector is paused meanwhile (it would walk every triple again and again).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _turtle_bytes(triples, namespaces)
    finally:
        if was_enabled:
            gc.enable()


def _turtle_bytes(triples: Iterable[Triple], namespaces: NamespaceManager) -> bytes:
    subjects: dict = {}  # key -> (subject term, {predicate text: [objects]})
    predicates: dict[str, Node] = {}
    references: dict = defaultdict(int)
    for s, p, o in triples:
        key = str(s) if type(s) is URIRef else s
        entry = subjects.get(key)
        if entry is None:
            entry = subjects[key] = (s, {})
        name = str(p)
        objects = entry[1].get(name)
        if objects is None:
            entry[1][name] = [o]
            if name not in predicates:
                predicates[name] = p
        else:
            objects.append(o)
        kind = type(o)
        if kind is URIRef:
            references[str(o)] += 1
        elif kind is not Literal:
            references[o] += 1
    names = _Names(namespaces)
    names.prepare(predicates.values())
    order = sorted(subjects, key=lambda key: (type(key) is not str, references.get(key, 0), key if type(key) is str else str(key)))
    first_names = [str(p) for p in PREDICATE_ORDER]
    verbs = {name: names.verb(p) for name, p in predicates.items()}
    iri_names: dict[str, str] = {}
    term = names.term

    def label(node: Node) -> str:
        found = iri_names.get(str(node)) if type(node) is URIRef else None
        if found is None:
            found = term(node)
            if type(node) is URIRef:
                iri_names[str(node)] = found
        return found

    blocks: list[str] = []
    add = blocks.append
    for key in order:
        subject, properties = subjects[key]
        listed = [name for name in first_names if name in properties]
        listed += sorted(name for name in properties if name not in first_names)
        lines = []
        for name in listed:
            objects = properties[name]
            if len(objects) == 1:
                single = objects[0]
                text = iri_names.get(str(single)) if type(single) is URIRef else None
                lines.append(f"{INDENT}{verbs[name]} {text if text is not None else label(single)}")
            else:
                objects.sort()
                items = f" ,\n{INDENT}{INDENT}".join(label(o) for o in objects)
                lines.append(f"{INDENT}{verbs[name]}\n{INDENT}{INDENT}{items}")
        add(f"\n{label(subject)}\n" + " ;\n".join(lines) + " ;\n.\n")
    head = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in names.used)
    return (head + "".join(blocks)).encode("utf-8", "replace")


__all__ = ["turtle_bytes"]
