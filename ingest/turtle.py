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

from collections import defaultdict
from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, NamespaceManager
from rdflib.plugins.serializers.longturtle import LongTurtleSerializer
from rdflib.term import Node

Triple = tuple[Node, Node, Node]
PREDICATE_ORDER = (RDF.type, RDFS.label)
INDENT = "    "


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
        if isinstance(node, Literal):
            if node.datatype is not None:
                serializer.get_pname(node.datatype, gen_prefix=False)  # registers xsd: as used
            return node._literal_n3(use_plain=True, qname_callback=lambda dt: serializer.get_pname(dt, False))
        if node == RDF.nil:
            serializer.get_pname(node, gen_prefix=verb)  # longturtle registers rdf: even so
            return "()"
        if isinstance(node, BNode):
            return node.n3()
        return serializer.get_pname(node, gen_prefix=verb) or node.n3()


def turtle_bytes(triples: Iterable[Triple], namespaces: NamespaceManager) -> bytes:
    """Canonical Turtle for *triples* (duplicates written once), UTF-8 encoded."""
    by_subject: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
    references: dict[Node, int] = defaultdict(int)
    seen: set[Triple] = set()
    for triple in triples:
        if triple in seen:
            continue
        seen.add(triple)
        s, p, o = triple
        by_subject[s][p].append(o)
        references[o] += 1
    del seen
    names = _Names(namespaces)
    names.prepare({p for properties in by_subject.values() for p in properties})
    order = sorted(by_subject, key=lambda s: (isinstance(s, BNode), references.get(s, 0), s))
    blocks: list[str] = []
    add = blocks.append
    term, verb = names.term, names.verb
    for subject in order:
        properties = by_subject[subject]
        first = [p for p in PREDICATE_ORDER if p in properties]
        rest = sorted(p for p in properties if p not in PREDICATE_ORDER)
        lines = []
        for predicate in first + rest:
            objects = properties[predicate]
            if len(objects) == 1:
                lines.append(f"{INDENT}{verb(predicate)} {term(objects[0])}")
            else:
                objects.sort()
                listed = f" ,\n{INDENT}{INDENT}".join(term(o) for o in objects)
                lines.append(f"{INDENT}{verb(predicate)}\n{INDENT}{INDENT}{listed}")
        add(f"\n{term(subject)}\n" + " ;\n".join(lines) + " ;\n.\n")
    head = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in names.used)
    return (head + "".join(blocks)).encode("utf-8", "replace")


__all__ = ["turtle_bytes"]
