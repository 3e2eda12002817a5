"""Materials checks: trace metals per element (censored, on a stated basis) and outgassing screening.

The rules live in :mod:`qualbridge.standards.materials`; these checks turn each element's or material's
judgement into a Detail and say what closes each gap.
"""

from __future__ import annotations

from collections.abc import Sequence

from qualbridge.evaluation.checks._common import fmt, joined, latest_of, result, tightest
from qualbridge.evaluation.registry import Context, check
from qualbridge.evaluation.result import Detail, RequirementResult, margin_for, worst
from qualbridge.evidence.models import ElementResult, OutgassingTest, TraceMetalAnalysis
from qualbridge.measure import Measure
from qualbridge.standards import materials as mat
from qualbridge.standards.requirements import OutgassingScreeningRequirement, TraceMetalsRequirement
from qualbridge.text import Text

# --- trace metals ------------------------------------------------------------------------------------

_ELEMENT_NOTES: dict[mat.ElementReason, Text] = {
    "measured": Text.of("measured", "实测值"),
    "below_detection_limit": Text.of(
        "< DL: the detection limit is within the limit", "< DL：检出限在限值以内"
    ),
    "detection_limit_above_limit": Text.of(
        "< DL, but the detection limit is above the limit: cannot show compliance",
        "< DL，但检出限高于限值：无法证明符合",
    ),
    "basis_mismatch": Text.of(
        "reported on another basis; per-area and per-mass results are never compared",
        "报告基准不同；单位面积结果与质量浓度结果不可比较",
    ),
    "density_needed": Text.of(
        "w/v result against a w/w limit (or the reverse): the sample density is needed to compare them",
        "w/v 结果对应 w/w 限值（或相反）：需要样品密度才能比较",
    ),
}


def _element_detail(
    limit_element: str,
    reported: ElementResult | None,
    analysis: TraceMetalAnalysis,
    req: TraceMetalsRequirement,
) -> Detail:
    limit = next(lim.max for lim in req.limits if lim.element == limit_element)
    if reported is None:
        note = Text.of(
            f"no result for {limit_element} in the analysis", f"分析报告中没有 {limit_element} 的结果"
        )
        return Detail(label=limit_element, verdict="missing", limit=limit, note=note)
    judged = mat.judge_element(
        value=reported.value,
        unit=reported.unit,
        detection_limit=reported.detection_limit,
        censored=reported.below_detection_limit,
        basis=analysis.basis,
        limit=limit,
        limit_basis=req.basis,
        density=analysis.density,
    )
    label = f"{reported.isotope}{limit_element}" if reported.isotope else limit_element
    if judged.censored:
        label += " (< DL)"
    margin = None if judged.measured is None else margin_for(judged.measured.value, limit.value)
    return Detail(
        label=label,
        verdict=judged.verdict,
        measured=judged.measured,
        limit=limit,
        margin=margin,
        note=_ELEMENT_NOTES[judged.reason],
    )


def _trace_action(
    details: Sequence[Detail], req: TraceMetalsRequirement, analysis: TraceMetalAnalysis
) -> Text:
    def names(verdict: str, reason: Text | None = None) -> str:
        return ", ".join(
            d.label.split(" ")[0]
            for d in details
            if d.verdict == verdict and (reason is None or d.note == reason)
        )

    parts: list[Text] = []
    if failed := names("fail"):
        parts.append(
            Text.of(f"reject or re-purify the lot: {failed} over the limit", f"拒收或重新纯化：{failed} 超限")
        )
    if missing := names("missing"):
        parts.append(Text.of(f"have the lab report {missing}", f"请实验室补充 {missing} 的结果"))
    if dl := names("inconclusive", _ELEMENT_NOTES["detection_limit_above_limit"]):
        parts.append(
            Text.of(
                f"re-analyse {dl} with a method whose detection limit is at or below the limit",
                f"请以检出限不高于限值的方法重新分析 {dl}",
            )
        )
    if names("inconclusive", _ELEMENT_NOTES["density_needed"]):
        parts.append(
            Text.of(
                f"state the sample density (g/mL) or report on a {req.basis} basis",
                f"请注明样品密度（g/mL）或按 {req.basis} 基准报告",
            )
        )
    if names("inconclusive", _ELEMENT_NOTES["basis_mismatch"]):
        parts.append(
            Text.of(
                f"report the results on a {req.basis} basis (the analysis is {analysis.basis})",
                f"请按 {req.basis} 基准报告结果（当前为 {analysis.basis}）",
            )
        )
    return joined(parts)


