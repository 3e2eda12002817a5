"""``qualbridge witness``: an organization other than the log operator checks the log and cosigns.

``init`` makes the witness's Ed25519 key (encrypted at rest) and prints the vkey to give to the log
operator, who lists it in the trust root. ``run`` checks the log's newest checkpoint against the last
one it cosigned and cosigns only an append-only extension (qualbridge.remote.witnessing).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Final

import typer

from qualbridge import remote
from qualbridge.cli._output import JsonOption, console, err_console, exit_code
from qualbridge.cli.verify import TrustRootOption, read_input
from qualbridge.errors import InputError, LogUnavailableError, QualBridgeError, at
from qualbridge.remote.log_client import LogClient
from qualbridge.remote.witnessing import (
    Round,
    check_new_key_folder,
    create_key,
    load_key,
    load_state,
    witness_once,
)
from qualbridge.trust.verify import TrustRoot
from qualbridge.trust.witness import Witness

#: The witness key's own variable: not QUALBRIDGE_KEY_PASSPHRASE, which unlocks the service's keys (a
#: witness is another organization's program, and a demo runs both in one shell).
PASSPHRASE_ENV: Final = "QUALBRIDGE_WITNESS_PASSPHRASE"

witness_app = typer.Typer(help="Run a witness: check a log's consistency and cosign its checkpoints.")


def passphrase(*, confirm: bool) -> bytes:
    """From QUALBRIDGE_WITNESS_PASSPHRASE, else asked for (never echoed)."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value is None:
        value = typer.prompt("key passphrase", hide_input=True, confirmation_prompt=confirm)
    if not value:
        raise InputError("an empty passphrase protects nothing", at(field=PASSPHRASE_ENV))
    return value.encode("utf-8")


def _print_json(doc: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n")
    sys.stdout.flush()


@witness_app.command("init")
def init_cmd(
    name: str = typer.Option(..., "--name", help="The witness's key name, e.g. witness.fab.example."),
    out: Path = typer.Option(..., "--out", help="Folder for the encrypted key and its vkey."),
    as_json: bool = JsonOption,
) -> None:
    """Create a witness key; prints the vkey to give to the log operator."""
    try:
        check_new_key_folder(out)
        signer = create_key(name, out, passphrase=passphrase(confirm=True))
    except QualBridgeError as exc:
        _fail(exc, as_json=as_json)
        raise typer.Exit(exit_code(exc)) from exc
    vkey = signer.verifier.vkey
    if as_json:
        _print_json({"name": name, "vkey": vkey, "folder": str(out)})
        return
    console.print(f"witness key for [bold]{name}[/] written to {out} (encrypted)")
    console.print("give this vkey to the log operator, to be listed in the trust root:")
    console.print(vkey, highlight=False, soft_wrap=True)


def _report(result: Round, *, as_json: bool) -> None:
    cp = result.checkpoint
    if as_json:
        _print_json(
            {
                "outcome": result.outcome,
                "origin": cp.origin,
                "treeSize": cp.size,
                "previousSize": result.old_size,
            }
        )
    elif result.outcome == "cosigned":
        console.print(
            f"[green]✓[/] cosigned {cp.origin} at tree size {cp.size} (consistent with {result.old_size})"
        )
    else:
        console.print(f"[dim]{cp.origin} is still at tree size {cp.size}: nothing new to cosign[/]")


def _fail(exc: QualBridgeError, *, as_json: bool) -> None:
    if as_json:
        _print_json({"ok": False, "error": str(exc), "detail": exc.to_dict()})
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)


@witness_app.command("run")
def run_cmd(
    log: str = typer.Option(..., "--log", help="The log's base URL, e.g. https://qualbridge.example/log."),
    trust_root: Path = TrustRootOption,
    key: Path = typer.Option(..., "--key", help="The folder written by `witness init`."),
    state: Path = typer.Option(..., "--state", help="This witness's state file (created on first run)."),
    once: bool = typer.Option(False, "--once", help="One round, then exit (the default)."),
    interval: float | None = typer.Option(
        None, "--interval", min=1.0, help="Keep going: one round every this many seconds."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Fetch the log's checkpoint, check it extends the last one cosigned, cosign and send it.

    Refuses a fork or a rollback (exit 1, nothing cosigned); exit 3: log unreachable (--interval retries).
    """
    try:
        if once and interval is not None:
            raise InputError("--once and --interval exclude each other", at(field="--interval"))
        root = TrustRoot.from_bytes(read_input(trust_root, "trust root"), source=str(trust_root))
        signer = load_key(key, passphrase=passphrase(confirm=False))
        witness = Witness(signer, [root.log], load_state(state))
        with remote.connect(log) as client:
            _rounds(client, witness, root, state=state, interval=interval, as_json=as_json)
    except QualBridgeError as exc:
        _fail(exc, as_json=as_json)
        raise typer.Exit(exit_code(exc)) from exc


def _rounds(
    client: LogClient,
    witness: Witness,
    root: TrustRoot,
    *,
    state: Path,
    interval: float | None,
    as_json: bool,
) -> None:
    """One round, or one every ``interval`` seconds until interrupted; an unreachable log is retried."""
    while True:
        try:
            done = witness_once(client, witness, root.log, state_path=state, timestamp=int(time.time()))
            _report(done, as_json=as_json)
        except LogUnavailableError as exc:
            if interval is None:
                raise
            _fail(exc, as_json=as_json)
        if interval is None:
            return
        try:
            time.sleep(interval)
        except KeyboardInterrupt:
            err_console.print("stopped")
            return


def register(app: typer.Typer) -> None:
    app.add_typer(witness_app, name="witness")
