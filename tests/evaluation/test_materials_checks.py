"""Materials checks: trace metals per element and outgassing screening (reference notes §5)."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from qualbridge.demo import materials as demo
from qualbridge.evaluation import evaluate
from qualbridge.evaluation.result import RequirementResult
from qualbridge.evidence.models import evidence_adapter
from qualbridge.evidence.parsers import load_evidence
from qualbridge.standards.catalog import builtin
from qualbridge.standards.profile import documents_from_data, resolve

AS_OF = dt.date(2026, 6, 1)
LOT = {"type": "material_lot", "id": "LOT-1"}


def _profile(*reqs: dict[str, Any]) -> Any:
    doc = {
        "id": "t/mat",
        "version": 1,
        "title": {"en": "t", "zh": "t"},
        "publisher": "T",
        "requirements": list(reqs),
    }
    return resolve(documents_from_data(doc, source="test")[0])


def _check(req: dict[str, Any], *evidence: Any) -> RequirementResult:
    (result,) = evaluate(_profile(req), list(evidence), as_of=AS_OF).results
    return result


def _ev(kind: str, **fields: Any) -> Any:
    base = {"kind": kind, "issuer": "Lab", "test_date": "2026-03-02", "subject": LOT}
    return evidence_adapter.validate_python(base | fields)


# --- trace metals ------------------------------------------------------------------------------------


def _metals(basis: str = "w/w", limits: dict[str, tuple[float, str]] | None = None) -> dict[str, Any]:
    limits = limits or {"Na": (0.1, "ppb"), "Fe": (0.1, "ppb"), "K": (0.01, "ppb")}
    return {
        "kind": "trace_metals",
        "id": "metals",
        "title": {"en": "metals", "zh": "金属"},
        "source": "fab-defined",
        "basis": basis,
        "limits": [{"element": e, "max": {"value": v, "unit": u}} for e, (v, u) in limits.items()],
    }


def _analysis(results: list[dict[str, Any]], **fields: Any) -> Any:
    return _ev("trace_metal_analysis", results=results, **fields)


def test_one_detail_per_element_with_censored_results() -> None:
    analysis = _analysis(
        [
            {"element": "Na", "value": 0.04, "unit": "ppb"},
            # §5.2: "<0.05 ppb" against 0.1 ppb passes ...
            {"element": "Fe", "unit": "ppb", "below_detection_limit": True, "detection_limit": 0.05},
            # ... and against 0.01 ppb is inconclusive
            {"element": "K", "unit": "ppb", "below_detection_limit": True, "detection_limit": 0.05},
        ]
    )
    result = _check(_metals(), analysis)
    assert [(d.label, d.verdict) for d in result.details] == [
        ("Na", "pass"),
        ("Fe (< DL)", "pass"),
        ("K (< DL)", "inconclusive"),
    ]
    assert result.verdict == "inconclusive"
    assert result.action is not None
    assert "re-analyse K" in result.action.en
    fe = result.details[1]
    assert fe.measured is not None
    assert fe.measured.value == pytest.approx(0.05)  # censored at its DL, never 0


def test_an_element_without_a_result_is_missing_and_blocks_a_pass() -> None:
    analysis = _analysis(
        [{"element": "Na", "value": 0.04, "unit": "ppb"}, {"element": "Fe", "value": 30, "unit": "ppt"}]
    )
    result = _check(_metals(limits={"Na": (0.1, "ppb"), "Fe": (0.1, "ppb"), "Cu": (0.1, "ppb")}), analysis)
    assert [(d.label, d.verdict) for d in result.details] == [
        ("Na", "pass"),
        ("Fe", "pass"),
        ("Cu", "missing"),
    ]
    assert result.verdict == "missing"
    assert result.action is not None
    assert "have the lab report Cu" in result.action.en


def test_a_failing_element_fails_the_requirement_and_sets_the_margin() -> None:
    analysis = _analysis(
        [
            {"element": "Na", "value": 0.04, "unit": "ppb"},
            {"element": "Fe", "value": 0.32, "unit": "ppb", "isotope": 56},
            {"element": "K", "value": 0.005, "unit": "ppb"},
        ]
    )
    result = _check(_metals(), analysis)
    assert result.verdict == "fail"
    assert result.details[1].label == "56Fe"
    assert result.margin == pytest.approx((0.1 - 0.32) / 0.1)
    assert result.measured is not None
    assert result.measured.value == pytest.approx(0.32)
    assert result.action is not None
    assert "56Fe over the limit" in result.action.en


def test_w_v_results_against_w_w_limits_need_the_density() -> None:
    results = [{"element": "Fe", "value": 0.092, "unit": "µg/L"}]
    no_density = _check(_metals(limits={"Fe": (0.1, "ppb")}), _analysis(results, basis="w/v"))
    assert no_density.verdict == "inconclusive"
    assert no_density.details[0].note is not None
    assert "density" in no_density.details[0].note.en
    assert no_density.action is not None
    assert "state the sample density" in no_density.action.en
    # 0.092 µg/L / 1.84 g/mL = 0.05 µg/kg = 0.05 ppb
    dense = _analysis(results, basis="w/v", density={"value": 1.84, "unit": "g/mL"})
    with_density = _check(_metals(limits={"Fe": (0.1, "ppb")}), dense)
    assert with_density.verdict == "pass"
    assert with_density.details[0].measured is not None
    assert with_density.details[0].measured.value == pytest.approx(0.05)


def test_per_area_results_never_meet_concentration_limits() -> None:
    analysis = _analysis([{"element": "Fe", "value": 2.0, "unit": "µg/m²"}], basis="per_area")
    result = _check(_metals(limits={"Fe": (0.1, "ppb")}), analysis)
    assert result.verdict == "inconclusive"
    assert result.action is not None
    assert "w/w basis" in result.action.en


# --- outgassing screening ----------------------------------------------------------------------------

E595_REQ = {
    "kind": "outgassing_screening",
    "id": "e595",
    "title": {"en": "E595", "zh": "E595"},
    "source": "ASTM E595",
    "rule": "astm_e595",
    "max_tml_pct": 1.0,
    "max_cvcm_pct": 0.1,
}
NASA_REQ = E595_REQ | {
    "id": "nasa",
    "rule": "tml_minus_wvr",
    "max_tml_pct": None,
    "max_tml_minus_wvr_pct": 1.0,
}
AT_E595 = {"sample_temperature_c": 125, "collector_temperature_c": 25, "duration_h": 24}


def _e595(material: str, tml: float, cvcm: float, wvr: float | None, **fields: Any) -> Any:
    return _ev(
        "outgassing_test", material=material, tml_pct=tml, cvcm_pct=cvcm, wvr_pct=wvr, **(AT_E595 | fields)
    )


def test_water_loss_fails_e595_but_passes_nasa() -> None:
    # §5.3: TML 1.2 %, WVR 0.4 %, CVCM 0.05 %
    test = _e595("Epoxy potting", 1.2, 0.05, 0.4)
    e595 = _check(E595_REQ, test)
    assert e595.verdict == "fail"
    tml = e595.details[0]
    assert (tml.label, tml.verdict) == ("Epoxy potting: TML", "fail")
    assert tml.note is not None
    assert "TML − WVR = 0.8 %" in tml.note.en
    nasa = _check(NASA_REQ, test)
    assert nasa.verdict == "pass"
    assert nasa.details[0].measured is not None
    assert nasa.details[0].measured.value == pytest.approx(0.8)


def test_other_conditions_are_not_comparable() -> None:
    result = _check(E595_REQ, _e595("FKM", 0.45, 0.03, 0.05, sample_temperature_c=150))
    assert result.verdict == "inconclusive"
    assert "sample temperature 150 °C (E595: 125 °C)" in result.message.en
    assert result.action is not None
    assert "125 °C" in result.action.en


def test_each_material_is_screened_on_its_own_latest_test() -> None:
    good = _e595("FKM", 0.31, 0.02, 0.05)
    bad = _e595("VMQ silicone", 0.9, 0.35, 0.02)
    retest = _e595("VMQ silicone", 0.4, 0.03, 0.02, test_date="2026-04-01")
    assert _check(E595_REQ, good, bad).verdict == "fail"
    result = _check(E595_REQ, good, bad, retest)
    assert result.verdict == "pass"
    assert [d.label for d in result.details] == [
        "FKM: TML",
        "FKM: CVCM",
        "VMQ silicone: TML",
        "VMQ silicone: CVCM",
    ]


def test_missing_wvr_is_settled_by_tml_or_inconclusive() -> None:
    assert _check(NASA_REQ, _e595("A", 0.9, 0.02, None)).verdict == "pass"
    high = _check(NASA_REQ, _e595("A", 1.3, 0.02, None))
    assert high.verdict == "inconclusive"
    assert high.action is not None
    assert "WVR" in high.action.en


def test_outgassing_rate_only_evidence_is_missing_for_screening() -> None:
    rate_only = _ev("outgassing_test", rate_per_area={"value": 1e-7, "unit": "Pa·m³/(s·m²)"})
    assert _check(E595_REQ, rate_only).verdict == "missing"


# --- the materials demo against the shipped profiles -------------------------------------------------


@pytest.mark.parametrize(
    ("file", "e595", "nasa"),
    [
        ("e595-fkm-oring.csv", "pass", "pass"),
        ("e595-potting-water-loss.csv", "fail", "pass"),
        ("e595-silicone-high-cvcm.csv", "fail", "fail"),
        ("e595-fkm-at-150c-not-comparable.csv", "inconclusive", "inconclusive"),
    ],
)
def test_demo_e595_results_against_shipped_profiles(tmp_path: Path, file: str, e595: str, nasa: str) -> None:
    demo.generate(tmp_path, seed=11)
    evidence = [load_evidence(tmp_path / file)]
    assert evaluate(builtin().get("astm-e595/screening"), evidence, as_of=AS_OF).results[0].verdict == e595
    assert (
        evaluate(builtin().get("nasa-std-6016/outgassing"), evidence, as_of=AS_OF).results[0].verdict == nasa
    )


def test_demo_acid_table_keeps_censored_values(tmp_path: Path) -> None:
    demo.generate(tmp_path, seed=11)
    analysis = load_evidence(tmp_path / "icpms-h2so4-w-w.csv")
    req = _metals(limits={"K": (10, "ppt"), "Cu": (0.1, "ppt"), "Fe": (100, "ppt")})
    result = _check(req, analysis)
    assert [(d.label, d.verdict) for d in result.details] == [
        ("39K (< DL)", "pass"),
        ("63Cu (< DL)", "inconclusive"),
        ("56Fe", "pass"),
    ]


def test_an_analysis_with_units_off_its_basis_is_refused_before_evaluation() -> None:
    with pytest.raises(ValueError, match="'µg/L' is not a unit of basis w/w"):
        _analysis([{"element": "Fe", "value": 0.1, "unit": "µg/L"}], basis="w/w")
    # the dilute-aqueous convention: ppb under a w/v basis is µg/L
    assert _analysis([{"element": "Fe", "value": 0.1, "unit": "ppb"}], basis="w/v").basis == "w/v"
