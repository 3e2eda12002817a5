"""Vacuum checks: helium leak rate, rate of rise, base pressure, outgassing rate (RGA: :mod:`.rga`).

Every limit comes from the profile (reference notes §4.3: no public numeric acceptance values exist).
The computations live in :mod:`qualbridge.standards.vacuum`; these checks decide and explain.
"""

from __future__ import annotations

from collections.abc import Sequence

from qualbridge.evaluation.checks._common import at_most, at_most_result, fmt, latest_of, result
from qualbridge.evaluation.registry import Context, check
from qualbridge.evaluation.result import Detail, RequirementResult, Verdict, margin_for
from qualbridge.evidence.models import (
    BasePressureTest,
    HeliumLeakTest,
    OutgassingTest,
    RateOfRiseTest,
)
from qualbridge.measure import Measure
from qualbridge.standards import vacuum as vac
from qualbridge.standards.requirements import (
    BasePressureRequirement,
    HeliumLeakRequirement,
    OutgassingRateRequirement,
    RateOfRiseRequirement,
)
from qualbridge.text import Text


def _q(m: Measure) -> str:
    return f"{fmt(m.value)} {m.unit}"


def _named_max(
    req: BasePressureRequirement | OutgassingRateRequirement,
    test: BasePressureTest | OutgassingTest,
    measured: Measure,
    limit: Measure,
    *,
    name: tuple[str, str],
    remedy: Text,
) -> RequirementResult:
    """'base pressure 2e-07 mbar ≤ 5e-07 mbar' passes; with '>' it fails and ``remedy`` closes the gap."""

    def message(passed: bool) -> Text:
        sign = "≤" if passed else ">"
        return Text.of(
            f"{name[0]} {_q(measured)} {sign} {_q(limit)}", f"{name[1]} {_q(measured)} {sign} {_q(limit)}"
        )

    return at_most_result(req, test, measured, limit, message=message, action=remedy)


# --- helium leak rate --------------------------------------------------------------------------------


@check(
    "helium_leak_rate",
    evidence=("helium_leak_test",),
    missing_action=(
        "perform a helium mass-spectrometer leak test and provide the detector report",
        "请进行氦质谱检漏并提供检漏仪报告",
    ),
)
def check_helium_leak(
    req: HeliumLeakRequirement, candidates: Sequence[HeliumLeakTest], ctx: Context
) -> RequirementResult:
    modes = req.accepted_modes
    usable = [t for t in candidates if modes is None or t.mode in modes]
    if not usable:
        return _mode_not_accepted(req, candidates)
    test = latest_of(usable, HeliumLeakTest)
    limit = req.max_leak_rate
    state = _state_mismatch(req.test_state, test.test_state)
    if state is not None:
        return result(
            req, verdict="inconclusive", evidence=[test], limit=limit, message=state[0], action=state[1]
        )
    measured = Measure(value=vac.leak_rate_in(test.leak_rate, limit.unit), unit=limit.unit)
    if test.background is not None and not at_most(
        vac.leak_rate_in(test.background, limit.unit), limit.value
    ):
        return _background_too_high(req, test, limit)
    if test.below_detection_limit:
        return _censored_leak(req, test, measured, limit)
    return _measured_leak(req, test, measured, limit)


def _mode_not_accepted(req: HeliumLeakRequirement, candidates: Sequence[HeliumLeakTest]) -> RequirementResult:
    accepted = ", ".join(req.accepted_modes or ())
    tested = ", ".join(sorted({t.mode for t in candidates}))
    return result(
        req,
        verdict="inconclusive",
        evidence=candidates,
        limit=req.max_leak_rate,
        message=Text.of(
            f"leak test in {tested} mode, which the profile does not accept (accepted: {accepted})",
            f"检漏模式为 {tested}，规范不接受（可接受：{accepted}）",
        ),
        action=Text.of(
            f"re-test in an accepted mode ({accepted})", f"请以可接受的模式（{accepted}）重新检漏"
        ),
    )


def _measured_leak(
    req: HeliumLeakRequirement, test: HeliumLeakTest, measured: Measure, limit: Measure
) -> RequirementResult:
    air = vac.helium_to_gas(measured, "air")

    def message(passed: bool) -> Text:
        en, zh = ("≤", "≤") if passed else ("exceeds", "超过")
        return Text.of(
            f"helium leak rate {_q(measured)} {en} {_q(limit)} ({test.mode}); ≈ {_q(air)} air",
            f"氦漏率 {_q(measured)} {zh} {_q(limit)}（{test.mode}）；约合空气 {_q(air)}",
        )

    return at_most_result(
        req,
        test,
        measured,
        limit,
        message=message,
        action=Text.of(
            "locate the leak by helium spraying seals, welds and feedthroughs one at a time, repair it, "
            f"and re-test to ≤ {_q(limit)}",
            f"逐一对密封面、焊缝和馈通件喷氦定位漏点，修复后重新检漏至 ≤ {_q(limit)}",
        ),
    )


