"""Validate a large graph fast: each pilot's own subgraph, in parallel, with the same result.

The graph is split into *chunks*. Every node that is a subject belongs to exactly one chunk:
a pilot, its claims (``coe:pilot``), and what only they point to (their evidence nodes,
quotes, measures and rows, and the actors, sources and places no other pilot uses) go
together; everything else (projects, national contexts, shared sources, the build...)
forms the shared part. A chunk's graph holds

* every triple whose subject it owns,
* every triple that points *to* a node it owns with a predicate the shapes follow backwards
  (``sh:inversePath``), and
* every triple about a node one step away from those,

which is all a node shape with paths of that depth can see. Each chunk is validated with
:func:`coevidence.shapes.validate` (shapes loaded once per worker process) and only the
problems about the nodes it owns are kept, so every problem is reported exactly once and
the merged result equals one plain ``validate`` of the whole graph. Shapes this reasoning
does not cover (SPARQL constraints, transitive paths) make :func:`validate_graph` fall back
to that plain call.
"""

from __future__ import annotations

import multiprocessing
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from coevidence.ontology import COE, ontology_graph, vocabulary_graph
from coevidence.shapes import Problem, ValidationResult, compact, label_of, path_text, shapes_graph, term_text
from coevidence.shapes import validate as validate_with_pyshacl

ENGINES = ("pyshacl", "turbo")
SHARED = -1  # the chunk of nodes that belong to no single pilot
UNSUPPORTED_SHAPES = (SH.sparql, SH.select, SH.ask, SH.zeroOrMorePath, SH.oneOrMorePath, SH.target)


# ---------------------------------------------------------------------------
# Engines: pySHACL through coevidence.shapes.validate, or the Rust engine of pyshacl-turbo
# behind an adapter that gives the same Problems (tests cross-check the two).
# ---------------------------------------------------------------------------

_SEVERITY_NAMES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


class TurboEngine:
    """pyshacl-turbo's compiled shapes, loaded once, answering like :func:`coevidence.shapes.validate`."""

    def __init__(self, vocabularies: bool = True):
        import pyshacl_turbo

        shapes = shapes_graph()
        self.compiled = pyshacl_turbo.compile_shapes(shapes)
        background = ontology_graph()
        if vocabularies:
            background += vocabulary_graph()
        self.background = tuple(background)
        self.owners: dict[Node, URIRef] = {}
        for node_shape, property_shape in shapes.subject_objects(SH.property):
            if isinstance(node_shape, URIRef):
                self.owners[property_shape] = node_shape
        for node_shape in shapes.subjects(RDF.type, SH.NodeShape):
            if isinstance(node_shape, URIRef):
                self.owners[node_shape] = node_shape

    def validate(self, data: Graph) -> ValidationResult:
        combined = Graph()
        combined.addN((s, p, o, combined) for s, p, o in data.triples((None, None, None)))
        combined.addN((s, p, o, combined) for s, p, o in self.background)
        _, report, _ = self.compiled.validate(combined, inference="none", allow_warnings=True, allow_infos=True)
        problems = sorted(set(self._problems(report, combined)), key=Problem.sort_key)
        return ValidationResult(not any(p.severity == "Violation" for p in problems), problems, report)

    def _problems(self, report: Graph, data: Graph):
        for report_node in report.subjects(RDF.type, SH.ValidationReport):
            for result in report.objects(report_node, SH.result):
                focus = report.value(result, SH.focusNode)
                source_shape = report.value(result, SH.sourceShape)
                owner = self.owners.get(source_shape, source_shape)
                path = report.value(result, SH.resultPath)
                value = report.value(result, SH.value)
                messages = sorted(report.objects(result, SH.resultMessage), key=lambda m: (getattr(m, "language", None) != "en", str(m)))
                if messages:
                    message = str(messages[0])
                else:
                    component = report.value(result, SH.sourceConstraintComponent)
                    message = f"Fails {compact(component)}." if component is not None else "Does not conform."
                yield Problem(
                    focus=str(focus) if not isinstance(focus, BNode) else f"_:{focus}",
                    focus_label=label_of(data, focus),
                    path=path_text(report, path) if path is not None else None,
                    message=message,
                    severity=_SEVERITY_NAMES.get(report.value(result, SH.resultSeverity), "Violation"),
                    shape=compact(owner) if isinstance(owner, URIRef) else "(anonymous shape)",
                    value=term_text(value) if value is not None else None,
                )


