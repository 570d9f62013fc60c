"""One log line per request: method, path, status, duration, size. No personal data.

The line never holds the client's address, the query string or the query: only the path,
the names of the parameters given, and what went back. Logged on the
``coevidence.server.requests`` logger at INFO, e.g.::

    GET /sparql?format&query 200 4.1ms 1532B rows=12
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

log = logging.getLogger("coevidence.server.requests")


def _start() -> None:
    g.request_started = time.perf_counter()


def _log(response: Response) -> Response:
    started = g.get("request_started")
    duration = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    names = sorted(set(request.args.keys()))
    path = request.path + ("?" + "&".join(names) if names else "")
    size = response.calculate_content_length()
    rows = g.get("result_rows")
    log.info(
        "%s %s %d %.1fms %sB%s",
        request.method,
        path,
        response.status_code,
        duration,
        "-" if size is None else size,
        "" if rows is None else f" rows={rows}",
    )
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_log)