def _state_mismatch(required: str | None, stated: str | None) -> tuple[Text, Text] | None:
    def norm(s: str) -> str:
        return " ".join(s.casefold().split())

    if required is None or (stated is not None and norm(stated) == norm(required)):
        return None
    shown = stated or "not stated"
    return (
        Text.of(
            f"test state {shown!r} is not the profile's {required!r}",
            f"测试状态 {stated or '未注明'!r} 与规范要求的 {required!r} 不符",
        ),
        Text.of(
            f"re-test in the state {required!r} and state it in the report",
            f"请在 {required!r} 状态下重新检漏并在报告中注明",
        ),
    )


def _background_too_high(
    req: HeliumLeakRequirement, test: HeliumLeakTest, limit: Measure
) -> RequirementResult:
    assert test.background is not None
    bg = Measure(value=vac.leak_rate_in(test.background, limit.unit), unit=limit.unit)
    return result(
        req,
        verdict="inconclusive",
        evidence=[test],
        limit=limit,
        message=Text.of(
            f"helium background {_q(bg)} is above the limit {_q(limit)}: a leak at the limit cannot be seen",
            f"氦本底 {_q(bg)} 高于限值 {_q(limit)}：无法分辨限值水平的漏点",
        ),
        action=Text.of(
            f"lower the helium background below {_q(limit)} (pump longer, purge the test area of helium) "
            "and re-test",
            f"将氦本底降至 {_q(limit)} 以下（延长抽气、清除测试区域残留氦气）后重新检漏",
        ),
    )


def _censored_leak(
    req: HeliumLeakRequirement, test: HeliumLeakTest, bound: Measure, limit: Measure
) -> RequirementResult:
    if at_most(bound.value, limit.value):
        return result(
            req,
            verdict="pass",
            evidence=[test],
            measured=bound,
            limit=limit,
            message=Text.of(
                f"no leak detected: < {_q(bound)}, within {_q(limit)} ({test.mode})",
                f"未检出漏点：< {_q(bound)}，在 {_q(limit)} 以内（{test.mode}）",
            ),
        )
    return result(
        req,
        verdict="inconclusive",
        evidence=[test],
        measured=bound,
        limit=limit,
        margin=margin_for(bound.value, limit.value),
        message=Text.of(
            f"no leak detected, but only down to {_q(bound)}, above the limit {_q(limit)}: the detector's "
            "sensitivity is insufficient",
            f"未检出漏点，但检测下限仅为 {_q(bound)}，高于限值 {_q(limit)}：检漏仪灵敏度不足",
        ),
        action=Text.of(
            f"re-test with a detector/mode reaching ≤ {_q(limit)} (e.g. vacuum mode with hood or spray "
            "instead of sniffer)",
            f"请使用检测下限 ≤ {_q(limit)} 的检漏仪或模式重新检漏（例如以真空法罩盒或喷吹代替吸枪）",
        ),
    )


# --- rate of rise ------------------------------------------------------------------------------------

_SHAPE_ADVICE: dict[vac.RiseKind, Text] = {
    "linear": Text.of(
        "linear rise: a real leak is the likely gas source — helium leak-test the chamber",
        "线性上升：很可能存在真实漏点——请对腔体进行氦检漏",
    ),
    "saturating": Text.of(
        "saturating rise: outgassing or a virtual leak dominates — bake out or pump longer, and vent "
        "trapped volumes (blind tapped holes, unvented screws)",
        "饱和型上升：以放气或虚漏为主——请烘烤或延长抽气，并排除封闭空腔（盲孔、无排气槽螺钉）",
    ),
    "accelerating": Text.of(
        "accelerating rise: the gauge had not settled or trapped gas burst out — repeat the test after "
        "the gauge has stabilised",
        "加速上升：规管未稳定或封闭气体突然释放——请在规管稳定后重复测试",
    ),
    "undetermined": Text.of(
        "curve shape undetermined: record at least 6 increasing time points over the rise",
        "曲线形状无法判断：请在升压过程中记录至少 6 个时间递增的点",
    ),
}


