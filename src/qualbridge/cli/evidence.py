"""``qualbridge evidence parse``: raw export → validated evidence document (JSON); ``qualbridge evidence
upload``: a raw export with its metadata → evidence stored on a QualBridge server (client mode)."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from qualbridge.cli._client import IdempotencyKeyOption, connect
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
from qualbridge.evidence.parsers import SIDECAR_SUFFIX, load_evidence, parsers

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


@evidence_app.command("upload")
def upload(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="Raw export, or a JSON evidence document."
    ),
    product: str = typer.Option(..., "--product", help="The product it was recorded on (its id)."),
    kind: str | None = KindOption,
    meta: Path | None = typer.Option(
        None, "--meta", help="YAML/JSON metadata file (default: FILE.meta.yaml beside the file, if any)."
    ),
    issuer: str | None = IssuerOption,
    subject: str | None = SubjectOption,
    test_date: str | None = TestDateOption,
    key: str | None = IdempotencyKeyOption,
    as_json: bool = JsonOption,
) -> None:
    """Upload a file to a QualBridge server (``--server``/``--token``), which parses, validates and stores
    it with its bytes. The same evidence again is the stored one (``created`` false), never a duplicate."""
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    fields = collect_meta(meta or (sidecar if sidecar.is_file() else None), issuer, subject, test_date)
    data = {"product_id": product, "meta": json.dumps(fields, default=str, ensure_ascii=False)}
    if kind:
        data["kind"] = kind
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    with connect(ctx) as client, path.open("rb") as handle:
        answer = client.post("/evidence", key=key, data=data, files={"file": (path.name, handle, media_type)})

    def render() -> None:
        ev = answer["evidence"]
        state = "[green]stored[/]" if answer["created"] else "[yellow]known already[/]"
        console.print(f"{state} {path.name} as [bold]{ev['kind']}[/] → {ev['id']}")
        subject = f"{ev['subject_type']}:{ev['subject_id']}"
        console.print(escape(f"issuer {ev['issuer']}, tested {ev['test_date']}, subject {subject}"))

    emit(answer, as_json=as_json, render=render)


STATUSES = ("valid", "suspended", "withdrawn", "superseded")


@evidence_app.command("status")
def change_status(
    ctx: typer.Context,
    evidence_id: str = typer.Argument(..., help="Your evidence's id (sha256:…)."),
    status: str = typer.Option(..., "--status", help="valid, suspended, withdrawn or superseded."),
    reason: str = typer.Option(..., "--reason", help="Why, for the record (public in the log)."),
    superseded_by: str | None = typer.Option(
        None, "--superseded-by", help="The evidence that replaces it (with --status superseded)."
    ),
    key: str | None = IdempotencyKeyOption,
    as_json: bool = JsonOption,
) -> None:
    """Log a status change of your evidence on the server: a new signed entry in the transparency log,
    never an edit (withdrawn and superseded are final). Bundles verified online then report it."""
    if status not in STATUSES:
        raise typer.BadParameter(f"use one of {', '.join(STATUSES)}", param_hint="--status")
    body = {"status": status, "reason": reason, "superseded_by": superseded_by}
    with connect(ctx) as client:
        changed = client.post(f"/evidence/{evidence_id}/status", key=key, json=body)

    def render() -> None:
        log = changed["log"]
        console.print(
            f"{changed['evidence_id']} is now [bold]{changed['status']}[/]: logged at index {log['index']}, "
            f"checkpoint of size {log['checkpoint_size']} (witnesses cosign it when they next come by)",
            highlight=False,
            soft_wrap=True,
        )

    emit(changed, as_json=as_json, render=render)


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
