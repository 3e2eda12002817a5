"""``qualbridge report``: from an ``evaluate --json`` file offline, or from the service's database as a
signed-in user; bad input is one line and exit code 2."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from qualbridge.evaluation import Evaluation
from qualbridge.services import accounts, tokens
from qualbridge.services.context import Context
from qualbridge.store.blobs import FilesystemBlobStore
from qualbridge.store.db import Database
from tests.cli.test_service_cli import run
from tests.reports.conftest import keep
from tests.services.qualification_samples import shared_package
from tests.services.samples import new_org
from tests.store.databases import TickingClock, sqlite_template

__all__ = ["sqlite_template"]


@pytest.fixture
def evaluation_file(demo: dict[str, Evaluation], tmp_path: Path) -> Path:
    path = tmp_path / "chamber-failing.json"
    path.write_bytes(demo["chamber-failing"].canonical())  # exactly what `evaluate --json` prints
    return path


def test_an_offline_report(
    evaluation_file: Path,
    tmp_path: Path,
    artifacts: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "reports" / "chamber-failing-both.html"
    code, stdout, _ = run(
        capsys, monkeypatch, "report", str(evaluation_file), "--lang", "both", "-o", str(out), "--json"
    )
    data = json.loads(stdout)
    assert (code, data["subject"], data["overall"], data["lang"], data["format"]) == (
        0,
        "file",
        "fail",
        "both",
        "html",
    )
    assert data["bytes"] == out.stat().st_size
    html = out.read_text(encoding="utf-8")
    assert "Verdict per requirement" in html
    assert "各要求的判定" in html
    keep(out, artifacts)
    code, stdout, _ = run(capsys, monkeypatch, "report", str(evaluation_file), "-o", str(out))
    assert code == 0
    assert "overall fail" in stdout


def test_an_offline_pdf(
    evaluation_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "r.pdf"
    code, _, _ = run(
        capsys, monkeypatch, "report", str(evaluation_file), "--lang", "zh", "--format", "pdf", "-o", str(out)
    )
    assert code == 0
    assert out.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lang", "fr"], "use one of en, zh, both"),
        (["--format", "docx"], "use html or pdf"),
    ],
)
def test_bad_options(
    evaluation_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    code, _, err = run(capsys, monkeypatch, "report", str(evaluation_file), *args, "-o", str(tmp_path / "x"))
    assert code == 2
    assert message in err
    assert not (tmp_path / "x").exists()


def test_a_file_that_is_not_an_evaluation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "leak.json"
    bad.write_text('{"kind": "helium_leak"}', encoding="utf-8")
    code, _, err = run(capsys, monkeypatch, "report", str(bad), "-o", str(tmp_path / "r.html"))
    assert code == 2
    assert str(bad) in err
    assert "not an evaluation result" in err
    assert "qualbridge evaluate --json" in err
    assert not (tmp_path / "r.html").exists()


def test_neither_a_file_nor_an_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, monkeypatch, "report", "nothing-here", "-o", str(tmp_path / "r.html"))
    assert code == 2
    assert "neither a file nor an id" in err


@pytest.fixture
def service(sqlite_template: Path, tmp_path: Path) -> tuple[str, Context]:
    path = tmp_path / "q.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    ctx = Context(
        db=Database.from_url(url),
        blobs=FilesystemBlobStore(tmp_path / "blobs"),
        # Now: the command line reads with the real clock, so tokens and grants must be current.
        clock=TickingClock(dt.datetime.now(dt.UTC)),
        hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
    )
    return url, ctx


def test_a_package_from_the_database(
    service: tuple[str, Context],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, ctx = service
    try:
        shared = shared_package(ctx)
        secret = tokens.issue_token(ctx, shared.vendor, name="cli", scope="read").secret
        email = accounts.current(ctx, shared.vendor)[1].email
        stranger = tokens.issue_token(ctx, new_org(ctx, "vendor"), name="cli", scope="read").secret
    finally:
        ctx.db.dispose()
    out = tmp_path / "package.html"
    base = ["report", "--database-url", url, "-o", str(out), "--json"]
    code, stdout, err = run(capsys, monkeypatch, *base, str(shared.package_id), "--token", secret)
    assert code == 0, err
    assert (json.loads(stdout)["subject"], json.loads(stdout)["evaluations"]) == ("package", 1)
    assert "VX-200 for Dresden" in out.read_text(encoding="utf-8")
    # An evaluation id, signed in with e-mail and password.
    monkeypatch.setenv("QUALBRIDGE_PASSWORD", "correct horse battery staple")
    code, stdout, err = run(capsys, monkeypatch, *base, str(shared.evaluation_id), "--email", email)
    assert code == 0, err
    assert json.loads(stdout)["subject"] == "evaluation"
    # Another organization's package is not found, exactly like an id that does not exist.
    code, _, err = run(capsys, monkeypatch, *base, str(shared.package_id), "--token", stranger)
    assert code == 2
    assert f"no package or evaluation {shared.package_id} that you may read" in err
    code, _, err = run(capsys, monkeypatch, *base, str(shared.package_id), "--email", "nobody@x.example")
    assert code == 2
    assert "wrong e-mail or password" in err


def test_the_database_needs_a_sign_in(
    service: tuple[str, Context],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, ctx = service
    ctx.db.dispose()
    monkeypatch.delenv("QUALBRIDGE_TOKEN", raising=False)
    code, _, err = run(
        capsys,
        monkeypatch,
        "report",
        "6f1c0d1e-0000-4000-8000-000000000001",
        "--database-url",
        url,
        "-o",
        str(tmp_path / "r"),
    )
    assert code == 2
    assert "needs a sign-in" in err
