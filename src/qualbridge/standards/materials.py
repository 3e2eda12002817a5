"""Materials computations: censored trace-metal results on a stated basis, and outgassing screening.

Trace metals (reference notes §5.2): a result is a mass fraction (w/w: ppb = µg/kg, ppt = ng/kg), a mass
concentration (w/v: µg/L) or a mass per wetted area (µg/m²). The bases are never mixed: a w/v result meets
a w/w limit only through the sample's density, and a per-area result meets only a per-area limit. A result
below the detection limit ("< DL") is censored, never zero: it shows the limit is met only when DL ≤ limit.

Outgassing (§5.3): ASTM E595 screens TML and CVCM at 125 °C specimen / 25 °C collector / 24 h; results at
other conditions are not comparable. NASA-STD-6016 excuses water: TML − WVR instead of TML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from qualbridge import units
from qualbridge.errors import UnitError
from qualbridge.measure import Measure
from qualbridge.standards.requirements import OutgassingScreeningRequirement, TraceMetalsRequirement
from qualbridge.standards.validation import rule

Basis = Literal["w/w", "w/v", "per_area"]
Outcome = Literal["pass", "fail", "inconclusive", "missing"]

#: The unit each basis is reported in here; any unit of the same dimension converts to it.
BASIS_UNIT: dict[Basis, str] = {"w/w": "ppb", "w/v": "µg/L", "per_area": "µg/m²"}
BASIS_NAME: dict[Basis, str] = {
    "w/w": "mass fraction (w/w)",
    "w/v": "mass per volume (w/v)",
    "per_area": "mass per wetted area",
}
#: Dilute aqueous samples: labs write ppm/ppb/ppt for mg/L, µg/L, ng/L (§5.2). Read so only under w/v.
_AQUEOUS: dict[str, str] = {"ppm": "mg/L", "ppb": "µg/L", "ppt": "ng/L"}

#: Relative slack for comparing values after unit conversion, so round-off never flips a verdict.
_ROUND_OFF = 1e-9


def basis_of_unit(unit_text: str) -> Basis | None:
    """The basis a unit belongs to: dimensionless → w/w, mass/volume → w/v, mass/area → per_area."""
    for basis, reference in BASIS_UNIT.items():
        if units.same_dimension(unit_text, reference):
            return basis
    return None


def on_basis(value: float, unit_text: str, basis: Basis) -> Measure:
    """A reported value in the canonical unit of ``basis``; a unit of another basis is an error."""
    spelled = _AQUEOUS.get(unit_text.strip().lower(), unit_text) if basis == "w/v" else unit_text
    if basis_of_unit(spelled) != basis:
        raise UnitError(
            f"{unit_text!r} is not a unit of {BASIS_NAME[basis]}",
            expected=f"a unit like {BASIS_UNIT[basis]}",
        )
    target = BASIS_UNIT[basis]
    return Measure(value=units.convert(value, spelled, target), unit=target)


def rebase(value: Measure, source: Basis, target: Basis, *, density: Measure | None) -> Measure | None:
    """``value`` (canonical unit of ``source``) on ``target``; None when it cannot be done.

    w/v ↔ w/w goes through the sample density (c_w/w = c_w/v / ρ); nothing converts to or from a
    per-area basis, which depends on the extraction (volume and wetted area), not on the sample.
    """
    if source == target:
        return value
    if density is None or "per_area" in (source, target):
        return None
    if not units.same_dimension(density.unit, "g/mL"):
        raise UnitError(f"density {density.unit!r} is not a mass per volume", expected="g/mL or kg/m³")
    if density.value <= 0:
        raise UnitError("density must be positive", expected="ρ > 0")
    q = value.quantity() / density.quantity() if source == "w/v" else value.quantity() * density.quantity()
    unit_text = BASIS_UNIT[target]
    return Measure(value=float(q.to(units.unit(unit_text)).magnitude), unit=unit_text)


ElementReason = Literal[
    "measured", "below_detection_limit", "detection_limit_above_limit", "basis_mismatch", "density_needed"
]


@dataclass(frozen=True, slots=True)
class ElementJudgement:
    """One element against its limit; ``measured`` is the value (the DL when censored) in the limit unit."""

    verdict: Outcome
    reason: ElementReason
    measured: Measure | None
    limit: Measure
    censored: bool


def judge_element(
    *,
    value: float | None,
    unit: str,
    detection_limit: float | None,
    censored: bool,
    basis: Basis,
    limit: Measure,
    limit_basis: Basis,
    density: Measure | None = None,
) -> ElementJudgement:
    """Compare one reported element with its limit: a measured value, or a censored "< DL"."""
    reported = detection_limit if censored else value
    if reported is None:
        raise ValueError("a result needs a value, or a detection limit when censored")
    on_source = on_basis(reported, unit, basis)
    rebased = rebase(on_source, basis, limit_basis, density=density)
    if rebased is None:
        reason: ElementReason = (
            "density_needed" if "per_area" not in (basis, limit_basis) else "basis_mismatch"
        )
        return ElementJudgement("inconclusive", reason, None, limit, censored)
    measured = Measure(value=rebased.to(limit.unit), unit=limit.unit)
    within = measured.value <= limit.value * (1 + _ROUND_OFF)
    if censored:
        if within:
            return ElementJudgement("pass", "below_detection_limit", measured, limit, censored)
        return ElementJudgement("inconclusive", "detection_limit_above_limit", measured, limit, censored)
    return ElementJudgement("pass" if within else "fail", "measured", measured, limit, censored)


# --- outgassing screening (§5.3) ---------------------------------------------------------------------

E595_SAMPLE_C = 125.0
E595_COLLECTOR_C = 25.0
E595_DURATION_H = 24.0
#: How far stated conditions may sit from E595's and still be comparable. QualBridge's tolerance for
#: instrument reporting (a report rounding 124.6 °C), not a number from the standard.
TEMPERATURE_TOLERANCE_C = 1.0
DURATION_TOLERANCE_H = 0.5


@dataclass(frozen=True, slots=True)
class ConditionDeviation:
    parameter: Literal["sample temperature", "collector temperature", "duration"]
    stated: float | None
    required: float
    unit: str


def names_e595(method: str | None) -> bool:
    """Whether a method string names ASTM E595 ("ASTM E595-15", "E 595")."""
    text = (method or "").upper().replace(" ", "")
    return "E595" in text


def e595_deviations(
    *,
    sample_c: float | None,
    collector_c: float | None,
    duration_h: float | None,
    method: str | None,
) -> list[ConditionDeviation]:
    """Conditions that make a result not comparable with E595 screening levels (empty when comparable).

    A condition not stated is taken as E595's only when the method names ASTM E595, which fixes it.
    """
    implied = names_e595(method)
    checks: list[
        tuple[
            Literal["sample temperature", "collector temperature", "duration"],
            float | None,
            float,
            float,
            str,
        ]
    ] = [
        ("sample temperature", sample_c, E595_SAMPLE_C, TEMPERATURE_TOLERANCE_C, "°C"),
        ("collector temperature", collector_c, E595_COLLECTOR_C, TEMPERATURE_TOLERANCE_C, "°C"),
        ("duration", duration_h, E595_DURATION_H, DURATION_TOLERANCE_H, "h"),
    ]
    deviations: list[ConditionDeviation] = []
    for name, stated, required, tolerance, unit in checks:
        if stated is None and implied:
            continue
        if stated is None or abs(stated - required) > tolerance:
            deviations.append(ConditionDeviation(name, stated, required, unit))
    return deviations


@dataclass(frozen=True, slots=True)
class ScreenItem:
    """One screened quantity: TML, TML − WVR or CVCM, in % of the initial specimen mass."""

    quantity: Literal["TML", "TML − WVR", "CVCM"]
    value: float | None
    limit: float
    verdict: Outcome
    note: Literal["", "wvr_not_reported", "tml_bounds_tml_minus_wvr"] = ""


def _item(quantity: Literal["TML", "TML − WVR", "CVCM"], value: float | None, limit: float) -> ScreenItem:
    if value is None:
        return ScreenItem(quantity, None, limit, "missing")
    return ScreenItem(quantity, value, limit, "pass" if value <= limit * (1 + _ROUND_OFF) else "fail")


def tml_minus_wvr(tml: float, wvr: float) -> float:
    """Mass lost other than water (NASA-STD-6016 §4.2.3.6): water regained is excused."""
    return tml - wvr


def screen(
    req: OutgassingScreeningRequirement, *, tml: float | None, cvcm: float | None, wvr: float | None
) -> list[ScreenItem]:
    """Screen one material's results by the requirement's rule."""
    items = []
    if req.rule == "astm_e595":
        assert req.max_tml_pct is not None  # the requirement model guarantees it for this rule
        items.append(_item("TML", tml, req.max_tml_pct))
    else:
        assert req.max_tml_minus_wvr_pct is not None
        items.append(_water_excused(tml, wvr, req.max_tml_minus_wvr_pct))
    items.append(_item("CVCM", cvcm, req.max_cvcm_pct))
    return items


def _water_excused(tml: float | None, wvr: float | None, limit: float) -> ScreenItem:
    if tml is not None and wvr is None:
        # WVR ≥ 0, so TML bounds TML − WVR from above: a TML within the limit settles it without WVR.
        if tml <= limit * (1 + _ROUND_OFF):
            return ScreenItem("TML − WVR", tml, limit, "pass", "tml_bounds_tml_minus_wvr")
        return ScreenItem("TML − WVR", None, limit, "inconclusive", "wvr_not_reported")
    value = None if tml is None or wvr is None else tml_minus_wvr(tml, wvr)
    return _item("TML − WVR", value, limit)


# --- profile rules -----------------------------------------------------------------------------------


@rule("trace_metals")
def _limits_on_basis(req: TraceMetalsRequirement) -> list[str]:
    problems = []
    for limit in req.limits:
        if basis_of_unit(limit.max.unit) != req.basis:
            problems.append(
                f"limit for {limit.element}: {limit.max.unit!r} is not a unit of {BASIS_NAME[req.basis]} "
                f"(basis {req.basis}; use e.g. {BASIS_UNIT[req.basis]})"
            )
        if limit.max.value <= 0:
            problems.append(f"limit for {limit.element}: must be positive")
    return problems


@rule("outgassing_screening")
def _percentages(req: OutgassingScreeningRequirement) -> list[str]:
    limits = {
        "max_tml_pct": req.max_tml_pct,
        "max_tml_minus_wvr_pct": req.max_tml_minus_wvr_pct,
        "max_cvcm_pct": req.max_cvcm_pct,
    }
    return [
        f"{name}: {value} % is not a percentage of specimen mass"
        for name, value in limits.items()
        if value is not None and value > 100
    ]
