"""`qualbridge witness init | run` against a log over HTTP semantics: cosign, refuse forks and rollbacks."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualbridge import remote
from qualbridge.cli.main import app
from qualbridge.remote import LogClient
from qualbridge.remote.witnessing import load_state
from qualbridge.trust.checkpoint import Checkpoint, open_checkpoint
from qualbridge.trust.log import MemoryStorage, TransparencyLog
from qualbridge.trust.note import Note, NoteSigner, NoteVerifier
from tests.remote.fakelog import BASE, FakeLog
from tests.trust.scenario import ORIGIN, World, key

runner = CliRunner()
NAME = "witness.fab.example"


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[World, FakeLog, Path]:
    """A log with two entries served at BASE, its trust root on disk, and an initialised witness key."""
    monkeypatch.setenv("QUALBRIDGE_WITNESS_PASSPHRASE", "correct horse battery staple")
    world = World()
    world.log.append([b"entry 0", b"entry 1"])
    fake = FakeLog(world.log, world.log.sign_checkpoint(), world.trust_root.to_bytes())
    monkeypatch.setattr(remote, "connect", lambda url: LogClient(url, transport=fake.transport))
    (tmp_path / "trust-root.json").write_bytes(world.trust_root.to_bytes())
    done = runner.invoke(app, ["witness", "init", "--name", NAME, "--out", str(tmp_path / "key")])
    assert done.exit_code == 0, done.output
    return world, fake, tmp_path


def _run(folder: Path, *args: str) -> tuple[int, str]:
    files = ["--trust-root", str(folder / "trust-root.json"), "--key", str(folder / "key")]
    result = runner.invoke(
        app, ["witness", "run", "--log", BASE, *files, "--state", str(folder / "state.json"), *args]
    )
    return result.exit_code, result.output


def _vkey(folder: Path) -> NoteVerifier:
    return NoteVerifier.from_vkey(json.loads((folder / "key" / "witness.json").read_text())["vkey"])


def test_init_writes_an_encrypted_key_and_prints_its_vkey(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUALBRIDGE_WITNESS_PASSPHRASE", raising=False)
    done = runner.invoke(
        app, ["witness", "init", "--name", NAME, "--out", str(tmp_path), "--json"], input="s3cret\ns3cret\n"
    )
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output.splitlines()[-1])
    assert doc["vkey"].startswith(f"{NAME}+")
    assert NoteVerifier.from_vkey(doc["vkey"]).name == NAME
    assert (tmp_path / "witness.key").read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    again = runner.invoke(app, ["witness", "init", "--name", NAME, "--out", str(tmp_path)], input="a\na\n")
    assert again.exit_code == 2
    assert "refusing to overwrite" in again.output


def test_run_cosigns_then_follows_the_log(setup: tuple[World, FakeLog, Path]) -> None:
    world, fake, folder = setup
    code, out = _run(folder, "--once")
    assert code == 0, out
    assert f"cosigned {ORIGIN} at tree size 2" in out
    (posted,) = fake.cosignatures
    assert Note.parse(posted).verify([_vkey(folder)])[NAME] is not None
    open_checkpoint(posted, world.log_signer.verifier)  # still the log's checkpoint, signature intact
    assert load_state(folder / "state.json")[ORIGIN].size == 2

    code, out = _run(folder)
    assert code == 0
    assert "nothing new to cosign" in out
    assert len(fake.cosignatures) == 1

    world.log.append([f"entry {i}".encode() for i in range(2, 300)])
    fake.checkpoint = world.log.sign_checkpoint()
    code, out = _run(folder, "--json")
    assert code == 0, out
    assert json.loads(out) == {"outcome": "cosigned", "origin": ORIGIN, "treeSize": 300, "previousSize": 2}
    assert any(r.startswith("GET /log/tile/") for r in fake.requests)  # the proof came from tiles
    assert load_state(folder / "state.json")[ORIGIN].size == 300


def test_a_cosignature_that_never_arrived_is_sent_again(setup: tuple[World, FakeLog, Path]) -> None:
    _, fake, folder = setup
    fake.refuse_cosignatures = True
    code, out = _run(folder)
    assert code == 3
    assert "answered 503" in out
    assert load_state(folder / "state.json")[ORIGIN].size == 2  # saved before sending, as it must be
    fake.refuse_cosignatures = False
    code, out = _run(folder)
    assert code == 0, out
    assert f"cosigned {ORIGIN} at tree size 2 (consistent with 2)" in out
    assert Note.parse(fake.checkpoint).verify([_vkey(folder)])[NAME] is not None
    assert "nothing new to cosign" in _run(folder)[1]


def _forked_log(world: World, size: int) -> TransparencyLog:
    fork = TransparencyLog(MemoryStorage(), origin=ORIGIN, signer=world.log_signer)
    fork.append([f"rewritten {i}".encode() for i in range(size)])
    return fork


def test_a_fork_is_refused_and_nothing_is_cosigned(setup: tuple[World, FakeLog, Path]) -> None:
    world, fake, folder = setup
    assert _run(folder)[0] == 0
    before = (folder / "state.json").read_bytes()
    fork = _forked_log(world, 4)
    fake.log, fake.checkpoint = fork, fork.sign_checkpoint()  # signed with the real log key
    code, out = _run(folder)
    assert code == 1
    assert "refusing to cosign" in out
    assert "the log forked" in out
    assert len(fake.cosignatures) == 1
    assert (folder / "state.json").read_bytes() == before


def test_two_roots_at_one_size_are_a_fork(setup: tuple[World, FakeLog, Path]) -> None:
    world, fake, folder = setup
    assert _run(folder)[0] == 0
    fork = _forked_log(world, 2)
    fake.log, fake.checkpoint = fork, fork.sign_checkpoint()
    code, out = _run(folder, "--json")
    assert code == 1
    assert "two different roots at size 2" in json.loads(out.splitlines()[0])["error"]
    assert len(fake.cosignatures) == 1


def test_a_rollback_is_refused(setup: tuple[World, FakeLog, Path]) -> None:
    world, fake, folder = setup
    old = fake.checkpoint
    world.log.append([b"entry 2", b"entry 3"])
    fake.checkpoint = world.log.sign_checkpoint()
    assert _run(folder)[0] == 0
    assert load_state(folder / "state.json")[ORIGIN].size == 4
    fake.checkpoint = old  # the log shows its older, genuinely signed, checkpoint again
    code, out = _run(folder)
    assert code == 1
    assert "has 2 entries but this witness already cosigned 4 (a rollback)" in out
    assert len(fake.cosignatures) == 1
    assert load_state(folder / "state.json")[ORIGIN].size == 4


def test_a_checkpoint_not_signed_by_the_pinned_log_key_is_refused(setup: tuple[World, FakeLog, Path]) -> None:
    _, fake, folder = setup
    impostor = NoteSigner(ORIGIN, key("not the log"))
    fake.checkpoint = Checkpoint(ORIGIN, 2, fake.log.root()).sign(impostor)
    code, out = _run(folder)
    assert code == 1
    assert "no signature by a trusted key" in out
    assert fake.cosignatures == []


def test_bad_input_and_an_unreachable_log(
    setup: tuple[World, FakeLog, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, fake, folder = setup
    monkeypatch.setenv("QUALBRIDGE_WITNESS_PASSPHRASE", "wrong")
    code, out = _run(folder)
    assert code == 2
    assert "cannot decrypt the private key" in out
    monkeypatch.setenv("QUALBRIDGE_WITNESS_PASSPHRASE", "correct horse battery staple")
    (folder / "state.json").write_text("{}", encoding="utf-8")
    code, out = _run(folder)
    assert code == 2
    assert "not a witness state file" in out
    (folder / "state.json").unlink()
    assert _run(folder, "--once", "--interval", "5")[0] == 2
    fake.down = True
    code, out = _run(folder)
    assert code == 3
    assert f"cannot reach the log: GET {BASE}/checkpoint" in out


def test_interval_keeps_following_until_interrupted(
    setup: tuple[World, FakeLog, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    world, fake, folder = setup
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 1:
            fake.down = True  # an outage between rounds is reported and retried
        elif len(naps) == 2:
            fake.down = False
            world.log.append([b"entry 2"])
            fake.checkpoint = world.log.sign_checkpoint()
        else:
            raise KeyboardInterrupt

    monkeypatch.setattr("qualbridge.cli.witness.time.sleep", nap)
    code, out = _run(folder, "--interval", "30")
    assert code == 0, out
    assert naps == [30.0, 30.0, 30.0]
    assert "cannot reach the log" in out
    assert [Checkpoint.from_text(Note.parse(n).text).size for n in fake.cosignatures] == [2, 3]
