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

A tokenizer cannot follow every corner of the grammar, so :func:`scan_query` ends with a
second look (:mod:`.second_look`): rdflib's parser reads the queries that hold a risky word
the scan did not find as a keyword, or that call a function by IRI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
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
_TOKEN_PATTERN = r"""
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
    """.replace("LETTER", _LETTER)
_TOKEN = re.compile(_TOKEN_PATTERN, re.VERBOSE | re.DOTALL)
#: the same, for parsers that end a line only at a line feed (Virtuoso, rdflib): a carriage
#: return alone neither ends a comment nor a short string there
_TOKEN_LF = re.compile(_TOKEN_PATTERN.replace("\\n\\r", "\\n"), re.VERBOSE | re.DOTALL)
_LONE_CR = re.compile(r"\r(?!\n)")
#: Reading strings and names in linear time. Tried at every offset, the token pattern would
#: be quadratic in a run without a token end: a string that never closes (``'\'\'\'...``),
#: a name that is not a prefixed name (``a.a.a...``) is scanned to its end from each of its
#: characters. But when a string fails to close from one quote, it fails from every later
#: quote of the same kind that the failed scan passed over (each of those was escaped, so its
#: scan is a tail of the failed one), and a prefixed name fails from every later letter of
#: the same run of name characters (its colon would be at the same place). So the tokenizer
#: remembers, after each failure, up to where that token cannot start.
_LONG_STRING = {quote: re.compile(rf"{quote * 3}(?:[^{quote}\\]|\\.|{quote}(?!{quote * 2}))*{quote * 3}", re.DOTALL)
                for quote in "'\""}


def _short_string(quote: str, line_ends: str) -> tuple[re.Pattern, re.Pattern]:
    """A short string, and how far a scan for its end goes (possessive: the stop)."""
    body = rf"(?:[^{quote}\\{line_ends}]|\\.)"
    return re.compile(rf"{quote}{body}*{quote}", re.DOTALL), re.compile(rf"{quote}{body}*+", re.DOTALL)


_SHORT_STRING = {
    (quote, pattern): _short_string(quote, ends)
    for quote in "'\""
    for pattern, ends in ((_TOKEN, "\\n\\r"), (_TOKEN_LF, "\\n"))
}
_NAME_RUN = re.compile(r"[\w.\-]*+")
_WORD = re.compile(_LETTER + r"\w*+")


def _string_at(text: str, position: int, pattern: re.Pattern, cannot_start: dict[str, int]) -> str | None:
    """The string token at *position* (a quote), or None; *cannot_start* remembers failures."""
    quote = text[position]
    if text.startswith(quote * 3, position) and position >= cannot_start.get(quote * 3, 0):
        match = _LONG_STRING[quote].match(text, position)
        if match:
            return match.group()
        cannot_start[quote * 3] = len(text)  # a long string that does not close runs to the end
    if position >= cannot_start.get(quote, 0):
        full, reach = _SHORT_STRING[quote, pattern]
        match = full.match(text, position)
        if match:
            return match.group()
        cannot_start[quote] = reach.match(text, position).end()
    return None
ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


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
    syntax_error: str | None = None  # rdflib's parser could not read a query with nothing risky in it
    nesting: int = 0  # the deepest nesting of brackets and operators (see _OPERATORS)
    deepest: Position | None = None  # where that depth is first reached

    @property
    def has_dataset_clause(self) -> bool:
        return bool(self.dataset)


#: Nesting, as engines' recursive parsers and evaluators live it: every bracket open at once
#: (``{ }``, ``( )``, ``[ ]``), every operator of a run (``!!!x``, ``- -1``: prefix operators
#: nest), and one level for every OPERATORS_PER_LEVEL operators at one level (``1+1+1...``
#: builds a tree as deep as the chain is long: 20,000 of them, like 5,000 braces, crash
#: Oxigraph's parser). The policy caps it (MAX_NESTING).
_OPERATORS = frozenset("!+-*/|&=<>^")
OPERATORS_PER_LEVEL = 10
#: the most nesting any setting may allow: the second look never has rdflib read more
#: (rdflib needs about 60 Python frames, and up to 5 ms, per level)
NESTING_CEILING = 250

#: tokens after which a ``<`` inside an expression may be a less-than sign
_OPERAND_KINDS = frozenset({"var", "number", "string", "langtag", "iri", "pname", "bnode"})


