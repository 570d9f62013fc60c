"""A throw-away Virtuoso open-source server on loopback, for the tests and the benchmark.

:class:`LocalVirtuoso` copies the packaged ``virtuoso.ini`` into a folder of its own, points
every database file at that folder, binds both of Virtuoso's ports (SQL and HTTP) to
127.0.0.1 on free ports, starts ``virtuoso-t`` in the foreground as a child process,
replaces the well-known ``dba`` password by a random one, loads RDF files with ``isql-vt``
(``ld_dir`` / ``rdf_loader_run`` / ``checkpoint``) and stops the process it started. Nothing outside its
folder is touched. It needs the Debian package ``virtuoso-opensource`` (``virtuoso-t`` and
``isql-vt`` on the PATH); :func:`virtuoso_missing` says why it cannot run, or None.
"""

from __future__ import annotations

import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Iterable, Mapping

SERVER_BINARY = "virtuoso-t"
ISQL_BINARY = "isql-vt"
PACKAGED_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")

#: memory settings from Virtuoso's own guidance, by the RAM one may give it
MEMORY_SETTINGS: dict[str, dict[str, str]] = {
    "small": {"NumberOfBuffers": "10000", "MaxDirtyBuffers": "6000"},  # about 80 MB
    "2g": {"NumberOfBuffers": "170000", "MaxDirtyBuffers": "130000"},
    "4g": {"NumberOfBuffers": "340000", "MaxDirtyBuffers": "250000"},
}


class VirtuosoError(RuntimeError):
    """Virtuoso could not be started, loaded or asked; the message says what happened."""


def virtuoso_missing() -> str | None:
    """Why a local Virtuoso cannot be started here, or None when it can."""
    for binary in (SERVER_BINARY, ISQL_BINARY):
        if shutil.which(binary) is None:
            return f"{binary} is not installed (Debian package virtuoso-opensource)"
    if not PACKAGED_INI.is_file():
        return f"{PACKAGED_INI} is missing (Debian package virtuoso-opensource)"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rewrite_ini(text: str, changes: Mapping[str, Mapping[str, str]]) -> str:
    """Set ``changes[section][key] = value`` in an ini text, keeping everything else.

    Keys that already exist in their section are replaced in place (every occurrence: the
    packaged file repeats some keys); missing keys are added at the end of their section and
    missing sections at the end of the text.
    """
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            sections.append((stripped[1:-1], [line]))
        else:
            sections[-1][1].append(line)
    out: list[str] = []
    for name, lines in sections:
        wanted = changes.get(name, {}) if name is not None else {}
        seen: set[str] = set()
        body: list[str] = []
        for line in lines:
            stripped = line.strip()
            key = stripped.split("=", 1)[0].strip() if "=" in stripped and not stripped.startswith(";") else None
            if key in wanted:
                body.append(f"{key} = {wanted[key]}")
                seen.add(key)
            else:
                body.append(line)
        while body and not body[-1].strip():
            body.pop()
        body += [f"{key} = {value}" for key, value in wanted.items() if key not in seen]
        out += body + [""]
    present = {name for name, _ in sections}
    for name, values in changes.items():
        if name not in present and values:
            out += [f"[{name}]", *(f"{key} = {value}" for key, value in values.items()), ""]
    return "\n".join(out)


