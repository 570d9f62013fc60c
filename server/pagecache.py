"""Pages kept in memory for one data version: a page asked for again is sent as it was built.

The explorer's pages, the network pages and the linked-data documents are built from the
store alone: for one data version, the same URL asked of the same host with the same
``Accept`` and ``Accept-Language`` gives the same page. The result cache
(:mod:`.stores.cache`) already spares the store; this spares the rest, the page model and
its template, which on the larger pages (a compare matrix of 1,000 pilots, the browse page
with every facet) costs more than the queries once they are cached.

A page is kept with its status and its own headers (the app-wide ones, security headers,
CORS, the request log, are added again on every answer), least recently used out first,
within ``PAGE_CACHE_BYTES`` (0 turns it off). What is never kept: anything but a 200 to a GET,
a streamed answer, one that sets a cookie, a page larger than a quarter of the budget, and a
page built while the data version changed under it. A request with ``If-None-Match`` goes to
the view, which answers 304 itself. A kept page of at least :data:`GZIP_MIN_BYTES` is also
kept gzipped (compressed once, when it is kept): a request that accepts gzip gets that body
with ``Content-Encoding: gzip``, the others the plain one, both with ``Vary: Accept-Encoding``
(in ``bench pages`` at 1,000 pilots, the mix's pages of up to 939 KiB of HTML went out in at
most 33 KiB: benchmarks/pages.md). A page sent from memory says so in ``Server-Timing``
(``page;desc="hit"``); ``/health`` counts hits and misses under ``page_cache``.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request

from coevidence.server.backend import current_store

EXTENSION = "coevidence.page_cache"
#: the views whose pages are kept (endpoint names); each builds its page from the store only
PAGES = frozenset({
    "explorer.pilots", "explorer.pilot", "explorer.search", "explorer.compare", "explorer.compare_cell",
    "explorer.questions", "explorer.question_page",
    "network.pilot", "network.everything", "network.path", "network.similar",
    "linkeddata.doc", "linkeddata.describe",
})
#: a rough cost of one kept page besides its body and headers, in bytes
_PER_PAGE = 512
#: a kept page at least this large is also kept gzipped, compressed once
GZIP_MIN_BYTES = 1024


@dataclass(frozen=True)
class Page:
    body: bytes
    headers: tuple[tuple[str, str], ...]
    size: int
    gzipped: bytes | None = None


def _accepts_gzip() -> bool:
    return request.accept_encodings.quality("gzip") > 0


def _gzipped(response: Response, body: bytes) -> bytes | None:
    """*body* compressed, when it is large enough, not compressed already and gains by it."""
    if len(body) < GZIP_MIN_BYTES or "Content-Encoding" in response.headers:
        return None
    packed = gzip.compress(body, compresslevel=6, mtime=0)
    return packed if len(packed) < len(body) else None


def _encoded(response: Response, packed: bytes | None) -> None:
    """Send *packed* instead of the body when the request takes gzip; say it varies by it."""
    if packed is None:
        return
    response.vary.add("Accept-Encoding")
    if _accepts_gzip():
        response.set_data(packed)
        response.headers["Content-Encoding"] = "gzip"


class PageCache:
    """Pages of one data version, least recently used out first, within *max_bytes*."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[tuple, Page] = OrderedDict()
        self._bytes = 0
        self._version: str | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, version: str, key: tuple) -> Page | None:
        with self._lock:
            if version != self._version:
                self._pages.clear()
                self._bytes = 0
                self._version = version
            page = self._pages.get(key)
            if page is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def keep(self, version: str, key: tuple, page: Page) -> None:
        if page.size > self.max_bytes // 4:
            return
        with self._lock:
            if version != self._version or key in self._pages:
                return
            self._pages[key] = page
            self._bytes += page.size
            while self._bytes > self.max_bytes and self._pages:
                _, dropped = self._pages.popitem(last=False)
                self._bytes -= dropped.size

    def status(self) -> dict[str, int]:
        with self._lock:
            return {"hits": self.hits, "misses": self.misses, "entries": len(self._pages),
                    "bytes": self._bytes, "max_bytes": self.max_bytes}


def _key() -> tuple:
    return (request.host, request.full_path, request.headers.get("Accept", ""), request.headers.get("Accept-Language", ""))


def _send_kept() -> Response | None:
    cache: PageCache | None = current_app.extensions.get(EXTENSION)
    if cache is None or request.method != "GET" or request.endpoint not in PAGES or "If-None-Match" in request.headers:
        return None
    version = current_store().data_version()
    key = _key()
    page = cache.get(version, key)
    if page is None:
        g.page_cache_key = (version, key)
        return None
    response = Response(page.body, status=200, headers=list(page.headers))
    _encoded(response, page.gzipped)
    response.headers["Server-Timing"] = 'page;desc="hit"'
    return response


def _keep(response: Response) -> Response:
    found = g.pop("page_cache_key", None)
    if found is None or response.status_code != 200 or response.is_streamed or "Set-Cookie" in response.headers:
        return response
    version, key = found
    if current_store().data_version() != version:  # built while the data changed: not kept
        return response
    body = response.get_data()
    cache: PageCache = current_app.extensions[EXTENSION]
    packed = _gzipped(response, body) if len(body) <= cache.max_bytes // 4 else None  # not kept: not packed
    headers = tuple((name, value) for name, value in response.headers.items() if name.lower() != "content-length")
    size = _PER_PAGE + len(body) + len(packed or b"") + sum(len(name) + len(value) for name, value in headers)
    cache.keep(version, key, Page(body, headers, size, packed))
    _encoded(response, packed)
    return response


def init_app(app: Flask) -> None:
    """Keep pages when ``PAGE_CACHE_BYTES`` is above 0. Called after the app-wide hooks
    (headers, request log), so that this runs first after a view and keeps only the view's
    own headers."""
    if app.config["PAGE_CACHE_BYTES"] <= 0:
        return
    app.extensions[EXTENSION] = PageCache(app.config["PAGE_CACHE_BYTES"])
    app.before_request(_send_kept)
    app.after_request(_keep)


def page_cache_status() -> dict[str, int] | None:
    cache: PageCache | None = current_app.extensions.get(EXTENSION)
    return None if cache is None else cache.status()
