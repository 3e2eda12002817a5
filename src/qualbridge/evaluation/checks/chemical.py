"""Airborne molecular contamination: ISO 14644-8 levels (g/m³) and SEMI F21 category totals (pptM).

Both checks work on bounds. A detected result bounds the true value from both sides; a "< DL" result only
from above (0 ≤ true ≤ DL). Results of one substance are combined by their maximum (repeat samples), a
category by the sum over its substances. The total passes when its upper bound meets the limit, fails
when its lower bound already exceeds it, and is inconclusive in between (a detection limit above the
limit). So "< DL" passes when DL ≤ limit and is inconclusive otherwise.

Mass concentration and molar ratio are different quantities: a result in the other one is never converted
(that needs the molar mass and the temperature and pressure); it leaves the verdict inconclusive unless
the results that can be counted already exceed the limit. SEMI F21 counts results by their category; a
result without one could belong to any category, so it also keeps a pass from being declared.

Each sampling location is judged on its latest report; the requirement takes the worst location.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qualbridge import units
from qualbridge.evaluation.checks._common import joined, latest_of, result
from qualbridge.evaluation.registry import Context, check
from qualbridge.evaluation.result import VERDICT_RANK, Detail, RequirementResult, Verdict, margin_for, worst
from qualbridge.evidence.models import AirborneMolecularContamination, ChemicalResult
from qualbridge.measure import Measure
from qualbridge.standards import iso14644_8, semi_f21
from qualbridge.standards.requirements import AirChemicalRequirement, MolecularCategoryRequirement
from qualbridge.text import Text

_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def substance_key(name: str) -> str:
    """Names compared without case, spaces or subscripts: 'NH₃' = 'nh3'."""
    return "".join(name.translate(_SUBSCRIPTS).casefold().split())


@dataclass(frozen=True, slots=True)
class _Scale:
    """What one requirement sums: its native unit, its limit in it, and how to speak of both."""

    unit: str
    display_unit: str
    limit: float
    name: str
    foreign_kind: Text
    remedy: Text


@dataclass(frozen=True, slots=True)
class _Judged:
    location: str
    evidence: AirborneMolecularContamination
    verdict: Verdict
    upper: float
    counted: bool
    foreign: bool
    details: tuple[Detail, ...]
    actions: tuple[Text, ...]


def _show(scale: _Scale, value_native: float) -> Measure:
    # 12 significant figures: drops the float noise of a unit conversion (1e-8 g/m³ → 10 ng/m³, not
    # 9.999999999999998) while keeping every digit a lab reports.
    value = units.convert(value_native, scale.unit, scale.display_unit)
    return Measure(value=float(f"{value:.12g}"), unit=scale.display_unit)


def _num(x: float) -> str:
    """A concentration as a report prints it: 1100, 25, 0.42 (no exponent for everyday magnitudes)."""
    return f"{round(x):d}" if 100 <= abs(x) < 1e7 else f"{x:.3g}"


def _substance_bounds(
    scale: _Scale, results: Sequence[ChemicalResult]
) -> dict[str, tuple[str, float, float]]:
    bounds: dict[str, tuple[str, float, float]] = {}
    for r in results:
        key = substance_key(r.substance)
        low, high = r.lower_bound(scale.unit), r.upper_bound(scale.unit)
        _, old_low, old_high = bounds.get(key, (r.substance, 0.0, 0.0))
        bounds[key] = (r.substance, max(low, old_low), max(high, old_high))
    return bounds


def _total_verdict(low: float, high: float, scale: _Scale, blocked: bool) -> Verdict:
    if low > scale.limit:
        return "fail"
    if blocked or high > scale.limit:
        return "inconclusive"
    return "pass"


def _foreign_notes(results: Sequence[ChemicalResult], scale: _Scale) -> list[tuple[Detail, Text]]:
    notes = []
    for r in results:
        note = Text.of(
            f"{r.substance} is reported in {r.concentration.unit}, not as a {scale.foreign_kind.en}: "
            "a conversion needs the molar mass and the sampling temperature and pressure and is never "
            f"implied; ask the laboratory to report {r.substance} in {scale.display_unit}",
            f"{r.substance} 以 {r.concentration.unit} 报告，而非{scale.foreign_kind.zh}："
            "换算需要摩尔质量及采样温度和压力，不做隐含换算；"
            f"请实验室以 {scale.display_unit} 报告 {r.substance}",
        )
        notes.append(
            (Detail(label=r.substance, verdict="inconclusive", measured=r.concentration, note=note), note)
        )
    return notes


def _unattributed_notes(results: Sequence[ChemicalResult]) -> list[tuple[Detail, Text]]:
    if not results:
        return []
    names = ", ".join(sorted({r.substance for r in results}))
    note = Text.of(
        f"results without a category ({names}) may belong to this category: "
        "state their category in the report",
        f"未标明类别的结果（{names}）可能属于该类别：请在报告中注明其类别",
    )
    return [(Detail(label="uncategorised", verdict="inconclusive", note=note), note)]


def _total_action(verdict: Verdict, high: float, scale: _Scale, label: str) -> Text | None:
    limit = _show(scale, scale.limit)
    if verdict == "fail":
        total = _show(scale, high)
        return Text.of(
            f"{label} {_num(total.value)} {total.unit} exceeds {scale.name} "
            f"(≤ {limit.value:g} {limit.unit}): {scale.remedy.en}, then re-sample",
            f"{label} {_num(total.value)} {total.unit} 超出 {scale.name}（≤ {limit.value:g} {limit.unit}）："
            f"{scale.remedy.zh}，然后重新采样",
        )
    if verdict == "inconclusive" and high > scale.limit:
        return Text.of(
            f"detection limits leave {label} possibly above {limit.value:g} {limit.unit}: re-analyse with "
            "detection limits low enough to show the total within the limit",
            f"检出限使 {label} 可能超过 {limit.value:g} {limit.unit}：请以足够低的检出限重新分析",
        )
    return None


def _judge(
    location: str,
    ev: AirborneMolecularContamination,
    relevant: Sequence[ChemicalResult],
    unattributed: Sequence[ChemicalResult],
    scale: _Scale,
    label: str,
) -> _Judged:
    native = [r for r in relevant if r.concentration.convertible_to(scale.unit)]
    foreign = [r for r in relevant if not r.concentration.convertible_to(scale.unit)]
    bounds = _substance_bounds(scale, native)
    low = sum(b[1] for b in bounds.values())
    high = sum(b[2] for b in bounds.values())
    verdict = _total_verdict(low, high, scale, blocked=bool(foreign or unattributed))
    prefix = f"{location} · " if location else ""
    limit = _show(scale, scale.limit)
    details: list[Detail] = []
    if len(bounds) != 1 or foreign:
        for name, b_low, b_high in bounds.values():
            share = _total_verdict(b_low, b_high, scale, blocked=False)
            details.append(Detail(label=prefix + name, verdict=share, measured=_show(scale, b_high)))
    if bounds:
        total_label = next(iter(bounds.values()))[0] if len(bounds) == 1 and not foreign else label
        details.append(
            Detail(
                label=prefix + total_label,
                verdict=_total_verdict(low, high, scale, blocked=False),
                measured=_show(scale, high),
                limit=limit,
                margin=margin_for(high, scale.limit),
            )
        )
    extra = _foreign_notes(foreign, scale) + _unattributed_notes(unattributed)
    details.extend(d for d, _ in extra)
    action = _total_action(verdict, high, scale, label)
    actions = (*((action,) if action else ()), *(a for _, a in extra))
    return _Judged(location, ev, verdict, high, bool(bounds), bool(foreign), tuple(details), actions)


Selector = Callable[[ChemicalResult], bool]


def _evaluate(
    req: AirChemicalRequirement | MolecularCategoryRequirement,
    candidates: Sequence[AirborneMolecularContamination],
    *,
    scale: _Scale,
    label: str,
    relevant: Selector,
    unattributed: Selector,
    missing: Text,
) -> RequirementResult:
    by_location: dict[str, list[AirborneMolecularContamination]] = {}
    for ev in candidates:
        if any(relevant(r) or unattributed(r) for r in ev.results):
            by_location.setdefault(ev.location or "", []).append(ev)
    if not by_location:
        message = Text.of(
            f"none of {len(candidates)} AMC report(s) has a result for {label}",
            f"{len(candidates)} 份 AMC 报告均无 {label} 的结果",
        )
        return result(req, verdict="missing", evidence=candidates, message=message, action=missing)
    judged = []
    for location in sorted(by_location):
        report = latest_of(by_location[location], AirborneMolecularContamination)
        mine = [r for r in report.results if relevant(r)]
        loose = [r for r in report.results if unattributed(r)]
        judged.append(_judge(location, report, mine, loose, scale, label))
    worst_one = max(judged, key=lambda j: (VERDICT_RANK[j.verdict], j.upper))
    verdict = worst([j.verdict for j in judged])
    actions = [a for j in judged for a in j.actions]
    return result(
        req,
        verdict=verdict,
        message=_message(worst_one, scale, label, verdict),
        action=joined(actions) if actions else None,
        evidence=[j.evidence for j in judged],
        measured=_show(scale, worst_one.upper) if worst_one.counted and not worst_one.foreign else None,
        limit=_show(scale, scale.limit),
        details=[d for j in judged for d in j.details],
    )


def _message(judged: _Judged, scale: _Scale, label: str, verdict: Verdict) -> Text:
    limit = _show(scale, scale.limit)
    where = f" at {judged.location}" if judged.location else ""
    where_zh = f"（{judged.location}）" if judged.location else ""
    if judged.foreign and verdict != "fail":
        return Text.of(
            f"{label}{where} cannot be compared with {scale.name}: "
            f"some results are not in {scale.display_unit}",
            f"{label}{where_zh} 无法与 {scale.name} 比较：部分结果不是以 {scale.display_unit} 报告",
        )
    if not judged.counted:
        return Text.of(
            f"{label}{where}: no result is attributed to it; uncategorised results may belong to it",
            f"{label}{where_zh}：没有归属该项的结果；未分类的结果可能属于该项",
        )
    total = _show(scale, judged.upper)
    relation = "≤" if total.value <= limit.value else ">"
    return Text.of(
        f"{label}{where}: {verdict}, {_num(total.value)} {total.unit} {relation} "
        f"{limit.value:g} {limit.unit} ({scale.name})",
        f"{label}{where_zh}：{verdict}，{_num(total.value)} {total.unit} {relation} "
        f"{limit.value:g} {limit.unit}（{scale.name}）",
    )


@check(
    "iso14644_8_acc",
    evidence=("airborne_molecular_contamination",),
    missing_action=(
        "sample the air and analyse the substance as a mass concentration (g/m³) per ISO 14644-8",
        "请按 ISO 14644-8 采样空气并以质量浓度（g/m³）分析该物质",
    ),
)
def check_acc(
    req: AirChemicalRequirement, candidates: Sequence[AirborneMolecularContamination], ctx: Context
) -> RequirementResult:
    key = substance_key(req.substance)
    is_category = key in iso14644_8.CATEGORIES
    limit = iso14644_8.max_concentration(req.acc_class)
    words = iso14644_8.wording(req.standard)
    scale = _Scale(
        unit="g/m**3",
        display_unit=iso14644_8.readable(limit)[1],
        limit=limit,
        name=f"ISO-ACC {words.level.en} {req.acc_class:g} ({req.substance})",
        foreign_kind=Text.of("mass concentration", "质量浓度"),
        remedy=Text.of(
            "add or renew chemical (AMC) filtration for this substance and find its source",
            "加装或更换针对该物质的化学（AMC）过滤器并查找其来源",
        ),
    )
    missing = Text.of(
        f"analyse {req.substance} in the air as a mass concentration (g/m³) per ISO 14644-8",
        f"请按 ISO 14644-8 以质量浓度（g/m³）分析空气中的 {req.substance}",
    )
    return _evaluate(
        req,
        candidates,
        scale=scale,
        label=f"{req.substance} total" if is_category else req.substance,
        relevant=lambda r: substance_key(r.substance) == key or (is_category and r.category == key),
        unattributed=lambda r: is_category and r.category is None and substance_key(r.substance) != key,
        missing=missing,
    )


@check(
    "semi_f21_amc",
    evidence=("airborne_molecular_contamination",),
    missing_action=(
        "sample the air and analyse the category's species as molar ratios (pptM) per SEMI F21",
        "请按 SEMI F21 采样空气并以摩尔比（pptM）分析该类别物质",
    ),
)
def check_f21(
    req: MolecularCategoryRequirement, candidates: Sequence[AirborneMolecularContamination], ctx: Context
) -> RequirementResult:
    category = semi_f21.CATEGORIES[req.category]
    scale = _Scale(
        unit="pptM",
        display_unit="pptM",
        limit=req.level_pptM,
        name=semi_f21.designation(req.category, req.level_pptM),
        foreign_kind=Text.of("molar ratio (pptM)", "摩尔比（pptM）"),
        remedy=Text.of(
            f"add or renew chemical filtration for {category.name.en} and find their source",
            f"加装或更换针对{category.name.zh}的化学过滤器并查找其来源",
        ),
    )
    missing = Text.of(
        f"analyse {category.name.en} ({req.category}) in the air as molar ratios (pptM), each result with "
        "its category",
        f"请以摩尔比（pptM）分析空气中的{category.name.zh}（{req.category}），并为每个结果标明类别",
    )
    return _evaluate(
        req,
        candidates,
        scale=scale,
        label=f"{req.category} total",
        relevant=lambda r: semi_f21.category_of(r.category) == req.category,
        unattributed=lambda r: r.category is None,
        missing=missing,
    )
