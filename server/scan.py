"""A fast, conservative scan of a SPARQL query's tokens, for the policy check.

It is not a parser: it splits the text into tokens the way the SPARQL grammar does (strings,
IRIs ``<...>``, comments, variables, prefixed names, language tags and numbers are each one
token), so that a bare word can only be a keyword or a function name. That is enough to
find, without running the engine or rdflib's slow parser:

- the query form (``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``);
- every keyword that only an update or a federated query can use (``SERVICE``, ``LOAD``,
  ``INSERT`` ...), and Virtuoso's ``DEFINE`` pragmas, with their line and column;
- every ``FROM`` / ``FROM NAMED`` clause, with its IRI resolved against ``PREFIX`` and
  ``BASE``;
- calls into Virtuoso's ``bif:`` and ``sql:`` built-in function namespaces;
- the outermost query's own ``LIMIT`` (the one outside every brace), so that a store knows
  when a result cannot pass its row cap.

SPARQL allows ``\\uXXXX`` escapes anywhere in a query, and some engines decode them before
tokenising. When a query contains one, it is scanned twice, as written and decoded, and the
findings of both are kept, so an escape cannot hide a keyword from the check.

``<`` is the other trap: ``<2)#>`` looks like an IRI, but inside an expression, after an
operand (``FILTER(1<2)#>...``), a parser such as Oxigraph's reads a less-than sign followed
by code or a comment. Reading it as an IRI would let the scan skip a quote or a comment
mark that the engine sees, and so miss a ``SERVICE`` after it. Whenever an IRI appears in
such a place, the query is scanned a second time reading those ``<`` as less-than signs, and
the findings of both readings are kept.

A tokenizer cannot follow every corner of the grammar, so a query in which a risky word
(``SERVICE``, ``FROM``, ``LOAD``, ``DEFINE``, ``bif:``...) appears anywhere
but was not found as a keyword is parsed by rdflib's SPARQL parser, which reads the grammar
in context as engines do; a ``SERVICE``, ``FROM`` or vendor function found there and missed
here is refused as well. When rdflib cannot parse such a query, the scan says so
(``unverified``) and the policy refuses it. Most queries hold no risky word and never pay for
the parse; those that do pay it once (results are cached).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from urllib.parse import urljoin

#: keywords that only SPARQL Update uses (and WITH / USING, which only appear in updates)
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH", "USING"}
)
#: keywords that make the engine fetch or run something outside the dataset
REMOTE_KEYWORDS = frozenset({"SERVICE", "DEFINE"})
FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
#: Virtuoso's built-in function namespaces (bif:http_get and friends reach the network)
VENDOR_FUNCTION_NAMESPACES = (
    "http://www.openlinksw.com/schemas/bif#",
    "http://www.openlinksw.com/schemas/sql#",
)
VENDOR_FUNCTION_PREFIXES = {"bif": VENDOR_FUNCTION_NAMESPACES[0], "sql": VENDOR_FUNCTION_NAMESPACES[1]}
#: Virtuoso also calls a built-in named by an IRI in its own scheme: <bif:http_get>(...)
VENDOR_FUNCTION_SCHEMES = ("bif:", "sql:")


def is_vendor_function(iri: str) -> bool:
    """Whether *iri* names one of Virtuoso's built-in functions (in any letter case)."""
    lowered = iri.lower()
    return lowered.startswith(VENDOR_FUNCTION_SCHEMES) or lowered.startswith(VENDOR_FUNCTION_NAMESPACES)