def turbo_available() -> bool:
    try:
        import pyshacl_turbo  # noqa: F401
    except ImportError:
        return False
    return True


def make_validator(engine: str, vocabularies: bool = True):
    """A function graph -> ValidationResult for *engine* ("pyshacl", "turbo" or "auto")."""
    if engine == "auto":
        engine = "turbo" if turbo_available() else "pyshacl"
    if engine == "turbo":
        return TurboEngine(vocabularies).validate
    if engine == "pyshacl":
        return lambda graph: validate_with_pyshacl(graph, vocabularies=vocabularies)
    raise ValueError(f"unknown validation engine {engine!r}; use one of {', '.join(ENGINES)} or auto")


@dataclass(frozen=True)
class ShapeReach:
    """How far the shapes look from a focus node: which predicates they follow backwards."""

    inverse: frozenset[URIRef]
    chunkable: bool


def shape_reach(shapes: Graph) -> ShapeReach:
    inverse = {p for p in shapes.objects(None, SH.inversePath) if isinstance(p, URIRef)}
    inverse |= {p for p in shapes.objects(None, SH.targetObjectsOf) if isinstance(p, URIRef)}
    chunkable = not any(True for term in UNSUPPORTED_SHAPES for _ in shapes.triples((None, term, None)))
    # an inverse of something other than a plain predicate is beyond this reasoning
    chunkable = chunkable and all(isinstance(p, URIRef) for p in shapes.objects(None, SH.inversePath))
    return ShapeReach(frozenset(inverse), chunkable)


@dataclass
class Plan:
    """Which chunk each subject belongs to, and the chunks to validate (lists of owner ids)."""

    owner: dict[Node, int] = field(default_factory=dict)
    chunks: list[list[int]] = field(default_factory=list)


def plan_chunks(graph: Graph, pilots_per_chunk: int = 100) -> Plan:
    """Assign every subject of *graph* to a pilot (by index) or to the shared part."""
    pilots = sorted(s for s in graph.subjects(RDF.type, COE.Pilot) if isinstance(s, URIRef))
    index = {pilot: n for n, pilot in enumerate(pilots)}
    owner: dict[Node, int] = {pilot: n for pilot, n in index.items()}
    for predicate in (COE.pilot, COE.about):
        for claim, pilot in graph.subject_objects(predicate):
            if pilot in index and claim not in index:
                current = owner.get(claim)
                owner[claim] = index[pilot] if current is None else min(current, index[pilot])

    # what only one pilot's nodes point to goes with that pilot (repeat: evidence -> source)
    shared: set[Node] = set()
    frontier = list(owner)
    while frontier:
        candidates: set[Node] = set()
        for node in frontier:
            for obj in graph.objects(node, None):
                if not isinstance(obj, Literal) and obj not in owner and obj not in shared:
                    candidates.add(obj)
        frontier = []
        pending = False
        for node in sorted(candidates, key=str):
            owners = {owner.get(subject) for subject in graph.subjects(None, node)}
            if None in owners:
                pending = True  # pointed to by a node not yet placed: look again next round
                continue
            if len(owners) == 1:
                owner[node] = owners.pop()
                frontier.append(node)
            else:
                shared.add(node)
        if not frontier and pending:
            break
    for subject in graph.subjects(unique=True):
        owner.setdefault(subject, SHARED)
    chunks = [list(range(start, min(start + pilots_per_chunk, len(pilots)))) for start in range(0, len(pilots), pilots_per_chunk)]
    return Plan(owner, [[SHARED], *chunks])


def chunk_graph(graph: Graph, owned: Iterable[Node], reach: ShapeReach) -> Graph:
    """The part of *graph* that the shapes see from the nodes in *owned*."""
    owned = set(owned)
    chunk = Graph()
    add = chunk.add
    neighbours: set[Node] = set()
    for node in owned:
        for triple in graph.triples((node, None, None)):
            add(triple)
            obj = triple[2]
            if not isinstance(obj, Literal) and obj not in owned:
                neighbours.add(obj)
        for predicate in reach.inverse:
            for subject in graph.subjects(predicate, node):
                add((subject, predicate, node))
                if subject not in owned:
                    neighbours.add(subject)
    for node in neighbours:
        for triple in graph.triples((node, None, None)):
            add(triple)
    return chunk


