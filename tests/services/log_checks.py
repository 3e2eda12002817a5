"""What must hold of the stored transparency log after any sequence of use cases, races or crashes."""

from __future__ import annotations

from sqlalchemy import func, select

from qualbridge.services import attestations, transparency
from qualbridge.services.context import Context
from qualbridge.store.models import Attestation, Evidence, LogCheckpoint
from qualbridge.trust import merkle
from qualbridge.trust.checkpoint import open_checkpoint
from qualbridge.trust.entry import log_entry
from qualbridge.trust.keys import VerifyingKey
from qualbridge.trust.note import NoteVerifier


def assert_log_consistent(ctx: Context) -> int:
    """Every entry is exactly one recorded attestation's, every evidence row has its statement, and every
    signed checkpoint's root is recomputed from the stored leaves. Returns the tree size."""
    with ctx.transaction() as uow:
        storage, session = uow.trust.log, uow.session
        size = storage.tree_size()
        entries = storage.entries(0, size)
        leaves = [merkle.leaf_hash(e) for e in entries]
        assert list(storage.nodes(0, 0, size)) == leaves
        rows = session.scalars(select(Attestation)).all()
        assert sorted(r.log_index for r in rows) == list(range(size))
        for row in rows:
            assert entries[row.log_index] == log_entry(
                transparency.envelope_of(row), transparency.statement_of(row)
            )
        evidence = session.scalar(select(func.count()).select_from(Evidence)) or 0
        attested = session.scalar(
            select(func.count(func.distinct(Attestation.object_id))).where(
                Attestation.object_type == attestations.EVIDENCE
            )
        )
        assert attested == evidence
        checkpoints = session.scalars(select(LogCheckpoint).order_by(LogCheckpoint.tree_size)).all()
        if size:
            log_key = uow.trust.current_key("log")
            assert log_key is not None
            verifier = NoteVerifier(ctx.trust.origin, VerifyingKey(bytes(log_key.public_key)))
            assert checkpoints[-1].tree_size == size
            for row in checkpoints:
                checkpoint, _ = open_checkpoint(bytes(row.note), verifier)
                assert checkpoint.root_hash == merkle.root_of(leaves[: checkpoint.size])
    return size
