"""Values as a person reads them, and the language of labels (no app needed)."""

from __future__ import annotations

import pytest
from rdflib import Literal
from rdflib.namespace import XSD

from coevidence.server.linkeddata.values import literal_text, pick_literal


@pytest.mark.parametrize("literal, text", [
    (Literal("2018-10-01", datatype=XSD.date), "1 October 2018"),
    (Literal("2019-04", datatype=XSD.gYearMonth), "April 2019"),
    (Literal("2018", datatype=XSD.gYear), "2018"),
    (Literal("34000", datatype=XSD.integer), "34,000"),
    (Literal("4900000.0", datatype=XSD.decimal), "4,900,000"),
    (Literal("2.5", datatype=XSD.decimal), "2.5"),
    (Literal("true", datatype=XSD.boolean), "yes"),
    (Literal("not a date", datatype=XSD.date), "not a date"),
    (Literal("<b>x</b>"), "<b>x</b>"),
])
def test_literals_read_as_text(literal, text):
    assert literal_text(literal) == text


def test_label_language_prefers_asked_then_english_then_untagged():
    labels = [Literal("Kokeilu", lang="fi"), Literal("Pilot", lang="en"), Literal("plain")]
    assert str(pick_literal(labels, "fi")) == "Kokeilu"
    assert str(pick_literal(labels, "fi-FI")) == "Kokeilu"
    assert str(pick_literal(labels, "de")) == "Pilot"
    assert str(pick_literal([Literal("plain"), Literal("Pilote", lang="fr")], "de")) == "plain"
    assert pick_literal([], "en") is None
