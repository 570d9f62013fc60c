"""The query worker: a process that holds the dataset and runs queries on it.

The dataset comes from a *source*: ``("files", [(path, format, graph), ...])`` loads the
files into an in-memory store (the fastest to query: several times faster than RocksDB for
joins), ``("store", path)`` opens an on-disk store read-only (for data too large to load
at every start).

Queries run here, not in the web server, because pyoxigraph cannot stop a query once it has
started: a query past its deadline gets its whole worker killed (see
:class:`coevidence.server.stores.oxigraph.WorkerPool`). Messages on the pipe are small
tuples of strings (terms as in :mod:`coevidence.server.terms`), so pickling them costs little:

request  ``(sparql, substitutions, default_graphs, named_graphs, union, max_rows, accept,
         max_bytes, limit)``,
         answered by ``(seconds, response)``: the seconds the query took here, and
         (``substitutions`` a tuple of ``(name, term)``; the graph lists ``None`` when the
         protocol did not give them; ``accept`` media types the caller can send as they are;
         ``max_bytes`` the most bytes of term text one answer holds, rows past it are cut
         like rows past ``max_rows``; ``limit`` the query's own LIMIT as the web process
         scanned it, before bound values were written in: scanning the text again here
         cost 30-50 ms for each new value, since a word such as ``?from`` has the scan parse it)
response ``("bindings", names, rows, truncated)`` / ``("boolean", value)`` /
         ``("graph", triples, truncated)`` / ``("encoded", kind, names, boolean, media_type,
         body, size, truncated)`` (the result written in one of ``accept``) /
         ``("syntax", message)`` (the query does not parse) / ``("unwritable", message)``
         (the result cannot be written in the format asked for) / ``("invalid", message)`` (it
         cannot be evaluated) / ``("failed", message)`` (input/output) / ``("memory",
         message)`` (the query outgrew the worker's memory ceiling; the worker then exits)
"""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection

import orjson
import pyoxigraph as ox

from coevidence.ontology import PREFIXES
from coevidence.server.sparql.scan import scan_query
from coevidence.server.terms import TRIPLE_TERM_REFUSED, from_oxigraph, to_oxigraph
from coevidence.server.sparql.writers import GRAPH_FORMATS, JSON, SOLUTION_WRITERS, check_xml_text
from coevidence.server.stores import ResultNotWritable
RDF_XML_OTHERS = "Turtle, N-Triples or JSON-LD (format=ttl, nt, jsonld)"

#: in SPARQL JSON written by pyoxigraph, this byte string can only be a triple term's type
#: (a quote inside a string value is always escaped)
_TRIPLE_TERM_JSON = b'"type":"triple"'
#: pyoxigraph's JSON goes into a buffer of at most this many bytes per allowed row (and at
#: most NATIVE_MAX_BYTES): should a LIMIT ever be misread, memory stays bounded
NATIVE_BYTES_PER_ROW = 4096
NATIVE_MAX_BYTES = 64 * 1024 * 1024


class _Overflow(Exception):
    """The written result outgrew its buffer."""


class _BoundedBuffer:
    """A binary output for pyoxigraph's writer that refuses to grow past *limit* bytes
    (raising from ``write`` stops the writer, and with it the query's evaluation)."""

    def __init__(self, limit: int) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise _Overflow
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def _native_json(result: ox.QuerySolutions, max_rows: int, max_bytes: int | None = None) -> tuple | None:
    """*result* written as SPARQL JSON by pyoxigraph itself (several times faster than from
    Python), or None when it outgrew its buffer (the caller then runs the query again, row
    by row). Only for a query whose own LIMIT is within the row cap: pyoxigraph writes every
    solution, so the LIMIT is what bounds the work. The solutions are counted with orjson,
    and cut at the cap should there be more after all.
    """
    names = [variable.value for variable in result.variables]
    limit = min(NATIVE_MAX_BYTES, NATIVE_BYTES_PER_ROW * (max_rows + 1))
    if max_bytes is not None:
        limit = min(limit, max_bytes)
    buffer = _BoundedBuffer(limit)
    try:
        result.serialize(buffer, format=ox.QueryResultsFormat.JSON)
    except _Overflow:
        return None
    body = b"".join(buffer.parts)
    if _TRIPLE_TERM_JSON in body:  # as the row-by-row writers do
        raise ValueError(TRIPLE_TERM_REFUSED)
    data = orjson.loads(body)
    bindings = data["results"]["bindings"]
    if len(bindings) <= max_rows:
        return ("encoded", "bindings", names, None, JSON, body, len(bindings), False)
    data["results"]["bindings"] = bindings[:max_rows]
    return ("encoded", "bindings", names, None, JSON, orjson.dumps(data), max_rows, True)


#: bytes counted for each term beside its text (markup, datatype or language, separators)
TERM_OVERHEAD_BYTES = 16


def _term_bytes(term) -> int:
    """About how many bytes *term* takes in a written result (its text, plus overhead)."""
    if term is None:
        return 0
    if isinstance(term, ox.Triple):
        return sum(_term_bytes(part) for part in (term.subject, term.predicate, term.object))
    size = len(term.value) + TERM_OVERHEAD_BYTES
    datatype = getattr(term, "datatype", None)
    if datatype is not None:
        size += len(datatype.value)
    return size


