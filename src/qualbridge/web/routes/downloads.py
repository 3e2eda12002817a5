"""Downloads: the qualification report of a package or an evaluation (HTML or PDF; en, zh or both) and a
package's offline-verifiable bundle.

They go through the same use cases as the API's downloads (``services.reports``, ``services.bundles``),
so a fab's download is checked against its grant and audited exactly as through the API. A bundle the
service cannot export yet (no witnessed checkpoint covers the package: 409) is explained on the
package's page instead of an error page.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from qualbridge.errors import ConflictError, InputError, at
from qualbridge.reports import (
    FORMATS,
    MEDIA_TYPES,
    Format,
    Report,
    ReportLang,
    download_headers,
    parse_report_lang,
    render,
)
from qualbridge.services import bundles, reports
from qualbridge.web.deps import Visit, VisitDep, WebRoute
from qualbridge.web.routes.packages import package_page

router = APIRouter(route_class=WebRoute, include_in_schema=False)

LangQuery = Annotated[str | None, Query(max_length=8)]
FormatQuery = Annotated[str, Query(alias="format", max_length=8)]


def _asked(visit: Visit, lang: str | None, fmt: str) -> tuple[ReportLang, Format]:
    """The report's language (the page's when not chosen) and format, or a 400 page naming the field."""
    try:
        chosen = visit.lang if not lang else parse_report_lang(lang)
    except ValueError as exc:
        raise InputError(str(exc), at(field="lang"), expected="en, zh or both") from exc
    if fmt not in FORMATS:
        raise InputError(f"unknown report format {fmt!r}", at(field="format"), expected="html or pdf")
    return chosen, fmt


def _document(visit: Visit, report: Report, lang: ReportLang, fmt: Format, *, name: str) -> Response:
    body = render(report, lang, fmt)
    headers = download_headers(name, lang, fmt)
    return visit.finish(Response(body, media_type=MEDIA_TYPES[fmt], headers=headers))


@router.get("/packages/{package_id}/report")
def package_report(
    visit: VisitDep, package_id: uuid.UUID, lang: LangQuery = None, fmt: FormatQuery = "html"
) -> Response:
    """The package's qualification report; a fab's download is audited (``package.report.read``)."""
    chosen, form = _asked(visit, lang, fmt)
    report = reports.package_report(visit.ctx, visit.signed_in, package_id, lang=chosen, fmt=form)
    return _document(visit, report, chosen, form, name=f"package-{package_id}")


@router.get("/evaluations/{evaluation_id}/report")
def evaluation_report(
    visit: VisitDep, evaluation_id: uuid.UUID, lang: LangQuery = None, fmt: FormatQuery = "html"
) -> Response:
    chosen, form = _asked(visit, lang, fmt)
    report = reports.evaluation_report(visit.ctx, visit.signed_in, evaluation_id)
    return _document(visit, report, chosen, form, name=f"evaluation-{evaluation_id}")


@router.get("/packages/{package_id}/bundle")
def bundle(visit: VisitDep, package_id: uuid.UUID) -> Response:
    """The bundle (.zip); while no witnessed checkpoint covers the package, its page says so (409)."""
    try:
        exported = bundles.export_bundle(visit.ctx, visit.signed_in, package_id)
    except ConflictError as exc:
        return package_page(visit, package_id, status=409, bundle_error=exc)
    headers = {
        "Content-Disposition": f'attachment; filename="package-{package_id}.qbundle.zip"',
        "Cache-Control": "private, no-store",
    }
    return visit.finish(Response(exported.data, media_type=exported.media_type, headers=headers))
