"""A particle survey against ISO 14644-1:2015: its sampling plan, and the class its data supports.

The survey is anything shaped like :class:`SurveyData` (the ``particle_survey`` evidence model is), so the
standard's logic does not depend on how evidence is stored.

The 2015 acceptance rule (A.6.2) is applied as written: a class is met when, at every considered size, the
average concentration of *every* sampling location is at most the limit. The 95 % UCL test of the 1999
edition is gone. Unrounded averages are compared with the tabulated (rounded) limits using ``≤``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from qualbridge.errors import InputError, at
from qualbridge.standards.iso14644_1 import (
    CLASS_STEPS,
    MIN_SAMPLE_DURATION_S,
    MIN_SAMPLES_SINGLE_LOCATION,
    OCCUPANCIES,
    RELATIVE_TOLERANCE,
    Occupancy,
    ceil_figures,
    cell,
    class_limit,
    class_states,
    designation,
    format_class,
    in_scope,
    locations_basis,
    min_locations,
    out_of_scope,
    sample_volume_for_limit,
    within,
)
from qualbridge.text import Text


class LocationData(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def samples(self) -> int: ...
    @property
    def min_sample_volume_l(self) -> float | None: ...
    @property
    def min_sample_duration_s(self) -> float | None: ...
    @property
    def mean_per_m3(self) -> Sequence[float]: ...


class SurveyData(Protocol):
    """Per-location statistics of a survey, aligned with ``sizes_um`` (cumulative, per m³)."""

    @property
    def sizes_um(self) -> Sequence[float]: ...
    @property
    def locations(self) -> Sequence[LocationData]: ...
    @property
    def occupancy(self) -> Occupancy | None: ...
    @property
    def area_m2(self) -> float | None: ...


def enough(volume_l: float, required_l: float) -> bool:
    return volume_l >= required_l * (1 - RELATIVE_TOLERANCE)


def worst_location(survey: SurveyData, index: int) -> tuple[str, float]:
    """The location with the highest average at size ``sizes_um[index]``; ties to the first listed."""
    top = max(survey.locations, key=lambda loc: loc.mean_per_m3[index])
    return top.name, top.mean_per_m3[index]


# --- sampling plan -----------------------------------------------------------------------------------

IssueCode = Literal["channel", "area_unknown", "locations", "samples", "volume", "duration"]


@dataclass(frozen=True, slots=True)
class PlanIssue:
    """Why a survey's sampling plan cannot support a classification, and what to do about it."""

    code: IssueCode
    message: Text
    action: Text


_AREA_UNKNOWN = PlanIssue(
    "area_unknown",
    Text.of(
        "the area of the room or zone is not stated, so the number of sampling locations cannot be "
        "checked against Annex A (Table A.1)",
        "未注明洁净室或区域的面积，无法按附录 A（表 A.1）核对采样点数量",
    ),
    Text.of(
        "state the area of the room or zone (area_m2) in the survey or the requirement",
        "请在测试数据或要求中注明洁净室或区域的面积（area_m2）",
    ),
)


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _location_issues(survey: SurveyData, area_m2: float | None) -> list[PlanIssue]:
    issues: list[PlanIssue] = []
    have = len(survey.locations)
    if area_m2 is None:
        issues.append(_AREA_UNKNOWN)
    elif have < (needed := min_locations(area_m2)):
        basis = locations_basis(area_m2)
        issues.append(
            PlanIssue(
                "locations",
                Text.of(
                    f"{_counted(have, 'sampling location')}, but the room's {area_m2:g} m² needs {needed} "
                    f"({basis.en})",
                    f"采样点 {have} 个，但 {area_m2:g} m² 的房间需要 {needed} 个（{basis.zh}）",
                ),
                Text.of(
                    f"add {_counted(needed - have, 'sampling location')}: the room's {area_m2:g} m² "
                    f"needs {needed}",
                    f"增加 {needed - have} 个采样点：{area_m2:g} m² 的房间需要 {needed} 个",
                ),
            )
        )
    if have == 1 and (only := survey.locations[0]).samples < MIN_SAMPLES_SINGLE_LOCATION:
        issues.append(
            PlanIssue(
                "samples",
                Text.of(
                    f"a single sampling location ({only.name}) with {_counted(only.samples, 'sample')}; "
                    f"at least {MIN_SAMPLES_SINGLE_LOCATION} are needed there",
                    f"仅一个采样点（{only.name}），采样 {only.samples} 次；该点至少需采样 "
                    f"{MIN_SAMPLES_SINGLE_LOCATION} 次",
                ),
                Text.of(
                    f"take at least {MIN_SAMPLES_SINGLE_LOCATION} samples at {only.name}",
                    f"在 {only.name} 至少采样 {MIN_SAMPLES_SINGLE_LOCATION} 次",
                ),
            )
        )
    return issues


