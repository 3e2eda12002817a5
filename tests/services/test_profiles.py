"""Custom profiles: validate like `qualbridge profiles validate`, drafts, immutable published versions,
and who may see which."""

import pytest

from qualbridge.errors import ConflictError, NotFoundError, PermissionDeniedError, ProfileError
from qualbridge.services import profiles
from qualbridge.services.context import Context
from tests.services.qualification_samples import PARENT, leak_only_profile
from tests.services.samples import member, new_org


def test_a_draft_validates_resolves_and_publishes_as_version_one(ctx: Context) -> None:
    fab = new_org(ctx, "fab")
    checked = profiles.validate_profile(ctx, fab, leak_only_profile())
    assert (checked.id, checked.version, checked.requirements) == ("fab-dresden/chamber", 1, 1)
    assert checked.based_on == [builtin_ref()]
    draft, created = profiles.save_draft(ctx, fab, leak_only_profile())
    assert created
    assert (draft.status, draft.version, draft.published_at) == ("draft", 1, None)
    again, created = profiles.save_draft(ctx, fab, leak_only_profile(limit=4e-10))
    assert not created, "a draft is replaced"
    assert (again.version, again.digest != draft.digest) == (1, True)
    published = profiles.publish(ctx, fab, "fab-dresden/chamber")
    assert (published.status, published.version) == ("published", 1)
    assert published.document["extends"] == builtin_ref(), "publishing pins the parent's version"
    limit = published.resolved.requirement("he-leak").max_leak_rate  # type: ignore[attr-defined]
    assert limit.value == 4e-10
    with pytest.raises(NotFoundError):
        profiles.publish(ctx, fab, "fab-dresden/chamber")  # no draft left: version 1 is frozen


def builtin_ref() -> str:
    from qualbridge.standards.catalog import builtin

    return builtin().document(PARENT).ref


def test_editing_a_published_profile_makes_the_next_version(ctx: Context) -> None:
    fab = new_org(ctx, "fab")
    profiles.save_draft(ctx, fab, leak_only_profile())
    v1 = profiles.publish(ctx, fab, "fab-dresden/chamber")
    draft, created = profiles.save_draft(ctx, fab, leak_only_profile(limit=1e-10))
    assert created
    assert draft.version == 2
    assert profiles.get_profile(ctx, fab, "fab-dresden/chamber").version == 1, "bare id: latest published"
    profiles.publish(ctx, fab, "fab-dresden/chamber")
    assert profiles.get_profile(ctx, fab, "fab-dresden/chamber").version == 2
    assert profiles.get_profile(ctx, fab, "fab-dresden/chamber@1").digest == v1.digest, "v1 never changed"


def test_a_profile_may_extend_the_organizations_own(ctx: Context) -> None:
    fab = new_org(ctx, "fab")
    profiles.save_draft(ctx, fab, leak_only_profile())
    child = {
        **leak_only_profile("fab-dresden/chamber-strict", limit=1e-10),
        "extends": "fab-dresden/chamber@1",
    }
    child["remove"] = []
    profiles.save_draft(ctx, fab, child)
    with pytest.raises(ConflictError, match="publish that first"):
        profiles.publish(ctx, fab, "fab-dresden/chamber-strict")
    profiles.publish(ctx, fab, "fab-dresden/chamber")
    strict = profiles.publish(ctx, fab, "fab-dresden/chamber-strict")
    assert strict.resolved.based_on == ["fab-dresden/chamber@1", builtin_ref()]


def test_invalid_documents_are_refused_naming_the_problem(ctx: Context) -> None:
    fab = new_org(ctx, "fab")
    bad_limit = leak_only_profile()
    bad_limit["requirements"][0]["max_leak_rate"] = {"value": 1e-9, "unit": "kg"}
    unknown_parent = {**leak_only_profile(), "extends": "nobody/profile"}
    removes_nothing = {**leak_only_profile(), "remove": ["no-such-requirement"]}
    for document in (bad_limit, unknown_parent, removes_nothing, {"id": "x"}, ["not", "a", "mapping"]):
        with pytest.raises(ProfileError):
            profiles.validate_profile(ctx, fab, document)
        with pytest.raises(ProfileError):
            profiles.save_draft(ctx, fab, document)
    with pytest.raises(ConflictError, match="shipped"):
        profiles.save_draft(ctx, fab, {**leak_only_profile(), "id": PARENT})
    assert profiles.list_profiles(ctx, fab, own_only=True, limit=50, offset=0).total == 0


def test_drafts_are_private_published_versions_are_readable_by_all(ctx: Context) -> None:
    fab, vendor, other_fab = new_org(ctx, "fab"), new_org(ctx, "vendor"), new_org(ctx, "fab")
    profiles.save_draft(ctx, fab, leak_only_profile())
    for outsider in (vendor, other_fab):
        with pytest.raises(NotFoundError):
            profiles.get_profile(ctx, outsider, "fab-dresden/chamber@1")
        assert profiles.list_profiles(ctx, outsider, search="fab-dresden", limit=50, offset=0).total == 0
    with pytest.raises(ConflictError, match="taken"):
        profiles.save_draft(ctx, other_fab, leak_only_profile())
    profiles.publish(ctx, fab, "fab-dresden/chamber")
    assert profiles.get_profile(ctx, vendor, "fab-dresden/chamber").owner_org_id == fab.org_id
    listed = profiles.list_profiles(ctx, vendor, search="FAB-Dresden", limit=50, offset=0)
    assert [(p.id, p.version, p.builtin) for p in listed.items] == [("fab-dresden/chamber", 1, False)]


def test_listing_puts_shipped_profiles_first_and_pages_across_both(ctx: Context) -> None:
    fab = new_org(ctx, "fab")
    for n in range(3):
        profiles.save_draft(ctx, fab, leak_only_profile(f"zz/p{n}"))
    everything = profiles.list_profiles(ctx, fab, limit=200, offset=0)
    shipped = [p for p in everything.items if p.builtin]
    assert everything.total == len(shipped) + 3
    assert [p.id for p in everything.items[len(shipped) :]] == ["zz/p0", "zz/p1", "zz/p2"]
    pages = [profiles.list_profiles(ctx, fab, limit=2, offset=o).items for o in range(0, everything.total, 2)]
    assert [p.id for page in pages for p in page] == [p.id for p in everything.items]


def test_viewers_and_read_tokens_cannot_author(ctx: Context) -> None:
    fab = new_org(ctx, "fab")
    for actor in (member(ctx, fab, "viewer", scope="read"), member(ctx, fab, "engineer", scope="read")):
        with pytest.raises(PermissionDeniedError):
            profiles.save_draft(ctx, actor, leak_only_profile())
    profiles.save_draft(ctx, member(ctx, fab, "engineer"), leak_only_profile())
