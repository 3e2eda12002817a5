"""The ISO 14644-1 checks: verdicts, margins, details and actions (reference notes §1.5–§1.8)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from qualbridge.evaluation import evaluate
from qualbridge.evaluation.result import VERDICT_RANK, RequirementResult
from qualbridge.evidence.models import ParticleSurvey
from qualbridge.standards.catalog import builtin
from qualbridge.standards.profile import Profile, documents_from_data, resolve
from qualbridge.units import convert
from tests.particle_surveys import survey as particle_survey

AS_OF = dt.date(2025, 6, 1)


def survey(*args: Any, **kwargs: Any) -> ParticleSurvey:
    """A survey whose single-sample maxima sit above the averages, as real ones do."""
    return particle_survey(*args, max_factor=1.5, **kwargs)


def profile(**fields: Any) -> Profile:
    """A one-requirement ISO 14644-1 profile, checked by the standard's rules."""
    requirement: dict[str, Any] = {
        "id": "acp",
        "kind": "iso14644_1_class",
        "title": {"en": "particles", "zh": "粒子"},
        "source": "ISO 14644-1:2015 Table 1",
        "iso_class": 5,
        "sizes_um": [0.5],
        "occupancy": "at-rest",
    } | fields
    data = {"id": "t/acp", "version": 1, "title": {"en": "t", "zh": "t"}, "publisher": "t"}
    (doc,) = documents_from_data(data | {"requirements": [requirement]}, source="t.yaml")
    builtin()  # loads the rule modules
    return resolve(doc)


def run(p: Profile, *surveys: ParticleSurvey) -> RequirementResult:
    (result,) = evaluate(p, list(surveys), as_of=AS_OF).results
    return result


# Table A.1: 10 m² → 5 locations.
FIVE = 5


def test_pass_reports_the_worst_cell_and_the_comparison_rule() -> None:
    result = run(profile(), survey([0.5], [[1000], [2000], [3000], [1500], [900]]))
    assert result.verdict == "pass"
    assert result.measured is not None
    assert result.limit is not None
    assert (result.measured.value, result.limit.value) == (3000, 3520)
    assert result.margin == pytest.approx((3520 - 3000) / 3520, abs=1e-6)
    assert "≤" in result.message.en
    assert "A.6.2" in result.message.en
    assert len(result.details) == FIVE
    assert result.details[2].label == "L3 @ ≥0.5 µm"
    assert result.action is None


def test_the_limit_itself_passes_and_just_above_fails() -> None:
    at = run(profile(), survey([0.5], [[3520]] * FIVE))
    above = run(profile(), survey([0.5], [[3520]] * 4 + [[3520.5]]))
    assert at.verdict == "pass"
    assert above.verdict == "fail"


def test_extra_channels_are_ignored() -> None:
    result = run(profile(), survey([0.3, 0.5, 5.0], [[50_000, 1000, 900]] * FIVE))
    assert result.verdict == "pass"
    assert len(result.details) == FIVE


def test_a_missing_channel_is_inconclusive_naming_it() -> None:
    result = run(profile(sizes_um=[0.3, 0.5]), survey([0.5, 1.0], [[1000, 100]] * FIVE))
    assert result.verdict == "inconclusive"
    assert result.action is not None
    assert "≥0.3 µm channel" in result.action.en
    assert [d.verdict for d in result.details].count("missing") == FIVE


@pytest.mark.parametrize("occupancy", ["operational", None])
def test_another_occupancy_state_is_inconclusive(occupancy: str | None) -> None:
    result = run(profile(), survey([0.5], [[1000]] * FIVE, occupancy=occupancy))
    assert result.verdict == "inconclusive"
    assert result.action is not None
    assert "at rest" in result.action.en


def test_the_survey_of_the_required_state_is_chosen() -> None:
    operational = survey([0.5], [[9000]] * FIVE, occupancy="operational", test_date=dt.date(2025, 5, 1))
    at_rest = survey([0.5], [[1000]] * FIVE)
    assert run(profile(), operational, at_rest).verdict == "pass"


def test_too_few_locations_names_how_many_to_add() -> None:
    # Table A.1: 80 m² → 16 locations; 12 were sampled.
    result = run(profile(), survey([0.5], [[1000]] * 12, area_m2=80))
    assert result.verdict == "inconclusive"
    assert result.action is not None
    assert result.action.en == "add 4 sampling locations: the room's 80 m² needs 16"
    assert "增加 4 个采样点" in result.action.zh


