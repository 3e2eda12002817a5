"""A small, deterministic trust world for the tests: a center, a lab, a log, three witnesses.

Keys come from fixed seeds, times are fixed, so every run builds byte-identical bundles. The toy
"engine" stands in for the domain's evaluation engine behind the re-run hook: it reads numbers from the
evidence CSV and a limit from the profile, and returns canonical JSON.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualbridge.canonical import canonical_json
from qualbridge.demo import vacuum
from qualbridge.evaluation import evaluate
from qualbridge.evidence.parsers import evidence_files, load_evidence, read_meta
from qualbridge.standards.catalog import builtin
from qualbridge.standards.profile import Profile
from qualbridge.trust import dsse, intoto
from qualbridge.trust.bundle import Bundle, Logged, assemble
from qualbridge.trust.certificates import KeyCertificate
from qualbridge.trust.checkpoint import WitnessPolicy
from qualbridge.trust.entry import log_entry
from qualbridge.trust.keys import KeyValidity, SigningKey, format_time
from qualbridge.trust.log import MemoryStorage, TransparencyLog
from qualbridge.trust.note import COSIGNATURE_V1, NoteSigner
from qualbridge.trust.verify import EvaluationInput, TrustRoot
from qualbridge.trust.witness import Witness

ORIGIN = "qualbridge.example/log/2026"
CENTER = "center.qualbridge.example"
LAB = "lab.example"
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
REPORT = b"location,particles_per_m3\nL1,812\nL2,1204\nL3,977\n"
PROFILE = b"id: fab-a-iso5\nversion: '1.0'\nmax_particles_per_m3: 3520\n"


def key(label: str) -> SigningKey:
    return SigningKey.from_seed(hashlib.sha256(label.encode()).digest())


def toy_engine(evidence: Mapping[str, bytes], profile: bytes) -> dict[str, Any]:
    limit = int(profile.decode().split("max_particles_per_m3: ")[1].split()[0])
    rows = next(iter(evidence.values())).decode().strip().split("\n")[1:]
    worst = max(int(row.split(",")[1]) for row in rows)
    return {"limit": limit, "measured": worst, "verdict": "pass" if worst <= limit else "fail"}


def rerun(job: EvaluationInput) -> bytes:
    return canonical_json(toy_engine(job.evidence, job.profile))


@dataclass
class World:
    center: SigningKey = field(default_factory=lambda: key("center"))
    lab: SigningKey = field(default_factory=lambda: key("lab"))
    log_signer: NoteSigner = field(default_factory=lambda: NoteSigner(ORIGIN, key("log")))
    witness_signers: list[NoteSigner] = field(
        default_factory=lambda: [
            NoteSigner(f"witness{i}.example", key(f"w{i}"), COSIGNATURE_V1) for i in range(3)
        ]
    )
    threshold: int = 2
    lab_validity: KeyValidity = field(default_factory=lambda: KeyValidity(T0 - dt.timedelta(days=30)))

    def __post_init__(self) -> None:
        self.log = TransparencyLog(MemoryStorage(), origin=ORIGIN, signer=self.log_signer)
        self.witnesses = [Witness(s, [self.log_signer.verifier]) for s in self.witness_signers]
        self.certificate = KeyCertificate(LAB, self.lab.public, self.lab_validity).issue(self.center)
        self.logged: list[Logged] = []
        self.time = int(T0.timestamp())

    @property
    def trust_root(self) -> TrustRoot:
        policy = WitnessPolicy(tuple(s.verifier for s in self.witness_signers), self.threshold)
        return TrustRoot(CENTER, self.center.public, self.log_signer.verifier, policy)

    def attest(
        self, statement: intoto.Statement, signer: SigningKey, *, extra: Mapping[str, Any] | None = None
    ) -> Logged:
        if extra:
            statement = intoto.Statement(
                statement.subjects, statement.predicate_type, {**statement.predicate, **extra}
            )
        envelope = dsse.sign(intoto.PAYLOAD_TYPE, statement.to_payload(), [signer])
        (index,) = self.log.append([log_entry(envelope, statement)])
        item = Logged(envelope, statement, index)
        self.logged.append(item)
        return item

    def issue_report(self) -> tuple[Logged, Logged]:
        """The lab attests the report; the center attests its evaluation against the profile."""
        report = intoto.Subject.of("report.csv", REPORT)
        profile = intoto.Subject.of("profile.yaml", PROFILE)
        evidence = self.attest(
            intoto.evidence_statement(
                [report], kind="particle_counts", issuer=LAB, record={"room": "A1"}, issued_at=format_time(T0)
            ),
            self.lab,
        )
        evaluation = self.attest(
            intoto.evaluation_statement(
                [report],
                profile,
                profile_id="fab-a-iso5",
                profile_version="1.0",
                engine_version="toy-1",
                result=toy_engine({"report.csv": REPORT}, PROFILE),
                issuer=CENTER,
                issued_at=format_time(T0),
            ),
            self.center,
        )
        return evidence, evaluation

    def change_status(
        self, target: Logged, status: intoto.StatusValue, signer: SigningKey, issuer: str
    ) -> Logged:
        return self.attest(
            intoto.status_statement(
                [target.statement.digest],
                status=status,
                reason="recalibration found a counting error",
                issuer=issuer,
                effective_at=format_time(T0),
                issued_at=format_time(T0 + dt.timedelta(days=1)),
            ),
            signer,
        )

    def share_grant(self, package: bytes = b"pkg") -> Logged:
        """The lab grants a fab the use of a package: a statement unrelated to the report."""
        return self.attest(
            intoto.share_grant_statement(
                intoto.Subject.of("package", package),
                assigner=LAB,
                assignee="fab.example",
                purpose="qualification",
                expires_at="2027-01-01T00:00:00Z",
                issued_at="2026-03-02T00:00:00Z",
            ),
            self.lab,
        )

    def witnessed_checkpoint(self) -> bytes:
        note = self.log.sign_checkpoint()
        self.time += 60
        for witness in self.witnesses:
            old = witness.latest(ORIGIN).size
            proof = self.log.consistency_proof(old) if old else []
            note = witness.add_checkpoint(old, proof, note, timestamp=self.time)
        return note

    def issue_evaluation(
        self,
        raw: Mapping[str, tuple[bytes, Mapping[str, Any]]],
        profile: Profile,
        *,
        as_of: dt.date,
        alter: str | None = None,
    ) -> tuple[list[Logged], dict[str, bytes]]:
        """As the service does on intake and evaluation, with the real parsers and engine: the lab
        attests each raw file (its parsed record and the metadata it was parsed with), the center
        attests the evaluation. Returns the attestations and the bundle's files.

        ``alter`` names a file whose record the lab edits before signing (its raw file no longer
        reproduces it); the evaluation is then computed from the edited record, as a forger would."""
        files: dict[str, bytes] = {}
        items, records = [], []
        with tempfile.TemporaryDirectory() as folder:
            for name, (data, meta) in sorted(raw.items()):
                path = Path(folder) / name
                path.write_bytes(data)
                record = load_evidence(path, meta=meta)
                if name == alter:
                    record = record.model_copy(update={"notes": "edited after parsing"})
                records.append(record)
                files[name] = data
                items.append(
                    self.attest(
                        intoto.evidence_statement(
                            [intoto.Subject.of(name, data)],
                            kind=record.kind,
                            issuer=LAB,
                            record=record.model_dump(mode="json"),
                            issued_at=format_time(T0),
                        ),
                        self.lab,
                        extra={"meta": dict(meta)},
                    )
                )
        result = evaluate(profile, records, as_of=as_of)
        profile_bytes = canonical_json(profile)
        files["profile.json"] = profile_bytes
        evaluation = intoto.evaluation_statement(
            [intoto.Subject.of(n, d) for n, d in sorted(files.items()) if n != "profile.json"],
            intoto.Subject.of("profile.json", profile_bytes),
            profile_id=profile.id,
            profile_version=str(profile.version),
            engine_version=result.engine_version,
            result=result.model_dump(mode="json"),
            issuer=CENTER,
            issued_at=format_time(T0),
        )
        items.append(self.attest(evaluation, self.center))
        return items, files

    def bundle(
        self,
        items: list[Logged],
        checkpoint: bytes,
        statuses: Mapping[str, intoto.StatusValue] | None = None,
        *,
        files: Mapping[str, bytes] | None = None,
    ) -> Bundle:
        size = int(checkpoint.split(b"\n")[1])
        logged = [(i.index, i.statement) for i in self.logged if i.index < size]
        current = intoto.statuses_as_of(logged)
        if statuses is None:
            statuses = {
                i.statement.digest: current.get(i.statement.digest, "valid")
                for i in items
                if i.statement.predicate_type != intoto.STATUS
            }
        root_line = checkpoint.split(b"\n")[2].decode()
        snapshot = intoto.status_snapshot_statement(
            statuses,
            origin=ORIGIN,
            tree_size=size,
            root_hash=root_line,
            issuer=CENTER,
            issued_at=format_time(T0),
        )
        status = dsse.sign(intoto.PAYLOAD_TYPE, snapshot.to_payload(), [self.center])
        return assemble(
            files=files if files is not None else {"report.csv": REPORT, "profile.yaml": PROFILE},
            attestations=items,
            log=self.log,
            checkpoint=checkpoint,
            certificates=[self.certificate],
            status=status,
            created_at=format_time(T0),
        )


def cosigned_unseen(note: bytes, *, timestamp: int) -> bytes:
    """``note`` cosigned by the world's witnesses as fresh witnesses would: shown nothing before it, they
    cannot tell a fork or a rollback from a new log."""
    for witness in World().witnesses:
        note = witness.add_checkpoint(0, [], note, timestamp=timestamp)
    return note


CHAMBER_PROFILE = "example/vacuum-chamber-incoming"
CHAMBER_AS_OF = dt.date(2026, 6, 30)


def chamber_exports(folder: Path) -> dict[str, tuple[bytes, Mapping[str, Any]]]:
    """The demo chamber's evidence files with the metadata they are parsed with, as the service signs
    them: raw exports as uploaded, JSON evidence documents as their canonical JSON (``<sha256>.json``)."""
    vacuum.generate(folder)
    files: dict[str, tuple[bytes, Mapping[str, Any]]] = {}
    for path in evidence_files([folder]):
        if path.suffix == ".json":
            document = canonical_json(load_evidence(path))
            files[f"{hashlib.sha256(document).hexdigest()}.json"] = (document, {})
        else:
            files[path.name] = (path.read_bytes(), read_meta(path.with_name(path.name + ".meta.yaml")))
    return files


def chamber_bundle(folder: Path, *, alter: str | None = None) -> tuple[World, list[Logged], Bundle]:
    """A world whose bundle carries a real evaluation of the demo chamber's raw exports."""
    world = World()
    items, files = world.issue_evaluation(
        chamber_exports(folder), builtin().get(CHAMBER_PROFILE), as_of=CHAMBER_AS_OF, alter=alter
    )
    return world, items, world.bundle(items, world.witnessed_checkpoint(), files=files)
