"""`qualbridge verify --online URL` against a log served over HTTP semantics (tests/remote/fakelog.py)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualbridge import remote
from qualbridge.cli.main import app
from qualbridge.remote import LogClient
from qualbridge.trust.bundle import Logged
from qualbridge.trust.checkpoint import Checkpoint
from qualbridge.trust.log import TransparencyLog
from tests.remote.fakelog import BASE, FakeLog
from tests.trust.scenario import LAB, World, chamber_bundle, cosigned_unseen

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


def test_a_fresh_bundle_passes_online(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world, _ = _exported(tmp_path)
    world.share_grant(b"another package")
    fake = _serve(monkeypatch, FakeLog(world.log, world.witnessed_checkpoint(), world.trust_root.to_bytes()))
    code, out = _online(tmp_path)
    assert code == 0, out
    assert "online: the log's checkpoint at tree size 10" in out
    assert "no status change" in out
    assert "GET /log/checkpoint" in fake.requests
    code, out = _online(tmp_path, "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["ok"] is True
    assert doc["online"] == {
        "checkpoint": {"origin": world.log.origin, "treeSize": 10},
        "cosignatures": doc["online"]["cosignatures"],
        "changed": {},
    }
    assert len(doc["online"]["cosignatures"]) == 3


def test_a_withdrawal_after_export_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world, items = _exported(tmp_path)
    evidence = items[0]
    world.share_grant(b"another package")
    withdrawal = world.change_status(evidence, "withdrawn", world.lab, LAB)
    fake = FakeLog(world.log, world.witnessed_checkpoint(), world.trust_root.to_bytes())
    fake.publish([withdrawal])
    _serve(monkeypatch, fake)
    code, out = _online(tmp_path)
    assert code == 1, out
    assert f"statement {evidence.statement.digest[:16]}… is now withdrawn" in out
    assert "after the bundle's checkpoint, at tree size 11" in out
    code, out = _online(tmp_path, "--json")
    assert code == 1
    doc = json.loads(out)
    assert (doc["ok"], doc["step"]) == (False, None)  # not an offline step: the bundle itself holds
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
    assert "the entries the log serves after tree size 9 do not rebuild its checkpoint's root" in out


def _forked(world: World) -> tuple[TransparencyLog, bytes]:
    """Another history, longer than the bundle's, signed with the real log key and cosigned by
    witnesses that were shown only that fork."""
    fork = World()
    fork.log.append([f"rewritten {i}".encode() for i in range(12)])
    note = Checkpoint(fork.log.origin, 12, fork.log.root()).sign(world.log_signer)
    return fork.log, cosigned_unseen(note, timestamp=fork.time)


def _rolled_back(world: World) -> tuple[TransparencyLog, bytes]:
    note = Checkpoint(world.log.origin, 3, world.log.root(3)).sign(world.log_signer)
    return world.log, cosigned_unseen(note, timestamp=world.time)


def _unwitnessed(world: World) -> tuple[TransparencyLog, bytes]:
    world.share_grant(b"another package")
    return world.log, world.log.sign_checkpoint()


REFUSED = {
    "fork": (_forked, "the log forked after the bundle's checkpoint"),
    "rollback": (_rolled_back, "fewer than the bundle's 9: the log was rolled back or forked"),
    "too few witnesses": (_unwitnessed, "0 of 2 required witnesses cosigned"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_newer_checkpoint_that_does_not_hold_is_refused(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, _ = _exported(tmp_path)
    serve, message = REFUSED[case]
    log, checkpoint = serve(world)
    _serve(monkeypatch, FakeLog(log, checkpoint, world.trust_root.to_bytes()))
    code, out = _online(tmp_path)
    assert code == 1
    assert message in out


def test_an_unreachable_log_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world, _ = _exported(tmp_path)
    fake = FakeLog(world.log, world.witnessed_checkpoint(), world.trust_root.to_bytes(), down=True)
    _serve(monkeypatch, fake)
    code, out = _online(tmp_path)
    assert code == 3
    assert f"cannot reach the log: GET {BASE}/checkpoint" in out
    assert "✓ 6 evaluation re-run" in out  # the offline verdict stands, and was shown
