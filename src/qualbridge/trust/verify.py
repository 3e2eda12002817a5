"""Offline verification of a bundle against a pinned trust root, in numbered steps.

The steps, in order; the first that fails raises a :class:`~qualbridge.errors.VerificationError` whose
``step`` is its number:

1. **Bundle and file digests** — the container and manifest are well formed; every raw file has the
   SHA-256 it is listed with.
2. **Attestation signatures** — signing keys are certified by the pinned center key, not revoked, and
   valid when each statement was issued; each DSSE envelope verifies under the certified key of the
   organisation it names as ``issuer``; every raw file is a subject of a verified statement, and every
   file an evidence statement attests is present.
3. **Checkpoint and witnesses** — the checkpoint is signed by the pinned log key for the pinned origin,
   and cosigned by at least *k* of the pinned witnesses.
4. **Inclusion proofs** — each envelope's log entry is rebuilt and its tlog-proof leads to the
   checkpoint's root.
5. **Status as of the checkpoint** — the center's status snapshot is signed by the center, bound to this
   very checkpoint, and says ``valid`` for every attested statement; no status change included in the
   bundle says otherwise.
6. **Evaluation re-run** — each evaluation is recomputed from the bundle's evidence and profile by the
   ``rerun`` callable a higher layer plugs in, and must equal the signed result byte for byte. Without a
   callable the step is reported as skipped, never as passed.

Nothing in the bundle is trusted on its own: keys come from the trust root (or are certified by it), and
the bundle's manifest only says where things are.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from qualbridge.canonical import canonical_json
from qualbridge.errors import (
    BundleError,
    DigestError,
    KeyFileError,
    KeyValidityError,
    NoteError,
    ProofError,
    ReproducibilityError,
    SignatureError,
    StatusError,
    VerificationError,
    at,
)
from qualbridge.trust import dsse, intoto
from qualbridge.trust.bundle import Bundle
from qualbridge.trust.certificates import KeyCertificate
from qualbridge.trust.checkpoint import Checkpoint, TlogProof, WitnessPolicy, open_checkpoint
from qualbridge.trust.entry import entry_leaf_hash
from qualbridge.trust.keys import KeyValidity, VerifyingKey, parse_time
from qualbridge.trust.note import COSIGNATURE_V1, ED25519, NoteVerifier

TRUST_ROOT_MEDIA_TYPE: Final = "application/vnd.qualbridge.trust-root.v1+json"
STEPS: Final = {
    1: "bundle and file digests",
    2: "attestation signatures",
    3: "checkpoint and witnesses",
    4: "inclusion proofs",
    5: "status as of the checkpoint",
    6: "evaluation re-run",
}
_STEP_ERRORS: Final[dict[int, type[VerificationError]]] = {
    1: DigestError,
    2: SignatureError,
    3: NoteError,
    4: ProofError,
    5: StatusError,
    6: ReproducibilityError,
}
_ATTESTED = (intoto.EVIDENCE, intoto.EVALUATION, intoto.STATUS, intoto.SHARE_GRANT)


@dataclass(frozen=True, slots=True)
class TrustRoot:
    """What a verifier pins, delivered out of band: center key, log key and origin, witness policy."""

    center_name: str
    center: VerifyingKey
    log: NoteVerifier
    witnesses: WitnessPolicy
    revoked_keys: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.log.sig_type != ED25519:
            raise KeyFileError("the log key must be an Ed25519 (type 0x01) note key")

    @property
    def origin(self) -> str:
        return self.log.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "mediaType": TRUST_ROOT_MEDIA_TYPE,
            "center": {"name": self.center_name, "publicKey": self.center.to_base64()},
            "log": {"vkey": self.log.vkey},
            "witnesses": {
                "threshold": self.witnesses.threshold,
                "vkeys": [w.vkey for w in self.witnesses.witnesses],
            },
            "revokedKeys": sorted(self.revoked_keys),
        }

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True).encode("utf-8") + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes, *, source: str = "trust root") -> TrustRoot:
        def fail(message: str, field: str, expected: str | None = None) -> KeyFileError:
            return KeyFileError(message, where=at(file=source, field=field), expected=expected)

        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise fail("the trust root is not JSON", "mediaType", TRUST_ROOT_MEDIA_TYPE) from exc
        if not isinstance(doc, dict) or doc.get("mediaType") != TRUST_ROOT_MEDIA_TYPE:
            raise fail("not a QualBridge trust root", "mediaType", TRUST_ROOT_MEDIA_TYPE)
        try:
            center = VerifyingKey.from_base64(doc["center"]["publicKey"])
            log = NoteVerifier.from_vkey(doc["log"]["vkey"])
            witnesses = tuple(NoteVerifier.from_vkey(v) for v in doc["witnesses"]["vkeys"])
            if any(w.sig_type != COSIGNATURE_V1 for w in witnesses):
                raise fail("a witness vkey is not a cosignature/v1 (type 0x04) key", "witnesses.vkeys")
            policy = WitnessPolicy(witnesses, int(doc["witnesses"]["threshold"]))
            return cls(
                str(doc["center"]["name"]),
                center,
                log,
                policy,
                frozenset(str(k) for k in doc.get("revokedKeys", [])),
            )
        except (KeyError, TypeError) as exc:
            raise fail(f"the trust root has no {exc}", str(exc).strip("'")) from exc
        except (ValueError, NoteError) as exc:
            if isinstance(exc, KeyFileError):
                raise
            raise fail(f"invalid trust root: {exc}", "witnesses") from exc

    @classmethod
    def from_file(cls, path: Path) -> TrustRoot:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise KeyFileError(
                f"cannot read the trust root: {exc.strerror}", where=at(file=str(path))
            ) from exc
        return cls.from_bytes(data, source=str(path))


@dataclass(frozen=True, slots=True)
class EvaluationInput:
    """What a re-run gets: the signed evaluation predicate and the bundle's files it names.

    ``evidence`` maps each evidence file's name (from the evaluation's signed subjects) to its bytes;
    ``evidence_predicates`` maps the same names to the predicate of the verified evidence statement that
    attests the file (its ``record`` and the ``meta`` it was parsed with), where the bundle has one.
    """

    statement_digest: str
    predicate: Mapping[str, Any]
    evidence: Mapping[str, bytes]
    profile: bytes
    evidence_predicates: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


Rerun = Callable[[EvaluationInput], bytes]
"""Recompute an evaluation's canonical JSON (RFC 8785 bytes) from its evidence and profile."""