@check(
    "trace_metals",
    evidence=("trace_metal_analysis",),
    missing_action=(
        "provide a trace-metal analysis (ICP-MS) with detection limits and the reporting basis",
        "请提供含检出限及报告基准的痕量金属分析（ICP-MS）",
    ),
)
def check_trace_metals(
    req: TraceMetalsRequirement, candidates: Sequence[TraceMetalAnalysis], ctx: Context
) -> RequirementResult:
    analysis = latest_of(candidates, TraceMetalAnalysis)
    by_element = {r.element: r for r in analysis.results}
    details = [_element_detail(lim.element, by_element.get(lim.element), analysis, req) for lim in req.limits]
    verdict = worst([d.verdict for d in details])
    binding = tightest(details)
    counts = {v: sum(d.verdict == v for d in details) for v in ("pass", "fail", "inconclusive", "missing")}
    summary = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    summary_zh = "，".join(f"{_ZH[v]} {n}" for v, n in counts.items() if n)
    closest = ("", "")
    if binding is not None and binding.measured is not None and binding.limit is not None:
        ratio = f"{fmt(binding.measured.value)} / {fmt(binding.limit.value)} {binding.limit.unit}"
        closest = (f"; tightest {binding.label}: {ratio}", f"；最接近限值 {binding.label}：{ratio}")
    return result(
        req,
        verdict=verdict,
        evidence=[analysis],
        measured=binding.measured if binding else None,
        limit=binding.limit if binding else None,
        margin=binding.margin if binding else None,
        details=details,
        message=Text.of(
            f"{len(details)} elements ({analysis.basis}): {summary}{closest[0]}",
            f"{len(details)} 种元素（{analysis.basis}）：{summary_zh}{closest[1]}",
        ),
        action=None if verdict == "pass" else _trace_action(details, req, analysis),
    )


_ZH = {"pass": "合格", "fail": "不合格", "inconclusive": "无法判定", "missing": "缺失"}


# --- outgassing screening ----------------------------------------------------------------------------


def _material_details(req: OutgassingScreeningRequirement, test: OutgassingTest) -> list[Detail]:
    name = test.material or "unnamed material"
    deviations = mat.e595_deviations(
        sample_c=test.sample_temperature_c,
        collector_c=test.collector_temperature_c,
        duration_h=test.duration_h,
        method=test.method,
    )
    if deviations:
        stated = "; ".join(
            f"{d.parameter} {'not stated' if d.stated is None else fmt(d.stated) + ' ' + d.unit} "
            f"(E595: {fmt(d.required)} {d.unit})"
            for d in deviations
        )
        note = Text.of(
            f"not comparable with E595 screening levels: {stated}", f"与 E595 筛选值不可比：{stated}"
        )
        return [Detail(label=f"{name}: test conditions", verdict="inconclusive", note=note)]
    items = mat.screen(req, tml=test.tml_pct, cvcm=test.cvcm_pct, wvr=test.wvr_pct)
    return [_screen_detail(name, item, test) for item in items]


def _screen_detail(name: str, item: mat.ScreenItem, test: OutgassingTest) -> Detail:
    note: Text | None = None
    if item.note == "wvr_not_reported":
        note = Text.of("WVR not reported: water loss cannot be excused", "未报告 WVR：无法扣除水分损失")
    elif item.note == "tml_bounds_tml_minus_wvr":
        note = Text.of("WVR not reported; TML alone is within the limit", "未报告 WVR；仅 TML 已在限值以内")
    elif item.quantity == "TML" and item.verdict == "fail" and test.wvr_pct is not None and test.tml_pct:
        net = mat.tml_minus_wvr(test.tml_pct, test.wvr_pct)
        note = Text.of(
            f"TML − WVR = {fmt(net)} %: part of the loss is water regained",
            f"TML − WVR = {fmt(net)} %：部分质量损失为可回吸的水分",
        )
    elif item.verdict == "missing":
        note = Text.of(f"{item.quantity} not reported", f"未报告 {item.quantity}")
    return Detail(
        label=f"{name}: {item.quantity}",
        verdict=item.verdict,
        measured=None if item.value is None else Measure(value=item.value, unit="%"),
        limit=Measure(value=item.limit, unit="%"),
        margin=None if item.value is None else margin_for(item.value, item.limit),
        note=note,
    )


