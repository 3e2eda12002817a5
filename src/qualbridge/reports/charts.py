"""The report's charts: matplotlib figures written as SVG, the same bytes for the same data.

Text is drawn with Noto Sans CJK SC (installed by ``make install``) so Chinese labels render, and glyphs
are stored as paths, so the SVG needs no font where it is opened. The SVG carries no date and its ids
come from a fixed salt: a report rendered twice is byte-identical.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

import matplotlib as mpl
from matplotlib.figure import Figure

from qualbridge.evaluation.result import Verdict
from qualbridge.reports.language import Voice, _
from qualbridge.reports.series import (
    LimitBar,
    MarginBar,
    ParticleChart,
    PurityChart,
    RgaChart,
    class_rank,
)
from qualbridge.text import Text

FONT_FAMILY: Final = ["Noto Sans CJK SC", "DejaVu Sans"]
_RC: Final[dict[str, Any]] = {
    "font.family": FONT_FAMILY,
    "font.size": 8.5,
    "svg.fonttype": "path",
    "svg.hashsalt": "qualbridge-report",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
}
VERDICT_COLOR: Final[dict[Verdict, str]] = {
    "pass": "#1a7f37",
    "fail": "#c62828",
    "missing": "#b26a00",
    "inconclusive": "#6f42c1",
}
_SERIES: Final = ("#1f5fa8", "#e07b00", "#2a9d8f", "#8e44ad", "#7f6000", "#c2185b")
_MARKERS: Final = ("o", "s", "^", "D", "v", "P")
_XML_PROLOGUE = re.compile(r"^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.DOTALL)

CONTAMINANT_TEXT: Final = {
    "particles": _("solid particles"),
    "water": _("water"),
    "oil": _("oil"),
}


@contextmanager
def _style() -> Iterator[None]:
    # rc_context types its keys as the literal names of matplotlib's settings; ours are such names.
    with mpl.rc_context(_RC):  # type: ignore[arg-type]
        yield


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(
        buffer, format="svg", metadata={"Date": None, "Creator": "QualBridge"}, bbox_inches="tight"
    )
    return _XML_PROLOGUE.sub("", buffer.getvalue())


def _title(voice: Voice, value: Text) -> str:
    return " / ".join(dict.fromkeys(value(lang) for lang in voice.langs))


def particles_svg(chart: ParticleChart, voice: Voice) -> str:
    """Location averages (log scale) per size, each size's class limit as a dashed line of its colour."""
    with _style():
        locations = list(dict.fromkeys(p.location for s in chart.sizes for p in s.points))
        width = max(6.5, min(10.0, 2.5 + 0.3 * len(locations)))
        figure = Figure(figsize=(width, 3.4))
        axes = figure.add_subplot()
        for i, size in enumerate(chart.sizes):
            color, marker = _SERIES[i % len(_SERIES)], _MARKERS[i % len(_MARKERS)]
            xs = [locations.index(p.location) for p in size.points]
            ys = [max(p.value, 1e-3) for p in size.points]
            axes.scatter(xs, ys, color=color, marker=marker, s=18, label=f"≥{size.size_um:g} µm", zorder=3)
            failed = [i for i, p in enumerate(size.points) if p.verdict == "fail"]
            if failed:
                # A ring around each location above the limit, so that a failure does not hang on colour.
                axes.scatter(
                    [xs[i] for i in failed],
                    [ys[i] for i in failed],
                    facecolors="none",
                    edgecolors=VERDICT_COLOR["fail"],
                    s=80,
                    zorder=4,
                )
            axes.axhline(size.limit, color=color, linestyle="--", linewidth=1)
        axes.set_yscale("log")
        axes.set_xticks(range(len(locations)), locations, rotation=90 if len(locations) > 12 else 0)
        axes.set_xlabel(voice.plain(_("sampling location")))
        concentration = voice.plain(_("cumulative concentration"))
        axes.set_ylabel(f"{concentration} ({chart.unit})")
        axes.set_title(_title(voice, chart.title), loc="left", fontsize=9)
        axes.legend(
            title=voice.plain(_("size (dashed: class limit)")),
            fontsize=7,
            title_fontsize=7,
            # Beside the axes: inside, it would hide the locations it is about.
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
        )
        return _svg(figure)


