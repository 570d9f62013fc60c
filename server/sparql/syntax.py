"""Syntax errors explained in words, for the person who wrote the query.

A parser's own message is a list of grammar expectations (Oxigraph: ``expected one of
Prefix not found, ['%'], ['-' | '0' ..= '9' ...``; rdflib: ``Expected SelectQuery, found
'WHERE'``). :func:`explain` turns an error into one sentence naming the line and column,
then the line of the query with a caret under the place::

    line 1, column 35: `x` cannot come here; expected one of a digit, HAVING, OFFSET, VALUES.
      1 | SELECT * WHERE { ?s ?p ?o } LIMIT x
        |                                   ^

Before the parser's own guess, it looks for the mistakes a scan can see for certain and
names them: a bracket never closed, a bracket closing nothing (or another kind), a string
never closed, a prefix used but not declared. Each is found in linear time (the tokens of
:mod:`.scan`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from coevidence.server.sparql.scan import FORMS, _tokenize, positions

PAIRS = {"(": ")", "{": "}", "[": "]"}
CLOSERS = {closer: opener for opener, closer in PAIRS.items()}
#: the longest stretch of a line shown around the caret
WINDOW = 60
#: the most expectations named
MOST_EXPECTED = 8
_ORACLE_POSITION = re.compile(r"^error at (\d+):(\d+): (?:expected )?", re.IGNORECASE)
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_CLASS = re.compile(r"\[(?:[^\[\]']|'(?:[^'\\]|\\.)*')*\]")
_LINE_END = re.compile(r"\r\n|\n|\r")


def snippet(text: str, line: int, column: int) -> str:
    """The query's *line*, with a caret under *column* (both 1-based), cut around it if long."""
    lines = _LINE_END.split(text)  # the line ends positions() counts, not str.splitlines()
    line = min(max(line, 1), len(lines))
    content = lines[line - 1]
    column = min(max(column, 1), len(content) + 1)
    start = max(0, min(column - 1 - WINDOW // 2, len(content) - WINDOW))
    shown = content[start:start + WINDOW]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + WINDOW < len(content) else ""
    shown = "".join(c if c.isprintable() or c == "\t" else "\ufffd" for c in shown)
    caret = "".join("\t" if c == "\t" else " " for c in shown[: column - 1 - start])
    gutter = f"  {line} | "
    return f"{gutter}{prefix}{shown}{suffix}\n{' ' * (len(gutter) - 2)}| {' ' * len(prefix)}{caret}^"


def _found(text: str, offset: int) -> str:
    if not text.strip():
        return "the query is empty"
    match = re.compile(r"\s*(\S+)").match(text, offset)
    if match is None:
        return "the query cannot end here"
    word = match.group(1)
    if len(word) > 20:
        word = word[:20] + "…"
    return f"`{word}` cannot come here"


def _expectations(raw: Iterable[str]) -> list[str]:
    """Oxigraph's or rdflib's expectations as words: keywords, punctuation, kinds of token."""
    words: list[str] = []
    for item in raw:
        item = item.strip()
        if not item:
            continue
        if item in ("[_]", "Prefix not found"):
            continue  # "any character": says nothing; the prefix case is diagnosed apart
        if item.startswith("["):
            if "'A'" in item or "'a'" in item:
                words.append("a name")
            elif "'0'" in item:
                words.append("a digit")
            continue
        if item.startswith('"') and item.endswith('"'):
            words.append(f"`{item[1:-1]}`")
        elif item == "IRI parsing failed":
            words.append("a valid IRI (no spaces or <>\"{}|^`\\ inside <...>)")
        else:
            words.append(item)
    return list(dict.fromkeys(words))


def _split_oxigraph(expected: str) -> list[str]:
    expected = expected.removeprefix("one of ")
    items = [m.group() for m in _QUOTED.finditer(expected)] + [m.group() for m in _CLASS.finditer(expected)]
    rest = _CLASS.sub(" ", _QUOTED.sub(" ", expected))
    phrases = [part.strip() for part in rest.split(",")]
    return items + [phrase for phrase in phrases if phrase]


def _diagnose(text: str) -> tuple[int, str] | None:
    """A mistake the tokens show for certain: (offset, sentence), or None."""
    tokens, _ = _tokenize(text, less_than=False)
    head = 0
    while head < len(tokens) and tokens[head][0] == "word" and tokens[head][1].upper() in ("PREFIX", "BASE"):
        head += 3 if tokens[head][1].upper() == "PREFIX" else 2
    if head < len(tokens) and not (tokens[head][0] == "word" and tokens[head][1].upper() in FORMS):
        if tokens[head][0] == "word" or head == 0:
            return tokens[head][2], (
                f"`{tokens[head][1][:20]}` cannot start a query: a query starts with SELECT, ASK, "
                "CONSTRUCT or DESCRIBE, after any PREFIX and BASE declarations"
            )
    opened: list[tuple[str, int]] = []
    declared: set[str] = set()
    previous = None
    for kind, value, start in tokens:
        if kind == "other" and value in PAIRS:
            opened.append((value, start))
        elif kind == "other" and value in CLOSERS:
            if not opened:
                return start, f"this `{value}` closes nothing that is open"
            opener, where = opened.pop()
            if PAIRS[opener] != value:
                at = positions(text)(where)
                return start, f"this `{value}` closes the `{opener}` opened at {at}, which needs `{PAIRS[opener]}`"
        elif kind == "other" and value in "'\"":
            return start, (
                "this string is never closed (a string in ' or \" ends on the line it starts on; "
                "use ''' or \"\"\" for one that spans lines)"
            )
        elif previous is not None and previous[0] == "word" and previous[1].upper() == "PREFIX" and kind != "pname":
            return start, "PREFIX needs a name ending in a colon, then an IRI: PREFIX ex: <http://example.org/>"
        elif kind == "pname":
            prefix = value.split(":", 1)[0]
            if previous is not None and previous[0] == "word" and previous[1].upper() == "PREFIX":
                declared.add(prefix)
            elif previous == ("other", "<"):
                pass  # an IRI that did not read as one (a space inside...): the parser says where
            elif prefix not in declared:
                return start, f"the prefix `{prefix}:` is not declared: add PREFIX {prefix}: <...> before the query"
        previous = (kind, value)
    if opened:
        opener, where = opened[-1]
        return where, f"this `{opener}` is never closed: a `{PAIRS[opener]}` is missing"
    return None


def certain_mistake(text: str) -> str | None:
    """The explanation of a mistake the scan sees for certain in *text*, or None."""
    diagnosis = _diagnose(text)
    if diagnosis is None:
        return None
    offset, sentence = diagnosis
    where = positions(text)(offset)
    return f"{where}: {sentence}.\n{snippet(text, where.line, where.column)}"


def explain(text: str, line: int | None, column: int | None, expected: Iterable[str] = ()) -> str:
    """One sentence for a syntax error in *text* at *line*, *column* (1-based, from the parser),
    then the line with a caret; a mistake the scan sees for certain wins over the parser's guess."""
    mistake = certain_mistake(text)
    if mistake is not None:
        return mistake
    if line is None or column is None:
        where = positions(text)(len(text))
        line, column = where.line, where.column
    starts = [0] + [match.end() for match in _LINE_END.finditer(text)]
    offset = starts[min(max(line, 1), len(starts)) - 1] + column - 1
    sentence = _found(text, offset)
    words = _expectations(expected)
    if words:
        shown = ", ".join(words[:MOST_EXPECTED]) + (" and others" if len(words) > MOST_EXPECTED else "")
        sentence += f"; expected {'one of ' if len(words) > 1 else ''}{shown}"
    return f"line {line}, column {column}: {sentence}.\n{snippet(text, line, column)}"


def explain_oxigraph(text: str, message: str) -> str:
    """Oxigraph's ``error at 3:13: expected ...`` explained (see :func:`explain`)."""
    match = _ORACLE_POSITION.match(message)
    if match is None:
        return explain(text, None, None, ()) if _diagnose(text) else message
    line, column = int(match.group(1)), int(match.group(2))
    return explain(text, line, column, _split_oxigraph(message[match.end():]))


def explain_rdflib(text: str, error) -> str:
    """rdflib's (pyparsing's) ParseException explained (see :func:`explain`)."""
    message = str(getattr(error, "msg", "") or "")
    expected = [message.removeprefix("Expected ").split(",")[0].strip()] if message.startswith("Expected ") else []
    # rdflib names grammar rules (SelectQuery, TriplesBlock...), which say nothing to a user
    expected = [item for item in expected if not re.fullmatch(r"[A-Z][a-z]+(?:[A-Z][A-Za-z]*)+", item)]
    return explain(text, getattr(error, "lineno", None), getattr(error, "col", None), expected)
