"""``qualbridge iso14644 limit|plan|classify`` (values from reference notes §1.2–§1.10)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from qualbridge.cli.main import app
from qualbridge.errors import EvidenceError

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["iso14644", *args])


def as_json(*args: str) -> Any:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- limit -------------------------------------------------------------------------------------------


def test_limit_lists_table_1_and_marks_not_applicable_cells() -> None:
    data = as_json("limit", "--class", "5")
    rows = {row["size_um"]: row for row in data["limits"]}
    assert [rows[s]["limit_per_m3"] for s in (0.1, 0.2, 0.3, 0.5, 1.0)] == [100000, 23700, 10200, 3520, 832]
    assert rows[5.0]["applicable"] is False
    assert rows[5.0]["limit_per_m3"] is None
    assert rows[5.0]["footnotes"] == ["d", "e", "f"]
    assert data["note"] is None


def test_limit_for_chosen_sizes_and_intermediate_class() -> None:
    data = as_json("limit", "--class", "ISO 5.5", "--size", "0.5", "--size", "5")
    assert data["iso_class"] == 5.5
    # 10^5.5 × (0.1/0.5)^2.08 = 11 121 → 11 100; 5 µm inherits ISO 5's footnotes d, e, f.
    assert [row["limit_per_m3"] for row in data["limits"]] == [11100, None]


def test_limit_table_for_people() -> None:
    result = invoke("limit", "--class", "5")
    assert result.exit_code == 0
    assert "3,520" in result.output
    assert "n/a" in result.output
    assert "M descriptor" in result.output


def test_fs209e_name_comes_with_the_approximation_note() -> None:
    data = as_json("limit", "--class", "Class 100")
    assert data["iso_class"] == 5
    assert data["fs209e_class"] == 100
    assert "approximate" in data["note"]["en"]
    assert "3,531/m³" in data["note"]["en"]
    rows = {row["size_um"]: row for row in data["limits"]}
    assert rows[0.5]["fs209e_per_ft3"] == 100
    human = invoke("limit", "--class", "Class 100")
    assert "approximate" in human.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("limit", "--class", "Class 5"), "not a FED-STD-209E class"),
        (("limit", "--class", "12"), "outside 1 to 9"),
        (("limit", "--class", "5", "--size", "10"), "outside the scope"),
        (("plan", "--class", "5", "--area", "80", "--size", "0.5", "--size", "5"), "M descriptor"),
        (("plan", "--class", "5", "--area", "0"), "not a positive area"),
        (("plan", "--class", "9", "--area", "10", "--occupancy", "at-rest"), "operational state only"),
    ],
)
def test_bad_input_exits_2_with_the_reason(args: tuple[str, ...], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    # Typer draws the error in a box: drop the borders and the wrapping before looking for the reason.
    assert message in " ".join(result.output.replace("│", " ").split())


# --- plan --------------------------------------------------------------------------------------------


def test_plan_for_iso_5_at_half_a_micron() -> None:
    data = as_json("plan", "--class", "5", "--area", "80", "--size", "0.5")
    assert data["locations"] == 16  # Table A.1: ≤ 104 m² → 16
    assert data["sample_volume_l"] == pytest.approx(20 / 3520 * 1000)  # 5.68 L
    assert data["sample_volume_ask_l"] == 5.69


def test_plan_above_1000_m2_uses_formula_a1_and_flow_gives_time() -> None:
    data = as_json("plan", "--class", "4", "--area", "1500", "--size", "0.5", "--flow", "28.3")
    assert data["locations"] == 41  # 27 × 1.5 = 40.5 → 41
    # V_s = 20 / 352 × 1000 = 56.82 L; at 28.3 L/min that is 120.5 s → 121 s, 57.1 L.
    assert data["sample_time_s"] == 121
    assert data["volume_per_sample_l"] == pytest.approx(28.3 * 121 / 60)


def test_plan_single_location_needs_three_samples_and_one_minute() -> None:
    data = as_json("plan", "--class", "8", "--area", "2", "--flow", "28.3", "--occupancy", "at-rest")
    assert data["locations"] == 1
    assert data["min_samples_per_location"] == 3
    assert data["sample_volume_l"] == 2.0  # 20 / 3 520 000 × 1000 L is below the 2 L minimum
    assert data["sample_time_s"] == 60
    assert data["designation"]["en"] == "ISO Class 8; at rest; 0.5 µm, 1 µm, 5 µm"


def test_plan_for_people() -> None:
    result = invoke("plan", "--class", "5", "--area", "80", "--lang", "zh")
    assert result.exit_code == 0
    assert "采样点数" in result.output
    assert "表 A.1" in result.output


# --- classify ----------------------------------------------------------------------------------------


def write_survey(tmp_path: Path, means: list[list[float]], **extra: Any) -> Path:
    document = {
        "kind": "particle_survey",
        "issuer": "Test Lab",
        "test_date": "2025-03-01",
        "subject": {"type": "room", "id": "FAB1-C3"},
        "occupancy": "at-rest",
        "area_m2": 10,
        "sizes_um": [0.3, 0.5, 5.0],
        "locations": [
            {
                "name": f"L{i + 1}",
                "samples": 1,
                "min_sample_volume_l": 100,
                "total_volume_l": 100,
                "min_sample_duration_s": 120,
                "mean_per_m3": row,
                "max_per_m3": row,
            }
            for i, row in enumerate(means)
        ],
    } | extra
    path = tmp_path / "survey.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


CLEAN = [[5000, 2000, 100], [8000, 3000, 150], [6000, 2500, 120], [7000, 2800, 90], [4000, 1500, 60]]


def test_classify_json(tmp_path: Path) -> None:
    data = as_json("classify", str(write_survey(tmp_path, CLEAN)))
    # 0.3 µm: 8 000 ≤ ISO 4.9 (10^4.9 × (1/3)^2.08 = 8 090); 0.5 µm: 3 000 > ISO 4.9 (2 790) but
    # ≤ ISO 5 (3 520); 5 µm: ISO 5.x is not classifiable there, so ISO 6 (293).
    assert [s["iso_class"] for s in data["sizes"]] == [4.9, 5.0, 6.0]
    assert data["overall"] == 6.0
    assert data["designation"]["en"] == "ISO Class 6; at rest; 0.3 µm, 0.5 µm, 5 µm"
    assert data["locations_required"] == 5
    assert data["issues"] == []


def test_classify_chart_and_table(tmp_path: Path) -> None:
    result = invoke("classify", str(write_survey(tmp_path, CLEAN)), "--size", "0.5")
    assert result.exit_code == 0
    assert "ISO Class 5; at rest; 0.5 µm" in result.output
    assert "┃" in result.output  # the limit marker of the bar chart
    assert "█" in result.output


def test_classify_occupancy_option_wins_over_the_file(tmp_path: Path) -> None:
    # 5 µm: 200 000 /m³ is above ISO 8 (29 300) and below ISO 9 (293 000), which is operational only.
    path = write_survey(tmp_path, [[9_000_000, 9_000_000, 200_000]] * 5)
    at_rest = invoke("classify", str(path), "--size", "5", "--json")
    assert at_rest.exit_code == 1  # no class fits
    assert json.loads(at_rest.stdout)["overall"] is None
    operational = as_json("classify", str(path), "--size", "5", "--occupancy", "operational")
    assert operational["occupancy"] == "operational"
    # 10^8.9 × (0.1/5)^2.08 = 232 350 → 232 000 ≥ 200 000; ISO 8.8 gives 185 000.
    assert operational["overall"] == 8.9


def test_classify_reports_plan_issues(tmp_path: Path) -> None:
    data = as_json("classify", str(write_survey(tmp_path, CLEAN, area_m2=80)))
    assert data["locations_required"] == 16
    assert data["issues"][0]["action"]["en"] == "add 11 sampling locations: the room's 80 m² needs 16"


def test_classify_refuses_other_evidence(tmp_path: Path) -> None:
    path = tmp_path / "declaration.json"
    declaration = {
        "kind": "material_declaration",
        "issuer": "Vendor",
        "test_date": "2025-03-01",
        "subject": {"type": "material_lot", "id": "LOT-1"},
        "statements": {"rohs_compliant": True},
    }
    path.write_text(json.dumps(declaration), encoding="utf-8")
    result = invoke("classify", str(path))
    assert isinstance(result.exception, EvidenceError)
    assert "not a particle survey" in str(result.exception)
