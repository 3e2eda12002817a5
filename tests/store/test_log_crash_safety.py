"""A process SIGKILLed while appending to the SQL log never leaves a checkpoint that does not match the
stored leaves.

A child process appends batches and signs a checkpoint after each, one transaction per batch, and stops
(announcing it) at a chosen point of its third batch; the test kills it with SIGKILL and then checks the
database from the outside: the stored leaf hashes are the hashes of the stored entries, the latest
checkpoint is of the stored tree size and its root is recomputed from those leaves, the log opens (which
re-proves consistency) and accepts further appends.
"""

from __future__ import annotations

import pytest

from qualbridge.store.repos.transparency import SqlLogStorage
from qualbridge.trust import merkle
from qualbridge.trust.checkpoint import open_checkpoint
from qualbridge.trust.keys import SigningKey
from qualbridge.trust.log import TransparencyLog
from qualbridge.trust.note import NoteSigner
from tests.services.live_databases import LiveDatabase, kill_child_at, live_database
from tests.store.databases import postgres_engine, sqlite_template

__all__ = ["live_database", "postgres_engine", "sqlite_template"]

ORIGIN = "crash.example/log"
SEED = bytes(range(32))

CHILD = r"""
import json, sys, time

from qualbridge.store.db import WRITE_OPTION, Database, make_engine
from qualbridge.store.repos.transparency import SqlLogStorage
from qualbridge.trust.keys import SigningKey
from qualbridge.trust.log import TransparencyLog
from qualbridge.trust.note import NoteSigner

cfg = json.loads(sys.argv[1])
db = Database(make_engine(cfg["url"], pool_size=1, connect_args=cfg["connect_args"]))
signer = NoteSigner(cfg["origin"], SigningKey.from_seed(bytes(range(32))))


def stop(name):
    print(name, flush=True)
    time.sleep(120)  # killed here


for batch in range(3):
    with db.session() as session:
        session.connection(execution_options={WRITE_OPTION: True})
        storage = SqlLogStorage(session)
        storage.lock()
        log = TransparencyLog(storage, origin=cfg["origin"], signer=signer)
        log.append([b"batch %d entry %d" % (batch, i) for i in range(97)])
        if batch == 2 and cfg["point"] == "appended":
            stop("appended")
        log.sign_checkpoint()
        if batch == 2 and cfg["point"] == "signed":
            stop("signed")
        session.commit()
stop("committed")
"""

POINTS = ("appended", "signed", "committed")


@pytest.mark.parametrize("point", POINTS)
def test_a_killed_appender_leaves_checkpoints_matching_the_stored_leaves(
    point: str, live_database: LiveDatabase
) -> None:
    config = {"point": point, "url": live_database.url, "connect_args": live_database.connect_args}
    kill_child_at(CHILD, {**config, "origin": ORIGIN})
    ctx = live_database.context(pool_size=1)
    signer = NoteSigner(ORIGIN, SigningKey.from_seed(SEED))
    try:
        with ctx.transaction(write=True) as uow:
            storage = SqlLogStorage(uow.session)
            size = storage.tree_size()
            assert size == (3 if point == "committed" else 2) * 97
            leaves = [merkle.leaf_hash(e) for e in storage.entries(0, size)]
            assert list(storage.nodes(0, 0, size)) == leaves
            note = storage.latest_checkpoint()
            assert note is not None
            checkpoint, _ = open_checkpoint(note, signer.verifier)
            assert checkpoint.size == size
            assert checkpoint.root_hash == merkle.root_of(leaves)
            log = TransparencyLog(storage, origin=ORIGIN, signer=signer)  # re-proves the checkpoint
            log.append([b"after the crash"])
            assert open_checkpoint(log.sign_checkpoint(), signer.verifier)[0].size == size + 1
    finally:
        ctx.db.dispose()
