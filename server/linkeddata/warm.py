"""The whole-dataset figures, computed before a visitor asks for them.

The ontology's counts of use and the VoID partitions (:mod:`.counts`: two aggregates over
every triple), the named graphs and their sizes (:func:`~..backend.dataset_info`), the labels
of terms and the ontology's page model, and the explorer's facets and compare cells
(:mod:`coevidence.server.explorer.index`) are each computed once per data version, on their
first use (and the page queries' policy scans and the compiled templates once per process): 2-4 s at 1.8 million triples, which the first visitor of ``/ontology`` or
``/.well-known/void`` would wait for. :func:`start` (called by ``coevidence serve`` when
``WARM_AT_START`` is on) computes them in a background thread at start and again whenever the
data version changes; :func:`warm` does it once, in the calling thread.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from coevidence.server.stores import StoreError

log = logging.getLogger(__name__)

#: how often, in seconds, the thread looks for a new data version (at least)
MIN_POLL_S = 5.0
#: app.extensions key of the threading.Event that ends the thread
STOP = "coevidence.linkeddata.warm.stop"
#: app.extensions key of the warm-up's state, as /health reports it
STATE = "coevidence.linkeddata.warm.state"


def warm(app: Flask) -> str:
    """Compute every whole-dataset figure of the current data version; the version."""
    from coevidence.server.backend import current_store, dataset_info
    from coevidence.server.explorer import index as explorer_index
    from coevidence.server.linkeddata import ontology
    from coevidence.server.linkeddata.counts import counts
    from coevidence.server.linkeddata.model import run, terms

    with app.test_request_context("/"):  # the page model builds links: it needs a request
        version = current_store().data_version()
        dataset_info()
        terms()
        counts()
        graph = ontology.ontology_graph()
        if len(graph):
            ontology.page_model(graph, "en")
        run("example_resources", max_rows=10)  # kept by the result cache, for the VoID
        explorer_index.warm()  # the browse page's facets and the compare cells
        _scan_page_queries()
        for name in app.jinja_env.list_templates(extensions=["html", "xml", "txt"]):
            app.jinja_env.get_template(name)  # compiled once per process: 160 ms for a pilot's page
        _import_layout_modules()
    return version


def _import_layout_modules() -> None:
    """networkx imports numpy the first time it lays a network out (0.17 s of the first
    pilot's page); import it here instead."""
    try:
        from networkx.utils.misc import create_random_state

        create_random_state(0)
    except ImportError:  # without numpy the layout fails with its own message, as before
        pass


def _scan_page_queries() -> None:
    """Have the policy scan read every page query once (it keeps what it read per text): a
    query holding a word such as ``?from`` is parsed in full by the scan's second look, 50 ms
    each, which the first visitor of a pilot's document waited for (0.5 s in all, against
    0.05 s for the next one)."""
    from coevidence.server.backend import current_store
    from coevidence.server.queries import load_query, query_names
    from coevidence.server.sparql.scan import scan_query

    thorough = not getattr(current_store(), "network_cut", False)  # as the store asks it
    for name in query_names():
        scan_query(load_query(name), thorough=thorough)


def start(app: Flask) -> threading.Thread | None:
    """Warm in a daemon thread now and after each change of data version (WARM_AT_START);
    setting ``app.extensions[STOP]`` ends it."""
    if not app.config["WARM_AT_START"]:
        return None
    stop = app.extensions[STOP] = threading.Event()
    app.extensions[STATE] = {"running": True, "version": None, "seconds": None}
    thread = threading.Thread(target=_keep_warm, args=(app, stop), name="coevidence-warm", daemon=True)
    thread.start()
    return thread


def _keep_warm(app: Flask, stop: threading.Event) -> None:
    from coevidence.server.backend import STORE

    poll = max(MIN_POLL_S, app.config["RELOAD_POLL_S"])
    warmed = None
    while not stop.is_set():
        try:
            version = app.extensions[STORE].data_version()
            if version != warmed:
                app.extensions[STATE] = {"running": True, "version": warmed, "seconds": None}
                started = time.perf_counter()
                warmed = warm(app)
                seconds = round(time.perf_counter() - started, 3)
                app.extensions[STATE] = {"running": False, "version": warmed, "seconds": seconds}
                log.info("whole-dataset figures of data version %s ready in %.1f s", warmed, time.perf_counter() - started)
        except StoreError as error:  # the store is down or slow: try again later
            log.warning("could not compute the whole-dataset figures yet: %s", error)
            app.extensions[STATE] = {"running": False, "version": warmed, "seconds": None, "error": str(error)}
        stop.wait(poll)


def status(app: Flask) -> dict | None:
    """What the warm-up is doing (for /health): ``running`` while it computes, ``version`` the
    data version it last finished and ``seconds`` what that took; None when it is off."""
    state = app.extensions.get(STATE)
    return None if state is None else dict(state)