@check(
    "rate_of_rise",
    evidence=("rate_of_rise_test",),
    missing_action=(
        "perform a rate-of-rise test (isolate the chamber, log p(t)) and provide the log and chamber volume",
        "请进行升压率测试（隔离腔体并记录 p(t)），提供记录及腔体容积",
    ),
)
def check_rate_of_rise(
    req: RateOfRiseRequirement, candidates: Sequence[RateOfRiseTest], ctx: Context
) -> RequirementResult:
    test = latest_of(candidates, RateOfRiseTest)
    limit = req.max_gas_load
    rise = vac.pressure_rise(test.p_start, test.p_end)
    if rise.value <= 0:
        return result(
            req,
            verdict="inconclusive",
            evidence=[test],
            limit=limit,
            message=Text.of(
                f"the pressure did not rise ({_q(test.p_start)} → {_q(test.p_end)}): the chamber was not "
                "isolated or the gauge cannot resolve the rise",
                f"压力未上升（{_q(test.p_start)} → {_q(test.p_end)}）：腔体未隔离或规管分辨率不足",
            ),
            action=Text.of(
                "close the isolation valve, use a gauge that resolves the rise, and repeat over a longer "
                "interval",
                "请关闭隔离阀，使用可分辨升压的规管，并延长测试时间后重复",
            ),
        )
    q = vac.gas_load(test.volume, rise, test.duration, unit=limit.unit)
    shape, detail = _shape_detail(test, limit, verdict="pass" if at_most(q.value, limit.value) else "fail")
    formula = f"q = V·Δp/Δt = {_q(test.volume)} × {_q(rise)} / {_q(test.duration)} = {_q(q)}"
    return at_most_result(
        req,
        test,
        q,
        limit,
        details=[detail] if detail is not None else [],
        message=lambda passed: (
            Text.of(f"{formula} ≤ {_q(limit)}", f"{formula} ≤ {_q(limit)}")
            if passed
            else Text.of(f"{formula} exceeds {_q(limit)}", f"{formula}，超过 {_q(limit)}")
        ),
        action=_rise_action(shape, limit),
    )


def _shape_detail(
    test: RateOfRiseTest, limit: Measure, *, verdict: Verdict
) -> tuple[vac.RiseKind | None, Detail | None]:
    if not test.curve:
        return None, None
    shape = vac.rise_shape([pt.t_s for pt in test.curve], [pt.pressure for pt in test.curve])
    note = _SHAPE_ADVICE[shape.kind]
    if shape.kind == "saturating" and shape.late_slope is not None:
        curve_unit = test.curve_unit or test.p_end.unit
        slope = Measure(value=shape.late_slope, unit=curve_unit)
        bound = vac.gas_load(test.volume, slope, Measure(value=1, unit="s"), unit=limit.unit)
        note = note + Text.of(
            f"(a real leak contributes at most {_q(bound)}, the late rise rate)",
            f"（真实漏率至多为 {_q(bound)}，即后段升压率）",
        )
    shown: Verdict = verdict if shape.kind in ("linear", "saturating") else "inconclusive"
    label = f"curve shape: {shape.kind} ({shape.points} points)"
    return shape.kind, Detail(label=label, verdict=shown, note=note)


def _rise_action(shape: vac.RiseKind | None, limit: Measure) -> Text:
    if shape == "linear":
        return Text.of(
            "the rise is linear, so a real leak is likely: helium leak-test the chamber, repair, and repeat "
            f"the rate-of-rise test to ≤ {_q(limit)}",
            f"升压呈线性，很可能存在真实漏点：请对腔体氦检漏并修复，然后重复升压率测试至 ≤ {_q(limit)}",
        )
    if shape == "saturating":
        return Text.of(
            "the rise saturates, so outgassing or a virtual leak dominates: bake out or pump down longer, "
            f"vent trapped volumes, and repeat the test to ≤ {_q(limit)}",
            f"升压趋于饱和，以放气或虚漏为主：请烘烤或延长抽气、排除封闭空腔，然后重复测试至 ≤ {_q(limit)}",
        )
    return Text.of(
        "log p(t) during the rise (≥ 6 points) to tell a leak (linear) from outgassing (saturating), "
        f"helium leak-test the chamber, and repeat the test to ≤ {_q(limit)}",
        "请在升压过程中记录 p(t)（≥ 6 点）以区分漏气（线性）与放气（饱和），"
        f"对腔体氦检漏，并重复测试至 ≤ {_q(limit)}",
    )


# --- base pressure -----------------------------------------------------------------------------------

_FIND_GAS_LOAD = Text.of(
    "find the excess gas load: a rate-of-rise test and an RGA scan tell a leak (N₂/O₂/Ar) from "
    "outgassing (H₂O, hydrocarbons); then leak-test or bake out and re-measure",
    "请查找多余气体负载：通过升压率测试和 RGA 扫描区分漏气（N₂/O₂/Ar）与放气（H₂O、碳氢化合物），"
    "然后检漏或烘烤后重新测量",
)


