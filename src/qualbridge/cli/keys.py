"""``qualbridge keys list|rotate|revoke``: signing keys, on a QualBridge server or on the local database.

An organization's admin lists its attestation keys (validity window, certificate, revocation) and
rotates the current one; the center's admin revokes an organization's key as compromised, with a reason
that the center signs and the trust root then lists (docs/trust.md, "Keys").

With ``--server URL --token T`` (or ``QUALBRIDGE_SERVER``/``QUALBRIDGE_TOKEN``) the commands call the
API, and ``--json`` prints its answer as it came. Without a server they work on the local database
(``QUALBRIDGE_DATABASE_URL``, like ``bundle export``) as the user who signs in with ``--email`` (the
password is asked for, or taken from ``QUALBRIDGE_PASSWORD``), through the same use cases and rules.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from qualbridge.cli._client import IdempotencyKeyOption, Remote, connect
from qualbridge.cli._output import JsonOption, console, emit
from qualbridge.cli.db import DatabaseUrlOption, local_context
from qualbridge.errors import InputError, at

if TYPE_CHECKING:
    from qualbridge.services.actor import Actor
    from qualbridge.services.context import Context
    from qualbridge.services.keys import KeyRecord

keys_app = typer.Typer(
    help="Signing keys: your organization's (list, rotate); the center revokes one.", no_args_is_help=True
)

EmailOption = typer.Option(
    None, "--email", help="Without --server: sign in as this user on the local database."
)


def _remote(ctx: typer.Context) -> bool:
    found = ctx.find_root().obj
    return isinstance(found, Remote) and bool(found.server)


@contextmanager
def _local(email: str | None, database_url: str | None) -> Iterator[tuple[Context, Actor]]:
    """The local database's context and the signed-in user's actor."""
    from qualbridge.services import accounts

    if not email:
        raise InputError(
            "keys are an admin's: sign in",
            at(field="--email"),
            expected="--email (local database) or --server URL --token T",
        )
    with local_context(database_url, needed_by="signing keys") as (_, ctx):
        password = os.environ.get("QUALBRIDGE_PASSWORD") or typer.prompt(
            "password", hide_input=True, err=True
        )
        yield ctx, accounts.password_actor(ctx, email=email, password=password)


def _answer(record: KeyRecord, **more: Any) -> dict[str, Any]:
    """A key as the API answers with it."""
    return {**record.model_dump(mode="json"), "revoked": record.revoked_at is not None, **more}


def _state(key: dict[str, Any]) -> str:
    if key["revoked"]:
        return f"[red]revoked[/] {key['revoked_at']}: {escape(key['revocation_reason'] or '')}"
    if key["retired_at"]:
        return f"retired {key['retired_at']}"
    return "[green]current[/]"


def _line(verb: str, key: dict[str, Any]) -> Callable[[], None]:
    def render() -> None:
        console.print(
            f"{verb} key {key['keyid']}: valid {key['not_before']} – {key['not_after'] or '…'}",
            highlight=False,
            soft_wrap=True,
        )

    return render


@keys_app.command("list")
def list_keys(
    ctx: typer.Context,
    email: str | None = EmailOption,
    database_url: str | None = DatabaseUrlOption,
    as_json: bool = JsonOption,
) -> None:
    """Your organization's attestation keys, oldest first (admins)."""
    if _remote(ctx):
        with connect(ctx) as client:
            found = client.get("/orgs/me/keys")
    else:
        from qualbridge.services import keys

        with _local(email, database_url) as (context, actor):
            found = [_answer(k) for k in keys.list_keys(context, actor)]

    def render() -> None:
        table = Table(title="Signing keys")
        for name in ("key id", "valid from", "valid until", "state"):
            table.add_column(name, overflow="fold")
        for key in found:
            table.add_row(key["keyid"], key["not_before"], key["not_after"] or "", _state(key))
        console.print(table)

    emit(found, as_json=as_json, render=render)


@keys_app.command("rotate")
def rotate(
    ctx: typer.Context,
    key: str | None = IdempotencyKeyOption,
    email: str | None = EmailOption,
    database_url: str | None = DatabaseUrlOption,
    as_json: bool = JsonOption,
) -> None:
    """Retire your organization's current key (what it signed stays valid) and certify a new one (admins)."""
    if _remote(ctx):
        with connect(ctx) as client:
            rotated = client.post("/orgs/me/keys/rotate", key=key)
    else:
        from qualbridge.services import keys

        with _local(email, database_url) as (context, actor):
            rotated = _answer(keys.rotate_key_once(context, actor, idempotency_key=key).record)
    emit(rotated, as_json=as_json, render=_line("new", rotated))


@keys_app.command("revoke")
def revoke(
    ctx: typer.Context,
    keyid: str = typer.Argument(..., help="The key id (64 hex digits)."),
    reason: str = typer.Option(..., "--reason", help="Why: signed by the center and published."),
    key: str | None = IdempotencyKeyOption,
    email: str | None = EmailOption,
    database_url: str | None = DatabaseUrlOption,
    as_json: bool = JsonOption,
) -> None:
    """Revoke an organization's key as compromised (the center's admins): verifiers then refuse
    everything it signed; the organization's still-valid evidence is signed again with a new key."""
    if _remote(ctx):
        with connect(ctx) as client:
            revoked = client.post(f"/keys/{keyid}/revoke", key=key, json={"reason": reason})
    else:
        from qualbridge.services import revocation

        with _local(email, database_url) as (context, actor):
            done = revocation.revoke_org_key_once(context, actor, keyid, reason=reason, idempotency_key=key)
            revoked = _answer(done.record)

    def render() -> None:
        _line("revoked", revoked)()
        console.print(f"{revoked['resigned']} pieces of evidence signed again with a new key")
        console.print("verifiers must pin the new trust root (qualbridge trust-root export), which lists it")

    emit(revoked, as_json=as_json, render=render)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
