"""The CLI's conventions: --json everywhere, one clear error line, exit codes 0 / 1 / 2."""

import json
import subprocess
import sys
from pathlib import Path

import yaml
from typer.testing import CliRunner

from qualbridge.cli.main import app

runner = CliRunner()

FAB_PROFILE = {
    "id": "fab/materials",
    "version": 1,
    "title": {"en": "Fab materials", "zh": "晶圆厂材料"},
    "publisher": "Test Fab",
    "requirements": [
        {
            "kind": "declaration",
            "id": "rohs",
            "title": {"en": "RoHS compliant", "zh": "符合 RoHS"},
            "source": "fab-defined",
            "fab_defined": True,
            "statement": "rohs_compliant",
        }
    ],
}


def _write(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _declaration(tmp_path: Path, value: bool) -> Path:
    doc = {
        "kind": "material_declaration",
        "issuer": "Vendor A",
        "test_date": "2026-01-10",
        "subject": {"type": "material_lot", "id": "LOT-1"},
        "statements": {"rohs_compliant": value},
    }
    path = tmp_path / f"decl-{value}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_evaluate_exit_codes_and_json(tmp_path: Path) -> None:
    profile = _write(tmp_path / "fab.yaml", FAB_PROFILE)
    base = ["evaluate", "-f", str(profile), "--profile", "fab/materials", "--as-of", "2026-06-01"]
    ok = runner.invoke(app, [*base, str(_declaration(tmp_path, True)), "--json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["overall"] == "pass"
    assert data["profile"]["id"] == "fab/materials"

    bad = runner.invoke(app, [*base, str(_declaration(tmp_path, False))])
    assert bad.exit_code == 1
    assert "fail" in bad.stdout


def test_evaluate_in_chinese(tmp_path: Path) -> None:
    profile = _write(tmp_path / "fab.yaml", FAB_PROFILE)
    result = runner.invoke(
        app,
        [
            "evaluate",
            "-f",
            str(profile),
            "-p",
            "fab/materials",
            "--lang",
            "zh",
            "--as-of",
            "2026-06-01",
            str(_declaration(tmp_path, True)),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "总体结论" in result.stdout
    assert "符合 RoHS" in result.stdout


def test_profiles_validate_good_and_bad(tmp_path: Path) -> None:
    good = runner.invoke(app, ["profiles", "validate", str(_write(tmp_path / "ok.yaml", FAB_PROFILE))])
    assert good.exit_code == 0, good.output
    assert "valid" in good.stdout

    broken = {**FAB_PROFILE, "requirements": [{**FAB_PROFILE["requirements"][0], "statement": ""}]}  # type: ignore[dict-item]
    bad_path = _write(tmp_path / "bad.yaml", broken)
    # Run as a real process: the error line and exit code come from the console entry point.
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from qualbridge.cli.main import main; main()",
            "profiles",
            "validate",
            str(bad_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "bad.yaml" in proc.stderr
    assert "statement" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_profiles_list_and_show_json() -> None:
    listed = runner.invoke(app, ["profiles", "list", "--json"])
    assert listed.exit_code == 0
    rows = json.loads(listed.stdout)
    assert isinstance(rows, list)


def test_schema_exports_every_evidence_kind() -> None:
    result = runner.invoke(app, ["schema", "evidence"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    kinds = set(schema["discriminator"]["mapping"])
    assert {"particle_survey", "helium_leak_test", "trace_metal_analysis", "rga_scan"} <= kinds


def test_missing_evidence_file_is_bad_input(tmp_path: Path) -> None:
    profile = _write(tmp_path / "fab.yaml", FAB_PROFILE)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from qualbridge.cli.main import main; main()",
            "evaluate",
            "-f",
            str(profile),
            "-p",
            "fab/materials",
            str(tmp_path / "nope.csv"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "nope.csv: no such file" in proc.stderr


def test_demo_renders_and_prints_json(tmp_path: Path) -> None:
    shown = runner.invoke(app, ["demo", "--out", str(tmp_path / "human")])
    assert shown.exit_code == 0, shown.output
    assert "Look closer" in shown.stdout
    assert "iso14644 classify" in shown.stdout

    as_json = runner.invoke(app, ["demo", "--out", str(tmp_path / "machine"), "--json"])
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.stdout)
    by_key = {r["scenario"]: r["overall"] for r in rows}
    assert by_key["cleanroom-at-rest"] == "pass"
    assert by_key["chamber-failing"] == "fail"
