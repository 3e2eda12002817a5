"""`qualbridge verify --online URL` against a log served over HTTP semantics (tests/remote/fakelog.py)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualbridge import remote
from qualbridge.cli.main import app
from qualbridge.remote import LogClient
from qualbridge.trust import intoto
from qualbridge.trust.bundle import Logged
from qualbridge.trust.checkpoint import Checkpoint
from tests.remote.fakelog import BASE, FakeLog
from tests.trust.scenario import LAB, World, chamber_bundle

runner = CliRunner()


def _exported(folder: Path) -> tuple[World, list[Logged]]:
    """A chamber bundle exported to ``folder``, with the trust root beside it."""
    world, items, bundle = chamber_bundle(folder / "exports")
    (folder / "bundle.zip").write_bytes(bundle.to_bytes())
    (folder / "trust-root.json").write_bytes(world.trust_root.to_bytes())
    return world, items


def _serve(monkeypatch: pytest.MonkeyPatch, fake: FakeLog) -> FakeLog:
    monkeypatch.setattr(remote, "connect", lambda url: LogClient(url, transport=fake.transport))
    return fake


def _online(folder: Path, *args: str) -> tuple[int, str]:
    files = [str(folder / "bundle.zip"), "--trust-root", str(folder / "trust-root.json")]
    result = runner.invoke(app, ["verify", *files, "--online", BASE, *args])
    return result.exit_code, result.output


def _grant(world: World) -> Logged:
    """Something unrelated logged after the export."""
    return world.attest(
        intoto.share_grant_statement(
            intoto.Subject.of("package", b"another package"),
            assigner=LAB,
            assignee="fab.example",
            purpose="qualification",
            expires_at="2027-01-01T00:00:00Z",
            issued_at="2026-03-02T00:00:00Z",
        ),
        world.lab,
    )


def test_a_fresh_bundle_passes_online(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world, _ = _exported(tmp_path)
    _grant(world)
    fake = _serve(monkeypatch, FakeLog(world.log, world.witnessed_checkpoint(), world.trust_root.to_bytes()))
    code, out = _online(tmp_path)
    assert code == 0, out
    assert "online: the log's checkpoint at tree size 8" in out
    assert "no status change" in out
    assert "GET /log/checkpoint" in fake.requests
    code, out = _online(tmp_path, "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["ok"] is True
    assert doc["online"] == {
        "checkpoint": {"origin": world.log.origin, "treeSize": 8},
        "cosignatures": doc["online"]["cosignatures"],
        "changed": {},
    }
    assert len(doc["online"]["cosignatures"]) == 3


def test_a_withdrawal_after_export_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world, items = _exported(tmp_path)
    evidence = items[0]
    _grant(world)
    withdrawal = world.change_status(evidence, "withdrawn", world.lab, LAB)
    fake = FakeLog(world.log, world.witnessed_checkpoint(), world.trust_root.to_bytes())
    fake.publish([withdrawal])
    _serve(monkeypatch, fake)
    code, out = _online(tmp_path)
    assert code == 1, out
    assert f"statement {evidence.statement.digest[:16]}… is now withdrawn" in out
    assert "after the bundle's checkpoint, at tree size 9" in out
    code, out = _online(tmp_path, "--json")
    assert code == 1
    doc = json.loads(out)
    assert doc["ok"] is False
    assert doc["step"] is None
    assert "withdrawn" in doc["error"]
    assert doc["report"]["online"]["changed"] == {evidence.statement.digest: "withdrawn"}


def test_a_log_that_hides_the_withdrawal_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world, items = _exported(tmp_path)
    withdrawal = world.change_status(items[0], "withdrawn", world.lab, LAB)
    fake = FakeLog(world.log, world.witnessed_checkpoint(), world.trust_root.to_bytes())
    fake.publish([withdrawal])
    # Same length, another predicate type: without an inclusion check the withdrawal would go unseen.
    fake.rewrite_entries = lambda data: data.replace(b"attestations/status/v1", b"attestations/status/v9")
    _serve(monkeypatch, fake)
    code, out = _online(tmp_path)
    assert code == 1
    assert "entry 7 as the log serves it is not in its own checkpoint" in out


def test_a_fork_after_export_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world, _ = _exported(tmp_path)
    # The operator shows this fab another history, longer than the bundle's, signed with the real log key
    # and cosigned by witnesses that were shown only that fork.
    fork = World()
    fork.log.append([f"rewritten {i}".encode() for i in range(9)])
    forged = Checkpoint(fork.log.origin, 9, fork.log.root()).sign(world.log_signer)
    for witness in fork.witnesses:
        forged = witness.add_checkpoint(0, [], forged, timestamp=fork.time)
    _serve(monkeypatch, FakeLog(fork.log, forged, world.trust_root.to_bytes()))
    code, out = _online(tmp_path)
    assert code == 1
    assert "the log forked after the bundle's checkpoint" in out


def test_a_rolled_back_log_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world, _ = _exported(tmp_path)
    older = Checkpoint(world.log.origin, 3, world.log.root(3)).sign(world.log_signer)
    for witness in World().witnesses:
        older = witness.add_checkpoint(0, [], older, timestamp=world.time)
    _serve(monkeypatch, FakeLog(world.log, older, world.trust_root.to_bytes()))
    code, out = _online(tmp_path)
    assert code == 1
    assert "fewer than the bundle's 7: the log was rolled back or forked" in out


def test_a_newer_checkpoint_without_enough_witnesses_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, _ = _exported(tmp_path)
    _grant(world)
    unwitnessed = world.log.sign_checkpoint()
    _serve(monkeypatch, FakeLog(world.log, unwitnessed, world.trust_root.to_bytes()))
    code, out = _online(tmp_path)
    assert code == 1
    assert "0 of 2 required witnesses cosigned" in out


def test_an_unreachable_log_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world, _ = _exported(tmp_path)
    fake = FakeLog(world.log, world.witnessed_checkpoint(), world.trust_root.to_bytes(), down=True)
    _serve(monkeypatch, fake)
    code, out = _online(tmp_path)
    assert code == 3
    assert f"cannot reach the log: GET {BASE}/checkpoint" in out
    assert "✓ 6 evaluation re-run" in out  # the offline verdict stands, and was shown
