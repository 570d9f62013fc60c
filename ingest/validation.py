"""Validate a large graph fast: each pilot's own subgraph, in parallel, with the same result.

The graph is split into *chunks*. Every node belongs to exactly one chunk: a pilot, its
claims (``coe:pilot``), and what only they point to (their evidence nodes, quotes, measures
and rows, and the actors, sources and places no other pilot uses) go together, pilots being
dealt out to the chunks in order; everything else (projects, national contexts, shared
sources, the build...) forms the shared part, which rides with the first chunk. A chunk's
graph holds

* every triple whose subject it owns,
* every triple that points *to* a node it owns with a predicate the shapes follow backwards
  (``sh:inversePath``), and
* every triple about a node one step away from those,

which is all a node shape with paths of that depth can see. The chunks are dealt out to
forked worker processes, each validating its chunks with an engine whose shapes were
compiled once in the parent, and only the problems about the nodes a chunk owns are kept,
so every problem is reported exactly once and the merged result equals one plain
``validate`` of the whole graph. Shapes this reasoning does not cover (SPARQL constraints,
transitive paths) make :func:`validate_graph` fall back to one call on the whole graph.

Two engines answer alike: pySHACL (:func:`coevidence.shapes.validate`) and the Rust engine
of pyshacl-turbo behind :class:`TurboEngine`; the tests check that both, split or whole,
find exactly the problems of one plain pySHACL call, bad records included.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from collections import defaultdict
from contextlib import contextmanager
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from coevidence.ontology import COE, ontology_graph, vocabulary_graph
from coevidence.shapes import Problem, ValidationResult, problems_from_report, shapes_graph
from coevidence.shapes import validate as validate_with_pyshacl

ENGINES = ("pyshacl", "turbo")
TRIPLES_PER_CHUNK = 25_000  # the engines are fastest per triple on parts of 10,000 to 50,000 triples
UNSUPPORTED_SHAPES = (SH.sparql, SH.select, SH.ask, SH.zeroOrMorePath, SH.oneOrMorePath, SH.target)


Triple = tuple[Node, Node, Node]


@contextmanager
def paused_gc():
    """Pause the cyclic garbage collector while millions of acyclic tuples are made: it would
    otherwise walk them all again and again, for nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Triples:
    """A graph as a plain list of triples with an index by subject: what validation needs,
    at a fraction of the cost of building an rdflib graph."""

    def __init__(self, triples: Iterable[Triple]):
        self.list: list[Triple] = list(triples)
        self.by_subject: dict[Node, list[Triple]] = defaultdict(list)
        for triple in self.list:
            self.by_subject[triple[0]].append(triple)

    @classmethod
    def of(cls, data: Graph | Triples | Iterable[Triple]) -> Triples:
        if isinstance(data, Triples):
            return data
        if isinstance(data, Graph):
            return cls(data.triples((None, None, None)))
        return cls(data)

    def __len__(self) -> int:
        return len(self.list)

    def about(self, node: Node) -> list[Triple]:
        return self.by_subject.get(node, [])

    def objects(self, subject: Node, predicate: Node):
        return (o for _, p, o in self.by_subject.get(subject, ()) if p == predicate)

    def graph(self) -> Graph:
        graph = Graph()
        graph.addN((s, p, o, graph) for s, p, o in self.list)
        return graph


class _Labels:
    """Label lookups (``objects(node, predicate)``) over the data, then the background."""

    def __init__(self, data, background: Graph):
        self.data, self.background = data, background

    def objects(self, subject, predicate):
        yield from self.data.objects(subject, predicate)
        yield from self.background.objects(subject, predicate)


# ---------------------------------------------------------------------------
# Engines: pySHACL through coevidence.shapes.validate, or the Rust engine of pyshacl-turbo
# behind an adapter that gives the same Problems (tests cross-check the two).
# ---------------------------------------------------------------------------



