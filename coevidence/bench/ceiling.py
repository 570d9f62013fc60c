"""The ceiling of ``bench pages``: a bare Flask app under the same WSGI server configuration.

``python -m coevidence.bench.ceiling SIZES.json`` serves, on a free loopback port, one route
that answers a GET of each path (with its query string) listed in the JSON object
``{"/path?query": bytes}`` with a fixed HTML page of that many bytes (any other path: the
median of them), so each request of the mix gets a page of the same size as the real one,
under waitress with the options
``coevidence serve`` uses (:func:`coevidence.server.cli.waitress_options` on the default
settings: the same threads, connection limit, buffering). It prints the line ``ceiling: serving
at http://127.0.0.1:PORT/`` once it listens and runs until SIGTERM. No app, no store: what
HTTP, waitress and Flask cost for a page of that size on this machine.
"""

from __future__ import annotations

import json
import signal
import statistics
import sys

from flask import Flask, Response, request


def _page(size: int) -> bytes:
    head, tail = b"<!doctype html><html><body><p>", b"</p></body></html>\n"
    return head + b"x" * max(0, size - len(head) - len(tail)) + tail


def make_app(sizes: dict[str, int]) -> Flask:
    app = Flask(__name__)
    bodies = {path: _page(size) for path, size in sizes.items()}
    other = _page(int(statistics.median(sizes.values())) if sizes else 1024)

    @app.route("/", defaults={"path": ""})
    @app.route("/<path:path>")
    def page(path: str) -> Response:
        wanted = request.full_path if request.query_string else request.path
        return Response(bodies.get(wanted, other), mimetype="text/html")

    return app


def main(argv: list[str]) -> None:
    import waitress

    from coevidence.server.cli import waitress_options
    from coevidence.server.settings import resolve

    with open(argv[0], encoding="utf-8") as stream:
        sizes = {str(path): int(size) for path, size in json.load(stream).items()}
    server = waitress.create_server(make_app(sizes), host="127.0.0.1", port=0, **waitress_options(resolve({})))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"ceiling: serving at http://127.0.0.1:{server.effective_port}/", flush=True)
    server.run()


if __name__ == "__main__":
    main(sys.argv[1:])
