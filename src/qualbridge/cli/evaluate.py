"""``qualbridge evaluate``: evidence × profile → verdicts, margins and gaps."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import typer
from rich.table import Table

from qualbridge.cli._output import (
    EXIT_FAILED_CHECK,
    VERDICT_STYLE,
    JsonOption,
    LangOption,
    check_lang,
    console,
    read_all,
)
from qualbridge.evaluation import Evaluation, evaluate
from qualbridge.evaluation.checks._common import fmt
from qualbridge.evidence.parsers import evidence_files, load_evidence
from qualbridge.standards.catalog import builtin
from qualbridge.text import Lang


def render_evaluation(result: Evaluation, title: str, lang: Lang) -> None:
    zh = lang == "zh"
    table = Table(title=title, show_lines=True)
    for col in (
        ("要求", "结论", "测量值", "限值", "裕度", "说明")
        if zh
        else ("requirement", "verdict", "measured", "limit", "margin", "message")
    ):
        table.add_column(col)
    for r in result.results:
        style = VERDICT_STYLE[r.verdict]
        table.add_row(
            f"{r.requirement_id}\n[dim]{r.title(lang)}[/]" + ("" if r.mandatory else " [dim](opt)[/]"),
            f"[{style}]{r.verdict}[/]",
            f"{fmt(r.measured.value)} {r.measured.unit}" if r.measured else "",
            f"{fmt(r.limit.value)} {r.limit.unit}" if r.limit else "",
            f"{r.margin:+.1%}" if r.margin is not None else "",
            r.message(lang),
        )
    console.print(table)
    style = VERDICT_STYLE[result.overall]
    label = "总体结论" if zh else "overall"
    console.print(
        f"{label}: [{style}]{result.overall}[/]   "
        f"[dim]{result.profile.id}@{result.profile.version} · {result.engine_version} · "
        f"as of {result.as_of}[/]"
    )
    if result.gaps:
        console.print("[bold]差距与措施[/]" if zh else "[bold]gaps and actions[/]")
        for i, gap in enumerate(result.gaps, 1):
            console.print(f"  {i}. [{VERDICT_STYLE[gap.verdict]}]{gap.requirement_id}[/]: {gap.action(lang)}")


def register(app: typer.Typer) -> None:
    @app.command("evaluate")
    def evaluate_cmd(
        evidence: list[Path] = typer.Argument(
            ..., help="Evidence documents (JSON), raw exports, or folders of them."
        ),
        profile: str = typer.Option(..., "--profile", "-p", help="Profile id or id@version."),
        profile_file: list[Path] = typer.Option(
            [], "--profile-file", "-f", help="Load profiles from these files too (a fab's own)."
        ),
        as_of: str | None = typer.Option(
            None, "--as-of", help="Evaluation date for expiry checks (default: today)."
        ),
        as_json: bool = JsonOption,
        lang: str = LangOption,
    ) -> None:
        """Evaluate evidence against a profile. Exit 0 pass, 1 fail/incomplete, 2 bad input."""
        language = check_lang(lang)
        try:
            when = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
        except ValueError:
            raise typer.BadParameter("use YYYY-MM-DD", param_hint="--as-of") from None
        resolved = builtin().with_files(profile_file).get(profile)
        docs = read_all(evidence_files(evidence), load_evidence)
        result = evaluate(resolved, docs, as_of=when)
        if as_json:
            sys.stdout.write(result.canonical().decode("utf-8") + "\n")
        else:
            render_evaluation(result, f"{resolved.title(language)} ({resolved.ref})", language)
        if result.overall != "pass":
            raise typer.Exit(EXIT_FAILED_CHECK)
