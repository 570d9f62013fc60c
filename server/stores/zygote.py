"""The zygote: one single-threaded process that holds a data version and forks query workers.

Loading the data is the slow part of starting a worker (seconds for a large dataset), and a
worker is killed whenever a query runs past its time limit. So the data is loaded once, by
the zygote, and every worker is a copy-on-write ``fork()`` of it: replacing a killed worker
costs milliseconds, whatever the size of the data. The web process, which runs many
threads, never forks; the zygote has one thread (pyoxigraph's in-memory store starts none),
so a fork of it is safe.

The zygote is started with ``python -P`` (no current folder on ``sys.path``: a folder named
``coevidence`` where the server was started must not shadow the installed package), cuts
itself off the network first (see :mod:`.isolation`; its workers inherit that), then opens
its source: ``("files", [...])`` is loaded into memory here; ``("store", path)`` (an on-disk
RocksDB store, whose threads must not be forked) is opened by each worker after the fork,
through a descriptor of its folder that the zygote holds (so all the workers of one zygote
open the same folder, even if another store is renamed into its place).

Messages on its control connection (a Unix socket; :class:`multiprocessing.connection.Connection`):

- from the pool: ``("fork", memory_bytes)`` (a new worker; ``memory_bytes`` its address-space
  allowance beyond what it holds when forked, 0 for none), ``("kill", pid)``, ``None`` (stop);
- to the pool: ``("ready", network)`` or ``("datafile"|"failed", message)`` once, at start;
  ``("forked", pid)`` followed by the worker's end of a new socket (``send_handle``); and
  ``("died", pid, exitcode)`` whenever a worker ends (``-N`` for signal N, as
  :attr:`subprocess.Popen.returncode`). The zygote is the only process that waits for its
  workers, so every exit status is read exactly once and reported.

It stops, killing its workers, when the control connection closes (the server went away).
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import socket
import sys
import traceback
from multiprocessing.connection import Connection
from multiprocessing.reduction import send_handle

PR_SET_PDEATHSIG = 1
#: the exit code of a worker whose query ran out of memory (a Python MemoryError)
EXIT_MEMORY = 86
#: the exit code of a worker that could not open its store
EXIT_OPEN_FAILED = 87


def _die_with_parent() -> None:
    """Have the kernel SIGKILL this process when its parent (the zygote) ends."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _vm_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def limit_memory(allowance: int) -> None:
    """Cap this process's address space at what it uses now plus *allowance* bytes."""
    if allowance <= 0:
        return
    import resource

    try:
        ceiling = _vm_bytes() + allowance
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    except (OSError, ValueError):
        pass


def _child(conn_fd: int, source: tuple, store, network: str | None, allowance: int) -> None:
    """In a freshly forked worker: open the store if needed, cap memory, serve."""
    from coevidence.server.stores import worker

    conn = Connection(conn_fd)
    if store is None:
        try:
            store = worker.open_source(source)
        except (OSError, worker.LoadError) as error:
            conn.send(("failed", f"cannot open the store {source[-1]}: {error}"))
            os._exit(EXIT_OPEN_FAILED)
    limit_memory(allowance)
    conn.send(("ready", os.getpid(), network))
    worker.answer_requests(conn, store)
    os._exit(0)


def main() -> None:
    """The zygote process; its control socket is file descriptor ``sys.argv[1]``."""
    control = Connection(int(sys.argv[1]))
    from coevidence.server.stores import worker
    from coevidence.server.stores.isolation import cut_network

    network = cut_network()  # first, while the process has one thread
    source = control.recv()
    store = None
    if source[0] == "store":
        # every worker opens the directory this zygote was started on, even if another is
        # renamed into its place meanwhile (that is a new version, with a zygote of its own)
        try:
            folder = os.open(source[1], os.O_RDONLY | os.O_DIRECTORY)
        except OSError as error:
            control.send(("failed", f"cannot open the store {source[1]}: {error.strerror}"))
            return
        source = ("store", f"/proc/self/fd/{folder}", source[1])
    if source[0] == "files":
        try:
            store = worker.open_source(source)
        except worker.LoadError as error:
            control.send(("datafile", str(error)))
            return
        except OSError as error:
            control.send(("failed", str(error)))
            return
    control.send(("ready", network))

    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: set[int] = set()
    try:
        while True:
            readable, _, _ = select.select([control.fileno(), wake_r], [], [])
            if wake_r in readable:
                os.read(wake_r, 4096)
            _reap(control, children)
            if control.fileno() not in readable:
                continue
            try:
                message = control.recv()
            except (EOFError, OSError):
                return
            if message is None:
                return
            if message[0] == "kill":
                if message[1] in children:  # never a pid already reaped (and maybe reused)
                    os.kill(message[1], signal.SIGKILL)
                continue
            parent_end, child_end = socket.socketpair()
            pid = os.fork()
            if pid == 0:
                try:
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    os.close(wake_r)
                    os.close(wake_w)
                    control.close()
                    parent_end.close()
                    _die_with_parent()
                    _child(child_end.detach(), source, store, network, int(message[1]))
                except BaseException:  # the top of the worker process: say why it ends
                    traceback.print_exc()
                finally:
                    os._exit(1)
            children.add(pid)
            child_end.close()
            control.send(("forked", pid))
            send_handle(control, parent_end.fileno(), pid)
            parent_end.close()
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def _reap(control: Connection, children: set[int]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        try:
            control.send(("died", pid, os.waitstatus_to_exitcode(status)))
        except OSError:
            return


if __name__ == "__main__":
    main()
