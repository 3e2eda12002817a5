"""ISO 14644-1:2015, air cleanliness by particle concentration (ACP): the standard's computations.

What is knowledge lives in the data blocks below (Table 1 applicability, Annex A Table A.1), each with its
clause; what is computation lives in the functions:

- :func:`class_limit`: the class limit Cn = 10^N × (0.1/D)^2.08 per m³, rounded as Table 1 prints it;
- :func:`cell`: whether a (class, size) cell of Table 1 may be used for classification, and why not;
- :func:`min_locations`: Annex A, Table A.1 and formula A.1 (not the √A rule of the 1999 edition);
- :func:`min_sample_volume_l`: A.4.4, V_s = 20 / C_n,m × 1000 L, at least 2 L;
- the profile rules that refuse what the standard does not allow (registered with ``@rule``).

A survey's sampling plan and the best class its data supports are in
:mod:`qualbridge.standards.iso14644_1_survey`; FED-STD-209E names in :mod:`qualbridge.standards.fs209e`.

Comparisons of a measured concentration with a limit use ``≤`` with a relative tolerance of 1e-9 (see
:func:`within`), so that a per-ft³ → per-m³ conversion's rounding noise cannot flip a verdict at the limit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Literal

from qualbridge.errors import InputError, at
from qualbridge.standards.requirements import CleanroomClassRequirement, MacroparticleRequirement
from qualbridge.standards.validation import rule
from qualbridge.text import Text

Occupancy = Literal["as-built", "at-rest", "operational"]
OCCUPANCIES: tuple[Occupancy, ...] = ("as-built", "at-rest", "operational")
OCCUPANCY_TEXT: dict[str, Text] = {
    "as-built": Text.of("as built", "空态"),
    "at-rest": Text.of("at rest", "静态"),
    "operational": Text.of("operational", "动态"),
}

#: 1.1 Scope: cumulative populations with threshold sizes from 0.1 µm to 5 µm.
SCOPE_UM = (0.1, 5.0)
TABLE_1_SIZES_UM = (0.1, 0.2, 0.3, 0.5, 1.0, 5.0)
#: Every class 1 to 9 in the smallest increment the standard allows (4.5: 0.1).
CLASS_STEPS: tuple[float, ...] = tuple(round(1 + i / 10, 1) for i in range(81))
#: A.4.4: the volume in which 20 particles would be counted at the limit; at least 2 L and 1 min.
COUNT_BASIS = 20
MIN_SAMPLE_VOLUME_L = 2.0
MIN_SAMPLE_DURATION_S = 60.0
#: Annex A (reference notes §1.6, recalled from the 1999 text; check against a licensed 2015 copy): a
#: single sampling location needs at least this many samples.
MIN_SAMPLES_SINGLE_LOCATION = 3
RELATIVE_TOLERANCE = 1e-9

# ISO 14644-1:2015 Table 1, where a limit may be used for classification. Grammar: one line per class:
# the class number, optionally followed by class-wide footnote letters; then one cell per size of the
# header. A cell is "." when the limit applies without a footnote, else its footnote letters joined by
# commas. Footnotes c, d and e make a cell not applicable for classification; b and f are advice; g
# restricts the class to the operational state.
_TABLE_1 = """
# class  ≥0.1  ≥0.2  ≥0.3  ≥0.5  ≥1    ≥5 µm
1        b     d     d     d     d     e
2        .     b     b     d     d     e
3        .     .     .     b     d     e
4        .     .     .     .     b     e
5        .     .     .     .     .     d,e,f
6        .     .     .     .     .     .
7        c     c     c     .     .     .
8        c     c     c     .     .     .
9g       c     c     c     .     .     .
"""

NOT_APPLICABLE = frozenset("cde")

FOOTNOTES: dict[str, Text] = {
    "b": Text.of(
        "large sample volumes; sequential sampling (Annex D) may be used",
        "所需采样量大；可采用顺序采样（附录 D）",
    ),
    "c": Text.of(
        "concentrations too high: limits do not apply in this region",
        "浓度过高：该区域不适用限值",
    ),
    "d": Text.of(
        "statistical and sampling limits at low concentrations make classification inappropriate",
        "低浓度下的采样和统计局限使分级不适当",
    ),
    "e": Text.of(
        "sampling losses of particles > 1 µm at low concentrations make classification inappropriate",
        "低浓度下 > 1 µm 粒子的采样损失使该粒径的分级不适当",
    ),
    "f": Text.of(
        "for 5 µm with ISO Class 5 use a macroparticle M descriptor (Annex C, C.7) with at least one "
        "other size",
        "ISO 5 级如需规定 5 µm，应采用宏粒子 M 描述符（附录 C，C.7），并至少与另一粒径同时使用",
    ),
    "g": Text.of("ISO Class 9 applies in the operational state only", "ISO 9 级仅适用于动态"),
}


def _parse_table_1(text: str) -> tuple[dict[tuple[int, float], frozenset[str]], dict[int, frozenset[str]]]:
    cells: dict[tuple[int, float], frozenset[str]] = {}
    class_notes: dict[int, frozenset[str]] = {}
    for line in text.strip().splitlines():
        if line.lstrip().startswith("#"):
            continue
        head, *values = line.split()
        if len(values) != len(TABLE_1_SIZES_UM):
            raise ValueError(f"Table 1 line {line!r}: one cell per size expected")
        digits = head.rstrip("abcdefg")
        n = int(digits)
        class_notes[n] = frozenset(head[len(digits) :])
        for size, value in zip(TABLE_1_SIZES_UM, values, strict=True):
            cells[(n, size)] = frozenset() if value == "." else frozenset(value.split(","))
    return cells, class_notes


_CELLS, _CLASS_NOTES = _parse_table_1(_TABLE_1)


# --- validation of classes and sizes ---------------------------------------------------------------


def check_class(iso_class: float) -> float:
    """``iso_class`` rounded to its 0.1 step; an :class:`InputError` outside 1–9 or off the 0.1 grid."""
    if not math.isfinite(iso_class) or not 1 <= iso_class <= 9:
        raise InputError(f"ISO class {iso_class:g} is outside 1 to 9", expected="an ISO class from 1 to 9")
    if abs(iso_class * 10 - round(iso_class * 10)) > 1e-6:
        raise InputError(
            f"ISO class {iso_class:g} is not on the 0.1 grid of intermediate classes (4.5)",
            expected="a class such as 5 or 5.5",
        )
    return round(iso_class, 1)


def check_size(size_um: float) -> float:
    """``size_um`` if it lies in the scope of ISO 14644-1 (0.1–5 µm); an :class:`InputError` otherwise."""
    lo, hi = SCOPE_UM
    if not math.isfinite(size_um) or not lo - 1e-9 <= size_um <= hi + 1e-9:
        raise InputError(out_of_scope(size_um).en, expected="a size from 0.1 µm to 5 µm")
    return size_um


def out_of_scope(size_um: float) -> Text:
    hint_en = "; for particles > 5 µm use a macroparticle M descriptor (Annex C)" if size_um > 5 else ""
    hint_zh = "；> 5 µm 的粒子请使用宏粒子 M 描述符（附录 C）" if size_um > 5 else ""
    return Text.of(
        f"size {size_um:g} µm is outside the scope of ISO 14644-1 (0.1 µm to 5 µm){hint_en}",
        f"粒径 {size_um:g} µm 超出 ISO 14644-1 的适用范围（0.1 µm 至 5 µm）{hint_zh}",
    )


def in_scope(size_um: float) -> bool:
    lo, hi = SCOPE_UM
    return lo - 1e-9 <= size_um <= hi + 1e-9


def within(measured: float, limit: float) -> bool:
    """``measured ≤ limit``, with a 1e-9 relative tolerance for unit-conversion rounding noise."""
    return measured <= limit * (1 + RELATIVE_TOLERANCE)


def format_class(iso_class: float) -> str:
    return f"{round(iso_class, 1):g}"


def format_concentration(per_m3: float) -> str:
    """A concentration as a report shows it: whole particles with thousands separators from 100 up."""
    return f"{per_m3:,.0f}" if per_m3 >= 100 else f"{per_m3:.3g}"


# --- class limits ----------------------------------------------------------------------------------


def _table_round(raw: float) -> float:
    """Nearest whole number (half up), then at most 3 significant figures: Table 1 as printed."""
    whole = Decimal(repr(raw)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if whole == 0:
        return 0.0
    exponent = whole.adjusted() - 2
    if exponent > 0:
        step = Decimal(1).scaleb(exponent)
        whole = (whole / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    return float(whole)


@lru_cache(maxsize=4096)
def class_limit(iso_class: float, size_um: float) -> float:
    """Cn = 10^N × (0.1/D)^2.08 particles/m³ (≥ D), rounded as ISO 14644-1:2015 Table 1 prints it.

    Intermediate classes (0.1 steps) use the same formula and rounding. The licensed Table E.1 may differ
    by one in the third figure (it may round 10^N first); a profile that quotes it sets ``limits_per_m3``.
    """
    n = check_class(iso_class)
    d = check_size(size_um)
    return _table_round(10**n * (0.1 / d) ** 2.08)


# --- Table 1 applicability -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    """A (class, size) cell of Table 1 and its footnotes.

    Only the integer classes at the six Table 1 sizes are tabulated. Any other cell takes the union of
    the footnotes of its neighbouring tabulated cells (the integer classes either side, the Table 1 sizes
    either side), so it is classifiable only where *all* its neighbours are. Table 1 marks where the
    statistics (d), the sampling losses (e) or the concentrations (c) break down; an intermediate class
    or size lies between its neighbours, so it is trusted only where both ends are. This reproduces the
    one row of Table E.1 in the reference notes (ISO 8.5: c, c, c, then limits), and it is conservative:
    ISO 5.5 at 5 µm is refused because ISO 5 at 5 µm is, and ISO 8.1–8.9 inherit class 9's
    operational-only state. A licensed Table E.1 that says otherwise is a reason to change this data.
    """

    iso_class: float
    size_um: float
    footnotes: frozenset[str]
    neighbour_classes: tuple[int, ...]
    neighbour_sizes: tuple[float, ...]

    @property
    def applicable(self) -> bool:
        return not (self.footnotes & NOT_APPLICABLE)

    def reason(self) -> Text | None:
        """Why the cell is not applicable for classification; None when it is."""
        if self.applicable:
            return None
        marks = sorted(self.footnotes & (NOT_APPLICABLE | {"f"}))
        en = "; ".join(f"footnote {m}: {FOOTNOTES[m].en}" for m in marks)
        zh = "；".join(f"注 {m}：{FOOTNOTES[m].zh}" for m in marks)
        name = f"ISO {format_class(self.iso_class)} at ≥{self.size_um:g} µm"
        name_zh = f"ISO {format_class(self.iso_class)} 级 ≥{self.size_um:g} µm"
        via_en = via_zh = ""
        if len(self.neighbour_classes) > 1 or len(self.neighbour_sizes) > 1:
            classes = "/".join(f"ISO {n}" for n in self.neighbour_classes)
            sizes = "/".join(f"{s:g}" for s in self.neighbour_sizes)
            via_en = (
                f"; between Table 1 cells a class or size is classifiable only where all its neighbours "
                f"({classes} at {sizes} µm) are"
            )
            via_zh = f"；表 1 之间的等级或粒径仅在其所有相邻单元（{classes}，{sizes} µm）均适用时才可分级"
        return Text.of(
            f"{name} is not applicable for classification (Table 1 {en}){via_en}",
            f"{name_zh} 不适用于分级（表 1 {zh}）{via_zh}",
        )


def _neighbour_sizes(size_um: float) -> tuple[float, ...]:
    for s in TABLE_1_SIZES_UM:
        if abs(s - size_um) < 1e-9:
            return (s,)
    below = max(s for s in TABLE_1_SIZES_UM if s < size_um)
    above = min(s for s in TABLE_1_SIZES_UM if s > size_um)
    return below, above


def _neighbour_classes(iso_class: float) -> tuple[int, ...]:
    n = check_class(iso_class)
    lo, hi = math.floor(n + 1e-9), math.ceil(n - 1e-9)
    return (lo,) if lo == hi else (lo, hi)


@lru_cache(maxsize=4096)
def cell(iso_class: float, size_um: float) -> Cell:
    """The Table 1 cell of ``iso_class`` at ``size_um`` (both validated), with its footnotes."""
    classes = _neighbour_classes(iso_class)
    sizes = _neighbour_sizes(check_size(size_um))
    notes = frozenset().union(*(_CELLS[(n, s)] for n in classes for s in sizes))
    return Cell(round(iso_class, 1), size_um, notes, classes, sizes)


def applicable_sizes(iso_class: float) -> tuple[float, ...]:
    """The Table 1 sizes at which ``iso_class`` may be classified."""
    return tuple(s for s in TABLE_1_SIZES_UM if cell(iso_class, s).applicable)


def class_states(iso_class: float) -> tuple[Occupancy, ...]:
    """The occupancy states ``iso_class`` may be designated in (footnote g, neighbours as for a Cell)."""
    restricted = any("g" in _CLASS_NOTES[n] for n in _neighbour_classes(iso_class))
    return ("operational",) if restricted else OCCUPANCIES


def designation(iso_class: float, occupancy: str, sizes: Iterable[float]) -> Text:
    """'ISO Class 5; at rest; 0.3 µm, 0.5 µm' (4.4), in both languages."""
    listed = ", ".join(f"{s:g} µm" for s in sizes)
    state = OCCUPANCY_TEXT[occupancy]
    n = format_class(iso_class)
    return Text.of(f"ISO Class {n}; {state.en}; {listed}", f"ISO {n} 级；{state.zh}；{listed}")


# --- sampling plan (Annex A) -----------------------------------------------------------------------

#: Annex A, Table A.1: (area up to and including, in m²; minimum number of sampling locations N_L).
#: Reference notes §1.5 [M]: the widely reproduced table; row 26 is 636 m² (not 500).
TABLE_A1: tuple[tuple[float, int], ...] = (
    (2, 1), (4, 2), (6, 3), (8, 4), (10, 5), (24, 6), (28, 7), (32, 8), (36, 9),
    (52, 10), (56, 11), (64, 12), (68, 13), (72, 14), (76, 15), (104, 16), (108, 17), (116, 18),
    (148, 19), (156, 20), (192, 21), (232, 22), (276, 23), (352, 24), (436, 25), (636, 26), (1000, 27),
)  # fmt: skip


def min_locations(area_m2: float) -> int:
    """Minimum number of sampling locations for a room or zone of ``area_m2`` (Annex A).

    Table A.1 up to 1000 m² (between two rows, the next larger row); above, formula A.1:
    N_L = 27 × A / 1000, rounded up. Not √A, which was the 1999 rule.
    """
    if not math.isfinite(area_m2) or area_m2 <= 0:
        raise InputError(f"area {area_m2:g} m² is not a positive area", expected="an area in m² above 0")
    for largest, locations in TABLE_A1:
        if area_m2 <= largest:
            return locations
    # Exact arithmetic: 27 × A / 1000 must round up only when it is not already whole.
    return math.ceil(Fraction(27) * Fraction(area_m2) / 1000)


def locations_basis(area_m2: float) -> Text:
    """Which row or formula of Annex A gives the minimum number of locations, for a report."""
    n = min_locations(area_m2)
    if area_m2 > TABLE_A1[-1][0]:
        return Text.of(
            f"formula A.1: 27 × {area_m2:g} / 1000 = {27 * area_m2 / 1000:.4g}, rounded up to {n}",
            f"公式 A.1：27 × {area_m2:g} / 1000 = {27 * area_m2 / 1000:.4g}，向上取整为 {n}",
        )
    largest = next(a for a, loc in TABLE_A1 if loc == n)
    return Text.of(f"Table A.1: area ≤ {largest:g} m² → {n}", f"表 A.1：面积 ≤ {largest:g} m² → {n}")


def sample_volume_for_limit(limit_per_m3: float) -> float:
    """A.4.4: V_s = 20 / C × 1000 litres for a limit C per m³, and at least 2 L."""
    if not limit_per_m3 > 0:
        raise InputError("a limit of 0 particles/m³ cannot be sampled", expected="a limit above 0")
    return max(MIN_SAMPLE_VOLUME_L, COUNT_BASIS / limit_per_m3 * 1000)


def volume_basis(limit_per_m3: float, size_um: float) -> Text:
    """How A.4.4 gives the single-sample volume for a limit at a size, for a report."""
    raw = COUNT_BASIS / limit_per_m3 * 1000
    formula = f"20 / {limit_per_m3:,g} per m³ (≥{size_um:g} µm) × 1000 = {raw:.4g} L"
    if raw < MIN_SAMPLE_VOLUME_L:
        return Text.of(f"A.4.4: {formula}, raised to the 2 L minimum", f"A.4.4：{formula}，取最小值 2 L")
    return Text.of(f"A.4.4: {formula}", f"A.4.4：{formula}")


def min_sample_volume_l(
    iso_class: float, sizes: Iterable[float], *, limits: Mapping[float, float] | None = None
) -> float:
    """Minimum single-sample volume (L) for ``iso_class`` considering ``sizes`` (A.4.4).

    V_s is set by the limit at the largest considered size (``limits`` may give tabulated limits by size).
    A size where the class may not be classified (Table 1 c, d, e; outside 0.1–5 µm) is refused.
    """
    considered = sorted(sizes)
    if not considered:
        raise InputError("no considered particle size", expected="at least one size in µm")
    for size in considered:
        reason = cell(iso_class, size).reason()
        if reason is not None:
            raise InputError(reason.en, at(field="sizes"), expected="a size Table 1 makes applicable")
    largest = considered[-1]
    limit = (limits or {}).get(largest)
    return sample_volume_for_limit(limit if limit is not None else class_limit(iso_class, largest))


def ceil_figures(x: float, figures: int = 3) -> float:
    """``x`` rounded *up* to ``figures`` significant figures: a volume to ask for that surely suffices."""
    d = Decimal(repr(x))
    step = Decimal(1).scaleb(d.adjusted() - figures + 1)
    return float((d / step).to_integral_value(rounding=ROUND_CEILING) * step)


# --- profile rules -----------------------------------------------------------------------------------


def _limit_problems(req: CleanroomClassRequirement) -> list[str]:
    """``limits_per_m3`` must give one limit per considered size, consistent with the class."""
    given: dict[float, float] = {}
    problems: list[str] = []
    for key, value in (req.limits_per_m3 or {}).items():
        try:
            given[float(key)] = value
        except ValueError:
            problems.append(f"limits_per_m3: key {key!r} is not a size in µm")
    for size in req.sizes_um:
        if not any(abs(size - s) < 1e-9 for s in given):
            problems.append(f"limits_per_m3 has no limit for the considered size {size:g} µm")
    for size, value in sorted(given.items()):
        if not any(abs(size - s) < 1e-9 for s in req.sizes_um):
            problems.append(f"limits_per_m3 gives {size:g} µm, which sizes_um does not consider")
        elif in_scope(size):
            problems.extend(_limit_value_problem(req.iso_class, size, value))
    return problems


def _limit_value_problem(iso_class: float, size: float, value: float) -> list[str]:
    expected = class_limit(iso_class, size)
    n = format_class(iso_class)
    if float(iso_class).is_integer():
        if value != expected:
            return [f"limits_per_m3 at {size:g} µm is {value:g}, but Table 1 gives {expected:g} for ISO {n}"]
        return []
    # Table E.1 may round 10^N before applying the formula: allow 1 % (or one particle at small limits).
    if abs(value - expected) > max(0.01 * expected, 1.0):
        return [
            f"limits_per_m3 at {size:g} µm is {value:g}, too far from ISO {n}'s {expected:g} "
            "(the class-limit formula; Table E.1 differs from it by well under 1 %)"
        ]
    return []


@rule("iso14644_1_class")
def _class_rules(req: CleanroomClassRequirement) -> list[str]:
    problems: list[str] = []
    try:
        n = check_class(req.iso_class)
    except InputError as exc:
        return [exc.message]
    for size in req.sizes_um:
        if not in_scope(size):
            problems.append(out_of_scope(size).en)
            continue
        reason = cell(n, size).reason()
        if reason is not None:
            hint = ""
            if "f" in cell(n, size).footnotes:
                hint = "; state 5 µm as a separate requirement of kind iso14644_1_macroparticle"
            problems.append(reason.en + hint)
    if req.occupancy not in class_states(n):
        between = "" if float(n).is_integer() else "; classes between 8 and 9 follow class 9"
        problems.append(
            f"ISO {format_class(n)} cannot be designated {OCCUPANCY_TEXT[req.occupancy].en} "
            f"(Table 1 footnote g: {FOOTNOTES['g'].en}{between})"
        )
    if req.limits_per_m3 is not None:
        problems.extend(_limit_problems(req))
    return problems


@rule("iso14644_1_macroparticle")
def _macroparticle_rules(req: MacroparticleRequirement) -> list[str]:
    problems: list[str] = []
    if req.size_um < SCOPE_UM[1]:
        problems.append(
            f"an M descriptor counts macroparticles ≥ 5 µm, not {req.size_um:g} µm; "
            "smaller sizes belong in an iso14644_1_class requirement"
        )
    if not req.measurement_method.strip():
        problems.append("an M descriptor names its measurement method, e.g. 'LSAPC' (Annex C)")
    return problems