class TurboEngine:
    """pyshacl-turbo's compiled shapes, loaded once, answering like :func:`coevidence.shapes.validate`.

    The data goes to the Rust engine as interned terms straight from the triples (no copy into
    another rdflib graph); the report is read back into :class:`Problem` records the way
    :mod:`coevidence.shapes` writes them, with labels read from the data and the background.
    """

    def __init__(self, vocabularies: bool = True):
        import pyshacl_turbo

        shapes = shapes_graph()
        self.compiled = pyshacl_turbo.compile_shapes(shapes)
        background = ontology_graph()
        if vocabularies:
            background += vocabulary_graph()
        self.background = background
        self._background_batch = None
        self._input(())  # intern the background now, once, before any worker is forked
        self.owners: dict[Node, URIRef] = {}
        for node_shape, property_shape in shapes.subject_objects(SH.property):
            if isinstance(node_shape, URIRef):
                self.owners[property_shape] = node_shape
        for node_shape in shapes.subjects(RDF.type, SH.NodeShape):
            if isinstance(node_shape, URIRef):
                self.owners[node_shape] = node_shape

    def _input(self, triples: Iterable[tuple[Node, Node, Node]]):
        """The engine's own input format, built term by term; None if this version lacks it.

        The background (ontology and vocabularies) is interned once and copied per call.
        """
        try:
            from pyshacl_turbo.rdf import Input
            from pyshacl_turbo.term_input import _TermBatch
        except ImportError:  # pragma: no cover - another pyshacl-turbo layout: use a graph
            return None
        if self._background_batch is None:
            self._background_batch = _TermBatch({})
            for s, p, o in self.background:
                self._background_batch.append(s, p, o)
        base = self._background_batch
        nodes: dict = dict(base.nodes)
        batch = _TermBatch(nodes)
        batch.records, batch.quads, batch.indices = list(base.records), list(base.quads), dict(base.indices)
        append = batch.append
        for s, p, o in triples:
            append(s, p, o)
        return Input((batch.records, batch.quads), "terms", None, nodes, {})

    def problems(self, triples: Iterable[tuple[Node, Node, Node]], labels: Graph) -> list[Problem]:
        """The problems of the graph made of *triples* (labels are read from *labels*)."""
        data = self._input(triples)
        if data is None:  # pragma: no cover
            data = Graph()
            data.addN((s, p, o, data) for s, p, o in triples)
            data.addN((s, p, o, data) for s, p, o in self.background)
        _, report, _ = self.compiled.validate(data, inference="none", allow_warnings=True, allow_infos=True)
        return list(set(self._problems(report, _Labels(labels, self.background))))

    def validate(self, data: Graph | Triples) -> ValidationResult:
        triples = data.list if isinstance(data, Triples) else data.triples((None, None, None))
        problems = sorted(self.problems(triples, data), key=Problem.sort_key)
        return ValidationResult(not any(p.severity == "Violation" for p in problems), problems, Graph())

    def _problems(self, report: Graph, data):
        return problems_from_report(report, data, self.owners)


class PyshaclEngine:
    """:func:`coevidence.shapes.validate` (pySHACL), with the same interface as :class:`TurboEngine`."""

    def __init__(self, vocabularies: bool = True):
        self.vocabularies = vocabularies

    def problems(self, triples: Iterable[tuple[Node, Node, Node]], labels) -> list[Problem]:
        graph = Graph()
        graph.addN((s, p, o, graph) for s, p, o in triples)
        return validate_with_pyshacl(graph, vocabularies=self.vocabularies).problems

    def validate(self, data: Graph | Triples) -> ValidationResult:
        return validate_with_pyshacl(data.graph() if isinstance(data, Triples) else data, vocabularies=self.vocabularies)


def turbo_available() -> bool:
    try:
        import pyshacl_turbo  # noqa: F401
    except ImportError:
        return False
    return True