def _screening_action(details: Sequence[Detail]) -> Text:
    parts: list[Text] = []
    if failed := sorted({d.label.split(":")[0] for d in details if d.verdict == "fail"}):
        parts.append(
            Text.of(
                f"{', '.join(failed)}: choose a lower-outgassing material or grade, or vacuum-bake the parts "
                "before use and re-test",
                f"{'、'.join(failed)}：请选用低放气材料或牌号，或在使用前对部件进行真空烘烤后重新测试",
            )
        )
    if any(d.label.endswith("test conditions") for d in details):
        parts.append(
            Text.of(
                "re-test at ASTM E595 conditions (specimen 125 °C, collector 25 °C, 24 h, < 7×10⁻³ Pa)",
                "请按 ASTM E595 条件重新测试（试样 125 °C、收集板 25 °C、24 小时、< 7×10⁻³ Pa）",
            )
        )
    if any(
        d.verdict in ("missing", "inconclusive") and not d.label.endswith("test conditions") for d in details
    ):
        parts.append(
            Text.of("report TML, CVCM and WVR for every specimen", "请报告每个试样的 TML、CVCM 和 WVR")
        )
    return joined(parts)


def _screening_message(rule: str, details: Sequence[Detail]) -> Text:
    """'ASTM E595 — FKM: TML 0.31 % ≤ 1 %, CVCM 0.02 % ≤ 0.1 %' (per material, in detail order)."""
    by_material: dict[str, list[tuple[str, str]]] = {}
    for d in details:
        material, _, quantity = d.label.rpartition(": ")
        if d.measured is not None and d.limit is not None:
            sign = "≤" if d.verdict == "pass" else ">"
            line = f"{quantity} {fmt(d.measured.value)} % {sign} {fmt(d.limit.value)} %"
            by_material.setdefault(material, []).append((line, line))
        elif d.note is not None:
            by_material.setdefault(material, []).append((d.note.en, d.note.zh))
    en = "; ".join(f"{m}: {', '.join(x[0] for x in parts)}" for m, parts in by_material.items())
    zh = "；".join(f"{m}：{'，'.join(x[1] for x in parts)}" for m, parts in by_material.items())
    return Text.of(f"{rule} — {en}", f"{rule} — {zh}")


@check(
    "outgassing_screening",
    evidence=("outgassing_test",),
    missing_action=(
        "provide ASTM E595 outgassing results (TML, CVCM, WVR) for the material",
        "请提供该材料的 ASTM E595 放气测试结果（TML、CVCM、WVR）",
    ),
)
def check_outgassing_screening(
    req: OutgassingScreeningRequirement, candidates: Sequence[OutgassingTest], ctx: Context
) -> RequirementResult:
    screened = [t for t in candidates if t.tml_pct is not None or t.cvcm_pct is not None]
    if not screened:
        return result(
            req,
            verdict="missing",
            evidence=candidates,
            message=Text.of(
                "the outgassing evidence has no TML/CVCM results", "放气证据中没有 TML/CVCM 结果"
            ),
            action=Text.of(
                "provide ASTM E595 results (TML, CVCM, WVR) for the material",
                "请提供该材料的 ASTM E595 结果（TML、CVCM、WVR）",
            ),
        )
    # Each material is judged on its own latest test: one failing elastomer is not hidden by another.
    by_material: dict[str, list[OutgassingTest]] = {}
    for t in screened:
        by_material.setdefault((t.material or "").casefold(), []).append(t)
    tests = [latest_of(group, OutgassingTest) for _, group in sorted(by_material.items())]
    details = [d for t in tests for d in _material_details(req, t)]
    verdict = worst([d.verdict for d in details])
    binding = tightest(details)
    rule = "ASTM E595" if req.rule == "astm_e595" else "TML − WVR rule"
    message = _screening_message(rule, details)
    return result(
        req,
        verdict=verdict,
        evidence=tests,
        measured=binding.measured if binding else None,
        limit=binding.limit if binding else None,
        margin=binding.margin if binding else None,
        details=details,
        message=message,
        action=None if verdict == "pass" else _screening_action(details),
    )
