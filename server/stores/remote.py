"""A remote SPARQL 1.1 endpoint (Virtuoso, Fuseki, GraphDB, QLever...) as a :class:`Store`.

Queries go through SPARQLWrapper, the project's required SPARQL client: it builds each
request (query, dataset parameters, Accept header, HTTP basic credentials) and decodes SPARQL
JSON results; graphs (N-Triples, Turtle...) are parsed by pyoxigraph. Only sending the
request is done here, so that one store keeps a small pool of persistent HTTP connections
instead of opening a new one per query (SPARQLWrapper's own ``urlopen`` closes each
connection after one request) and so that digest credentials stay inside this store
(SPARQLWrapper installs them in ``urllib``'s process-wide opener).

What this module adds on top of the protocol:

- **bound values** (``bindings``) are written into the query text in their N-Triples form by a
  tokenizer that skips strings, IRIs and comments (:func:`substitute`), with the same meaning
  as the embedded store's substitutions: a bound variable keeps its value in the results;
- **limits**: the time limit (plus a grace) bounds the whole exchange, not each read (a
  timer shuts the socket at the deadline, so an endpoint trickling bytes cannot hold a query
  open); Virtuoso also gets the per-request ``timeout`` parameter (milliseconds);
  ``max_rows`` cuts the answer and says so;
- **no silent truncation**: Virtuoso answers 200 with an ``X-SPARQL-MaxRows`` header when its
  ``ResultSetMaxRows`` cut a result, and 200 with ``X-SQL-State: S1TAT`` when its time limit
  cut one ("anytime" partial results). The first sets ``truncated``; the second is a
  :class:`QueryTimeout`, because a partial aggregate is a wrong answer, not a short one;
- **errors** mapped to the store's exceptions: a 400 with a parser's message is a
  :class:`QuerySyntaxError` (the message passed on), a time-out a :class:`QueryTimeout`, a
  refused connection, a 401/403/404 or a 5xx a :class:`StoreUnavailable`.
"""

from __future__ import annotations

import hashlib
import heapq
import http.client
import math
import queue
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import Iterator, Literal as TypingLiteral, Mapping, Sequence

import orjson
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.term import Identifier
from SPARQLWrapper import BASIC, GET, JSON, N3, POST, SPARQLWrapper
from SPARQLWrapper.Wrapper import QueryResult as WrapperResult

from coevidence import __version__
from coevidence.ontology import COE, PREFIXES
from coevidence.server.stores import (
    QueryFailed,
    QueryRejected,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    StoreUnavailable,
)
from coevidence.server.terms import BNODE, IRI, LANG, STRING, TRIPLE_TERM_REFUSED, TYPED, RdflibTerms, from_oxigraph
from coevidence.server.sparql.writers import GRAPH_FORMATS as WRITTEN_GRAPH_FORMATS
from coevidence.server.sparql.writers import JSON as JSON_RESULTS
from coevidence.server.sparql.writers import SOLUTION_WRITERS

__all__ = ["RemoteStore", "substitute", "ntriples_term", "json_tuple", "json_term", "query_form"]

#: seconds the socket waits beyond the query's own time limit, so that the endpoint's
#: time-out (with its message) normally arrives before ours
TIMEOUT_GRACE = 2.0
#: longer queries go by POST (some proxies cut URLs near 2 to 8 kB)
MAX_GET_QUERY = 1500
#: idle persistent connections kept per store
POOL_SIZE = 8

GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
RESULTS_ACCEPT = "application/sparql-results+json"
#: Content-Type of a graph answer -> pyoxigraph RdfFormat name of its parser
GRAPH_PARSERS = {
    "application/n-triples": "N_TRIPLES",
    "text/plain": "N_TRIPLES",
    "text/turtle": "TURTLE",
    "application/x-turtle": "TURTLE",
    "application/turtle": "TURTLE",
    "text/n3": "N3",
    "text/rdf+n3": "N3",
    "application/rdf+xml": "RDF_XML",
    "application/ld+json": "JSON_LD",
}

#: the query that fingerprints the data: the source digest of the build that made it
DATA_VERSION_QUERY = "SELECT ?digest WHERE { ?build a ?buildClass ; ?digestProperty ?digest } ORDER BY ?digest LIMIT 1"


