"""One log line per request, with what happened and nothing about who asked or what."""

from __future__ import annotations

import logging
import re

LOGGER = "coevidence.server.requests"


def lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


def test_one_line_per_request_with_status_duration_size_and_rows(client, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        client.get(
            "/sparql",
            query_string={"query": 'SELECT ?s WHERE { ?s ?p "City of Turku" }', "format": "csv"},
            environ_base={"REMOTE_ADDR": "203.0.113.7"},
        )
        client.get("/health")
        client.get("/sparql", query_string={"query": "SELECT * WHERE {"})
    logged = lines(caplog)
    assert len(logged) == 3
    assert re.fullmatch(r"GET /sparql\?format&query 200 \d+\.\dms \d+B rows=1", logged[0]), logged[0]
    assert re.fullmatch(r"GET /health 200 \d+\.\dms \d+B", logged[1]), logged[1]
    assert re.fullmatch(r"GET /sparql\?query 400 \d+\.\dms \d+B", logged[2]), logged[2]
    everything = "\n".join(logged)
    assert "203.0.113.7" not in everything
    assert "Turku" not in everything and "SELECT" not in everything


def test_post_bodies_are_not_logged(client, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        client.post("/sparql", data={"query": 'ASK { ?s ?p "private words" }'})
    (line,) = lines(caplog)
    assert line.startswith("POST /sparql 200 ")
    assert "private" not in line


def test_literals_that_do_not_convert_leave_no_traceback_in_the_log(client, caplog):
    query = 'SELECT ?x WHERE { BIND(STRDT("1' + "0" * 5000 + '", <http://www.w3.org/2001/XMLSchema#integer>) AS ?x) }'
    with caplog.at_level(logging.WARNING):
        assert client.get("/sparql", query_string={"query": query, "format": "html"}).status_code == 200
        assert client.get("/sparql", query_string={"query": 'SELECT ?x WHERE { BIND("x"^^<http://www.w3.org/2001/XMLSchema#date> AS ?x) }', "format": "html"}).status_code == 200
    assert [r for r in caplog.records if r.name.startswith("rdflib")] == []
