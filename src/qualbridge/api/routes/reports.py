"""Qualification reports of an evaluation or a package, as HTML or PDF, in en, zh or both.

Each is read exactly like the evaluation or package it reports on; a fab's read of a shared package's
report is audited. Without ``lang`` the language is negotiated from ``Accept-Language``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from qualbridge import i18n
from qualbridge.api.deps import ActorDep, ContextDep
from qualbridge.api.errors import COMMON, responses
from qualbridge.reports import MEDIA_TYPES, Format, Report, ReportLang, download_headers, render
from qualbridge.services import reports

router = APIRouter(tags=["reports"], responses=responses(*COMMON))

LangQuery = Annotated[
    ReportLang | None,
    Query(description="en, zh or both (side by side); default: from Accept-Language, else en."),
]
FormatQuery = Annotated[
    Format, Query(alias="format", description="html (one self-contained file) or pdf (A4).")
]
AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language", include_in_schema=False)]
_DOCUMENT = {
    **responses(404),
    200: {
        "description": "The report",
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    },
}


@dataclass(frozen=True, slots=True)
class Asked:
    """What the caller asked for: the language (negotiated when not given) and the format."""

    lang: ReportLang
    fmt: Format


def _asked(
    lang: LangQuery = None, fmt: FormatQuery = "html", accept_language: AcceptLanguage = None
) -> Asked:
    return Asked(lang if lang is not None else i18n.negotiate(accept_language), fmt)


AskedDep = Annotated[Asked, Depends(_asked)]


def _document(report: Report, asked: Asked, *, name: str) -> Response:
    body = render(report, asked.lang, asked.fmt)
    return Response(
        body, media_type=MEDIA_TYPES[asked.fmt], headers=download_headers(name, asked.lang, asked.fmt)
    )


@router.get("/evaluations/{evaluation_id}/report", response_class=Response, responses=_DOCUMENT)
def evaluation_report(
    evaluation_id: uuid.UUID, ctx: ContextDep, actor: ActorDep, asked: AskedDep
) -> Response:
    """The qualification report of one of your evaluations."""
    report = reports.evaluation_report(ctx, actor, evaluation_id)
    return _document(report, asked, name=f"evaluation-{evaluation_id}")


@router.get("/packages/{package_id}/report", response_class=Response, responses=_DOCUMENT)
def package_report(package_id: uuid.UUID, ctx: ContextDep, actor: ActorDep, asked: AskedDep) -> Response:
    """The qualification report of a package: yours, or one shared with you (the read is audited)."""
    report = reports.package_report(ctx, actor, package_id, lang=asked.lang, fmt=asked.fmt)
    return _document(report, asked, name=f"package-{package_id}")