# ---------------------------------------------------------------------------------------
# Bound values: N-Triples terms written into the query by a tokenizer
# ---------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n\r]*)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               | '''(?:[^'\\]|\\.|'(?!''))*'''
               | "(?:[^"\\\n\r]|\\.)*"
               | '(?:[^'\\\n\r]|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
    | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[A-Za-z0-9_\-.]*)?)
    | (?P<space>\s+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_IRI_OK = re.compile(r'^[^<>"{}|^`\\\x00-\x20]*$')
_LANG_OK = re.compile(r"^[A-Za-z]+(?:-[A-Za-z0-9]+)*$")
_QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def ntriples_term(term: Identifier) -> str:
    """*term* in N-Triples form, checked so that it cannot end the term early.

    IRIs with characters an IRI may not hold (spaces, ``<``, ``>``, quotes, braces...) and
    blank nodes (which no endpoint can look up by label) are refused with :class:`QueryRejected`.
    """
    if isinstance(term, URIRef):
        if not _IRI_OK.match(str(term)):
            raise QueryRejected(f"cannot bind {str(term)!r}: it is not a valid IRI")
        return term.n3()
    if isinstance(term, Literal):
        lexical = "".join(_ESCAPES.get(char, char) for char in str(term))
        if term.language:
            if not _LANG_OK.match(term.language):
                raise QueryRejected(f"cannot bind a literal with language tag {term.language!r}")
            return f'"{lexical}"@{term.language}'
        if term.datatype is not None and term.datatype != XSD.string:
            return f'"{lexical}"^^{ntriples_term(URIRef(term.datatype))}'
        return f'"{lexical}"'
    if isinstance(term, BNode):
        raise QueryRejected("cannot bind a blank node on a remote endpoint: blank nodes have no name there")
    raise QueryRejected(f"cannot bind a value of type {type(term).__name__}")


@dataclass
class _Token:
    kind: str
    text: str


def _tokens(sparql: str) -> list[_Token]:
    return [_Token(match.lastgroup or "other", match.group()) for match in _TOKEN.finditer(sparql)]


def query_form(sparql: str) -> str | None:
    """The query form (SELECT, ASK, CONSTRUCT, DESCRIBE, or an update keyword) of *sparql*,
    read from its first keyword outside comments, strings and IRIs (the tokens are read
    only up to it: this runs for every query)."""
    for match in _TOKEN.finditer(sparql):
        if match.lastgroup == "word":
            word = match.group().upper()
            if word in _QUERY_FORMS or word in _UPDATE_WORDS:
                return word
    return None


def substitute(sparql: str, bindings: Mapping[str, Identifier]) -> str:
    """Write the bound values of *bindings* into *sparql*.

    Each variable ``?name`` (or ``$name``) of *bindings* is replaced by its value in
    N-Triples form wherever it stands for a value in a pattern, a template, a filter or an
    expression. Strings, IRIs and comments are never touched. Where a variable is a name
    rather than a value (the bare variables of a SELECT, GROUP BY or ORDER BY clause, the
    target of ``AS``, the variables of ``VALUES``), it is left as it is, and a SELECT query
    starts its WHERE group with ``BIND(value AS ?name)``, so that the variable still comes
    back bound to its value, as with the embedded store's substitutions.
    """
    if not bindings:
        return sparql
    values = {name.lstrip("?$"): ntriples_term(term) for name, term in bindings.items()}
    tokens = _tokens(sparql)
    used = [name for name in values if any(t.kind == "var" and t.text[1:] == name for t in tokens)]
    if not used:
        return sparql

    form = query_form(sparql)
    out: list[str] = []
    braces = 0
    parens = 0
    clause: str | None = None  # "select", "modifier" or "values" while in such a clause
    clause_braces = 0  # brace depth where that clause started
    after_as = False
    where_opened = False
    for token in tokens:
        text = token.text
        if token.kind == "word":
            word = text.upper()
            if word == "SELECT":
                clause, clause_braces = "select", braces
            elif word in {"GROUP", "ORDER", "HAVING"} and parens == 0:
                clause, clause_braces = "modifier", braces
            elif word == "VALUES":
                clause, clause_braces = "values", braces
            elif word in {"WHERE", "FROM", "LIMIT", "OFFSET"} and clause in {"select", "modifier"}:
                clause = None
            after_as = word == "AS"
            out.append(text)
            continue
        if token.kind == "other" and text in "{}()":
            if text == "{":
                if clause == "select" and parens == 0:
                    clause = None
                braces += 1
                out.append(text)
                if form == "SELECT" and not where_opened and braces == 1 and parens == 0:
                    where_opened = True
                    out.append(" " + " ".join(f"BIND({values[name]} AS ?{name})" for name in used) + " ")
                continue
            if text == "}":
                braces -= 1
                if clause is not None and (braces < clause_braces or (clause == "values" and braces == clause_braces)):
                    clause = None
            elif text == "(":
                parens += 1
            else:
                parens -= 1
            out.append(text)
            continue
        if token.kind == "var" and text[1:] in values:
            if after_as or clause == "values" or (clause in {"select", "modifier"} and parens == 0):
                out.append(text)
            else:
                out.append(values[text[1:]])
            after_as = False
            continue
        if token.kind not in {"space", "comment"}:
            after_as = False
        out.append(text)
    return "".join(out)


# ---------------------------------------------------------------------------------------
# Answers -> term tuples (see coevidence.server.terms) -> written results or rdflib terms
# ---------------------------------------------------------------------------------------

_BNODE_LABEL = re.compile(r"[^A-Za-z0-9]")
_XSD_STRING = str(XSD.string)


def json_tuple(value: Mapping[str, str]) -> tuple:
    """One RDF term of the SPARQL 1.1 JSON results format as a term tuple.

    Takes Virtuoso's older ``typed-literal`` type too; an ``xsd:string`` literal becomes a
    simple literal (the same term in RDF 1.1); blank-node labels keep only letters and
    digits, so that Turtle and N-Triples can write them (Virtuoso says ``nodeID://b10003``).
    """
    kind = value.get("type")
    lexical = value.get("value", "")
    if kind == "uri":
        return (IRI, lexical)
    if kind in {"literal", "typed-literal"}:
        language = value.get("xml:lang")
        if language:
            return (LANG, lexical, language)
        datatype = value.get("datatype")
        if datatype and datatype != _XSD_STRING:
            return (TYPED, lexical, datatype)
        return (STRING, lexical)
    if kind == "bnode":
        return (BNODE, _BNODE_LABEL.sub("", lexical) or "b")
    if kind == "triple":  # SPARQL 1.2 JSON: refused as the embedded store refuses it
        raise QueryFailed(TRIPLE_TERM_REFUSED)
    raise StoreUnavailable(f"the endpoint answered with an RDF term of unknown type {kind!r}")


def _canonical_term(value: Mapping[str, str]) -> dict[str, str]:
    """One term of an endpoint's JSON results as SPARQL 1.1 JSON writes it (the same term as
    :func:`json_tuple` reads)."""
    kind = value.get("type")
    size = len(value)
    # the common cases, answered without building a term (each as json_tuple reads it)
    if "value" in value:
        if kind == "uri" and size == 2:
            return value  # type: ignore[return-value]  # already canonical
        if kind in {"literal", "typed-literal"} and size == 3:
            datatype = value.get("datatype")
            if datatype and datatype != _XSD_STRING:  # a typed literal (Virtuoso: "typed-literal")
                return value if kind == "literal" else {"type": "literal", "value": value["value"], "datatype": datatype}  # type: ignore[return-value]
            if kind == "literal" and value.get("xml:lang"):
                return value  # type: ignore[return-value]  # a literal with a language
        if kind == "literal" and size == 2:
            return value  # type: ignore[return-value]  # a simple literal
    term = json_tuple(value)
    if term[0] == IRI:
        return {"type": "uri", "value": term[1]}
    if term[0] == STRING:
        return {"type": "literal", "value": term[1]}
    if term[0] == LANG:
        return {"type": "literal", "value": term[1], "xml:lang": term[2]}
    if term[0] == TYPED:
        return {"type": "literal", "value": term[1], "datatype": term[2]}
    return {"type": "bnode", "value": term[1]}


def canonical_json(names: Sequence[str], solutions: Sequence[Mapping[str, Mapping[str, str]]]) -> bytes:
    """An endpoint's JSON solutions rewritten as SPARQL 1.1 JSON results (only the variables
    of its head; Virtuoso's older ``typed-literal`` as ``literal``; blank-node labels as
    :func:`json_tuple` makes them), written by orjson: several times faster than going
    through term tuples for the results that most clients ask for."""
    bindings = [{name: _canonical_term(s[name]) for name in names if name in s} for s in solutions]
    return orjson.dumps({"head": {"vars": list(names)}, "results": {"bindings": bindings}})


def json_term(value: Mapping[str, str]) -> Identifier:
    """One RDF term of the SPARQL 1.1 JSON results format as an rdflib term."""
    return RdflibTerms()(json_tuple(value))


# ---------------------------------------------------------------------------------------
# Transport: SPARQLWrapper's request, sent over a pooled persistent connection
# ---------------------------------------------------------------------------------------


class _Response:
    """A fully read HTTP answer, shaped like what ``urlopen`` returns, for SPARQLWrapper."""

    def __init__(self, url: str, status: int, headers: Message, body: bytes) -> None:
        self.url = url
        self.status = status
        self.headers = headers
        self.body = body

    def info(self) -> Message:
        return self.headers

    def geturl(self) -> str:
        return self.url

    def read(self) -> bytes:
        return self.body

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body.splitlines(keepends=True))


