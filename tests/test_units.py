"""Unit conversions against the factors in shared/reference/standards-facts.md §4.1 and §5.2."""

import contextlib
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualbridge.errors import UnitError
from qualbridge.units import convert, unit


@pytest.mark.parametrize(
    ("value", "src", "dst", "expected"),
    [
        # §4.1: 1 mbar·L/s = 0.1 Pa·m³/s = 100 Pa·L/s = 0.750 Torr·L/s = 0.987 std cm³/s
        (1, "mbar·L/s", "Pa·m³/s", 0.1),
        (1, "mbar·L/s", "Pa*L/s", 100),
        (1, "mbar·L/s", "Torr·L/s", 0.750062),
        (1, "mbar·L/s", "atm·cc/s", 0.986923),
        # §4.1: 1 atm·cc/s = 1.01325 mbar·L/s = 0.101325 Pa·m³/s; 1 Torr·L/s = 1.33322 mbar·L/s
        (1, "atm·cc/s", "mbar·L/s", 1.01325),
        (1, "atm·cc/s", "Pa·m³/s", 0.101325),
        (1, "Torr·L/s", "mbar·L/s", 1.333224),
        # §4.1: 1 sccm = 0.0168875 mbar·L/s = 1.689e-3 Pa·m³/s (NIST factor)
        (1, "sccm", "mbar·L/s", 0.0168875),
        (1, "sccm", "Pa·m³/s", 1.68875e-3),
        # §4.1: 1 mbar·L/(s·cm²) = 1000 Pa·m³/(s·m²); 1 Torr·L/(s·cm²) = 1333.2 Pa·m³/(s·m²)
        (1, "mbar*L/(s*cm**2)", "Pa*m**3/(s*m**2)", 1000),
        (1, "torr*L/(s*cm**2)", "Pa*m**3/(s*m**2)", 1333.224),
        # §5.2: 1 ppb = 1 µg/kg; 1 ppt = 1 ng/kg; 1 ppm = 1000 ppb
        (1, "ppb", "µg/kg", 1),
        (1, "ppt", "ng/kg", 1),
        (1, "ppm", "ppb", 1000),
        # §1.10: 100 particles/ft³ = 3531.5 particles/m³
        (100, "particles/ft³", "particles/m³", 3531.4667),
        (1, "mg/m³", "g/m³", 1e-3),
        (1, "ft³", "L", 28.316847),
    ],
)
def test_conversion_factors(value: float, src: str, dst: str, expected: float) -> None:
    assert convert(value, src, dst) == pytest.approx(expected, rel=1e-5)


def test_ppt_is_a_mass_fraction_not_a_picopint() -> None:
    assert convert(1, "ppt", "ppb") == pytest.approx(1e-3)


def test_molar_ratio_never_converts_to_mass_fraction() -> None:
    with pytest.raises(UnitError, match="cannot be converted"):
        convert(1, "pptM", "ppt")
    assert convert(1000, "pptM", "ppbM") == pytest.approx(1)


@pytest.mark.parametrize("spelling", ["Torr·L/s", "torr*L/s", "Torr L/s", "Torr*L/s"])
def test_torr_is_read_in_every_common_spelling(spelling: str) -> None:
    assert convert(1, spelling, "mbar·L/s") == pytest.approx(1.333224, rel=1e-6)
    assert convert(1, "mTorr", "Pa") == pytest.approx(0.1333224, rel=1e-6)


def test_dew_point_in_celsius() -> None:
    assert convert(-40, "°C", "K") == pytest.approx(233.15)
    assert convert(-70, "degC", "°F") == pytest.approx(-94)


def test_unknown_unit_is_a_clear_error() -> None:
    with pytest.raises(UnitError, match="unknown unit 'furlongs-ish'"):
        unit("furlongs-ish")


@pytest.mark.parametrize("text", ["1/0", "{/0%~\\(%77%0", "\x9c", "mbar·L/s)"])
def test_malformed_unit_text_is_always_a_unit_error(text: str) -> None:
    # Found by fuzzing: pint's expression parser raises TokenError, AssertionError, ZeroDivisionError...
    with pytest.raises(UnitError, match="unknown unit"):
        unit(text)


@given(st.text(max_size=16))
def test_no_text_escapes_as_anything_but_a_unit_error(text: str) -> None:
    # A readable unit or a UnitError; any other exception propagates and fails the test.
    with contextlib.suppress(UnitError):
        unit(text)


@pytest.mark.parametrize("text", ["", "   "])
def test_a_missing_unit_is_refused_not_read_as_dimensionless(text: str) -> None:
    with pytest.raises(UnitError, match="no unit given"):
        unit(text)


def test_non_finite_value_is_refused() -> None:
    with pytest.raises(UnitError, match="not a finite number"):
        convert(math.nan, "mbar·L/s", "Pa·m³/s")


PAIRS = [
    ("mbar·L/s", "Pa·m³/s"),
    ("atm·cc/s", "Torr·L/s"),
    ("sccm", "mbar·L/s"),
    ("particles/ft³", "particles/m³"),
    ("ppb", "ppt"),
    ("mg/m³", "g/m³"),
]


@given(
    value=st.floats(min_value=1e-15, max_value=1e12, allow_nan=False, allow_infinity=False),
    pair=st.sampled_from(PAIRS),
)
def test_conversions_round_trip(value: float, pair: tuple[str, str]) -> None:
    a, b = pair
    assert convert(convert(value, a, b), b, a) == pytest.approx(value, rel=1e-12)
