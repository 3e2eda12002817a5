"""The HTML report: one self-contained file, in English, Chinese or both, with every section."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qualbridge.evaluation import Evaluation
from qualbridge.reports import EvidenceItem, LogEntry, render_html
from qualbridge.reports.glossary import glossary
from qualbridge.text import Text
from tests.reports.conftest import keep, report_of


class _Tables(HTMLParser):
    """The header cells and rows of each ``table.verdicts``, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, list[str]]] = []
        self._in: str | None = None
        self._cell: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("class", "verdicts") in attrs:
            self.tables.append({"th": [], "td": []})
        elif tag in ("th", "td") and self.tables and self._in is None:
            self._in, self._cell = tag, []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self.tables[-1][tag].append(" ".join("".join(self._cell).split()))
            self._in = None
        elif tag == "table" and self.tables and self._in is None:
            self._in = "done"  # only the first table after the start tag is collected

    def handle_data(self, data: str) -> None:
        if self._in in ("th", "td"):
            self._cell.append(data)


def verdict_tables(html: str) -> list[dict[str, list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


@pytest.mark.parametrize("lang", ["en", "zh", "both"])
def test_each_language_writes_a_report(
    demo: dict[str, Evaluation], lang: str, tmp_path: Path, artifacts: Path
) -> None:
    html = render_html(report_of(demo["chamber-failing"]), lang)  # type: ignore[arg-type]
    path = tmp_path / f"chamber-failing-{lang}.html"
    path.write_text(html, encoding="utf-8")
    keep(path, artifacts)
    assert html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{"zh-Hans" if lang == "zh" else "en"}">' in html
    (table,) = verdict_tables(html)
    assert len([td for td in table["td"] if td]) > 0


def test_the_verdict_table_in_both_languages(demo: dict[str, Evaluation]) -> None:
    evaluation = demo["chamber-failing"]
    (table,) = verdict_tables(render_html(report_of(evaluation), "both"))
    # One table, each header in both languages.
    assert table["th"] == [
        "Requirement 要求",
        "Measured 测量值",
        "Limit 限值",
        "Unit 单位",
        "Margin 裕度",
        "Verdict 判定",
    ]
    verdicts = table["td"][5::6]
    assert len(verdicts) == len(evaluation.results)
    words = {"pass": "pass 合格", "fail": "fail 不合格", "missing": "missing 缺少证据"}
    assert verdicts == [words.get(r.verdict, r.verdict) for r in evaluation.results]
    first = evaluation.results[0]
    assert first.title.en in table["td"][0]
    assert first.title.zh in table["td"][0]


def test_measured_limit_unit_and_margin_per_locale(demo: dict[str, Evaluation]) -> None:
    (table,) = verdict_tables(render_html(report_of(demo["chamber-failing"]), "zh"))
    row = table["td"][:6]  # he-leak: 3.4×10⁻⁹ measured against ≤ 1×10⁻⁹ mbar·L/s, margin −240 %
    assert row[1:5] == ["3.4E-9", "≤ 1E-9", "mbar·L/s", "-240%"]
    assert row[5] == "不合格"


def test_gaps_evidence_verification_and_glossary(demo: dict[str, Evaluation]) -> None:
    evaluation = demo["chamber-failing"]
    html = render_html(report_of(evaluation), "zh")
    for gap in evaluation.gaps:
        assert gap.action.zh.replace("'", "&#39;").replace('"', "&#34;") in html
    for ref in evaluation.evidence:
        assert ref.id in html
    assert html.count('<span class="unlogged">尚未记录</span>') == len(evaluation.evidence)
    assert "qualbridge verify BUNDLE --trust-root FILE" in html
    for term in glossary():
        assert term.term.zh in html
    assert "洁净度等级" in html
    assert "差距与措施" in html


def test_a_logged_evidence_shows_its_entry(demo: dict[str, Evaluation]) -> None:
    report = report_of(demo["chamber-incoming"])
    entry = LogEntry(index=1234, checkpoint_size=2048, statement_digest="sha256:" + "cd" * 32)
    first = report.evidence[0].model_copy(update={"log": entry})
    html = render_html(report.model_copy(update={"evidence": [first, *report.evidence[1:]]}), "en")
    assert "index 1234, checkpoint size 2048" in html
    assert "sha256:" + "cd" * 32 in html
    assert html.count('<span class="unlogged">not yet logged</span>') == len(report.evidence) - 1


def test_self_contained_and_escaped(demo: dict[str, Evaluation]) -> None:
    report = report_of(demo["tool-hookup"])
    hostile = (
        report.sections[0]
        .results[0]
        .model_copy(update={"title": Text.of("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")})
    )
    section = report.sections[0].model_copy(update={"results": [hostile, *report.sections[0].results[1:]]})
    html = render_html(report.model_copy(update={"sections": [section]}), "both")
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html
    # Nothing is fetched: no external stylesheet, script, image or font (SVG namespaces are names).
    assert not re.search(r"<link|<script|<img|@import|url\((?!#)", html)  # url(#id): within the SVG
    assert not re.search(r"(src|href)=\"https?:", html)


def test_rendering_is_deterministic(demo: dict[str, Evaluation]) -> None:
    report = report_of(demo["tool-hookup"])
    assert render_html(report, "both") == render_html(report, "both")


def test_charts_only_for_data_the_evaluation_has(demo: dict[str, Evaluation]) -> None:
    room = render_html(report_of(demo["cleanroom-hot-spot"]), "en")
    assert room.count("<svg") == 2  # particles and margins
    chamber = render_html(report_of(demo["chamber-failing"]), "en")
    assert chamber.count("<svg") == 3  # vacuum values, RGA peaks and margins
    hookup = render_html(report_of(demo["tool-hookup"]), "en")
    assert hookup.count("<svg") == 3  # particles, ISO 8573-1 classes and margins


def test_no_result_no_gap_section_text(demo: dict[str, Evaluation]) -> None:
    html = render_html(report_of(demo["chamber-incoming"]), "en")
    assert "No gaps: every requirement passed." in html


def test_evidence_kinds_and_issuers_are_listed(demo: dict[str, Evaluation]) -> None:
    report = report_of(demo["tool-hookup"])
    html = render_html(report, "en")
    for item in report.evidence:
        assert isinstance(item, EvidenceItem)
        assert item.kind in html
        assert item.issuer in html
