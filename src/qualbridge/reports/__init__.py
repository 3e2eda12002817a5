"""Qualification reports: the report as data, rendered to one self-contained HTML file or a PDF.

    build_report(evaluations, generated_at=…, package=…, evidence=…) → Report     (model.py; pure)
    render_html(report, lang)  → str        en, zh or both side by side (render.py, templates/)
    render(report, lang, fmt)  → bytes      the HTML file or the PDF (MEDIA_TYPES names them)
    PdfRenderer().render(html) → bytes      A4 with page numbers, through Chromium (pdf.py)

Charts (charts.py) are drawn from what the evaluation holds (series.py); the glossary is data
(glossary.yaml). Every label goes through the ``reports`` message catalog (``make messages``).
"""

from qualbridge.reports.language import REPORT_LANGS, ReportLang, parse_report_lang
from qualbridge.reports.model import (
    VERIFY_COMMAND,
    EvidenceItem,
    LogEntry,
    PackageInfo,
    Report,
    StoredEvaluation,
    build_report,
)
from qualbridge.reports.render import (
    FORMATS,
    MEDIA_TYPES,
    Chart,
    Format,
    download_headers,
    evaluation_charts,
    render,
    render_html,
)

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "REPORT_LANGS",
    "VERIFY_COMMAND",
    "Chart",
    "EvidenceItem",
    "Format",
    "LogEntry",
    "PackageInfo",
    "Report",
    "ReportLang",
    "StoredEvaluation",
    "build_report",
    "download_headers",
    "evaluation_charts",
    "parse_report_lang",
    "render",
    "render_html",
]
