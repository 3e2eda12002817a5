"""A report as one self-contained HTML file: inline CSS, inline SVG charts, no network, no script.

Jinja2 with autoescaping renders ``templates/report.html``; every label goes through the ``reports``
catalog (``_`` in the template), numbers and dates through :mod:`qualbridge.i18n`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal, get_args

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from qualbridge import i18n
from qualbridge.evaluation.result import Evaluation, RequirementResult
from qualbridge.reports import charts
from qualbridge.reports.glossary import glossary
from qualbridge.reports.language import ReportLang, Voice, _
from qualbridge.reports.model import Report, Section, StoredEvaluation, section

Format = Literal["html", "pdf"]
FORMATS: tuple[Format, ...] = get_args(Format)
MEDIA_TYPES: dict[Format, str] = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}

VERDICT_TEXT = {
    "pass": _("pass"),
    "fail": _("fail"),
    "missing": _("missing"),
    "inconclusive": _("inconclusive"),
    "incomplete": _("incomplete"),
}


@dataclass(frozen=True, slots=True)
class Chart:
    caption: str
    svg: Markup


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("qualbridge.reports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def section_charts(section: Section, voice: Voice) -> list[Chart]:
    """The charts a section has data for, in reading order."""
    data = section.charts
    found: list[Chart] = []
    for particle in data.particles:
        found.append(
            Chart(
                _("Particle concentration per location and size against the class limit"),
                Markup(charts.particles_svg(particle, voice)),
            )
        )
    for purity in data.purity:
        found.append(Chart(_("ISO 8573-1 class per contaminant"), Markup(charts.purity_svg(purity, voice))))
    if data.vacuum:
        found.append(
            Chart(
                _("Leak rate, rate of rise and pressure against their limits"),
                Markup(charts.vacuum_svg(data.vacuum, voice)),
            )
        )
    if data.rga is not None:
        found.append(Chart(_("RGA spectrum against its limits"), Markup(charts.rga_svg(data.rga, voice))))
    if data.margins:
        found.append(Chart(_("Margin per requirement"), Markup(charts.margins_svg(data.margins, voice))))
    return found


def evaluation_charts(result: Evaluation, lang: ReportLang) -> list[Chart]:
    """The charts of one evaluation as its report draws them, captions already in ``lang`` (for pages
    that show an evaluation beside its report)."""
    voice = Voice(lang)
    found = section_charts(section(StoredEvaluation(result=result)), voice)
    return [Chart(voice.plain(chart.caption), chart.svg) for chart in found]


def download_headers(name: str, lang: ReportLang, fmt: Format) -> dict[str, str]:
    """The headers of a report sent as a file: its name, and that it is private to the reader."""
    disposition = "inline" if fmt == "html" else "attachment"
    return {
        "Content-Disposition": f'{disposition}; filename="{name}-{lang}.{fmt}"',
        # Private and not stored: a shared package's access ends with its grant.
        "Cache-Control": "private, no-store",
        "Content-Language": "en, zh-Hans" if lang == "both" else i18n.LOCALES[lang].replace("_", "-"),
    }


def cells(voice: Voice, result: RequirementResult) -> tuple[str, str, str]:
    """Measured, limit and unit of a row: the measured value in the limit's unit when it converts."""
    measured, limit = result.measured, result.limit
    if limit is None:
        return ("" if measured is None else f"{voice.number(measured.value)} {measured.unit}", "", "")
    relation = "≤" if result.limit_type == "max" else "≥"
    shown = f"{relation} {voice.number(limit.value)}"
    if measured is None:
        return "", shown, limit.unit
    if measured.unit == limit.unit or measured.convertible_to(limit.unit):
        return voice.number(measured.to(limit.unit)), shown, limit.unit
    return f"{voice.number(measured.value)} {measured.unit}", shown, limit.unit


def render_html(report: Report, lang: ReportLang) -> str:
    """The report in ``en``, ``zh`` or ``both`` as one HTML document."""
    voice = Voice(lang)

    def verdict(value: str) -> Markup:
        return voice.markup(VERDICT_TEXT[value])

    template = _environment().get_template("report.html")
    return template.render(
        report=report,
        v=voice,
        _=voice.markup,
        verdict=verdict,
        charts=[section_charts(s, voice) for s in report.sections],
        glossary=glossary(),
        cells=functools.partial(cells, voice),
        title=voice.plain(_("Qualification report")),
    )


def render(report: Report, lang: ReportLang, fmt: Format) -> bytes:
    """The report as the bytes of an HTML file (UTF-8) or of a PDF (:data:`MEDIA_TYPES` names them)."""
    html = render_html(report, lang)
    if fmt == "html":
        return html.encode("utf-8")
    from qualbridge.reports.pdf import render_pdf  # Playwright: imported only when a PDF is asked for

    return render_pdf(html)
