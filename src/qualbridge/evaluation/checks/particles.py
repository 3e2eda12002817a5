"""Airborne particles, ISO 14644-1:2015: a class at its considered sizes, and the macroparticle M descriptor.

A survey decides a requirement only when it is of the requirement's occupancy state, has a channel for
every considered size, and follows Annex A (locations per Table A.1, ≥ 3 samples at a single location,
single-sample volume ≥ V_s of A.4.4 and ≥ 2 L, ≥ 1 min). Otherwise it is ``inconclusive``, with the
concrete step that closes the gap — except that a measured exceedance always ``fail``s: a location
average above the limit is a finding that a larger plan cannot undo.

Acceptance is A.6.2 (2015): at each considered size, every location's average ≤ the limit; no 95 % UCL.
The unrounded average is compared with the tabulated (rounded) limit, inclusive.

An M descriptor (Annex C) is judged the same way at its one size. Its single-sample volume applies the
20-particle basis of A.4.4 to the M limit: an engine rule, so that a zero count in a tiny sample is not
mistaken for a pass (20 / 29 per m³ → 690 L per sample for ISO M (29; ≥5 µm)).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qualbridge.evaluation.checks._common import result
from qualbridge.evaluation.registry import Context, check, latest
from qualbridge.evaluation.result import Detail, RequirementResult, Verdict, margin_for
from qualbridge.evidence.models import ParticleSurvey
from qualbridge.measure import Measure
from qualbridge.standards.iso14644_1 import (
    OCCUPANCY_TEXT,
    Occupancy,
    class_limit,
    format_class,
    format_concentration,
    sample_volume_for_limit,
    volume_basis,
    within,
)
from qualbridge.standards.iso14644_1_survey import PlanIssue, plan_issues
from qualbridge.standards.requirements import CleanroomClassRequirement, MacroparticleRequirement
from qualbridge.text import Text

UNIT = "particles/m³"
COMPARISON = Text.of(
    "Unrounded location averages are compared with the tabulated limits using ≤ (A.6.2).",
    "各采样点未经修约的平均浓度与表列限值按 ≤ 比较（A.6.2）。",
)


@dataclass(frozen=True, slots=True)
class _Target:
    """What one requirement asks of a survey, whichever kind it is."""

    name: Text
    occupancy: Occupancy
    sizes: tuple[float, ...]
    limits: tuple[float, ...]
    area_m2: float | None
    required_volume_l: float
    volume_basis: Text


def _class_target(req: CleanroomClassRequirement) -> _Target:
    # Tabulated limits from the profile (e.g. Table E.1) win over the formula; the profile rules have
    # already checked that they match the sizes and the class.
    given = {float(k): v for k, v in (req.limits_per_m3 or {}).items()}
    limits = tuple(
        next((v for s, v in given.items() if abs(s - size) < 1e-9), class_limit(req.iso_class, size))
        for size in req.sizes_um
    )
    n = format_class(req.iso_class)
    state = OCCUPANCY_TEXT[req.occupancy]
    return _Target(
        name=Text.of(f"ISO Class {n} ({state.en})", f"ISO {n} 级（{state.zh}）"),
        occupancy=req.occupancy,
        sizes=tuple(req.sizes_um),
        limits=limits,
        area_m2=req.area_m2,
        required_volume_l=sample_volume_for_limit(limits[-1]),
        volume_basis=volume_basis(limits[-1], req.sizes_um[-1]),
    )


def _macro_target(req: MacroparticleRequirement) -> _Target:
    descriptor = f"ISO M ({req.max_per_m3:g}; ≥{req.size_um:g} µm); {req.measurement_method}"
    state = OCCUPANCY_TEXT[req.occupancy]
    basis = volume_basis(req.max_per_m3, req.size_um)
    return _Target(
        name=Text.of(f"{descriptor} ({state.en})", f"{descriptor}（{state.zh}）"),
        occupancy=req.occupancy,
        sizes=(req.size_um,),
        limits=(req.max_per_m3,),
        area_m2=None,
        required_volume_l=sample_volume_for_limit(req.max_per_m3),
        volume_basis=Text.of(basis.en + ", applied to the M limit", basis.zh + "，用于 M 限值"),
    )


def _channel(survey: ParticleSurvey, size: float) -> int | None:
    return next((i for i, s in enumerate(survey.sizes_um) if abs(s - size) < 1e-6), None)


@dataclass(frozen=True, slots=True)
class _Cell:
    location: str
    size_um: float
    detail: Detail


def _cells(target: _Target, survey: ParticleSurvey) -> tuple[list[_Cell], list[float]]:
    """One cell per location × considered size; and the sizes the survey has no channel for."""
    cells: list[_Cell] = []
    missing: list[float] = []
    for size, limit in zip(target.sizes, target.limits, strict=True):
        index = _channel(survey, size)
        if index is None:
            missing.append(size)
        for loc in survey.locations:
            label = f"{loc.name} @ ≥{size:g} µm"
            if index is None:
                note = Text.of(f"the survey has no ≥{size:g} µm channel", f"测试数据没有 ≥{size:g} µm 通道")
                cells.append(_Cell(loc.name, size, Detail(label=label, verdict="missing", note=note)))
                continue
            mean, top = loc.mean_per_m3[index], loc.max_per_m3[index]
            samples = f"{loc.samples} sample{'s' if loc.samples != 1 else ''}"
            detail = Detail(
                label=label,
                verdict="pass" if within(mean, limit) else "fail",
                measured=Measure(value=mean, unit=UNIT),
                limit=Measure(value=limit, unit=UNIT),
                margin=margin_for(mean, limit),
                note=Text.of(
                    f"{samples}, highest single sample {format_concentration(top)}/m³",
                    f"采样 {loc.samples} 次，单次最高 {format_concentration(top)}/m³",
                ),
            )
            cells.append(_Cell(loc.name, size, detail))
    return cells, missing


def _missing_channel_issue(missing: list[float]) -> PlanIssue:
    en = ", ".join(f"≥{s:g} µm" for s in missing)
    zh = "、".join(f"≥{s:g} µm" for s in missing)
    return PlanIssue(
        "channel",
        Text.of(f"the survey has no channel for {en}", f"测试数据缺少 {zh} 通道"),
        Text.of(
            f"re-test with the particle counter's {en} channel (cumulative) recorded",
            f"请记录粒子计数器的 {zh} 通道（累计）后重新测试",
        ),
    )


def _join(texts: Sequence[Text]) -> Text:
    return Text.of("; ".join(t.en for t in texts), "；".join(t.zh for t in texts))


def _worst(cells: Sequence[_Cell]) -> Detail | None:
    """The measured cell with the smallest margin: the one closest to (or furthest above) its limit."""
    measured = [c.detail for c in cells if c.detail.margin is not None]
    return min(measured, key=lambda d: d.margin or 0.0) if measured else None


def _remediation(failed: Sequence[_Cell]) -> Text:
    by_location: dict[str, list[str]] = {}
    for c in failed:
        by_location.setdefault(c.location, []).append(f"≥{c.size_um:g} µm")
    en = ", ".join(f"{loc} ({', '.join(sizes)})" for loc, sizes in by_location.items())
    zh = "、".join(f"{loc}（{'、'.join(sizes)}）" for loc, sizes in by_location.items())
    return Text.of(
        f"find and remedy the cause at {en}, then re-test those locations and the locations around them "
        "(A.6.2.2); if an instrument or procedure error caused it, document it and repeat the test",
        f"查明并消除 {zh} 超限的原因，然后对这些采样点及其周边采样点重新测试（A.6.2.2）；"
        "如因仪器或操作失误所致，应记录原因并重新测试",
    )


def _worst_text(worst: Detail | None) -> Text:
    if worst is None or worst.measured is None or worst.limit is None:
        return Text.of("no considered size measured", "未测量任何所考虑的粒径")
    relation = ">" if worst.verdict == "fail" else "≤"
    measured, limit = format_concentration(worst.measured.value), format_concentration(worst.limit.value)
    values = f"{measured} {relation} {limit}/m³"
    return Text.of(f"worst: {worst.label}, {values}", f"最差：{worst.label}，{values}")


def _verdict_text(
    target: _Target, cells: Sequence[_Cell], issues: Sequence[PlanIssue]
) -> tuple[Verdict, Text, Text | None]:
    """The verdict, its message and the action that closes the gap (None for a pass)."""
    failed = [c for c in cells if c.detail.verdict == "fail"]
    worst = _worst_text(_worst(cells))
    plan = _join([i.message for i in issues]) if issues else None
    if failed:
        count = len({c.location for c in failed})
        message = Text.of(
            f"{target.name.en} not met: {count} location(s) above the limit ({worst.en}).",
            f"未达到{target.name.zh}：{count} 个采样点超限（{worst.zh}）。",
        )
        if plan is not None:
            message = message + Text.of(f"Also: {plan.en}.", f"另外：{plan.zh}。")
        action = _join([_remediation(failed), *(i.action for i in issues)])
        return "fail", message + COMPARISON, action
    if plan is not None:
        message = Text.of(
            f"{target.name.en} cannot be decided: {plan.en}.", f"无法判定{target.name.zh}：{plan.zh}。"
        )
        return "inconclusive", message, _join([i.action for i in issues])
    sizes = ", ".join(f"{s:g}" for s in target.sizes)
    message = Text.of(
        f"{target.name.en} met: every location's average ≤ the limit at {sizes} µm ({worst.en}).",
        f"达到{target.name.zh}：在 {sizes} µm 各采样点的平均浓度均不超过限值（{worst.zh}）。",
    )
    return "pass", message + COMPARISON, None


def _decide(
    req: CleanroomClassRequirement | MacroparticleRequirement,
    target: _Target,
    candidates: Sequence[ParticleSurvey],
) -> RequirementResult:
    same_state = [s for s in candidates if s.occupancy == target.occupancy]
    if not same_state:
        return _wrong_state(req, target, candidates)
    survey = latest(same_state)
    assert isinstance(survey, ParticleSurvey)
    cells, missing = _cells(target, survey)
    area = target.area_m2 if target.area_m2 is not None else survey.area_m2
    issues = plan_issues(
        survey, area_m2=area, required_volume_l=target.required_volume_l, volume_basis=target.volume_basis
    )
    if missing:
        issues.insert(0, _missing_channel_issue(missing))
    verdict, message, action = _verdict_text(target, cells, issues)
    worst = _worst(cells)
    return result(
        req,
        verdict=verdict,
        message=message,
        action=action,
        evidence=[survey],
        measured=worst.measured if worst else None,
        limit=worst.limit if worst else None,
        details=[c.detail for c in cells],
    )


def _wrong_state(
    req: CleanroomClassRequirement | MacroparticleRequirement,
    target: _Target,
    candidates: Sequence[ParticleSurvey],
) -> RequirementResult:
    wanted = OCCUPANCY_TEXT[target.occupancy]
    found_en = ", ".join(
        sorted({OCCUPANCY_TEXT[s.occupancy].en if s.occupancy else "not stated" for s in candidates})
    )
    found_zh = "、".join(
        sorted({OCCUPANCY_TEXT[s.occupancy].zh if s.occupancy else "未注明" for s in candidates})
    )
    return result(
        req,
        verdict="inconclusive",
        evidence=candidates,
        message=Text.of(
            f"{target.name.en} needs a survey in the {wanted.en} state; the particle surveys given are: "
            f"{found_en}",
            f"{target.name.zh}需要{wanted.zh}下的测试数据；所提供测试数据的占用状态为：{found_zh}",
        ),
        action=Text.of(
            f"survey the room in the {wanted.en} state (occupancy: {target.occupancy}); a survey in another "
            "occupancy state, or one that does not state its state, does not show this one",
            f"请在{wanted.zh}下测试（occupancy: {target.occupancy}）；其他占用状态或未注明状态的"
            "测试数据不能代表该状态",
        ),
    )


@check(
    "iso14644_1_class",
    evidence=("particle_survey",),
    missing_action=(
        "survey the airborne particle concentration per ISO 14644-1:2015 Annex A",
        "请按 ISO 14644-1:2015 附录 A 测试悬浮粒子浓度",
    ),
)
def check_class(
    req: CleanroomClassRequirement, candidates: Sequence[ParticleSurvey], ctx: Context
) -> RequirementResult:
    return _decide(req, _class_target(req), candidates)


@check(
    "iso14644_1_macroparticle",
    evidence=("particle_survey",),
    missing_action=(
        "survey the macroparticle concentration per ISO 14644-1:2015 Annex C",
        "请按 ISO 14644-1:2015 附录 C 测试宏粒子浓度",
    ),
)
def check_macroparticle(
    req: MacroparticleRequirement, candidates: Sequence[ParticleSurvey], ctx: Context
) -> RequirementResult:
    return _decide(req, _macro_target(req), candidates)
