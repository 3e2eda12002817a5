"""ISO 8573-1:2010 classes against the tables quoted in shared/reference/standards-facts.md §3."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualbridge.errors import InputError, ProfileError
from qualbridge.evidence.models import CompressedAirPurityTest
from qualbridge.standards.iso8573_1 import (
    CONTAMINANTS,
    Purity,
    classify,
    parse_designation,
    purity_class,
    rank,
)
from qualbridge.standards.profile import documents_from_data, resolve
from qualbridge.standards.requirements import Class0Limits, CompressedAirRequirement
from qualbridge.standards.validation import problems_of

BASE: dict[str, Any] = {
    "issuer": "Example Air Test Lab",
    "test_date": dt.date(2025, 3, 14),
    "subject": {"type": "system", "id": "CDA-TH07"},
}


def air(
    bands: tuple[float | None, float | None, float | None] | None = None,
    *,
    above_5um: bool | None = False,
    mass: float | None = None,
    dew_point: float | None = None,
    liquid: float | None = None,
    oil: float | None = None,
    censored: tuple[str, ...] = (),
) -> CompressedAirPurityTest:
    data: dict[str, Any] = {**BASE, "particles_above_5um_detected": above_5um}
    if bands is not None:
        names = ("d_0_1_to_0_5", "d_0_5_to_1_0", "d_1_0_to_5_0")
        data["particles_per_m3"] = {n: v for n, v in zip(names, bands, strict=True) if v is not None}
    for key, value, unit in (
        ("particle_mass", mass, "mg/m³"),
        ("pressure_dew_point", dew_point, "°C"),
        ("liquid_water", liquid, "g/m³"),
        ("total_oil", oil, "mg/m³"),
    ):
        if value is not None:
            data[key] = {"value": value, "unit": unit}
    data["below_detection_limit"] = list(censored)
    return CompressedAirPurityTest.model_validate(data)


# --- §3.1 solid particles ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        # §3.1 class 1: ≤ 20 000 / ≤ 400 / ≤ 10 per m³ → 15 000 / 300 / 8 is class 1.
        ((15_000, 300, 8), 1),
        # Limits are inclusive: exactly the class-1 limits is still class 1.
        ((20_000, 400, 10), 1),
        # 25 000 in the first band exceeds class 1 (20 000) but not class 2 (400 000).
        ((25_000, 300, 8), 2),
        # 11 in the 1–5 µm band exceeds class 1 (10): class 2 (≤ 100).
        ((15_000, 300, 11), 2),
        # Class 3 does not specify the first band: 10⁷ there does not matter; 0.5–1 µm ≤ 90 000, 1–5 ≤ 1000.
        ((10_000_000, 50_000, 900), 3),
        # Class 4 specifies only 1–5 µm (≤ 10 000); class 5 ≤ 100 000.
        ((None, None, 9_999), 4),
        ((None, 10**9, 100_000), 5),
    ],
)
def test_particle_count_classes(
    bands: tuple[float | None, float | None, float | None], expected: int
) -> None:
    assert classify(air(bands)).particles.symbol == expected


def test_more_than_class_5_counts_without_mass_is_not_determined() -> None:
    assert classify(air((1, 1, 100_001))).particles.symbol is None


def test_a_particle_above_5um_rules_out_classes_0_to_5() -> None:
    # §3.1: "Classes 0–5 cannot be claimed if particles > 5 µm are detected."
    result = classify(air((15_000, 300, 8), above_5um=True)).particles
    assert result.symbol is None
    assert "ISO 8573-8" in result.basis.en
    assert classify(air((15_000, 300, 8), above_5um=True, mass=3)).particles.symbol == 6


def test_unreported_particles_above_5um_leave_a_caveat() -> None:
    result = classify(air((15_000, 300, 8), above_5um=None)).particles
    assert result.symbol == 1
    assert "> 5 µm not reported" in result.caveats[0].en


@pytest.mark.parametrize(
    ("mass", "expected"),
    # §3.1 mass classes: 6 is 0 < C_p ≤ 5, 7 is 5 < C_p ≤ 10, X is C_p > 10 (mg/m³).
    [(0.0, 6), (5.0, 6), (5.01, 7), (10.0, 7), (10.01, "X")],
)
def test_particle_mass_classes(mass: float, expected: int | str) -> None:
    assert classify(air(None, above_5um=True, mass=mass)).particles.symbol == expected


def test_mass_class_7_has_an_exclusive_lower_bound() -> None:
    seven = purity_class("particles", 7).bounds[0]
    assert not seven.holds(5.0)
    assert seven.holds(5.0001)
    assert seven.holds(10.0)
    assert not seven.holds(10.0001)


# --- §3.2 water --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dew_point", "expected"),
    # §3.2: ≤ −70, −40, −20, +3, +7, +10 °C for classes 1–6; limits inclusive.
    [(-80, 1), (-70, 1), (-69.9, 2), (-45, 2), (-40, 2), (-25, 3), (0, 4), (3, 4), (5, 5), (10, 6)],
)
def test_pressure_dew_point_classes(dew_point: float, expected: int) -> None:
    assert classify(air(dew_point=dew_point)).water.symbol == expected


@pytest.mark.parametrize(
    ("liquid", "expected"),
    # §3.2 liquid water C_w (g/m³): 7 ≤ 0.5; 8 is 0.5 < C_w ≤ 5; 9 is 5 < C_w ≤ 10; X > 10.
    [(0.5, 7), (0.6, 8), (5.0, 8), (5.1, 9), (10.0, 9), (10.5, "X")],
)
def test_liquid_water_classes(liquid: float, expected: int | str) -> None:
    assert classify(air(dew_point=15, liquid=liquid)).water.symbol == expected


def test_dew_point_above_10c_needs_liquid_water() -> None:
    result = classify(air(dew_point=12)).water
    assert result.symbol is None
    assert "ISO 8573-9" in result.basis.en


# --- §3.3 oil ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("oil", "expected"),
    # §3.3 total oil (mg/m³): 1 ≤ 0.01, 2 ≤ 0.1, 3 ≤ 1, 4 ≤ 5, X > 5.
    [(0.005, 1), (0.01, 1), (0.011, 2), (0.1, 2), (0.5, 3), (5.0, 4), (5.1, "X")],
)
def test_total_oil_classes(oil: float, expected: int | str) -> None:
    assert classify(air(oil=oil)).oil.symbol == expected


def test_below_detection_limit_classifies_at_its_limit() -> None:
    # "< 0.005 mg/m³" bounds the oil at 0.005 at most: class 1 is demonstrated.
    result = classify(air(oil=0.005, censored=("total_oil",))).oil
    assert result.symbol == 1
    assert "< 0.005" in result.basis.en


# --- §3.4 class 0 and designation --------------------------------------------------------------------


def test_class_0_applies_only_with_stated_limits() -> None:
    stated = Class0Limits(total_oil_mg_m3=0.003, pressure_dew_point_c=-80)
    assert classify(air(oil=0.002, dew_point=-85), stated).purity().short() == "[-:0:0]"
    assert classify(air(oil=0.004, dew_point=-75), stated).purity().short() == "[-:1:1]"
    assert classify(air(oil=0.002)).oil.symbol == 1  # no stated limit: class 0 does not exist


def test_full_designation_of_the_reference_example() -> None:
    # 15 000 / 300 / 8 per m³, −45 °C, 0.005 mg/m³ → [1:2:1].
    test = air((15_000, 300, 8), dew_point=-45, oil=0.005)
    assert classify(test).purity().designation() == "ISO 8573-1:2010 [1:2:1]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[2:-:1]", Purity(2, None, 1)),  # §3.4: '-' is an unspecified contaminant (water here)
        ("ISO 8573-1:2010 [1:2:1]", Purity(1, 2, 1)),
        ("ISO 8573-1 [1:4:1]", Purity(1, 4, 1)),
        ("Class 1.4.1", Purity(1, 4, 1)),
        ("[x:9:4]", Purity("X", 9, 4)),
        ("[7:X:0]", Purity(7, "X", 0)),
    ],
)
def test_designation_parses(text: str, expected: Purity) -> None:
    assert parse_designation(text) == expected


def test_designation_round_trip() -> None:
    for text in ("[2:-:1]", "[1:2:1]", "[X:9:-]", "[0:0:0]"):
        assert parse_designation(text).short() == text
        assert parse_designation(parse_designation(text).designation()).short() == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[8:1:1]", "no particles class 8"),  # §3.4: particles 0–7 and X
        ("[1:1:5]", "no oil class 5"),  # oil 0–4 and X
        ("[-:-:-]", "specifies no contaminant"),
        ("1-2-1", "not an ISO 8573-1 purity designation"),
        ("[1:2]", "not an ISO 8573-1 purity designation"),
    ],
)
def test_bad_designations_are_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_designation(text)


# --- profile rules -----------------------------------------------------------------------------------


def requirement(**fields: Any) -> CompressedAirRequirement:
    return CompressedAirRequirement.model_validate(
        {"id": "cda", "title": {"en": "CDA", "zh": "压缩空气"}, "source": "ISO 8573-1:2010", **fields}
    )


def test_class_0_requirement_without_stated_limits_is_refused() -> None:
    problems = problems_of(requirement(oil_class=0))
    assert problems == ["oil class 0 needs a stated limit (class0.total_oil_mg_m3), stricter than class 1"]


def test_profile_with_class_0_and_no_limits_is_refused_on_load() -> None:
    doc = documents_from_data(
        {
            "id": "fab/cda",
            "version": 1,
            "title": {"en": "CDA", "zh": "压缩空气"},
            "publisher": "Example Fab",
            "requirements": [
                {
                    "id": "cda",
                    "kind": "iso8573_1_purity",
                    "title": {"en": "CDA", "zh": "压缩空气"},
                    "source": "ISO 8573-1:2010",
                    "particle_class": 0,
                }
            ],
        },
        source="inline",
    )[0]
    with pytest.raises(ProfileError, match="particles class 0 needs a stated limit"):
        resolve(doc)


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        # Class 1 is −70 °C: −60 °C is looser, −70 °C is not stricter.
        ({"pressure_dew_point_c": -60}, "water class 0 .* must be stricter than class 1"),
        ({"pressure_dew_point_c": -70}, "water class 0 .* must be stricter than class 1"),
        ({"total_oil_mg_m3": 0.01}, "oil class 0 .* must be stricter than class 1"),
        ({"particles_per_m3": (20_000, 400, 10)}, "particles class 0 .* must be stricter"),
        ({"particles_per_m3": (25_000, 100, 5)}, "particles class 0 .* must be stricter"),
    ],
)
def test_class_0_limits_not_stricter_than_class_1_are_refused(limits: dict[str, Any], message: str) -> None:
    contaminant = next(iter(limits))
    field = {"pressure_dew_point_c": "water_class", "total_oil_mg_m3": "oil_class"}.get(
        contaminant, "particle_class"
    )
    problems = problems_of(requirement(**{field: 0, "class0": limits}))
    assert len(problems) == 1
    assert re.search(message, problems[0])


def test_stricter_class_0_limits_are_accepted() -> None:
    stated = {"particles_per_m3": (10_000, 400, 0), "pressure_dew_point_c": -80, "total_oil_mg_m3": 0.003}
    assert problems_of(requirement(particle_class=0, water_class=0, oil_class=0, class0=stated)) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "no contaminant class is stated"),
        ({"oil_class": 5}, "oil class 5 does not exist"),
        ({"water_class": "X"}, "water class X sets no limit"),
        (
            {"oil_class": 1, "class0": {"total_oil_mg_m3": 0.003}},
            "class0 limits for oil are stated but oil class is not 0",
        ),
        ({"oil_class": 1, "applies_to": "cleanroom_air"}, "ISO 8573-1 classifies compressed air"),
        ({"oil_class": 1, "standard": "ISO 14644-1:2015"}, "standard 'ISO 14644-1:2015' does not"),
    ],
)
def test_unsound_requirements_are_refused(fields: dict[str, Any], message: str) -> None:
    assert any(message in p for p in problems_of(requirement(**fields)))


# --- property: more contamination never gives a better class ------------------------------------------

counts = st.one_of(st.none(), st.floats(0, 2e6, allow_nan=False))
amount = st.floats(0, 20, allow_nan=False)


@given(
    bands=st.tuples(counts, counts, counts),
    above=st.booleans(),
    mass=st.one_of(st.none(), amount),
    dew_point=st.one_of(st.none(), st.floats(-100, 30, allow_nan=False)),
    liquid=st.one_of(st.none(), amount),
    oil=st.one_of(st.none(), amount),
    extra=st.tuples(*[st.floats(0, 1e5, allow_nan=False)] * 7),
    more_large=st.booleans(),
)
def test_more_contamination_never_gives_a_better_class(
    bands: tuple[float | None, float | None, float | None],
    above: bool,
    mass: float | None,
    dew_point: float | None,
    liquid: float | None,
    oil: float | None,
    extra: tuple[float, ...],
    more_large: bool,
) -> None:
    def plus(value: float | None, delta: float) -> float | None:
        return None if value is None else value + delta

    cleaner = air(bands, above_5um=above, mass=mass, dew_point=dew_point, liquid=liquid, oil=oil)
    dirtier = air(
        (plus(bands[0], extra[0]), plus(bands[1], extra[1]), plus(bands[2], extra[2])),
        above_5um=above or more_large,
        mass=plus(mass, extra[3]),
        dew_point=plus(dew_point, extra[4] / 1000),
        liquid=plus(liquid, extra[5]),
        oil=plus(oil, extra[6]),
    )
    before, after = classify(cleaner), classify(dirtier)
    for contaminant in CONTAMINANTS:
        assert rank(after.of(contaminant).symbol) >= rank(before.of(contaminant).symbol)
