"""Organizations, users and password sign-in."""

import itertools
from typing import Any

import pytest

from qualbridge.errors import AuthError, ConflictError, InputError, PermissionDeniedError
from qualbridge.services import accounts
from qualbridge.services.actor import OrgKind
from qualbridge.services.context import Context
from qualbridge.services.records import OrgRecord
from tests.services.samples import member, new_org

PASSWORD = "correct horse battery staple"


def test_an_organization_starts_with_its_admin(ctx: Context) -> None:
    org, admin = accounts.bootstrap_organization(
        ctx,
        kind="fab",
        name_en="  Dresden Fab  ",
        name_zh="德累斯顿晶圆厂",
        country="DE",
        admin_email="Admin@Fab.Example",
        admin_name="Anna",
        admin_password=PASSWORD,
    )
    assert (org.kind, org.name_en, org.country) == ("fab", "Dresden Fab", "DE")
    assert (admin.org_id, admin.role, admin.email) == (org.id, "admin", "admin@fab.example")
    with ctx.transaction() as uow:
        events = uow.audit.events(org.id)
        assert [e.action for e in events] == ["org.bootstrap"]


@pytest.mark.parametrize(
    ("field", "changes", "message"),
    [
        ("kind", {"kind": "bank"}, "unknown organization kind"),
        ("country", {"country": "Germany"}, "not a country code"),
        ("name_zh", {"name_zh": " "}, "a value is required"),
        ("email", {"admin_email": "anna"}, "not an e-mail address"),
        ("password", {"admin_password": "short"}, "at least 12 characters"),
    ],
)
def test_bad_organizations_are_refused_with_the_field_named(
    ctx: Context, field: str, changes: dict[str, str], message: str
) -> None:
    values = {
        "kind": "lab", "name_en": "Lab", "name_zh": "实验室", "country": "CN",
        "admin_email": "a@lab.example", "admin_name": "A", "admin_password": PASSWORD,
    } | changes  # fmt: skip
    with pytest.raises(InputError, match=message) as caught:
        accounts.bootstrap_organization(ctx, **values)  # type: ignore[arg-type]
    assert caught.value.where.field == field


def test_names_and_emails_are_unique(ctx: Context) -> None:
    admin = new_org(ctx, name="Shanghai Vacuum")
    with pytest.raises(ConflictError, match="exists already"):
        new_org(ctx, name="Shanghai Vacuum")
    user = accounts.create_user(
        ctx, admin, email="eng@sv.example", name="Eng", role="engineer", password=None
    )
    with pytest.raises(ConflictError, match="registered already"):
        accounts.create_user(ctx, admin, email="ENG@sv.example", name="Other", role="viewer", password=None)
    assert [u.email for u in accounts.list_users(ctx, admin)].count(user.email) == 1


def test_only_admins_add_users_and_only_the_center_adds_organizations(ctx: Context) -> None:
    vendor = new_org(ctx, "vendor")
    engineer = member(ctx, vendor, "engineer")
    with pytest.raises(PermissionDeniedError, match="needs the role admin; you are engineer"):
        accounts.create_user(ctx, engineer, email="x@v.example", name="X", role="viewer", password=None)
    with pytest.raises(PermissionDeniedError, match="for center organizations; yours is a vendor"):
        accounts.create_organization(
            ctx, vendor, kind="fab", name_en="F", name_zh="厂", country="US",
            admin_email="f@f.example", admin_name="F", admin_password=PASSWORD,
        )  # fmt: skip
    center = new_org(ctx, "center")
    org, admin = accounts.create_organization(
        ctx, center, kind="fab", name_en="Arizona Fab", name_zh="亚利桑那晶圆厂", country="US",
        admin_email="admin@az.example", admin_name="Al", admin_password=PASSWORD,
    )  # fmt: skip
    assert (org.kind, admin.org_id, admin.role) == ("fab", org.id, "admin")


def test_a_user_sees_only_their_own_organization(ctx: Context) -> None:
    a, b = new_org(ctx), new_org(ctx)
    accounts.create_user(ctx, b, email="secret@b.example", name="B", role="viewer", password=None)
    org, user = accounts.current(ctx, a)
    assert (org.id, user.id) == (a.org_id, a.user_id)
    assert all(u.org_id == a.org_id for u in accounts.list_users(ctx, a))


