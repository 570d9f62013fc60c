"""The `coevidence` command.

Each sub-command lives beside the code it drives (shapes/, ingest/, server/, ...) and is
imported only when it is asked for, so `coevidence validate` does not pay for Flask and
`coevidence serve` does not pay for openpyxl.

Exit codes shared by every sub-command: 0 success / conforms, 1 the data does not
conform or the input has errors, 2 the command could not run.
"""

from __future__ import annotations

import importlib
import importlib.util

import click

from coevidence import __version__

#: sub-command name -> "module:attribute" of its click command
COMMANDS: dict[str, str] = {
    "validate": "coevidence.shapes.cli:validate",
    "template": "coevidence.ingest.cli:template",
    "build": "coevidence.ingest.cli:build",
    "synth": "coevidence.ingest.cli:synth",
    "serve": "coevidence.server.cli:serve",
    "network": "coevidence.server.network.cli:network",
    "export": "coevidence.server.exports.cli:export",
    "bench": "coevidence.bench:bench",
}


def _module_exists(target: str) -> bool:
    try:
        return importlib.util.find_spec(target.split(":")[0]) is not None
    except ModuleNotFoundError:
        return False


class LazyGroup(click.Group):
    """A click group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, target in COMMANDS.items() if _module_exists(target))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="coevidence")
def main() -> None:
    """Evidence about co-creating public services, as a knowledge graph."""
