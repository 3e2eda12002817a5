"""The unit of work: one session and one transaction, with the repositories bound to it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from qualbridge.store.repos import AccountRepo, AuditRepo, EvidenceRepo, IdempotencyRepo, ProductRepo
from qualbridge.store.repos.qualification import EvaluationRepo, PackageRepo, ProfileRepo
from qualbridge.store.repos.transparency import TransparencyRepo
from qualbridge.trust.log import TransparencyLog


class UnitOfWork:
    """Everything one use case reads and writes, committed or rolled back together.

    Built by :meth:`qualbridge.services.context.Context.transaction`; the use case never commits.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.accounts = AccountRepo(session)
        self.products = ProductRepo(session)
        self.evidence = EvidenceRepo(session)
        self.audit = AuditRepo(session)
        self.idempotency = IdempotencyRepo(session)
        self.profiles = ProfileRepo(session)
        self.evaluations = EvaluationRepo(session)
        self.packages = PackageRepo(session)
        self.trust = TransparencyRepo(session)
        # The log as opened for appending in this transaction (write lock held, the stored tree checked
        # against the last checkpoint): every append and the closing checkpoint use the same one.
        self.signing_log: TransparencyLog | None = None
