"""After offline verification: is the bundle's status still current? (the pure half of ``--online``).

A bundle proves the status of its statements *as of its checkpoint*. Whoever can reach the log fetches
a newer checkpoint, a consistency proof from the bundle's checkpoint to it, and the status changes
logged in between that name the bundle's statements (each with its tlog-proof against the newer
checkpoint). :func:`check_freshness` verifies all of that — no network here, the caller fetches — and
reports the statuses that changed. A newer checkpoint that does not extend the bundle's is a fork, and
raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qualbridge.errors import ProofError, StatusError
from qualbridge.trust import dsse, intoto
from qualbridge.trust.bundle import Bundle
from qualbridge.trust.checkpoint import Checkpoint, TlogProof, open_checkpoint
from qualbridge.trust.entry import entry_leaf_hash
from qualbridge.trust.verify import (
    TrustRoot,
    VerificationReport,
    add_certificate,
    certified_keys,
    check_issuer,
)
from qualbridge.trust.witness import TreeHead, verify_extension


@dataclass(frozen=True, slots=True)
class Freshness:
    """The newer checkpoint and the statuses that changed after the bundle's checkpoint."""

    checkpoint: Checkpoint
    cosignatures: dict[str, int]
    changed: dict[str, str]

    def require_unchanged(self) -> None:
        """Raise StatusError if a statement of the bundle is no longer valid."""
        bad = {d: s for d, s in self.changed.items() if s != "valid"}
        if bad:
            listed = ", ".join(f"{d[:16]}… {s}" for d, s in sorted(bad.items()))
            raise StatusError(f"after the bundle's checkpoint, at tree size {self.checkpoint.size}: {listed}")


def check_freshness(
    bundle: Bundle,
    report: VerificationReport,
    root: TrustRoot,
    *,
    newer: bytes,
    consistency: Sequence[bytes],
    changes: Sequence[tuple[dsse.Envelope, TlogProof]],
    certificates: Sequence[dsse.Envelope] = (),
) -> Freshness:
    """Verify a newer checkpoint, its consistency with the bundle's, and the status changes since.

    ``certificates`` are center-signed certificates of keys the bundle does not carry: a status change
    logged after a key rotation is signed with the organization's newer key. Each is checked against
    the pinned center key, so it does not matter who handed it over.
    """
    checkpoint, note = open_checkpoint(newer, root.log)
    cosignatures = root.witnesses.check(note)
    old = report.checkpoint
    try:
        verify_extension(TreeHead(old.size, old.root_hash), checkpoint, consistency)
    except ProofError as exc:
        raise ProofError(f"the log forked after the bundle's checkpoint: {exc.message}") from exc
    keys = certified_keys(bundle, root)
    for certificate in certificates:
        add_certificate(keys, certificate, root)
    candidates = [key for key, _, _ in keys.values()]
    ours = {s.digest for s in report.statements}
    logged: list[tuple[int, intoto.Statement]] = []
    for envelope, proof in changes:
        verified = dsse.verify(envelope, candidates, payload_types=[intoto.PAYLOAD_TYPE])
        statement = intoto.Statement.from_payload(verified.payload, predicate_types=[intoto.STATUS])
        check_issuer(statement, verified.keyids, keys, revoked=root.revoked_keys)
        if proof.checkpoint != newer:
            raise ProofError("a status change's proof is against another checkpoint than the newer one")
        proof.verify(entry_leaf_hash(envelope, statement), checkpoint)
        if proof.index >= old.size:
            logged.append((proof.index, statement))
    changed = {d: s for d, s in intoto.statuses_as_of(logged).items() if d in ours}
    return Freshness(checkpoint, cosignatures, dict(changed))
