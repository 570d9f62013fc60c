"""The SHACL shapes of coevidence and the one :func:`validate` everything calls.

The shapes (``shapes.ttl``) say what conforming data looks like: one node shape per
ontology class, every constraint with a message a researcher understands, and a severity
with a meaning (``Violation``: the data is wrong; ``Warning``: the data is incomplete).

:func:`validate` checks a data graph against them and returns a small
:class:`ValidationResult`: whether the data conforms (no violation; warnings allowed), the
problems found as plain :class:`Problem` records, sorted, and the SHACL report graph.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import pyshacl
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

from coevidence.ontology import bind_prefixes, ontology_graph, vocabulary_graph
from coevidence.ontology import PREFIXES as _ONTOLOGY_PREFIXES

__all__ = [
    "SHAPES",
    "SHAPES_FILE",
    "SEVERITIES",
    "Problem",
    "ValidationResult",
    "shapes_graph",
    "validate",
    "problems_from_report",
    "label_of",
    "compact",
    "term_text",
    "path_text",
]

HERE = Path(__file__).resolve().parent
SHAPES_FILE = HERE / "shapes.ttl"

#: the namespace of the shapes (prefix ``coe-shapes:``)
SHAPES = Namespace("https://w3id.org/coevidence/shapes#")

#: severities from the most to the least serious, as reported in :attr:`Problem.severity`
SEVERITIES: tuple[str, ...] = ("Violation", "Warning", "Info")

_SEVERITY_NAMES: dict[Node, str] = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_SEVERITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(SEVERITIES)}

#: prefixes used to write IRIs in problems and reports, longest namespace first
_PREFIXES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {**_ONTOLOGY_PREFIXES, "coe-shapes": str(SHAPES), "sh": str(SH), "rdf": str(RDF)}.items(),
        key=lambda item: len(item[1]),
        reverse=True,
    )
)

#: predicates a focus node's label is read from, in order of preference
_LABEL_PREDICATES = (RDFS.label, DCTERMS.title, SKOS.prefLabel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with (or missing from) the data."""

    focus: str  #: the IRI of the node the problem is about
    focus_label: str  #: its label, title or preferred label, else the last segment of its IRI
    path: str | None  #: the property concerned, prefixed (``coe:role``, ``^coe:pilot``); None for the node itself
    message: str  #: what is wrong, in words
    severity: str  #: "Violation", "Warning" or "Info"
    shape: str  #: the node shape that found it, prefixed (``coe-shapes:ParticipationShape``)
    value: str | None  #: the offending value, prefixed IRI or quoted literal, when there is one

    def sort_key(self) -> tuple:
        return (_SEVERITY_RANK[self.severity], self.focus, self.path or "", self.message, self.value or "", self.shape)