def _is_operand(token: tuple[str, str] | None) -> bool:
    if token is None:
        return False
    kind, value = token
    return kind in _OPERAND_KINDS or (kind == "other" and value == ")") or (
        kind == "word" and value.upper() in ("TRUE", "FALSE")
    )


def _tokenize(text: str, less_than: bool, pattern: re.Pattern = _TOKEN) -> tuple[list[tuple[str, str, int]], bool]:
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
    cannot_start: dict[str, int] = {}  # a quote, three quotes or "pname" -> offset (see _string_at)
    while position < len(text):
        char = text[position]
        word = _WORD.match(text, position) if position < cannot_start.get("pname", 0) else None
        if char == "'" or char == '"':
            string = _string_at(text, position, pattern, cannot_start)
            kind, value = ("other", char) if string is None else ("string", string)
        elif word is not None and word.group():
            kind, value = "word", word.group()  # no prefixed name can start in this run
        else:
            match = pattern.match(text, position)
            assert match is not None  # the pattern ends with "any character"
            kind, value = match.lastgroup or "other", match.group()
            if kind == "word":
                run_end = _NAME_RUN.match(text, position).end()
                if run_end > position + len(value):
                    cannot_start["pname"] = run_end
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


def positions(text: str):
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
    """Scan *text* as written, under every reading that may differ: where a ``<`` may be a
    less-than sign, both ways; where a carriage return stands alone, both as the end of a
    line (the SPARQL grammar) and not (Virtuoso and rdflib end lines at line feeds only)."""
    patterns = [_TOKEN, _TOKEN_LF] if _LONE_CR.search(text) else [_TOKEN]
    scan: QueryScan | None = None
    for pattern in patterns:
        tokens, ambiguous = _tokenize(text, less_than=False, pattern=pattern)
        reading = _scan_tokens(text, tokens)
        if ambiguous:
            reading = _merge(reading, _scan_tokens(text, _tokenize(text, less_than=True, pattern=pattern)[0]))
        scan = reading if scan is None else _merge(scan, reading)
    assert scan is not None
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
        first.syntax_error or second.syntax_error,
        *max((first.nesting, first.deepest), (second.nesting, second.deepest), key=lambda pair: pair[0]),
    )


def _scan_tokens(text: str, tokens: list[tuple[str, str, int]]) -> QueryScan:
    at = positions(text)
    form: str | None = None
    forbidden: list[Keyword] = []
    dataset: list[DatasetClause] = []
    vendor: list[Keyword] = []
    prefixes: dict[str, str] = {}
    base: str | None = None
    depth = 0  # braces open
    limit: int | None = None
    open_brackets = nesting = 0  # see _OPERATORS
    deepest: int | None = None
    operator_run = operators_here = 0
    operators_outside: list[int] = []
    first_call = next(
        (
            token[2]
            for token, following in pairwise(tokens)
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
            if value in "({[":
                open_brackets += 1
                operators_outside.append(operators_here)
                operators_here = 0
            elif value in ")}]":
                open_brackets = max(0, open_brackets - 1)
                operators_here = operators_outside.pop() if operators_outside else 0
        if kind == "other" and value in _OPERATORS:
            operator_run += 1
            operators_here += 1
        else:
            operator_run = 0
        level = open_brackets + operator_run + operators_here // OPERATORS_PER_LEVEL
        if level > nesting:
            nesting, deepest = level, start
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
    return QueryScan(
        form, tuple(forbidden), tuple(dataset), tuple(vendor), limit, None, first_call,
        nesting=nesting, deepest=None if deepest is None else at(deepest),
    )


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


def decode_escapes(text: str) -> str:
    return ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


@lru_cache(maxsize=512)
def scan_query(text: str, thorough: bool = False) -> QueryScan:
    """Scan *text* (see the module docstring). With *thorough*, the second look reads every
    query, not only those that hold a risky word: for stores whose engine can reach the
    network (a remote endpoint). Results are cached: the scan is pure."""
    scan = _scan_text(text)
    if ESCAPE.search(text):
        scan = _merge(scan, _scan_text(decode_escapes(text)))
    if scan.nesting > NESTING_CEILING:
        return scan  # refused by the policy for its depth: rdflib never reads it
    from coevidence.server.sparql.second_look import second_look  # it reads QueryScan: import here

    return second_look(text, scan, always=thorough)
