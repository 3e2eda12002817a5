"""The demo checks itself: each scenario evaluates to the verdict it was built to show."""

from pathlib import Path

import pytest

from qualbridge.demo import scenarios


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> list[scenarios.Outcome]:
    out: Path = tmp_path_factory.mktemp("demo")
    return scenarios.run(scenarios.build(out, seed=0))


def test_every_scenario_shows_what_it_was_built_to_show(outcomes: list[scenarios.Outcome]) -> None:
    got = {o.scenario.key: o.evaluation.overall for o in outcomes}
    assert got == {o.scenario.key: o.scenario.expected for o in outcomes}
    assert set(got.values()) == {"pass", "fail", "incomplete"}


def test_short_plan_names_the_missing_locations(outcomes: list[scenarios.Outcome]) -> None:
    short = next(o for o in outcomes if o.scenario.key == "cleanroom-short-plan")
    (gap,) = short.evaluation.gaps
    # Table A.1 (reference notes §1.5): 80 m² needs 16 locations; the survey has 12.
    assert gap.action.en == "add 4 sampling locations: the room's 80 m² needs 16"


def test_demo_is_reproducible(tmp_path: Path, outcomes: list[scenarios.Outcome]) -> None:
    again = scenarios.run(scenarios.build(tmp_path, seed=0))
    assert [o.evaluation.canonical() for o in again] == [o.evaluation.canonical() for o in outcomes]