_LETTER = r"[^\W\d_]"
_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
               |\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'
               |"(?:[^"\\\n\r]|\\.)*")
    | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<var>[?$]\w+)
    | (?P<bnode>_:[\w.\-]*)
    | (?P<pname>(?:LETTER(?:[\w.\-]*[\w\-])?)?:(?:[\w:\-]|%[0-9A-Fa-f]{2}|\\.|\.(?=[\w:\-%\\]))*)
    | (?P<word>LETTER\w*)
    | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
    | (?P<other>.)
    """.replace("LETTER", _LETTER),
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class Position:
    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"


@dataclass(frozen=True)
class Keyword:
    """A keyword the policy looks at, as written, with where it is."""

    word: str  # upper case
    position: Position


@dataclass(frozen=True)
class DatasetClause:
    """A ``FROM`` or ``FROM NAMED`` clause."""

    named: bool
    written: str  # as written: <...> or a prefixed name
    iri: str | None  # resolved, or None when it cannot be (unknown prefix, relative IRI)
    position: Position

    @property
    def keyword(self) -> str:
        return "FROM NAMED" if self.named else "FROM"


@dataclass(frozen=True)
class QueryScan:
    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE, or None if none was found
    forbidden: tuple[Keyword, ...]  # update and remote keywords, in order
    dataset: tuple[DatasetClause, ...]  # FROM / FROM NAMED clauses, in order
    vendor_functions: tuple[Keyword, ...]  # bif:/sql: names, as written
    limit: int | None = None  # LIMIT of the outermost query, None when it has none (or unsure)
    unverified: str | None = None  # why a query holding a risky word could not be checked further
    first_call: int | None = None  # offset of an IRI or prefixed name followed by "(" (comments skipped)

    @property
    def has_dataset_clause(self) -> bool:
        return bool(self.dataset)


#: tokens after which a ``<`` inside an expression may be a less-than sign
_OPERAND_KINDS = frozenset({"var", "number", "string", "langtag", "iri", "pname", "bnode"})


def _is_operand(token: tuple[str, str] | None) -> bool:
    if token is None:
        return False
    kind, value = token
    return kind in _OPERAND_KINDS or (kind == "other" and value == ")") or (
        kind == "word" and value.upper() in ("TRUE", "FALSE")
    )


def _tokenize(text: str, less_than: bool) -> tuple[list[tuple[str, str, int]], bool]:
    """The significant tokens of *text* as ``(kind, value, offset)``, and whether an IRI stood
    where a less-than sign could (see the module docstring). With *less_than*, such an IRI is
    read as a less-than sign and the text after it is tokenised afresh.

    Brackets are followed to tell expressions from the rest: a ``(`` opens an expression
    inside another expression, after a word (FILTER, BIND, a function name, SELECT, BY...),
    or after a function named by an IRI that follows a word (``FILTER ex:f(``); after a term
    it opens a collection or a row of VALUES, where ``<`` is always an IRI.
    """
    tokens: list[tuple[str, str, int]] = []
    brackets: list[str] = []
    previous: tuple[str, str] | None = None
    before_previous: tuple[str, str] | None = None
    ambiguous = False
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        assert match is not None  # the pattern ends with "any character"
        kind, value = match.lastgroup or "other", match.group()
        if kind == "iri" and brackets and brackets[-1] == "expression" and _is_operand(previous):
            ambiguous = True
            if less_than:
                kind, value = "other", "<"
        start, position = position, position + len(value)
        if kind in ("ws", "comment"):
            continue
        if kind == "other":
            if value == "(":
                opens_expression = (
                    (brackets and brackets[-1] == "expression")
                    or (previous is not None and previous[0] == "word" and previous[1] != "a")
                    or (
                        previous is not None
                        and previous[0] in ("pname", "iri")
                        and before_previous is not None
                        and before_previous[0] == "word"
                    )
                )
                brackets.append("expression" if opens_expression else "group")
            elif value in "{[":
                brackets.append(value)
            elif value in ")}]" and brackets:
                brackets.pop()
        tokens.append((kind, value, start))
        before_previous, previous = previous, (kind, value)
    return tokens, ambiguous


def _positions(text: str):
    """A function from offset to :class:`Position` (1-based line and column)."""
    line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r", text)]

    def at(offset: int) -> Position:
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return Position(lo + 1, offset - line_starts[lo] + 1)

    return at


def _scan_text(text: str) -> QueryScan:
    """Scan *text* as written; where a ``<`` may be a less-than sign, under both readings."""
    tokens, ambiguous = _tokenize(text, less_than=False)
    scan = _scan_tokens(text, tokens)
    if ambiguous:
        scan = _merge(scan, _scan_tokens(text, _tokenize(text, less_than=True)[0]))
    return scan


def _merge(first: QueryScan, second: QueryScan) -> QueryScan:
    """What either of two readings of a query found; its LIMIT only if both agree."""
    return QueryScan(
        first.form or second.form,
        first.forbidden + tuple(k for k in second.forbidden if k not in first.forbidden),
        first.dataset + tuple(c for c in second.dataset if c not in first.dataset),
        first.vendor_functions + tuple(k for k in second.vendor_functions if k not in first.vendor_functions),
        first.limit if first.limit == second.limit else None,
        first.unverified or second.unverified,
        first.first_call if first.first_call is not None else second.first_call,
    )


def _scan_tokens(text: str, tokens: list[tuple[str, str, int]]) -> QueryScan:
    at = _positions(text)
    form: str | None = None
    forbidden: list[Keyword] = []
    dataset: list[DatasetClause] = []
    vendor: list[Keyword] = []
    prefixes: dict[str, str] = {}
    base: str | None = None
    depth = 0  # braces open
    limit: int | None = None
    first_call = next(
        (
            token[2]
            for token, following in zip(tokens, tokens[1:])
            if token[0] in ("iri", "pname") and following[:2] == ("other", "(")
        ),
        None,
    )

    i = 0
    while i < len(tokens):
        kind, value, start = tokens[i]
        if kind == "word":
            word = value.upper()
            if word in FORMS and form is None:
                form = word
            elif word in UPDATE_KEYWORDS or word in REMOTE_KEYWORDS:
                forbidden.append(Keyword(word, at(start)))
            elif (
                word == "PREFIX"
                and i + 2 < len(tokens)
                and tokens[i + 1][0] == "pname"
                and tokens[i + 2][0] == "iri"
            ):
                prefixes[tokens[i + 1][1][:-1]] = _resolve(tokens[i + 2][1][1:-1], base) or ""
                i += 3
                continue
            elif word == "BASE" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
                base = _resolve(tokens[i + 1][1][1:-1], base)
                i += 2
                continue
            elif word == "FROM":
                j = i + 1
                named = j < len(tokens) and tokens[j][0] == "word" and tokens[j][1].upper() == "NAMED"
                if named:
                    j += 1
                if j < len(tokens) and tokens[j][0] in ("iri", "pname"):
                    written = tokens[j][1]
                    dataset.append(
                        DatasetClause(named, written, _expand(written, prefixes, base), at(start))
                    )
                    i = j + 1
                    continue
                dataset.append(DatasetClause(named, "", None, at(start)))
        elif kind == "pname":
            prefix = value.split(":", 1)[0]
            namespace = prefixes.get(prefix, VENDOR_FUNCTION_PREFIXES.get(prefix.lower()))
            if namespace is not None and is_vendor_function(namespace):
                vendor.append(Keyword(value, at(start)))
        elif kind == "iri" and is_vendor_function(_resolve(value[1:-1], base) or value[1:-1]):
            vendor.append(Keyword(value, at(start)))
        elif kind == "other":
            depth += {"{": 1, "}": -1}.get(value, 0)
        if (
            kind == "word"
            and depth == 0
            and value.upper() == "LIMIT"
            and i + 1 < len(tokens)
            and tokens[i + 1][0] == "number"
            and tokens[i + 1][1].isdigit()
            and len(tokens[i + 1][1]) <= 18  # int() refuses numbers of thousands of digits
        ):
            limit = int(tokens[i + 1][1])
        i += 1
    return QueryScan(form, tuple(forbidden), tuple(dataset), tuple(vendor), limit, None, first_call)


def _resolve(iri: str, base: str | None) -> str | None:
    if re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", iri):
        return iri
    return urljoin(base, iri) if base else None


def _expand(written: str, prefixes: dict[str, str], base: str | None) -> str | None:
    if written.startswith("<"):
        return _resolve(written[1:-1], base)
    prefix, local = written.split(":", 1)
    namespace = prefixes.get(prefix)
    if not namespace:
        return None
    return namespace + re.sub(r"\\(.)", r"\1", local)


def _decode_escapes(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


#: words that send a query to the second look when the scan did not find them as keywords.
#: Anywhere, even inside a longer word: Oxigraph's parser reads a keyword glued to what
#: follows or precedes it (``SERVICEex:x``, ``trueSERVICE``). Update keywords are left out:
#: an update cannot hide inside a query, and the engines refuse updates sent as queries.
_RISKY = re.compile(
    r"SERVICE|FROM|LOAD|DEFINE"
    r"|(?:bif|sql):|openlinksw\.com/schemas/(?:bif|sql)#",
    re.IGNORECASE,
)


#: a function called by IRI or prefixed name: ``ex:f(``, ``<...>(`` (SPARQL's own functions
#: are keywords, without a colon). Virtuoso runs any IRI it knows as a built-in or as a SQL
#: procedure (``<LONG::bif:http_get>(...)``, ``<RDF_HTTP_URL_GET>(...)``), so only the XSD
#: casts are let through.
_FUNCTION_BY_IRI = re.compile(r"(?:>|[^\s(){}<>\"'#,;|/^]*:[^\s(){}<>\"'#,;|/^]*)\s*\(")
ALLOWED_FUNCTION_NAMESPACES = ("http://www.w3.org/2001/XMLSchema#",)


def _parse_tree_findings(tree) -> tuple[set[str], set[str]]:
    """The names of the grammar rules in an rdflib parse tree, and every IRI or prefix in it."""
    from rdflib.plugins.sparql.parserutils import CompValue

    names: set[str] = set()
    terms: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            names.add(node.name)
            if node.name == "pname" and node.get("prefix") is not None:
                terms.add(str(node.get("prefix")) + ":")
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
            stack.extend(node)
        elif isinstance(node, str):
            terms.add(str(node))
    return names, terms


def _called_functions(tree) -> list[str]:
    """The IRIs of the functions a parsed query calls (rdflib's algebra resolves prefixes)."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    iris: list[str] = []
    seen: set[int] = set()
    stack = [translateQuery(tree).algebra]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CompValue):
            if node.name == "Function" and node.get("iri") is not None:
                iris.append(str(node.get("iri")))
            stack.extend(node.values())
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, set)):
            stack.extend(node)
    return iris


