"""``qualbridge schema``: JSON Schemas of the evidence and profile documents."""

from __future__ import annotations

import json
import sys
from typing import Literal

import typer
from pydantic import TypeAdapter

from qualbridge.evaluation.result import Evaluation
from qualbridge.evidence.models import Evidence
from qualbridge.standards.profile import ProfileDocument

Which = Literal["evidence", "profile", "evaluation"]


def schema_of(which: Which) -> dict[str, object]:
    if which == "evidence":
        return TypeAdapter(Evidence).json_schema()
    if which == "profile":
        return ProfileDocument.model_json_schema()
    return Evaluation.model_json_schema()


def register(app: typer.Typer) -> None:
    @app.command("schema")
    def schema(
        which: str = typer.Argument("evidence", help="evidence, profile or evaluation"),
        as_json: bool = typer.Option(True, "--json", help="Always JSON; accepted for uniformity."),
    ) -> None:
        """Print the JSON Schema of evidence documents, profiles or evaluation results."""
        if which not in ("evidence", "profile", "evaluation"):
            raise typer.BadParameter("use evidence, profile or evaluation", param_hint="WHICH")
        sys.stdout.write(json.dumps(schema_of(which), indent=2, ensure_ascii=False) + "\n")  # type: ignore[arg-type]
