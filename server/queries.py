"""The server's own SPARQL, one named ``.rq`` file per question in ``server/queries/``.

Each file is read once and cached; values are bound at run time through the store's
``bindings``, never formatted into the text.
"""

from __future__ import annotations

import importlib.resources
from functools import lru_cache


@lru_cache(maxsize=None)
def load_query(name: str) -> str:
    """The text of ``server/queries/<name>.rq``."""
    resource = importlib.resources.files("coevidence.server") / "queries" / f"{name}.rq"
    return resource.read_text(encoding="utf-8")


def query_names() -> list[str]:
    """The names of every query in ``server/queries/``, sorted."""
    folder = importlib.resources.files("coevidence.server") / "queries"
    return sorted(entry.name[: -len(".rq")] for entry in folder.iterdir() if entry.name.endswith(".rq"))
