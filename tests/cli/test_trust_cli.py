"""``make demo`` ends with a shared package whose bundle exports (``qualbridge bundle export``) and
verifies against the exported trust root (``qualbridge trust-root export``)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualbridge.cli.main import app
from qualbridge.demo import witnesses as demo_witnesses
from qualbridge.trust.bundle import Bundle
from qualbridge.trust.verify import TrustRoot, verify_bundle
from tests.cli.test_service_cli import run


def test_the_demo_package_bundle_exports_and_verifies(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {
        "QUALBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path}/q.db",
        "QUALBRIDGE_BLOB_DIR": str(tmp_path / "b"),
    }
    refused = runner.invoke(app, ["trust-root", "export", "-o", str(tmp_path / "root.json")], env=env)
    assert refused.exit_code != 0, "an unmigrated database is refused"
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    seeded = runner.invoke(app, ["demo", "seed", "--json"], env=env)
    assert seeded.exit_code == 0, seeded.output
    data = json.loads(seeded.output)
    assert data["witnessed"]["witnesses"] == list(demo_witnesses.NAMES)
    package = data["package"]

    exported = runner.invoke(
        app, ["bundle", "export", package, "-o", str(tmp_path / "b.zip"), "--json"], env=env
    )
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["checkpoint_size"] == data["witnessed"]["tree_size"]
    root_out = runner.invoke(app, ["trust-root", "export", "-o", str(tmp_path / "root.json")], env=env)
    assert root_out.exit_code == 0, root_out.output

    root = TrustRoot.from_file(tmp_path / "root.json")
    report = verify_bundle(Bundle.from_bytes((tmp_path / "b.zip").read_bytes()), root, rerun=None)
    assert [s.status for s in report.steps] == ["passed"] * 5 + ["skipped"]
    assert any(s.predicate_type.endswith("/evaluation/v1") for s in report.statements)


def test_bundle_export_errors_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUALBRIDGE_DATABASE_URL", f"sqlite:///{tmp_path}/q.db")
    monkeypatch.setenv("QUALBRIDGE_BLOB_DIR", str(tmp_path / "b"))
    assert run(capsys, monkeypatch, "db", "upgrade")[0] == 0
    code, _, err = run(capsys, monkeypatch, "bundle", "export", str(uuid.uuid4()), "-o", str(tmp_path / "x"))
    assert (code, err.count("\n")) == (2, 1)
    assert "no package" in err
    code, _, err = run(capsys, monkeypatch, "bundle", "export", "nope", "-o", str(tmp_path / "x"))
    assert code == 2
    assert "not a package id" in err
