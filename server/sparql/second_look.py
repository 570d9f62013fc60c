"""The second look: rdflib's SPARQL parser reads a query the fast scan may have misread.

The scan (:mod:`.scan`) is a tokenizer, and engines' parsers read the grammar in context:
Oxigraph reads ``SERVICEex:x`` as ``SERVICE ex:x`` and ``trueSERVICE`` as ``true SERVICE``;
Virtuoso skips a comment between a function's name and its ``(``. So a query that holds
``SERVICE``, ``FROM``, ``LOAD``, ``DEFINE`` or a ``bif:`` / ``sql:`` name anywhere (even inside a
longer word) without the scan finding it as a keyword, or that calls a function by IRI, is
parsed by rdflib, which reads in context as engines do. What rdflib finds and the scan missed
is added to the scan's findings: a ``SERVICE``, a vendor function, any function called by IRI
except the XSD casts (Virtuoso runs unknown IRIs as SQL procedures, and
``<LONG::bif:http_get>(...)`` fetches a URL), a ``FROM`` the scan did not see. A query rdflib
cannot parse is marked ``unverified``, and the policy refuses it.

Most queries hold none of this and never pay for the parse (1 to 35 ms); the others pay it
once, since :func:`.scan.scan_query` caches its results.

rdflib's SPARQL grammar is one pyparsing object per process, and pyparsing 3 learns the
arity of each parse action on its first call, by trial and error on shared state: two threads
making a first call at once leave it wrong for good (every later parse then fails with
"<lambda>() missing 1 required positional argument" or "Expected SelectQuery"). So
:func:`parse` lets one thread at a time into rdflib (parsing is pure Python and holds the
GIL anyway, so this costs no throughput), and :func:`warm` parses once when the app is
created, so the first visitors do not pay for the grammar's first use.

rdflib's parser recurses about 60 Python frames per level of nesting, so the default limit of
1000 frames stops it at about 30 nested parentheses; :func:`parse` raises Python's recursion
limit while it holds the lock, as far as the query's nesting needs (the scan caps nesting at
:data:`.scan.NESTING_CEILING`, so at most about 16,000 frames; Python 3.11 keeps pure-Python
frames off the C stack, and 400 levels parse in an 8 MB thread stack).
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import replace

from coevidence.server.sparql.scan import ESCAPE, Keyword, QueryScan, decode_escapes, is_vendor_function, positions

#: words that send a query to the second look when the scan did not find them as keywords.
#: Anywhere, even inside a longer word: Oxigraph's parser reads a keyword glued to what
#: follows or precedes it (``SERVICEex:x``, ``trueSERVICE``). Update keywords are left out:
#: an update cannot hide inside a query, and the engines refuse updates sent as queries.
RISKY_WORDS = re.compile(
    r"SERVICE|FROM|LOAD|DEFINE"
    r"|(?:bif|sql):|openlinksw\.com/schemas/(?:bif|sql)#",
    re.IGNORECASE,
)


#: a function called by IRI or prefixed name: ``ex:f(``, ``<...>(`` (SPARQL's own functions
#: are keywords, without a colon). Virtuoso runs any IRI it knows as a built-in or as a SQL
#: procedure (``<LONG::bif:http_get>(...)``, ``<RDF_HTTP_URL_GET>(...)``), so only the XSD
#: casts are let through.
#: Linear in the text: a name is tried only from its first character (the lookbehind), a
#: lookahead finds its colon, and the name and the spaces after it are taken possessively,
#: never backtracked (the plain ``[^...]*:[^...]*\s*\(`` took seconds on a 50 KB word).
_NAME = r"[^\s(){}<>\"'#,;|/^]"
FUNCTION_BY_IRI = re.compile(rf"(?:>|(?<!{_NAME})(?={_NAME}*:){_NAME}++)\s*+\(")
_WORD = re.compile(r"\S++")
XSD = "http://www.w3.org/2001/XMLSchema#"
#: the functions a query may call by IRI: casts to XSD datatypes (SPARQL 1.1 section 17.5,
#: and the other types Oxigraph casts to); nothing else in the XSD namespace, since Virtuoso
#: would look up any other name as a SQL procedure
ALLOWED_FUNCTIONS = frozenset(
    XSD + name
    for name in (
        "boolean", "double", "float", "decimal", "integer", "string", "dateTime", "dateTimeStamp",
        "date", "time", "duration", "dayTimeDuration", "yearMonthDuration", "gYear", "gYearMonth",
        "gMonth", "gMonthDay", "gDay", "int", "long", "short", "byte", "nonNegativeInteger",
        "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong",
        "unsignedShort", "unsignedByte",
    )
)


#: one thread at a time in rdflib's parser (module docstring); process-wide, since the
#: grammar it guards is
_RDFLIB_LOCK = threading.Lock()
_warmed = False
#: Python frames rdflib's parser needs: about 60 per level of brackets inside one another
#: (measured: 50 nested braces overflow the default limit of 1000), above a base
FRAMES_BASE = 1000
FRAMES_PER_LEVEL = 60
#: queries that take most of rdflib's parse actions through their first call
WARM_UP_QUERIES = (
    """PREFIX ex: <http://example.org/> BASE <http://example.org/base/>
    SELECT DISTINCT ?s (COUNT(DISTINCT ?o) AS ?n) (SAMPLE(?l) AS ?any) (GROUP_CONCAT(?l; SEPARATOR=", ") AS ?all)
    WHERE {
      ?s a ex:C ; ex:p/ex:q* ?o ; ^ex:r|ex:t ?x ; ex:list (1 2.5 -3e2 "a"@en 'b'^^ex:d true) .
      [ ex:p ?b ] ex:q """ + '"""long"""' + """ .
      OPTIONAL { ?s ex:label ?l FILTER(LANG(?l) = "en" || !BOUND(?l) && STRSTARTS(STR(?l), 'x')) }
      { ?s ex:p ?o } UNION { GRAPH ?g { ?s ?p ?o } } MINUS { ?s ex:q ?o }
      FILTER NOT EXISTS { ?s ex:gone true } FILTER(?o IN (1, 2) && ?x NOT IN (<http://x/>))
      BIND(IF(?o > 1, xsd:integer(?o) * 2 + 1, COALESCE(?x, 0) / 3) AS ?y)
      VALUES (?v ?w) { (1 UNDEF) (ex:a "b") }
      { SELECT ?s WHERE { ?s ?p ?o } LIMIT 1 }
      FILTER(REGEX(?l, "^a", "i") && YEAR(NOW()) > 2000 && ?s != ex:b && ?o <= 3 && ?o >= -1)
    }
    GROUP BY ?s HAVING (COUNT(?o) > 0) ORDER BY DESC(?n) ASC(?s) ?any LIMIT 10 OFFSET 1""",
    "PREFIX ex: <http://example.org/> CONSTRUCT { ?s ex:p _:b } WHERE { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "ASK FROM <http://g/> FROM NAMED <http://h/> { ?s ?p ?o }",
    "DESCRIBE ?s <http://x/> WHERE { ?s ?p ?o }",
)


def parse(text: str, nesting: int = 0):
    """rdflib's parse tree of *text*, and the IRIs of the functions it calls; one thread at a
    time (module docstring). *nesting*, the depth of brackets the scan found, raises Python's
    recursion limit for the parse as far as rdflib needs (the scan caps it)."""
    from rdflib.plugins.sparql.parser import parseQuery

    with _RDFLIB_LOCK:
        limit = sys.getrecursionlimit()
        needed = FRAMES_BASE + FRAMES_PER_LEVEL * nesting
        if needed > limit:
            sys.setrecursionlimit(needed)
        try:
            tree = parseQuery(text)
            return tree, _called_functions(tree)
        finally:
            if needed > limit:
                sys.setrecursionlimit(limit)


def syntax_error(text: str, nesting: int = 0) -> str | None:
    """rdflib's verdict on *text*, explained (:mod:`.syntax`), or None when it parses (or when
    rdflib fails for another reason, which says nothing of the syntax)."""
    from pyparsing import ParseBaseException

    from coevidence.server.sparql.syntax import explain_rdflib

    try:
        parse(text, nesting)
    except ParseBaseException as error:
        return explain_rdflib(text, error)
    except Exception:  # rdflib raises other errors on some inputs (unknown prefix...)
        return None
    return None


def warm() -> None:
    """Take rdflib's parser through its first uses, once per process (module docstring)."""
    global _warmed
    if _warmed:
        return
    for query in WARM_UP_QUERIES:
        parse("PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n" + query)
    _warmed = True


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


def second_look(text: str, scan: QueryScan, always: bool = False) -> QueryScan:
    """Parse a query that holds a risky word the scan did not find, or calls a function by
    IRI (module docstring); with *always*, any query the scan did not refuse."""
    if scan.forbidden or scan.vendor_functions:
        return scan  # refused already
    escape = ESCAPE.search(text)
    if always and escape is not None:
        # rdflib decodes \u escapes everywhere before parsing, Virtuoso only inside strings
        # and IRIs: an escaped quote reads as the end of a string to one and not the other
        where = positions(text)(escape.start())
        return replace(scan, unverified=(
            f"{escape.group()} ({where}): escapes are not accepted in front of this store, because "
            "its parser and this check would read them differently; write the character itself"
        ))
    decoded = decode_escapes(text)
    match = (
        RISKY_WORDS.search(text) or RISKY_WORDS.search(decoded)
        or FUNCTION_BY_IRI.search(text) or FUNCTION_BY_IRI.search(decoded)
    )
    if match is None and scan.first_call is not None:  # a comment between name and "(" hides it
        match = _WORD.search(text, scan.first_call)
    risky = match is not None
    if match is None and always:
        match = _WORD.search(text) or re.compile(r"(?s).").match(text)
    if match is None:
        return scan
    from pyparsing import ParseBaseException

    where = positions(text)(min(match.start(), len(text) - 1))
    what = match.group().upper() if RISKY_WORDS.fullmatch(match.group()) else match.group().rstrip("( \t\r\n")
    if len(what) > 40:  # a word may be the whole 100 KB query: the message names its start
        what = what[:40] + "…"
    try:
        tree, functions = parse(text, scan.nesting)
    except ParseBaseException as error:
        if not risky:  # nothing to hide: most likely the query is simply malformed
            from coevidence.server.sparql.syntax import explain_rdflib

            return replace(scan, syntax_error=explain_rdflib(text, error))
        return replace(scan, unverified=f"{what} ({where}) could not be checked: {error}")
    except Exception as error:  # rdflib raises other errors on some inputs (unknown prefix...)
        from coevidence.server.sparql.syntax import certain_mistake

        mistake = None if risky else certain_mistake(text)
        if mistake is not None:  # an undeclared prefix...: a plain syntax error
            return replace(scan, syntax_error=mistake)
        return replace(scan, unverified=f"{what} ({where}) could not be checked: {error}")
    names, terms = _parse_tree_findings(tree)
    forbidden = tuple(Keyword(word, where) for word, rule in (("SERVICE", "ServiceGraphPattern"),) if rule in names)
    vendor = tuple(Keyword(term, where) for term in sorted(terms) if is_vendor_function(term))
    vendor += tuple(
        Keyword(f"<{iri}>", where) for iri in dict.fromkeys(functions) if iri not in ALLOWED_FUNCTIONS
    )
    unverified = None
    if "datasetClause" in names and not scan.dataset:
        unverified = f"FROM ({where}) could not be checked: the scan did not find the clause rdflib found"
    if forbidden or vendor or unverified:
        return replace(scan, forbidden=scan.forbidden + forbidden, vendor_functions=scan.vendor_functions + vendor,
                       unverified=scan.unverified or unverified)
    return scan
