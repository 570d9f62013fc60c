"""Claims read as sentences: one template per claim class, all of them in this table.

A template is text with slots. ``{participant}`` is the value (or values, joined with
"and") of the property ``coe:participant`` of the claim; ``{recipient|pilot}`` takes the
first of those properties that has a value; ``[ during {stage}]`` is written only when
every slot inside it has a value. A slot outside brackets is required: when a claim lacks
one, its class's template does not apply and the generic sentence is used instead.
``{description}`` and ``{label}`` are the claim's own ``dcterms:description`` and
``rdfs:label``.

To add a claim class (the ontology grows), add one entry to :data:`TEMPLATES`, keyed by the
class's local name in the ``coe:`` namespace: one template, or a tuple of them tried in
order (the first whose required slots all have values wins). A class without an entry
reads with :data:`GENERIC`, so new classes render sensibly before anyone writes theirs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: claim class (local name in coe:) -> template
TEMPLATES: dict[str, str | tuple[str, ...]] = {
    "Participation": "{participant} took part in {pilot|wholeProject} as {role}[ during {stage}][ (participation level: {participationLevel})].",
    "ResourceExchange": (
        "{provider} contributed {resourceType} to {recipient|pilot|wholeProject}[ during {stage}].",
        "{resourceType} went to {recipient|pilot|wholeProject}[ during {stage}]; the sources name no giver.",
    ),
    "MethodUse": "{pilot|wholeProject} used {method}[ during {stage}][ ({date})][, which led to {ledTo}].",
    "Outcome": "{pilot|wholeProject} had an outcome of {outcomeType} ({direction})[, {valueScope}][, {impactLevel}][, evidence: {evidenceType}][ ({evaluatorRelation} evaluation)][, measured as {measure}]. {description}",
    "Factor": "{effect} factor in {pilot|wholeProject}[ ({factorCategory})][, arising from {arisesFrom}]: {description}",
    "ContextStatement": "{contextAspect}[ ({contextDimension})][, on {policyInstrument}]: {description}",
    "Finding": "About {about}: {description}[ ({measure})]",
    # classes of the ontology's version 2 (branch `evidence`), written ahead of the data
    "Output": "{pilot|wholeProject|about} produced {outputType}[ during {stage}][, measured as {measure}]: {description}",
    "IdentifiedNeed": "{pilot|wholeProject|about} identified a need[ during {stage|arisesAtStage}]: {description}",
    "Framing": "{pilot|wholeProject|about} was framed by {policyInstrument}[: {description}]",
}
#: any claim class without a template of its own
GENERIC = "{class} about {pilot|about|participant|provider|method|label}: {description|label}"
#: the same, for a claim that has nothing but its label
LAST_RESORT = "{class}: {label|iri}"

_SLOT = re.compile(r"\{([A-Za-z|]+)\}")


@dataclass(frozen=True)
class Segment:
    """A piece of a sentence: text, and where it links to (None for plain text)."""

    text: str
    iri: str | None = None


class _Missing(Exception):
    pass


def _parse(template: str) -> list[tuple[bool, str]]:
    """Split a template into (optional?, text) parts at its brackets."""
    parts: list[tuple[bool, str]] = []
    for chunk in re.split(r"(\[[^\]]*\])", template):
        if chunk.startswith("[") and chunk.endswith("]"):
            parts.append((True, chunk[1:-1]))
        elif chunk:
            parts.append((False, chunk))
    return parts


def _values(slot: str, facts: dict[str, list[tuple[str, str | None]]]) -> list[tuple[str, str | None]]:
    for name in slot.split("|"):
        found = facts.get(name)
        if found:
            return found
    return []


def _fill(text: str, facts) -> list[Segment]:
    segments: list[Segment] = []
    position = 0
    for match in _SLOT.finditer(text):
        if match.start() > position:
            segments.append(Segment(text[position:match.start()]))
        values = _values(match.group(1), facts)
        if not values:
            raise _Missing(match.group(1))
        for index, (label, iri) in enumerate(values):
            if index:
                segments.append(Segment(" and " if index == len(values) - 1 else ", "))
            segments.append(Segment(label, iri))
        position = match.end()
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments


def render(template: str, facts) -> list[Segment]:
    """The sentence of *template* over *facts*; raises :class:`_Missing` for a required slot."""
    segments: list[Segment] = []
    for optional, text in _parse(template):
        try:
            segments.extend(_fill(text, facts))
        except _Missing:
            if not optional:
                raise
    return _tidy(segments)


def _tidy(segments: list[Segment]) -> list[Segment]:
    if segments and segments[0].iri is None and segments[0].text:
        first = segments[0]
        segments[0] = Segment(first.text[0].upper() + first.text[1:])
    elif segments and segments[0].text and segments[0].text[0].islower():
        first = segments[0]
        segments[0] = Segment(first.text[0].upper() + first.text[1:], first.iri)
    return [segment for segment in segments if segment.text]


def sentence(claim_class: str | None, facts) -> list[Segment]:
    """The sentence for a claim of *claim_class* (a local name; None when unknown).

    *facts* maps a property's local name (``participant``, ``stage``...), plus
    ``description``, ``label``, ``class`` and ``iri``, to ``(text, iri-or-None)`` pairs.
    """
    return written(claim_class, facts)[1]


def written(claim_class: str | None, facts) -> tuple[str, list[Segment]]:
    """(which template wrote it: the class's name, ``"generic"`` or ``"last resort"``, the sentence)."""
    own = TEMPLATES.get(claim_class or "")
    own = (own,) if isinstance(own, str) else own or ()
    for name, template in (*((claim_class, t) for t in own), ("generic", GENERIC), ("last resort", LAST_RESORT)):
        try:
            return name or "generic", render(template, facts)
        except _Missing:
            continue
    return "none", [Segment(facts.get("iri", [("a claim", None)])[0][0])]


def plain(segments: list[Segment]) -> str:
    return "".join(segment.text for segment in segments)
