"""Cutting a process off the network (the query workers' second wall)."""

from __future__ import annotations

import multiprocessing
import socket
import sys

from coevidence.server.stores import isolation


def test_other_systems_say_why_not(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert isolation.cut_network() == "not supported on darwin"


def _try_to_connect(port: int, results) -> None:
    reason = isolation.cut_network()
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        results.put((reason, "connected"))
    except OSError as error:
        results.put((reason, type(error).__name__))


def test_a_cut_off_process_cannot_connect_even_to_loopback():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        child = context.Process(target=_try_to_connect, args=(server.getsockname()[1], results))
        child.start()
        reason, outcome = results.get(timeout=30)
        child.join(30)
    if reason is not None:
        assert outcome == "connected"  # not cut off, and honest about it
    else:
        assert outcome != "connected"
