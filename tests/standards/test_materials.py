"""Materials computations against the reference notes (shared/reference/standards-facts.md §5)."""

from typing import Any

import pytest

from qualbridge.errors import ProfileError, UnitError
from qualbridge.measure import Measure
from qualbridge.standards import materials as mat
from qualbridge.standards.catalog import builtin
from qualbridge.standards.profile import documents_from_data, resolve
from qualbridge.standards.requirements import OutgassingScreeningRequirement


def m(value: float, unit: str) -> Measure:
    return Measure(value=value, unit=unit)


def judge(value: float | None, unit: str, limit: Measure, **kw: Any) -> mat.ElementJudgement:
    args: dict[str, Any] = {
        "value": value,
        "unit": unit,
        "detection_limit": None,
        "censored": False,
        "basis": "w/w",
        "limit": limit,
        "limit_basis": "w/w",
    }
    args.update(kw)
    return mat.judge_element(**args)


# --- bases and units (§5.2) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "basis", "expected"),
    [
        (1.0, "µg/kg", "w/w", 1.0),  # 1 ppb = 1 µg/kg
        (1.0, "ng/g", "w/w", 1.0),  # 1 ng/g = 1e-9 = 1 ppb
        (250.0, "ppt", "w/w", 0.25),  # 1000 ppt = 1 ppb
        (0.002, "ppm", "w/w", 2.0),  # 1 ppm = 1000 ppb
        (3.0, "ppb", "w/v", 3.0),  # dilute aqueous: ppb read as µg/L
        (40.0, "ng/L", "w/v", 0.04),
        (1.0, "ng/cm²", "per_area", 10.0),  # 1 ng/cm² = 1e-9 g / 1e-4 m² = 10 µg/m²
    ],
)
def test_values_on_their_basis(value: float, unit: str, basis: mat.Basis, expected: float) -> None:
    on = mat.on_basis(value, unit, basis)
    assert on.unit == mat.BASIS_UNIT[basis]
    assert on.value == pytest.approx(expected)


def test_a_unit_of_another_basis_is_refused() -> None:
    with pytest.raises(UnitError, match="not a unit of mass fraction"):
        mat.on_basis(1.0, "µg/L", "w/w")
    with pytest.raises(UnitError, match="not a unit of mass per wetted area"):
        mat.on_basis(1.0, "ppb", "per_area")


# --- censored results (§5.2) -------------------------------------------------------------------------


def test_below_detection_limit_passes_when_the_dl_is_within_the_limit() -> None:
    # §5.2: "<0.05 ppb" against a 0.1 ppb limit passes
    j = judge(None, "ppb", m(0.1, "ppb"), detection_limit=0.05, censored=True)
    assert (j.verdict, j.reason) == ("pass", "below_detection_limit")
    assert j.measured == m(0.05, "ppb")  # the bound, never 0


def test_below_detection_limit_is_inconclusive_when_the_dl_is_above_the_limit() -> None:
    # §5.2: "<0.05 ppb" against a 0.01 ppb limit cannot show compliance
    j = judge(None, "ppb", m(0.01, "ppb"), detection_limit=0.05, censored=True)
    assert (j.verdict, j.reason) == ("inconclusive", "detection_limit_above_limit")


def test_measured_values_pass_at_the_limit_and_fail_above() -> None:
    assert judge(0.1, "ppb", m(0.1, "ppb")).verdict == "pass"
    assert judge(0.12, "ppb", m(0.1, "ppb")).verdict == "fail"
    # 50 ppt = 0.05 ppb, against a 0.1 ppb limit
    j = judge(50, "ppt", m(0.1, "ppb"))
    assert j.verdict == "pass"
    assert j.measured is not None
    assert j.measured.unit == "ppb"
    assert j.measured.value == pytest.approx(0.05)


def test_w_v_result_for_w_w_limit_needs_the_density() -> None:
    j = judge(0.184, "µg/L", m(0.1, "ppb"), basis="w/v")
    assert (j.verdict, j.reason) == ("inconclusive", "density_needed")
    # c(w/w) = c(w/v)/ρ: 0.184 µg/L / 1.84 kg/L = 0.1 µg/kg = 0.1 ppb
    j = judge(0.184, "µg/L", m(0.1, "ppb"), basis="w/v", density=m(1.84, "g/mL"))
    assert j.verdict == "pass"
    assert j.measured is not None
    assert j.measured.value == pytest.approx(0.184 / 1.84)
    assert judge(0.2, "µg/L", m(0.1, "ppb"), basis="w/v", density=m(1.84, "g/mL")).verdict == "fail"


def test_w_w_result_for_w_v_limit_multiplies_by_density() -> None:
    # 0.1 ppb × 1.84 g/mL = 0.184 µg/L
    j = judge(0.1, "ppb", m(0.2, "µg/L"), limit_basis="w/v", density=m(1840, "kg/m³"))
    assert j.measured is not None
    assert j.measured.value == pytest.approx(0.184)


def test_per_area_never_mixes_with_concentrations() -> None:
    j = judge(3.0, "µg/m²", m(0.1, "ppb"), basis="per_area", density=m(1.0, "g/mL"))
    assert (j.verdict, j.reason) == ("inconclusive", "basis_mismatch")


