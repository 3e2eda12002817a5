"""``qualbridge trust-root export`` and ``qualbridge bundle export``: the service's trust material.

Both work on the local database (like ``qualbridge demo seed``); the service modules are imported
inside the commands, so that the rest of the CLI does not pay for importing them.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import typer

from qualbridge.cli._output import JsonOption, console, emit
from qualbridge.cli.db import DatabaseUrlOption, local_context
from qualbridge.errors import InputError, at

trust_root_app = typer.Typer(
    help="The trust root verifiers pin: the center key, the log key, the witness policy.",
    no_args_is_help=True,
)
bundle_app = typer.Typer(help="Offline-verifiable bundles of shared packages.", no_args_is_help=True)

OutOption = typer.Option(..., "--out", "-o", help="The file to write.")


def register(app: typer.Typer) -> None:
    app.add_typer(trust_root_app, name="trust-root")
    app.add_typer(bundle_app, name="bundle")


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write the file: {exc.strerror}", at(str(path))) from exc


@trust_root_app.command("export")
def export_trust_root(
    out: Path = OutOption, database_url: str | None = DatabaseUrlOption, as_json: bool = JsonOption
) -> None:
    """Write the service's trust root. Hand it to verifiers out of band: they must not fetch it from
    the service whose statements it lets them check."""
    from qualbridge.services import keys

    with local_context(database_url, needed_by="the trust root") as (_, ctx):
        root = keys.trust_root(ctx)
    _write(out, root.to_bytes())
    data = {"file": str(out), **root.to_dict()}

    def render() -> None:
        console.print(f"[green]trust root[/] written to {out}: log {root.origin}, center {root.center_name}")
        console.print(
            f"witnesses: {root.witnesses.threshold} of "
            + ", ".join(w.name for w in root.witnesses.witnesses),
            highlight=False,
        )

    emit(data, as_json=as_json, render=render)


@bundle_app.command("export")
def export_bundle(
    package_id: str = typer.Argument(..., help="The package's id."),
    out: Path = OutOption,
    database_url: str | None = DatabaseUrlOption,
    as_json: bool = JsonOption,
) -> None:
    """Write the offline-verifiable bundle of one package (raw files, envelopes, proofs, checkpoint)."""
    from qualbridge.services import bundles

    try:
        package = uuid.UUID(package_id)
    except ValueError as exc:
        raise InputError(f"{package_id!r} is not a package id", at(field="PACKAGE_ID")) from exc
    with local_context(database_url, needed_by="a bundle") as (_, ctx):
        exported = bundles.export_local(ctx, package)
    _write(out, exported.data)
    data = {"file": str(out), **exported.summary()}

    def render() -> None:
        console.print(
            f"[green]bundle[/] of package {package} written to {out}: {exported.attestations} attestations, "
            f"{exported.files} files, checkpoint of size {exported.checkpoint_size}",
            highlight=False,
        )

    emit(data, as_json=as_json, render=render)
