"""RGA checks: summed partial pressures over a mass range, named peaks, and the air-leak signature.

A total-pressure gauge cannot show what the gas is (reference notes §4.2); these checks read the unit-mass
spectrum of an RGA scan against the profile's fractions of total pressure or absolute partial pressures.
"""

from __future__ import annotations

from collections.abc import Sequence

from qualbridge.evaluation.checks._common import at_most, at_most_result, fmt, latest_of, result
from qualbridge.evaluation.registry import Context, check
from qualbridge.evaluation.result import Detail, RequirementResult, Verdict, margin_for, worst
from qualbridge.evidence.models import RgaScan
from qualbridge.measure import Measure
from qualbridge.standards import vacuum as vac
from qualbridge.standards.requirements import (
    RgaAirLeakRequirement,
    RgaMassRangeRequirement,
    RgaPeaksRequirement,
)
from qualbridge.text import Text

FRACTION = "dimensionless"

_RGA_MISSING = (
    "provide an RGA scan (1–100 amu or wider) of the chamber at base pressure",
    "请提供腔体在本底压力下的 RGA 扫描（1–100 amu 或更宽）",
)


def _latest_scan(candidates: Sequence[RgaScan]) -> tuple[RgaScan, dict[int, float]]:
    scan = latest_of(candidates, RgaScan)
    return scan, {p.amu: p.partial_pressure for p in scan.peaks}


def _not_scanned(
    req: RgaMassRangeRequirement | RgaPeaksRequirement | RgaAirLeakRequirement,
    scan: RgaScan,
    lo: int,
    hi: int,
) -> RequirementResult:
    a, b = scan.amu_range
    return result(
        req,
        verdict="inconclusive",
        evidence=[scan],
        message=Text.of(
            f"the scan covers m/z {a}–{b}; the requirement needs m/z {lo}–{hi}",
            f"扫描范围为 m/z {a}–{b}；该要求需要 m/z {lo}–{hi}",
        ),
        action=Text.of(f"re-scan covering m/z {lo}–{hi}", f"请重新扫描，覆盖 m/z {lo}–{hi}"),
    )


def _covers(scan: RgaScan, lo: int, hi: int) -> bool:
    return scan.amu_range[0] <= lo and scan.amu_range[1] >= hi


def _contamination_action(peaks: dict[int, float], total: float, masses: str) -> Text:
    oil = vac.pump_oil_signature(peaks, total)
    if oil.found:
        return Text.of(
            f"pump-oil signature (m/z {', '.join(map(str, oil.masses_present))}): stop oil backstreaming "
            "(foreline trap, roughing-valve sequence, dry pump), clean the exposed parts, bake, and re-scan",
            f"存在泵油特征峰（m/z {', '.join(map(str, oil.masses_present))}）：请消除油返流（前级冷阱、"
            "粗抽阀门时序或改用干泵），清洗暴露部件，烘烤后重新扫描",
        )
    return Text.of(
        f"find the source of m/z {masses} (see the peak names), clean the vacuum-exposed parts "
        "(solvent wipe, vacuum bake) and re-scan",
        f"请查找 m/z {masses} 的来源（见峰归属），清洗真空暴露部件（溶剂擦拭、真空烘烤）后重新扫描",
    )


@check("rga_mass_range", evidence=("rga_scan",), missing_action=_RGA_MISSING)
def check_rga_mass_range(
    req: RgaMassRangeRequirement, candidates: Sequence[RgaScan], ctx: Context
) -> RequirementResult:
    scan, peaks = _latest_scan(candidates)
    if not _covers(scan, req.amu_min, req.amu_max):
        return _not_scanned(req, scan, req.amu_min, req.amu_max)
    summed = vac.partial_sum(peaks, req.amu_min, req.amu_max)
    if req.max_fraction_of_total is not None:
        measured = Measure(value=summed / scan.total_pressure, unit=FRACTION)
        limit = Measure(value=req.max_fraction_of_total, unit=FRACTION)
        what = ("of total pressure", "占总压")
    else:
        assert req.max_partial_pressure is not None
        limit = req.max_partial_pressure
        measured = Measure(
            value=Measure(value=summed, unit=scan.pressure_unit).to(limit.unit), unit=limit.unit
        )
        what = (limit.unit, limit.unit)
    in_range = sorted((m for m in peaks if req.amu_min <= m <= req.amu_max), key=lambda m: (-peaks[m], m))
    largest = ", ".join(f"{m} ({vac.peak_name(m)})" for m in in_range[:3] if peaks[m] > 0) or "none"
    rng = f"Σ m/z {req.amu_min}–{req.amu_max}"

    def message(passed: bool) -> Text:
        sign = "≤" if passed else ">"
        return Text.of(
            f"{rng} = {fmt(measured.value)} {what[0]} {sign} {fmt(limit.value)}; largest: {largest}",
            f"{rng} = {fmt(measured.value)}（{what[1]}）{sign} {fmt(limit.value)}；最大峰：{largest}",
        )

    return at_most_result(
        req,
        scan,
        measured,
        limit,
        message=message,
        action=_contamination_action(peaks, scan.total_pressure, largest),
    )


