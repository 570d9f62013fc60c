"""``coevidence serve``: run the SPARQL endpoint under waitress (a production WSGI server).

Exit codes: 0 after a clean stop (Ctrl-C or SIGTERM); 2 when the server cannot start
(no data, data that does not parse, a bad setting, the port already taken).
"""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

import click

from coevidence.server.settings import SettingError


def _fail(message: str) -> None:
    click.echo(f"coevidence serve: error: {message}", err=True)
    sys.exit(2)


def waitress_options(config) -> dict:
    """waitress's settings, from ours: enough connections that half-open ones cannot lock
    the door, silent ones closed, responses buffered (a slow reader holds no thread)."""
    options = {
        "threads": config["THREADS"],
        "ident": "coevidence",
        "connection_limit": config["CONNECTION_LIMIT"],
        "channel_timeout": config["CHANNEL_TIMEOUT_S"],
        "cleanup_interval": max(1, min(30, config["CHANNEL_TIMEOUT_S"] // 2)),
        "asyncore_use_poll": True,  # select() cannot watch more than 1024 sockets
        # a body larger than the app accepts is refused before it is buffered
        "max_request_body_size": 3 * config["MAX_QUERY_BYTES"] + 65_536,
        # the application thread hands a whole response over and goes back to work; waitress
        # spills it to a temporary file past 1 MB and sends it at the client's pace
        "outbuf_high_watermark": 2 * config["MAX_RESPONSE_MB"] * 1024 * 1024 + (64 << 20),
    }
    if config["TRUSTED_PROXY"]:
        options.update(
            trusted_proxy=config["TRUSTED_PROXY"],
            trusted_proxy_headers={"x-forwarded-for"},
            clear_untrusted_proxy_headers=True,
        )
    return options


def answer_health_apart(server) -> None:
    """Give ``/health`` a thread of its own in *server* (a waitress server), so that it is
    never queued behind queries waiting for the query threads."""
    from waitress.task import ThreadedTaskDispatcher

    route = getattr(server, "add_task", None)
    if route is None:  # waitress's MultiSocketServer: several listeners, no single queue
        return
    health = ThreadedTaskDispatcher()
    health.set_thread_count(1)

    def add_task(channel) -> None:
        first = channel.requests[0] if channel.requests else None
        if first is not None and first.command in ("GET", "HEAD") and first.path == "/health":
            health.add_task(channel)
        else:
            route(channel)

    server.add_task = add_task


def _stop_on_sigterm(signum, frame) -> None:
    raise SystemExit(0)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--data", "data_paths", multiple=True, type=click.Path(path_type=Path),
              help="An RDF file to serve (repeatable). Default: the bundled data/cosie.ttl.")
@click.option("--store", "store_dir", type=click.Path(path_type=Path),
              help="Serve a publication root written by `coevidence build --store DIR` (its current version, followed when it moves) or a plain Oxigraph store, read-only.")
@click.option("--endpoint", help="Put this server in front of a remote SPARQL endpoint URL.")
@click.option("--endpoint-user", help="User name for --endpoint.")
@click.option("--endpoint-password", envvar="COEVIDENCE_ENDPOINT_PASSWORD",
              help="Password for --endpoint (better: the COEVIDENCE_ENDPOINT_PASSWORD variable).")
@click.option("--timeout", type=float, help="Time limit of one query, in seconds [default: 5].")
@click.option("--max-rows", type=int, help="Most rows or triples per response [default: 10000].")
@click.option("--workers", type=int, help="Query worker processes [default: 2].")
@click.option("--threads", type=int, help="WSGI server threads [default: 32].")
@click.option("--debug", is_flag=True, help="Run Flask's development server with the debugger instead.")
def serve(host, port, data_paths, store_dir, endpoint, endpoint_user, endpoint_password,
          timeout, max_rows, workers, threads, debug) -> None:
    """Serve the knowledge graph over the SPARQL 1.1 Protocol at /sparql."""
    sources = [flag for flag, value in (("--data", data_paths), ("--store", store_dir), ("--endpoint", endpoint)) if value]
    if len(sources) > 1:
        raise click.UsageError(f"choose one of --data, --store and --endpoint, not {' and '.join(sources)}")
    overrides = {
        "DATA_PATHS": data_paths or None,
        "STORE_DIR": store_dir,
        "ENDPOINT": endpoint,
        "ENDPOINT_USER": endpoint_user,
        "ENDPOINT_PASSWORD": endpoint_password,
        "SPARQL_TIMEOUT_S": timeout,
        "MAX_ROWS": max_rows,
        "WORKERS": workers,
        "THREADS": threads,
    }
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)

    from coevidence.server import create_app
    from coevidence.server.backend import STORE, close_store
    from coevidence.server.stores import StoreError

    try:
        app = create_app({name: value for name, value in overrides.items() if value is not None})
    except SettingError as error:
        _fail(str(error))
    except StoreError as error:
        _fail(str(error))

    from coevidence.server.linkeddata import warm

    shown_host = f"[{host}]" if ":" in host else host
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        if debug:
            click.echo(f"coevidence: serving SPARQL at http://{shown_host}:{port}/sparql (debug)", )
            app.run(host=host, port=port, debug=True, use_reloader=False)
            return
        import waitress

        try:
            server = waitress.create_server(app, host=host, port=port, **waitress_options(app.config))
            answer_health_apart(server)
        except OSError as error:
            _fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
        from coevidence.server import wsgi

        # the whole-dataset figures, before a visitor asks (WARM_AT_START); only once listening,
        # so a server that cannot start does not leave a worker mid-answer (a Broken pipe traceback)
        warm.start(app)
        wsgi.adopt(server)  # waitress's own errors (431...) in the app's JSON error shape
        store = app.extensions[STORE]
        click.echo(
            f"coevidence: serving SPARQL at http://{shown_host}:{server.effective_port}/sparql "
            f"({store.description})"
        )
        sys.stdout.flush()
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        stop = app.extensions.get(warm.STOP)
        if stop is not None:
            stop.set()  # the warm-up asks nothing more of the store it is about to lose
        try:
            close_store(app)
        except OSError as error:  # stopping anyway: say so, keep the clean exit
            logging.getLogger(__name__).warning("while closing the store: %s", error)