@dataclass
class ValidationResult:
    """What :func:`validate` found."""

    conforms: bool  #: True when there is no violation (warnings and infos are allowed)
    problems: list[Problem]  #: sorted by severity, focus node and path
    report_graph: Graph  #: the SHACL validation report

    def counts(self) -> dict[str, int]:
        """How many problems of each severity: ``{"Violation": 2, "Warning": 3, "Info": 0}``."""
        found = Counter(problem.severity for problem in self.problems)
        return {severity: found.get(severity, 0) for severity in SEVERITIES}

    def to_json(self) -> str:
        """The result as JSON: ``{"conforms", "counts", "problems": [{focus, focus_label, path, ...}]}``."""
        document = {
            "conforms": self.conforms,
            "counts": self.counts(),
            "problems": [asdict(problem) for problem in self.problems],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    def to_turtle(self) -> str:
        """The SHACL validation report graph as Turtle."""
        return self.report_graph.serialize(format="turtle")

    def only(self, *severities: str) -> ValidationResult:
        """The same result restricted to problems of the given severities (report graph included).

        ``conforms`` is unchanged: hiding warnings does not change whether the data conforms.
        """
        unknown = set(severities) - set(SEVERITIES)
        if unknown:
            raise ValueError(f"unknown severities {sorted(unknown)}; use {', '.join(SEVERITIES)}")
        keep = {iri for iri, name in _SEVERITY_NAMES.items() if name in severities}
        report = _report_graph()
        for node in self.report_graph.subjects(RDF.type, SH.ValidationReport):
            report.add((node, RDF.type, SH.ValidationReport))
            for conforms in self.report_graph.objects(node, SH.conforms):
                report.add((node, SH.conforms, conforms))
            for result in self.report_graph.objects(node, SH.result):
                if self.report_graph.value(result, SH.resultSeverity) in keep:
                    report.add((node, SH.result, result))
                    for triple in _description(self.report_graph, result):
                        report.add(triple)
        problems = [problem for problem in self.problems if problem.severity in severities]
        return ValidationResult(conforms=self.conforms, problems=problems, report_graph=report)


# ---------------------------------------------------------------------------
# Shapes and background graphs, parsed once
# ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _shapes() -> Graph:
    """The parsed shapes graph, shared: never hand it out, never mutate it."""
    graph = Graph().parse(SHAPES_FILE, format="turtle")
    return _bind(graph)


def shapes_graph() -> Graph:
    """A fresh copy of the SHACL shapes graph."""
    return _bind(Graph()) + _shapes()


@lru_cache(maxsize=2)
def _background(vocabularies: bool) -> tuple[tuple[Node, Node, Node], ...]:
    """The triples every validation adds to the data: the ontology and, optionally, the vocabularies."""
    graph = ontology_graph()
    if vocabularies:
        graph += vocabulary_graph()
    return tuple(graph)


@lru_cache(maxsize=1)
def _owners() -> dict[Node, URIRef]:
    """Each shape of the shapes graph -> the named node shape it belongs to.

    Property shapes are blank nodes hanging off a node shape with sh:property; a result
    reports them as its source shape, and a reader wants the node shape (``PilotShape``).
    """
    graph = _shapes()
    owners: dict[Node, URIRef] = {}
    for node_shape, property_shape in graph.subject_objects(SH.property):
        if isinstance(node_shape, URIRef):
            owners[property_shape] = node_shape
    for node_shape in graph.subjects(RDF.type, SH.NodeShape):
        if isinstance(node_shape, URIRef):
            owners[node_shape] = node_shape
    return owners


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def validate(data: Graph, *, vocabularies: bool = True) -> ValidationResult:
    """Check *data* against the shapes.

    The data is copied (the caller's graph is never changed) together with the ontology,
    so that targets and classes follow ``rdfs:subClassOf``, and with the SKOS vocabularies,
    so that scheme membership can be checked; pass ``vocabularies=False`` when *data*
    already holds them. Validation runs without inference and is deterministic: the same
    data always gives the same problems in the same order.
    """
    combined = Graph()
    combined.addN((s, p, o, combined) for s, p, o in data.triples((None, None, None)))
    combined.addN((s, p, o, combined) for s, p, o in _background(vocabularies))
    _, report, _ = pyshacl.validate(
        combined,
        shacl_graph=_shapes(),
        inference="none",
        advanced=False,
        inplace=True,
        allow_warnings=True,
        allow_infos=True,
    )
    _bind(report)
    problems = sorted(set(problems_from_report(report, combined)), key=Problem.sort_key)
    conforms = not any(problem.severity == "Violation" for problem in problems)
    return ValidationResult(conforms=conforms, problems=problems, report_graph=report)


def problems_from_report(report: Graph, data: Graph, owners: dict[Node, URIRef] | None = None):
    """The :class:`Problem` records of a SHACL validation *report* (labels read from *data*).

    *owners* maps each shape to the class shape it belongs to (default: those of
    :func:`shapes_graph`); any SHACL engine's report reads the same way through this.
    """
    owners = _owners() if owners is None else owners
    for report_node in report.subjects(RDF.type, SH.ValidationReport):
        for result in report.objects(report_node, SH.result):
            focus = report.value(result, SH.focusNode)
            source_shape = report.value(result, SH.sourceShape)
            owner = owners.get(source_shape, source_shape)
            path = report.value(result, SH.resultPath)
            value = report.value(result, SH.value)
            yield Problem(
                focus=str(focus) if not isinstance(focus, BNode) else f"_:{focus}",
                focus_label=label_of(data, focus),
                path=path_text(report, path) if path is not None else None,
                message=_message(report, result),
                severity=_SEVERITY_NAMES.get(report.value(result, SH.resultSeverity), "Violation"),
                shape=compact(owner) if isinstance(owner, URIRef) else "(anonymous shape)",
                value=term_text(value) if value is not None else None,
            )


def _message(report: Graph, result: Node) -> str:
    messages = sorted(report.objects(result, SH.resultMessage), key=lambda m: (getattr(m, "language", None) != "en", str(m)))
    if messages:
        return str(messages[0])
    component = report.value(result, SH.sourceConstraintComponent)
    return f"Fails {compact(component)}." if component is not None else "Does not conform."


# ---------------------------------------------------------------------------
# Writing terms for people
# ---------------------------------------------------------------------------


def label_of(graph: Graph, node: Node | None) -> str:
    """The label of *node* in *graph* (rdfs:label, dcterms:title, skos:prefLabel; English
    or untagged first), else the last segment of its IRI."""
    if node is None:
        return ""
    for predicate in _LABEL_PREDICATES:
        labels = [label for label in graph.objects(node, predicate) if isinstance(label, Literal)]
        if labels:
            labels.sort(key=lambda label: (label.language not in (None, "en"), label.language or "", str(label)))
            return str(labels[0])
    if isinstance(node, URIRef):
        text = str(node).rstrip("/#")
        return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or str(node)
    return str(node)


def compact(iri: Node) -> str:
    """*iri* written with the project's prefixes (``coe:role``), else in full (``<...>``)."""
    text = str(iri)
    for prefix, namespace in _PREFIXES:
        if text.startswith(namespace) and len(text) > len(namespace):
            return f"{prefix}:{text[len(namespace):]}"
    return f"<{text}>"


def term_text(term: Node) -> str:
    """A value as a person reads it: a prefixed IRI, ``"text"``, ``"2018"^^xsd:gYear``, ``"x"@en``."""
    if isinstance(term, URIRef):
        return compact(term)
    if isinstance(term, Literal):
        quoted = json.dumps(str(term), ensure_ascii=False)
        if term.language:
            return f"{quoted}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{quoted}^^{compact(term.datatype)}"
        return quoted
    return f"_:{term}"


def path_text(graph: Graph, path: Node) -> str:
    """A SHACL property path (as found in *graph*) in SPARQL property-path notation."""
    if isinstance(path, URIRef):
        return compact(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _grouped(graph, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_grouped(graph, member) for member in Collection(graph, alternatives))
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return _grouped(graph, inner) + suffix
    if graph.value(path, RDF.first) is not None:
        return "/".join(_grouped(graph, member) for member in Collection(graph, path))
    return f"_:{path}"


def _grouped(graph: Graph, path: Node) -> str:
    text = path_text(graph, path)
    return text if isinstance(path, URIRef) or text.startswith("^") else f"({text})"


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _bind(graph: Graph) -> Graph:
    bind_prefixes(graph)
    graph.bind("coe-shapes", str(SHAPES), override=True, replace=True)
    graph.bind("sh", str(SH), override=True, replace=True)
    return graph


def _report_graph() -> Graph:
    return _bind(Graph())


def _description(graph: Graph, node: Node):
    """The triples about *node* and, through blank nodes, about everything it holds."""
    seen: set[Node] = set()
    todo = [node]
    while todo:
        subject = todo.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for triple in graph.triples((subject, None, None)):
            yield triple
            if isinstance(triple[2], BNode):
                todo.append(triple[2])