def test_the_requirement_area_wins_over_the_survey() -> None:
    result = run(profile(area_m2=80), survey([0.5], [[1000]] * FIVE, area_m2=10))
    assert result.verdict == "inconclusive"
    assert result.action is not None
    assert "needs 16" in result.action.en


def test_unknown_area_is_inconclusive() -> None:
    result = run(profile(), survey([0.5], [[1000]] * FIVE, area_m2=None))
    assert result.verdict == "inconclusive"
    assert result.action is not None
    assert "area_m2" in result.action.en


def test_one_location_needs_three_samples() -> None:
    # Table A.1: 2 m² → 1 location, which then needs at least 3 samples.
    assert run(profile(), survey([0.5], [[1000]], samples=3, area_m2=2)).verdict == "pass"
    result = run(profile(), survey([0.5], [[1000]], samples=2, area_m2=2))
    assert result.verdict == "inconclusive"
    assert result.action is not None
    assert "at least 3 samples at L1" in result.action.en


@pytest.mark.parametrize(
    ("fields", "volume_l", "ask"),
    [
        # ISO 4 at 0.5 µm: 20 / 352 × 1000 = 56.82 L, asked for as 56.9 L (rounded up).
        ({"iso_class": 4}, 28.3, "56.9"),
        # ISO 8 at 0.5 µm: 20 / 3 520 000 × 1000 = 0.0057 L, so the 2 L minimum.
        ({"iso_class": 8}, 1.5, "2"),
    ],
)
def test_too_small_a_sample_volume_is_inconclusive(fields: dict[str, Any], volume_l: float, ask: str) -> None:
    result = run(profile(**fields), survey([0.5], [[100]] * FIVE, volume_l=volume_l))
    assert result.verdict == "inconclusive"
    assert result.action is not None
    assert result.action.en == f"re-test with ≥ {ask} L per sample"


def test_samples_shorter_than_a_minute_are_inconclusive() -> None:
    result = run(profile(), survey([0.5], [[1000]] * FIVE, duration_s=30))
    assert result.verdict == "inconclusive"
    assert result.action is not None
    assert "at least 1 min" in result.action.en


def test_a_measured_exceedance_fails_even_with_a_short_plan() -> None:
    # 80 m² needs 16 locations; only 3 sampled, and L2 exceeds at 0.5 µm and 1 µm.
    data = survey([0.5, 1.0], [[1000, 100], [3600, 900], [3000, 500]], area_m2=80)
    result = run(profile(sizes_um=[0.5, 1.0]), data)
    assert result.verdict == "fail"
    assert result.action is not None
    assert "L2 (≥0.5 µm, ≥1 µm)" in result.action.en
    assert "A.6.2.2" in result.action.en
    assert "add 13 sampling locations" in result.action.en
    # The worst cell is the one furthest above its limit: 900 over 832 (-8.2 %), not 3 600 over 3 520
    # (-2.3 %).
    assert result.measured is not None
    assert result.measured.value == 900
    assert result.margin == pytest.approx((832 - 900) / 832, abs=1e-6)
    assert len(result.details) == 6
    assert [d.verdict for d in result.details].count("fail") == 2


def test_shipped_profile_evaluates() -> None:
    sizes = [0.1, 0.2, 0.3, 0.5, 1.0]
    clean = [[50_000, 12_000, 5000, 1500, 300]] * FIVE
    result = run(builtin().get("iso14644-1/class-5/at-rest"), survey(sizes, clean, volume_l=28.3))
    # V_s at 1 µm: 20 / 832 × 1000 = 24.04 L ≤ 28.3 L.
    assert result.verdict == "pass"
    assert len(result.details) == FIVE * len(sizes)


def macro_profile(**fields: Any) -> Profile:
    requirement: dict[str, Any] = {
        "id": "m",
        "kind": "iso14644_1_macroparticle",
        "title": {"en": "macroparticles", "zh": "宏粒子"},
        "source": "ISO 14644-1:2015 Annex C",
        "max_per_m3": 29,
        "size_um": 5,
        "occupancy": "at-rest",
    } | fields
    data = {"id": "t/m", "version": 1, "title": {"en": "t", "zh": "t"}, "publisher": "t"}
    (doc,) = documents_from_data(data | {"requirements": [requirement]}, source="t.yaml")
    builtin()
    return resolve(doc)


