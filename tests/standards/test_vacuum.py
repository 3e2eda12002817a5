"""Vacuum computations against the reference notes (shared/reference/standards-facts.md §4)."""

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualbridge.errors import ProfileError, UnitError
from qualbridge.measure import Measure
from qualbridge.standards import vacuum as vac
from qualbridge.standards.profile import documents_from_data, resolve

# Physical constants used to derive the expected factors independently of the unit registry.
ATM_PA = 101_325.0  # 1 standard atmosphere in Pa (definition)
TORR_PA = ATM_PA / 760  # 1 torr = 1/760 atm (definition)


def m(value: float, unit: str) -> Measure:
    return Measure(value=value, unit=unit)


# --- leak-rate units (§4.1) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("src", "dst", "expected"),
    [
        # 1 atm·cc/s = 101325 Pa × 1e-6 m³/s = 0.101325 Pa·m³/s = 1.01325 mbar·L/s (§4.1)
        ("atm·cc/s", "mbar·L/s", ATM_PA * 1e-6 / 0.1),
        ("atm·cc/s", "Pa·m³/s", ATM_PA * 1e-6),
        # 1 mbar·L/s = 100 Pa × 1e-3 m³/s = 0.1 Pa·m³/s (§4.1; the "1e-6" of some calculators is wrong)
        ("mbar·L/s", "Pa·m³/s", 100 * 1e-3),
        # 1 Torr·L/s = 133.322 Pa × 1e-3 m³/s = 1.33322 mbar·L/s (§4.1)
        ("Torr·L/s", "mbar·L/s", TORR_PA * 1e-3 / 0.1),
        # 1 sccm = 1 atm·cc/min = 1.01325/60 mbar·L/s = 0.0168875 (§4.1, NIST factor)
        ("sccm", "mbar·L/s", ATM_PA * 1e-6 / 0.1 / 60),
    ],
)
def test_leak_rate_conversions(src: str, dst: str, expected: float) -> None:
    assert vac.leak_rate_in(m(1.0, src), dst) == pytest.approx(expected, rel=1e-9)


def test_reference_note_values_hold() -> None:
    # The rounded values as printed in §4.1.
    assert vac.leak_rate_in(m(1, "atm·cc/s"), "mbar·L/s") == pytest.approx(1.01325, rel=1e-6)
    assert vac.leak_rate_in(m(1, "sccm"), "mbar·L/s") == pytest.approx(0.0168875, rel=1e-5)


def test_a_pressure_is_not_a_leak_rate() -> None:
    with pytest.raises(UnitError, match="not a unit of gas throughput"):
        vac.leak_rate_in(m(1e-9, "mbar"), "mbar·L/s")
    with pytest.raises(UnitError, match="not a unit of gas throughput"):
        vac.leak_rate_in(m(1e-9, "mbar·L/s"), "L/s")


@given(
    value=st.floats(min_value=1e-14, max_value=1e-2), unit=st.sampled_from(["Pa·m³/s", "atm·cc/s", "sccm"])
)
def test_leak_rate_round_trips_through_any_unit(value: float, unit: str) -> None:
    there = vac.leak_rate_in(m(value, "mbar·L/s"), unit)
    assert vac.leak_rate_in(m(there, unit), "mbar·L/s") == pytest.approx(value, rel=1e-12)


# --- helium to other gases (§4.1 table) --------------------------------------------------------------


def test_helium_to_air_in_molecular_flow() -> None:
    # §4.1: He 1e-9 → air × 0.374 (molecular) = 3.74e-10
    air = vac.helium_to_gas(m(1e-9, "mbar·L/s"), "air")
    assert air.unit == "mbar·L/s"
    assert air.value == pytest.approx(3.74e-10)


