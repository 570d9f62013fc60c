"""What `build` writes: the chosen format, atomically, a store on request, a quiet progress bar."""

from __future__ import annotations

import json

import pyoxigraph
import pytest
from rdflib import Graph

from coevidence import versions

from .conftest import GOLDEN_SOURCES, edit_cell


@pytest.mark.parametrize("name, fmt", [("out.ttl", "turtle"), ("out.nt", "nt"), ("out.jsonld", "json-ld")])
def test_output_format_follows_the_extension(run, tmp_path, name, fmt):
    result = run("build", GOLDEN_SOURCES, "-o", tmp_path / name)
    assert result.exit_code == 0, result.stderr
    graph = Graph().parse(tmp_path / name, format=fmt)
    assert len(graph) == len(Graph().parse(GOLDEN_SOURCES.parent / "expected.ttl"))


def test_format_option_overrides_the_extension(run, tmp_path):
    result = run("build", GOLDEN_SOURCES, "-o", tmp_path / "graph.data", "--format", "jsonld")
    assert result.exit_code == 0, result.stderr
    assert isinstance(json.loads((tmp_path / "graph.data").read_text(encoding="utf-8")), (dict, list))


def test_success_replaces_the_old_output_and_leaves_no_temporary_files(run, tmp_path):
    output = tmp_path / "out.ttl"
    output.write_text("old\n", encoding="utf-8")
    result = run("build", GOLDEN_SOURCES, "-o", output)
    assert result.exit_code == 0
    assert output.read_text(encoding="utf-8").startswith("PREFIX")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ttl"]
    assert "wrote" in result.stderr.splitlines()[-1] and "11 warning(s)" in result.stderr


def test_warnings_are_printed_with_their_row_and_do_not_fail(run, tmp_path):
    result = run("build", GOLDEN_SOURCES, "-o", tmp_path / "out.ttl")
    line = next(line for line in result.stderr.splitlines() if "participations.csv" in line)
    assert line.startswith("warning: Roma families of the village as co-designer in Social farming in Hungary (row ")
    assert f"{GOLDEN_SOURCES / 'participations.csv'}:participations:3): coe:evidence: " in line


def test_non_conforming_graph_is_never_written(run, sources, tmp_path):
    # well-formed input that the shapes reject: a pilot of a professional group as target group
    edit_cell(sources, "pilots", "hu", "target_groups", "hu-mayors")
    output = tmp_path / "out.ttl"
    result = run("build", sources, "-o", output)
    assert result.exit_code == 1, result.stderr
    assert "the graph does not conform; nothing written" in result.stderr.splitlines()[-1]
    assert f"Social farming in Hungary (row {sources / 'pilots.csv'}:pilots:2): coe:targetGroup: " in result.stderr
    assert not output.exists()


def test_store_is_published_as_a_version_after_validation(run, tmp_path):
    root = tmp_path / "store"
    result = run("build", GOLDEN_SOURCES, "-o", tmp_path / "out.ttl", "--store", root)
    assert result.exit_code == 0, result.stderr
    version = versions.current(root)
    assert (version.path / "graph.ttl").read_bytes() == (tmp_path / "out.ttl").read_bytes()
    assert version.info["triples"] == len(Graph().parse(tmp_path / "out.ttl"))
    assert "coe:evidence" in (version.path / "report.txt").read_text(encoding="utf-8")
    store = pyoxigraph.Store.read_only(str(version.store))
    # the built graph in its own named graph (named after the source), the ontology and vocabularies beside it
    built = pyoxigraph.NamedNode("https://w3id.org/coevidence/graph/sources")
    assert len(list(store.quads_for_pattern(None, None, None, built))) == version.info["triples"]
    graphs = {graph.value for graph in store.named_graphs()}
    assert graphs == {built.value, "https://w3id.org/coevidence/graph/ontology", "https://w3id.org/coevidence/graph/vocabularies"}
    del store
    result = run("build", GOLDEN_SOURCES, "--store", root)  # a second version beside the first
    assert result.exit_code == 0, result.stderr
    assert versions.current(root).id != version.id and version.path.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ttl", "store"]


def test_progress_bar_is_silent_when_stderr_is_not_a_terminal(run, tmp_path):
    result = run("build", GOLDEN_SOURCES, "-o", tmp_path / "out.ttl")
    assert "%|" not in result.stderr and "it/s" not in result.stderr


def test_rdf_files_are_passed_through(run, sources, tmp_path):
    (sources / "extra.ttl").write_text(
        '<https://w3id.org/coevidence/id/pilot/hu> <http://www.w3.org/2000/01/rdf-schema#seeAlso> <https://example.org/more> .\n',
        encoding="utf-8",
    )
    result = run("build", sources, "-o", tmp_path / "out.ttl")
    assert result.exit_code == 0, result.stderr
    assert "https://example.org/more" in (tmp_path / "out.ttl").read_text(encoding="utf-8")


def test_broken_rdf_file_is_an_input_error(run, sources, tmp_path):
    (sources / "extra.ttl").write_text("this is not turtle\n", encoding="utf-8")
    result = run("build", sources, "-o", tmp_path / "out.ttl")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(f"{sources / 'extra.ttl'}: is not valid turtle: ")


def test_base_option_mints_every_iri_under_the_given_base(run, tmp_path):
    from rdflib import URIRef
    from rdflib.compare import isomorphic

    result = run("build", GOLDEN_SOURCES, "-o", tmp_path / "out.ttl", "--base", "https://example.org/case/id/")
    assert result.exit_code == 0, result.stderr
    graph = Graph().parse(tmp_path / "out.ttl")
    terms = {t for triple in graph for t in triple if isinstance(t, URIRef)}
    assert not [t for t in terms if t.startswith("https://w3id.org/coevidence/id/")]
    back = Graph()
    for triple in graph:
        back.add(tuple(URIRef(t.replace("https://example.org/case/id/", "https://w3id.org/coevidence/id/")) if isinstance(t, URIRef) else t for t in triple))
    assert isomorphic(back, Graph().parse(GOLDEN_SOURCES.parent / "expected.ttl"))
    assert "(row " in result.stderr  # problems still point at their rows


@pytest.mark.parametrize("base", ["ftp://example.org/", "https://example.org/no-slash", "https://example.org/a b/", "id/"])
def test_a_base_that_cannot_stand_before_the_keys_is_refused(run, tmp_path, base):
    result = run("build", GOLDEN_SOURCES, "-o", tmp_path / "out.ttl", "--base", base)
    assert result.exit_code == 2 and "--base" in result.stderr
    assert not (tmp_path / "out.ttl").exists()
