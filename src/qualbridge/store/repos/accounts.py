"""Organizations, users and API tokens."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from qualbridge.store.models import ApiToken, Organization, User
from qualbridge.store.repos._paging import Page, escape_like, paginate

_ORG_NAME = select(Organization.name_en).where(Organization.id == bindparam("org_id"))


class AccountRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: Organization | User | ApiToken) -> None:
        self.session.add(row)
        self.session.flush()

    def org(self, org_id: uuid.UUID) -> Organization | None:
        return self.session.get(Organization, org_id)

    def org_name(self, org_id: uuid.UUID) -> str | None:
        """An organization's English name alone (what statements name it by)."""
        return self.session.scalar(_ORG_NAME, {"org_id": org_id})

    def org_named(self, name_en: str) -> Organization | None:
        return self.session.scalar(select(Organization).where(Organization.name_en == name_en))

    def org_by_slug(self, slug: str) -> Organization | None:
        return self.session.scalar(select(Organization).where(Organization.slug == slug))

    def directory(
        self, *, kind: str | None, search: str | None, limit: int, offset: int
    ) -> Page[Organization]:
        query = select(Organization)
        if kind is not None:
            query = query.where(Organization.kind == kind)
        if search:
            pattern = f"%{escape_like(search.lower())}%"
            query = query.where(
                Organization.name_en.ilike(pattern, escape="\\")
                | Organization.name_zh.ilike(pattern, escape="\\")
                | Organization.slug.ilike(pattern, escape="\\")
            )
        ordered = query.order_by(Organization.name_en, Organization.id)
        page = paginate(self.session, ordered, limit=limit, offset=offset)
        return Page(items=[row[0] for row in page.items], total=page.total, limit=limit, offset=offset)

    def orgs(self) -> Sequence[Organization]:
        query = select(Organization).order_by(Organization.kind, Organization.name_en)
        return self.session.scalars(query).all()

    def user(self, user_id: uuid.UUID) -> User | None:
        return self.session.get(User, user_id)

    def user_by_email(self, email: str) -> User | None:
        return self.session.scalar(select(User).where(User.email == email.lower()))

    def users_of(self, org_id: uuid.UUID) -> Sequence[User]:
        return self.session.scalars(select(User).where(User.org_id == org_id).order_by(User.email)).all()

    def token_by_hash(self, token_sha256: str) -> tuple[ApiToken, User, Organization] | None:
        row = self.session.execute(
            select(ApiToken, User, Organization)
            .join(User, User.id == ApiToken.user_id)
            .join(Organization, Organization.id == ApiToken.org_id)
            .where(ApiToken.token_sha256 == token_sha256)
        ).one_or_none()
        return None if row is None else (row[0], row[1], row[2])

    def token(self, org_id: uuid.UUID, token_id: uuid.UUID) -> ApiToken | None:
        return self.session.scalar(
            select(ApiToken).where(ApiToken.id == token_id, ApiToken.org_id == org_id).with_for_update()
        )

    def tokens(self, org_id: uuid.UUID, *, user_id: uuid.UUID | None = None) -> Sequence[ApiToken]:
        query = select(ApiToken).where(ApiToken.org_id == org_id)
        if user_id is not None:
            query = query.where(ApiToken.user_id == user_id)
        return self.session.scalars(query.order_by(ApiToken.created_at.desc(), ApiToken.id)).all()

    def touch_token(self, token_id: uuid.UUID, at: dt.datetime) -> None:
        self.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=at))
