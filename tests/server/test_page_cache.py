"""Built pages kept for one data version (server/pagecache.py, PAGE_CACHE_BYTES)."""

from __future__ import annotations

import pytest

from coevidence.bench.explorer import NewBuilds
from coevidence.server import create_app
from coevidence.server.headers import SECURITY_HEADERS

HIT = 'page;desc="hit"'


@pytest.fixture
def builds(store):
    return NewBuilds(store)


@pytest.fixture
def client(builds):
    return create_app({"STORE": builds, "TESTING": True}).test_client()


@pytest.mark.parametrize("path", ["/pilots", "/compare?dimension=stages", "/questions", "/network/all.json", "/doc/pilot/fi"])
def test_a_page_asked_again_is_sent_from_memory_as_it_was_built(client, path):
    first = client.get(path)
    again = client.get(path)
    assert first.status_code == again.status_code == 200, first.data[:300]
    assert HIT not in first.headers.get("Server-Timing", "")
    assert again.headers["Server-Timing"] == HIT
    assert again.data == first.data
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    for name, value in SECURITY_HEADERS.items():  # the app-wide headers, on the kept page too
        assert again.headers[name] == value


def test_a_new_data_version_builds_the_page_again(client, builds):
    client.get("/pilots")
    builds.publish()
    after = client.get("/pilots")
    assert after.status_code == 200
    assert HIT not in after.headers.get("Server-Timing", "")
    assert client.get("/pilots").headers["Server-Timing"] == HIT


def test_the_json_twin_asked_by_accept_is_kept_apart_from_the_html_page(client):
    html = client.get("/pilots", headers={"Accept": "text/html"})
    twin = client.get("/pilots", headers={"Accept": "application/json"})
    assert HIT not in twin.headers.get("Server-Timing", "")
    assert twin.get_json()["total"] >= 1
    assert client.get("/pilots", headers={"Accept": "application/json"}).get_json() == twin.get_json()
    assert client.get("/pilots", headers={"Accept": "text/html"}).data == html.data


def test_errors_are_never_kept(client):
    assert client.get("/pilots/no-such-pilot").status_code == 404
    again = client.get("/pilots/no-such-pilot")
    assert again.status_code == 404
    assert HIT not in again.headers.get("Server-Timing", "")


def test_a_conditional_request_goes_to_the_page_itself(client):
    first = client.get("/doc/pilot/fi")
    client.get("/doc/pilot/fi")
    conditional = client.get("/doc/pilot/fi", headers={"If-None-Match": first.headers["ETag"]})
    assert HIT not in conditional.headers.get("Server-Timing", "")
    assert conditional.headers["ETag"] == first.headers["ETag"]


def test_a_document_asked_with_its_etag_answers_304(client):
    first = client.get("/doc/pilot/fi")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    for sent in (etag, etag[2:], f'"other", {etag}', "*"):  # weak, the same tag strong, in a list, any
        conditional = client.get("/doc/pilot/fi", headers={"If-None-Match": sent})
        assert conditional.status_code == 304, sent
        assert conditional.data == b"" and conditional.headers["ETag"] == etag
    assert client.get("/doc/pilot/fi", headers={"If-None-Match": 'W/"other"'}).status_code == 200
    assert client.get("/doc/pilot/fi.ttl", headers={"If-None-Match": etag}).status_code == 200  # another format


def test_the_endpoint_is_not_a_page(client):
    for _ in range(2):
        response = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert HIT not in response.headers.get("Server-Timing", "")


def test_health_counts_hits_and_misses(client):
    client.get("/questions")
    client.get("/questions")
    counts = client.get("/health").get_json()["page_cache"]
    assert counts["hits"] == 1 and counts["misses"] == 1 and counts["entries"] == 1
    assert 0 < counts["bytes"] <= counts["max_bytes"]


def test_zero_bytes_turns_it_off(builds):
    client = create_app({"STORE": builds, "TESTING": True, "PAGE_CACHE_BYTES": 0}).test_client()
    client.get("/questions")
    again = client.get("/questions")
    assert HIT not in again.headers.get("Server-Timing", "")
    assert "page_cache" not in client.get("/health").get_json()


def test_a_page_larger_than_a_quarter_of_the_budget_is_not_kept(builds):
    client = create_app({"STORE": builds, "TESTING": True, "PAGE_CACHE_BYTES": 4096}).test_client()
    assert len(client.get("/pilots").data) > 1024
    assert HIT not in client.get("/pilots").headers.get("Server-Timing", "")


def test_a_large_kept_page_is_sent_gzipped_to_who_accepts_it(client):
    import gzip

    plain = client.get("/pilots")  # built: the plain body to this request, without Accept-Encoding
    assert len(plain.data) > 1024 and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"] and "Accept" in plain.headers["Vary"]
    packed = client.get("/pilots", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Server-Timing"] == HIT
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)
    assert gzip.decompress(packed.data) == plain.data
    again = client.get("/pilots")
    assert again.headers["Server-Timing"] == HIT and "Content-Encoding" not in again.headers
    assert again.data == plain.data
    refused = client.get("/pilots", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain.data


def test_the_first_answer_is_gzipped_too_when_asked(client):
    import gzip

    first = client.get("/questions", headers={"Accept-Encoding": "gzip"})
    assert HIT not in first.headers.get("Server-Timing", "")
    assert first.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(first.data) == client.get("/questions").data


def test_a_page_under_the_gzip_size_is_sent_as_it_is(client, monkeypatch):
    from coevidence.server import pagecache

    monkeypatch.setattr(pagecache, "GZIP_MIN_BYTES", 10_000_000)
    first = client.get("/questions", headers={"Accept-Encoding": "gzip"})
    again = client.get("/questions", headers={"Accept-Encoding": "gzip"})
    assert again.headers["Server-Timing"] == HIT
    for response in (first, again):
        assert "Content-Encoding" not in response.headers and "Accept-Encoding" not in response.headers["Vary"]
    assert again.data == first.data and first.data.lstrip().startswith(b"<!doctype html>")