def quick_ack(sock: socket.socket | None) -> None:
    """Acknowledge what arrives at once on this (reused) connection, where Linux allows it.

    A server that writes an answer's head and body separately with Nagle's algorithm on (as
    Virtuoso 7 does) waits for our acknowledgement of the head before it sends the body; on
    a kept-alive connection Linux delays that acknowledgement by up to 40 ms, which made
    some queries 6x slower than on a fresh connection (48 ms instead of 7.4 ms, measured).
    ``TCP_QUICKACK`` is not sticky, so it is set before each request and response.
    """
    if sock is not None and hasattr(socket, "TCP_QUICKACK"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)


#: how many bytes of answer are read per byte of the byte ceiling (the markup around terms)
READ_FACTOR = 4
#: bytes counted for each term beside its text, as the embedded store's workers count
TERM_OVERHEAD_BYTES = 16


def _read_bounded(raw, limit: int | None) -> bytes:
    """The body of *raw*, refused (QueryFailed) past *limit* bytes; None: no limit."""
    if limit is None:
        return raw.read()
    body = raw.read(limit + 1)
    if len(body) > limit:
        raise QueryFailed(
            f"the endpoint's answer is larger than {limit // (1024 * 1024)} MB and was not read; "
            "ask for fewer solutions (LIMIT) or shorter values"
        )
    return body