class LocalVirtuoso:
    """One Virtuoso server process on loopback, with its files in ``folder``.

    Use as a context manager, or call :meth:`start` and :meth:`stop`. ``sparql`` settings go
    into the ``[SPARQL]`` section (for example ``{"ResultSetMaxRows": "5"}``); ``memory`` is a
    key of :data:`MEMORY_SETTINGS`.
    """

    def __init__(
        self,
        folder: Path | None = None,
        *,
        sparql: Mapping[str, str] | None = None,
        memory: str = "small",
        start_timeout: float = 120.0,
    ) -> None:
        reason = virtuoso_missing()
        if reason is not None:
            raise VirtuosoError(reason)
        self._own_folder = folder is None
        self.folder = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="coevidence-virtuoso-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.load_folder = self.folder / "load"
        self.load_folder.mkdir(exist_ok=True)
        self.sql_port = free_port()
        self.http_port = free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        self.password = secrets.token_hex(12)
        self.sparql_settings = dict(sparql or {})
        self.memory = MEMORY_SETTINGS[memory]
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.ini_path = self.folder / "virtuoso.ini"

    # -- life cycle ---------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """The SPARQL 1.1 endpoint URL."""
        return f"http://127.0.0.1:{self.http_port}/sparql"

    def write_ini(self) -> Path:
        folder = self.folder
        changes = {
            "Database": {
                "DatabaseFile": str(folder / "virtuoso.db"),
                "ErrorLogFile": str(folder / "virtuoso.log"),
                "LockFile": str(folder / "virtuoso.lck"),
                "TransactionFile": str(folder / "virtuoso.trx"),
                "xa_persistent_file": str(folder / "virtuoso.pxa"),
            },
            "TempDatabase": {
                "DatabaseFile": str(folder / "virtuoso-temp.db"),
                "TransactionFile": str(folder / "virtuoso-temp.trx"),
            },
            "Parameters": {
                "ServerPort": f"127.0.0.1:{self.sql_port}",
                "DirsAllowed": f"., /usr/share/virtuoso-opensource-7/vad, {self.load_folder}",
                "CheckpointInterval": "0",
                **self.memory,
            },
            "HTTPServer": {"ServerPort": f"127.0.0.1:{self.http_port}"},
            "SPARQL": self.sparql_settings,
        }
        self.ini_path.write_text(rewrite_ini(PACKAGED_INI.read_text(), changes))
        return self.ini_path

    def start(self) -> "LocalVirtuoso":
        """Start the server, wait until its SPARQL endpoint answers and replace the
        well-known ``dba`` password; on any failure the process is stopped again."""
        self.write_ini()
        log = (self.folder / "stdout.log").open("wb")
        self.process = subprocess.Popen(
            [SERVER_BINARY, "+foreground", "+configfile", str(self.ini_path)],
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        try:
            self._wait_until_up()
            fresh_password, self.password = self.password, "dba"
            self.isql(f"USER_SET_PASSWORD('dba', '{fresh_password}');")
            self.password = fresh_password
        except (VirtuosoError, OSError, subprocess.SubprocessError):
            self.stop()
            raise
        return self

    def _wait_until_up(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.start_timeout
        probe = self.endpoint + "?" + urllib.parse.urlencode({"query": "ASK {}"})
        while True:
            if self.process.poll() is not None:
                raise VirtuosoError(f"virtuoso-t exited with status {self.process.returncode}: {self._log_tail()}")
            try:
                with urllib.request.urlopen(probe, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                raise VirtuosoError(f"Virtuoso did not answer on {self.endpoint} within {self.start_timeout:.0f} s")
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop the process started here (clean shutdown, then kill) and, if the folder
        was made here, remove it."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "LocalVirtuoso":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- administration -----------------------------------------------------------------

    def isql(self, statements: str, *, timeout: float = 3600.0) -> str:
        """Run SQL statements through isql-vt as dba; raise :class:`VirtuosoError` on error."""
        result = subprocess.run(
            [ISQL_BINARY, f"127.0.0.1:{self.sql_port}", "dba", self.password, f"exec={statements}"],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.folder,
        )
        output = result.stdout + result.stderr
        if result.returncode != 0 or "*** Error" in output:
            raise VirtuosoError(f"isql-vt failed ({result.returncode}): {output.strip()[-2000:]}")
        return output

    def load(self, files: Iterable[Path], graph: str) -> None:
        """Bulk-load RDF files (Turtle, N-Triples, RDF/XML, by extension) into ``graph``."""
        names = []
        for number, path in enumerate(files):
            path = Path(path)
            target = self.load_folder / f"{number:04d}-{path.name}"
            shutil.copyfile(path, target)
            names.append(target.name)
        if not names:
            return
        # isql's exec= string is SQL: the values are literals built from our own file names
        # and a graph IRI chosen by the caller (quotes doubled, as SQL wants).
        graph_literal = graph.replace("'", "''")
        statements = " ".join(
            f"ld_dir('{self.load_folder}', '{name}', '{graph_literal}');" for name in names
        )
        self.isql(f"{statements} rdf_loader_run(); checkpoint;")
        failed = self.isql(
            "SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;"
        )
        if any(name in failed for name in names):
            raise VirtuosoError(f"Virtuoso could not load some files: {failed.strip()[-2000:]}")
        for name in names:
            (self.load_folder / name).unlink(missing_ok=True)

    def _log_tail(self) -> str:
        lines: list[str] = []
        for name in ("stdout.log", "virtuoso.log"):
            path = self.folder / name
            if path.exists():
                lines += path.read_text(errors="replace").splitlines()[-8:]
        return " | ".join(line.strip() for line in lines if line.strip())