def test_flow_regime_follows_the_rule_of_thumb() -> None:
    # §4.1: viscous above ~1e-5 atm·cc/s, molecular below
    assert vac.flow_regime(m(1e-4, "atm·cc/s")) == "viscous"
    assert vac.flow_regime(m(1e-6, "atm·cc/s")) == "molecular"
    # 1e-5 atm·cc/s ≈ 1.013e-5 mbar·L/s: just below is molecular, whatever unit it is stated in
    assert vac.flow_regime(m(1.0e-5, "mbar·L/s")) == "molecular"
    assert vac.flow_regime(m(1.1e-5, "mbar·L/s")) == "viscous"


@pytest.mark.parametrize(
    ("gas", "viscous", "molecular"),
    [
        ("air", 1.08, 0.374),
        ("N2", 1.12, 0.374),
        ("Ar", 0.883, 0.316),
        ("H2", 2.23, 1.41),
        ("H2O", 2.09, 0.469),
    ],
)
def test_helium_factor_table(gas: str, viscous: float, molecular: float) -> None:
    he = m(2e-3, "atm·cc/s")  # a gross, viscous leak
    assert vac.helium_to_gas(he, gas).value == pytest.approx(2e-3 * viscous)
    assert vac.helium_to_gas(he, gas, regime="molecular").value == pytest.approx(2e-3 * molecular)


def test_unknown_gas_is_a_clear_error() -> None:
    with pytest.raises(UnitError, match="no helium conversion factor for gas 'Xe'"):
        vac.helium_to_gas(m(1e-9, "mbar·L/s"), "Xe")


# --- rate of rise (§4.2) -----------------------------------------------------------------------------


def test_gas_load_known_answer() -> None:
    # §4.2: q = V·Δp/Δt; V = 50 L, Δp = 2e-4 mbar over 100 s → 1e-4 mbar·L/s
    q = vac.gas_load(m(50, "L"), m(2e-4, "mbar"), m(100, "s"))
    assert q.value == pytest.approx(50 * 2e-4 / 100)
    assert q.unit == "mbar·L/s"


def test_gas_load_in_mixed_units() -> None:
    # 0.05 m³ × 0.02 Pa / (100/60 min) = 1e-5 Pa·m³/s = 1e-4 mbar·L/s
    q = vac.gas_load(m(0.05, "m³"), m(0.02, "Pa"), m(100 / 60, "min"), unit="Pa·m³/s")
    assert q.value == pytest.approx(0.05 * 0.02 / 100)


def test_gas_load_needs_a_positive_duration_and_right_units() -> None:
    with pytest.raises(UnitError, match="positive"):
        vac.gas_load(m(50, "L"), m(2e-4, "mbar"), m(0, "s"))
    with pytest.raises(UnitError, match="not a unit of volume"):
        vac.gas_load(m(50, "m²"), m(2e-4, "mbar"), m(100, "s"))


def test_pressure_rise_converts_the_start_pressure() -> None:
    rise = vac.pressure_rise(m(1.0, "Pa"), m(0.03, "mbar"))  # 1 Pa = 0.01 mbar
    assert rise.unit == "mbar"
    assert rise.value == pytest.approx(0.02)


def test_ultimate_pressure_is_load_over_pumping_speed() -> None:
    # §4.2: p_ult ≈ q/S_eff; 1e-4 mbar·L/s on 100 L/s → 1e-6 mbar
    p = vac.ultimate_pressure(m(1e-4, "mbar·L/s"), m(100, "L/s"))
    assert p.value == pytest.approx(1e-6)
    # 0.36 m³/h = 0.1 L/s → 1e-3 mbar = 0.1 Pa
    assert vac.ultimate_pressure(m(1e-4, "mbar·L/s"), m(0.36, "m³/h"), unit="Pa").value == pytest.approx(0.1)


def _times(n: int = 61, span: float = 600.0) -> list[float]:
    return [span * i / (n - 1) for i in range(n)]


def test_a_straight_rise_is_linear() -> None:
    rng = np.random.default_rng(1)
    t = _times()
    p = [1e-6 + 1e-7 * x * (1 + 0.003 * rng.standard_normal()) for x in t]
    shape = vac.rise_shape(t, p)
    assert shape.kind == "linear"
    assert shape.start_slope == pytest.approx(1e-7, rel=0.1)


