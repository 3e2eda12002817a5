"""``qualbridge db`` and ``qualbridge serve`` (up to the point where the server would start)."""

import json
import socket
import sys
from pathlib import Path

import pytest

from qualbridge.cli.main import main
from qualbridge.store import migrate

PASSWORD = "correct horse battery"


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    """Run the CLI as the installed command does (errors become exit codes); (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["qualbridge", *args])
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_db_upgrade_current_and_create_org(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'q.db'}"
    code, out, _ = run(capsys, monkeypatch, "db", "current", "--database-url", url, "--json")
    assert (code, json.loads(out)["revision"]) == (0, None)
    code, out, _ = run(capsys, monkeypatch, "db", "upgrade", "--database-url", url, "--json")
    assert (code, json.loads(out)) == (0, {"database": url, "from": None, "to": migrate.head()})
    code, out, _ = run(capsys, monkeypatch, "db", "upgrade", "--database-url", url)
    assert f"at revision {migrate.head()} already" in out
    monkeypatch.setenv("QUALBRIDGE_ADMIN_PASSWORD", PASSWORD)
    org = ["db", "create-org", "--database-url", url, "--kind", "vendor", "--name-en", "Shanghai Vacuum",
           "--name-zh", "上海真空", "--country", "CN", "--admin-email", "admin@sv.example",
           "--admin-name", "Li"]  # fmt: skip
    code, out, _ = run(capsys, monkeypatch, *org, "--json")
    assert (code, json.loads(out)["admin"]["email"]) == (0, "admin@sv.example")
    assert json.loads(out)["org"]["slug"] == "shanghai-vacuum"
    code, _, err = run(capsys, monkeypatch, *org)
    assert code == 2
    assert "exists already" in err


def test_serve_refuses_a_database_without_the_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    code, _, err = run(capsys, monkeypatch, "serve", "--database-url", url)
    assert code == 2
    assert "run 'qualbridge db upgrade' first" in err


def test_an_unreachable_database_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(
        capsys, monkeypatch, "db", "current", "--database-url", "postgresql://nobody@127.0.0.1:1/x"
    )
    assert code == 2
    assert "cannot connect to the database" in err


def test_serve_refuses_a_port_another_server_listens_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    assert run(capsys, monkeypatch, "db", "upgrade", "--database-url", url)[0] == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        serve = ["serve", "--database-url", url, "--port", port, "--workers", "2"]
        code, _, err = run(capsys, monkeypatch, *serve)
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err
