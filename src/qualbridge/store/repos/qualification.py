"""Profiles authored in the service, stored evaluations, qualification packages, shares, their audit trail."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, func, or_, select
from sqlalchemy.orm import Session

from qualbridge.store.models import (
    AuditEvent,
    Evaluation,
    EvaluationInput,
    Evidence,
    Organization,
    Package,
    PackageEvaluation,
    PackageEvidence,
    PackageProfile,
    Profile,
    Share,
)
from qualbridge.store.repos._paging import Page, paginate
from qualbridge.store.repos._rows import read_rows
from qualbridge.store.repos.transparency import latest_attestation


class ProfileRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: Profile) -> None:
        self.session.add(row)
        self.session.flush()

    def get(self, row_id: uuid.UUID) -> Profile | None:
        return self.session.get(Profile, row_id)

    def versions(self, profile_id: str) -> Sequence[Profile]:
        """Every stored version of ``profile_id``, of any organization, newest first."""
        query = select(Profile).where(Profile.profile_id == profile_id)
        return self.session.scalars(query.order_by(Profile.version.desc())).all()

    def draft(self, owner_org_id: uuid.UUID, profile_id: str) -> Profile | None:
        return self.session.scalar(
            select(Profile)
            .where(
                Profile.owner_org_id == owner_org_id,
                Profile.profile_id == profile_id,
                Profile.status == "draft",
            )
            .with_for_update()
        )

    def visible(
        self, org_id: uuid.UUID, *, search: str | None, own_only: bool, limit: int, offset: int
    ) -> Page[Profile]:
        """The organization's own profiles (drafts too) and, unless ``own_only``, everyone's published
        ones; by id, then newest version first."""
        query = select(Profile).where(Profile.owner_org_id.is_not(None))
        if own_only:
            query = query.where(Profile.owner_org_id == org_id)
        else:
            query = query.where(or_(Profile.owner_org_id == org_id, Profile.status == "published"))
        if search:
            query = query.where(Profile.profile_id.contains(search, autoescape=True))
        query = query.order_by(Profile.profile_id, Profile.version.desc())
        page = paginate(self.session, query, limit=limit, offset=offset)
        return Page(items=[row[0] for row in page.items], total=page.total, limit=limit, offset=offset)


#: The content ids of an evaluation's evidence, in order; built once (evaluation reads are frequent).
_INPUT_IDS = (
    select(Evidence.content_id)
    .join(EvaluationInput, EvaluationInput.evidence_id == Evidence.id)
    .where(EvaluationInput.evaluation_id == bindparam("evaluation_id"))
    .order_by(Evidence.content_id)
)


_EVALUATIONS = Evaluation.__table__.c
#: One evaluation of an organization, as a row of its columns and ``input_ids``: the content ids of its
#: evidence joined by commas (which content ids never hold), in no order, NULL when it read none; and
#: where its latest attestation (as ``:object_type``, ``:object_id``) is in the log (see
#: :func:`latest_attestation`).
_OWN_EVALUATION = select(
    Evaluation.__table__,
    select(func.aggregate_strings(Evidence.content_id, ","))
    .join(EvaluationInput, EvaluationInput.evidence_id == Evidence.id)
    .where(EvaluationInput.evaluation_id == _EVALUATIONS.id)
    .scalar_subquery()
    .label("input_ids"),
    *latest_attestation(bindparam("object_type"), bindparam("object_id")),
).where(_EVALUATIONS.id == bindparam("evaluation_id"), _EVALUATIONS.org_id == bindparam("org_id"))


class EvaluationRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: Evaluation | EvaluationInput) -> None:
        self.session.add(row)
        self.session.flush()

    def get(self, evaluation_id: uuid.UUID) -> Evaluation | None:
        return self.session.get(Evaluation, evaluation_id)

    def of_product(
        self, org_id: uuid.UUID, product_id: uuid.UUID, *, limit: int, offset: int
    ) -> Page[Evaluation]:
        query = (
            select(Evaluation)
            .where(Evaluation.org_id == org_id, Evaluation.product_id == product_id)
            .order_by(Evaluation.created_at.desc(), Evaluation.id)
        )
        page = paginate(self.session, query, limit=limit, offset=offset)
        return Page(items=[row[0] for row in page.items], total=page.total, limit=limit, offset=offset)

    def own_row(
        self, org_id: uuid.UUID, evaluation_id: uuid.UUID, *, attested_as: str
    ) -> Row[*tuple[Any, ...]] | None:
        """The organization's evaluation as a row of its columns, not an ORM object (evaluation reads
        are frequent), with the content ids of its evidence (see :meth:`inputs_of`) and the
        ``log_index``, ``statement_digest`` and ``checkpoint_size`` of its latest attestation as
        ``attested_as`` (NULL index and digest: none); None: the organization has no such evaluation."""
        params = {
            "evaluation_id": evaluation_id,
            "org_id": org_id,
            "object_type": attested_as,
            "object_id": str(evaluation_id),
        }
        return read_rows(self.session, _OWN_EVALUATION, params).first()

    def inputs_of(self, row: Evaluation | Row[*tuple[Any, ...]]) -> Sequence[str]:
        """The content ids of the evidence an evaluation read, in order: from a row of :meth:`own_row`,
        which read them with the evaluation, or else read now."""
        if isinstance(row, Row):
            joined: str | None = row.input_ids
            return sorted(joined.split(",")) if joined else []
        return self.input_ids(row.id)

    def input_ids(self, evaluation_id: uuid.UUID) -> Sequence[str]:
        """The content ids of the evidence an evaluation read, in order (the documents stay unread)."""
        return read_rows(self.session, _INPUT_IDS, {"evaluation_id": evaluation_id}).scalars().all()


class PackageRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: Package | PackageProfile | PackageEvidence | PackageEvaluation | Share) -> None:
        self.session.add(row)
        self.session.flush()

    def get(self, package_id: uuid.UUID) -> Package | None:
        return self.session.get(Package, package_id)

    def active_share(self, package_id: uuid.UUID, org_id: uuid.UUID, now: dt.datetime) -> Share | None:
        """A grant of ``package_id`` to ``org_id`` that is neither revoked nor expired at ``now``."""
        return self.session.scalar(
            select(Share)
            .where(
                Share.package_id == package_id,
                Share.fab_org_id == org_id,
                Share.revoked_at.is_(None),
                Share.expires_at > now,
            )
            .order_by(Share.expires_at.desc())
            .limit(1)
        )

    def listing(self, org_id: uuid.UUID, now: dt.datetime, *, limit: int, offset: int) -> Page[Package]:
        """The organization's own packages and those shared with it by an active grant, newest first."""
        shared = select(Share.package_id).where(
            Share.fab_org_id == org_id, Share.revoked_at.is_(None), Share.expires_at > now
        )
        query = (
            select(Package)
            .where(or_(Package.vendor_org_id == org_id, Package.id.in_(shared)))
            .order_by(Package.created_at.desc(), Package.id)
        )
        page = paginate(self.session, query, limit=limit, offset=offset)
        return Page(items=[row[0] for row in page.items], total=page.total, limit=limit, offset=offset)

    def profiles(self, package_id: uuid.UUID) -> Sequence[PackageProfile]:
        return self.session.scalars(
            select(PackageProfile)
            .where(PackageProfile.package_id == package_id)
            .order_by(PackageProfile.profile_id, PackageProfile.profile_version)
        ).all()

    def evidence(self, package_id: uuid.UUID) -> Sequence[Evidence]:
        return self.session.scalars(
            select(Evidence)
            .join(PackageEvidence, PackageEvidence.evidence_id == Evidence.id)
            .where(PackageEvidence.package_id == package_id)
            .order_by(Evidence.content_id)
        ).all()

    def evaluations(self, package_id: uuid.UUID) -> Sequence[Evaluation]:
        return self.session.scalars(
            select(Evaluation)
            .join(PackageEvaluation, PackageEvaluation.evaluation_id == Evaluation.id)
            .where(PackageEvaluation.package_id == package_id)
            .order_by(Evaluation.created_at, Evaluation.id)
        ).all()

    def share(self, package_id: uuid.UUID, share_id: uuid.UUID) -> Share | None:
        return self.session.scalar(
            select(Share).where(Share.id == share_id, Share.package_id == package_id).with_for_update()
        )

    def shares(self, package_id: uuid.UUID) -> Sequence[tuple[Share, Organization]]:
        rows = self.session.execute(
            select(Share, Organization)
            .join(Organization, Organization.id == Share.fab_org_id)
            .where(Share.package_id == package_id)
            .order_by(Share.created_at, Share.id)
        ).all()
        return [(row[0], row[1]) for row in rows]

    def trail(
        self, owner_org_id: uuid.UUID, package_id: uuid.UUID, *, limit: int, offset: int
    ) -> Page[AuditEvent]:
        """Every recorded action on the package, by its vendor or a fab it was shared with; oldest first."""
        query = (
            select(AuditEvent)
            .where(
                AuditEvent.owner_org_id == owner_org_id,
                AuditEvent.object_type == "package",
                AuditEvent.object_id == str(package_id),
            )
            .order_by(AuditEvent.id)
        )
        page = paginate(self.session, query, limit=limit, offset=offset)
        return Page(items=[row[0] for row in page.items], total=page.total, limit=limit, offset=offset)
