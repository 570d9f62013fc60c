"""The command-line options that choose a store, shared by the commands that read one
(``coevidence network``, ``coevidence export``): ``--data``, ``--store`` or ``--endpoint``,
as ``coevidence serve`` takes them."""

from __future__ import annotations

from pathlib import Path

import click

OPTIONS = (
    click.option("--data", "data_paths", multiple=True, type=click.Path(path_type=Path),
                 help="An RDF file to read (repeatable). Default: the bundled data."),
    click.option("--store", "store_dir", type=click.Path(path_type=Path),
                 help="A store written by `coevidence build --store DIR`."),
    click.option("--endpoint", help="A remote SPARQL endpoint URL."),
    click.option("--endpoint-user", help="User name for --endpoint."),
    click.option("--endpoint-password", envvar="COEVIDENCE_ENDPOINT_PASSWORD",
                 help="Password for --endpoint (better: the COEVIDENCE_ENDPOINT_PASSWORD variable)."),
)


def store_options(command):
    """Add the store options to a click command (they arrive as keyword arguments)."""
    for option in reversed(OPTIONS):
        command = option(command)
    return command


def open_chosen_store(data_paths=(), store_dir=None, endpoint=None, endpoint_user=None, endpoint_password=None):
    """The store the options name, with one query worker (for a command, not a server).

    Raises :class:`click.UsageError` when more than one source is named, and the store's own
    errors (:class:`~coevidence.server.stores.StoreError`) when it cannot be opened.
    """
    from coevidence.server.stores import open_store

    chosen = [flag for flag, value in (("--data", data_paths), ("--store", store_dir), ("--endpoint", endpoint)) if value]
    if len(chosen) > 1:
        raise click.UsageError(f"choose one of --data, --store and --endpoint, not {' and '.join(chosen)}")
    return open_store(data_paths=data_paths or None, store_dir=store_dir, endpoint=endpoint,
                      endpoint_user=endpoint_user, endpoint_password=endpoint_password, workers=1)
