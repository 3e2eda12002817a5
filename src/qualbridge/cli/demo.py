"""``qualbridge demo``: generate realistic evidence for a few qualification stories and evaluate it."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from qualbridge.cli._output import VERDICT_STYLE, JsonOption, LangOption, check_lang, console, emit, steps
from qualbridge.cli.db import DatabaseUrlOption, local_context, shown
from qualbridge.demo import scenarios

demo_app = typer.Typer(
    help="Write demo evidence and evaluate it; `demo seed` loads demo data into the service's database.",
    invoke_without_command=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(demo_app, name="demo")

    @demo_app.command("seed")
    def seed_database(database_url: str | None = DatabaseUrlOption, as_json: bool = JsonOption) -> None:
        """Load the demo organizations, users, products and evidence into the database (idempotent)."""
        _seed(database_url, as_json=as_json)

    @demo_app.command("witness-keys")
    def witness_keys(
        out: Path = typer.Option(..., "--out", "-o", help="Folder to write one key folder per witness into."),
        as_json: bool = JsonOption,
    ) -> None:
        """Write the demo witnesses' keys as `qualbridge witness run --key` folders (encrypted with
        $QUALBRIDGE_WITNESS_PASSPHRASE). Their seeds are public: for the demo and tests only."""
        _witness_keys(out, as_json=as_json)

    @demo_app.callback()
    def demo(
        context: typer.Context,
        out: Path = typer.Option(Path("var/demo"), "--out", "-o", help="Where to write the demo files."),
        seed: int = typer.Option(0, "--seed", help="Seed of the generators (same seed, same files)."),
        as_json: bool = JsonOption,
        lang: str = LangOption,
    ) -> None:
        """Write demo evidence (raw exports + metadata) and evaluate each story against its profile."""
        if context.invoked_subcommand is not None:
            return
        language = check_lang(lang)
        with steps("generating", quiet=as_json) as step:
            built = scenarios.build(out, seed=seed, progress=step)
            step("evaluating")
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


def _seed(database_url: str | None, *, as_json: bool) -> None:
    from qualbridge.services import demo_seed

    with (
        local_context(database_url, needed_by="the demo") as (settings, ctx),
        steps("seeding", quiet=as_json) as step,
    ):
        seeded = demo_seed.seed(ctx, progress=step)
    data = {"database": shown(settings.database_url), **seeded.as_dict()}

    def render() -> None:
        new = sum(e.created for e in seeded.evidence)
        console.print(
            f"[green]demo data[/] in {data['database']}: {len(seeded.orgs)} organizations, "
            f"{len(seeded.products)} products, {len(seeded.evidence)} evidence ({new} new)"
        )
        console.print(
            f"shared: package '{demo_seed.PACKAGE_NAME}' ({seeded.package}), from the Shanghai vendor "
            "to the Dresden fab: sign in as a Dresden user and GET /api/v1/packages",
            highlight=False,
        )
        size, witnesses = seeded.witnessed
        if witnesses:
            console.print(
                f"log: checkpoint of {size} entries cosigned by {len(witnesses)} demo witnesses; "
                f"the package's bundle: qualbridge bundle export {seeded.package} -o vx-200.qbundle.zip",
                highlight=False,
            )
            console.print(
                "verify it: qualbridge trust-root export -o trust-root.json; qualbridge verify "
                "vx-200.qbundle.zip --trust-root trust-root.json --online http://127.0.0.1:8000/log "
                "(docs/trust.md, 'The whole story against make demo')",
                highlight=False,
                soft_wrap=True,
            )
        console.print("Demo sign-ins (e-mail / password; demo data only):")
        for user in seeded.users:
            console.print(
                f"  {user.org:<9} {user.role:<9} {user.email:<27} {user.password}",
                highlight=False,
                soft_wrap=True,
            )

    emit(data, as_json=as_json, render=render)


def _witness_keys(out: Path, *, as_json: bool) -> None:
    from qualbridge.cli.witness import passphrase
    from qualbridge.demo import witnesses
    from qualbridge.remote.witnessing import check_new_key_folder, write_key

    folders = {name: out / name for name in witnesses.NAMES}
    for folder in folders.values():
        check_new_key_folder(folder)  # before asking for a passphrase, and before writing either key
    secret = passphrase(confirm=True)
    for name, folder in folders.items():
        write_key(witnesses.signer(name), folder, passphrase=secret)
    data = [
        {"name": n, "folder": str(f), "vkey": witnesses.signer(n).verifier.vkey} for n, f in folders.items()
    ]

    def render() -> None:
        for row in data:
            console.print(f"demo witness {row['name']}: key folder {row['folder']}", highlight=False)
        console.print(
            "cosign the log's newest checkpoint with each: qualbridge witness run --log URL/log "
            "--trust-root trust-root.json --key FOLDER --state FOLDER/state.json",
            highlight=False,
            soft_wrap=True,
        )

    emit(data, as_json=as_json, render=render)