def _volume_issues(survey: SurveyData, required_l: float, basis: Text) -> list[PlanIssue]:
    unknown = [loc.name for loc in survey.locations if loc.min_sample_volume_l is None]
    if unknown:
        # A concentration-only export: the A.4.4 rule cannot be checked, which is itself a gap.
        return [
            PlanIssue(
                "volume",
                Text.of(
                    f"the single-sample volume is not stated (at {', '.join(unknown[:3])}"
                    f"{'…' if len(unknown) > 3 else ''}); A.4.4 needs ≥ {ceil_figures(required_l):g} L",
                    f"未说明单次采样量（{'、'.join(unknown[:3])}{'…' if len(unknown) > 3 else ''}）；"
                    f"A.4.4 要求 ≥ {ceil_figures(required_l):g} L",
                ),
                Text.of(
                    "state the sample volume (a volume column, the export's metadata, or flow rate × "
                    "sample time) or re-export the counts with their volumes",
                    "请注明采样体积（体积列、导出文件元数据或流量 × 采样时间），或重新导出含体积的计数",
                ),
            )
        ]
    volumes = [(loc.min_sample_volume_l, loc.name) for loc in survey.locations]
    smallest_l, where = min((v, n) for v, n in volumes if v is not None)
    if enough(smallest_l, required_l):
        return []
    ask = f"{ceil_figures(required_l):g}"
    return [
        PlanIssue(
            "volume",
            Text.of(
                f"smallest single-sample volume {smallest_l:.3g} L (at {where}) is below the {ask} L "
                f"needed ({basis.en})",
                f"最小单次采样量 {smallest_l:.3g} L（{where}）低于所需的 {ask} L（{basis.zh}）",
            ),
            Text.of(f"re-test with ≥ {ask} L per sample", f"以每次采样 ≥ {ask} L 重新测试"),
        )
    ]


def _duration_issues(survey: SurveyData) -> list[PlanIssue]:
    issues: list[PlanIssue] = []
    durations = [
        (loc.min_sample_duration_s, loc.name)
        for loc in survey.locations
        if loc.min_sample_duration_s is not None
    ]
    if durations and (shortest := min(durations))[0] < MIN_SAMPLE_DURATION_S:
        issues.append(
            PlanIssue(
                "duration",
                Text.of(
                    f"shortest sample lasted {shortest[0]:g} s (at {shortest[1]}); "
                    "A.4.4 needs at least 1 min",
                    f"最短采样时间 {shortest[0]:g} s（{shortest[1]}）；A.4.4 要求至少 1 min",
                ),
                Text.of("re-test with samples of at least 1 min", "以每次至少 1 min 的采样时间重新测试"),
            )
        )
    return issues


def plan_issues(
    survey: SurveyData, *, area_m2: float | None, required_volume_l: float | None, volume_basis: Text
) -> list[PlanIssue]:
    """Where the survey falls short of Annex A: locations (Table A.1), samples, volume, duration.

    ``area_m2`` is the room or zone area to plan for (None: unknown, itself an issue);
    ``required_volume_l`` the single-sample volume V_s (None: not checked) and ``volume_basis`` how it
    was obtained (see :func:`qualbridge.standards.iso14644_1.volume_basis`).
    """
    issues = _location_issues(survey, area_m2)
    if required_volume_l is not None:
        issues.extend(_volume_issues(survey, required_volume_l, volume_basis))
    issues.extend(_duration_issues(survey))
    return issues


# --- classification ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SizeClass:
    """The best class at one size: what the concentrations allow, and what the sample volume allows."""

    size_um: float
    worst_location: str
    worst_mean_per_m3: float
    iso_class: float | None
    limit_per_m3: float | None
    by_concentration: float | None
    note: Text | None = None


@dataclass(frozen=True, slots=True)
class Classification:
    occupancy: Occupancy | None
    sizes: tuple[SizeClass, ...]
    considered_um: tuple[float, ...]
    overall: float | None
    designation: Text | None
    locations: int
    locations_required: int | None
    issues: tuple[PlanIssue, ...]
    note: Text | None = None


def _allowed(iso_class: float, occupancy: Occupancy | None) -> bool:
    states = class_states(iso_class)
    return occupancy in states if occupancy is not None else states == OCCUPANCIES


def _meets(iso_class: float, worst: dict[float, float], volume_l: float | None) -> bool:
    """Every size applicable and met at ``iso_class``; the volume (if given) enough for the largest size."""
    for size, value in worst.items():
        if not cell(iso_class, size).applicable or not within(value, class_limit(iso_class, size)):
            return False
    largest = max(worst)
    return volume_l is None or enough(volume_l, sample_volume_for_limit(class_limit(iso_class, largest)))


def _best(worst: dict[float, float], occupancy: Occupancy | None, volume_l: float | None) -> float | None:
    return next((n for n in CLASS_STEPS if _allowed(n, occupancy) and _meets(n, worst, volume_l)), None)


