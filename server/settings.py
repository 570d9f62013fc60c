"""The server's settings, declared once, as data.

Each setting has a name (the Flask config key), a default, a parser for text values (from
the environment, as ``COEVIDENCE_<NAME>``, or from the command line) and a help text.
``docs/endpoint.md`` documents every one of them, and a test keeps the two in step.

Precedence, lowest first: the default, the environment, then the mapping passed to
``create_app`` (which is what ``coevidence serve`` builds from its options).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "COEVIDENCE_"


class SettingError(ValueError):
    """A setting has a value that cannot be used; the message names it."""


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError("must be a number above 0")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be a whole number of at least 1")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("must be a whole number of at least 0")
    return value


def _nesting(text: str) -> int:
    from coevidence.server.sparql.scan import NESTING_CEILING

    value = _positive_int(text)
    if value > NESTING_CEILING:
        raise ValueError(f"must be a whole number from 1 to {NESTING_CEILING}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise ValueError("must be a number of at least 0")
    return value


def _paths(text: str) -> tuple[Path, ...]:
    return tuple(Path(part) for part in text.split(os.pathsep) if part)


def _optional_text(text: str) -> str | None:
    return text or None


def _optional_path(text: str) -> Path | None:
    return Path(text) if text else None


def _switch(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false (1/0, yes/no, on/off)")


def _base(text: str) -> str:
    if not re.match(r"^https?://[^/]+/", text):
        raise ValueError("must be an absolute http(s) URL ending in a path, such as https://w3id.org/coevidence/")
    return text if text.endswith("/") else text + "/"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    parse: Callable[[str], Any]
    help: str
    secret: bool = False  # never logged or shown


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "SPARQL_TIMEOUT_S", 5.0, _positive_float,
        "Hard time limit of one query, in seconds. A request may lower it with `timeout=`, "
        "never raise it. A query past it is stopped (its worker process is killed).",
    ),
    Setting(
        "MAX_ROWS", 10_000, _positive_int,
        "Most solutions (SELECT) or triples (CONSTRUCT, DESCRIBE) one response holds. A request "
        "may lower it with `max-rows=`. A cut result says so in `X-Result-Truncated`.",
    ),
    Setting(
        "MIN_TIMEOUT_S", 0.5, _positive_float,
        "The lowest time limit a request may ask for with `timeout=`; a lower one is raised to "
        "it (never above `SPARQL_TIMEOUT_S`). Each query stopped at its limit costs a worker.",
    ),
    Setting(
        "MAX_RESPONSE_MB", 64, _positive_int,
        "Most megabytes of RDF terms one response holds (their text; the format's markup "
        "comes on top). Solutions or triples past it are cut, as past `MAX_ROWS`, and "
        "`X-Result-Truncated` says so; `X-Max-Bytes` announces the ceiling.",
    ),
    Setting(
        "MAX_QUERY_BYTES", 100_000, _positive_int,
        "Largest query accepted, in bytes of UTF-8; a larger one is answered 413.",
    ),
    Setting(
        "MAX_NESTING", 100, _nesting,
        "Deepest nesting a query may have: brackets (`{ }`, `( )`, `[ ]`) inside one another, "
        "plus runs of operators (`!!x`) and one level per 10 operators of one chain (`1+1+...`). "
        "A deeper query is answered 400 before any parser reads it. At most 250.",
    ),
    Setting(
        "WORKERS", 2, _positive_int,
        "Query worker processes of the embedded store: how many queries run at once.",
    ),
    Setting(
        "WORKER_MEMORY_MB", 1024, _non_negative_int,
        "Memory a query worker may take beyond the data it shares (its address space, "
        "`RLIMIT_AS`); a query that needs more fails with 400 and its worker is replaced. "
        "0: no ceiling.",
    ),
    Setting(
        "RELOAD_POLL_S", 2.0, _non_negative_float,
        "How often, in seconds, the embedded store looks for a new data version (the "
        "`current` link of a `--store` publication, or the `--data` files) and moves every "
        "worker to it together. 0: never (serve what was loaded at start).",
    ),
    Setting(
        "THREADS", 32, _positive_int,
        "Threads of the WSGI server (waitress); keep it above WORKERS so that `/health` and "
        "cheap requests are answered while every worker is busy.",
    ),
    Setting(
        "CLIENT_QUERIES", 1, _positive_int,
        "Queries one client address may run at once. Its further queries wait their turn "
        "(within the time limit; at most half of `THREADS - 1` wait), others are refused 503 "
        "at once, so that one client cannot take every worker.",
    ),
    Setting(
        "TRUSTED_PROXY", None, _optional_text,
        "Address of the reverse proxy in front of the server: its `X-Forwarded-For` names "
        "the client (for `CLIENT_QUERIES`); without it, every client behind a proxy is one.",
    ),
    Setting(
        "CONNECTION_LIMIT", 1000, _positive_int,
        "Most connections the WSGI server holds open; past it, it stops accepting until some "
        "close. Half-open connections hold no thread.",
    ),
    Setting(
        "CHANNEL_TIMEOUT_S", 30, _positive_int,
        "Seconds of silence after which the WSGI server closes a connection (idle keep-alive, "
        "or a client that stopped sending or reading).",
    ),
    Setting(
        "DATA_PATHS", (), _paths,
        "RDF files to serve (each in its own named graph); empty means the bundled "
        "`data/cosie.ttl` and `data/void.ttl`. In the environment, separate paths with "
        "the platform's path separator (`:` on Linux).",
    ),
    Setting(
        "STORE_DIR", None, _optional_path,
        "An Oxigraph store written by `coevidence build --store DIR`, served read-only "
        "instead of loading files at start.",
    ),
    Setting(
        "ENDPOINT", None, _optional_text,
        "URL of a remote SPARQL endpoint to put this server in front of, instead of the "
        "embedded store.",
    ),
    Setting("ENDPOINT_USER", None, _optional_text, "User name for the remote endpoint, if it needs one."),
    Setting(
        "ENDPOINT_PASSWORD", None, _optional_text,
        "Password for the remote endpoint (prefer the environment variable to the command line).",
        secret=True,
    ),
    Setting(
        "EXPORTS_DIR", None, _optional_path,
        "A folder written by `coevidence export`, served under `/exports/`. Without it the "
        "server writes the exports itself, once per data version, in a temporary folder.",
    ),
    Setting(
        "RESULT_CACHE_BYTES", 64 * 1024 * 1024, _non_negative_int,
        "Memory kept for answers of repeated queries, in bytes (about; 0 turns the cache off). "
        "An answer is kept for one data version, least recently used out first; failed, "
        "timed-out and refused queries are never kept, nor an answer above a quarter of this.",
    ),
    Setting(
        "PAGE_CACHE_BYTES", 64 * 1024 * 1024, _non_negative_int,
        "Memory kept for built pages (explorer, network, linked-data documents), in bytes "
        "(about; 0 turns it off). A page is kept for one data version per URL, Accept and "
        "Accept-Language, least recently used out first; only 200 answers to GET, none above "
        "a quarter of this. A kept page of 1 KiB or more is also kept gzipped (compressed once) "
        "and sent so to a request that accepts gzip.",
    ),
    Setting(
        "CACHE_MAX_AGE_S", 60, _non_negative_int,
        "`Cache-Control: max-age` of query results, in seconds. Results also carry an ETag "
        "tied to the data version, so clients can revalidate cheaply (304).",
    ),
    Setting(
        "PUBLIC_BASE", "https://w3id.org/coevidence/", _base,
        "The base the dataset's IRIs start with: `<base>id/...` (data), `<base>vocab/...` (SKOS), "
        "`<base>ontology#...`. The server maps its own `/id/`, `/doc/`, `/vocab/` and `/ontology` "
        "URLs onto IRIs under it, whatever host it answers at.",
    ),
    Setting(
        "WARM_AT_START", True, _switch,
        "Whether `coevidence serve` computes the whole-dataset figures (the named graphs and "
        "their sizes, the labels of terms, the ontology's counts of use and its page, the VoID "
        "partitions, the explorer's facets and compare cells) in a background thread at start "
        "and after each change of data version, so that no visitor waits for them (about 10 s "
        "at 1.8 million triples).",
    ),
    Setting(
        "REPORT_PATH", None, _optional_path,
        "The SHACL validation report (Turtle) whose warnings and violations the resource pages "
        "show. Default: `report.ttl` in the served version of a publication root (`--store DIR`), "
        "or the bundled `data/report.ttl` with the bundled data; none otherwise.",
    ),
)

BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}


def resolve(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every setting's value: the default, then the environment, then *overrides*.

    Text values (from the environment, or strings in *overrides*) go through the setting's
    parser; a value that does not parse raises :class:`SettingError` naming the setting.
    Keys of *overrides* that are not settings (``TESTING``...) are passed through.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        value = setting.default
        text = environ.get(ENV_PREFIX + setting.name)
        if text is not None:
            value = _parse(setting, text, f"environment variable {ENV_PREFIX}{setting.name}")
        values[setting.name] = value
    for name, value in (overrides or {}).items():
        setting = BY_NAME.get(name)
        if setting is None:
            values[name] = value
        elif isinstance(value, str):
            values[name] = _parse(setting, value, f"setting {name}")
        elif value is None:
            values[name] = setting.default
        else:
            values[name] = _check(setting, value)
    return values


def _parse(setting: Setting, text: str, where: str) -> Any:
    try:
        return setting.parse(text)
    except ValueError as error:
        raise SettingError(f"{where}: {text!r} {_reason(error)}") from None


def _check(setting: Setting, value: Any) -> Any:
    """Validate a non-text value by the same rules as text (numbers through their parser)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _parse(setting, str(value), f"setting {setting.name}")
    if setting.name == "DATA_PATHS":
        return tuple(Path(p) for p in value)
    if isinstance(value, os.PathLike):
        return Path(value)
    return value


def _reason(error: ValueError) -> str:
    message = str(error)
    if message.startswith("must"):
        return message
    return "is not a valid value"
