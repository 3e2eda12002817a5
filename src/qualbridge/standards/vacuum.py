"""Vacuum qualification computations: leak rates, rate of rise, base pressure, RGA spectra, outgassing.

Pure functions on :class:`~qualbridge.measure.Measure` values and plain numbers. Every number here is a
physical identity or a tabulated fact of the reference notes (§4.1, §4.2); acceptance values are never
hard-coded: they are profile parameters (§4.3), checked for the right dimension by the rules at the end.

Units of throughput (leak rate, gas load): mbar·L/s, Pa·m³/s (SI, preferred by SEMI E16), atm·cc/s, Torr·L/s,
sccm. Outgassing rates are throughput per area: Pa·m³/(s·m²), mbar·L/(s·cm²), torr·L/(s·cm²).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from qualbridge import units
from qualbridge.errors import UnitError
from qualbridge.measure import Measure
from qualbridge.standards.requirements import (
    BasePressureRequirement,
    HeliumLeakRequirement,
    OutgassingRateRequirement,
    RateOfRiseRequirement,
    RgaMassRangeRequirement,
)
from qualbridge.standards.validation import rule

THROUGHPUT = "mbar·L/s"
PRESSURE = "mbar"
OUTGASSING_RATE = "Pa·m³/(s·m²)"

#: Modes of a helium mass-spectrometer leak test, as the evidence model spells them.
LEAK_TEST_MODES: tuple[str, ...] = ("spray", "hood", "bombing", "sniffer", "accumulation")

FlowRegime = Literal["viscous", "molecular"]


# --- units -------------------------------------------------------------------------------------------


def _require(unit_text: str, reference: str, what: str) -> None:
    if not units.same_dimension(unit_text, reference):
        raise UnitError(f"{unit_text!r} is not a unit of {what}", expected=f"a unit like {reference}")


def is_throughput(unit_text: str) -> bool:
    return units.same_dimension(unit_text, THROUGHPUT)


def is_pressure(unit_text: str) -> bool:
    return units.same_dimension(unit_text, PRESSURE)


def is_outgassing_rate(unit_text: str) -> bool:
    return units.same_dimension(unit_text, OUTGASSING_RATE)


def leak_rate_in(rate: Measure, unit_text: str) -> float:
    """A leak rate (or any gas throughput) in ``unit_text``: mbar·L/s, Pa·m³/s, atm·cc/s, Torr·L/s, sccm."""
    _require(rate.unit, THROUGHPUT, "gas throughput (leak rate)")
    _require(unit_text, THROUGHPUT, "gas throughput (leak rate)")
    return rate.to(unit_text)


def outgassing_rate_in(rate: Measure, unit_text: str) -> float:
    """An outgassing rate per area in ``unit_text`` (1 mbar·L/(s·cm²) = 1000 Pa·m³/(s·m²), §4.1)."""
    _require(rate.unit, OUTGASSING_RATE, "outgassing rate per area")
    _require(unit_text, OUTGASSING_RATE, "outgassing rate per area")
    return rate.to(unit_text)


# --- helium to other gases (§4.1, LACO Titan manual table) -------------------------------------------


@dataclass(frozen=True, slots=True)
class GasFactor:
    """Multiply a helium leak rate by these to get the same leak's rate for ``gas``."""

    gas: str
    viscous: float
    molecular: float


HELIUM_TO_GAS: Mapping[str, GasFactor] = {
    f.gas: f
    for f in (
        GasFactor("air", viscous=1.08, molecular=0.374),
        GasFactor("N2", viscous=1.12, molecular=0.374),
        GasFactor("Ar", viscous=0.883, molecular=0.316),
        GasFactor("H2", viscous=2.23, molecular=1.41),
        GasFactor("H2O", viscous=2.09, molecular=0.469),
    )
}

#: Rule of thumb (§4.1): leaks above ~1e-5 atm·cc/s flow viscously, smaller ones molecularly.
VISCOUS_ABOVE = Measure(value=1e-5, unit="atm·cc/s")


def flow_regime(rate: Measure) -> FlowRegime:
    """The flow regime a leak of this rate most likely has (a rule of thumb, not a measurement)."""
    return "viscous" if leak_rate_in(rate, VISCOUS_ABOVE.unit) > VISCOUS_ABOVE.value else "molecular"


def helium_to_gas(helium_rate: Measure, gas: str, *, regime: FlowRegime | None = None) -> Measure:
    """The rate of ``gas`` through a leak measured with helium; regime from the rule of thumb if not given."""
    try:
        factor = HELIUM_TO_GAS[gas]
    except KeyError:
        known = ", ".join(HELIUM_TO_GAS)
        raise UnitError(f"no helium conversion factor for gas {gas!r}", expected=known) from None
    chosen = regime or flow_regime(helium_rate)
    multiplier = factor.viscous if chosen == "viscous" else factor.molecular
    return Measure(value=helium_rate.value * multiplier, unit=helium_rate.unit)