def _solutions(result: ox.QuerySolutions, max_rows: int, max_bytes: int | None = None) -> tuple[list[str], list[tuple], bool]:
    names = [variable.value for variable in result.variables]
    rows = []
    size = 0
    for solution in result:
        if len(rows) == max_rows:
            return names, rows, True
        if max_bytes is not None:
            size += sum(_term_bytes(t) for t in solution)
            if size > max_bytes:
                return names, rows, True
        rows.append(tuple(None if t is None else from_oxigraph(t) for t in solution))
    return names, rows, False


def _triples(result: ox.QueryTriples, max_rows: int, max_bytes: int | None = None) -> tuple[list[ox.Triple], bool]:
    triples = []
    size = 0
    for triple in result:
        if len(triples) == max_rows:
            return triples, True
        if max_bytes is not None:
            size += sum(_term_bytes(t) for t in (triple.subject, triple.predicate, triple.object))
            if size > max_bytes:
                return triples, True
        triples.append(triple)
    return triples, False


def _answer(result, max_rows: int, accept: tuple[str, ...], max_bytes: int | None = None) -> tuple:
    if isinstance(result, ox.QueryBoolean):
        value = bool(result)
        for media_type in accept:
            if media_type in SOLUTION_WRITERS:
                body = SOLUTION_WRITERS[media_type]((), (), value)
                return ("encoded", "boolean", [], value, media_type, body, 1, False)
        return ("boolean", value)
    if isinstance(result, ox.QuerySolutions):
        names, rows, truncated = _solutions(result, max_rows, max_bytes)
        for media_type in accept:
            if media_type in SOLUTION_WRITERS:
                body = SOLUTION_WRITERS[media_type](names, rows)
                return ("encoded", "bindings", names, None, media_type, body, len(rows), truncated)
        return ("bindings", names, rows, truncated)
    triples, truncated = _triples(result, max_rows, max_bytes)
    if any(type(t.subject) is ox.Triple or type(t.object) is ox.Triple for t in triples):
        raise ValueError(TRIPLE_TERM_REFUSED)  # as for solutions: no format here holds one
    for media_type in accept:
        if media_type in GRAPH_FORMATS:
            rdf_format = getattr(ox.RdfFormat, GRAPH_FORMATS[media_type])
            if rdf_format == ox.RdfFormat.RDF_XML:
                for triple in triples:
                    if type(triple.object) is ox.Literal:
                        check_xml_text(triple.object.value, RDF_XML_OTHERS)
            body = ox.serialize(triples, format=rdf_format, prefixes=PREFIXES)
            return ("encoded", "graph", [], None, media_type, body, len(triples), truncated)
    encoded = [(from_oxigraph(t.subject), from_oxigraph(t.predicate), from_oxigraph(t.object)) for t in triples]
    return ("graph", encoded, truncated)


def _first_writable(accept: tuple[str, ...]) -> str | None:
    return next((media_type for media_type in accept if media_type in SOLUTION_WRITERS), None)


def run(store: ox.Store, request: tuple) -> tuple:
    """Run one request on *store* and build the response message."""
    sparql, substitutions, default_graphs, named_graphs, union, max_rows, accept, *rest = request
    max_bytes = rest[0] if rest else None
    limit = rest[1] if len(rest) > 1 else scan_query(sparql).limit
    options: dict = {}
    if default_graphs is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    if named_graphs is not None:
        options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    if union:
        options["use_default_graph_as_union"] = True
    if substitutions:
        options["substitutions"] = {ox.Variable(name): to_oxigraph(t) for name, t in substitutions}
    try:
        result = store.query(sparql, **options)
        if isinstance(result, ox.QuerySolutions) and _first_writable(accept) == JSON:
            if limit is not None and limit <= max_rows:
                answer = _native_json(result, max_rows, max_bytes)
                if answer is not None:
                    return answer
                result = store.query(sparql, **options)
        return _answer(result, max_rows, accept, max_bytes)
    except ResultNotWritable as error:
        return ("unwritable", str(error))
    except SyntaxError as error:
        return ("syntax", str(error))
    except (RuntimeError, ValueError, TypeError) as error:
        return ("invalid", str(error))
    except OSError as error:
        return ("failed", str(error))
    except MemoryError:
        return ("memory", "the query needed more memory than a query worker may use")


class LoadError(Exception):
    """A data file does not parse or cannot be read; the message begins with its path."""


def open_source(source: tuple) -> ox.Store:
    """The store a *source* describes (see the module docstring)."""
    kind, value = source[:2]
    if kind == "store":
        return ox.Store.read_only(value)
    store = ox.Store()
    for path, rdf_format, graph in value:
        try:
            store.bulk_load(path=path, format=getattr(ox.RdfFormat, rdf_format), to_graph=ox.NamedNode(graph))
        except SyntaxError as error:
            raise LoadError(f"{path}: {error}") from None
        except OSError as error:
            raise LoadError(f"{path}: cannot be read: {error}") from None
    return store


def answer_requests(conn: Connection, store: ox.Store) -> None:
    """Answer requests on *conn* until it closes or says stop (``None``). After a
    ``("memory", ...)`` answer the worker exits: its heap is not worth keeping."""
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        started = time.perf_counter()
        response = run(store, request)
        try:
            conn.send((time.perf_counter() - started, response))
        except OSError:  # the server went away (or dismissed this worker) meanwhile: nobody to tell
            return
        if response[0] == "memory":
            return
