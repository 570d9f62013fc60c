"""HTTP edges: security headers everywhere, CORS and the error shape on 404/405 and on
waitress's own errors, a log no request can forge, text that is not UTF-8, XML that
cannot carry a character."""

from __future__ import annotations

import logging
import socket
import xml.dom.minidom
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup

from coevidence.server.headers import SECURITY_HEADERS

TEMPLATES = Path(__file__).resolve().parents[2] / "server" / "templates"
LOGGER = "coevidence.server.requests"

EVERY_KIND_OF_RESPONSE = [
    ("GET", "/", {}),
    ("GET", "/sparql", {"Accept": "text/html"}),
    ("GET", "/sparql", {}),  # the service description
    ("GET", "/sparql?query=ASK%20%7B%7D", {}),
    ("GET", "/sparql?query=ASK%20%7B", {}),  # 400
    ("GET", "/sparql?query=LOAD%20%3Chttp://x/%3E", {"Accept": "text/html"}),  # 403, HTML
    ("GET", "/health", {}),
    ("GET", "/favicon.ico", {}),
    ("GET", "/static/style.css", {}),
    ("GET", "/nowhere", {}),
    ("GET", "/nowhere", {"Accept": "text/html"}),
    ("DELETE", "/sparql", {}),
    ("OPTIONS", "/sparql", {"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}),
]


@pytest.mark.parametrize(("method", "path", "headers"), EVERY_KIND_OF_RESPONSE)
def test_every_response_carries_the_security_headers(client, method, path, headers):
    response = client.open(path, method=method, headers=headers)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("template", sorted(TEMPLATES.glob("*.html")), ids=lambda path: path.name)
def test_templates_hold_no_inline_script_or_style(template):
    page = BeautifulSoup(template.read_text(encoding="utf-8"), "html.parser")
    assert page.find("script") is None and page.find("style") is None
    assert not any(tag.has_attr("style") or any(a.startswith("on") for a in tag.attrs) for tag in page.find_all(True))


def test_pages_take_their_style_from_a_static_file(client):
    page = BeautifulSoup(client.get("/").data, "html.parser")
    sheet = page.select_one('link[rel="stylesheet"]')["href"]
    response = client.get(sheet)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert b".error" in response.data


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/nowhere", 404), ("DELETE", "/sparql", 405), ("PUT", "/sparql", 405), ("GET", "/sparql/x", 404)],
)
def test_404_and_405_carry_cors_and_the_json_error_shape(client, method, path, status):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["status"] == status
    if status == 405:
        assert "GET" in response.headers["Allow"]


def test_health_stays_same_origin(client):
    assert "Access-Control-Allow-Origin" not in client.get("/health").headers


def test_waitress_431_is_in_the_json_error_shape(live_server):
    response = requests.get(live_server.url, headers={"X-Big": "a" * 300_000}, timeout=60)
    assert response.status_code == 431
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["error"]["status"] == 431
    assert response.json()["error"]["title"] == "Request Header Fields Too Large"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_waitress_400_for_a_malformed_request_is_in_the_json_error_shape(live_server):
    port = int(live_server.base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(b"GET /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"application/json" in head
    assert b'"status": 400' in body


@pytest.mark.parametrize(
    "path",
    [
        "/sparql?x%0AGET%20/admin%20200%201ms%200B=1&query=ASK%20%7B%7D",
        "/nowhere%0AGET%20/health%20200%201.0ms%2010B",
        "/nowhere%0D%0Aforged",
        "/x%1B%5B31mred",
        "/a%20b%20200%201ms",
    ],
)
def test_control_characters_and_spaces_cannot_forge_a_log_line(client, caplog, path):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        client.get(path)
    (line,) = [record.getMessage() for record in caplog.records if record.name == LOGGER]
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    method, logged_path, status, *_ = line.split(" ")
    assert method == "GET" and status.isdigit()
    assert len(line.split(" ")) in (5, 6)


def test_the_log_shows_an_escaped_path_readably(client, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        client.get("/nowhere%0Aforged")
    (line,) = [record.getMessage() for record in caplog.records if record.name == LOGGER]
    assert line.startswith("GET /nowhere%0Aforged 404 ")


@pytest.mark.parametrize(
    ("request_kwargs", "named"),
    [
        ({"path": "/sparql?query=ASK%20%7B%7D%FF"}, "'query'"),
        ({"path": "/sparql?query=ASK%20%7B%7D&default-graph-uri=http://x/%C3"}, "'default-graph-uri'"),
        ({"path": "/sparql?query=ASK%20%7B%7D&x%FE=1"}, "x"),
        ({"path": "/sparql", "method": "POST", "data": b"query=ASK%20%7B%7D%FF",
          "content_type": "application/x-www-form-urlencoded"}, "'query'"),
        ({"path": "/sparql", "method": "POST", "data": b"query=ASK+%7B%7D%ED%A0%80",  # a UTF-8 surrogate
          "content_type": "application/x-www-form-urlencoded"}, "'query'"),
        ({"path": "/sparql", "method": "POST",
          "data": b'--b\r\nContent-Disposition: form-data; name="query"\r\n\r\nASK {}\xff\r\n--b--\r\n',
          "content_type": "multipart/form-data; boundary=b"}, "'query'"),
    ],
)
def test_text_that_is_not_utf8_is_a_400_naming_the_parameter(client, request_kwargs, named):
    response = client.open(**request_kwargs)
    assert response.status_code == 400, response.data
    error = response.get_json()["error"]
    assert error["title"] == "Bad request"
    assert named in error["detail"] and "UTF-8" in error["detail"]


def test_utf8_forms_and_urls_still_work(client):
    query = 'ASK { FILTER("é✓" != "") }'
    assert client.get("/sparql", query_string={"query": query}).get_json()["boolean"] is True
    assert client.post("/sparql", data={"query": query}).get_json()["boolean"] is True
    multipart = client.post("/sparql", data={"query": query}, content_type="multipart/form-data")
    assert multipart.get_json()["boolean"] is True


CONTROL_LITERAL = 'SELECT ?x WHERE { BIND(CONCAT("a", "\\u0001", "b") AS ?x) }'
CONTROL_GRAPH = 'CONSTRUCT { <http://s> <http://p> ?x } WHERE { BIND("a\\u0001b" AS ?x) }'


@pytest.mark.parametrize(("query", "format_name"), [(CONTROL_LITERAL, "xml"), (CONTROL_GRAPH, "rdfxml")])
def test_a_character_xml_cannot_carry_is_refused_in_xml_naming_it(client, query, format_name):
    response = client.get("/sparql", query_string={"query": query, "format": format_name})
    assert response.status_code == 406, response.data[:300]
    error = response.get_json()["error"]
    assert error["title"] == "Not acceptable"
    assert "U+0001" in error["detail"] and "XML 1.0" in error["detail"]


@pytest.mark.parametrize("format_name", ["json", "csv", "tsv", "html"])
def test_other_formats_carry_control_characters(client, format_name):
    response = client.get("/sparql", query_string={"query": CONTROL_LITERAL, "format": format_name})
    assert response.status_code == 200


@pytest.mark.parametrize(("query", "format_name"), [
    ('SELECT ?x WHERE { BIND("tab\\tline\\ncr\\r\\u00e9\\uFFFD \\U0001F600" AS ?x) }', "xml"),
    ('CONSTRUCT { <http://s> <http://p> ?x } WHERE { BIND("tab\\tline\\n\\u00e9 \\U0001F600" AS ?x) }', "rdfxml"),
])
def test_xml_results_with_every_character_xml_can_carry_are_well_formed(client, query, format_name):
    response = client.get("/sparql", query_string={"query": query, "format": format_name})
    assert response.status_code == 200
    document = xml.dom.minidom.parseString(response.data)
    assert "😀" in document.documentElement.toxml()