def test_sign_in_checks_the_argon2_hash(ctx: Context) -> None:
    admin = new_org(ctx)
    _org, user = accounts.current(ctx, admin)
    assert accounts.sign_in(ctx, email=user.email.upper(), password=PASSWORD).id == user.id
    with ctx.transaction() as uow:
        stored = uow.accounts.user(user.id)
        assert stored is not None
        assert stored.password_hash is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash


def test_sign_in_failures_do_not_tell_who_is_registered(ctx: Context) -> None:
    admin = new_org(ctx)
    _, user = accounts.current(ctx, admin)
    api_only = accounts.create_user(
        ctx, admin, email="robot@v.example", name="R", role="engineer", password=None
    )
    messages = set()
    for email, password in (
        (user.email, "wrong password!"),
        ("nobody@v.example", PASSWORD),
        (api_only.email, "x"),
    ):
        with pytest.raises(AuthError) as caught:
            accounts.sign_in(ctx, email=email, password=password)
        messages.add(str(caught.value))
    assert messages == {"wrong e-mail or password"}


def test_weak_hashes_are_upgraded_at_sign_in(ctx: Context) -> None:
    admin = new_org(ctx)
    _, user = accounts.current(ctx, admin)
    stronger = type(ctx.hasher)(time_cost=2, memory_cost=16, parallelism=1)
    ctx.hasher = stronger
    accounts.sign_in(ctx, email=user.email, password=PASSWORD)
    with ctx.transaction() as uow:
        row = uow.accounts.user(user.id)
        assert row is not None
        assert row.password_hash is not None
        assert not stronger.check_needs_rehash(row.password_hash)


_numbers = itertools.count(1)


def _org(ctx: Context, name_en: str, kind: OrgKind = "fab", **extra: Any) -> OrgRecord:
    org, _ = accounts.bootstrap_organization(
        ctx,
        kind=kind,
        name_en=name_en,
        name_zh=f"{name_en} 中文",
        country="DE",
        admin_email=f"admin-{next(_numbers)}@dir.example",
        admin_name="A",
        admin_password=None,
        **extra,
    )
    return org


def test_slugs_are_unique_and_may_be_chosen(ctx: Context) -> None:
    first = _org(ctx, "Dresden Directory Fab")
    second = _org(ctx, "Dresden directory-fab")
    assert (first.slug, second.slug) == ("dresden-directory-fab", "dresden-directory-fab-2")
    chosen = _org(ctx, "Another Fab", slug="dd-fab")
    assert chosen.slug == "dd-fab"
    with pytest.raises(ConflictError, match="slug 'dd-fab' is taken"):
        _org(ctx, "Yet Another Fab", slug="dd-fab")
    with pytest.raises(InputError, match="not a slug"):
        _org(ctx, "Bad Slug Fab", slug="Bad Slug")


def test_the_directory_lists_public_entries_only(ctx: Context) -> None:
    vendor = new_org(ctx, "vendor")
    dresden = _org(ctx, "Dresden Directory Fab")
    _org(ctx, "Dresden Directory Lab", kind="lab")
    _org(ctx, "Arizona Directory Fab")
    found = accounts.directory(ctx, vendor, kind="fab", search="DRESDEN dir", limit=10, offset=0)
    assert [o.id for o in found.items] == [dresden.id]
    assert set(type(found.items[0]).model_fields) == {"id", "slug", "kind", "name_en", "name_zh", "country"}
    assert found.items[0].model_dump() == dresden.model_dump(exclude={"created_at"})
    by_zh = accounts.directory(ctx, vendor, search="Directory Fab 中文", limit=10, offset=0)
    assert [o.name_en for o in by_zh.items] == ["Arizona Directory Fab", "Dresden Directory Fab"]
    page = accounts.directory(ctx, vendor, search="directory", limit=1, offset=1)
    assert (page.total, [o.name_en for o in page.items]) == (3, ["Dresden Directory Fab"])
    assert accounts.directory(ctx, vendor, search="100%_", limit=10, offset=0).total == 0, "taken literally"
    viewer = member(ctx, vendor, "viewer", scope="read")
    assert accounts.directory(ctx, viewer, kind="lab", search="directory", limit=10, offset=0).total == 1
