"""Evidence metadata given on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from qualbridge.evidence.parsers import read_meta

MetaOption = typer.Option(None, "--meta", help="YAML/JSON file with evidence metadata.")
IssuerOption = typer.Option(None, "--issuer", help="Organisation that issued the test.")
SubjectOption = typer.Option(
    None, "--subject", help="What was tested, as TYPE:ID (e.g. room:FAB1-C3, equipment:VX-200)."
)
TestDateOption = typer.Option(None, "--test-date", help="Test date, YYYY-MM-DD.")
KindOption = typer.Option(None, "--kind", help="Evidence kind, when it cannot be detected.")
MappingOption = typer.Option(None, "--mapping", help="Column-mapping file for a raw export.")


def collect_meta(
    meta: Path | None, issuer: str | None, subject: str | None, test_date: str | None
) -> dict[str, Any]:
    data: dict[str, Any] = read_meta(meta) if meta else {}
    if issuer:
        data["issuer"] = issuer
    if subject:
        kind, sep, ident = subject.partition(":")
        if not sep or not ident:
            raise typer.BadParameter("use TYPE:ID, e.g. room:FAB1-C3", param_hint="--subject")
        data["subject"] = {"type": kind, "id": ident}
    if test_date:
        data["test_date"] = test_date
    return data