# --- rate of rise (§4.2) -----------------------------------------------------------------------------


def gas_load(volume: Measure, rise: Measure, duration: Measure, *, unit: str = THROUGHPUT) -> Measure:
    """Total gas load of an isolated volume, q = V·Δp/Δt (leaks + outgassing + virtual leaks)."""
    _require(volume.unit, "L", "volume")
    _require(rise.unit, PRESSURE, "pressure")
    _require(duration.unit, "s", "time")
    if duration.value <= 0:
        raise UnitError("the rise duration must be positive", expected="Δt > 0")
    q = volume.quantity() * rise.quantity() / duration.quantity()
    return Measure(value=float(q.to(units.unit(unit)).magnitude), unit=unit)


def pressure_rise(p_start: Measure, p_end: Measure) -> Measure:
    """Δp = p_end − p_start, in the unit of ``p_end``."""
    _require(p_start.unit, PRESSURE, "pressure")
    _require(p_end.unit, PRESSURE, "pressure")
    return Measure(value=p_end.value - p_start.to(p_end.unit), unit=p_end.unit)


def ultimate_pressure(load: Measure, pumping_speed: Measure, *, unit: str = PRESSURE) -> Measure:
    """Estimated ultimate pressure p_ult ≈ q / S_eff (§4.2)."""
    _require(load.unit, THROUGHPUT, "gas throughput")
    _require(pumping_speed.unit, "L/s", "pumping speed")
    if pumping_speed.value <= 0:
        raise UnitError("the effective pumping speed must be positive", expected="S_eff > 0")
    p = load.quantity() / pumping_speed.quantity()
    return Measure(value=float(p.to(units.unit(unit)).magnitude), unit=unit)


RiseKind = Literal["linear", "saturating", "accelerating", "undetermined"]

#: Fewest curve points for a judgement: a quadratic fit needs three, its error estimate three more.
MIN_CURVE_POINTS = 6
#: The end-to-start slope ratio beyond which a significant curvature counts as a change of rise rate.
SLOPE_RATIO_TOLERANCE = 0.2
#: Curvature counts only when it exceeds this many standard errors of the fit.
CURVATURE_SIGNIFICANCE = 3.0


@dataclass(frozen=True, slots=True)
class RiseShape:
    """How the pressure of an isolated chamber rises; slopes in curve units per second."""

    kind: RiseKind
    points: int
    start_slope: float | None = None
    end_slope: float | None = None
    slope_ratio: float | None = None
    curvature_sigma: float | None = None
    late_slope: float | None = None


def rise_shape(times_s: Sequence[float], pressures: Sequence[float]) -> RiseShape:
    """Judge whether a rate-of-rise curve is linear (a real leak) or saturating (outgassing, virtual leak).

    Criterion: fit p(τ) = a + b·τ + c·τ² by least squares, with τ = (t − t₀)/T over the test duration T.
    The fitted rise rate is b/T at the start and (b + 2c)/T at the end; their ratio r = 1 + 2c/b.
    The curvature c is *significant* when |c| ≥ 3 standard errors of the fit (residual variance with n − 3
    degrees of freedom).

    - ``linear``: c is not significant, or |r − 1| ≤ 0.2. A constant rise rate is what a real leak gives
      (the inflow of a leak does not depend on the chamber pressure while that is far below atmosphere).
    - ``saturating``: c is significant and r < 0.8. Outgassing and virtual leaks slow down as the pressure
      rises toward an equilibrium.
    - ``accelerating``: c is significant and r > 1.2 (gauge not settled, a burst from a trapped volume).
    - ``undetermined``: fewer than 6 points, times not increasing, or no rise at the start (b ≤ 0).

    ``late_slope`` is the least-squares slope of the last third of the points (at least 3), floored at
    zero: V times it bounds the real-leak share of the gas load from above.
    """
    t = np.asarray(times_s, dtype=float)
    p = np.asarray(pressures, dtype=float)
    n = len(t)
    if n != len(p):
        raise ValueError("one pressure per time expected")
    if n < MIN_CURVE_POINTS or np.any(np.diff(t) <= 0):
        return RiseShape(kind="undetermined", points=n)
    span = float(t[-1] - t[0])
    tau = (t - t[0]) / span
    design = np.column_stack([np.ones(n), tau, tau**2])
    coef, _, _, _ = np.linalg.lstsq(design, p, rcond=None)
    _, b, c = (float(x) for x in coef)
    if b <= 1e-12 * float(np.max(np.abs(p))):  # no rise beyond round-off
        return RiseShape(kind="undetermined", points=n)
    residual = p - design @ coef
    variance = float(residual @ residual) / (n - 3)
    se_c = math.sqrt(variance * float(np.linalg.inv(design.T @ design)[2, 2]))
    sigma = abs(c) / se_c if se_c > 0 else (math.inf if abs(c) > 1e-12 * abs(b) else 0.0)
    ratio = 1 + 2 * c / b
    if sigma < CURVATURE_SIGNIFICANCE or abs(ratio - 1) <= SLOPE_RATIO_TOLERANCE:
        kind: RiseKind = "linear"
    else:
        kind = "saturating" if ratio < 1 else "accelerating"
    return RiseShape(
        kind=kind,
        points=n,
        start_slope=b / span,
        end_slope=(b + 2 * c) / span,
        slope_ratio=ratio,
        curvature_sigma=sigma,
        late_slope=_late_slope(t, p),
    )


