"""The trust core: signed evidence, a transparency log, offline-verifiable bundles.

Pure: it depends on nothing of the domain but canonical JSON (RFC 8785) and pyca/cryptography, and
never touches a database, the network or the web. Formats are existing conventions — DSSE v1 envelopes
around in-toto Statement v1 payloads, an RFC 6962 Merkle log with C2SP signed-note checkpoints,
cosignatures, tlog-proofs and tlog-tiles — and only the predicates are QualBridge's own. See docs/trust.md.

Modules: ``keys`` (Ed25519 keys, key ids, encrypted storage, validity), ``certificates`` (center-signed
key certificates), ``dsse``, ``intoto`` (statements and predicate types), ``entry`` (log entries),
``merkle`` (pure hashing and proofs), ``log`` (the append-only log over a storage protocol), ``note`` and
``checkpoint`` (signed notes, checkpoints, witness policy, tlog-proof), ``witness``, ``tiles``, ``bundle``,
``verify`` (the numbered offline verification and the trust root) and ``freshness`` (what ``--online``
checks after it).
"""

from qualbridge.trust.bundle import Bundle, Logged, assemble
from qualbridge.trust.certificates import KeyCertificate, KeyRevocation
from qualbridge.trust.checkpoint import Checkpoint, TlogProof, WitnessPolicy, cosign, open_checkpoint
from qualbridge.trust.dsse import Envelope
from qualbridge.trust.freshness import Freshness, check_freshness
from qualbridge.trust.intoto import Statement, Subject
from qualbridge.trust.keys import KeyValidity, SigningKey, VerifyingKey
from qualbridge.trust.log import Batch, LogStorage, MemoryStorage, TransparencyLog
from qualbridge.trust.note import Note, NoteSigner, NoteVerifier
from qualbridge.trust.verify import EvaluationInput, Rerun, TrustRoot, VerificationReport, verify_bundle
from qualbridge.trust.witness import Witness

__all__ = [
    "Batch",
    "Bundle",
    "Checkpoint",
    "Envelope",
    "EvaluationInput",
    "Freshness",
    "KeyCertificate",
    "KeyRevocation",
    "KeyValidity",
    "LogStorage",
    "Logged",
    "MemoryStorage",
    "Note",
    "NoteSigner",
    "NoteVerifier",
    "Rerun",
    "SigningKey",
    "Statement",
    "Subject",
    "TlogProof",
    "TransparencyLog",
    "TrustRoot",
    "VerificationReport",
    "VerifyingKey",
    "Witness",
    "WitnessPolicy",
    "assemble",
    "check_freshness",
    "cosign",
    "open_checkpoint",
    "verify_bundle",
]
