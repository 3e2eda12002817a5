"""The log client against a log served over HTTP semantics: proofs from tiles equal the log's own."""

import hashlib

import pytest

from qualbridge.errors import InputError, LogUnavailableError, RemoteError
from qualbridge.remote import LogClient
from qualbridge.trust import merkle
from qualbridge.trust.checkpoint import cosign
from qualbridge.trust.log import MemoryStorage, TransparencyLog
from qualbridge.trust.note import COSIGNATURE_V1, NoteSigner
from qualbridge.trust.tiles import TileRef
from tests.trust.scenario import ORIGIN, key

from .fakelog import BASE, FakeLog


def _log(size: int) -> TransparencyLog:
    log = TransparencyLog(MemoryStorage(), origin=ORIGIN, signer=NoteSigner(ORIGIN, key("log")))
    log.append([f"entry {i}".encode() * (1 + i % 3) for i in range(size)])
    return log


def _served(log: TransparencyLog) -> tuple[FakeLog, LogClient]:
    fake = FakeLog(log, log.sign_checkpoint(), b'{"mediaType": "x"}')
    return fake, LogClient(BASE, transport=fake.transport)


@pytest.mark.parametrize("size", [1, 7, 256, 300, 513])
def test_roots_and_proofs_from_tiles_equal_the_logs_own(size: int) -> None:
    log = _log(size)
    _, client = _served(log)
    reader = client.tile_reader(size)
    assert merkle.tree_root(size, reader) == log.root()
    for index in {0, size // 2, size - 1}:
        assert merkle.inclusion_path(index, size, reader) == log.inclusion_proof(index)
    for old in {1, size // 3, size - 1} - {0}:
        if old < size:
            assert merkle.consistency_path(old, size, reader) == log.consistency_proof(old)


def test_a_partial_tile_the_log_no_longer_serves_is_read_from_the_full_tile() -> None:
    log = _log(200)
    fake, client = _served(log)
    log.append([b"later"] * 100)  # tile 0 is now full: its 200-wide partial is gone
    reader = client.tile_reader(200)
    assert merkle.tree_root(200, reader) == log.root(200)
    assert "GET /log/tile/0/000.p/200" in fake.requests
    assert "GET /log/tile/0/000" in fake.requests
    assert client.entries(190, 200, size=200) == list(log.storage.entries(190, 200))


def test_entries_come_from_entry_bundles_across_tiles() -> None:
    log = _log(300)
    fake, client = _served(log)
    assert client.entries(250, 300, size=300) == list(log.storage.entries(250, 300))
    assert client.entries(5, 5, size=300) == []
    assert fake.requests == ["GET /log/tile/entries/000", "GET /log/tile/entries/001.p/44"]


def test_checkpoint_trust_root_and_cosignature_follow_the_contract() -> None:
    log = _log(3)
    fake, client = _served(log)
    assert client.checkpoint() == fake.checkpoint
    assert client.trust_root() == b'{"mediaType": "x"}'
    cosigned = cosign(fake.checkpoint, NoteSigner("w.example", key("w0"), COSIGNATURE_V1), timestamp=1)
    client.add_cosignature(cosigned)
    assert fake.cosignatures == [cosigned]
    assert fake.checkpoint == cosigned  # the log now serves it with the cosignature
    # A refusal of what was sent is the log's answer, not a log out of reach (exit 2, not 3).
    with pytest.raises(
        RemoteError, match=r"the log refused POST .*: 400: not a cosigned checkpoint"
    ) as refused:
        client.add_cosignature(b"note\n\n- sig\n")
    assert refused.value.status == 400


def test_failures_are_remote_errors_that_name_the_url() -> None:
    fake, client = _served(_log(3))
    with pytest.raises(
        LogUnavailableError, match=r"answered 404 to GET http://log.test/log/envelopes/.*no status"
    ):
        client.envelope(hashlib.sha256(b"x").hexdigest())
    with pytest.raises(LogUnavailableError, match=r"answered 404 .*tile/1/000"):
        client.tile(TileRef(1, 0))
    fake.down = True
    with pytest.raises(
        LogUnavailableError, match=r"cannot reach the log: GET http://log.test/log/checkpoint"
    ):
        client.checkpoint()


@pytest.mark.parametrize("url", ["ftp://log.test/log", "log.test/log", "http://log.test/log?x=1"])
def test_a_log_url_must_be_http(url: str) -> None:
    with pytest.raises(InputError, match="is not a log URL"):
        LogClient(url)
