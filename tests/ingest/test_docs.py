"""The docs' commands run as written, and every limit setting is documented."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from coevidence.cli import main
from coevidence.ingest.limits import SETTINGS, Limits

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "data" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUN = {"build", "validate", "template", "synth"}


def shell_blocks(path: Path) -> list[str]:
    return re.findall(r"```(?:sh|bash|shell)\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def commands() -> list[tuple[str, str]]:
    found = []
    for path in DOCS:
        for block in shell_blocks(path):
            for line in block.splitlines():
                line = line.split("  #")[0].strip()
                for part in line.split("&&"):
                    if re.match(r"(\S*/)?coevidence\s+(%s)\b" % "|".join(sorted(RUN)), part.strip()):
                        found.append((path.relative_to(ROOT).as_posix(), part.strip()))
    return found


def test_the_docs_hold_commands_to_run():
    names = {command.split()[1] for _, command in commands()}
    assert {"build", "validate"} <= names


@pytest.mark.parametrize("doc, command", commands(), ids=lambda value: value if "/" not in value or " " not in value else None)
def test_a_documented_command_runs_as_written(tmp_path, monkeypatch, doc, command):
    # a copy of what the commands read, in a folder of their own; absolute paths moved under it
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("__pycache__", "*.py", "questions"))
    shutil.copy(ROOT / "data" / "cosie.ttl", tmp_path / "a.ttl")
    (tmp_path / "b.nt").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    words = shlex.split(command, comments=True)[1:]
    words = [str(tmp_path / word.lstrip("/")) if word.startswith("/") else word for word in words]
    result = CliRunner().invoke(main, words, catch_exceptions=False)
    assert result.exit_code == 0, f"{doc}: `{command}` exited {result.exit_code}:\n{result.output}"


def test_every_limit_is_documented():
    text = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        row = next((line for line in text.splitlines() if line.startswith(f"| `{Limits.variable(setting.name)}` |")), None)
        assert row is not None, f"{Limits.variable(setting.name)} is not in data/README.md"
        assert f"| {setting.default}" in row