@dataclass(frozen=True, slots=True)
class StepOutcome:
    number: int
    name: str
    status: Literal["passed", "skipped"]
    detail: str


@dataclass(frozen=True, slots=True)
class VerifiedStatement:
    digest: str
    predicate_type: str
    issuer: str
    log_index: int
    statement: intoto.Statement


@dataclass(frozen=True, slots=True)
class VerificationReport:
    steps: tuple[StepOutcome, ...]
    checkpoint: Checkpoint
    cosignatures: Mapping[str, int]
    statements: tuple[VerifiedStatement, ...]
    statuses: Mapping[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": [
                {"step": s.number, "name": s.name, "status": s.status, "detail": s.detail} for s in self.steps
            ],
            "checkpoint": {"origin": self.checkpoint.origin, "treeSize": self.checkpoint.size},
            "cosignatures": dict(self.cosignatures),
            "statements": [
                {
                    "digest": s.digest,
                    "predicateType": s.predicate_type,
                    "issuer": s.issuer,
                    "logIndex": s.log_index,
                }
                for s in self.statements
            ],
            "statuses": dict(self.statuses),
        }


@contextmanager
def _step(number: int, where: str | None = None) -> Iterator[None]:
    """Attribute any failure inside to step ``number``; foreign errors become that step's error type."""
    try:
        yield
    except VerificationError as exc:
        if exc.step is not None:
            raise
        # Name the bundle member being checked when the error does not name a place itself.
        place = exc.where if str(exc.where) else at(file=where)
        raise type(exc)(exc.message, where=place, expected=exc.expected, step=number) from exc
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise _STEP_ERRORS[number](f"{type(exc).__name__}: {exc}", where=at(file=where), step=number) from exc


