"""The demo: realistic raw evidence for a few qualification stories, and their evaluations.

Each scenario names the profile it is judged against and the verdict it is built to show, so the demo
checks itself: a scenario whose evaluation differs from what it was built to show is a defect (the test
suite runs every scenario).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from qualbridge.demo import chemical, compressed_air, materials, particles, vacuum
from qualbridge.evaluation import Evaluation, evaluate
from qualbridge.evaluation.result import Overall
from qualbridge.evidence.parsers import evidence_files, load_evidence
from qualbridge.standards.catalog import builtin
from qualbridge.text import Text

#: Evaluation date of the demo, fixed so that the demo's results are the same every day.
AS_OF = dt.date(2026, 6, 30)

#: Sizes of a 0.1 µm counter: every size the ISO 5 profiles consider, and 5 µm.
COUNTER_SIZES = (0.1, 0.2, 0.3, 0.5, 1.0, 5.0)


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str
    title: Text
    profile: str
    files: tuple[Path, ...]
    expected: Overall


@dataclass(frozen=True, slots=True)
class Outcome:
    scenario: Scenario
    evaluation: Evaluation


Progress = Callable[[str], None]


def _survey(path: Path, plan: particles.SurveyPlan, *, dialect: str, occupancy: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    particles.write_survey(
        path,
        plan,
        dialect=dialect,
        meta={
            "occupancy": occupancy,
            "area_m2": plan.area_m2,
            "subject": {"type": "room", "id": "FAB1-C3", "name": "Cleanroom C3, tool bay"},
        },
    )
    return path


def _cleanroom(out: Path, seed: int) -> list[Scenario]:
    room = out / "cleanroom"
    base = particles.SurveyPlan(
        iso_class=5,
        area_m2=80,
        locations=16,  # Table A.1: 80 m² → 16
        samples_per_location=3,
        sizes_um=COUNTER_SIZES,
        fraction=0.25,
        start=dt.datetime(2026, 4, 20, 8, 0),
        seed=seed + 1,
    )
    ok = _survey(room / "survey-at-rest.csv", base, dialect="lighthouse", occupancy="at-rest")
    short_plan = replace(base, locations=12, seed=seed + 2)
    short = _survey(
        room / "short-plan" / "survey-at-rest.csv", short_plan, dialect="tsi", occupancy="at-rest"
    )
    hot_plan = replace(base, hot_location=6, seed=seed + 3)
    hot = _survey(
        room / "hot-spot" / "survey-operational.csv", hot_plan, dialect="metone", occupancy="operational"
    )
    return [
        Scenario(
            "cleanroom-at-rest",
            Text.of("Cleanroom C3 at rest, 80 m², 16 locations", "C3 洁净室静态，80 m²，16 个采样点"),
            "iso14644-1/class-5/at-rest",
            (ok,),
            "pass",
        ),
        Scenario(
            "cleanroom-short-plan",
            Text.of("Cleanroom C3 sampled at only 12 locations", "C3 洁净室仅 12 个采样点"),
            "iso14644-1/class-5/at-rest",
            (short,),
            "incomplete",
        ),
        Scenario(
            "cleanroom-hot-spot",
            Text.of(
                "Cleanroom C3 in operation, one location above the limit", "C3 洁净室动态，一个采样点超限"
            ),
            "iso14644-1/class-5/operational",
            (hot,),
            "fail",
        ),
    ]


def _tool_hookup(out: Path, seed: int) -> list[Scenario]:
    bay = out / "tool-hookup"
    plan = particles.SurveyPlan(
        iso_class=5,
        area_m2=120,
        locations=19,  # Table A.1: 120 m² → 19
        samples_per_location=2,
        sizes_um=COUNTER_SIZES,
        fraction=0.3,
        start=dt.datetime(2026, 5, 4, 9, 0),
        seed=seed + 4,
    )
    survey = _survey(bay / "survey-operational.csv", plan, dialect="pms", occupancy="operational")
    air = compressed_air.write_compressed_air_report(
        bay, purity="[1:2:1]", seed=seed, test_date=dt.date(2026, 5, 5), name="cda-purity"
    )
    amc = chemical.write_amc_report(bay, seed=seed, test_date=dt.date(2026, 5, 6), name="amc")
    wet = compressed_air.write_compressed_air_report(
        out / "compressed-air-wet",
        purity="[1:2:1]",
        seed=seed + 1,
        miss="water",
        test_date=dt.date(2026, 5, 5),
        name="cda-purity",
    )
    return [
        Scenario(
            "tool-hookup",
            Text.of(
                "Tool hook-up release: cleanroom, compressed air, AMC",
                "设备接驳放行：洁净室、压缩空气、气态分子污染物",
            ),
            "example/tool-hookup",
            (survey, air, amc),
            "pass",
        ),
        Scenario(
            "compressed-air-wet",
            Text.of("Compressed air with a dryer fault", "干燥器故障的压缩空气"),
            "iso8573-1/1-2-1",
            (wet,),
            "fail",
        ),
    ]


def _chamber(out: Path, seed: int) -> list[Scenario]:
    directory = out / "vacuum-chamber"
    vacuum.generate(directory, seed=seed)
    return [
        Scenario(
            "chamber-incoming",
            Text.of("Process chamber VX-200: incoming qualification", "VX-200 工艺腔体来料认证"),
            "example/vacuum-chamber-incoming",
            tuple(evidence_files([directory])),
            "pass",
        ),
        Scenario(
            "chamber-failing",
            Text.of("Process chamber with an air leak and contamination", "存在空气泄漏与污染的工艺腔体"),
            "example/vacuum-chamber-incoming",
            tuple(evidence_files([directory / "failing"])),
            "fail",
        ),
    ]


def _materials(out: Path, seed: int) -> list[Scenario]:
    directory = out / "materials"
    materials.generate(directory, seed=seed)
    e595 = tuple(p for p in evidence_files([directory]) if p.name.startswith("e595-"))
    return [
        Scenario(
            "materials-screening",
            Text.of(
                "Elastomers and potting compounds, ASTM E595 screening", "弹性体与灌封材料 ASTM E595 筛选"
            ),
            "astm-e595/screening",
            e595,
            "fail",
        ),
    ]


def build(out: Path, *, seed: int = 0, progress: Progress | None = None) -> list[Scenario]:
    """Write every scenario's raw files under ``out``; return the scenarios."""
    steps: Sequence[tuple[str, Callable[[Path, int], list[Scenario]]]] = (
        ("cleanroom surveys", _cleanroom),
        ("tool hook-up", _tool_hookup),
        ("vacuum chamber", _chamber),
        ("materials", _materials),
    )
    scenarios: list[Scenario] = []
    for label, step in steps:
        if progress:
            progress(label)
        scenarios.extend(step(out, seed))
    return scenarios


def run(scenarios: Sequence[Scenario], *, as_of: dt.date = AS_OF) -> list[Outcome]:
    """Parse each scenario's files and evaluate them against its profile."""
    catalog = builtin()
    return [
        Outcome(s, evaluate(catalog.get(s.profile), [load_evidence(p) for p in s.files], as_of=as_of))
        for s in scenarios
    ]
