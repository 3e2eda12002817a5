"""``qualbridge report SOURCE``: a qualification report as one HTML file or an A4 PDF, en, zh or both.

SOURCE is a ``qualbridge evaluate --json`` file (offline: nothing else is read), or the id of a package
or an evaluation in the service's database (``QUALBRIDGE_DATABASE_URL``), read as the user who signs in
with ``--email`` (the password is asked for, or taken from ``QUALBRIDGE_PASSWORD``) or the owner of an
API token (``--token`` / ``QUALBRIDGE_TOKEN``), with exactly the access that user has in the service.

Writing a report is not a check: the command exits 0 whatever the verdict, 2 for bad input.

The report modules (matplotlib, Jinja2, Playwright) are imported inside the command: they take seconds
to import, and every other command of the CLI would pay for them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from pydantic import ValidationError

from qualbridge.cli._output import VERDICT_STYLE, JsonOption, console, emit, steps
from qualbridge.cli.db import DatabaseUrlOption
from qualbridge.errors import InputError, at
from qualbridge.evaluation import Evaluation
from qualbridge.settings import Settings

if TYPE_CHECKING:
    from qualbridge.reports import Report


def _from_file(path: Path) -> Report:
    from qualbridge.reports import StoredEvaluation, build_report

    try:
        result = Evaluation.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(document)"
        raise InputError(
            f"not an evaluation result: {first['msg']}",
            at(file=str(path), field=where),
            expected="the output of 'qualbridge evaluate --json'",
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read it: {exc.strerror}", at(file=str(path))) from None
    return build_report([StoredEvaluation(result=result)], generated_at=dt.datetime.now(dt.UTC))


def _from_database(
    object_id: uuid.UUID,
    *,
    database_url: str | None,
    email: str | None,
    token: str | None,
    lang: str,
    fmt: str,
) -> Report:
    from qualbridge.services import reports, tokens
    from qualbridge.services.context import Context

    if not email and not token:
        raise InputError(
            "reading the service's database needs a sign-in",
            at(field="--email"),
            expected="--email (the password is asked for) or --token",
        )
    ctx = Context.from_settings(Settings.from_env(database_url=database_url))
    try:
        if token:
            actor = tokens.resolve_token(ctx, token)
        else:
            assert email is not None
            password = os.environ.get("QUALBRIDGE_PASSWORD") or typer.prompt(
                "password", hide_input=True, err=True
            )
            actor = reports.reader(ctx, email=email, password=password)
        return reports.any_report(ctx, actor, object_id, lang=lang, fmt=fmt)
    finally:
        ctx.db.dispose()


def _write(out: Path, body: bytes) -> None:
    """All or nothing: the file appears complete or not at all."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report_cmd(
        source: str = typer.Argument(
            ..., help="A 'qualbridge evaluate --json' file, or a package or evaluation id in the database."
        ),
        lang: str = typer.Option("en", "--lang", help="en, zh or both (side by side)."),
        fmt: str = typer.Option("html", "--format", help="html (one self-contained file) or pdf (A4)."),
        out: Path = typer.Option(..., "--output", "-o", help="The file to write."),
        email: str | None = typer.Option(None, "--email", help="Sign in as this user (database sources)."),
        token: str | None = typer.Option(
            None, "--token", envvar="QUALBRIDGE_TOKEN", help="Or an API token (database sources)."
        ),
        database_url: str | None = DatabaseUrlOption,
        as_json: bool = JsonOption,
    ) -> None:
        """Write the qualification report of an evaluation or a package."""
        from qualbridge.reports import FORMATS, REPORT_LANGS, parse_report_lang, render_html

        try:
            language = parse_report_lang(lang)
        except ValueError:
            raise typer.BadParameter(f"use one of {', '.join(REPORT_LANGS)}", param_hint="--lang") from None
        if fmt not in FORMATS:
            raise typer.BadParameter("use html or pdf", param_hint="--format")
        path = Path(source)
        with steps("reading", quiet=as_json) as step:
            if path.is_file():
                report, origin = _from_file(path), "file"
            else:
                try:
                    object_id = uuid.UUID(source)
                except ValueError:
                    raise InputError(
                        "neither a file nor an id",
                        at(field="SOURCE"),
                        expected="an evaluation JSON file or a package or evaluation id (UUID)",
                    ) from None
                step("reading from the database")
                report = _from_database(
                    object_id, database_url=database_url, email=email, token=token, lang=language, fmt=fmt
                )
                origin = report.subject
            step("drawing charts and laying out")
            html = render_html(report, language)
            body = html.encode("utf-8")
            if fmt == "pdf":
                from qualbridge.reports.pdf import render_pdf

                step("printing the PDF with Chromium")
                body = render_pdf(html)
            _write(out, body)
        data: dict[str, Any] = {
            "source": source,
            "subject": origin,
            "lang": language,
            "format": fmt,
            "output": str(out),
            "bytes": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
            "overall": report.overall,
            "evaluations": len(report.sections),
            "gaps": len(report.gaps),
            "evidence": len(report.evidence),
        }

        def render() -> None:
            style = VERDICT_STYLE[report.overall]
            console.print(
                f"wrote {out} ({fmt}, {language}, {len(body):,} bytes): "
                f"overall [{style}]{report.overall}[/], {len(report.gaps)} gap(s), "
                f"{len(report.evidence)} evidence",
                highlight=False,
            )

        emit(data, as_json=as_json, render=render)