def _cut_by_bytes(solutions: list, max_bytes: int | None, body_bytes: int | None = None) -> tuple[list, bool]:
    """The first *solutions* (SPARQL JSON bindings) whose terms fit in *max_bytes*.

    *body_bytes*, the length of the JSON they were read from, settles it at once when it is
    within *max_bytes*: a term takes at least as many bytes in that JSON as it is counted for
    here (its value is no shorter there, and its variable's name with the term's braces and
    keys, ``"v":{"value":""}`` at the least, take the 16 counted beside it)."""
    if max_bytes is None or (body_bytes is not None and body_bytes <= max_bytes):
        return solutions, False
    size = 0
    for index, solution in enumerate(solutions):
        size += sum(len(str(term.get("value", ""))) + TERM_OVERHEAD_BYTES for term in solution.values())
        if size > max_bytes:
            return solutions[:index], True
    return solutions, False


class _Watchdog:
    """One thread that shuts sockets down at their deadlines, for every query of a store.

    A socket timeout bounds each read; this bounds the whole exchange (an endpoint trickling
    a byte per read would otherwise keep a query open far past its limit). One thread for
    all queries, started with the first: a timer thread per query cost its start (about
    0.1 ms, and more on a busy machine, where the new thread waits for a CPU before
    ``start()`` returns) on every request. Deadlines sit in a heap; a cancelled one stays
    there, marked, until its time comes, so watching and cancelling never wake the thread
    unless the new deadline comes before every other."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._count = 0
        self._thread: threading.Thread | None = None

    def watch(self, deadline: "_Deadline", when: float) -> None:
        with self._changed:
            self._count += 1
            earliest = self._heap[0][0] if self._heap else None
            heapq.heappush(self._heap, (when, self._count, deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="remote-store-deadlines", daemon=True)
                self._thread.start()
            elif earliest is None or when < earliest:
                self._changed.notify()

    def _run(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    _, _, deadline = heapq.heappop(self._heap)
                    deadline.expire()
                self._changed.wait(self._heap[0][0] - now if self._heap else None)


class _Deadline:
    """Shuts *sock* down when *seconds* have passed (see :class:`_Watchdog`)."""

    def __init__(self, sock: socket.socket | None, seconds: float | None, watchdog: _Watchdog | None = None) -> None:
        self.expired = False
        self._sock = sock
        self._lock = threading.Lock()
        if sock is not None and seconds is not None and watchdog is not None:
            watchdog.watch(self, time.monotonic() + max(0.0, seconds))
        else:
            self._sock = None

    def expire(self) -> None:
        with self._lock:
            sock, self._sock = self._sock, None
            if sock is None:  # cancelled, or never armed
                return
            self.expired = True
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def cancel(self) -> bool:
        """Stop watching; whether the deadline had struck."""
        with self._lock:
            self._sock = None
            return self.expired


class _ConnectionPool:
    """Idle persistent HTTP(S) connections to one host, shared by threads."""

    def __init__(self, url: str, size: int) -> None:
        parts = urllib.parse.urlsplit(url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or "localhost"
        self.port = parts.port
        self.idle: queue.LifoQueue[http.client.HTTPConnection] = queue.LifoQueue(maxsize=size)

    def acquire(self, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        try:
            connection = self.idle.get_nowait()
            reused = True
        except queue.Empty:
            factory = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            connection = factory(self.host, self.port, timeout=timeout)
            reused = False
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
        else:
            connection.timeout = timeout
        return connection, reused

    def release(self, connection: http.client.HTTPConnection) -> None:
        try:
            self.idle.put_nowait(connection)
        except queue.Full:
            connection.close()

    def close(self) -> None:
        while True:
            try:
                self.idle.get_nowait().close()
            except queue.Empty:
                return


class _Wrapper(SPARQLWrapper):
    """SPARQLWrapper sending its requests through the store's transport."""

    def __init__(self, endpoint: str, transport: "RemoteStore") -> None:
        super().__init__(endpoint, agent=f"coevidence/{__version__} SPARQLWrapper")
        self._transport = transport
        #: the socket timeout in seconds (SPARQLWrapper's own ``timeout`` is whole seconds)
        self.socket_timeout: float | None = None

    def _parseQueryType(self, query: str) -> str | None:
        # the store reads the form with its own tokenizer (see RemoteStore.query) and sets
        # it before the query: SPARQLWrapper's regular expressions need not run
        form = getattr(self, "known_form", None)
        return form if form is not None else super()._parseQueryType(query)

    def setSocketTimeout(self, seconds: float) -> None:
        self.setTimeout(math.ceil(seconds))
        self.socket_timeout = seconds

    def _query(self) -> tuple[_Response, str]:  # type: ignore[override]
        request = self._createRequest()
        return self._transport._send(request, self.socket_timeout), self.returnFormat


