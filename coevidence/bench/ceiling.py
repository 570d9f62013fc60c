"""The ceiling of ``bench pages``: a bare Flask app under the same WSGI server configuration.

``python -m coevidence.bench.ceiling SIZES.json`` serves, on a free loopback port, one route
that answers a GET of each path (with its query string) listed in the JSON object
``{"/path?query": [bytes, encoding]}`` with a fixed page of that many bytes on the wire (any
other path: the median of them), so each request of the mix gets a page of the same size as
the real one: when the real page came gzipped (``encoding`` "gzip"), a valid gzip body of that
many bytes (random bytes stored, so it is the size given) with ``Content-Encoding: gzip`` to a
request that accepts gzip, as the server sends its pages compressed once; else plain HTML,
under waitress with the options
``coevidence serve`` uses (:func:`coevidence.server.cli.waitress_options` on the default
settings: the same threads, connection limit, buffering). It prints the line ``ceiling: serving
at http://127.0.0.1:PORT/`` once it listens and runs until SIGTERM. No app, no store: what
HTTP, waitress and Flask cost for a page of that size on this machine.

``python -m coevidence.bench.ceiling --answers ANSWERS.json`` is the same for ``bench
endpoint``: ``GET /sparql?query=TEXT`` is answered, after sleeping ``SECONDS``, with the bytes
listed for TEXT in the JSON object ``{"TEXT": ["SPARQL JSON results", SECONDS]}``
(``application/sparql-results+json``, the time slept in ``Server-Timing`` as ``engine``; 404
for a query not listed). Its latency less its sleep is what any server built on Flask and
waitress pays on this machine for a query that keeps it waiting that long, before it does any
work of its own: the floor under a server's own time (waking after a wait costs more than
answering at once, so the wait is part of the floor).

``python -m coevidence.bench.ceiling --forward ENDPOINT`` is the floor under a server in
front of another endpoint: ``GET /sparql?query=TEXT`` (with any other parameters, such as
``timeout``) is sent on to ENDPOINT as it came, over one persistent connection per thread, and
its answer given back with its status and content type; the time spent waiting for ENDPOINT
goes in ``Server-Timing`` as ``engine``. No checks, no cache, no rewriting: what a bare Flask
proxy under waitress adds to asking ENDPOINT directly.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import signal
import statistics
import sys
import threading
import time
import urllib.parse

from flask import Flask, Response, request


def _page(size: int) -> bytes:
    head, tail = b"<!doctype html><html><body><p>", b"</p></body></html>\n"
    return head + b"x" * max(0, size - len(head) - len(tail)) + tail


def _gzip_of_size(size: int) -> bytes:
    """A valid gzip body of exactly *size* bytes (random bytes, stored uncompressed)."""
    length = max(0, size - 23)
    while True:
        body = gzip.compress(os.urandom(length), compresslevel=0, mtime=0) if length else gzip.compress(b"", mtime=0)
        if len(body) == size or length == 0:
            return body
        length -= len(body) - size


def make_app(sizes: dict[str, tuple[int, str]]) -> Flask:
    app = Flask(__name__)
    bodies = {path: (_gzip_of_size(size) if encoding == "gzip" else _page(size), encoding) for path, (size, encoding) in sizes.items()}
    other = (_page(int(statistics.median(size for size, _ in sizes.values())) if sizes else 1024), "")

    @app.route("/", defaults={"path": ""})
    @app.route("/<path:path>")
    def page(path: str) -> Response:
        wanted = request.full_path if request.query_string else request.path
        body, encoding = bodies.get(wanted, other)
        if encoding and request.accept_encodings.quality(encoding) <= 0:
            body, encoding = _page(len(body)), ""
        response = Response(body, mimetype="text/html")
        if encoding:
            response.headers["Content-Encoding"] = encoding
            response.vary.add("Accept-Encoding")
        return response

    return app


def make_answers_app(answers: dict[str, tuple[bytes, float]]) -> Flask:
    """``GET /sparql?query=TEXT`` answered with ``answers[TEXT]``: (SPARQL JSON results,
    seconds to sleep first)."""
    app = Flask(__name__)

    @app.get("/sparql")
    def sparql() -> Response:
        answer = answers.get(request.args.get("query", ""))
        if answer is None:
            return Response("no answer for this query\n", status=404, mimetype="text/plain")
        body, seconds = answer
        started = time.perf_counter()
        if seconds > 0:
            time.sleep(seconds)
        slept = (time.perf_counter() - started) * 1000
        return Response(body, mimetype="application/sparql-results+json",
                        headers={"Server-Timing": f"engine;dur={slept:.3f}"})

    return app


def make_forward_app(endpoint: str) -> Flask:
    """``GET /sparql`` sent on to *endpoint* as it came (see the module's text)."""
    from coevidence.server.stores.remote import quick_ack

    parts = urllib.parse.urlsplit(endpoint)
    local = threading.local()
    app = Flask(__name__)

    def connection() -> http.client.HTTPConnection:
        if getattr(local, "connection", None) is None:
            local.connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=600)
        return local.connection

    @app.get("/sparql")
    def sparql() -> Response:
        target = f"{parts.path}?{parts.query + '&' if parts.query else ''}{request.query_string.decode('ascii')}"
        headers = {"Accept": request.headers.get("Accept", "*/*")}
        for attempt in (1, 2):
            upstream = connection()
            started = time.perf_counter()
            try:
                if upstream.sock is None:
                    upstream.connect()
                quick_ack(upstream.sock)  # as RemoteStore and the benchmark's client do
                upstream.request("GET", target, headers=headers)
                quick_ack(upstream.sock)
                answer = upstream.getresponse()
                body = answer.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                upstream.close()  # the endpoint had closed an idle connection
                if attempt == 2:
                    raise
        waited = (time.perf_counter() - started) * 1000
        if answer.will_close:
            upstream.close()
        return Response(body, status=answer.status, content_type=answer.getheader("Content-Type"),
                        headers={"Server-Timing": f"engine;dur={waited:.3f}"})

    return app


def main(argv: list[str]) -> None:
    import waitress

    from coevidence.server.cli import waitress_options
    from coevidence.server.settings import resolve

    if argv[:1] == ["--answers"]:
        with open(argv[1], encoding="utf-8") as stream:
            app = make_answers_app({str(text): (str(body).encode(), float(seconds))
                                    for text, (body, seconds) in json.load(stream).items()})
    elif argv[:1] == ["--forward"]:
        app = make_forward_app(argv[1])
    else:
        with open(argv[0], encoding="utf-8") as stream:
            sizes = {str(path): (int(size), str(encoding)) for path, (size, encoding) in json.load(stream).items()}
        app = make_app(sizes)
    server = waitress.create_server(app, host="127.0.0.1", port=0, **waitress_options(resolve({})))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"ceiling: serving at http://127.0.0.1:{server.effective_port}/", flush=True)
    server.run()


if __name__ == "__main__":
    main(sys.argv[1:])
