"""The catalogue of research questions: one named SPARQL query per ``questions/<name>.rq`` file.

Each file opens with two comment lines, ``# title: ...`` and ``# description: ...``, followed
by the query with its own ``PREFIX`` declarations. The files are read through
:mod:`importlib.resources`, so the catalogue works from a source checkout and from an
installed package alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

__all__ = ["NamedQuery", "QuestionFileError", "questions", "question", "parse_question"]

#: the package folder that holds the .rq files
QUESTIONS_FOLDER = "questions"
_HEADER = re.compile(r"^#\s*(?P<key>title|description)\s*:\s*(?P<value>.*?)\s*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class NamedQuery:
    """A research question: its file name (without ``.rq``), a title, a one-line description and the SPARQL."""

    name: str
    title: str
    description: str
    sparql: str


class QuestionFileError(ValueError):
    """A question file lacks its title or description, or has a name that is not snake_case."""


def parse_question(name: str, text: str) -> NamedQuery:
    """Read one question from the *text* of the file ``<name>.rq``."""
    if not _NAME.match(name):
        raise QuestionFileError(f"questions/{name}.rq: the file name must be lower-case words joined by '_'")
    header: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break  # the header is the run of comment lines at the top
        match = _HEADER.match(stripped)
        if match and match["key"] not in header:
            header[match["key"]] = match["value"]
    for key in ("title", "description"):
        if not header.get(key):
            raise QuestionFileError(f"questions/{name}.rq: the first comment lines need a '# {key}: ...' line")
    return NamedQuery(name=name, title=header["title"], description=header["description"], sparql=text)


def _folder() -> Traversable:
    return resources.files(__package__).joinpath(QUESTIONS_FOLDER)


def questions() -> tuple[NamedQuery, ...]:
    """Every research question of the catalogue, sorted by name."""
    found = []
    for entry in _folder().iterdir():
        if entry.is_file() and entry.name.endswith(".rq"):
            found.append(parse_question(entry.name[: -len(".rq")], entry.read_text(encoding="utf-8")))
    return tuple(sorted(found, key=lambda query: query.name))


def question(name: str) -> NamedQuery:
    """The research question called *name*; ``KeyError`` naming the known ones if there is none."""
    for query in questions():
        if query.name == name:
            return query
    known = ", ".join(query.name for query in questions())
    raise KeyError(f"no research question named {name!r}; the catalogue has: {known}")
