"""The embedded store: loading, persistent stores, the dataset, bindings, errors."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from rdflib import Literal, URIRef, Variable
from rdflib.namespace import RDFS

from coevidence.ontology import COE, ID
from coevidence.server.namespaces import GRAPH
from coevidence.server.stores import DataFileError, QueryFailed, QueryRejected, QuerySyntaxError, Store, open_store
from coevidence.server.stores.oxigraph import (
    STORE_INFO,
    OxigraphStore,
    bundled_data_paths,
    data_files,
    write_store,
)

DATA = Path(__file__).parent / "data"
PILOTS = DATA / "pilots.ttl"
EXTRA = DATA / "extra.ttl"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def number(result) -> int:
    return int(result.rows[0][Variable("n")])


def test_store_satisfies_the_interface(store):
    assert isinstance(store, Store)
    assert store.union_default_graph is True
    assert store.data_version() == store.data_version()


def test_each_file_in_its_own_named_graph(store):
    result = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", timeout=5, max_rows=100)
    assert {str(row[Variable("g")]) for row in result.rows} == {
        str(GRAPH.pilots), str(GRAPH.extra), str(GRAPH.ontology), str(GRAPH.vocabularies)}


def test_bindings_are_substituted_not_formatted(store):
    query = f"SELECT ?thing ?label WHERE {{ ?thing <{RDFS.label}> ?label }} ORDER BY ?label"
    result = store.query(query, bindings={"thing": URIRef(ID["pilot/fi"])}, timeout=5, max_rows=10)
    assert [row[Variable("label")] for row in result.rows] == [
        Literal("Nuorisotakuu", lang="fi"), Literal("Youth guarantee, Finland", lang="en")]
    assert {row[Variable("thing")] for row in result.rows} == {URIRef(ID["pilot/fi"])}
    result = store.query(
        f"SELECT ?pilot ?n WHERE {{ ?pilot <{COE.pilotNumber}> ?n }}",
        bindings={"n": Literal(2)}, timeout=5, max_rows=10,
    )
    assert [row[Variable("pilot")] for row in result.rows] == [URIRef(ID["pilot/nl"])]
    nasty = Literal('x" } ; DROP ALL ; SELECT * WHERE { "')
    result = store.query(f"SELECT ?s ?label WHERE {{ ?s <{RDFS.label}> ?label }}", bindings={"label": nasty},
                         timeout=5, max_rows=10)
    assert result.rows == []


def test_bound_values_keep_their_meaning_in_subqueries_groups_and_expressions(store):
    """Bound IRIs and literals are written into the query as constants (so that the engine
    plans with them): every place a variable can stand keeps the meaning it had."""
    pilot = URIRef(ID["pilot/fi"])
    grouped = store.query(
        f"SELECT ?thing (COUNT(?label) AS ?n) WHERE {{ ?thing <{RDFS.label}> ?label }} GROUP BY ?thing",
        bindings={"thing": pilot}, timeout=5, max_rows=10)
    assert [(row[Variable("thing")], int(row[Variable("n")])) for row in grouped.rows] == [(pilot, 2)]
    nested = store.query(
        f"SELECT ?thing ?label WHERE {{ {{ SELECT ?thing ?label WHERE {{ ?thing <{RDFS.label}> ?label }} LIMIT 5 }} "
        "FILTER(LANG(?label) = ?lang) }", bindings={"thing": pilot, "lang": Literal("fi")}, timeout=5, max_rows=10)
    assert [(row[Variable("thing")], row[Variable("label")]) for row in nested.rows] == [(pilot, Literal("Nuorisotakuu", lang="fi"))]
    text = store.query("SELECT ?s WHERE { ?s ?p ?o FILTER(STR(?o) = '?thing') }", bindings={"thing": pilot},
                       timeout=5, max_rows=10)
    assert text.rows == [], "a variable's name inside a string is not a variable"


def test_bound_iris_and_literals_are_planned_as_constants_blank_nodes_substituted():
    from rdflib import BNode

    from coevidence.server.stores.oxigraph import _with_constants

    text, rest = _with_constants("SELECT ?pilot ?c WHERE { ?c a ?cls ; ?p ?pilot }",
                                 {"pilot": URIRef(ID["pilot/fi"]), "node": BNode("b1")})
    assert f"?p <{ID['pilot/fi']}>" in text and "?cls" in text
    assert set(rest) == {"node"}


def test_query_the_engine_cannot_evaluate_is_query_failed(store):
    with pytest.raises(QueryFailed, match="triple term"):  # no SPARQL 1.1 result can hold one
        store.query("SELECT ?t WHERE { BIND(<<( <http://a> <http://b> <http://c> )>> AS ?t) }", timeout=5, max_rows=1)


def test_syntax_error_carries_the_parsers_position(store):
    with pytest.raises(QuerySyntaxError, match=r"^line 2, column \d+: "):
        store.query("SELECT *\nWHERE { ?s ?p }", timeout=5, max_rows=10)


def test_store_refuses_updates_itself(store):
    with pytest.raises(QueryRejected, match="read-only"):
        store.query("INSERT DATA { <http://a> <http://b> <http://c> }", timeout=5, max_rows=10)


def test_write_store_then_serve_it_read_only(tmp_path):
    target = tmp_path / "stores" / "cosie"
    version = write_store([PILOTS], target)
    info = json.loads((target / STORE_INFO).read_text())
    assert info["data_version"] == version
    assert info["graphs"][str(GRAPH.pilots)] == "pilots.ttl"
    with OxigraphStore.open(target, workers=1) as served:
        assert served.data_version() == version
        assert number(served.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?p a <{COE.Pilot}> }}",
                                   timeout=5, max_rows=1)) == 3
    with open_store(store_dir=target, workers=1) as served:  # the factory
        assert served.data_version() == version
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")], "no leftovers"


def test_write_store_replaces_a_store_and_the_version_changes(tmp_path):
    target = tmp_path / "store"
    first = write_store([PILOTS], target)
    second = write_store([PILOTS, EXTRA], target)
    assert first != second
    with OxigraphStore.open(target, workers=1) as served:
        assert served.data_version() == second
        graphs = served.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", timeout=5, max_rows=10)
        assert URIRef(GRAPH.extra) in {row[Variable("g")] for row in graphs.rows}


def test_failed_build_leaves_the_old_store_untouched(tmp_path):
    target = tmp_path / "store"
    version = write_store([PILOTS], target)
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://ex/> .\nex:a ex:b .\n")
    with pytest.raises(DataFileError, match=r"broken\.ttl: .*line 2"):
        write_store([broken], target)
    assert json.loads((target / STORE_INFO).read_text())["data_version"] == version
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.ttl", "store"]


def test_write_store_will_not_replace_something_else(tmp_path):
    target = tmp_path / "notes"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(DataFileError, match="not an Oxigraph store"):
        write_store([PILOTS], target)
    assert (target / "keep.txt").read_text() == "mine"


def test_open_refuses_a_directory_that_is_not_a_store(tmp_path):
    with pytest.raises(DataFileError, match="not an Oxigraph store nor a publication root; write one with `coevidence build --store DIR`"):
        OxigraphStore.open(tmp_path, workers=1)


def test_data_version_follows_the_content(tmp_path):
    data = tmp_path / "pilots.ttl"
    data.write_text("<http://ex/a> <http://ex/p> 1 .\n")
    with OxigraphStore.load([data], workers=1) as one:
        first = one.data_version()
    with OxigraphStore.load([data], workers=1) as again:
        assert again.data_version() == first
    data.write_text("<http://ex/a> <http://ex/p> 2 .\n")
    with OxigraphStore.load([data], workers=1) as changed:
        assert changed.data_version() != first


def running(pid: int) -> bool:
    """Whether process *pid* exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_close_stops_every_worker_and_the_zygote():
    loaded = OxigraphStore.load([PILOTS], workers=2)
    pids = loaded._pool.pids()
    every = pids["zygote"] + pids["workers"]
    assert len(pids["workers"]) == 2 and len(pids["zygote"]) == 1
    assert all(running(pid) for pid in every)
    loaded.close()
    loaded.close()  # twice is fine
    deadline = time.monotonic() + 60
    while any(running(pid) for pid in every):
        assert time.monotonic() < deadline, [pid for pid in every if running(pid)]
        time.sleep(0.05)
    assert loaded.status()["alive"] == 0