def _pumpdown_problem(req: BasePressureRequirement, test: BasePressureTest) -> tuple[Text, Text] | None:
    hours = req.min_pumpdown_hours
    if hours is None or (test.pumpdown_hours is not None and test.pumpdown_hours >= hours):
        return None
    stated = "not stated" if test.pumpdown_hours is None else f"{fmt(test.pumpdown_hours)} h"
    stated_zh = "未注明" if test.pumpdown_hours is None else f"{fmt(test.pumpdown_hours)} 小时"
    return (
        Text.of(
            f"pump-down time {stated}; the profile requires ≥ {fmt(hours)} h before the reading",
            f"抽气时间{stated_zh}；规范要求读数前抽气 ≥ {fmt(hours)} 小时",
        ),
        Text.of(
            f"measure the base pressure after ≥ {fmt(hours)} h of pump-down and record the time",
            f"请在抽气 ≥ {fmt(hours)} 小时后测量本底压力并记录抽气时间",
        ),
    )


def _bake_problem(req: BasePressureRequirement, test: BasePressureTest) -> tuple[Text, Text] | None:
    if req.baked is None or test.baked == req.baked:
        return None
    want = ("baked", "烘烤后") if req.baked else ("unbaked", "未烘烤")
    if test.baked is None:
        was = ("the test does not say whether the chamber was baked", "测试未注明腔体是否烘烤")
    elif test.baked:
        was = ("the test was done baked", "测试在烘烤后进行")
    else:
        was = ("the test was done unbaked", "测试在未烘烤状态下进行")
    return (
        Text.of(f"the limit is for the {want[0]} state; {was[0]}", f"限值针对{want[1]}状态；{was[1]}"),
        Text.of(f"measure in the {want[0]} state and record it", f"请在{want[1]}状态下测量并记录"),
    )


@check(
    "base_pressure",
    evidence=("base_pressure_test",),
    missing_action=(
        "measure the base pressure after the profile's pump-down time and provide the record",
        "请在规范规定的抽气时间后测量本底压力并提供记录",
    ),
)
def check_base_pressure(
    req: BasePressureRequirement, candidates: Sequence[BasePressureTest], ctx: Context
) -> RequirementResult:
    test = latest_of(candidates, BasePressureTest)
    limit = req.max_pressure
    state = _pumpdown_problem(req, test) or _bake_problem(req, test)
    if state is not None:
        return result(
            req, verdict="inconclusive", evidence=[test], limit=limit, message=state[0], action=state[1]
        )
    measured = Measure(value=test.pressure.to(limit.unit), unit=limit.unit)
    return _named_max(req, test, measured, limit, name=("base pressure", "本底压力"), remedy=_FIND_GAS_LOAD)


# --- outgassing rate ---------------------------------------------------------------------------------

_LOWER_OUTGASSING = Text.of(
    "lower the outgassing: vacuum-bake the parts, clean them (solvent, no silicone), or use a "
    "lower-outgassing material; then re-measure",
    "请降低放气：对部件进行真空烘烤、清洗（溶剂，勿用硅酮），或改用低放气材料，然后重新测量",
)


@check(
    "outgassing_rate",
    evidence=("outgassing_test",),
    missing_action=(
        "measure the outgassing rate per area (throughput or rate-of-rise method) and provide the report",
        "请测量单位面积放气率（流量法或升压法）并提供报告",
    ),
)
def check_outgassing_rate(
    req: OutgassingRateRequirement, candidates: Sequence[OutgassingTest], ctx: Context
) -> RequirementResult:
    with_rate = [t for t in candidates if t.rate_per_area is not None]
    limit = req.max_rate_per_area
    if not with_rate:
        return result(
            req,
            verdict="missing",
            evidence=candidates,
            limit=limit,
            message=Text.of(
                "the outgassing evidence states no rate per area", "放气证据中没有单位面积放气率"
            ),
            action=Text.of(
                "measure the outgassing rate per area (throughput or rate-of-rise method) and report it",
                "请测量并报告单位面积放气率（流量法或升压法）",
            ),
        )
    test = latest_of(with_rate, OutgassingTest)
    assert test.rate_per_area is not None
    measured = Measure(value=vac.outgassing_rate_in(test.rate_per_area, limit.unit), unit=limit.unit)
    return _named_max(
        req, test, measured, limit, name=("outgassing rate", "放气率"), remedy=_LOWER_OUTGASSING
    )
