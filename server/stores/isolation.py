"""Cutting a query worker off the network, so that no query can make it connect anywhere.

The policy check refuses SERVICE, LOAD and remote FROM before a query reaches the engine;
this is the second line. A worker process moves into a network namespace of its own, which
holds nothing but a loopback interface that is down, so every connection it tries fails
with "network is unreachable". It needs no network: it talks to the server over a pipe it
already holds and reads its data from files.

Linux only. ``unshare(CLONE_NEWNET)`` needs CAP_SYS_ADMIN (root, outside most containers);
otherwise a new user namespace is tried with it, which unprivileged users may create where
the kernel allows. Either must happen while the process has a single thread, so before the
store is opened (RocksDB starts threads).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000


def cut_network() -> str | None:
    """Move this process into a network namespace of its own: None when done, else why not."""
    if not sys.platform.startswith("linux"):
        return f"not supported on {sys.platform}"
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        unshare = libc.unshare
    except (OSError, AttributeError) as error:
        return f"unshare() is not available: {error}"
    reasons = []
    for flags in (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET):
        if unshare(flags) == 0:
            return None
        reasons.append(os.strerror(ctypes.get_errno()))
    return "unshare() refused: " + "; ".join(dict.fromkeys(reasons))