@check("rga_peaks", evidence=("rga_scan",), missing_action=_RGA_MISSING)
def check_rga_peaks(
    req: RgaPeaksRequirement, candidates: Sequence[RgaScan], ctx: Context
) -> RequirementResult:
    scan, peaks = _latest_scan(candidates)
    details: list[Detail] = []
    for peak in req.peaks:
        name = peak.name or vac.PEAK_NAMES.get(peak.amu)
        label = f"m/z {peak.amu} {name}" if name else f"m/z {peak.amu}"
        limit = Measure(value=peak.max_fraction_of_total, unit=FRACTION)
        if not _covers(scan, peak.amu, peak.amu):
            note = Text.of("outside the scanned range", "不在扫描范围内")
            details.append(Detail(label=label, verdict="inconclusive", limit=limit, note=note))
            continue
        fraction = peaks.get(peak.amu, 0.0) / scan.total_pressure
        ok = at_most(fraction, limit.value)
        details.append(
            Detail(
                label=label,
                verdict="pass" if ok else "fail",
                measured=Measure(value=fraction, unit=FRACTION),
                limit=limit,
                margin=margin_for(fraction, limit.value),
                note=None if peak.amu in peaks else Text.of("not detected", "未检出"),
            )
        )
    verdict = worst([d.verdict for d in details])
    failed = [d.label for d in details if d.verdict == "fail"]
    unscanned = [str(p.amu) for p, d in zip(req.peaks, details, strict=True) if d.verdict == "inconclusive"]
    if verdict == "pass":
        message = Text.of(
            "every listed peak is within its fraction of total pressure", "所列各峰均在限值以内"
        )
        action = None
    elif failed:
        message = Text.of(f"above the limit: {'; '.join(failed)}", f"超过限值：{'；'.join(failed)}")
        masses = ", ".join(label.split()[1] for label in failed)
        action = _contamination_action(peaks, scan.total_pressure, masses)
    else:
        message = Text.of(f"m/z {', '.join(unscanned)} not scanned", f"m/z {', '.join(unscanned)} 未扫描")
        lo = min(scan.amu_range[0], *(p.amu for p in req.peaks))
        hi = max(scan.amu_range[1], *(p.amu for p in req.peaks))
        action = Text.of(f"re-scan covering m/z {lo}–{hi}", f"请重新扫描，覆盖 m/z {lo}–{hi}")
    return result(req, verdict=verdict, evidence=[scan], message=message, action=action, details=details)


def _air_details(req: RgaAirLeakRequirement, sig: vac.AirLeakSignature) -> list[Detail]:
    """The signature's parts; each carries the signature's verdict (they decide together, not alone)."""
    verdict: Verdict = "fail" if sig.found else "pass"
    lo, hi = req.n2_o2_ratio_window
    details = [
        Detail(
            label=f"O₂ (m/z 32) fraction of total, signature from {fmt(req.min_o2_fraction_of_total)}",
            verdict=verdict,
            measured=Measure(value=sig.o2_fraction, unit=FRACTION),
            limit=Measure(value=req.min_o2_fraction_of_total, unit=FRACTION),
            margin=margin_for(sig.o2_fraction, req.min_o2_fraction_of_total),
        )
    ]
    if sig.n2_o2_ratio is not None:
        details.append(
            Detail(
                label=f"N₂/O₂ (m/z 28/32) = {fmt(sig.n2_o2_ratio)}, air-like window {fmt(lo)}–{fmt(hi)}",
                verdict=verdict,
                note=Text.of(f"air: {fmt(vac.ATMOSPHERIC_N2_O2)}", f"空气：{fmt(vac.ATMOSPHERIC_N2_O2)}"),
            )
        )
    if sig.ar_o2_ratio is not None:
        agrees = (
            ("consistent with air", "与空气一致") if sig.argon_consistent else ("not air-like", "与空气不符")
        )
        details.append(
            Detail(
                label=f"Ar/O₂ (m/z 40/32) = {fmt(sig.ar_o2_ratio)}",
                verdict=verdict,
                note=Text.of(
                    f"air: {fmt(vac.ATMOSPHERIC_AR_O2)}; {agrees[0]}",
                    f"空气：{fmt(vac.ATMOSPHERIC_AR_O2)}；{agrees[1]}",
                ),
            )
        )
    return details


@check("rga_air_leak", evidence=("rga_scan",), missing_action=_RGA_MISSING)
def check_rga_air_leak(
    req: RgaAirLeakRequirement, candidates: Sequence[RgaScan], ctx: Context
) -> RequirementResult:
    scan, peaks = _latest_scan(candidates)
    if not _covers(scan, 28, 40):
        return _not_scanned(req, scan, 28, 40)
    sig = vac.air_leak_signature(
        peaks,
        scan.total_pressure,
        n2_o2_window=req.n2_o2_ratio_window,
        min_o2_fraction=req.min_o2_fraction_of_total,
    )
    details = _air_details(req, sig)
    if not sig.found:
        return result(
            req,
            verdict="pass",
            evidence=[scan],
            details=details,
            message=Text.of("no air-leak signature (O₂ with N₂ in atmospheric proportion)", "无空气漏特征"),
        )
    confirm = (" and Ar 40 confirms it", "，Ar 40 亦证实") if sig.argon_consistent else ("", "")
    return result(
        req,
        verdict="fail",
        evidence=[scan],
        details=details,
        message=Text.of(
            f"air-leak signature: O₂ is {fmt(sig.o2_fraction * 100)} % of total with N₂/O₂ = "
            f"{fmt(sig.n2_o2_ratio or 0)}{confirm[0]}",
            f"存在空气漏特征：O₂ 占总压 {fmt(sig.o2_fraction * 100)} %，"
            f"N₂/O₂ = {fmt(sig.n2_o2_ratio or 0)}{confirm[1]}",
        ),
        action=Text.of(
            "helium leak-test the seals (flanges, O-rings, feedthroughs, valves), repair, and re-scan",
            "请对密封件（法兰、O 形圈、馈通件、阀门）进行氦检漏，修复后重新扫描",
        ),
    )