def _second_look(text: str, scan: QueryScan) -> QueryScan:
    """Parse a query that holds a risky word the scan did not find, or calls a function by
    IRI (module docstring)."""
    if scan.forbidden or scan.vendor_functions:
        return scan  # refused already
    decoded = _decode_escapes(text)
    match = (
        _RISKY.search(text) or _RISKY.search(decoded)
        or _FUNCTION_BY_IRI.search(text) or _FUNCTION_BY_IRI.search(decoded)
    )
    if match is None and scan.first_call is not None:  # a comment between name and "(" hides it
        match = re.compile(r"\S+").search(text, scan.first_call)
    if match is None:
        return scan
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery

    where = _positions(text)(min(match.start(), len(text) - 1))
    what = match.group().upper() if _RISKY.fullmatch(match.group()) else match.group().rstrip("( \t\r\n")
    try:
        tree = parseQuery(text)
        functions = _called_functions(tree)
    except ParseBaseException as error:
        return replace(scan, unverified=f"{what} ({where}) could not be checked: {error}")
    except Exception as error:  # rdflib raises other errors on some inputs (unknown prefix...)
        return replace(scan, unverified=f"{what} ({where}) could not be checked: {error}")
    names, terms = _parse_tree_findings(tree)
    forbidden = tuple(Keyword(word, where) for word, rule in (("SERVICE", "ServiceGraphPattern"),) if rule in names)
    vendor = tuple(Keyword(term, where) for term in sorted(terms) if is_vendor_function(term))
    vendor += tuple(
        Keyword(f"<{iri}>", where) for iri in dict.fromkeys(functions) if not iri.startswith(ALLOWED_FUNCTION_NAMESPACES)
    )
    unverified = None
    if "datasetClause" in names and not scan.dataset:
        unverified = f"FROM ({where}) could not be checked: the scan did not find the clause rdflib found"
    if forbidden or vendor or unverified:
        return replace(scan, forbidden=scan.forbidden + forbidden, vendor_functions=scan.vendor_functions + vendor,
                       unverified=scan.unverified or unverified)
    return scan


@lru_cache(maxsize=512)
def scan_query(text: str) -> QueryScan:
    """Scan *text* (see the module docstring). Results are cached: the scan is pure."""
    scan = _scan_text(text)
    if _ESCAPE.search(text):
        scan = _merge(scan, _scan_text(_decode_escapes(text)))
    return _second_look(text, scan)