@dataclass
class _State:
    bundle: Bundle
    root: TrustRoot
    steps: list[StepOutcome] = field(default_factory=list)
    envelopes: dict[str, dsse.Envelope] = field(default_factory=dict)
    statements: dict[str, intoto.Statement] = field(default_factory=dict)
    proofs: dict[str, str] = field(default_factory=dict)
    indices: dict[str, int] = field(default_factory=dict)

    def passed(self, number: int, detail: str) -> None:
        self.steps.append(StepOutcome(number, STEPS[number], "passed", detail))


def verify_bundle(bundle: Bundle, root: TrustRoot, *, rerun: Rerun | None = None) -> VerificationReport:
    """Run steps 1–6 on ``bundle``; the report of what was proven, or the first failure raised."""
    state = _State(bundle, root)
    _check_files(state)
    _check_signatures(state)
    checkpoint, cosignatures = _check_checkpoint(state)
    _check_inclusion(state, checkpoint)
    statuses = _check_status(state, checkpoint)
    _rerun_evaluations(state, rerun)
    statements = tuple(
        VerifiedStatement(d, s.predicate_type, str(s.predicate.get("issuer")), state.indices[d], s)
        for d, s in state.statements.items()
    )
    return VerificationReport(tuple(state.steps), checkpoint, cosignatures, statements, statuses)


def _check_files(state: _State) -> None:
    for ref in state.bundle.manifest.files:
        with _step(1, ref.path):
            digest = intoto.sha256_hex(state.bundle.members[ref.path])
            if digest != ref.sha256 or ref.path != f"files/{ref.sha256}":
                raise DigestError(
                    f"{ref.name!r} has SHA-256 {digest[:16]}…, listed as {ref.sha256[:16]}…",
                    where=at(file=ref.path),
                    expected="the listed digest",
                )
    state.passed(1, f"{len(state.bundle.manifest.files)} files match their digests")


SignerKeys = dict[str, tuple[VerifyingKey, str, KeyValidity]]
"""keyid → (key, organisation, validity): the center's key and every key it certified in a bundle."""


def certified_keys(bundle: Bundle, root: TrustRoot) -> SignerKeys:
    """The keys statements in ``bundle`` may be signed with; certificates are checked against the center."""
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    keys: SignerKeys = {root.center.keyid: (root.center, root.center_name, KeyValidity(epoch))}
    for path in bundle.manifest.certificates:
        with _step(2, path):
            add_certificate(keys, dsse.Envelope.from_json(bundle.members[path]), root)
    return keys


def add_certificate(keys: SignerKeys, envelope: dsse.Envelope, root: TrustRoot) -> None:
    """Add the key ``envelope`` certifies to ``keys``, once the pinned center's signature on it verifies
    and it is certified for attestations (wherever the certificate came from)."""
    cert = KeyCertificate.open(envelope, root.center)
    if cert.purpose != "attestation":
        raise KeyValidityError(
            f"key {cert.key.keyid[:16]}… of {cert.org} is certified for {cert.purpose!r}",
            expected="a key certified for 'attestation'",
        )
    keys[cert.key.keyid] = (cert.key, cert.org, cert.validity)


