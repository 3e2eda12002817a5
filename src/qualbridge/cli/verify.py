"""``qualbridge verify BUNDLE --trust-root FILE``: the numbered offline verification, and ``--online``.

Offline it needs no network and no database: the bundle, the pinned trust root, and the evaluation
engine to re-run the signed evaluations with (``qualbridge.evaluation.replay``). Nothing here imports
the store or the API (tests/cli/test_verify_cli.py checks it in a fresh interpreter).
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from qualbridge import remote
from qualbridge.cli._output import JsonOption, LangOption, check_lang, console, err_console, exit_code
from qualbridge.errors import InputError, QualBridgeError, VerificationError, at
from qualbridge.remote.online import fetch_freshness
from qualbridge.text import Lang, Text
from qualbridge.trust.bundle import Bundle
from qualbridge.trust.freshness import Freshness
from qualbridge.trust.verify import TrustRoot, VerificationReport
from qualbridge.verification import STEP_NAMES, cosigned_at, predicate_name, step_views, verify_data

TrustRootOption = typer.Option(..., "--trust-root", help="The trust root you pinned (JSON, out of band).")

SAY = {
    "verifying": Text.of(
        "verifying {bundle} against the trust root {root}", "正在依据信任根 {root} 验证 {bundle}"
    ),
    "skipped": Text.of("skipped", "已跳过"),
    "checkpoint": Text.of(
        "checkpoint: {origin}, tree size {size}, root {root}",
        "检查点：{origin}，树大小 {size}，根哈希 {root}",
    ),
    "cosigned": Text.of("cosigned by {name} at {time}", "见证人 {name} 于 {time} 联署"),
    "statements": Text.of("statements", "声明"),
    "columns": Text.of(
        "statement digest|predicate|issuer|log index|status", "声明摘要|谓词类型|签发方|日志索引|状态"
    ),
    "verified": Text.of("[bold green]verified[/]: every step holds", "[bold green]验证通过[/]：每一步均成立"),
    "online": Text.of(
        "online: the log's checkpoint at tree size {size} (cosigned by {names}) extends the bundle's",
        "在线：日志在树大小 {size} 的检查点（见证人 {names} 联署）是本捆绑包检查点的延续",
    ),
    "unchanged": Text.of(
        "no status change of the bundle's statements since its checkpoint",
        "自捆绑包检查点以来，其声明状态均无变化",
    ),
    "changed": Text.of(
        "statement {digest}… is now {status} (logged later)", "声明 {digest}… 现为 {status}（其后记录）"
    ),
}


def read_input(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc.strerror}", at(str(path))) from exc


def verify_file(bundle_path: Path, root: TrustRoot) -> tuple[Bundle, VerificationReport]:
    """Read and verify a bundle file (steps 1–6, the evaluations re-run with the engine)."""
    data = read_input(bundle_path, "bundle")
    bundle = Bundle.from_bytes(data)
    return bundle, verify_data(bundle, root)


def _time(ts: int) -> str:
    return cosigned_at(ts).strftime("%Y-%m-%d %H:%M:%SZ")


def render_report(report: VerificationReport, lang: Lang) -> None:
    for step in report.steps:
        mark = "[green]✓[/]" if step.status == "passed" else "[yellow]–[/]"
        suffix = "" if step.status == "passed" else f" [yellow]({SAY['skipped'](lang)})[/]"
        console.print(f" {mark} {step.number} {STEP_NAMES[step.number](lang)}{suffix}: [dim]{step.detail}[/]")
    cp = report.checkpoint
    root = base64.b64encode(cp.root_hash).decode("ascii")
    console.print(SAY["checkpoint"].format(origin=cp.origin, size=cp.size, root=root)(lang))
    for name, ts in sorted(report.cosignatures.items()):
        console.print("  " + SAY["cosigned"].format(name=name, time=_time(ts))(lang))
    table = Table(title=SAY["statements"](lang), show_lines=False)
    for col in SAY["columns"](lang).split("|"):
        table.add_column(col)
    for s in sorted(report.statements, key=lambda s: s.log_index):
        table.add_row(
            s.digest[:16] + "…",
            predicate_name(s.predicate_type),
            s.issuer,
            str(s.log_index),
            report.statuses.get(s.digest, "—"),
        )
    console.print(table)


def render_failure(exc: QualBridgeError, lang: Lang) -> None:
    if isinstance(exc, VerificationError) and exc.step in STEP_NAMES:
        for view in step_views(error=exc):
            if view.state == "passed":
                console.print(f" [green]✓[/] {view.number} {view.name(lang)}")
            elif view.state == "failed":
                console.print(f" [bold red]✗[/] {view.number} {view.name(lang)}")
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)


def render_freshness(fresh: Freshness, lang: Lang) -> None:
    names = ", ".join(sorted(fresh.cosignatures))
    console.print(SAY["online"].format(size=fresh.checkpoint.size, names=names)(lang))
    if not fresh.changed:
        console.print(" [green]✓[/] " + SAY["unchanged"](lang))
    for digest, status in sorted(fresh.changed.items()):
        style = "green" if status == "valid" else "bold red"
        text = SAY["changed"].format(digest=digest[:16], status=f"[{style}]{status}[/]")(lang)
        console.print(f" [{style}]•[/] {text}")


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
        lang: str = LangOption,
    ) -> None:
        """Verify a bundle offline in numbered steps; --online also asks the log for later changes.

        Exit 0 all holds, 1 a step or the online check failed, 2 bad input, 3 the log is unreachable.
        """
        language = check_lang(lang)
        doc: dict[str, Any] = {}
        try:
            root = TrustRoot.from_bytes(read_input(trust_root, "trust root"), source=str(trust_root))
            if not as_json:
                console.print(SAY["verifying"].format(bundle=bundle.name, root=trust_root.name)(language))
            loaded, report = verify_file(bundle, root)
            doc = {"ok": True, **report.to_dict()}
            if not as_json:
                render_report(report, language)
            if online is not None:
                with remote.connect(online) as client:
                    fresh = fetch_freshness(client, loaded, report, root)
                doc["online"] = freshness_dict(fresh)
                if not as_json:
                    render_freshness(fresh, language)
                fresh.require_unchanged()
        except QualBridgeError as exc:
            if as_json:
                _write_json({**failure_dict(exc), **({"report": doc} if doc else {})})
            else:
                render_failure(exc, language)
            raise typer.Exit(exit_code(exc)) from exc
        if as_json:
            _write_json(doc)
        else:
            console.print(SAY["verified"](language))
