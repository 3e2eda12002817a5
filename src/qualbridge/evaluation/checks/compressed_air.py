"""ISO 8573-1:2010 purity ``[P:W:O]``: each specified contaminant against the limits of its class.

Per contaminant the check reads the most recent test that measured it (labs often test particles, humidity
and oil on different days) and reports every limit of the required class as a Detail. A limit with no
measurement is ``missing`` and the action names the ISO 8573 part to test by; a "< DL" value passes when
the detection limit meets the limit and is ``inconclusive`` otherwise; a failed limit's action says what
closes it. The requirement's verdict is the worst of its contaminants'.

Two classes can also be met through a better class of another quantity: a particle mass class (6, 7) by
a particle count class 0–5, and a liquid-water class (7–9) by a pressure dew point at or below +10 °C.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qualbridge import units
from qualbridge.evaluation.checks._common import joined, latest_of, result
from qualbridge.evaluation.registry import Context, check
from qualbridge.evaluation.result import Detail, RequirementResult, Verdict, margin_for, worst
from qualbridge.evidence.models import AirQuantity, CompressedAirPurityTest
from qualbridge.measure import Measure
from qualbridge.standards.iso8573_1 import (
    CONTAMINANT_LABEL,
    CONTAMINANTS,
    EDITION,
    QUANTITIES,
    Bound,
    ClassResult,
    Contaminant,
    Purity,
    classify_contaminant,
    purity_class,
    rank,
)
from qualbridge.standards.requirements import ClassSymbol, CompressedAirRequirement
from qualbridge.text import Text

_READS: dict[Contaminant, tuple[AirQuantity, ...]] = {
    "particles": ("d_0_1_to_0_5", "d_0_5_to_1_0", "d_1_0_to_5_0", "particle_mass"),
    "water": ("pressure_dew_point", "liquid_water"),
    "oil": ("total_oil",),
}
_TEST_PARTS: dict[Contaminant, str] = {
    "particles": "ISO 8573-4 (counts) / ISO 8573-8 (mass)",
    "water": "ISO 8573-3 (humidity) / ISO 8573-9 (liquid water)",
    "oil": "ISO 8573-2 and ISO 8573-5",
}


@dataclass(frozen=True, slots=True)
class _Outcome:
    contaminant: Contaminant
    verdict: Verdict
    details: tuple[Detail, ...]
    actions: tuple[Text, ...]
    test: CompressedAirPurityTest | None
    achieved: ClassResult | None


def _reports(test: CompressedAirPurityTest, contaminant: Contaminant) -> bool:
    # Detected particles > 5 µm decide classes 0–5 on their own; "none detected" alone decides nothing.
    if contaminant == "particles" and test.particles_above_5um_detected:
        return True
    return any(test.air_value(q) is not None for q in _READS[contaminant])


def _margin(quantity: AirQuantity, value: float, limit: float) -> float | None:
    if quantity == "pressure_dew_point":
        # The Celsius zero is arbitrary: a ratio on it means nothing and flips sign around 0 °C, so the
        # relative margin of a dew point is taken on the absolute (kelvin) scale.
        return margin_for(units.convert(value, "degC", "K"), units.convert(limit, "degC", "K"))
    return margin_for(value, limit)


def _fail_remedy(quantity: AirQuantity, limit: float) -> Text:
    if quantity.startswith("d_"):
        return Text.of(
            "fit or replace point-of-use particulate filtration (and look for shedding downstream)",
            "加装或更换使用点颗粒过滤器（并检查下游的脱落源）",
        )
    if quantity == "particle_mass":
        return Text.of("improve particulate filtration", "改进颗粒过滤")
    if quantity == "pressure_dew_point":
        if limit <= -20:
            return Text.of(
                "add or repair the desiccant (adsorption) dryer", "加装或修复吸附式（干燥剂）干燥机"
            )
        return Text.of("add or repair the refrigerant dryer", "加装或修复冷冻式干燥机")
    if quantity == "liquid_water":
        return Text.of(
            "add or service water separators and condensate drains", "加装或维护水分离器和冷凝水排放阀"
        )
    if limit <= 0.1:
        return Text.of(
            "add coalescing filters and an activated-carbon adsorber, or use an oil-free compressor",
            "加装聚结过滤器和活性炭吸附器，或改用无油压缩机",
        )
    return Text.of("add or replace coalescing filters", "加装或更换聚结过滤器")


def _bound_detail(
    test: CompressedAirPurityTest, bound: Bound, symbol: ClassSymbol
) -> tuple[Detail, Text | None]:
    q = QUANTITIES[bound.quantity]
    upper = bound.upper
    assert upper is not None, "class X sets no limit; profile rules refuse it"
    limit = Measure(value=upper, unit=q.unit)
    value = test.air_value(bound.quantity)
    if value is None:
        note = Text.of(f"not measured: test per {q.test_part}", f"未测量：请按 {q.test_part} 测试")
        return Detail(label=q.label.en, verdict="missing", limit=limit, note=note), note
    censored = bound.quantity in test.below_detection_limit
    measured = Measure(value=value, unit=q.unit)
    margin = _margin(bound.quantity, value, upper)
    shown = f"{'< ' if censored else ''}{value:g} {q.unit}"
    if value <= upper:
        return Detail(label=q.label.en, verdict="pass", measured=measured, limit=limit, margin=margin), None
    if censored:
        note = Text.of(
            f"{q.label.en} reported {shown}: the detection limit is above class {symbol} "
            f"(≤ {upper:g} {q.unit}); "
            f"re-test per {q.test_part} with a detection limit at or below {upper:g} {q.unit}",
            f"{q.label.zh} 报告为 {shown}：检出限高于 {symbol} 级（≤ {upper:g} {q.unit}）；"
            f"请按 {q.test_part} 以不高于 {upper:g} {q.unit} 的检出限重新测试",
        )
        detail = Detail(label=q.label.en, verdict="inconclusive", measured=measured, limit=limit, note=note)
        return detail, note
    remedy = _fail_remedy(bound.quantity, upper)
    action = Text.of(
        f"{q.label.en} {shown} exceeds class {symbol} (≤ {upper:g} {q.unit}): {remedy.en} "
        f"and re-test per {q.test_part}",
        f"{q.label.zh} {shown} 超出 {symbol} 级（≤ {upper:g} {q.unit}）：{remedy.zh}，"
        f"然后按 {q.test_part} 重新测试",
    )
    detail = Detail(
        label=q.label.en, verdict="fail", measured=measured, limit=limit, margin=margin, note=action
    )
    return detail, action


def _above_5um_detail(test: CompressedAirPurityTest) -> tuple[Detail, Text | None]:
    label = "particles > 5 µm"
    detected = test.particles_above_5um_detected
    if detected is False:
        return Detail(label=label, verdict="pass", note=Text.of("none detected", "未检出")), None
    if detected is None:
        note = Text.of(
            "report whether particles > 5 µm were detected (ISO 8573-4): classes 0–5 require none",
            "请报告是否检出 > 5 µm 颗粒（ISO 8573-4）：0–5 级要求未检出",
        )
        return Detail(label=label, verdict="inconclusive", note=note), note
    action = Text.of(
        "particles > 5 µm were detected, which rules out classes 0–5: find and remove the source "
        "(filter bypass, piping debris, fittings) and re-test per ISO 8573-4",
        "检出 > 5 µm 颗粒，排除 0–5 级：查找并消除来源（过滤器旁通、管道碎屑、接头），"
        "然后按 ISO 8573-4 重新测试",
    )
    return Detail(label=label, verdict="fail", note=action), action


def _oil_vapour_detail(test: CompressedAirPurityTest) -> tuple[Detail, Text]:
    note = Text.of(
        "total oil excludes oil vapour: classes 0–2 need ISO 8573-2 and ISO 8573-5; measure the vapour "
        "per ISO 8573-5",
        "总油含量未包括油蒸气：0–2 级需要 ISO 8573-2 和 ISO 8573-5；请按 ISO 8573-5 测量油蒸气",
    )
    return Detail(label="oil vapour", verdict="inconclusive", note=note), note


def _rescued(test: CompressedAirPurityTest, contaminant: Contaminant, symbol: ClassSymbol) -> Detail | None:
    """A pass through a better class of another quantity (mass class by counts, liquid by dew point)."""
    if (contaminant, symbol) not in {
        ("particles", 6),
        ("particles", 7),
        ("water", 7),
        ("water", 8),
        ("water", 9),
    }:
        return None
    if contaminant == "particles" and test.particles_above_5um_detected is not False:
        # Counts stop at 5 µm: only with no larger particles do they bound the mass concentration.
        return None
    achieved = classify_contaminant(test, contaminant)
    if rank(achieved.symbol) > min(rank(symbol), 6 if contaminant == "water" else 5):
        return None
    return Detail(
        label=f"{contaminant} class {achieved.symbol}",
        verdict="pass",
        note=Text.of(
            f"class {achieved.symbol} is met ({achieved.basis.en}), which is better than class {symbol}",
            f"已达到 {achieved.symbol} 级（{achieved.basis.zh}），优于 {symbol} 级",
        ),
    )


def _judge(
    req: CompressedAirRequirement,
    test: CompressedAirPurityTest,
    contaminant: Contaminant,
    symbol: ClassSymbol,
) -> _Outcome:
    entry = purity_class(contaminant, symbol, req.class0)
    pairs = [_bound_detail(test, b, symbol) for b in entry.bounds]
    if entry.no_particles_above_5um:
        pairs.append(_above_5um_detail(test))
    if contaminant == "oil" and rank(symbol) <= 2 and test.oil_vapour_included is False:
        pairs.append(_oil_vapour_detail(test))
    verdict = worst([d.verdict for d, _ in pairs])
    details = tuple(d for d, _ in pairs)
    actions = tuple(a for _, a in pairs if a is not None)
    # A measured failure stands; only an unmeasured or undecidable limit can be met through a better class.
    rescue = _rescued(test, contaminant, symbol) if verdict in ("missing", "inconclusive") else None
    if rescue is not None:
        verdict, actions = "pass", ()
        details = (*(d for d in details if d.verdict != "missing"), rescue)
    achieved = classify_contaminant(test, contaminant, req.class0)
    return _Outcome(contaminant, verdict, details, actions, test, achieved)


def _outcome(
    req: CompressedAirRequirement,
    candidates: Sequence[CompressedAirPurityTest],
    contaminant: Contaminant,
    symbol: ClassSymbol,
) -> _Outcome:
    reporting = [t for t in candidates if _reports(t, contaminant)]
    if not reporting:
        name = CONTAMINANT_LABEL[contaminant]
        part = _TEST_PARTS[contaminant]
        action = Text.of(f"measure {name.en} per {part}", f"请按 {part} 测量{name.zh}")
        detail = Detail(label=name.en, verdict="missing", note=action)
        return _Outcome(contaminant, "missing", (detail,), (action,), None, None)
    return _judge(req, latest_of(reporting, CompressedAirPurityTest), contaminant, symbol)


def _message(required: Purity, outcomes: Sequence[_Outcome], verdict: Verdict) -> Text:
    achieved = {o.contaminant: o.achieved.symbol if o.achieved else None for o in outcomes}
    measured = Purity(achieved.get("particles"), achieved.get("water"), achieved.get("oil")).short()
    if verdict == "pass":
        return Text.of(
            f"measured purity {measured} meets {EDITION} {required.short()}",
            f"实测纯度 {measured} 满足 {EDITION} {required.short()}",
        )
    short = [o for o in outcomes if o.verdict != "pass"]
    en = ", ".join(f"{CONTAMINANT_LABEL[o.contaminant].en} {o.verdict}" for o in short)
    zh = "，".join(f"{CONTAMINANT_LABEL[o.contaminant].zh}：{o.verdict}" for o in short)
    return Text.of(
        f"measured purity {measured} against {EDITION} {required.short()}: {en}",
        f"实测纯度 {measured}，要求 {EDITION} {required.short()}：{zh}",
    )


@check(
    "iso8573_1_purity",
    evidence=("compressed_air_purity",),
    missing_action=(
        "test the compressed air at the point of use per ISO 8573-4 (particles), ISO 8573-3 (humidity) "
        "and ISO 8573-2/-5 (oil), and classify per ISO 8573-1:2010",
        "请在使用点按 ISO 8573-4（颗粒）、ISO 8573-3（湿度）和 ISO 8573-2/-5（油）测试压缩空气，并按 "
        "ISO 8573-1:2010 分级",
    ),
)
def check_purity(
    req: CompressedAirRequirement, candidates: Sequence[CompressedAirPurityTest], ctx: Context
) -> RequirementResult:
    required = Purity.of_requirement(req)
    outcomes = [
        _outcome(req, candidates, c, symbol) for c in CONTAMINANTS if (symbol := required.of(c)) is not None
    ]
    verdict = worst([o.verdict for o in outcomes])
    details = [d for o in outcomes for d in o.details]
    margins = [d.margin for d in details if d.margin is not None]
    actions = [a for o in outcomes for a in o.actions]
    used = {o.test.evidence_id(): o.test for o in outcomes if o.test is not None}
    return result(
        req,
        verdict=verdict,
        message=_message(required, outcomes, verdict),
        action=joined(actions) if actions else None,
        evidence=list(used.values()),
        margin=min(margins) if margins else None,
        details=details,
    )
