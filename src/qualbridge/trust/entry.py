"""What the transparency log records for an attestation: a small canonical entry, not the envelope.

Following Rekor v2's lesson (large DSSE payloads in log entries hurt the log), a leaf is the RFC 8785
canonical JSON of::

    {"apiVersion": "1", "kind": "qualbridge/dsse",
     "spec": {"payloadSha256": "<statement digest>", "payloadType": "application/vnd.in-toto+json",
              "predicateType": "<uri>", "signatures": [{"keyid": "…", "sig": "<base64>"}],
              "subjects": ["<sha256>", …]}}

Anyone holding the envelope rebuilds the entry byte for byte. The subjects and the predicate type are in
the clear so that a monitor can find every status change of a subject without the envelopes.
"""

from __future__ import annotations

import base64
from typing import Final

from qualbridge.canonical import canonical_json
from qualbridge.trust.dsse import Envelope
from qualbridge.trust.intoto import Statement, sha256_hex
from qualbridge.trust.merkle import leaf_hash

ENTRY_KIND: Final = "qualbridge/dsse"
ENTRY_API_VERSION: Final = "1"


def log_entry(envelope: Envelope, statement: Statement) -> bytes:
    """The log entry of ``envelope``, whose verified payload is ``statement``."""
    return canonical_json(
        {
            "apiVersion": ENTRY_API_VERSION,
            "kind": ENTRY_KIND,
            "spec": {
                "payloadSha256": sha256_hex(envelope.payload),
                "payloadType": envelope.payload_type,
                "predicateType": statement.predicate_type,
                "signatures": [
                    {"keyid": s.keyid, "sig": base64.b64encode(s.sig).decode("ascii")}
                    for s in envelope.signatures
                ],
                "subjects": sorted(statement.subject_digests()),
            },
        }
    )


def entry_leaf_hash(envelope: Envelope, statement: Statement) -> bytes:
    return leaf_hash(log_entry(envelope, statement))
