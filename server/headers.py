"""Headers every response carries, set in one place so that every page, present and future,
gets them: security headers on all responses, CORS on what other sites may read.

- ``Content-Security-Policy``: ``default-src 'self'`` (no inline script or style: the pages
  take their style from ``/static``), ``frame-ancestors 'none'`` (no page may frame ours),
  ``base-uri 'none'`` and ``form-action 'self'``;
- ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` (for older browsers);
- ``Referrer-Policy: no-referrer``: a query travels in the URL of a results page, and should
  not follow a visitor who clicks a link in it to another site.

A view that sets one of these itself keeps its own value.

CORS (``Access-Control-Allow-Origin: *``, reads only: the endpoint takes no credentials) on
``/sparql`` (every method, including a 405), the data downloads, and every error, so that a
script on another site can read why its request failed. ``OPTIONS`` preflights for them are
answered for GET and POST.

waitress answers some errors itself, before the app sees the request (431 request header
fields too large, 413, 400 malformed request): :mod:`.wsgi` gives those the same shape.
"""

from __future__ import annotations

from flask import Flask, Response, request

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
#: headers a cross-origin script may read
EXPOSED_HEADERS = "ETag, X-Result-Rows, X-Result-Truncated, X-Max-Rows, X-Max-Bytes, Server-Timing"
CORS_HEADERS: dict[str, str] = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": EXPOSED_HEADERS,
    "Timing-Allow-Origin": "*",
}
PREFLIGHT_HEADERS: dict[str, str] = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type, If-None-Match",
    "Access-Control-Max-Age": "86400",
}
#: paths other sites may read (besides every error)
CROSS_ORIGIN_PATHS = ("/sparql", "/data/", "/.well-known/")


def _readable_cross_origin(path: str, status: int) -> bool:
    return status >= 400 or path == "/sparql" or path.startswith(CROSS_ORIGIN_PATHS)


def _lowered(headers: dict[str, str]) -> tuple[tuple[str, str, str], ...]:
    return tuple((name.lower(), name, value) for name, value in headers.items())


_SECURITY = _lowered(SECURITY_HEADERS)
_CORS = _lowered(CORS_HEADERS)
_PREFLIGHT = _lowered(PREFLIGHT_HEADERS)


def add_headers(response: Response) -> Response:
    # the names present are read once: Headers.setdefault scans the whole list per call,
    # which was a tenth of a cached answer's time in the app
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    wanted = _SECURITY
    if _readable_cross_origin(request.path, response.status_code):
        wanted = wanted + _CORS
        if request.method == "OPTIONS":
            wanted = wanted + _PREFLIGHT
    for lowered, name, value in wanted:
        if lowered not in present:
            headers.add(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
