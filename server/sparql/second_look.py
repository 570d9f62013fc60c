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
"""

from __future__ import annotations

import re
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
FUNCTION_BY_IRI = re.compile(r"(?:>|[^\s(){}<>\"'#,;|/^]*:[^\s(){}<>\"'#,;|/^]*)\s*\(")
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
        match = re.compile(r"\S+").search(text, scan.first_call)
    risky = match is not None
    if match is None and always:
        match = re.compile(r"\S+").search(text) or re.compile(r"(?s).").match(text)
    if match is None:
        return scan
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery

    where = positions(text)(min(match.start(), len(text) - 1))
    what = match.group().upper() if RISKY_WORDS.fullmatch(match.group()) else match.group().rstrip("( \t\r\n")
    try:
        tree = parseQuery(text)
        functions = _called_functions(tree)
    except ParseBaseException as error:
        if not risky:  # nothing to hide: most likely the query is simply malformed
            return replace(scan, syntax_error=f"the query does not parse: {error}")
        return replace(scan, unverified=f"{what} ({where}) could not be checked: {error}")
    except Exception as error:  # rdflib raises other errors on some inputs (unknown prefix...)
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
