"""ISO 14644-8 levels and SEMI F21 categories, against shared/reference/standards-facts.md §2."""

from __future__ import annotations

from typing import Any

import pytest

from qualbridge.errors import InputError, ProfileError, UnitError
from qualbridge.standards import iso14644_8, semi_f21
from qualbridge.standards.profile import documents_from_data, resolve
from qualbridge.standards.requirements import requirement_adapter
from qualbridge.standards.validation import problems_of
from qualbridge.units import convert

# --- ISO 14644-8 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "grams", "ng"),
    [
        # §2.1: N = −6 ⇔ 1 µg/m³ ⇔ 1000 ng/m³; N = −9 ⇔ 1 ng/m³; scope 10⁰ … 10⁻¹² g/m³.
        (-6, 1e-6, 1000.0),
        (-9, 1e-9, 1.0),
        (-8, 1e-8, 10.0),
        (0, 1.0, 1e9),
        (-12, 1e-12, 1e-3),
    ],
)
def test_acc_level_is_ten_to_the_n_grams_per_cubic_metre(level: int, grams: float, ng: float) -> None:
    assert iso14644_8.max_concentration(level) == grams
    assert convert(iso14644_8.max_concentration(level), "g/m³", "ng/m³") == pytest.approx(ng)


@pytest.mark.parametrize(
    ("grams", "level"),
    [
        (5e-9, -8),
        (1e-8, -8),  # the limit is a maximum: exactly 10^N meets level N
        (1.0001e-8, -7),
        (3e-7, -6),
        (1.0, 0),
        (0.0, -12),
        (1e-14, -12),  # the scale stops at −12
        (2.0, None),  # above 10⁰ g/m³: outside the standard's scope
    ],
)
def test_grade_is_the_strictest_level_met(grams: float, level: int | None) -> None:
    assert iso14644_8.grade(grams) == level


def test_grade_refuses_negative_concentrations() -> None:
    with pytest.raises(InputError):
        iso14644_8.grade(-1e-9)


def test_designation_and_parse() -> None:
    assert iso14644_8.designation(-8, "NH3") == "ISO-ACC class -8 (NH3)"
    assert iso14644_8.parse_designation("ISO-ACC class -8 (NH3)") == (-8, "NH3")
    assert iso14644_8.parse_designation("ISO-AMC class −6 (acid)") == (-6, "acid")
    assert iso14644_8.parse_designation("ISO-ACC grading level -9 (organic)") == (-9, "organic")


@pytest.mark.parametrize("text", ["ISO-ACC class -13 (NH3)", "ISO-ACC class 1 (NH3)", "ACC -8 NH3"])
def test_bad_acc_designations_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        iso14644_8.parse_designation(text)


def test_wording_follows_the_edition() -> None:
    # §2.1: 2013 "Classification of air cleanliness (ACC)"; 2022 "Assessment…", with grading levels.
    assert iso14644_8.wording("ISO 14644-8:2013").level.en == "class"
    assert iso14644_8.wording("ISO 14644-8:2013").title.en.startswith("Classification")
    assert iso14644_8.wording("ISO 14644-8:2022").level.en == "grading level"
    assert iso14644_8.wording(None).title.en.startswith("Assessment")


def test_readable_units() -> None:
    assert iso14644_8.readable(1e-8) == (10.0, "ng/m³")
    assert iso14644_8.readable(1e-6) == (1.0, "µg/m³")
    assert iso14644_8.readable(2.5e-4) == (250.0, "µg/m³")


# --- SEMI F21 ----------------------------------------------------------------------------------------


def test_f21_categories_and_levels() -> None:
    # §2.2: MA acids, MB bases, MC condensables, MD dopants; levels 1, 10, 100, 1000, 10 000 pptM.
    assert {c: semi_f21.CATEGORIES[c].chemical_category for c in semi_f21.CATEGORIES} == {
        "MA": "acid",
        "MB": "base",
        "MC": "condensable",
        "MD": "dopant",
    }
    assert semi_f21.LEVELS_PPTM == (1, 10, 100, 1000, 10_000)
    assert semi_f21.category_of("acid") == "MA"
    assert semi_f21.category_of("organic") is None  # an ISO 14644-8 category with no F21 counterpart
    assert semi_f21.category_of(None) is None