def _late_slope(t: Any, p: Any) -> float | None:
    k = max(3, len(t) // 3)
    tail_t, tail_p = t[-k:], p[-k:]
    slope = float(np.polyfit(tail_t, tail_p, 1)[0])
    return max(slope, 0.0)


# --- RGA spectra (§4.2) ------------------------------------------------------------------------------

#: Usual assignments of unit-mass peaks in a vacuum RGA spectrum (several species can share one mass).
PEAK_NAMES: Mapping[int, str] = {
    1: "H",
    2: "H₂",
    4: "He",
    12: "C",
    14: "N / CH₂",
    15: "CH₃",
    16: "O / CH₄",
    17: "OH",
    18: "H₂O",
    19: "F",
    20: "Ar²⁺ / Ne",
    22: "CO₂²⁺",
    28: "N₂ / CO",
    32: "O₂",
    35: "Cl",
    39: "C₃H₃ (oil)",
    40: "Ar",
    41: "C₃H₅ (oil)",
    43: "C₃H₇ (oil)",
    44: "CO₂",
    45: "¹³CO₂ / CHO₂",
    55: "C₄H₇ (oil)",
    57: "C₄H₉ (oil)",
    69: "CF₃ (PFPE) / C₅H₉",
    97: "C₂H₃Cl₂ (TCA)",
}

#: Mechanical-pump oil cracking pattern (SRS RGA manual, Appendix A).
PUMP_OIL_MASSES: tuple[int, ...] = (39, 41, 43, 55, 57)

#: Dry air by volume: N₂ 78.084 %, O₂ 20.946 %, Ar 0.934 %.
ATMOSPHERIC_N2_O2 = 78.084 / 20.946
ATMOSPHERIC_AR_O2 = 0.934 / 20.946


def peak_name(amu: int) -> str:
    return PEAK_NAMES.get(amu, f"m/z {amu}")


def partial_sum(peaks: Mapping[int, float], amu_min: int, amu_max: int) -> float:
    """Σ partial pressures of the unit masses amu_min..amu_max (inclusive), in the scan's unit."""
    return math.fsum(pp for amu, pp in peaks.items() if amu_min <= amu <= amu_max)


def fraction_of_total(peaks: Mapping[int, float], total: float, amu_min: int, amu_max: int) -> float:
    if total <= 0:
        raise ValueError("total pressure must be positive")
    return partial_sum(peaks, amu_min, amu_max) / total


@dataclass(frozen=True, slots=True)
class AirLeakSignature:
    found: bool
    o2_fraction: float
    n2_o2_ratio: float | None
    ar_o2_ratio: float | None
    argon_consistent: bool | None


def air_leak_signature(
    peaks: Mapping[int, float],
    total: float,
    *,
    n2_o2_window: tuple[float, float] = (3.0, 4.5),
    min_o2_fraction: float = 0.01,
) -> AirLeakSignature:
    """An air leak shows O₂ (32) above ``min_o2_fraction`` of total with N₂ (28) in atmospheric proportion.

    Air is N₂:O₂ ≈ 3.73; an RGA reads it higher (O₂ is consumed on the hot filament) and CO also sits at
    28, so the window is a profile parameter. Ar (40) corroborates: ``argon_consistent`` is True when Ar/O₂
    is within a factor 5 of air's 0.045 (gas-specific RGA sensitivities differ by about that much); it does
    not gate ``found``, because missing the leak is worse than leak-testing a tight chamber.
    """
    o2 = peaks.get(32, 0.0)
    n2 = peaks.get(28, 0.0)
    ar = peaks.get(40)
    o2_fraction = o2 / total
    n2_o2 = n2 / o2 if o2 > 0 else None
    ar_o2 = ar / o2 if (ar is not None and o2 > 0) else None
    consistent = None if ar_o2 is None else ATMOSPHERIC_AR_O2 / 5 <= ar_o2 <= ATMOSPHERIC_AR_O2 * 5
    found = (
        o2_fraction >= min_o2_fraction and n2_o2 is not None and n2_o2_window[0] <= n2_o2 <= n2_o2_window[1]
    )
    return AirLeakSignature(
        found=found,
        o2_fraction=o2_fraction,
        n2_o2_ratio=n2_o2,
        ar_o2_ratio=ar_o2,
        argon_consistent=consistent,
    )


@dataclass(frozen=True, slots=True)
class OilSignature:
    found: bool
    masses_present: tuple[int, ...]
    fraction: float


def pump_oil_signature(
    peaks: Mapping[int, float], total: float, *, min_fraction: float = 1e-4, min_masses: int = 4
) -> OilSignature:
    """Backstreamed pump oil: ``min_masses`` or more of 39, 41, 43, 55, 57 above ``min_fraction`` of total."""
    present = tuple(m for m in PUMP_OIL_MASSES if peaks.get(m, 0.0) / total >= min_fraction)
    fraction = math.fsum(peaks.get(m, 0.0) for m in PUMP_OIL_MASSES) / total
    return OilSignature(found=len(present) >= min_masses, masses_present=present, fraction=fraction)


def hydrocarbon_series(
    peaks: Mapping[int, float], total: float, *, min_fraction: float = 1e-5, min_length: int = 3
) -> list[tuple[int, ...]]:
    """Runs of peaks 14 amu apart (one CH₂ each) from mass 39 up, each above ``min_fraction`` of total.

    A hydrocarbon envelope shows as such runs, e.g. 41-55-69-83 (CₙH₂ₙ₋₁) and 43-57-71-85 (CₙH₂ₙ₊₁).
    Runs start at 39 so that N₂/CO (28) and N (14) are not mistaken for one.
    """
    above = {m for m, pp in peaks.items() if m >= 39 and pp / total >= min_fraction}
    runs: list[tuple[int, ...]] = []
    for start in sorted(above):
        if start - 14 in above:
            continue
        run = [start]
        while run[-1] + 14 in above:
            run.append(run[-1] + 14)
        if len(run) >= min_length:
            runs.append(tuple(run))
    return runs


# --- outgassing rate (§4.1) --------------------------------------------------------------------------


def outgassing_rate(load: Measure, area: Measure, *, unit: str = OUTGASSING_RATE) -> Measure:
    """Specific outgassing rate: gas load per exposed area."""
    _require(load.unit, THROUGHPUT, "gas throughput")
    _require(area.unit, "m²", "area")
    if area.value <= 0:
        raise UnitError("the outgassing area must be positive", expected="area > 0")
    rate = load.quantity() / area.quantity()
    return Measure(value=float(rate.to(units.unit(unit)).magnitude), unit=unit)


def load_from_outgassing(rate: Measure, area: Measure, *, unit: str = THROUGHPUT) -> Measure:
    """The gas load an area outgassing at ``rate`` puts on a chamber."""
    _require(rate.unit, OUTGASSING_RATE, "outgassing rate per area")
    _require(area.unit, "m²", "area")
    load = rate.quantity() * area.quantity()
    return Measure(value=float(load.to(units.unit(unit)).magnitude), unit=unit)


# --- profile rules -----------------------------------------------------------------------------------


def _dimension_problem(value: Measure | None, reference: str, what: str, field: str) -> list[str]:
    if value is None or units.same_dimension(value.unit, reference):
        return []
    return [f"{field}: {value.unit!r} is not a unit of {what} (use e.g. {reference})"]


@rule("helium_leak_rate")
def _leak_rule(req: HeliumLeakRequirement) -> list[str]:
    problems = _dimension_problem(req.max_leak_rate, THROUGHPUT, "leak rate", "max_leak_rate")
    unknown = sorted(set(req.accepted_modes or ()) - set(LEAK_TEST_MODES))
    if unknown:
        problems.append(f"accepted_modes: unknown {', '.join(unknown)} (known: {', '.join(LEAK_TEST_MODES)})")
    return problems


@rule("rate_of_rise")
def _rise_rule(req: RateOfRiseRequirement) -> list[str]:
    return _dimension_problem(req.max_gas_load, THROUGHPUT, "gas load", "max_gas_load")


@rule("base_pressure")
def _base_rule(req: BasePressureRequirement) -> list[str]:
    return _dimension_problem(req.max_pressure, PRESSURE, "pressure", "max_pressure")


@rule("rga_mass_range")
def _rga_range_rule(req: RgaMassRangeRequirement) -> list[str]:
    return _dimension_problem(req.max_partial_pressure, PRESSURE, "pressure", "max_partial_pressure")


@rule("outgassing_rate")
def _outgassing_rule(req: OutgassingRateRequirement) -> list[str]:
    return _dimension_problem(req.max_rate_per_area, OUTGASSING_RATE, "outgassing rate", "max_rate_per_area")