# --- ASTM E595 and TML − WVR (§5.3) ------------------------------------------------------------------


def _screening(**kw: Any) -> OutgassingScreeningRequirement:
    base = {"id": "s", "title": {"en": "s", "zh": "s"}, "source": "test", "max_cvcm_pct": 0.10}
    return OutgassingScreeningRequirement.model_validate(base | kw)


E595 = _screening(rule="astm_e595", max_tml_pct=1.00)
NASA = _screening(rule="tml_minus_wvr", max_tml_minus_wvr_pct=1.0)


def test_water_loss_fails_e595_but_passes_tml_minus_wvr() -> None:
    # §5.3: TML 1.2 %, WVR 0.4 %, CVCM 0.05 %: TML > 1.00 fails E595 screening; 1.2 − 0.4 = 0.8 ≤ 1.0
    e595 = mat.screen(E595, tml=1.2, cvcm=0.05, wvr=0.4)
    assert [(i.quantity, i.verdict) for i in e595] == [("TML", "fail"), ("CVCM", "pass")]
    nasa = mat.screen(NASA, tml=1.2, cvcm=0.05, wvr=0.4)
    assert [(i.quantity, i.verdict) for i in nasa] == [("TML − WVR", "pass"), ("CVCM", "pass")]
    assert nasa[0].value == pytest.approx(1.2 - 0.4)


def test_without_wvr_the_tml_bounds_tml_minus_wvr() -> None:
    (low, _) = mat.screen(NASA, tml=0.9, cvcm=0.01, wvr=None)
    assert (low.verdict, low.note) == ("pass", "tml_bounds_tml_minus_wvr")
    (high, _) = mat.screen(NASA, tml=1.2, cvcm=0.01, wvr=None)
    assert (high.verdict, high.note) == ("inconclusive", "wvr_not_reported")


def test_missing_cvcm_is_missing_not_zero() -> None:
    assert mat.screen(E595, tml=0.5, cvcm=None, wvr=None)[1].verdict == "missing"


def test_e595_conditions() -> None:
    # §5.3: 125 °C specimen, 25 °C collector, 24 h
    assert mat.e595_deviations(sample_c=125, collector_c=25, duration_h=24, method=None) == []
    (dev,) = mat.e595_deviations(sample_c=150, collector_c=25, duration_h=24, method="ASTM E595-15")
    assert (dev.parameter, dev.stated, dev.required) == ("sample temperature", 150, 125)
    # Unstated conditions are E595's only when the method says E595
    assert mat.e595_deviations(sample_c=None, collector_c=None, duration_h=None, method="ASTM E 595-15") == []
    unstated = mat.e595_deviations(sample_c=None, collector_c=None, duration_h=None, method="in-house bake")
    assert [d.parameter for d in unstated] == ["sample temperature", "collector temperature", "duration"]


# --- profile rules and shipped profiles --------------------------------------------------------------


def test_trace_metal_limits_must_be_on_the_requirement_basis() -> None:
    req = {
        "kind": "trace_metals",
        "id": "tm",
        "title": {"en": "tm", "zh": "tm"},
        "source": "fab-defined",
        "basis": "w/w",
        "limits": [{"element": "Fe", "max": {"value": 0.1, "unit": "µg/L"}}],
    }
    doc = {
        "id": "t/m",
        "version": 1,
        "title": {"en": "t", "zh": "t"},
        "publisher": "T",
        "requirements": [req],
    }
    with pytest.raises(ProfileError, match="limit for Fe: 'µg/L' is not a unit of mass fraction"):
        resolve(documents_from_data(doc, source="test")[0])


def test_shipped_outgassing_profiles() -> None:
    e595 = builtin().get("astm-e595/screening").requirement("e595-tml-cvcm")
    assert isinstance(e595, OutgassingScreeningRequirement)
    assert (e595.max_tml_pct, e595.max_cvcm_pct) == (1.00, 0.10)
    nasa = builtin().get("nasa-std-6016/outgassing")
    main, optical = nasa.requirements
    assert isinstance(main, OutgassingScreeningRequirement)
    assert isinstance(optical, OutgassingScreeningRequirement)
    assert (main.rule, main.max_tml_minus_wvr_pct, main.max_cvcm_pct, main.mandatory) == (
        "tml_minus_wvr",
        1.0,
        0.1,
        True,
    )
    assert (optical.max_cvcm_pct, optical.mandatory) == (0.01, False)


def test_example_chamber_profile_is_labelled_and_fab_defined() -> None:
    profile = builtin().get("example/vacuum-chamber-incoming")
    assert profile.example
    assert profile.publisher == "Example Fab"
    assert all(r.fab_defined for r in profile.requirements)
    kinds = {r.kind for r in profile.requirements}
    assert {
        "helium_leak_rate",
        "rate_of_rise",
        "base_pressure",
        "rga_mass_range",
        "rga_peaks",
        "rga_air_leak",
        "outgassing_rate",
        "outgassing_screening",
        "trace_metals",
        "declaration",
    } <= kinds