def test_data_that_does_not_parse_is_a_data_file_error_naming_file_and_line(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://ex/> .\nex:a ex:b ex:c .\nex:d ex:e .\n")
    with pytest.raises(DataFileError, match=rf"^{broken}: .*line 3"):
        OxigraphStore.load([broken], workers=2)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: [tmp / "missing.ttl"], "missing.ttl: no such data file"),
        (lambda tmp: [tmp / "notes.txt"], "unknown RDF format"),
        (lambda tmp: [tmp / "a" / "pilots.ttl", tmp / "b" / "pilots.ttl"], "would share the graph"),
    ],
)
def test_data_file_errors_name_the_file(tmp_path, make, message):
    paths = make(tmp_path)
    for path in paths:
        if path.name != "missing.ttl":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("")
    with pytest.raises(DataFileError, match=message):
        data_files(paths)


def test_bundled_data_is_cosie_and_void_when_present(tmp_path):
    with pytest.raises(DataFileError, match=r"cosie\.ttl does not exist yet; build it with `coevidence build`"):
        bundled_data_paths(tmp_path)
    (tmp_path / "cosie.ttl").write_text("")
    assert bundled_data_paths(tmp_path) == [tmp_path / "cosie.ttl"]
    (tmp_path / "void.ttl").write_text("")
    assert bundled_data_paths(tmp_path) == [tmp_path / "cosie.ttl", tmp_path / "void.ttl"]


def test_open_store_takes_one_source():
    with pytest.raises(ValueError, match="choose one source"):
        open_store(data_paths=[PILOTS], store_dir="x")
