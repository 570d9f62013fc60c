"""Exports: every file read back with the tool a researcher would use and compared with the data."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from pathlib import Path

import networkx as nx
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF

from coevidence.cli import main
from coevidence.server.exports import export as export_module
from coevidence.server.exports import tables
from coevidence.server.exports.catalog import SPDX
from coevidence.server.exports.export import ExportFailed, export
from coevidence.server.exports.safety import safe_cell
from coevidence.server.network import measures
from coevidence.server.network.model import read_network
from coevidence.server.stores.oxigraph import OxigraphStore

HERE = Path(__file__).parent / "data"
FILES = [HERE / "network.ttl", HERE / "hostile.ttl"]
ID = "https://w3id.org/coevidence/id/"
PATIENCE_S = 60.0


@pytest.fixture(scope="module")
def store():
    with OxigraphStore.load(FILES, workers=1) as opened:
        yield opened


@pytest.fixture(scope="module")
def exported(store, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports") / "out"
    manifest = export(out, store, data_paths=FILES, progress=False)
    return out, manifest


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_the_manifest_gives_each_file_its_true_size_and_checksum(exported):
    out, manifest = exported
    names = {item["name"] for item in manifest["files"]}
    assert {"network-all.graphml", "network-p.gexf", "participations.csv", "tables-metadata.json",
            "dataset.nq", "dataset.jsonld", "validation-report.ttl", "distributions.ttl"} <= names
    for item in manifest["files"]:
        data = (out / item["name"]).read_bytes()
        assert item["bytes"] == len(data) and item["sha256"] == hashlib.sha256(data).hexdigest(), item["name"]


def test_distributions_describe_every_file_with_size_and_media_type(exported):
    out, manifest = exported
    graph = rdflib.Graph().parse(out / "distributions.ttl")
    described = {str(url).rsplit("/", 1)[-1]: url for url in graph.subjects(RDF.type, DCAT.Distribution)}
    for item in manifest["files"]:
        if item["name"] == "distributions.ttl":
            continue
        url = described[item["name"]]
        assert int(graph.value(url, DCAT.byteSize)) == item["bytes"]
        assert str(graph.value(url, DCAT.mediaType)).endswith(item["media_type"])
        checksum = graph.value(url, SPDX.checksum)
        assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(graph.value(checksum, SPDX.checksumValue)) == item["sha256"]


def test_graphml_reads_back_as_the_same_network(exported, store):
    out, _ = exported
    network = read_network(store)
    for stem, pilot in (("network-all", None), ("network-p", f"{ID}pilot/p")):
        read = nx.read_graphml(out / f"{stem}.graphml", force_multigraph=True)
        expected = measures.actor_graph(network, pilot)
        assert set(read.nodes) == set(expected.nodes)
        assert read.number_of_edges() == expected.number_of_edges()
        for _, data in read.nodes(data=True):
            assert "label" not in data and "id" not in data and data["name"]
        for _, _, data in read.edges(data=True):
            assert data["interaction"] in {"participation", "exchange", "membership"}
            assert isinstance(data["low_confidence"], bool)
    read = nx.read_graphml(out / "network-p.graphml", force_multigraph=True)
    assert read.nodes[f"{ID}organisation/a"]["name"] == "Agency A"


def test_gexf_carries_labels_and_colours_by_sector(exported):
    out, _ = exported
    read = nx.read_gexf(out / "network-p.gexf")
    agency = read.nodes[f"{ID}organisation/a"]
    assert agency["label"] == "Agency A" and agency["sector_group"] == "public"
    assert agency["viz"]["color"]["b"] == 184  # public: blue
    assert read.number_of_edges() == 5


def test_gephi_spreadsheets_have_the_columns_gephi_reads(exported):
    out, _ = exported
    nodes, edges = read_csv(out / "network-p-nodes.csv"), read_csv(out / "network-p-edges.csv")
    assert list(nodes[0])[:2] == ["Id", "Label"] and list(edges[0])[:4] == ["Source", "Target", "Type", "Weight"]
    assert len(nodes) == 4 and len(edges) == 5 and {edge["Type"] for edge in edges} == {"Directed"}


@pytest.fixture(scope="module")
def cosie_tables(tmp_path_factory):
    out = tmp_path_factory.mktemp("cosie") / "tables"
    result = CliRunner().invoke(main, ["export", str(out), "--only", "tables"])
    assert result.exit_code == 0, result.output
    return out


def test_the_cosie_tables_validate_against_their_csvw_codebook(cosie_tables):
    """The bundled data conforms to the shapes, so its tables must meet the codebook made from them."""
    from csvw import TableGroup

    group = TableGroup.from_file(cosie_tables / "tables-metadata.json")
    counts = {str(table.url): len(list(table.iterdicts(strict=True))) for table in group.tables}
    assert group.check_referential_integrity(strict=True)
    assert counts["pilots.csv"] == 10
    assert all(counts[name] > 0 for name in ("participations.csv", "exchanges.csv", "outcomes.csv", "factors.csv"))


def test_a_row_that_breaks_the_codebook_is_caught(cosie_tables, tmp_path):
    from csvw import TableGroup

    for path in cosie_tables.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    rows = (tmp_path / "pilots.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    broken = [""] * len(header)
    broken[header.index("id")] = "https://w3id.org/coevidence/id/pilot/broken"
    (tmp_path / "pilots.csv").write_text("\n".join([*rows, ",".join(broken)]) + "\n", encoding="utf-8")
    group = TableGroup.from_file(tmp_path / "tables-metadata.json")
    with pytest.raises(ValueError, match="required"):
        for table in group.tables:
            list(table.iterdicts(strict=True))


def test_claim_rows_carry_their_source(exported):
    out, _ = exported
    rows = {row["id"]: row for row in read_csv(out / "exchanges.csv")}
    row = rows[f"{ID}exchange/cb"]
    assert row["provider"] == f"{ID}organisation/c" and row["recipient"] == f"{ID}group/b"
    assert row["resource_type"] == "space" and row["confidence"] == "low"
    assert row["sources"] == f"{ID}source/s" and row["source_titles"] == "Source S"


def test_cells_a_spreadsheet_would_run_are_neutralised(exported):
    out, _ = exported
    actors = {row["id"]: row for row in read_csv(out / "actors.csv")}
    assert actors[f"{ID}organisation/evil"]["label"] == "'=HYPERLINK(\"https://example.org/steal\",\"click\")"
    participations = {row["id"]: row for row in read_csv(out / "participations.csv")}
    assert participations[f"{ID}participation/evil"]["label"].startswith("'@SUM(A1)")
    nodes = {row["Id"]: row for row in read_csv(out / "network-all-nodes.csv")}
    assert nodes[f"{ID}organisation/evil"]["Label"].startswith("'=")


@pytest.mark.parametrize("text", ["=1+1", "+1", "-x", "@a", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(text):
    assert safe_cell(text) == "'" + text


def test_numbers_in_numeric_columns_are_kept():
    assert safe_cell("-3", numeric=True) == "-3" and safe_cell("-3") == "'-3"
    assert safe_cell("-3x", numeric=True) == "'-3x" and safe_cell("plain") == "plain"


def test_dumps_hold_the_same_graph_in_every_format(exported, store):
    out, _ = exported
    dataset = rdflib.Dataset()
    dataset.parse(out / "dataset.nq", format="nquads")
    graphs = {str(graph.identifier) for graph in dataset.graphs() if len(graph)}
    assert "https://w3id.org/coevidence/graph/network" in graphs and "https://w3id.org/coevidence/graph/ontology" in graphs
    triples = rdflib.Graph().parse(out / "dataset.nt", format="nt")
    assert isomorphic(triples, rdflib.Graph().parse(out / "dataset.ttl", format="turtle"))
    jsonld = rdflib.Graph().parse(out / "dataset.jsonld", format="json-ld")
    assert isomorphic(triples, jsonld)
    assert json.loads((out / "dataset.jsonld").read_text())["@context"]["coe"] == "https://w3id.org/coevidence/ontology#"


def test_a_failed_export_leaves_the_previous_one_as_it_was(store, tmp_path, monkeypatch):
    out = tmp_path / "out"
    export(out, store, parts=["networks"], progress=False)
    before = {path.name: path.read_bytes() for path in out.iterdir()}

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_module.tables, "table_csv", broken)
    with pytest.raises(OSError):
        export(out, store, parts=["networks", "tables"], progress=False)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert [path.name for path in tmp_path.iterdir()] == ["out"]


def test_a_folder_of_other_files_is_not_replaced(store, tmp_path):
    (tmp_path / "thesis.docx").write_text("months of work")
    with pytest.raises(ExportFailed, match="holds other files"):
        export(tmp_path, store, parts=["networks"], progress=False)
    assert (tmp_path / "thesis.docx").read_text() == "months of work"


def test_the_command_writes_the_parts_asked_for(tmp_path):
    args = ["export", str(tmp_path / "out"), "--only", "networks", "--views", "dataset"]
    result = CliRunner().invoke(main, [*args, *[arg for path in FILES for arg in ("--data", str(path))]])
    assert result.exit_code == 0, result.output
    names = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert names == ["distributions.ttl", "index.json", "network-all-edges.csv", "network-all-nodes.csv",
                     "network-all.gexf", "network-all.graphml"]


def test_the_command_refuses_a_file_as_its_folder(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    result = CliRunner().invoke(main, ["export", str(target), "--only", "networks", "--data", str(FILES[0])])
    assert result.exit_code == 2 and "not a folder" in result.output and target.read_text() == "x"


def test_the_server_serves_an_export_folder(exported, store):
    from coevidence.server import create_app

    out, manifest = exported
    client = create_app({"STORE": store, "TESTING": True, "EXPORTS_DIR": out}).test_client()
    listing = client.get("/exports/index.json").get_json()
    assert {item["name"] for item in listing["files"]} == {item["name"] for item in manifest["files"]}
    response = client.get("/exports/participations.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data == (out / "participations.csv").read_bytes()
    assert client.get("/exports/participations.csv", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    served = client.get("/exports/distributions.ttl", base_url="http://data.example.net")
    graph = rdflib.Graph().parse(data=served.data, format="turtle")
    urls = {str(url) for url in graph.subjects(RDF.type, DCAT.Distribution)}
    assert "http://data.example.net/exports/participations.csv" in urls
    assert client.get("/exports/nothing.csv").status_code == 404
    page = client.get("/exports/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and b"codebook.html" in page.data


def test_the_server_writes_the_exports_itself_once_per_version(store):
    from coevidence.server import create_app

    client = create_app({"STORE": store, "TESTING": True, "DATA_PATHS": FILES}).test_client()
    first = client.get("/exports/index.json")
    assert first.status_code == 503 and first.headers["Retry-After"] == "5"
    # the VoID asked for while the exports are written must not be kept once they are there
    assert client.get("/.well-known/void", base_url="http://localhost").status_code == 200
    deadline = time.monotonic() + PATIENCE_S
    while (response := client.get("/exports/index.json")).status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert response.status_code == 200
    assert response.get_json()["data_version"] == store.data_version()
    assert client.get("/exports/network-p.graphml").status_code == 200
    void = rdflib.Graph().parse(data=client.get("/.well-known/void", base_url="http://localhost").data, format="turtle")
    assert (rdflib.URIRef("http://localhost/exports/network-p.graphml"), RDF.type, DCAT.Distribution) in void


def test_the_cosie_export_holds_what_the_notes_say(cosie_tables):
    rows = read_csv(cosie_tables / "participations.csv")
    # the notes: Helpific, a social start-up, was a partner of the Estonian pilot
    helpific = [row for row in rows if row["participant"].endswith("/organisation/helpific")]
    assert helpific and all(row["pilot"].endswith("/pilot/ee-voru-disability") for row in helpific)
    assert all(row["sources"] and row["source_titles"] for row in rows)


def test_data_over_the_validation_limit_is_counted_not_parsed(store, tmp_path, monkeypatch):
    """Over the limit, the report is left out before any file is parsed into rdflib."""
    notes = []
    monkeypatch.setattr(export_module, "VALIDATE_LIMIT", 10)
    monkeypatch.setattr(rdflib.Graph, "parse", lambda *args, **kwargs: pytest.fail("parsed into rdflib"))
    manifest = export(tmp_path / "out", store, parts=["report"], data_paths=FILES, progress=False, log=notes.append)
    assert "validation-report.ttl" not in {item["name"] for item in manifest["files"]}
    assert any("over 10 triples" in note for note in notes)


def test_data_within_the_validation_limit_gets_its_report(store, tmp_path):
    manifest = export(tmp_path / "out", store, parts=["report"], data_paths=FILES, progress=False)
    assert "validation-report.ttl" in {item["name"] for item in manifest["files"]}
    report = rdflib.Graph().parse(tmp_path / "out" / "validation-report.ttl")
    assert (None, RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#ValidationReport")) in report


@pytest.mark.parametrize("stem, pilot", [("network-all", None), ("network-p", f"{ID}pilot/p")])
def test_streamed_network_files_read_back_as_networkx_would_have_written_them(exported, store, stem, pilot, tmp_path):
    """The streaming writers give the graph networkx's own writers give: nodes, edge keys
    and every attribute with its type."""
    from coevidence.server.exports import networks

    out, _ = exported
    graph = networks.export_graph(read_network(store), pilot)
    nx.write_graphml(graph, tmp_path / "reference.graphml", named_key_ids=True)
    ours, reference = (nx.read_graphml(path, force_multigraph=True) for path in (out / f"{stem}.graphml", tmp_path / "reference.graphml"))
    assert list(ours.nodes(data=True)) == list(reference.nodes(data=True))
    assert sorted(ours.edges(keys=True, data=True)) == sorted(reference.edges(keys=True, data=True))
    for _, data in graph.nodes(data=True):
        data["label"] = data["name"]
    for index, (_, _, data) in enumerate(graph.edges(data=True)):
        data["id"] = str(index)
    nx.write_gexf(graph, tmp_path / "reference.gexf", version="1.2draft")
    ours, reference = (nx.read_gexf(path) for path in (out / f"{stem}.gexf", tmp_path / "reference.gexf"))
    for (node, data), (same, expected) in zip(ours.nodes(data=True), reference.nodes(data=True), strict=True):
        assert node == same and {**data, "viz": None} == {**expected, "viz": None}
    assert type(ours) is type(reference)
    assert sorted(map(repr, ours.edges(data=True))) == sorted(map(repr, reference.edges(data=True)))
    assert isinstance(next(iter(ours.edges(data=True)))[2]["low_confidence"], bool)


def test_network_files_escape_what_xml_cannot_hold_as_it_is(tmp_path):
    from coevidence.server.exports import networks

    name = 'A & B <"C">\tline\nbreak\x01'
    nodes = [("urn:x:a&b", {"name": name, "kind": "Organisation", "sector": "", "sector_group": "public", "iri": "urn:x:a&b"})]
    edges = [("urn:x:a&b", "urn:x:a&b", "urn:x:c<1>", {"interaction": "membership", "resource": "", "role": "", "stage": "",
                                                       "pilot": "", "claim": "urn:x:c<1>", "low_confidence": True})]
    view = networks.View(nodes, edges)
    networks.write_graphml(view, tmp_path / "n.graphml")
    networks.write_gexf(view, tmp_path / "n.gexf")
    expected = name.replace("\x01", "\ufffd")
    read = nx.read_graphml(tmp_path / "n.graphml", force_multigraph=True)
    assert read.nodes["urn:x:a&b"]["name"] == expected
    assert list(read.edges(keys=True, data="low_confidence")) == [("urn:x:a&b", "urn:x:a&b", "urn:x:c<1>", True)]
    read = nx.read_gexf(tmp_path / "n.gexf")
    assert read.nodes["urn:x:a&b"]["label"] == expected


def test_large_dumps_are_compressed_as_they_are_written(store, tmp_path, monkeypatch):
    import gzip

    from coevidence.server.exports import dumps

    monkeypatch.setattr(dumps, "GZIP_ABOVE", 1000)
    written = dumps.write_dumps(dumps.open_data(data_paths=FILES), tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(path.name for path in written)
    assert {path.name for path in written} == {"dataset.nq.gz", "dataset.nt.gz", "dataset.ttl.gz", "dataset.jsonld.gz",
                                                "context.jsonld"}
    dataset = rdflib.Dataset()
    dataset.parse(data=gzip.decompress((tmp_path / "dataset.nq.gz").read_bytes()), format="nquads")
    union = rdflib.Graph()
    for quad in dataset.quads():
        union.add(quad[:3])
    for name, rdf_format in (("dataset.nt.gz", "nt"), ("dataset.ttl.gz", "turtle"), ("dataset.jsonld.gz", "json-ld")):
        graph = rdflib.Graph().parse(data=gzip.decompress((tmp_path / name).read_bytes()), format=rdf_format)
        assert isomorphic(graph, union), name


def test_dumps_that_fail_in_their_process_fail_the_export_and_replace_nothing(store, tmp_path):
    out = tmp_path / "out"
    export(out, store, parts=["networks"], progress=False)
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    with pytest.raises(OSError):
        export(out, store, parts=["networks", "dumps"], store_dir=tmp_path / "no-such-store", progress=False)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert [path.name for path in tmp_path.iterdir()] == ["out"]


def test_the_served_void_lists_every_export_with_its_true_size_and_checksum(exported, store):
    """A crawler reading the VoID finds every download, and each is what the VoID says."""
    from coevidence.server import create_app
    from rdflib.namespace import VOID

    out, manifest = exported
    client = create_app({"STORE": store, "TESTING": True, "EXPORTS_DIR": out}).test_client()
    served = client.get("/.well-known/void", base_url="http://data.example.net")
    assert served.status_code == 200
    graph = rdflib.Graph().parse(data=served.data, format="turtle")
    dataset = graph.value(None, RDF.type, VOID.Dataset)
    downloads = {str(url).removeprefix("http://data.example.net/exports/"): url
                 for url in graph.objects(dataset, DCAT.distribution) if "/exports/" in str(url)}
    assert set(downloads) == {item["name"] for item in manifest["files"]} - {"distributions.ttl"}
    for name, url in downloads.items():
        assert (url, RDF.type, DCAT.Distribution) in graph
        body = client.get(str(graph.value(url, DCAT.downloadURL))).data
        assert int(graph.value(url, DCAT.byteSize)) == len(body), name
        checksum = graph.value(url, SPDX.checksum)
        assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(body).hexdigest(), name
    assert (dataset, VOID.dataDump, downloads["dataset.nq"]) in graph


def test_the_void_lists_no_exports_before_there_are_any_and_starts_none(store):
    from coevidence.server import create_app
    from coevidence.server.exports.routes import EXTENSION

    app = create_app({"STORE": store, "TESTING": True, "DATA_PATHS": FILES})
    client = app.test_client()
    graph = rdflib.Graph().parse(data=client.get("/.well-known/void").data, format="turtle")
    assert not [url for url in graph.subjects(RDF.type, DCAT.Distribution) if "/exports/" in str(url)]
    assert app.extensions[EXTENSION]._running == set()