def _size_class(
    survey: SurveyData, index: int, occupancy: Occupancy | None, volume_l: float | None
) -> SizeClass:
    size = survey.sizes_um[index]
    name, value = worst_location(survey, index)
    if not in_scope(size):
        return SizeClass(size, name, value, None, None, None, out_of_scope(size))
    by_conc = _best({size: value}, occupancy, None)
    best = _best({size: value}, occupancy, volume_l)
    note: Text | None = None
    if by_conc is None:
        note = Text.of(
            f"{name}'s {value:,.0f}/m³ exceeds every class this occupancy state allows at ≥{size:g} µm",
            f"{name} 的 {value:,.0f}/m³ 超过该占用状态下 ≥{size:g} µm 允许的所有等级",
        )
    elif best != by_conc:
        supported = f"ISO {format_class(best)}" if best is not None else "no class"
        note = Text.of(
            f"the concentrations meet ISO {format_class(by_conc)}, but {volume_l:.3g} L samples support "
            f"only {supported} (A.4.4)",
            f"浓度满足 ISO {format_class(by_conc)} 级，但 {volume_l:.3g} L 的采样量仅支持 "
            f"{supported.replace('no class', '无等级')}（A.4.4）",
        )
    limit = class_limit(best, size) if best is not None else None
    return SizeClass(size, name, value, best, limit, by_conc, note)


def _channels(survey: SurveyData, sizes: Sequence[float] | None) -> list[int]:
    """Indexes of the survey channels to classify: all of them, or those of ``sizes``."""
    if sizes is None:
        return list(range(len(survey.sizes_um)))
    indexes: list[int] = []
    for size in sizes:
        index = next((i for i, s in enumerate(survey.sizes_um) if abs(s - size) < 1e-6), None)
        if index is None:
            channels = ", ".join(f"{s:g}" for s in survey.sizes_um)
            raise InputError(
                f"the survey has no ≥{size:g} µm channel", at(field="sizes"), expected=f"one of {channels} µm"
            )
        indexes.append(index)
    return sorted(set(indexes))


def _no_class_note(considered: Sequence[float]) -> Text:
    if len(considered) == 1:
        size = f"≥{considered[0]:g} µm"
        return Text.of(
            f"no class from ISO 1 to 9 allowed in this occupancy state is met at {size} (Table 1, limits "
            "and sample volume)",
            f"在 {size} 不满足该占用状态允许的任何 ISO 1 至 9 级（表 1、限值与采样量）",
        )
    listed = ", ".join(f"{s:g}" for s in considered)
    return Text.of(
        f"no class from ISO 1 to 9 is met at {listed} µm together (Table 1 applicability, limits and "
        "sample volume); see the class at each size, or consider fewer sizes",
        f"不存在在 {listed} µm 同时满足的等级（表 1 适用性、限值与采样量）；请参看各粒径的等级，"
        "或减少所考虑的粒径",
    )


def classify(
    survey: SurveyData,
    *,
    occupancy: Occupancy | None = None,
    area_m2: float | None = None,
    sizes: Sequence[float] | None = None,
) -> Classification:
    """The best (lowest, 0.1-step) class the survey supports, per size and for all in-scope sizes together.

    A class is supported at a size when it may be classified there (Table 1), is allowed in the occupancy
    state (class 9: operational only), every location's average is at most its limit (A.6.2), and the
    smallest single-sample volume is at least V_s for it (A.4.4). ``occupancy`` and ``area_m2`` default
    to the survey's own; ``sizes`` restricts the considered sizes to some of the survey's channels. The
    sampling-location count does not depend on the class: a shortfall is reported in ``issues``, not
    folded into the class.
    """
    state = occupancy or survey.occupancy
    area = area_m2 if area_m2 is not None else survey.area_m2
    known = [loc.min_sample_volume_l for loc in survey.locations]
    # Without every volume the class rests on the concentrations alone; plan_issues names the gap.
    volume = None if None in known else min(v for v in known if v is not None)
    per_size = tuple(_size_class(survey, i, state, volume) for i in _channels(survey, sizes))
    worst = {s.size_um: s.worst_mean_per_m3 for s in per_size if in_scope(s.size_um)}
    considered = tuple(worst)
    overall = _best(worst, state, volume) if worst else None
    issues = [*_location_issues(survey, area), *_duration_issues(survey)]
    note: Text | None = None
    if not considered:
        note = Text.of("no channel between 0.1 µm and 5 µm", "没有 0.1 µm 至 5 µm 之间的通道")
    elif overall is None:
        note = _no_class_note(considered)
    return Classification(
        occupancy=state,
        sizes=per_size,
        considered_um=considered,
        overall=overall,
        designation=designation(overall, state, considered) if overall is not None and state else None,
        locations=len(survey.locations),
        locations_required=min_locations(area) if area is not None else None,
        issues=tuple(issues),
        note=note,
    )
