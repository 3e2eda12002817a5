"""``qualbridge evidence parse``: raw export → validated evidence document (JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from qualbridge.cli._meta import (
    IssuerOption,
    KindOption,
    MappingOption,
    MetaOption,
    SubjectOption,
    TestDateOption,
    collect_meta,
)
from qualbridge.cli._output import JsonOption, console, emit, read_all
from qualbridge.evidence.parsers import load_evidence, parsers

evidence_app = typer.Typer(help="Parse and inspect evidence files.", no_args_is_help=True)


@evidence_app.command("parse")
def parse(
    path: Path = typer.Argument(..., help="Raw export (CSV...) or JSON evidence document."),
    kind: str | None = KindOption,
    meta: Path | None = MetaOption,
    issuer: str | None = IssuerOption,
    subject: str | None = SubjectOption,
    test_date: str | None = TestDateOption,
    mapping: Path | None = MappingOption,
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the evidence JSON here."),
    as_json: bool = JsonOption,
) -> None:
    """Parse a raw file into an evidence document; nothing is written if any row is bad."""
    fields = collect_meta(meta, issuer, subject, test_date)
    (ev,) = read_all([path], lambda p: load_evidence(p, kind=kind, meta=fields, mapping=mapping))
    document = ev.model_dump(mode="json")
    if output:
        output.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")

    def render() -> None:
        console.print(f"[green]parsed[/] {path} as [bold]{ev.kind}[/] → {ev.evidence_id()}")
        console.print(
            f"issuer {ev.issuer}, tested {ev.test_date}, subject {ev.subject.type}:"
            f"{ev.subject.id}, raw {ev.raw_digest}"
        )
        if output:
            console.print(f"written to {output}")

    emit(document, as_json=as_json, render=render)


@evidence_app.command("parsers")
def list_parsers(as_json: bool = JsonOption) -> None:
    """The raw formats QualBridge reads."""
    specs = parsers()
    rows = [{"kind": p.kind, "name": p.name, "suffixes": list(p.suffixes)} for p in specs]

    def render() -> None:
        table = Table(title="Parsers")
        for col in ("kind", "format", "files"):
            table.add_column(col)
        for p in specs:
            table.add_row(p.kind, p.name, " ".join(p.suffixes))
        console.print(table)

    emit(rows, as_json=as_json, render=render)


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")
