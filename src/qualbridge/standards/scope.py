"""What each standard applies to, so a profile cannot apply one outside its scope.

ISO 14644-8 and SEMI F21 grade the *air* of clean environments; SEMI F57 specifies *polymer components
and materials* wetted by ultrapure water and liquid chemicals. Applying F57 limits to cleanroom air is a
category error, not a stricter spec (reference notes §2.3).
"""

from __future__ import annotations

from dataclasses import dataclass

from qualbridge.standards.validation import rule


@dataclass(frozen=True, slots=True)
class StandardScope:
    name: str
    applies_to: frozenset[str]
    what: str


SCOPES: dict[str, StandardScope] = {
    s.name.upper(): s
    for s in (
        StandardScope("ISO 14644-1", frozenset({"cleanroom_air"}), "airborne particles in cleanrooms"),
        StandardScope("ISO 14644-8", frozenset({"cleanroom_air"}), "chemical concentration in air"),
        StandardScope("SEMI F21", frozenset({"cleanroom_air"}), "molecular contaminants in clean air"),
        StandardScope("ISO 8573-1", frozenset({"compressed_air"}), "compressed-air purity"),
        StandardScope(
            "SEMI F57",
            frozenset({"component", "material"}),
            "polymer materials and components wetted by UPW and liquid chemicals",
        ),
        StandardScope(
            "SEMI F1",
            frozenset({"component", "vacuum_system", "equipment"}),
            "helium leak testing of gas-system components",
        ),
        StandardScope("ASTM E595", frozenset({"material"}), "vacuum outgassing screening of materials"),
        StandardScope("NASA-STD-6016", frozenset({"material"}), "materials outgassing acceptance"),
    )
}


def scope_of(standard: str) -> StandardScope | None:
    """The scope of ``standard`` ('SEMI F57-0314' → SEMI F57), or None if it is not catalogued."""
    key = standard.upper().strip()
    for name, scope in SCOPES.items():
        if key == name or key.startswith((name + "-", name + ":", name + " ")):
            return scope
    return None


@rule("*")
def _within_scope(requirement: object) -> list[str]:
    standard = getattr(requirement, "standard", None)
    applies_to = getattr(requirement, "applies_to", None)
    if not standard or not applies_to:
        return []
    scope = scope_of(standard)
    if scope is None or applies_to in scope.applies_to:
        return []
    alternatives = ""
    if applies_to == "cleanroom_air":
        alternatives = "; for air use ISO 14644-8 (mass concentration) or SEMI F21 (molar categories)"
    return [
        f"category error: {scope.name} covers {scope.what}, not {applies_to.replace('_', ' ')}" + alternatives
    ]
