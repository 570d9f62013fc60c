"""The ceiling of ``bench pages``: a bare Flask app under the same WSGI server configuration.

``python -m coevidence.bench.ceiling BYTES`` serves, on a free loopback port, one route that
answers every GET with a fixed HTML page of BYTES bytes, under waitress with the options
``coevidence serve`` uses (:func:`coevidence.server.cli.waitress_options` on the default
settings: the same threads, connection limit, buffering). It prints the line ``ceiling: serving
at http://127.0.0.1:PORT/`` once it listens and runs until SIGTERM. No app, no store: what
HTTP, waitress and Flask cost for a page of that size on this machine.
"""

from __future__ import annotations

import signal
import sys

from flask import Flask, Response


def make_app(size: int) -> Flask:
    app = Flask(__name__)
    head, tail = b"<!doctype html><html><body><p>", b"</p></body></html>\n"
    body = head + b"x" * max(0, size - len(head) - len(tail)) + tail

    @app.route("/", defaults={"path": ""})
    @app.route("/<path:path>")
    def page(path: str) -> Response:
        return Response(body, mimetype="text/html")

    return app


def main(argv: list[str]) -> None:
    import waitress

    from coevidence.server.cli import waitress_options
    from coevidence.server.settings import resolve

    size = int(argv[0])
    server = waitress.create_server(make_app(size), host="127.0.0.1", port=0, **waitress_options(resolve({})))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"ceiling: serving at http://127.0.0.1:{server.effective_port}/", flush=True)
    server.run()


if __name__ == "__main__":
    main(sys.argv[1:])