def _check_signatures(state: _State) -> None:
    keys = certified_keys(state.bundle, state.root)
    candidates = [key for key, _, _ in keys.values()]
    for ref in state.bundle.manifest.attestations:
        with _step(2, ref.envelope):
            envelope = dsse.Envelope.from_json(state.bundle.members[ref.envelope])
            verified = dsse.verify(envelope, candidates, payload_types=[intoto.PAYLOAD_TYPE])
            statement = intoto.Statement.from_payload(verified.payload, predicate_types=_ATTESTED)
            check_issuer(statement, verified.keyids, keys, revoked=state.root.revoked_keys)
            digest = intoto.sha256_hex(verified.payload)
            if digest in state.statements:
                raise BundleError(f"statement {digest[:16]}… appears twice in the bundle")
            state.envelopes[digest], state.statements[digest], state.proofs[digest] = (
                envelope,
                statement,
                ref.proof,
            )
    with _step(2):
        _check_coverage(state)
    state.passed(2, f"{len(state.statements)} attestations signed by certified issuers")


def check_issuer(
    statement: intoto.Statement, signers: tuple[str, ...], keys: SignerKeys, *, revoked: frozenset[str]
) -> None:
    """The statement's named issuer signed it, with a key certified, unrevoked and valid at issuedAt."""
    issuer = statement.predicate.get("issuer")
    issued_at = parse_time(str(statement.predicate.get("issuedAt")), field="issuedAt")
    by_issuer = [k for k in signers if keys[k][1] == issuer]
    if not by_issuer:
        orgs = ", ".join(sorted({keys[k][1] for k in signers}))
        raise SignatureError(
            f"the statement names issuer {issuer!r} but is signed by {orgs}", expected=str(issuer)
        )
    problems = []
    for keyid in by_issuer:
        if keyid in revoked:
            problems.append(f"key {keyid[:16]}… of {issuer} is revoked by the trust root")
            continue
        try:
            keys[keyid][2].check(issued_at, what=f"key {keyid[:16]}… of {issuer}")
        except KeyValidityError as exc:
            problems.append(exc.message)
            continue
        return
    raise KeyValidityError("; ".join(problems))


def _check_coverage(state: _State) -> None:
    attested = set().union(*(s.subject_digests() for s in state.statements.values()))
    present = {f.sha256 for f in state.bundle.manifest.files}
    for ref in state.bundle.manifest.files:
        if ref.sha256 not in attested:
            raise DigestError(
                f"{ref.name!r} is not a subject of any signed statement", where=at(file=ref.path)
            )
    for statement in state.statements.values():
        if statement.predicate_type in (intoto.EVIDENCE, intoto.EVALUATION):
            for subject in statement.subjects:
                if subject.sha256 not in present:
                    raise BundleError(f"attested file {subject.name!r} ({subject.sha256[:16]}…) is missing")


def _check_checkpoint(state: _State) -> tuple[Checkpoint, dict[str, int]]:
    path = state.bundle.manifest.checkpoint
    with _step(3, path):
        checkpoint, note = open_checkpoint(state.bundle.members[path], state.root.log)
        cosignatures = state.root.witnesses.check(note)
    names = ", ".join(sorted(cosignatures))
    state.passed(3, f"{checkpoint.origin} at size {checkpoint.size}, cosigned by {names}")
    return checkpoint, cosignatures


def _check_inclusion(state: _State, checkpoint: Checkpoint) -> None:
    checkpoint_bytes = state.bundle.members[state.bundle.manifest.checkpoint]
    for digest, statement in state.statements.items():
        path = state.proofs[digest]
        with _step(4, path):
            proof = TlogProof.from_text(state.bundle.members[path].decode("utf-8"))
            if proof.checkpoint != checkpoint_bytes:
                raise ProofError("the proof is against another checkpoint than the bundle's")
            proof.verify(entry_leaf_hash(state.envelopes[digest], statement), checkpoint)
            state.indices[digest] = proof.index
    state.passed(4, f"{len(state.statements)} entries included in tree size {checkpoint.size}")


