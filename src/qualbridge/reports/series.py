"""What the report's charts show, read from an evaluation's results: pure data, no drawing.

A chart is drawn only when the evaluation holds its data, and every number comes from the results
themselves. Where the results carry a value in a label or a message rather than a field, the patterns
below read the exact text the checks write (``evaluation/checks``); a result that does not match is left
out of the chart (and stays in the tables), never guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qualbridge.errors import InputError
from qualbridge.evaluation.result import Evaluation, LimitType, RequirementResult, Verdict
from qualbridge.standards.iso8573_1 import CONTAMINANTS, Contaminant, parse_designation, rank
from qualbridge.standards.requirements import ClassSymbol
from qualbridge.text import Text

#: The particle check's cell label: ``"<location> @ ≥<size> µm"`` (checks/particles.py).
_PARTICLE_CELL = re.compile(r"^(?P<location>.+) @ ≥(?P<size>\d+(?:\.\d+)?) µm$")
#: The purity check's message: ``"measured purity [P:W:O] meets|against ISO 8573-1:2010 [P:W:O]"``.
_PURITY = re.compile(
    r"^measured purity (?P<measured>\[[^\]]+\]) (?:meets|against) \S+ \S+ (?P<required>\[[^\]]+\])"
)
#: An RGA detail names its mass-to-charge ratio: ``"m/z 39 C₃H₃"``, ``"O₂ (m/z 32) fraction …"``.
_MZ = re.compile(r"m/z (?P<mz>\d+)")

PARTICLE_KINDS = frozenset({"iso14644_1_class", "iso14644_1_macroparticle"})
VACUUM_KINDS = ("helium_leak_rate", "rate_of_rise", "base_pressure", "outgassing_rate")
RGA_KINDS = frozenset({"rga_peaks", "rga_mass_range", "rga_air_leak"})


@dataclass(frozen=True, slots=True)
class ParticlePoint:
    location: str
    value: float
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class ParticleSize:
    size_um: float
    limit: float
    points: tuple[ParticlePoint, ...]


@dataclass(frozen=True, slots=True)
class ParticleChart:
    """Location averages per considered size against the class limit (particles/m³)."""

    requirement_id: str
    title: Text
    unit: str
    sizes: tuple[ParticleSize, ...]


@dataclass(frozen=True, slots=True)
class PurityClass:
    contaminant: Contaminant
    required: ClassSymbol
    measured: ClassSymbol | None


@dataclass(frozen=True, slots=True)
class PurityChart:
    """The ISO 8573-1 class required and measured per contaminant (lower is cleaner)."""

    requirement_id: str
    title: Text
    classes: tuple[PurityClass, ...]


@dataclass(frozen=True, slots=True)
class LimitBar:
    requirement_id: str
    title: Text
    kind: str
    measured: float
    limit: float
    unit: str
    limit_type: LimitType
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class RgaPeak:
    mz: int
    label: str
    fraction: float
    limit: float | None
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class RgaChart:
    """Checked peaks of the RGA scan as fractions of the total pressure, against their limits."""

    peaks: tuple[RgaPeak, ...]


@dataclass(frozen=True, slots=True)
class MarginBar:
    requirement_id: str
    margin: float
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class ChartData:
    particles: tuple[ParticleChart, ...]
    purity: tuple[PurityChart, ...]
    vacuum: tuple[LimitBar, ...]
    rga: RgaChart | None
    margins: tuple[MarginBar, ...]

    def empty(self) -> bool:
        return not (self.particles or self.purity or self.vacuum or self.rga or self.margins)


def particle_chart(result: RequirementResult) -> ParticleChart | None:
    by_size: dict[float, tuple[float, list[ParticlePoint]]] = {}
    unit = ""
    for detail in result.details:
        match = _PARTICLE_CELL.match(detail.label)
        if match is None or detail.measured is None or detail.limit is None:
            continue
        unit = detail.measured.unit
        _limit, points = by_size.setdefault(float(match["size"]), (detail.limit.value, []))
        points.append(ParticlePoint(match["location"], detail.measured.value, detail.verdict))
    if not by_size:
        return None
    sizes = tuple(
        ParticleSize(size, limit, tuple(points)) for size, (limit, points) in sorted(by_size.items())
    )
    return ParticleChart(result.requirement_id, result.title, unit, sizes)


def purity_chart(result: RequirementResult) -> PurityChart | None:
    match = _PURITY.match(result.message.en)
    if match is None:
        return None
    try:
        measured, required = parse_designation(match["measured"]), parse_designation(match["required"])
    except InputError:
        return None
    classes = tuple(
        PurityClass(c, symbol, measured.of(c)) for c in CONTAMINANTS if (symbol := required.of(c)) is not None
    )
    return PurityChart(result.requirement_id, result.title, classes)


def class_rank(symbol: ClassSymbol | None) -> float:
    """Position on a class axis: 0 … 9, X as 10, not determined as 11."""
    value = rank(symbol)
    return 11.0 if value == float("inf") else value


def limit_bar(result: RequirementResult) -> LimitBar | None:
    if (
        result.measured is None
        or result.limit is None
        or not result.measured.convertible_to(result.limit.unit)
    ):
        return None
    return LimitBar(
        result.requirement_id,
        result.title,
        result.kind,
        result.measured.to(result.limit.unit),
        result.limit.value,
        result.limit.unit,
        result.limit_type,
        result.verdict,
    )


def rga_chart(results: list[RequirementResult]) -> RgaChart | None:
    peaks: dict[int, RgaPeak] = {}
    for result in results:
        for detail in result.details:
            match = _MZ.search(detail.label)
            if match is None or detail.measured is None:
                continue
            mz = int(match["mz"])
            limit = detail.limit.value if detail.limit is not None else None
            peak = RgaPeak(mz, detail.label, detail.measured.value, limit, detail.verdict)
            # One point per mass: the tightest limit checked at it.
            known = peaks.get(mz)
            if known is None or (limit is not None and (known.limit is None or limit < known.limit)):
                peaks[mz] = peak
    return RgaChart(tuple(peaks[m] for m in sorted(peaks))) if peaks else None


def chart_data(evaluation: Evaluation) -> ChartData:
    results = evaluation.results
    particles = [p for r in results if r.kind in PARTICLE_KINDS and (p := particle_chart(r))]
    purity = [c for r in results if r.kind == "iso8573_1_purity" and (c := purity_chart(r))]
    vacuum = [b for r in results if r.kind in VACUUM_KINDS and (b := limit_bar(r))]
    rga = rga_chart([r for r in results if r.kind in RGA_KINDS])
    margins = [MarginBar(r.requirement_id, r.margin, r.verdict) for r in results if r.margin is not None]
    return ChartData(tuple(particles), tuple(purity), tuple(vacuum), rga, tuple(margins))
