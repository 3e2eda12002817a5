"""The report model built from the demo's real evaluations (qualbridge.demo.scenarios, seed 0, as of
2026-06-30): known answers are what each scenario was built to show, and the ISO tables they rest on."""

from __future__ import annotations

import datetime as dt

import pytest

from qualbridge.evaluation import Evaluation
from qualbridge.evaluation.result import Detail
from qualbridge.reports import EvidenceItem, LogEntry, PackageInfo, StoredEvaluation, build_report
from qualbridge.reports.model import combined
from qualbridge.reports.series import chart_data, particle_chart, purity_chart
from qualbridge.text import Text
from tests.reports.conftest import GENERATED_AT, report_of


def test_a_failing_chamber(demo: dict[str, Evaluation]) -> None:
    evaluation = demo["chamber-failing"]
    report = report_of(evaluation)
    (section,) = report.sections
    assert (report.subject, report.overall, section.overall) == ("evaluation", "fail", "fail")
    assert section.counts == {v: sum(r.verdict == v for r in evaluation.results) for v in section.counts}
    assert section.counts["fail"] >= 1
    assert [g.requirement_id for _, g in report.gaps] == [g.requirement_id for g in evaluation.gaps]
    assert all(g.action.en and g.action.zh for _, g in report.gaps)
    # The report lists exactly the evidence the evaluation names, each with its content digest.
    assert sorted(e.id for e in report.evidence) == sorted(e.id for e in evaluation.evidence)
    assert all(e.id.startswith("sha256:") and e.log is None for e in report.evidence)
    assert section.digest == evaluation.digest()
    assert report.verify_command == "qualbridge verify BUNDLE --trust-root FILE"


def test_vacuum_bars_carry_the_results_values(demo: dict[str, Evaluation]) -> None:
    evaluation = demo["chamber-failing"]
    bars = {b.requirement_id: b for b in chart_data(evaluation).vacuum}
    leak = next(r for r in evaluation.results if r.requirement_id == "he-leak")
    assert leak.measured is not None
    assert leak.limit is not None
    assert (bars["he-leak"].measured, bars["he-leak"].limit) == (leak.measured.value, leak.limit.value)
    assert bars["he-leak"].verdict == "fail"
    assert set(bars) >= {"he-leak", "rate-of-rise", "base-pressure", "outgassing-rate"}


def test_rga_peaks_by_mass(demo: dict[str, Evaluation]) -> None:
    rga = chart_data(demo["chamber-failing"]).rga
    assert rga is not None
    masses = [p.mz for p in rga.peaks]
    # The pump-oil peaks of the example profile (m/z 39, 41, 43, 55, 57) and O₂ of the air-leak signature.
    assert {32, 39, 41, 43, 55, 57} <= set(masses)
    assert masses == sorted(masses)
    assert next(p for p in rga.peaks if p.mz == 32).verdict == "fail"


def test_particles_per_location_and_size_against_iso_class_5(demo: dict[str, Evaluation]) -> None:
    result = demo["cleanroom-hot-spot"].results[0]
    chart = particle_chart(result)
    assert chart is not None
    # ISO 14644-1:2015 Table 1, ISO Class 5 (reference notes §1.3).
    assert {s.size_um: s.limit for s in chart.sizes} == {
        0.1: 100_000,
        0.2: 23_700,
        0.3: 10_200,
        0.5: 3_520,
        1.0: 832,
    }
    assert {len(s.points) for s in chart.sizes} == {16}  # the scenario's 16 locations
    failed = {p.location for s in chart.sizes for p in s.points if p.verdict == "fail"}
    # The scenario puts 2.5 × the limit at its hot location (index 6: L07); the message counts the
    # failing locations, and the chart must show the same ones.
    assert "L07" in failed
    assert f"{len(failed)} location(s) above the limit" in result.message.en
    ratios = {(p.location, s.size_um): p.value / s.limit for s in chart.sizes for p in s.points}
    worst = max(ratios, key=ratios.__getitem__)
    assert worst == ("L07", 0.5)  # the message: "worst: L07 @ ≥0.5 µm"