def make_engine(engine: str, vocabularies: bool = True) -> TurboEngine | PyshaclEngine:
    """The engine called *engine* ("pyshacl", "turbo" or "auto": turbo when installed)."""
    if engine == "auto":
        engine = "turbo" if turbo_available() else "pyshacl"
    if engine == "turbo":
        return TurboEngine(vocabularies)
    if engine == "pyshacl":
        return PyshaclEngine(vocabularies)
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
    """Which chunk each node belongs to, and the triples each chunk's graph is made of."""

    chunk_of: dict[Node, int] = field(default_factory=dict)
    triples: list[list[tuple[Node, Node, Node]]] = field(default_factory=list)


_PENDING, _CONFLICT = object(), object()


def assign_owners(data: Triples) -> tuple[dict[Node, int], int]:
    """Each node of a pilot -> the index of that pilot (the nodes left out are shared); and the
    number of pilots.

    A pilot owns itself and its claims (``coe:pilot``, or ``coe:about`` it); then, layer by
    layer, every node that only nodes of that one pilot point to (evidence, rows, measures,
    quotes, then sources and actors no other pilot names).
    """
    triples = data.list
    pilot_type, links = (RDF.type, COE.Pilot), {COE.pilot, COE.about}
    pilots = sorted(s for s, p, o in triples if (p, o) == pilot_type and isinstance(s, URIRef))
    index = {pilot: n for n, pilot in enumerate(pilots)}
    owner: dict[Node, int] = dict(index)
    for s, p, o in triples:
        if p in links and o in index and s not in index:
            owner[s] = min(owner.get(s, index[o]), index[o])
    # (subject, object) links still to decide, fewer at each round
    pairs = [(s, o) for s, _, o in triples if not isinstance(o, Literal) and o not in owner]
    while pairs:
        incoming: dict[Node, object] = {}
        for s, o in pairs:
            from_s = owner.get(s, _PENDING)
            seen = incoming.get(o)
            if seen is None:
                incoming[o] = from_s
            elif seen is not from_s and seen != from_s:
                incoming[o] = _CONFLICT
        placed = {o: n for o, n in incoming.items() if n is not _PENDING and n is not _CONFLICT}
        if not placed:
            break
        owner.update(placed)
        pairs = [(s, o) for s, o in pairs if o not in owner]
    return owner, len(pilots)