def _check_status(state: _State, checkpoint: Checkpoint) -> dict[str, str]:
    path = state.bundle.manifest.status
    with _step(5, path):
        verified = dsse.verify(
            dsse.Envelope.from_json(state.bundle.members[path]),
            [state.root.center],
            payload_types=[intoto.PAYLOAD_TYPE],
        )
        snapshot = intoto.Statement.from_payload(verified.payload, predicate_types=[intoto.STATUS_SNAPSHOT])
        bound = snapshot.predicate["checkpoint"]
        if (bound["origin"], bound["treeSize"], bound["rootHash"]) != (
            checkpoint.origin,
            checkpoint.size,
            checkpoint.to_text().split("\n")[2],
        ):
            raise StatusError("the status snapshot is for another checkpoint than the bundle's")
        claimed: dict[str, str] = dict(snapshot.predicate["statuses"])
        logged = intoto.statuses_as_of((state.indices[d], s) for d, s in state.statements.items())
        for digest, statement in state.statements.items():
            if statement.predicate_type == intoto.STATUS:
                continue
            _check_one_status(digest, statement, claimed.get(digest), logged.get(digest, "valid"))
    state.passed(5, f"every attested statement is valid as of tree size {checkpoint.size}")
    return claimed


def _check_one_status(digest: str, statement: intoto.Statement, claimed: str | None, logged: str) -> None:
    what = f"{statement.predicate_type.rsplit('/', 2)[-2]} statement {digest[:16]}…"
    if claimed is None:
        raise StatusError(
            f"the status snapshot does not cover the {what}", expected="a status for every statement"
        )
    if logged != "valid":
        raise StatusError(f"the {what} is {logged} by a status change logged before the checkpoint")
    if claimed != "valid":
        raise StatusError(f"the {what} is {claimed} as of the checkpoint")


def _rerun_evaluations(state: _State, rerun: Rerun | None) -> None:
    evaluations = {d: s for d, s in state.statements.items() if s.predicate_type == intoto.EVALUATION}
    if rerun is None:
        state.steps.append(
            StepOutcome(6, STEPS[6], "skipped", "no evaluation engine was given to re-run with")
        )
        return
    files = {f.sha256: state.bundle.members[f.path] for f in state.bundle.manifest.files}
    attested = _evidence_predicates(state)
    for digest, statement in evaluations.items():
        with _step(6, f"attestations/{digest}.dsse.json"):
            predicate = statement.predicate
            # File names come from the signed subjects, not from the (unsigned) manifest.
            names = {s.sha256: s.name for s in statement.subjects}
            evidence = {names[d]: files[d] for d in predicate["evidence"]}
            predicates = {names[d]: attested[d] for d in predicate["evidence"] if d in attested}
            profile = files[predicate["profile"]["sha256"]]
            job = EvaluationInput(digest, predicate, evidence, profile, predicates)
            produced = rerun(job)
            signed = canonical_json(predicate["result"])
            if produced != signed or intoto.sha256_hex(signed) != predicate["resultSha256"]:
                raise ReproducibilityError(
                    f"re-running evaluation {digest[:16]}… gives {len(produced)} bytes "
                    f"(SHA-256 {intoto.sha256_hex(produced)[:16]}…) that differ from the signed result "
                    f"(SHA-256 {intoto.sha256_hex(signed)[:16]}…)",
                    expected="a byte-identical canonical result",
                )
    state.passed(6, f"{len(evaluations)} evaluations reproduced byte for byte")


def _evidence_predicates(state: _State) -> dict[str, Mapping[str, Any]]:
    """File digest → the predicate of the verified evidence statement attesting it (one per file)."""
    found: dict[str, Mapping[str, Any]] = {}
    for digest, statement in state.statements.items():
        if statement.predicate_type != intoto.EVIDENCE:
            continue
        for subject in statement.subjects:
            known = found.setdefault(subject.sha256, statement.predicate)
            if canonical_json(known) != canonical_json(statement.predicate):
                raise ReproducibilityError(
                    f"file {subject.name!r} is attested by two evidence statements with different records "
                    f"(one is {digest[:16]}…): the re-run cannot tell which to reproduce",
                    step=6,
                )
    return found