def test_purity_classes_of_the_tool_hookup(demo: dict[str, Evaluation]) -> None:
    result = next(r for r in demo["tool-hookup"].results if r.kind == "iso8573_1_purity")
    chart = purity_chart(result)
    assert chart is not None
    # The scenario's air is generated to meet [1:2:1] and the profile requires [1:2:1].
    assert [(c.contaminant, c.required, c.measured) for c in chart.classes] == [
        ("particles", 1, 1),
        ("water", 2, 2),
        ("oil", 1, 1),
    ]


def test_a_dry_air_fault_is_a_worse_water_class(demo: dict[str, Evaluation]) -> None:
    (result,) = demo["compressed-air-wet"].results
    chart = purity_chart(result)
    assert chart is not None
    water = next(c for c in chart.classes if c.contaminant == "water")
    assert water.required == 2
    assert water.measured is None or water.measured == "X" or int(water.measured) > 2


def test_only_charts_with_data(demo: dict[str, Evaluation]) -> None:
    chamber = chart_data(demo["chamber-failing"])
    assert (chamber.particles, chamber.purity) == ((), ())
    room = chart_data(demo["cleanroom-hot-spot"])
    assert (len(room.particles), room.vacuum, room.rga) == (1, (), None)


def test_a_label_the_checks_do_not_write_is_left_out(demo: dict[str, Evaluation]) -> None:
    result = demo["cleanroom-hot-spot"].results[0]
    odd = result.model_copy(update={"details": [Detail(label="somewhere", verdict="pass")]})
    assert particle_chart(odd) is None
    unknown = result.model_copy(update={"message": Text.of("something else", "其他")})
    assert purity_chart(unknown) is None


def _package(**changes: object) -> PackageInfo:
    fields: dict[str, object] = {
        "id": "6f1c0d1e-0000-4000-8000-000000000001",
        "name": "VX-200 for Dresden",
        "product_model": "VX-200",
        "product_name": "Process chamber",
        "product_kind": "equipment",
        "vendor": Text.of("Shanghai Vacuum", "上海真空"),
        "fabs": [Text.of("Fab Dresden", "德累斯顿晶圆厂")],
        "profiles": ["example/vacuum-chamber-incoming@1"],
        "created_at": dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
    }
    return PackageInfo.model_validate({**fields, **changes})


def test_a_package_combines_its_evaluations_and_shows_log_entries(demo: dict[str, Evaluation]) -> None:
    passing, failing = demo["chamber-incoming"], demo["chamber-failing"]
    logged = LogEntry(index=41, checkpoint_size=57, statement_digest="sha256:" + "ab" * 32)
    evidence = [
        EvidenceItem.of_ref(passing.evidence[0]).model_copy(update={"log": logged}),
        EvidenceItem.of_ref(passing.evidence[1]),
    ]
    report = build_report(
        [StoredEvaluation(result=passing), StoredEvaluation(result=failing)],
        generated_at=GENERATED_AT,
        package=_package(),
        evidence=evidence,
    )
    assert (report.subject, report.overall, len(report.sections)) == ("package", "fail", 2)
    assert report.evidence == evidence  # the package's list, not the evaluations'
    assert report.logged() == 1
    assert report.evidence[0].log == logged


@pytest.mark.parametrize(
    ("overalls", "expected"),
    [
        ((), "incomplete"),
        (("pass",), "pass"),
        (("pass", "incomplete"), "incomplete"),
        (("incomplete", "fail", "pass"), "fail"),
    ],
)
def test_package_summary(overalls: tuple[str, ...], expected: str) -> None:
    assert combined(list(overalls)) == expected  # type: ignore[arg-type]


def test_a_report_without_a_package_is_of_one_evaluation(demo: dict[str, Evaluation]) -> None:
    with pytest.raises(ValueError, match="exactly one evaluation"):
        build_report([], generated_at=GENERATED_AT)


def test_a_log_entry_is_validated() -> None:
    with pytest.raises(ValueError, match="checkpoint_size"):
        LogEntry(index=3, checkpoint_size=0, statement_digest="sha256:00")