def plan_chunks(data: Triples, chunks: int, reach: ShapeReach) -> Plan:
    """Split *data* into *chunks* (the shared part rides with the first) and gather, in one
    pass, the triples each chunk's graph needs: those of its nodes, those pointing to its
    nodes through an inverse path of the shapes, and those of the nodes one step away."""
    owner, pilots = assign_owners(data)
    per_chunk = max(1, -(-pilots // max(1, chunks)))
    chunk_of = {node: n // per_chunk for node, n in owner.items()}  # shared nodes: absent, chunk 0
    count = max(1, -(-pilots // per_chunk))
    buckets: list[list[Triple]] = [[] for _ in range(count)]
    neighbours: list[set[Node]] = [set() for _ in range(count)]
    inverse = reach.inverse
    where = chunk_of.get
    for triple in data.list:
        s, p, o = triple
        home = where(s, 0)
        buckets[home].append(triple)
        if isinstance(o, Literal):
            continue
        there = where(o, 0)
        if there != home:
            neighbours[home].add(o)
            if p in inverse:
                buckets[there].append(triple)
                neighbours[there].add(s)
    for home, nodes in enumerate(neighbours):
        for node in nodes:
            buckets[home].extend(data.about(node))
    return Plan(chunk_of, buckets)


def _validate_chunks(data: Triples, plan: Plan, chunks: list[int], validator: TurboEngine | PyshaclEngine) -> list[Problem]:
    problems: list[Problem] = []
    for chunk in chunks:
        for problem in validator.problems(set(plan.triples[chunk]), data):
            focus = _node(problem.focus)
            place = plan.chunk_of.get(focus, 0 if focus in data.by_subject else None)
            if place is None or place == chunk:  # a node of this chunk, or of none (reported once after merging)
                problems.append(problem)
    return problems


def _node(text: str) -> Node:
    return BNode(text[2:]) if text.startswith("_:") else URIRef(text)


PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies (``prctl(PR_SET_PDEATHSIG)``), so a
    killed build leaves no worker behind; if the parent is already gone, end now."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            pass
    if os.getppid() != parent:
        os._exit(1)


def _worker(graph, plan, chunks, validator, connection, parent) -> None:  # pragma: no cover - runs in a child
    die_with_parent(parent)
    gc.disable()  # everything inherited is acyclic data, and the child is short-lived
    try:
        connection.send(_validate_chunks(graph, plan, chunks, validator))
    finally:  # a child that fails sends nothing: the parent sees the pipe close and says so
        connection.close()


class ValidationFailed(Exception):
    """A validation worker failed (not a problem in the data)."""


def validate_graph(graph: Graph | Triples, *, jobs: int = 2, chunks: int | None = None, engine: str = "auto", vocabularies: bool = True) -> ValidationResult:
    """Validate *graph*; with ``jobs > 1``, split by pilot and validated in parallel processes.

    ``engine`` is "pyshacl" (:func:`coevidence.shapes.validate`), "turbo" (pyshacl-turbo's
    Rust engine) or "auto" (turbo when installed); ``chunks`` (default: one per job) is how
    many parts the graph is split into. The problems are the same as those of one
    :func:`coevidence.shapes.validate` call on the whole graph; when the graph is split, the
    SHACL report graph is not assembled (it is empty).
    """
    reach = shape_reach(shapes_graph())
    validator = make_engine(engine, vocabularies)  # shapes compiled once, inherited by the workers
    if not reach.chunkable or jobs <= 1 and not chunks:
        return validator.validate(graph)
    with paused_gc():
        data = Triples.of(graph)
        plan = plan_chunks(data, chunks or default_chunks(data, jobs), reach)
    order = list(range(len(plan.triples)))
    if jobs <= 1 or len(order) == 1 or "fork" not in multiprocessing.get_all_start_methods():
        problems = _validate_chunks(data, plan, order, validator)
    else:
        problems = _run_in_workers(data, plan, order, validator, jobs)
    unique = sorted(set(problems), key=Problem.sort_key)
    return ValidationResult(conforms=not any(p.severity == "Violation" for p in unique), problems=unique, report_graph=Graph())


def default_chunks(data: Triples, jobs: int) -> int:
    """One chunk per job, or more for large graphs (the engines slow down on very large
    inputs): about one per :data:`TRIPLES_PER_CHUNK` triples, a multiple of *jobs*."""
    wanted = max(1, -(-len(data) // TRIPLES_PER_CHUNK))
    return max(jobs, -(-wanted // jobs) * jobs)


def _run_in_workers(graph: Triples, plan: Plan, order: list[int], validator: TurboEngine | PyshaclEngine, jobs: int) -> list[Problem]:
    """Deal the chunks out to *jobs* forked processes (balanced by size); gather their problems.

    Forking shares the graph and the plan with the children without copying them through a
    pipe; only the problems travel back.
    """
    loads = [0] * jobs
    shares: list[list[int]] = [[] for _ in range(jobs)]
    for chunk in sorted(order, key=lambda c: -len(plan.triples[c])):
        lightest = loads.index(min(loads))
        shares[lightest].append(chunk)
        loads[lightest] += len(plan.triples[chunk])
    context = multiprocessing.get_context("fork")
    processes = []
    gc.freeze()  # the children must not walk (and so copy) the parent's millions of objects
    try:
        for share in shares:
            if not share:
                continue
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_worker, args=(graph, plan, share, validator, sender, os.getpid()), daemon=True)
            process.start()
            sender.close()
            processes.append((process, receiver))
    finally:
        gc.unfreeze()
    problems: list[Problem] = []
    failures: list[str] = []
    for process, receiver in processes:
        try:
            problems.extend(receiver.recv())
        except EOFError:
            failures.append(f"a validation worker failed (process {process.pid})")
        process.join()
        if process.exitcode and not failures:
            failures.append(f"a validation worker ended with exit code {process.exitcode}")
    if failures:
        raise ValidationFailed("; ".join(failures))
    return problems