# ---------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------


class RemoteStore:
    """Any SPARQL 1.1 query endpoint, reached over HTTP(S) through SPARQLWrapper.

    ``endpoint`` is the query URL (``http://host:8890/sparql`` for Virtuoso,
    ``http://host:3030/ds/query`` for Fuseki). ``user`` and ``password`` are sent with HTTP
    ``basic`` or ``digest`` authentication (``http_auth``; ``auto``, the default, sends basic
    credentials and changes to digest for good when the endpoint answers them with a 401
    that asks for digest or for nothing, as Virtuoso's ``/sparql-auth`` does); they may also
    be written into the
    URL (``https://user:password@host/sparql``), and are never shown in ``description`` or in
    messages. ``timeout_parameter`` names the request parameter through which the endpoint
    accepts a time limit in milliseconds (Virtuoso's ``timeout``; None to send none); the
    socket waits ``timeout_grace`` seconds longer than the limit, so that the endpoint's own
    time-out message normally comes first. The store is safe to share between threads.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        user: str | None = None,
        password: str | None = None,
        http_auth: TypingLiteral["auto", "basic", "digest"] = "auto",
        timeout_parameter: str | None = "timeout",
        timeout_grace: float = TIMEOUT_GRACE,
        pool_size: int = POOL_SIZE,
    ) -> None:
        parts = urllib.parse.urlsplit(endpoint)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"the endpoint must be an http(s) URL, not {endpoint!r}")
        if http_auth not in {"auto", "basic", "digest"}:
            raise ValueError(f"http_auth must be 'auto', 'basic' or 'digest', not {http_auth!r}")
        if parts.username is not None and user is None:
            # credentials written into the URL (https://user:password@host/sparql)
            user = urllib.parse.unquote(parts.username)
            password = urllib.parse.unquote(parts.password or "")
        if (user is None) != (password is None):
            raise ValueError("give both a user and a password for the endpoint, or neither")
        # the netloc without user:password@, so that urllib and SPARQLWrapper never see them;
        # parameters written into the URL (?default-graph-uri=...) are sent with every query
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        endpoint = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))
        self.parameters = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if any(name == "query" for name, _ in self.parameters):
            raise ValueError("the endpoint URL must not carry a query= parameter")
        self.endpoint = endpoint
        self.user = user
        self.password = password
        self.http_auth = http_auth
        self.timeout_parameter = timeout_parameter
        self.timeout_grace = timeout_grace
        self.description = f"remote: {endpoint}" + (f"?{parts.query}" if parts.query else "")
        self._pool = _ConnectionPool(endpoint, pool_size)
        self._watchdog = _Watchdog()
        #: per thread: the most bytes of answer the query being sent may read
        self._reading = threading.local()
        self._digest_opener: urllib.request.OpenerDirector | None = None
        if user is not None and http_auth == "digest":
            self._use_digest()
        self._data_version: str | None = None

    def _use_digest(self) -> None:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, self.endpoint, self.user, self.password)
        self._digest_opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
        self.http_auth = "digest"

    # -- the Store protocol ---------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Identifier] | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float,
        max_rows: int,
        accept: Sequence[str] = (),
        max_bytes: int | None = None,
    ) -> QueryResult:
        """Run one query on the endpoint (see :meth:`coevidence.server.stores.Store.query`).

        With ``max_bytes``, solutions past that many bytes of terms are cut (as past
        ``max_rows``), and an answer longer than ``READ_FACTOR`` times that is not read.

        With ``accept``, a result that can be written in one of those media types (SPARQL
        JSON, XML, CSV or TSV for solutions; Turtle, N-Triples, JSON-LD, RDF/XML, TriG or
        N-Quads for graphs) comes back written, in ``QueryResult.encoded``, without being
        turned into rdflib terms and back.
        """
        form = query_form(sparql)
        if form in _UPDATE_WORDS:
            raise QueryRejected(f"{form} is an update; this endpoint only answers queries")
        if form is None:
            raise QuerySyntaxError("this is not a SPARQL query: it has no SELECT, ASK, CONSTRUCT or DESCRIBE")
        text = substitute(sparql, bindings or {})
        wrapper = _Wrapper(self.endpoint, self)
        wrapper.setOnlyConneg(True)  # no format=/output= parameters: the Accept header says it
        wrapper.known_form = form
        wrapper.setQuery(text)
        # SPARQLWrapper guesses the form with a regular expression that reads words in
        # comments ("# description: ..." makes a DESCRIBE, "# ... add ..." an update sent
        # as update=); the tokenizer's answer is the right one
        wrapper.queryType = form
        for name, value in self.parameters:
            wrapper.addParameter(name, value)
        graph_form = form in {"CONSTRUCT", "DESCRIBE"}
        wrapper.setReturnFormat(N3 if graph_form else JSON)
        wrapper.addCustomHttpHeader("Accept", GRAPH_ACCEPT if graph_form else RESULTS_ACCEPT)
        wrapper.setMethod(POST if len(text) > MAX_GET_QUERY else GET)
        for uri in default_graph_uris:
            wrapper.addDefaultGraph(uri)
        for uri in named_graph_uris:
            wrapper.addNamedGraph(uri)
        if timeout and timeout > 0:
            wrapper.setSocketTimeout(timeout + self.timeout_grace)
            if self.timeout_parameter:
                wrapper.addParameter(self.timeout_parameter, str(max(1, int(timeout * 1000))))
        if self.user is not None and self.http_auth != "digest":
            wrapper.setHTTPAuth(BASIC)
            wrapper.setCredentials(self.user, self.password)
        started = time.perf_counter()
        self._reading.limit = None if max_bytes is None else READ_FACTOR * max_bytes + 65_536
        try:
            answer = wrapper.query()
        finally:
            self._reading.limit = None
        seconds = time.perf_counter() - started
        headers = answer.response.info()
        if headers.get("X-SQL-State", "").strip() == "S1TAT":
            raise QueryTimeout(
                f"the endpoint stopped the query at its time limit ({timeout:g} s) and offered partial results"
            )
        cut_by_endpoint = headers.get("X-SPARQL-MaxRows") is not None
        if graph_form:
            result = self._graph_result(answer, max_rows, cut_by_endpoint, accept, max_bytes)
        else:
            result = self._solutions_result(answer, max_rows, cut_by_endpoint, accept, max_bytes)
        result.engine_seconds = seconds
        return result

    def data_version(self) -> str:
        """The source digest of the build in the endpoint's data (asked once, then kept);
        where the data has none, a digest of the endpoint URL."""
        if self._data_version is not None:
            return self._data_version
        result = self.query(
            DATA_VERSION_QUERY,
            bindings={"buildClass": COE.Build, "digestProperty": COE.sourceDigest},
            timeout=10,
            max_rows=1,
        )
        if result.rows:
            self._data_version = f"build-{result.rows[0][Variable('digest')]}"
        else:
            self._data_version = "endpoint-" + hashlib.sha256(self.endpoint.encode()).hexdigest()[:16]
        return self._data_version

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> "RemoteStore":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- answers --------------------------------------------------------------------------

    def _solutions_result(
        self, answer: WrapperResult, max_rows: int, cut_by_endpoint: bool, accept: Sequence[str],
        max_bytes: int | None = None,
    ) -> QueryResult:
        content_type = answer.response.info().get("Content-Type", "")
        if "json" not in content_type:
            raise StoreUnavailable(f"the endpoint answered with {content_type or 'no content type'}, not SPARQL JSON results")
        body = answer.response.read()
        try:
            data = orjson.loads(body)
        except ValueError as error:
            raise StoreUnavailable(f"the endpoint's JSON results do not parse: {error}") from None
        if not isinstance(data, dict):
            raise StoreUnavailable("the endpoint's JSON results are not an object")
        writable = next((media_type for media_type in accept if media_type in SOLUTION_WRITERS), None)
        if "boolean" in data:
            value = bool(data["boolean"])
            encoded = {writable: SOLUTION_WRITERS[writable]((), (), value)} if writable else {}
            return QueryResult(kind="boolean", boolean=value, encoded=encoded)
        names = [str(name) for name in data.get("head", {}).get("vars", [])]
        solutions = data.get("results", {}).get("bindings", [])
        truncated = cut_by_endpoint
        if max_rows >= 0 and len(solutions) > max_rows:
            solutions = solutions[:max_rows]
            truncated = True
        solutions, cut = _cut_by_bytes(solutions, max_bytes, len(body))
        truncated = truncated or cut
        variables = [Variable(name) for name in names]
        if writable == JSON_RESULTS:
            body = canonical_json(names, solutions)
            return QueryResult(kind="bindings", variables=variables, encoded={writable: body}, size=len(solutions), truncated=truncated)
        rows = [tuple(json_tuple(s[name]) if name in s else None for name in names) for s in solutions]
        if writable:
            body = SOLUTION_WRITERS[writable](names, rows)
            return QueryResult(kind="bindings", variables=variables, encoded={writable: body}, size=len(rows), truncated=truncated)
        term = RdflibTerms()
        rdflib_rows = [
            {variable: term(value) for variable, value in zip(variables, row) if value is not None} for row in rows
        ]
        return QueryResult(kind="bindings", variables=variables, rows=rdflib_rows, truncated=truncated)

    def _graph_result(
        self, answer: WrapperResult, max_rows: int, cut_by_endpoint: bool, accept: Sequence[str],
        max_bytes: int | None = None,
    ) -> QueryResult:
        import pyoxigraph as ox

        content_type = answer.response.info().get("Content-Type", "").split(";")[0].strip().lower()
        parser = GRAPH_PARSERS.get(content_type)
        if parser is None:
            raise StoreUnavailable(f"the endpoint answered a graph query with {content_type or 'no content type'}")
        triples = []
        truncated = cut_by_endpoint
        size = 0
        try:
            for triple in ox.parse(answer.response.read(), format=getattr(ox.RdfFormat, parser)):
                if max_rows >= 0 and len(triples) == max_rows:
                    truncated = True
                    break
                if max_bytes is not None:
                    size += sum(len(part.value) + TERM_OVERHEAD_BYTES
                                for part in (triple.subject, triple.predicate, triple.object))
                    if size > max_bytes:
                        truncated = True
                        break
                triples.append(triple)
        except SyntaxError as error:
            raise StoreUnavailable(f"the endpoint's {content_type} does not parse: {error}") from None
        writable = next((media_type for media_type in accept if media_type in WRITTEN_GRAPH_FORMATS), None)
        if writable:
            rdf_format = getattr(ox.RdfFormat, WRITTEN_GRAPH_FORMATS[writable])
            body = ox.serialize(triples, format=rdf_format, prefixes=PREFIXES)
            return QueryResult(kind="graph", encoded={writable: body}, size=len(triples), truncated=truncated)
        term = RdflibTerms()
        graph = Graph()
        for triple in triples:
            graph.add(tuple(term(from_oxigraph(part)) for part in (triple.subject, triple.predicate, triple.object)))
        return QueryResult(kind="graph", graph=graph, truncated=truncated)

    # -- transport ------------------------------------------------------------------------

    def _send(self, request: urllib.request.Request, timeout: float | None) -> _Response:
        """Send SPARQLWrapper's request; map every failure to the store's exceptions."""
        try:
            if self._digest_opener is not None:
                response = self._send_with_opener(request, timeout)
            else:
                response = self._send_pooled(request, timeout)
        except (TimeoutError, socket.timeout):
            raise QueryTimeout(f"the endpoint did not answer within {timeout:g} s") from None
        except (OSError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or error
            raise StoreUnavailable(f"cannot reach the SPARQL endpoint {self.endpoint}: {reason}") from None
        if response.status == 401 and self._wants_digest(response):
            # the endpoint asks for digest credentials: from now on, send them that way
            self._use_digest()
            request.remove_header("Authorization")
            return self._send(request, timeout)
        if response.status >= 400:
            raise self._http_error(response)
        return response

    def _wants_digest(self, response: _Response) -> bool:
        """Whether a 401 to basic credentials means "use digest": its challenge says so, or
        it has none (Virtuoso's /sparql-auth answers basic credentials with a bare 401)."""
        challenge = (response.headers.get("WWW-Authenticate", "") or "").strip().lower()
        return (
            self.user is not None
            and self.http_auth == "auto"
            and self._digest_opener is None
            and (not challenge or challenge.startswith("digest"))
        )

    def _send_pooled(self, request: urllib.request.Request, timeout: float | None) -> _Response:
        headers = dict(request.header_items())
        ends = time.monotonic() + timeout if timeout else None  # the whole exchange, every try
        for attempt in (1, 2):
            left = None if ends is None else ends - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError
            connection, reused = self._pool.acquire(left or socket.getdefaulttimeout() or 300.0)
            keep = False
            deadline = _Deadline(None, None)
            try:
                if connection.sock is None:
                    connection.connect()
                deadline = _Deadline(connection.sock, None if ends is None else ends - time.monotonic(), self._watchdog)
                quick_ack(connection.sock)
                connection.request(request.get_method(), request.selector, body=request.data, headers=headers)
                quick_ack(connection.sock)
                raw = connection.getresponse()
                body = _read_bounded(raw, getattr(self._reading, "limit", None))
                keep = not raw.will_close
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, http.client.BadStatusLine):
                if deadline.cancel():
                    raise TimeoutError from None
                if reused and attempt == 1:
                    continue  # the server had closed an idle connection: try once on a fresh one
                raise
            except (OSError, http.client.HTTPException):
                if deadline.cancel():
                    raise TimeoutError from None
                raise
            finally:
                if deadline.cancel():
                    keep = False
                if keep:
                    self._pool.release(connection)
                else:
                    connection.close()
            return _Response(request.full_url, raw.status, raw.msg, body)
        raise StoreUnavailable("the endpoint closed the connection twice")  # not reached

    def _send_with_opener(self, request: urllib.request.Request, timeout: float | None) -> _Response:
        assert self._digest_opener is not None
        try:
            with self._digest_opener.open(request, timeout=timeout) as raw:
                return _Response(request.full_url, raw.status, raw.headers,
                                 _read_bounded(raw, getattr(self._reading, "limit", None)))
        except urllib.error.HTTPError as error:
            return _Response(request.full_url, error.code, error.headers, error.read())

    def _http_error(self, response: _Response) -> Exception:
        status = response.status
        message = _endpoint_message(response.body)
        if status == 400:
            return QuerySyntaxError(message or "the endpoint could not parse the query (400)")
        if status in {408, 504} or _looks_like_timeout(message):
            return QueryTimeout(message or f"the endpoint timed out ({status})")
        if status in {401, 403}:
            return StoreUnavailable(f"the SPARQL endpoint refused our credentials ({status}); check the endpoint user and password")
        if status == 404:
            return StoreUnavailable(f"there is no SPARQL endpoint at {self.endpoint} (404)")
        if status == 414:
            return QueryRejected("the query is too long for the endpoint (414)")
        return StoreUnavailable(f"the SPARQL endpoint failed ({status})" + (f": {message}" if message else ""))


def _endpoint_message(body: bytes, limit: int = 600) -> str:
    """The useful part of an endpoint's error text: Virtuoso's first paragraph, without the
    query it echoes back; HTML tags dropped."""
    text = body.decode("utf-8", errors="replace")
    if "<" in text and ">" in text and "<html" in text.lower():
        text = re.sub(r"<[^>]+>", " ", text)
    text = text.split("\n\nSPARQL query:")[0]
    text = re.sub(r"\s+", " ", text).strip()
    return text[:limit]


def _looks_like_timeout(message: str) -> bool:
    """Whether the endpoint's error says the query ran past its time limit. Virtuoso says so
    in several ways: S1TAT (the anytime limit), "Estimated execution time", and, when it
    cancels the statement at the limit itself, HY008 "Async statement killed by SQLCancel"
    (which of these comes back depends on where the query was when the limit struck)."""
    lowered = message.lower()
    return (
        "estimated execution time" in lowered
        or "timeout" in lowered
        or "timed out" in lowered
        or "s1tat" in lowered
        or "hy008" in lowered
        or "killed by sqlcancel" in lowered
    )
