"""Profile documents: schema, `extends`, immutability of published versions, scope rules."""

from pathlib import Path

import pytest
import yaml

from qualbridge.errors import ProfileError
from qualbridge.standards.catalog import Catalog, builtin
from qualbridge.standards.profile import documents_from_data, documents_from_file, resolve


def _decl(rid: str, statement: str = "rohs_compliant", **extra: object) -> dict[str, object]:
    return {
        "kind": "declaration",
        "id": rid,
        "title": {"en": f"Declares {statement}", "zh": f"声明 {statement}"},
        "source": "fab-defined",
        "fab_defined": True,
        "statement": statement,
        **extra,
    }


def _profile(pid: str, version: int = 1, **fields: object) -> dict[str, object]:
    return {
        "id": pid,
        "version": version,
        "title": {"en": pid, "zh": pid},
        "publisher": "Test Fab",
        **fields,
    }


def _catalog(*profiles: dict[str, object]) -> Catalog:
    return Catalog((d, "test") for p in profiles for d in documents_from_data(p, source="test"))


def test_extends_inherits_replaces_removes_and_appends() -> None:
    base = _profile("base", requirements=[_decl("a"), _decl("b"), _decl("c")])
    child = _profile(
        "child",
        extends="base@1",
        remove=["b"],
        requirements=[_decl("a", "pfas_free"), _decl("d")],
    )
    profile = _catalog(base, child).get("child")
    assert [r.id for r in profile.requirements] == ["a", "c", "d"]
    assert profile.requirement("a").statement == "pfas_free"  # type: ignore[union-attr]
    assert profile.based_on == ["base@1"]


def test_latest_published_version_is_chosen_without_a_version() -> None:
    cat = _catalog(
        _profile("p", 1, requirements=[_decl("a")]),
        _profile("p", 2, requirements=[_decl("a"), _decl("b")]),
        _profile("p", 3, status="draft", requirements=[_decl("a")]),
    )
    assert cat.get("p").version == 2
    assert cat.get("p@3").version == 3


def test_published_version_cannot_be_redefined() -> None:
    with pytest.raises(ProfileError, match="defined twice with different content"):
        _catalog(
            _profile("p", 1, requirements=[_decl("a")]),
            _profile("p", 1, requirements=[_decl("b")]),
        )


def test_extends_cycle_is_refused() -> None:
    cat = _catalog(
        _profile("x", extends="y", requirements=[_decl("a")]),
        _profile("y", extends="x", requirements=[_decl("b")]),
    )
    with pytest.raises(ProfileError, match="cycle"):
        cat.get("x")


def test_removing_a_requirement_the_parent_lacks_is_refused() -> None:
    cat = _catalog(
        _profile("base", requirements=[_decl("a")]),
        _profile("child", extends="base", remove=["zz"], requirements=[_decl("b")]),
    )
    with pytest.raises(ProfileError, match="removes 'zz'"):
        cat.get("child")


def test_unknown_parent_names_what_exists() -> None:
    cat = _catalog(_profile("child", extends="nowhere@1", requirements=[_decl("a")]))
    with pytest.raises(ProfileError, match="unknown profile 'nowhere@1'"):
        cat.get("child")


def test_duplicate_requirement_ids_are_refused() -> None:
    with pytest.raises(ProfileError, match="repeated: a"):
        documents_from_data(_profile("p", requirements=[_decl("a"), _decl("a")]), source="f.yaml")


def test_schema_error_names_file_and_field() -> None:
    bad = _profile("p", requirements=[{**_decl("a"), "title": {"en": "only English"}}])
    with pytest.raises(ProfileError) as info:
        documents_from_data(bad, source="fab.yaml")
    assert info.value.where.file == "fab.yaml"
    assert info.value.where.field is not None
    assert "zh" in info.value.where.field


def test_component_standard_applied_to_cleanroom_air_is_a_category_error() -> None:
    # Reference notes §2.3: SEMI F57 specifies polymer components wetted by UPW, not air.
    req = {
        "kind": "iso14644_8_acc",
        "id": "amc",
        "title": {"en": "Metals in air", "zh": "空气中金属"},
        "source": "SEMI F57-0314",
        "standard": "SEMI F57",
        "substance": "metals",
        "acc_class": -9,
    }
    doc = documents_from_data(_profile("p", requirements=[req]), source="p.yaml")[0]
    with pytest.raises(ProfileError, match="category error: SEMI F57"):
        resolve(doc)


def test_profile_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "fab.yaml"
    path.write_text(
        yaml.safe_dump({"profiles": [_profile("fab/x", requirements=[_decl("a")])]}, allow_unicode=True),
        encoding="utf-8",
    )
    (doc,) = documents_from_file(path)
    assert doc.ref == "fab/x@1"


def test_unreadable_profile_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid YAML"):
        documents_from_file(path)


def test_every_shipped_profile_resolves() -> None:
    catalog = builtin()
    docs = catalog.documents()
    for doc in docs:
        profile = catalog.get(doc.ref)
        assert profile.requirements, doc.ref
        for req in profile.requirements:
            assert req.title.en
            assert req.title.zh
            assert req.source
        if doc.example:
            assert all(r.fab_defined for r in profile.requirements if r.source == "fab-defined")
