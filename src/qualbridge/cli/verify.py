"""``qualbridge verify BUNDLE --trust-root FILE``: the numbered offline verification, and ``--online``.

Offline it needs no network and no database: the bundle, the pinned trust root, and the evaluation
engine to re-run the signed evaluations with (``qualbridge.evaluation.replay``). Nothing here imports
the store or the API (tests/cli/test_verify_cli.py checks it in a fresh interpreter).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from qualbridge import remote
from qualbridge.cli._output import JsonOption, console, err_console, exit_code
from qualbridge.errors import InputError, QualBridgeError, VerificationError, at
from qualbridge.evaluation.replay import replay
from qualbridge.remote.online import fetch_freshness
from qualbridge.trust.bundle import Bundle
from qualbridge.trust.freshness import Freshness
from qualbridge.trust.verify import STEPS, TrustRoot, VerificationReport, verify_bundle

TrustRootOption = typer.Option(..., "--trust-root", help="The trust root you pinned (JSON, out of band).")


def read_input(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc.strerror}", at(str(path))) from exc


def verify_file(bundle_path: Path, root: TrustRoot) -> tuple[Bundle, VerificationReport]:
    """Read and verify a bundle file (steps 1–6, the evaluations re-run with the engine)."""
    data = read_input(bundle_path, "bundle")
    bundle = Bundle.from_bytes(data)
    return bundle, verify_bundle(bundle, root, rerun=replay)


def _time(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def render_report(report: VerificationReport) -> None:
    for step in report.steps:
        mark = "[green]✓[/]" if step.status == "passed" else "[yellow]–[/]"
        suffix = "" if step.status == "passed" else " [yellow](skipped)[/]"
        console.print(f" {mark} {step.number} {step.name}{suffix}: [dim]{step.detail}[/]")
    cp = report.checkpoint
    root = base64.b64encode(cp.root_hash).decode("ascii")
    console.print(f"checkpoint: {cp.origin}, tree size {cp.size}, root {root}")
    for name, ts in sorted(report.cosignatures.items()):
        console.print(f"  cosigned by {name} at {_time(ts)}")
    table = Table(title="statements", show_lines=False)
    for col in ("statement digest", "predicate", "issuer", "log index", "status"):
        table.add_column(col)
    for s in sorted(report.statements, key=lambda s: s.log_index):
        table.add_row(
            s.digest[:16] + "…",
            s.predicate_type.rsplit("/", 2)[-2],
            s.issuer,
            str(s.log_index),
            report.statuses.get(s.digest, "—"),
        )
    console.print(table)


def render_failure(exc: QualBridgeError) -> None:
    step = exc.step if isinstance(exc, VerificationError) else None
    if step is not None:
        for number in range(1, step):
            console.print(f" [green]✓[/] {number} {STEPS[number]}")
        console.print(f" [bold red]✗[/] {step} {STEPS.get(step, '')}")
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)


def render_freshness(fresh: Freshness) -> None:
    names = ", ".join(sorted(fresh.cosignatures))
    console.print(
        f"online: the log's checkpoint at tree size {fresh.checkpoint.size} (cosigned by {names}) "
        "extends the bundle's"
    )
    if not fresh.changed:
        console.print(" [green]✓[/] no status change of the bundle's statements since its checkpoint")
    for digest, status in sorted(fresh.changed.items()):
        style = "green" if status == "valid" else "bold red"
        console.print(f" [{style}]•[/] statement {digest[:16]}… is now [{style}]{status}[/] (logged later)")


def freshness_dict(fresh: Freshness) -> dict[str, Any]:
    return {
        "checkpoint": {"origin": fresh.checkpoint.origin, "treeSize": fresh.checkpoint.size},
        "cosignatures": dict(fresh.cosignatures),
        "changed": dict(sorted(fresh.changed.items())),
    }


def failure_dict(exc: QualBridgeError) -> dict[str, Any]:
    return {
        "ok": False,
        "step": exc.step if isinstance(exc, VerificationError) else None,
        "error": str(exc),
        "detail": exc.to_dict(),
    }


def _write_json(doc: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def register(app: typer.Typer) -> None:
    @app.command("verify")
    def verify_cmd(
        bundle: Path = typer.Argument(..., help="The bundle (.zip) to verify."),
        trust_root: Path = TrustRootOption,
        online: str | None = typer.Option(
            None, "--online", help="Then ask the log at this base URL (…/log) what changed since."
        ),
        as_json: bool = JsonOption,
    ) -> None:
        """Verify a bundle offline in numbered steps; --online also asks the log for later changes.

        Exit 0 all holds, 1 a step or the online check failed, 2 bad input, 3 the log is unreachable.
        """
        doc: dict[str, Any] = {}
        try:
            root = TrustRoot.from_bytes(read_input(trust_root, "trust root"), source=str(trust_root))
            loaded, report = verify_file(bundle, root)
            doc = {"ok": True, **report.to_dict()}
            if not as_json:
                console.print(f"verifying {bundle.name} against the trust root {trust_root.name}")
                render_report(report)
            if online is not None:
                with remote.connect(online) as client:
                    fresh = fetch_freshness(client, loaded, report, root)
                doc["online"] = freshness_dict(fresh)
                if not as_json:
                    render_freshness(fresh)
                fresh.require_unchanged()
        except QualBridgeError as exc:
            if as_json:
                _write_json({**failure_dict(exc), **({"report": doc} if doc else {})})
            else:
                render_failure(exc)
            raise typer.Exit(exit_code(exc)) from exc
        if as_json:
            _write_json(doc)
        else:
            console.print("[bold green]verified[/]: every step holds")
