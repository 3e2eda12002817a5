"""Products and their composition."""

import uuid
from typing import Any

import pytest

from qualbridge.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from qualbridge.services import products
from qualbridge.services.actor import Actor
from qualbridge.services.context import Context
from tests.services.samples import member, new_org


def _product(ctx: Context, actor: Actor, model: str, kind: str = "subsystem") -> uuid.UUID:
    return products.create_product(ctx, actor, kind=kind, model=model, name=f"{model} unit").id  # type: ignore[arg-type]


def test_create_list_and_read(ctx: Context) -> None:
    vendor = new_org(ctx)
    chamber = products.create_product(ctx, vendor, kind="equipment", model=" VX-200 ", name="Vacuum chamber")
    _product(ctx, vendor, "P-80", "subsystem")
    _product(ctx, vendor, "Z_1", "component")
    assert (chamber.model, chamber.owner_org_id) == ("VX-200", vendor.org_id)
    assert products.get_product(ctx, vendor, chamber.id) == chamber
    page = products.list_products(ctx, vendor, limit=2, offset=0)
    assert (page.total, [p.model for p in page.items]) == (3, ["P-80", "VX-200"])
    assert [p.model for p in products.list_products(ctx, vendor, limit=2, offset=2).items] == ["Z_1"]
    assert [
        p.model for p in products.list_products(ctx, vendor, kind="equipment", limit=9, offset=0).items
    ] == ["VX-200"]
    # The search is a plain substring: '_' and '%' match themselves, not any character.
    assert [p.model for p in products.list_products(ctx, vendor, search="_", limit=9, offset=0).items] == [
        "Z_1"
    ]
    assert products.list_products(ctx, vendor, search="%", limit=9, offset=0).total == 0


def test_models_are_unique_per_vendor(ctx: Context) -> None:
    a, b = new_org(ctx), new_org(ctx)
    _product(ctx, a, "VX-200")
    with pytest.raises(ConflictError, match="already"):
        _product(ctx, a, "VX-200")
    _product(ctx, b, "VX-200")  # another vendor may use the same designation


@pytest.mark.parametrize(("kind", "role", "message"), [
    ("fab", "admin", "for vendor organizations; yours is a fab"),
    ("lab", "admin", "yours is a lab"),
    ("vendor", "viewer", "needs the role admin or engineer"),
])  # fmt: skip
def test_who_may_create_products(ctx: Context, kind: str, role: str, message: str) -> None:
    admin = new_org(ctx, kind)  # type: ignore[arg-type]
    actor = admin if role == "admin" else member(ctx, admin, role)  # type: ignore[arg-type]
    with pytest.raises(PermissionDeniedError, match=message):
        _product(ctx, actor, "X-1")


def test_bad_products_name_the_field(ctx: Context) -> None:
    vendor = new_org(ctx)
    with pytest.raises(InputError, match="unknown product kind") as caught:
        products.create_product(ctx, vendor, kind="gadget", model="G", name="G")  # type: ignore[arg-type]
    assert caught.value.where.field == "kind"
    with pytest.raises(InputError, match="a value is required"):
        products.create_product(ctx, vendor, kind="equipment", model="  ", name="G")


def test_subsystems_are_attached_once_and_quantities_updated(ctx: Context) -> None:
    vendor = new_org(ctx)
    chamber, pump = _product(ctx, vendor, "VX-200", "equipment"), _product(ctx, vendor, "P-80")
    products.attach_component(ctx, vendor, chamber, child_id=pump, quantity=2)
    products.attach_component(ctx, vendor, chamber, child_id=pump, quantity=3)
    [component] = products.list_components(ctx, vendor, chamber)
    assert (component.product.id, component.quantity) == (pump, 3)
    assert products.list_components(ctx, vendor, pump) == []
    with pytest.raises(InputError, match="at least 1"):
        products.attach_component(ctx, vendor, chamber, child_id=pump, quantity=0)


def test_a_composition_never_becomes_cyclic(ctx: Context) -> None:
    vendor = new_org(ctx)
    a, b, c = (_product(ctx, vendor, m) for m in ("A", "B", "C"))
    products.attach_component(ctx, vendor, a, child_id=b)
    products.attach_component(ctx, vendor, b, child_id=c)
    with pytest.raises(ConflictError, match="cycle"):
        products.attach_component(ctx, vendor, c, child_id=a)
    with pytest.raises(ConflictError, match="itself"):
        products.attach_component(ctx, vendor, a, child_id=a)
    products.attach_component(ctx, vendor, a, child_id=c)  # a diamond is fine: A→B→C and A→C


def test_other_organizations_products_do_not_exist(ctx: Context) -> None:
    a, b = new_org(ctx), new_org(ctx)
    theirs = _product(ctx, a, "VX-200", "equipment")
    mine = _product(ctx, b, "P-80")
    for call in (
        lambda: products.get_product(ctx, b, theirs),
        lambda: products.list_components(ctx, b, theirs),
        lambda: products.attach_component(ctx, b, theirs, child_id=mine),
        lambda: products.attach_component(ctx, b, mine, child_id=theirs),
        lambda: products.get_product(ctx, b, uuid.uuid4()),
    ):
        with pytest.raises(NotFoundError, match="no product"):
            call()
    assert [p.id for p in products.list_products(ctx, b, limit=50, offset=0).items] == [mine]
    assert products.list_components(ctx, a, theirs) == []


def test_an_owner_is_read_once_and_never_lets_another_organization_in(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = new_org(ctx), new_org(ctx)
    theirs = _product(ctx, a, "VX-200", "equipment")
    transactions: list[dict[str, Any]] = []
    real = ctx.transaction

    def counted(**kw: Any) -> Any:
        transactions.append(kw)
        return real(**kw)

    monkeypatch.setattr(ctx, "transaction", counted)
    products.check_owned(ctx, a, theirs)
    products.check_owned(ctx, a, theirs)
    assert len(transactions) == 1, "the owner is remembered"
    for who, product in ((b, theirs), (a, uuid.uuid4())):
        with pytest.raises(NotFoundError, match="no product"):
            products.check_owned(ctx, who, product)
        with pytest.raises(NotFoundError, match="no product"):  # refused again: nothing remembered
            products.check_owned(ctx, who, product)
    assert len(transactions) == 5
    assert ctx.product_owners == {theirs: a.org_id}


def test_text_every_database_stores_alike(ctx: Context) -> None:
    vendor = new_org(ctx)
    for field, kw in (
        ("name", {"name": "Pump\x00"}),
        ("model", {"model": "M" * 101}),
        ("model", {"model": "A\nB"}),
    ):
        with pytest.raises(InputError) as caught:
            products.create_product(ctx, vendor, **{"kind": "subsystem", "model": "M", "name": "N", **kw})  # type: ignore[arg-type]
        assert caught.value.where.field == field
    with pytest.raises(InputError, match="control characters"):
        products.list_products(ctx, vendor, search="\x00", limit=10, offset=0)
