"""``qualbridge --server URL --token T keys list|rotate|revoke``: signing keys on a QualBridge server.

An organization's admin lists its attestation keys (validity window, certificate, revocation) and
rotates the current one; the center's admin revokes an organization's key as compromised, with a reason
that the center signs and the trust root then lists (docs/trust.md, "Keys"). ``--json`` prints the
server's answer as it came.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from qualbridge.cli._client import IdempotencyKeyOption, connect
from qualbridge.cli._output import JsonOption, console, emit

keys_app = typer.Typer(
    help="Signing keys on the server: your organization's (list, rotate); the center revokes one.",
    no_args_is_help=True,
)


def _state(key: dict[str, Any]) -> str:
    if key["revoked"]:
        return f"[red]revoked[/] {key['revoked_at']}: {escape(key['revocation_reason'] or '')}"
    if key["retired_at"]:
        return f"retired {key['retired_at']}"
    return "[green]current[/]"


def _line(verb: str, key: dict[str, Any]) -> None:
    console.print(
        f"{verb} key {key['keyid']}: valid {key['not_before']} – {key['not_after'] or '…'}",
        highlight=False,
        soft_wrap=True,
    )


@keys_app.command("list")
def list_keys(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Your organization's attestation keys, oldest first (admins)."""
    with connect(ctx) as client:
        found = client.get("/orgs/me/keys")

    def render() -> None:
        table = Table(title="Signing keys")
        for name in ("key id", "valid from", "valid until", "state"):
            table.add_column(name, overflow="fold")
        for key in found:
            table.add_row(key["keyid"], key["not_before"], key["not_after"] or "", _state(key))
        console.print(table)

    emit(found, as_json=as_json, render=render)


@keys_app.command("rotate")
def rotate(ctx: typer.Context, key: str | None = IdempotencyKeyOption, as_json: bool = JsonOption) -> None:
    """Retire your organization's current key (what it signed stays valid) and certify a new one (admins)."""
    with connect(ctx) as client:
        rotated = client.post("/orgs/me/keys/rotate", key=key)
    emit(rotated, as_json=as_json, render=lambda: _line("new", rotated))


@keys_app.command("revoke")
def revoke(
    ctx: typer.Context,
    keyid: str = typer.Argument(..., help="The key id (64 hex digits)."),
    reason: str = typer.Option(..., "--reason", help="Why: signed by the center and published."),
    key: str | None = IdempotencyKeyOption,
    as_json: bool = JsonOption,
) -> None:
    """Revoke an organization's key as compromised (the center's admins): verifiers then refuse
    everything it signed; the organization's still-valid evidence is signed again with a new key."""
    with connect(ctx) as client:
        revoked = client.post(f"/keys/{keyid}/revoke", key=key, json={"reason": reason})

    def render() -> None:
        _line("revoked", revoked)
        console.print(f"{revoked['resigned']} pieces of evidence signed again with a new key")
        console.print("verifiers must pin the new trust root, which lists the key as revoked")

    emit(revoked, as_json=as_json, render=render)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