def test_f21_designation() -> None:
    # §2.2 example: MA-10 ⇒ total acids ≤ 10 pptM.
    assert semi_f21.designation("MA", 10) == "MA-10"
    assert semi_f21.parse_designation("MA-10") == ("MA", 10)
    assert semi_f21.parse_designation("SEMI F21-1102 mb-1000") == ("MB", 1000)
    with pytest.raises(InputError):
        semi_f21.parse_designation("ME-10")


@pytest.mark.parametrize(("total", "level"), [(0.5, 1), (10, 10), (10.5, 100), (320, 1000), (10_001, None)])
def test_f21_grade(total: float, level: float | None) -> None:
    assert semi_f21.grade(total) == level


def test_ppt_molar_never_converts_to_mass_concentration() -> None:
    # §2.2: a conversion between pptM and g/m³ needs the molar mass and T/P, so units refuse it.
    with pytest.raises(UnitError, match="cannot be converted"):
        convert(10, "pptM", "g/m³")
    with pytest.raises(UnitError, match="cannot be converted"):
        convert(10, "ng/m³", "pptM")


# --- profile rules and scope -------------------------------------------------------------------------


def chem_requirement(**fields: Any) -> Any:
    return requirement_adapter.validate_python(
        {"id": "amc", "title": {"en": "AMC", "zh": "AMC"}, "source": "fab-defined", **fields}
    )


def profile_with(requirement: dict[str, Any]) -> Any:
    data = {
        "id": "fab/amc",
        "version": 1,
        "title": {"en": "AMC", "zh": "AMC"},
        "publisher": "Example Fab",
        "requirements": [{"id": "amc", "title": {"en": "AMC", "zh": "AMC"}, "source": "x", **requirement}],
    }
    return documents_from_data(data, source="inline")[0]


def test_semi_f57_applied_to_cleanroom_air_is_a_category_error() -> None:
    # §2.3: SEMI F57 specifies polymer components wetted by UPW and chemicals; it is not an air standard.
    doc = profile_with(
        {"kind": "iso14644_8_acc", "standard": "SEMI F57-0314", "substance": "NH3", "acc_class": -8}
    )
    with pytest.raises(ProfileError, match="category error: SEMI F57 covers polymer materials"):
        resolve(doc)
    f21 = profile_with({"kind": "semi_f21_amc", "standard": "SEMI F57", "category": "MA", "level_pptM": 10})
    with pytest.raises(ProfileError, match="category error"):
        resolve(f21)


def test_air_standards_on_cleanroom_air_are_accepted() -> None:
    ok = profile_with(
        {"kind": "iso14644_8_acc", "standard": "ISO 14644-8:2022", "substance": "NH3", "acc_class": -8}
    )
    assert resolve(ok).requirements[0].kind == "iso14644_8_acc"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"kind": "semi_f21_amc", "category": "MA", "level_pptM": 500},
            "level 500 pptM is not a SEMI F21 level",
        ),
        (
            {"kind": "iso14644_8_acc", "substance": "NH3", "acc_class": -8, "applies_to": "compressed_air"},
            "ISO 14644-8 assesses the air of clean environments",
        ),
        (
            {"kind": "iso14644_8_acc", "substance": "NH3", "acc_class": -8, "standard": "SEMI F21"},
            "reads ISO 14644-8 mass concentrations",
        ),
        (
            {"kind": "semi_f21_amc", "category": "MB", "level_pptM": 100, "standard": "ISO 14644-8:2022"},
            "reads SEMI F21 molar levels",
        ),
    ],
)
def test_unsound_chemical_requirements_are_refused(fields: dict[str, Any], message: str) -> None:
    assert any(message in p for p in problems_of(chem_requirement(**fields)))


def test_fab_defined_f21_style_level_is_accepted() -> None:
    req = chem_requirement(kind="semi_f21_amc", category="MA", level_pptM=500, fab_defined=True)
    assert problems_of(req) == []
