"""SEMI F21: airborne molecular contaminant (AMC) categories and levels of clean environments.

Four categories: MA acids, MB bases, MC condensables, MD dopants. The number in a designation such as
"MA-10" is the maximum *total* gas-phase concentration of the category in pptM (parts per trillion,
molar); the F21-95 levels are 1, 10, 100, 1000 and 10 000 (reference notes §2.2). F21 grades
environments, not materials, and uses molar ratios: a result in g/m³ cannot be added to a pptM total
without the molar mass and the temperature and pressure, so it never is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from qualbridge.errors import InputError
from qualbridge.standards.requirements import MolecularCategoryRequirement
from qualbridge.standards.validation import rule
from qualbridge.text import Text

F21Category = Literal["MA", "MB", "MC", "MD"]
UNIT = "pptM"
LEVELS_PPTM: tuple[float, ...] = (1, 10, 100, 1000, 10_000)


@dataclass(frozen=True, slots=True)
class Category:
    code: F21Category
    chemical_category: str
    name: Text
    definition: Text


CATEGORIES: dict[F21Category, Category] = {
    c.code: c
    for c in (
        Category(
            "MA", "acid", Text.of("acids", "酸"), Text.of("corrosive, electron acceptor", "腐蚀性，电子受体")
        ),
        Category("MB", "base", Text.of("bases", "碱"), Text.of("electron donor", "电子供体")),
        Category(
            "MC",
            "condensable",
            Text.of("condensables", "可凝物"),
            Text.of(
                "substance other than water with a boiling point above room temperature",
                "沸点高于室温的非水物质",
            ),
        ),
        Category(
            "MD",
            "dopant",
            Text.of("dopants", "掺杂物"),
            Text.of("dopant compounds (B, P, As…)", "掺杂化合物（B、P、As 等）"),
        ),
    )
}
_BY_CHEMICAL_CATEGORY: dict[str, F21Category] = {c.chemical_category: c.code for c in CATEGORIES.values()}
_CODES: dict[str, F21Category] = {c.code: c.code for c in CATEGORIES.values()}


def category_of(chemical_category: str | None) -> F21Category | None:
    """The F21 category of a result's chemical category ('acid' → MA); None when it has none."""
    if chemical_category is None:
        return None
    return _BY_CHEMICAL_CATEGORY.get(chemical_category)


def grade(total_pptm: float) -> float | None:
    """The strictest F21 level a category total meets; None above the highest level."""
    return next((level for level in LEVELS_PPTM if total_pptm <= level), None)


def designation(category: F21Category, level: float) -> str:
    return f"{category}-{level:g}"


_DESIGNATION = re.compile(
    r"^\s*(?:SEMI\s+F21\S*\s+)?(?P<c>M[ABCD])\s*-\s*(?P<l>\d+(?:\.\d+)?)\s*$", re.IGNORECASE
)


def parse_designation(text: str) -> tuple[F21Category, float]:
    """``"MA-10"`` or ``"SEMI F21 MB-1000"`` → (category, level in pptM)."""
    match = _DESIGNATION.match(text)
    if not match:
        raise InputError(
            f"{text!r} is not a SEMI F21 designation", expected="e.g. 'MA-10' (category-level, pptM)"
        )
    level = float(match.group("l"))
    if level <= 0:
        raise InputError(f"{text!r}: a level must be positive")
    return _CODES[match.group("c").upper()], level


@rule("semi_f21_amc")
def _f21_rules(req: MolecularCategoryRequirement) -> list[str]:
    problems: list[str] = []
    if req.applies_to != "cleanroom_air":
        problems.append(f"SEMI F21 grades clean-environment air, not {req.applies_to.replace('_', ' ')}")
    if req.standard and not req.standard.upper().startswith("SEMI F21"):
        problems.append(
            f"kind semi_f21_amc reads SEMI F21 molar levels; standard {req.standard!r} is another one"
        )
    if not req.fab_defined and req.level_pptM not in LEVELS_PPTM:
        levels = ", ".join(f"{lv:g}" for lv in LEVELS_PPTM)
        problems.append(
            f"level {req.level_pptM:g} pptM is not a SEMI F21 level ({levels}); "
            "mark it fab_defined if intended"
        )
    return problems
