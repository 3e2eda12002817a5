"""``qualbridge profiles list|show|validate``: the requirement profiles."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from qualbridge.cli._output import JsonOption, LangOption, check_lang, console, emit
from qualbridge.standards.catalog import builtin
from qualbridge.standards.profile import documents_from_file

profiles_app = typer.Typer(help="Requirement profiles from standards and fab specs.", no_args_is_help=True)


@profiles_app.command("list")
def list_profiles(
    as_json: bool = JsonOption,
    lang: str = LangOption,
    search: str = typer.Option("", "--search", "-s", help="Only ids containing this text."),
) -> None:
    """List the shipped profiles (latest and earlier versions)."""
    language = check_lang(lang)
    docs = [d for d in builtin().documents() if search in d.id]
    rows = [
        {
            "id": d.id,
            "version": d.version,
            "status": d.status,
            "example": d.example,
            "extends": d.extends,
            "title": d.title.model_dump(),
            "requirements": len(d.requirements),
        }
        for d in docs
    ]

    def render() -> None:
        table = Table(title="Requirement profiles" if language == "en" else "要求规范")
        table.add_column("id", no_wrap=True)
        for col in ("ver", "title", "extends", "reqs"):
            table.add_column(col)
        for d in docs:
            title = d.title(language) + (" [dim](example)[/]" if d.example else "")
            table.add_row(d.id, str(d.version), title, d.extends or "", str(len(d.requirements)))
        console.print(table)

    emit(rows, as_json=as_json, render=render)


@profiles_app.command("show")
def show_profile(
    ref: str = typer.Argument(..., help="Profile id, or id@version."),
    as_json: bool = JsonOption,
    lang: str = LangOption,
    file: list[Path] = typer.Option([], "--file", "-f", help="Extra profile files to load."),
) -> None:
    """Show a profile with ``extends`` resolved."""
    language = check_lang(lang)
    profile = builtin().with_files(file).get(ref)

    def render() -> None:
        console.print(f"[bold]{profile.title(language)}[/]  {profile.ref}")
        if profile.based_on:
            console.print(f"based on: {', '.join(profile.based_on)}")
        if profile.example:
            console.print("[yellow]example profile: limits are illustrative, set by a fab[/]")
        table = Table()
        for col in ("requirement", "kind", "mandatory", "source"):
            table.add_column(col)
        for r in profile.requirements:
            table.add_row(
                f"{r.id}\n[dim]{r.title(language)}[/]",
                r.kind,
                "yes" if r.mandatory else "no",
                r.source + (" (fab-defined)" if r.fab_defined else ""),
            )
        console.print(table)

    emit(profile, as_json=as_json, render=render)


@profiles_app.command("validate")
def validate_profile(
    path: Path = typer.Argument(..., help="A profile file (YAML or JSON) to check."),
    as_json: bool = JsonOption,
) -> None:
    """Check a profile file: schema, parent, and each standard's rules. Exit 2 when invalid."""
    catalog = builtin().with_files([path])
    resolved = [catalog.get(doc.ref) for doc in documents_from_file(path)]
    rows = [
        {"id": p.id, "version": p.version, "requirements": len(p.requirements), "valid": True}
        for p in resolved
    ]

    def render() -> None:
        for p in resolved:
            extra = f", based on {', '.join(p.based_on)}" if p.based_on else ""
            console.print(f"[green]valid[/] {p.ref}: {len(p.requirements)} requirements{extra}")

    emit(rows, as_json=as_json, render=render)


def register(app: typer.Typer) -> None:
    app.add_typer(profiles_app, name="profiles")
