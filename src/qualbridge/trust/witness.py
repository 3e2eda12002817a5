"""A transparency-log witness (c2sp.org/tlog-witness v1.0.0), minus HTTP.

A witness keeps, for each log it follows, the latest checkpoint it cosigned. Given a new checkpoint and a
consistency proof from that size, it checks the log's signature and the proof, and only then cosigns
(cosignature/v1, with its current time). A log that shows different trees to different parties — a
fork — cannot get a cosignature for both branches from an honest witness, and a client that requires
*k* cosignatures therefore sees the same log as everybody else.

The rule for old size 0 follows the witness spec (the proof must be empty: every tree extends the empty
one), unlike the strict Merkle verifier, which refuses a proof from the empty tree as meaningless.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qualbridge.errors import KeyValidityError, ProofError, WitnessConflictError
from qualbridge.trust.checkpoint import Checkpoint, cosign, open_checkpoint
from qualbridge.trust.merkle import EMPTY_ROOT, verify_consistency
from qualbridge.trust.note import COSIGNATURE_V1, NoteSigner, NoteVerifier


@dataclass(frozen=True, slots=True)
class TreeHead:
    size: int
    root_hash: bytes


def verify_extension(old: TreeHead, new: Checkpoint, proof: Sequence[bytes]) -> None:
    """Raise ProofError unless ``new`` is an append-only extension of ``old`` (witness semantics)."""
    if old.size > new.size:
        raise ProofError(f"the checkpoint's size {new.size} is smaller than the known size {old.size}")
    if old.size == 0:
        if proof:
            raise ProofError("a consistency proof from the empty tree must be empty")
        if old.root_hash != EMPTY_ROOT:
            raise ProofError("the recorded empty tree has a wrong root hash")
        return
    verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)


class Witness:
    """Checks consistency and cosigns checkpoints of the logs it knows.

    ``state`` is the latest cosigned tree head per origin (persisted by whoever runs the witness).
    """

    def __init__(
        self,
        signer: NoteSigner,
        logs: Sequence[NoteVerifier],
        state: Mapping[str, TreeHead] | None = None,
    ) -> None:
        if signer.sig_type != COSIGNATURE_V1:
            raise ValueError("a witness signs with a cosignature/v1 (type 0x04) key")
        self._signer = signer
        self._logs = {log.name: log for log in logs}
        self._state = dict(state or {})

    @property
    def verifier(self) -> NoteVerifier:
        return self._signer.verifier

    def latest(self, origin: str) -> TreeHead:
        return self._state.get(origin, TreeHead(0, EMPTY_ROOT))

    def state(self) -> dict[str, TreeHead]:
        return dict(self._state)

    def add_checkpoint(self, old_size: int, proof: Sequence[bytes], note: bytes, *, timestamp: int) -> bytes:
        """Verify and cosign; the checkpoint note with this witness's cosignature line added.

        Errors, in tlog-witness order: unknown log (KeyValidityError, 404); no valid log signature
        (NoteError, 403); old size ahead of the checkpoint (ProofError, 400); old size not the latest
        cosigned (WitnessConflictError, 409); bad proof or a fork (ProofError, 422).
        """
        origin = note.split(b"\n", 1)[0].decode("utf-8", "replace")
        log = self._logs.get(origin)
        if log is None:
            raise KeyValidityError(f"this witness does not follow log {origin!r}")
        checkpoint, _ = open_checkpoint(note, log)
        if old_size > checkpoint.size:
            raise ProofError(f"old size {old_size} is larger than the checkpoint's size {checkpoint.size}")
        latest = self.latest(origin)
        if old_size != latest.size:
            raise WitnessConflictError(
                f"old size {old_size} is not the latest size this witness cosigned for {origin!r}",
                expected=f"old size {latest.size}",
                latest_size=latest.size,
            )
        if checkpoint.size == latest.size and checkpoint.root_hash != latest.root_hash:
            raise ProofError(f"log {origin!r} forked: two different roots at size {latest.size}")
        verify_extension(latest, checkpoint, proof)
        self._state[origin] = TreeHead(checkpoint.size, checkpoint.root_hash)
        return cosign(note, self._signer, timestamp=timestamp)
