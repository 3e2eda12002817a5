"""Charts: SVG drawn with a CJK font (a missing glyph is a warning, and warnings fail the tests),
byte-identical for the same data, labelled in the report's language."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from qualbridge.evaluation import Evaluation
from qualbridge.reports import charts
from qualbridge.reports.language import Voice
from qualbridge.reports.series import chart_data, particle_chart
from qualbridge.text import Text


def _texts(svg: str) -> list[str]:
    # Text is drawn as paths; matplotlib notes each string in a comment beside its glyphs.
    return re.findall(r"<!-- (.*?) -->", svg)


def test_particle_chart_in_chinese(demo: dict[str, Evaluation]) -> None:
    chart = particle_chart(demo["cleanroom-hot-spot"].results[0])
    assert chart is not None
    svg = charts.particles_svg(chart, Voice("zh"))
    assert svg.startswith("<svg")
    texts = _texts(svg)
    assert "采样点" in texts
    assert any(t.startswith("累计浓度") for t in texts)
    assert "L07" in texts
    # Glyphs are paths: the SVG needs no font where it is opened.
    assert "<text" not in svg


@pytest.mark.parametrize("key", ["chamber-failing", "tool-hookup", "cleanroom-hot-spot"])
def test_charts_are_byte_identical_for_the_same_data(demo: dict[str, Evaluation], key: str) -> None:
    data = chart_data(demo[key])
    voice = Voice("both")

    def draw() -> list[str]:
        out = [charts.particles_svg(c, voice) for c in data.particles]
        out += [charts.purity_svg(c, voice) for c in data.purity]
        out += [charts.vacuum_svg(data.vacuum, voice)] if data.vacuum else []
        out += [charts.rga_svg(data.rga, voice)] if data.rga else []
        return [*out, charts.margins_svg(data.margins, voice)]

    first = draw()
    assert first == draw()
    assert all("<dc:date>" not in svg for svg in first)


def test_margins_beyond_minus_100_percent_are_labelled(demo: dict[str, Evaluation]) -> None:
    data = chart_data(demo["chamber-failing"])
    worst = min(data.margins, key=lambda m: m.margin)
    assert worst.margin < -1
    svg = charts.margins_svg(data.margins, Voice("en"))
    assert Voice("en").percent(worst.margin) in _texts(svg)


def test_text_from_a_profile_cannot_break_out_of_the_svg(demo: dict[str, Evaluation]) -> None:
    chart = particle_chart(demo["cleanroom-hot-spot"].results[0])
    assert chart is not None
    hostile = Text.of("--><script>alert(1)</script><!--", "--><img src=x onerror=alert(1)>")
    svg = charts.particles_svg(replace(chart, title=hostile), Voice("both"))
    assert "<script" not in svg
    assert "<img" not in svg
    assert svg.count("<!--") == svg.count("-->")  # no comment closed early
