"""``coevidence export OUTDIR``: every export into one folder (or the parts asked for).

Reads the bundled data by default, or ``--data``, ``--store`` or ``--endpoint`` as
``coevidence serve`` does. Shows a progress bar on a terminal and nothing off one. Exit
codes: 0 written, 2 could not run (nothing was replaced).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from coevidence.server.exports.export import PARTS
from coevidence.server.store_options import open_chosen_store, store_options


@click.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--only", "parts", multiple=True, type=click.Choice(PARTS),
              help="Write only these parts (repeatable) [default: all of them].")
@click.option("--views", type=click.Choice(["all", "dataset"]), default="all", show_default=True,
              help="Network files for every pilot and all together (all), or all together only (dataset).")
@click.option("--report", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="The build's SHACL report to include [default: found beside the store, or made on the spot].")
@click.option("--base", default="https://w3id.org/coevidence/", show_default=True,
              help="Where the files will be served, for the DCAT description (BASE/exports/FILE).")
@store_options
def export(out_dir, parts, views, report, base, **options) -> None:
    """Write networks (GraphML, GEXF, Gephi CSV), CSV tables with a CSVW codebook, full dumps
    and the validation report into OUT_DIR, with a manifest of sizes and checksums."""
    from coevidence.server.exports.export import ExportFailed, export as write_export
    from coevidence.server.stores import StoreError

    def fail(message: str) -> None:
        click.echo(f"coevidence export: error: {message}", err=True)
        sys.exit(2)

    try:
        store = open_chosen_store(**options)
    except StoreError as error:
        fail(str(error))
    try:
        manifest = write_export(
            out_dir, store, parts=parts or PARTS, views=views, data_paths=options["data_paths"] or None,
            store_dir=options["store_dir"], report=report, remote=bool(options["endpoint"]), base=base,
            log=lambda message: click.echo(f"coevidence export: {message}", err=True),
        )
    except (ExportFailed, StoreError) as error:
        fail(str(error))
    except OSError as error:
        fail(f"{error.filename or out_dir}: cannot be written ({error.strerror or error})")
    finally:
        store.close()
    total = sum(item["bytes"] for item in manifest["files"])
    click.echo(f"coevidence export: {len(manifest['files'])} files, {total:,} bytes in {out_dir}")