def purity_svg(chart: PurityChart, voice: Voice) -> str:
    """Required and measured ISO 8573-1 class per contaminant; a shorter bar is cleaner air."""
    with _style():
        figure = Figure(figsize=(6.5, 0.6 + 0.7 * len(chart.classes)))
        axes = figure.add_subplot()
        names = [voice.plain(CONTAMINANT_TEXT[c.contaminant]) for c in chart.classes]
        ys = range(len(chart.classes))
        required = [class_rank(c.required) for c in chart.classes]
        measured = [class_rank(c.measured) for c in chart.classes]
        colors = [
            VERDICT_COLOR["pass" if m <= r else "fail"] for m, r in zip(measured, required, strict=True)
        ]
        axes.barh(
            [y + 0.2 for y in ys], measured, height=0.38, color=colors, label=voice.plain(_("measured"))
        )
        axes.barh(
            [y - 0.2 for y in ys],
            required,
            height=0.38,
            color="white",
            edgecolor="#444444",
            hatch="//",
            label=voice.plain(_("required")),
        )
        axes.set_yticks(list(ys), names)
        axes.invert_yaxis()
        axes.set_xlim(0, 11.5)
        axes.set_xticks(range(12), [*map(str, range(10)), "X", "–"])
        axes.set_xlabel(voice.plain(_("ISO 8573-1 class (lower is cleaner; – not determined)")))
        axes.set_title(_title(voice, chart.title), loc="left", fontsize=9)
        axes.legend(fontsize=7, loc="lower right")
        return _svg(figure)


def vacuum_svg(bars: tuple[LimitBar, ...], voice: Voice) -> str:
    """One row per vacuum requirement: the measured value (log scale) and its limit."""
    with _style():
        figure = Figure(figsize=(6.5, 0.3 + 0.85 * len(bars)))
        rows = figure.subplots(len(bars), 1, squeeze=False)
        for (axes,), bar in zip(rows, bars, strict=True):
            axes.barh([0], [bar.measured], color=VERDICT_COLOR[bar.verdict], height=0.5)
            axes.axvline(bar.limit, color="#222222", linestyle="--", linewidth=1.2)
            axes.set_xscale("log")
            low, high = sorted((bar.measured, bar.limit))
            axes.set_xlim(low / 10, high * 10)
            axes.set_yticks([])
            axes.grid(axis="y", visible=False)
            axes.set_title(f"{_title(voice, bar.title)} ({bar.unit})", loc="left", fontsize=8)
        rows[-1][0].set_xlabel(voice.plain(_("bar: measured · dashed line: limit")))
        figure.subplots_adjust(hspace=1.1)
        return _svg(figure)


def rga_svg(chart: RgaChart, voice: Voice) -> str:
    """The checked RGA peaks as fractions of the total pressure (log scale), each with its limit."""
    with _style():
        figure = Figure(figsize=(6.5, 3.0))
        axes = figure.add_subplot()
        for peak in chart.peaks:
            color = VERDICT_COLOR[peak.verdict]
            axes.vlines(peak.mz, 1e-9, max(peak.fraction, 1e-9), color=color, linewidth=2)
            axes.plot([peak.mz], [max(peak.fraction, 1e-9)], marker="o", color=color, markersize=4)
            if peak.limit is not None:
                axes.plot([peak.mz], [peak.limit], marker="_", color="#222222", markersize=14, mew=2)
        axes.set_yscale("log")
        values = [p.fraction for p in chart.peaks] + [p.limit for p in chart.peaks if p.limit is not None]
        axes.set_ylim(max(min(values) / 10, 1e-9), 1.5)
        axes.set_xlabel("m/z")
        axes.set_ylabel(voice.plain(_("fraction of total pressure")))
        axes.set_title(voice.plain(_("RGA peaks against their limits (—: limit)")), loc="left", fontsize=9)
        return _svg(figure)


def margins_svg(margins: tuple[MarginBar, ...], voice: Voice) -> str:
    """Margin per requirement, as a percentage of its limit; bars beyond −100 % are cut and labelled."""
    with _style():
        figure = Figure(figsize=(6.5, 0.5 + 0.32 * len(margins)))
        axes = figure.add_subplot()
        shown = [max(m.margin, -1.0) for m in margins]
        ys = range(len(margins))
        axes.barh(list(ys), shown, color=[VERDICT_COLOR[m.verdict] for m in margins], height=0.6)
        for y, bar in zip(ys, margins, strict=True):
            if bar.margin < -1.0:
                axes.text(
                    -0.98, y, voice.percent(bar.margin), va="center", ha="left", color="white", fontsize=7
                )
        axes.axvline(0, color="#222222", linewidth=0.8)
        axes.set_yticks(list(ys), [m.requirement_id for m in margins])
        axes.invert_yaxis()
        axes.set_xlim(-1.05, max(1.05, *(m + 0.05 for m in shown)))
        axes.xaxis.set_major_formatter(_percent(voice))
        axes.set_xlabel(voice.plain(_("margin: (limit − measured) / limit for a maximum")))
        return _svg(figure)


def _percent(voice: Voice) -> Callable[[float, float], str]:
    def fmt(value: float, _position: float) -> str:
        return voice.percent(value)

    return fmt