def test_an_outgassing_rise_saturates() -> None:
    t = _times()
    p = [1e-6 + 8e-5 * (1 - math.exp(-x / 150)) for x in t]
    shape = vac.rise_shape(t, p)
    assert shape.kind == "saturating"
    assert shape.slope_ratio is not None
    assert shape.slope_ratio < 0.8
    # the late slope of a pure exponential at t ≥ 400 s is at most 8e-5/150·e^(−400/150)
    assert shape.late_slope is not None
    assert 0 <= shape.late_slope <= 8e-5 / 150 * math.exp(-400 / 150) * 1.01


def test_an_accelerating_rise_is_flagged() -> None:
    t = _times()
    shape = vac.rise_shape(t, [1e-6 + 1e-9 * x + 1e-11 * x**2 for x in t])
    assert shape.kind == "accelerating"


def test_too_few_points_or_no_rise_is_undetermined() -> None:
    assert vac.rise_shape([0, 10, 20, 30, 40], [1, 2, 3, 4, 5]).kind == "undetermined"
    assert vac.rise_shape(_times(10), [1e-6] * 10).kind == "undetermined"
    assert vac.rise_shape([0, 10, 10, 30, 40, 50], [1, 2, 3, 4, 5, 6]).kind == "undetermined"


@given(
    slope=st.floats(min_value=1e-12, max_value=1e-2),
    p0=st.floats(min_value=1e-9, max_value=1e-1),
    n=st.integers(min_value=6, max_value=200),
)
def test_any_exact_straight_line_is_linear(slope: float, p0: float, n: int) -> None:
    t = _times(n)
    assert vac.rise_shape(t, [p0 + slope * x for x in t]).kind == "linear"


# --- RGA (§4.2) --------------------------------------------------------------------------------------

AIR_LEAK = {18: 1e-8, 28: 7.8e-9, 32: 2.1e-9, 40: 9.3e-11, 44: 1e-10}


def test_partial_sum_and_fraction_over_a_mass_range() -> None:
    peaks = {18: 1e-8, 43: 2e-12, 57: 3e-12, 100: 1e-12, 101: 5e-12}
    assert vac.partial_sum(peaks, 45, 100) == pytest.approx(4e-12)
    assert vac.fraction_of_total(peaks, 2e-8, 45, 100) == pytest.approx(2e-4)


def test_air_leak_signature_in_atmospheric_proportion() -> None:
    sig = vac.air_leak_signature(AIR_LEAK, total=2.0e-8)
    assert sig.found
    assert sig.n2_o2_ratio == pytest.approx(7.8 / 2.1)
    assert sig.argon_consistent is True
    # Dry air: N₂ 78.084 %, O₂ 20.946 %, Ar 0.934 % by volume
    assert pytest.approx(3.728, rel=1e-3) == vac.ATMOSPHERIC_N2_O2
    assert pytest.approx(0.0446, rel=1e-2) == vac.ATMOSPHERIC_AR_O2


def test_co_at_mass_28_without_oxygen_is_not_an_air_leak() -> None:
    unbaked = {2: 3e-9, 18: 1.1e-8, 28: 2.5e-9, 32: 4e-11, 44: 3e-10}
    sig = vac.air_leak_signature(unbaked, total=1.7e-8)
    assert not sig.found
    assert sig.o2_fraction < 0.01
    # Oxygen without nitrogen in air's proportion (e.g. an O₂ line) is not air either
    assert not vac.air_leak_signature({28: 1e-10, 32: 5e-9}, total=1e-8).found