def _validate_chunks(graph: Graph, members: dict[int, list[Node]], owner: dict[Node, int], chunks: list[list[int]], reach: ShapeReach, engine: str, vocabularies: bool) -> list[Problem]:
    validate = make_validator(engine, vocabularies)  # shapes loaded once per process
    problems: list[Problem] = []
    for chunk in chunks:
        owned = [node for key in chunk for node in members.get(key, ())]
        keys = set(chunk)
        result = validate(chunk_graph(graph, owned, reach))
        for problem in result.problems:
            focus = _node(problem.focus)
            place = owner.get(focus)
            if place is None or place in keys:
                problems.append(problem)
    return problems


def _node(text: str) -> Node:
    return BNode(text[2:]) if text.startswith("_:") else URIRef(text)


def _worker(graph, members, owner, chunks, reach, engine, vocabularies, connection) -> None:  # pragma: no cover - runs in a child
    try:
        connection.send(("ok", _validate_chunks(graph, members, owner, chunks, reach, engine, vocabularies)))
    except BaseException as error:  # noqa: BLE001 - any failure in the child is reported to the parent, which re-raises
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


class ValidationFailed(Exception):
    """A validation worker failed (not a problem in the data)."""


def validate_graph(graph: Graph, *, jobs: int = 2, pilots_per_chunk: int = 100, engine: str = "auto", vocabularies: bool = True) -> ValidationResult:
    """Validate *graph*; with ``jobs > 1``, per pilot in parallel worker processes.

    ``engine`` is "pyshacl" (:func:`coevidence.shapes.validate`), "turbo" (pyshacl-turbo's
    Rust engine) or "auto" (turbo when installed). The problems are the same as those of one
    :func:`coevidence.shapes.validate` call on the whole graph; with ``jobs > 1`` the report
    graph is not assembled (it is empty).
    """
    reach = shape_reach(shapes_graph())
    if not reach.chunkable or jobs <= 1:
        return make_validator(engine, vocabularies)(graph)
    plan = plan_chunks(graph, pilots_per_chunk)
    members: dict[int, list[Node]] = defaultdict(list)
    for node, key in plan.owner.items():
        members[key].append(node)
    if len(plan.chunks) == 1 or "fork" not in multiprocessing.get_all_start_methods():
        problems = _validate_chunks(graph, members, plan.owner, plan.chunks, reach, engine, vocabularies)
    else:
        problems = _run_in_workers(graph, members, plan, reach, engine, vocabularies, jobs)
    unique = sorted(set(problems), key=Problem.sort_key)
    return ValidationResult(conforms=not any(p.severity == "Violation" for p in unique), problems=unique, report_graph=Graph())


def _run_in_workers(graph: Graph, members, plan: Plan, reach: ShapeReach, engine: str, vocabularies: bool, jobs: int) -> list[Problem]:
    """Deal the chunks out to *jobs* forked processes (balanced by size); gather their problems."""
    sizes = {key: len(nodes) for key, nodes in members.items()}
    loads = [0] * jobs
    shares: list[list[list[int]]] = [[] for _ in range(jobs)]
    for chunk in sorted(plan.chunks, key=lambda c: -sum(sizes.get(k, 0) for k in c)):
        lightest = loads.index(min(loads))
        shares[lightest].append(chunk)
        loads[lightest] += sum(sizes.get(k, 0) for k in chunk)
    context = multiprocessing.get_context("fork")  # the graph is shared with the children, not copied through a pipe
    processes = []
    for share in shares:
        if not share:
            continue
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_worker, args=(graph, members, plan.owner, share, reach, engine, vocabularies, sender), daemon=True)
        process.start()
        sender.close()
        processes.append((process, receiver))
    problems: list[Problem] = []
    failures: list[str] = []
    for process, receiver in processes:
        try:
            status, payload = receiver.recv()
        except EOFError:
            status, payload = "error", f"worker {process.pid} ended without a result"
        process.join()
        if status == "ok":
            problems.extend(payload)
        else:
            failures.append(payload)
    if failures:
        raise ValidationFailed("; ".join(failures))
    return problems
