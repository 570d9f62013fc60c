"""One log line per request: method, path, status, duration, size. No personal data.

The line never holds the client's address, the query string or the query: only the path,
the names of the parameters given, and what went back. Logged on the
``coevidence.server.requests`` logger at INFO, e.g.::

    GET /sparql?format&query 200 4.1ms 1532B rows=12

The path and the parameter names are the client's own text: they are written
percent-encoded (a line feed as ``%0A``, a space as ``%20``, ``%`` itself as ``%25``), so
that no request can forge a line, or a field of one, in the log.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import quote

from flask import Flask, Response, g, request

log = logging.getLogger("coevidence.server.requests")
#: characters written as they are; every other one is percent-encoded (module docstring)
PATH_SAFE = "/:@!$'()*+,;=-._~"
NAME_SAFE = "-._~:[]"


def _start() -> None:
    g.request_started = time.perf_counter()


def _log(response: Response) -> Response:
    started = g.get("request_started")
    duration = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    names = sorted({quote(name, safe=NAME_SAFE) for name in request.args.keys()})
    path = quote(request.path, safe=PATH_SAFE) + ("?" + "&".join(names) if names else "")
    size = response.calculate_content_length()
    rows = g.get("result_rows")
    log.info(
        "%s %s %d %.1fms %sB%s",
        quote(request.method, safe=""),
        path,
        response.status_code,
        duration,
        "-" if size is None else size,
        "" if rows is None else f" rows={rows}",
    )
    return response


class _LiteralConversionNoise(logging.Filter):
    """rdflib logs a warning, with a traceback, for every literal whose lexical form does not
    convert to a Python value (a 100,000-digit integer, ``"x"^^xsd:date``...). Here such
    literals come from visitors' queries and results, which are served as written: the
    warnings would let any visitor fill the log, so they are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to convert Literal lexical form")


_NOISE = _LiteralConversionNoise()


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_log)
    rdflib_terms = logging.getLogger("rdflib.term")
    if _NOISE not in rdflib_terms.filters:
        rdflib_terms.addFilter(_NOISE)
