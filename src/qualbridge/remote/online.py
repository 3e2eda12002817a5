"""``verify --online``: after offline verification, ask the log what happened since the bundle's checkpoint.

The steps, each on data the log serves and nothing it merely claims:

1. fetch the newest checkpoint; it must be signed by the pinned log key and cosigned by the pinned
   witness policy, and not be older than the bundle's (a smaller tree is a rollback or a fork);
2. compute the consistency proof from the bundle's checkpoint to it from the log's tiles;
3. read every entry logged since (entry bundles) and rebuild the new checkpoint's root from them and
   the older part of the tree — a log that hides a withdrawal by serving another entry in its place is
   caught here;
4. pick the status/v1 entries whose subjects name the bundle's statements, fetch their envelopes, and
   give them, with tlog-proofs built from the tiles, to the pure ``trust.freshness.check_freshness``,
   which verifies signatures, consistency (a fork raises) and inclusion, and reports status changes.
   A status change signed with a key the bundle carries no certificate of (the organization rotated
   its key since) is checked with the key's certificate, fetched from the log and verified against
   the pinned center key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from qualbridge.errors import LogUnavailableError, ProofError
from qualbridge.remote.log_client import LogClient
from qualbridge.trust import dsse, intoto, merkle
from qualbridge.trust.bundle import Bundle
from qualbridge.trust.checkpoint import TlogProof, open_checkpoint
from qualbridge.trust.entry import ENTRY_KIND
from qualbridge.trust.freshness import Freshness, check_freshness
from qualbridge.trust.verify import TrustRoot, VerificationReport


def fetch_freshness(
    client: LogClient, bundle: Bundle, report: VerificationReport, root: TrustRoot
) -> Freshness:
    """Verify the log's newest checkpoint against the bundle's and report later status changes."""
    newer = client.checkpoint()
    checkpoint, note = open_checkpoint(newer, root.log)  # 1
    root.witnesses.check(note)
    old = report.checkpoint
    if checkpoint.size < old.size:
        raise ProofError(
            f"the log's newest checkpoint has {checkpoint.size} entries, fewer than the bundle's "
            f"{old.size}: the log was rolled back or forked"
        )
    reader = client.tile_reader(checkpoint.size)
    consistency = (  # 2
        merkle.consistency_path(old.size, checkpoint.size, reader) if old.size < checkpoint.size else []
    )
    entries = client.entries(old.size, checkpoint.size, size=checkpoint.size)
    if entries:  # the same size: check_freshness requires the same root
        _check_entries(entries, old.size, checkpoint.size, checkpoint.root_hash, reader)  # 3
    ours = {s.digest for s in report.statements}
    changes: list[tuple[dsse.Envelope, TlogProof]] = []
    for index, entry in enumerate(entries, start=old.size):
        digest = _status_change_of(entry, ours)  # 4
        if digest is None:
            continue
        try:
            envelope = client.envelope(digest)
        except LogUnavailableError as exc:
            raise LogUnavailableError(
                f"entry {index} is a status change of this bundle's statements, but its envelope "
                f"cannot be read: {exc.message}"
            ) from exc
        path = merkle.inclusion_path(index, checkpoint.size, reader)
        changes.append((envelope, TlogProof(index, tuple(path), newer)))
    certificates = _certificates(client, bundle, [envelope for envelope, _ in changes])
    return check_freshness(
        bundle, report, root, newer=newer, consistency=consistency, changes=changes, certificates=certificates
    )


def _certificates(
    client: LogClient, bundle: Bundle, envelopes: Sequence[dsse.Envelope]
) -> list[dsse.Envelope]:
    """Certificates of the keys that signed ``envelopes`` and that the bundle does not carry (a status
    change made after the organization rotated its key). Unverified here: check_freshness checks each
    against the pinned center key; a key without one fails there as an uncertified signer."""
    carried = [dsse.Envelope.from_json(bundle.members[path]) for path in bundle.manifest.certificates]
    known = {json.loads(cert.payload).get("keyid") for cert in carried}
    wanted = sorted({s.keyid for e in envelopes for s in e.signatures if s.keyid and s.keyid not in known})
    return [cert for keyid in wanted if (cert := client.certificate(keyid)) is not None]


def _check_entries(
    entries: Sequence[bytes], old_size: int, size: int, root_hash: bytes, tiles: merkle.NodeReader
) -> None:
    """Raise ProofError unless the served entries ``old_size`` … ``size - 1``, hashed, rebuild the signed
    root together with the tiles' hashes of the older entries.

    One root over all of them rather than one inclusion proof each: O(entries) hashes. If the root
    matches, every leaf that went into it is the logged one (collision resistance), so a log cannot
    hide a status change by serving another entry in its place.
    """
    leaves = [merkle.leaf_hash(e) for e in entries]
    rebuilt: dict[tuple[int, int], bytes] = {}

    def node(level: int, index: int) -> bytes:
        if (index + 1) << level <= old_size:
            return tiles(level, index)  # entirely before the new entries
        if level == 0:
            return leaves[index - old_size]
        if (level, index) not in rebuilt:
            rebuilt[level, index] = merkle.node_hash(
                node(level - 1, 2 * index), node(level - 1, 2 * index + 1)
            )
        return rebuilt[level, index]

    if merkle.tree_root(size, node) != root_hash:
        raise ProofError(
            f"the entries the log serves after tree size {old_size} do not rebuild its checkpoint's root: "
            "an entry was altered or hidden"
        )


def _status_change_of(entry: bytes, statements: set[str]) -> str | None:
    """The statement digest of ``entry`` if it is a status change naming one of ``statements``."""
    try:
        doc: Any = json.loads(entry)
        spec = doc["spec"]
        if doc["kind"] != ENTRY_KIND or spec["predicateType"] != intoto.STATUS:
            return None
        if not statements & set(spec["subjects"]):
            return None
        return str(spec["payloadSha256"])
    except (ValueError, KeyError, TypeError):
        return None  # not one of our entries: other kinds may share the log