def test_pump_oil_signature_and_hydrocarbon_envelope() -> None:
    oil = {
        18: 1e-8,
        39: 4e-11,
        41: 1.1e-10,
        43: 1.3e-10,
        55: 9e-11,
        57: 1e-10,
        69: 3e-11,
        71: 4e-11,
        83: 1e-11,
        85: 1.5e-11,
    }
    sig = vac.pump_oil_signature(oil, total=1.1e-8)
    assert sig.found
    assert sig.masses_present == (39, 41, 43, 55, 57)
    assert sig.fraction == pytest.approx((4 + 11 + 13 + 9 + 10) * 1e-11 / 1.1e-8)
    assert vac.hydrocarbon_series(oil, total=1.1e-8) == [(41, 55, 69, 83), (43, 57, 71, 85)]
    assert not vac.pump_oil_signature({18: 1e-8, 43: 1e-13}, total=1e-8).found


def test_nitrogen_fragments_are_not_a_hydrocarbon_series() -> None:
    assert vac.hydrocarbon_series({14: 1e-9, 28: 1e-8, 42: 1e-10}, total=1e-8) == []


# --- outgassing (§4.1) -------------------------------------------------------------------------------


def test_outgassing_rate_units() -> None:
    # §4.1: 1 mbar·L/(s·cm²) = 100 Pa × 1e-3 m³ / 1e-4 m² / s = 1000 Pa·m³/(s·m²)
    assert vac.outgassing_rate_in(m(1, "mbar·L/(s·cm²)"), "Pa·m³/(s·m²)") == pytest.approx(100 * 1e-3 / 1e-4)
    assert vac.outgassing_rate_in(m(1, "Pa·m³/(s·m²)"), "W/m²") == pytest.approx(1)
    with pytest.raises(UnitError):
        vac.outgassing_rate_in(m(1, "mbar·L/s"), "Pa·m³/(s·m²)")


def test_outgassing_rate_from_load_and_back() -> None:
    rate = vac.outgassing_rate(m(1e-5, "mbar·L/s"), m(1, "m²"))
    assert rate.value == pytest.approx(1e-6)  # 1e-5 mbar·L/s = 1e-6 Pa·m³/s, over 1 m²
    assert vac.load_from_outgassing(rate, m(1, "m²")).value == pytest.approx(1e-5)


# --- profile rules -----------------------------------------------------------------------------------


def _resolve(req: dict[str, Any]) -> Any:
    base = {"id": "r", "title": {"en": "r", "zh": "r"}, "source": "fab-defined"}
    doc = {
        "id": "t/vac",
        "version": 1,
        "title": {"en": "t", "zh": "t"},
        "publisher": "T",
        "requirements": [base | req],
    }
    return resolve(documents_from_data(doc, source="test")[0])


def test_a_leak_limit_in_pressure_units_is_refused() -> None:
    with pytest.raises(ProfileError, match="max_leak_rate: 'mbar' is not a unit of leak rate"):
        _resolve({"kind": "helium_leak_rate", "max_leak_rate": {"value": 1e-9, "unit": "mbar"}})


def test_an_unknown_leak_test_mode_is_refused() -> None:
    with pytest.raises(ProfileError, match="accepted_modes: unknown vacuum"):
        _resolve(
            {
                "kind": "helium_leak_rate",
                "max_leak_rate": {"value": 1e-9, "unit": "mbar·L/s"},
                "accepted_modes": ["spray", "vacuum"],
            }
        )


@pytest.mark.parametrize(
    "req",
    [
        {"kind": "rate_of_rise", "max_gas_load": {"value": 1e-5, "unit": "mbar/s"}},
        {"kind": "base_pressure", "max_pressure": {"value": 1e-8, "unit": "mbar·L/s"}},
        {"kind": "outgassing_rate", "max_rate_per_area": {"value": 1e-9, "unit": "mbar·L/s"}},
        {
            "kind": "rga_mass_range",
            "amu_min": 45,
            "amu_max": 100,
            "max_partial_pressure": {"value": 1, "unit": "ppm"},
        },
    ],
)
def test_limits_of_the_wrong_dimension_are_refused(req: dict[str, Any]) -> None:
    with pytest.raises(ProfileError, match="is not a unit of"):
        _resolve(req)
