"""`coevidence validate`: what a user sees, and the exit code (0 conforms, 1 does not, 2 could not run)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal
from rdflib.namespace import FOAF, RDF, SH

from coevidence.cli import main
from coevidence.ontology import COE, ID, VOCAB

INTERSERVE = ID["participation/uk-interserve"]
TU_UK = ID["source/tu-uk"]
INNOSI = ID["source/innosi"]  # a source no claim cites


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(graph: Graph, path: Path, fmt: str = "turtle") -> Path:
    path.write_text(graph.serialize(format=fmt), encoding="utf-8")
    return path


@pytest.fixture
def wrong_role(pilot, tmp_path) -> Path:
    """The full pilot with a role taken from the resource-type scheme, and a source without web address."""
    pilot.remove((INTERSERVE, COE.role, None))
    pilot.add((INTERSERVE, COE.role, VOCAB["resource-type/money"]))
    pilot.remove((INNOSI, FOAF.page, None))
    return write(pilot, tmp_path / "wrong-role.ttl")


@pytest.fixture
def warning_only(pilot, tmp_path) -> Path:
    pilot.remove((INNOSI, FOAF.page, None))
    return write(pilot, tmp_path / "warning-only.ttl")


def test_conforming_file_exits_0_with_a_count_line(runner, pilot_full_path):
    result = runner.invoke(main, ["validate", str(pilot_full_path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "0 violations, 0 warnings in 1 file: conforms\n"


def test_violation_exits_1_and_lists_severity_label_iri_path_message(runner, wrong_role):
    result = runner.invoke(main, ["validate", str(wrong_role)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        # the source row the graph records for the focus node (coe:enteredIn) is named
        f"Violation  Interserve as service provider in My Direction ({INTERSERVE}) entered in cosie.xlsx:participations:12  coe:role: "
        "A participation must name the role the actor took (coe:role), from the role scheme. "
        "(value: coev:resource-type/money)"
    )
    assert lines[1].startswith(f"Warning    Implementing Innovative Social Investment ({INNOSI})  foaf:page: ")
    assert lines[-1] == "1 violation, 1 warning in 1 file: does not conform"


def test_warnings_alone_exit_0(runner, warning_only):
    result = runner.invoke(main, ["validate", str(warning_only)])
    assert result.exit_code == 0
    assert result.stdout.startswith("Warning  ")
    assert result.stdout.splitlines()[-1] == "0 violations, 1 warning in 1 file: conforms"


def test_no_warnings_hides_them_but_still_counts_them(runner, wrong_role):
    result = runner.invoke(main, ["validate", "--no-warnings", str(wrong_role)])
    assert result.exit_code == 1
    assert "Warning" not in result.stdout
    assert result.stdout.splitlines()[-1] == "1 violation, 1 warning in 1 file: does not conform (1 not shown)"


def test_json_report_on_stdout_with_the_count_line_on_stderr(runner, wrong_role):
    result = runner.invoke(main, ["validate", "--format", "json", str(wrong_role)])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["conforms"] is False
    assert document["counts"] == {"Violation": 1, "Warning": 1, "Info": 0}
    assert document["problems"][0]["path"] == "coe:role"
    assert document["problems"][0]["shape"] == "coe-shapes:ParticipationShape"
    assert "1 violation, 1 warning" in result.stderr


@pytest.mark.parametrize("name, report_format", [("report.ttl", None), ("report.json", None), ("report.out", "turtle"), ("report.txt", "human")])
def test_output_writes_the_report_to_a_file(runner, wrong_role, tmp_path, name, report_format):
    output = tmp_path / name
    output.write_text("the old report\n", encoding="utf-8")
    args = ["validate", str(wrong_role), "--output", str(output)]
    if report_format:
        args += ["--format", report_format]
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert result.stdout == f"1 violation, 1 warning in 1 file: does not conform; report written to {output}\n"
    text = output.read_text(encoding="utf-8")
    if name.endswith(".json"):
        assert json.loads(text)["counts"]["Violation"] == 1
    elif report_format == "human":
        assert text.startswith("Violation  Interserve as service provider")
    else:
        report = Graph().parse(data=text, format="turtle")
        assert len(list(report.subjects(RDF.type, SH.ValidationResult))) >= 2
        assert (None, SH.conforms, Literal(False)) in report
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_output_into_a_missing_folder_exits_2(runner, pilot_full_path, tmp_path):
    output = tmp_path / "no-such-folder" / "report.json"
    result = runner.invoke(main, ["validate", str(pilot_full_path), "--output", str(output)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{output}: cannot write the report")
    assert "Traceback" not in result.output


def test_several_files_are_validated_as_one_graph(runner, pilot, tmp_path):
    sources = Graph()
    for source in pilot.subjects(RDF.type, COE.Source):
        for triple in pilot.triples((source, None, None)):
            sources.add(triple)
    rest = pilot - sources
    sources_file, rest_file = write(sources, tmp_path / "sources.ttl"), write(rest, tmp_path / "rest.ttl")

    together = runner.invoke(main, ["validate", str(rest_file), str(sources_file)])
    assert together.exit_code == 0, together.output
    assert together.stdout.endswith("in 2 files: conforms\n")

    alone = runner.invoke(main, ["validate", str(rest_file)])
    assert alone.exit_code == 1
    assert "coe:Source" in alone.stdout


@pytest.mark.parametrize("suffix, fmt", [(".nt", "nt"), (".jsonld", "json-ld"), (".rdf", "xml")])
def test_other_rdf_formats_are_read_by_their_suffix(runner, pilot, tmp_path, suffix, fmt):
    path = write(pilot, tmp_path / f"pilot{suffix}", fmt)
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("bad.ttl", '@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n\nex:d ex:e "no end .\n', "bad.ttl:4: syntax error: Unexpected end of file (column 11)"),
        ("bad.ttl", "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ;\n  ex:d .\nex:e ex:f ex:g .\n", "bad.ttl:3: syntax error: . is not a valid RDF object (column 8)"),
        ("cut.ttl", "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e", "cut.ttl:3: syntax error: "),
        ("bad.nt", "<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n\n<http://example.org/a> <http://example.org/b> oops .\n", "bad.nt:3: syntax error: The object of a triple must be an IRI, a blank node or a literal (column 47)"),
        ("bad.jsonld", '{\n  "@id": "http://example.org/a",\n  "http://example.org/b": [1,\n}\n', "bad.jsonld:4: syntax error: Expecting value (column 1)"),
        ("bad.rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n<rdf:Description rdf:about="http://example.org/a">\n</rdf:RDF>\n', "bad.rdf:4: syntax error: mismatched tag"),
    ],
)
def test_syntax_error_exits_2_naming_file_and_line(runner, tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{tmp_path}/{expected}")
    assert len(result.stderr.splitlines()) == 1
    assert result.stdout == ""


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("missing.ttl", None, "missing.ttl: no such file"),
        ("data.csv", "a,b\n", "data.csv: unknown RDF format '.csv'"),
        ("binary.ttl", b"\xff\xfe\x00bad", "binary.ttl: cannot read: not UTF-8 text"),
        ("list.jsonld", '{"@context": 5}', "list.jsonld: not valid JSON-LD"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(runner, tmp_path, name, content, expected):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{tmp_path}/{expected}")
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.output


def test_every_unreadable_file_is_reported_at_once(runner, tmp_path, pilot_full_path):
    result = runner.invoke(main, ["validate", str(tmp_path / "a.ttl"), str(pilot_full_path), str(tmp_path / "b.ttl")])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"{tmp_path}/a.ttl: no such file", f"{tmp_path}/b.ttl: no such file"]


def test_a_directory_is_not_an_rdf_file(runner, tmp_path):
    result = runner.invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == f"{tmp_path}: is a directory, not an RDF file\n"


def test_ill_typed_literals_are_reported_without_rdflib_tracebacks(runner, pilot, tmp_path):
    pilot.remove((ID["pilot/uk-my-direction"], COE.startDate, None))
    text = pilot.serialize(format="turtle") + (
        '\n<https://w3id.org/coevidence/id/pilot/uk-my-direction> '
        '<https://w3id.org/coevidence/ontology#startDate> "2018-02-30"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
    )
    path = tmp_path / "ill-typed.ttl"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert "coe:startDate" in result.stdout
    assert "Traceback" not in result.output


def test_no_file_is_a_usage_error(runner):
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 2
    assert "Missing argument" in result.output


# ---------------------------------------------------------------------------
# The installed command, in a real process
# ---------------------------------------------------------------------------


def installed_command() -> str:
    command = Path(sys.executable).with_name("coevidence")
    if not command.exists():
        pytest.skip("the coevidence command is not installed next to this Python")
    return str(command)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([installed_command(), "validate", *args], capture_output=True, text=True, timeout=120)


def test_installed_command_exit_codes(pilot_full_path, wrong_role, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\n\nex:a ex:b ex:c ;\n  ex:d .\nex:e ex:f ex:g .\n", encoding="utf-8")

    conforms = run(str(pilot_full_path))
    assert conforms.returncode == 0, conforms.stderr
    assert conforms.stdout.strip() == "0 violations, 0 warnings in 1 file: conforms"

    does_not = run(str(wrong_role))
    assert does_not.returncode == 1
    assert does_not.stdout.startswith("Violation  Interserve as service provider in My Direction")

    cannot = run(str(bad))
    assert cannot.returncode == 2
    assert cannot.stderr == f"{bad}:4: syntax error: . is not a valid RDF object (column 8)\n"
    assert "Traceback" not in cannot.stderr
    assert cannot.stdout == ""
