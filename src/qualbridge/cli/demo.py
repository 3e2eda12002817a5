"""``qualbridge demo``: generate realistic evidence for a few qualification stories and evaluate it."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from qualbridge.cli._output import VERDICT_STYLE, JsonOption, LangOption, check_lang, console, emit
from qualbridge.demo import scenarios


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        out: Path = typer.Option(Path("var/demo"), "--out", "-o", help="Where to write the demo files."),
        seed: int = typer.Option(0, "--seed", help="Seed of the generators (same seed, same files)."),
        as_json: bool = JsonOption,
        lang: str = LangOption,
    ) -> None:
        """Write demo evidence (raw exports + metadata) and evaluate each story against its profile."""
        language = check_lang(lang)
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
            disable=as_json,
        ) as bar:
            task = bar.add_task("generating", total=None)
            built = scenarios.build(out, seed=seed, progress=lambda s: bar.update(task, description=s))
            bar.update(task, description="evaluating")
            outcomes = scenarios.run(built)
        rows = [
            {
                "scenario": o.scenario.key,
                "title": o.scenario.title.model_dump(),
                "profile": o.scenario.profile,
                "files": [str(p) for p in o.scenario.files],
                "overall": o.evaluation.overall,
                "gaps": [g.model_dump(mode="json") for g in o.evaluation.gaps],
            }
            for o in outcomes
        ]

        def render() -> None:
            table = Table(title=f"QualBridge demo — {out}", show_lines=True)
            for col in ("scenario", "profile", "overall", "first gap → action"):
                table.add_column(col)
            for o in outcomes:
                gaps = o.evaluation.gaps
                first = f"{gaps[0].requirement_id}: {gaps[0].action(language)}" if gaps else ""
                more = f"\n[dim](+{len(gaps) - 1} more)[/]" if len(gaps) > 1 else ""
                style = VERDICT_STYLE[o.evaluation.overall]
                table.add_row(
                    o.scenario.title(language),
                    o.scenario.profile,
                    f"[{style}]{o.evaluation.overall}[/]",
                    first + more,
                )
            console.print(table)
            example = next(o for o in outcomes if o.evaluation.gaps)
            files = " ".join(str(p) for p in example.scenario.files)
            # Name the command the way it was invoked (after `make demo`: .venv/bin/qualbridge).
            prog = sys.argv[0] if Path(sys.argv[0]).name == "qualbridge" else "qualbridge"
            console.print("Look closer:")
            console.print(
                f"  {prog} evaluate --profile {example.scenario.profile} {files} --as-of {scenarios.AS_OF}"
            )
            console.print(f"  {prog} iso14644 classify {out}/cleanroom/survey-at-rest.csv")

        emit(rows, as_json=as_json, render=render)
