"""RDF values as a person reads them: labels in the reader's language, dates, numbers, IRIs.

Nothing here knows HTTP; :mod:`.model` calls it with the language already chosen.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal, InvalidOperation

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

DEFAULT_LANGUAGE = "en"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def pick_literal(literals, language: str) -> Literal | None:
    """The literal in *language*, else English, else untagged, else any (stable order)."""
    literals = [value for value in literals if isinstance(value, Literal)]
    if not literals:
        return None

    def rank(value: Literal):
        tag = (value.language or "").lower()
        primary = tag.split("-")[0]
        order = (
            0 if tag == language.lower() else
            1 if primary == language.split("-")[0].lower() else
            2 if primary == DEFAULT_LANGUAGE else
            3 if not tag else 4
        )
        return (order, tag, str(value))

    return min(literals, key=rank)


def local_name(iri: str) -> str:
    text = iri.rstrip("/#")
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri


def literal_text(value: Literal) -> str:
    """A literal written for reading: ``1 October 2018``, ``34,000``, ``yes``; else its text."""
    datatype = value.datatype
    text = str(value)
    try:
        if datatype == XSD.date:
            day = _dt.date.fromisoformat(text[:10])
            return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
        if datatype == XSD.gYearMonth:
            year, month = text[:7].split("-")
            return f"{MONTHS[int(month) - 1]} {int(year)}"
        if datatype == XSD.gYear:
            return str(int(text[:4]))
        if datatype == XSD.dateTime:
            moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M}"
        if datatype in (XSD.integer, XSD.int, XSD.long, XSD.nonNegativeInteger, XSD.positiveInteger):
            return f"{int(text):,}"
        if datatype in (XSD.decimal, XSD.double, XSD.float):
            number = Decimal(text)
            if number == number.to_integral_value():
                return f"{int(number):,}"
            return f"{number:,.{min(4, max(1, -number.as_tuple().exponent))}f}"
        if datatype == XSD.boolean:
            return "yes" if text.strip().lower() in ("true", "1") else "no"
    except (ValueError, IndexError, InvalidOperation):
        pass
    return text


def kind_of(term) -> str:
    if isinstance(term, URIRef):
        return "iri"
    if isinstance(term, BNode):
        return "bnode"
    return "literal"
