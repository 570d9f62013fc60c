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


@click.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--only", "parts", multiple=True, type=click.Choice(PARTS),
              help="Write only these parts (repeatable) [default: all of them].")
@click.option("--views", type=click.Choice(["all", "dataset"]), default="all", show_default=True,
              help="Network files for every pilot and all together (all), or all together only (dataset).")
@click.option("--data", "data_paths", multiple=True, type=click.Path(path_type=Path),
              help="An RDF file to export (repeatable). Default: the bundled data.")
@click.option("--store", "store_dir", type=click.Path(path_type=Path),
              help="A store written by `coevidence build --store DIR`.")
@click.option("--endpoint", help="A remote SPARQL endpoint URL (dumps are then left out).")
@click.option("--endpoint-user", help="User name for --endpoint.")
@click.option("--endpoint-password", envvar="COEVIDENCE_ENDPOINT_PASSWORD", help="Password for --endpoint.")
@click.option("--report", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="The build's SHACL report to include [default: found beside the store, or made on the spot].")
@click.option("--base", default="https://w3id.org/coevidence/", show_default=True,
              help="Where the files will be served, for the DCAT description (BASE/exports/FILE).")
def export(out_dir, parts, views, data_paths, store_dir, endpoint, endpoint_user, endpoint_password, report, base) -> None:
    """Write networks (GraphML, GEXF, Gephi CSV), CSV tables with a CSVW codebook, full dumps
    and the validation report into OUT_DIR, with a manifest of sizes and checksums."""
    from coevidence.server.exports.export import ExportFailed, export as write_export
    from coevidence.server.stores import StoreError, open_store

    chosen = [flag for flag, value in (("--data", data_paths), ("--store", store_dir), ("--endpoint", endpoint)) if value]
    if len(chosen) > 1:
        raise click.UsageError(f"choose one of --data, --store and --endpoint, not {' and '.join(chosen)}")

    def fail(message: str) -> None:
        click.echo(f"coevidence export: error: {message}", err=True)
        sys.exit(2)

    try:
        store = open_store(data_paths=data_paths or None, store_dir=store_dir, endpoint=endpoint,
                           endpoint_user=endpoint_user, endpoint_password=endpoint_password, workers=1)
    except (StoreError, ValueError) as error:
        fail(str(error))
    try:
        manifest = write_export(
            out_dir, store, parts=parts or PARTS, views=views, data_paths=data_paths or None,
            store_dir=store_dir, report=report, remote=bool(endpoint), base=base,
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
