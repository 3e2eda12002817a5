"""``qualbridge iso8573 classify|designation`` (reference notes §3 for the expected classes)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from qualbridge.cli.main import app

runner = CliRunner()
ASSETS = Path(__file__).parents[1] / "assets" / "compressed_air"
REFERENCE = [
    "--particles",
    "0.1-0.5=15000",
    "--particles",
    "0.5-1=300",
    "--particles",
    "1-5=8",
    "--dew-point",
    "-45",
    "--oil",
    "0.005",
]


def test_classify_measurements_as_json() -> None:
    # 15 000 / 300 / 8 per m³ → particles 1; −45 °C → water 2; 0.005 mg/m³ → oil 1.
    result = runner.invoke(app, ["iso8573", "classify", *REFERENCE, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["purity"] == "[1:2:1]"
    assert data["designation"] == "ISO 8573-1:2010 [1:2:1]"
    assert [c["class"] for c in data["contaminants"]] == [1, 2, 1]
    # The > 5 µm band was not given: class 1 holds only if none were detected, and the output says so.
    assert "> 5 µm not reported" in data["contaminants"][0]["caveats"][0]["en"]


def test_classify_renders_a_table_and_bar_charts() -> None:
    result = runner.invoke(app, ["iso8573", "classify", *REFERENCE, "--particles", ">5=0"])
    assert result.exit_code == 0, result.output
    assert "ISO 8573-1:2010 [1:2:1]" in result.stdout
    assert "pressure dew point (°C)" in result.stdout
    lines = result.stdout.splitlines()
    # The measurement sits between the class 1 (−70 °C) and class 2 (−40 °C) limits.
    dew = lines.index("pressure dew point (°C)")
    order = [line.split()[1] for line in lines[dew + 1 : dew + 4]]  # "class 1", "▶ measured", "class 2"
    assert order == ["1", "measured", "2"]
    assert "█" in lines[dew + 2]


def test_classify_in_chinese() -> None:
    result = runner.invoke(app, ["iso8573", "classify", *REFERENCE, "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert "压力露点" in result.stdout


def test_classify_a_lab_report_file() -> None:
    path = ASSETS / "dew_point_-35C_misses_class_2.csv"
    result = runner.invoke(app, ["iso8573", "classify", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["purity"] == "[1:3:1]"  # −35 °C is class 3 (≤ −20 °C)
    assert data["source"] == str(path)


def test_particles_above_5um_rule_out_count_classes() -> None:
    result = runner.invoke(app, ["iso8573", "classify", *REFERENCE, "--particles", ">5=3", "--json"])
    assert json.loads(result.stdout)["purity"] == "[-:2:1]"


def test_bad_input_exits_2() -> None:
    nothing = runner.invoke(app, ["iso8573", "classify"])
    assert nothing.exit_code == 2
    band = runner.invoke(app, ["iso8573", "classify", "--particles", "0.3-0.5=100"])
    assert band.exit_code == 2
    assert "not an ISO 8573-1 band" in band.output
    both = runner.invoke(
        app, ["iso8573", "classify", str(ASSETS / "class_1-2-1_lab_export.csv"), "--oil", "1"]
    )
    assert both.exit_code == 2


def test_designation_explains_each_part() -> None:
    result = runner.invoke(app, ["iso8573", "designation", "[2:-:1]", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["designation"] == "ISO 8573-1:2010 [2:-:1]"
    particles, water, oil = data["parts"]
    assert particles["class"] == 2
    assert "≤ 400000 particles/m³" in particles["explanation"]["en"]  # §3.1 class 2, 0.1–0.5 µm
    assert water["class"] is None
    assert water["explanation"]["en"] == "water: not specified"
    assert "total oil ≤ 0.01 mg/m³" in oil["explanation"]["en"]  # §3.3 class 1


def test_designation_in_chinese_and_class_0() -> None:
    result = runner.invoke(app, ["iso8573", "designation", "ISO 8573-1:2010 [1:0:1]", "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert "压力露点" not in result.stdout  # class 0 water has no tabulated limit to quote
    assert "严于 1 级" in result.stdout
    assert "0.1–0.5 µm 颗粒 ≤ 20000" in result.stdout


def test_bad_designation_exits_2() -> None:
    result = runner.invoke(app, ["iso8573", "designation", "[1:2:5]"])
    assert result.exit_code == 2
    assert "no oil class 5" in result.output