def test_macroparticle_descriptor() -> None:
    # ISO M (29; ≥5 µm): 20 / 29 × 1000 = 689.7 L per sample, asked for as 690 L.
    ok = run(macro_profile(), survey([0.5, 5.0], [[1000, 20]] * FIVE, volume_l=700))
    high = run(macro_profile(), survey([0.5, 5.0], [[1000, 20]] * 4 + [[1000, 35]], volume_l=700))
    small = run(macro_profile(), survey([0.5, 5.0], [[1000, 0]] * FIVE, volume_l=28.3))
    assert ok.verdict == "pass"
    assert "ISO M (29; ≥5 µm); LSAPC" in ok.message.en
    assert high.verdict == "fail"
    assert small.verdict == "inconclusive"
    assert small.action is not None
    assert small.action.en == "re-test with ≥ 690 L per sample"


def test_no_survey_is_missing() -> None:
    (result,) = evaluate(profile(), [], as_of=AS_OF).results
    assert result.verdict == "missing"


# --- properties ------------------------------------------------------------------------------------

concentrations = st.floats(min_value=0, max_value=20_000, allow_nan=False)


@given(
    means=st.lists(st.tuples(concentrations, concentrations), min_size=1, max_size=8),
    factor=st.floats(min_value=1, max_value=50),
    area=st.sampled_from([2.0, 10.0, 80.0]),
)
def test_more_particles_never_improve_the_verdict(
    means: list[tuple[float, float]], factor: float, area: float
) -> None:
    p = profile(sizes_um=[0.5, 1.0])
    base = run(p, survey([0.5, 1.0], means, area_m2=area))
    more = run(p, survey([0.5, 1.0], [(a * factor, b * factor) for a, b in means], area_m2=area))
    assert VERDICT_RANK[more.verdict] >= VERDICT_RANK[base.verdict]


def _per_ft3_then_m3(value: float) -> float:
    """What a parser reading a per-ft³ export stores: the counter's per-ft³ figure converted to per m³."""
    return convert(convert(value, "particles/m³", "particles/ft³"), "particles/ft³", "particles/m³")


@given(
    means=st.lists(st.sampled_from([0.0, 100.0, 351.9, 352.0, 352.1, 1000.0]) | concentrations, min_size=5)
)
@example(means=[352.0] * 5)  # ISO 4 at 0.5 µm exactly: 352 /m³ → ft³ → m³ is 352.00000000000006
def test_per_ft3_and_per_m3_give_the_same_verdict(means: list[float]) -> None:
    p = profile(iso_class=4)
    per_m3 = run(p, survey([0.5], [[v] for v in means], volume_l=60))
    via_ft3 = run(p, survey([0.5], [[_per_ft3_then_m3(v)] for v in means], volume_l=60))
    assert per_m3.verdict == via_ft3.verdict


def test_concentration_export_without_volume_is_inconclusive_with_the_volume_gap() -> None:
    """A concentration-only export cannot show the A.4.4 sample volume: not a pass; the action says why."""
    from pathlib import Path

    from qualbridge.evaluation import evaluate
    from qualbridge.evidence.parsers import load_evidence
    from qualbridge.standards.catalog import builtin

    asset = (
        Path(__file__).parents[1] / "assets" / "particle_counter" / "concentration_per_ft3_without_volume.csv"
    )
    survey = load_evidence(
        asset,
        kind="particle_survey",
        meta={
            "issuer": "Lab",
            "test_date": "2026-01-05",
            "subject": {"type": "room", "id": "R1"},
            "occupancy": "operational",
            "area_m2": 1.5,
        },
    )
    profile = builtin().get("iso14644-1/class-8/operational")
    (result,) = evaluate(profile, [survey], as_of=survey.test_date).results
    # 100/ft³ = 3,531/m³ at 0.5 µm is far below the ISO 8 limit of 3,520,000/m³; the volume is unknown.
    assert result.verdict == "inconclusive"
    assert result.action is not None
    assert "sample volume" in result.action.en
