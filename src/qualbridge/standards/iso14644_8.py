"""ISO 14644-8: air cleanliness by chemical concentration (ACC), as mass concentration in g/m³.

ISO-ACC level N means a concentration of at most 10^N g/m³, for N = 0 … −12 (the standard's scope is
10⁰ to 10⁻¹² g/m³, operational state; reference notes §2.1). The 2013 edition called N a *class*
("Classification of air cleanliness…"); the 2022 edition *assesses* air and speaks of *grading levels*.
Messages use the wording of the edition a requirement names, the 2022 one by default. The designation
keeps the form "ISO-ACC class N (X)", X being the substance or category.

Concentrations here are mass per volume. A molar ratio (SEMI F21 pptM) is a different quantity: turning
one into the other needs the molar mass and the temperature and pressure, so it is never done implicitly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from qualbridge.errors import InputError
from qualbridge.standards.requirements import AirChemicalRequirement
from qualbridge.standards.validation import rule
from qualbridge.text import Text

UNIT = "g/m³"
LEVELS: tuple[int, ...] = tuple(range(0, -13, -1))
#: Substance categories named by ISO 14644-8 (reference notes §2.1).
CATEGORIES: tuple[str, ...] = (
    "acid",
    "base",
    "biotoxic",
    "condensable",
    "corrosive",
    "dopant",
    "organic",
    "oxidant",
)


@dataclass(frozen=True, slots=True)
class Wording:
    edition: str
    title: Text
    level: Text


WORDINGS: dict[str, Wording] = {
    "2013": Wording(
        "ISO 14644-8:2013",
        Text.of(
            "Classification of air cleanliness by chemical concentration (ACC)",
            "按化学浓度划分空气洁净度等级（ACC）",
        ),
        Text.of("class", "等级"),
    ),
    "2022": Wording(
        "ISO 14644-8:2022",
        Text.of(
            "Assessment of air cleanliness for chemical concentration (ACC)",
            "按化学浓度评估空气洁净度（ACC）",
        ),
        Text.of("grading level", "分级水平"),
    ),
}


def wording(standard: str | None) -> Wording:
    """The wording of the edition ``standard`` names ('ISO 14644-8:2013'); the current one otherwise."""
    if standard and re.search(r"14644-8\s*:\s*2013", standard):
        return WORDINGS["2013"]
    return WORDINGS["2022"]


def max_concentration(level: float) -> float:
    """The maximum concentration of level N, in g/m³: 10^N."""
    if float(level).is_integer():
        # Parsed from the decimal literal so that 10^-8 is exactly the float people write as 1e-8.
        return float(f"1e{int(level)}")
    return float(10.0**level)


def grade(concentration_g_m3: float) -> int | None:
    """The strictest level N whose limit the concentration meets; None above 10⁰ g/m³ (out of scope).

    Below 10⁻¹² g/m³ the answer stays −12: the standard grades no further.
    """
    if concentration_g_m3 < 0 or not math.isfinite(concentration_g_m3):
        raise InputError(f"concentration {concentration_g_m3!r} g/m³ is not a finite value ≥ 0")
    for level in reversed(LEVELS):
        if concentration_g_m3 <= max_concentration(level):
            return level
    return None


_PREFIXES = ((0, "g/m³"), (-3, "mg/m³"), (-6, "µg/m³"), (-9, "ng/m³"), (-12, "pg/m³"))


def readable(concentration_g_m3: float) -> tuple[float, str]:
    """A g/m³ value in the unit people would write it in (1e-8 g/m³ → 10 ng/m³)."""
    if concentration_g_m3 == 0:
        return 0.0, "ng/m³"
    exponent = math.floor(math.log10(abs(concentration_g_m3)))
    for power, unit in _PREFIXES:
        if exponent >= power:
            return round(concentration_g_m3 / float(f"1e{power}"), 12), unit
    return round(concentration_g_m3 * 1e12, 12), "pg/m³"


def designation(level: float, substance: str) -> str:
    return f"ISO-ACC class {level:g} ({substance})"


_DESIGNATION = re.compile(
    r"^\s*ISO-(?:ACC|AMC)\s+(?:class|level|grading\s+level)\s+(?P<n>[-−–]?\d+(?:\.\d+)?)\s*\((?P<x>[^()]+)\)\s*$",
    re.IGNORECASE,
)


def parse_designation(text: str) -> tuple[float, str]:
    """``"ISO-ACC class -8 (NH3)"`` → (−8, "NH3")."""
    match = _DESIGNATION.match(text)
    if not match:
        raise InputError(
            f"{text!r} is not an ISO 14644-8 designation",
            expected="'ISO-ACC class N (substance)', N = 0 … -12",
        )
    level = float(match.group("n").replace("−", "-").replace("–", "-"))
    if not LEVELS[-1] <= level <= LEVELS[0]:
        raise InputError(f"{text!r}: level {level:g} is outside 0 … -12", expected="N between 0 and -12")
    return level, match.group("x").strip()


@rule("iso14644_8_acc")
def _acc_rules(req: AirChemicalRequirement) -> list[str]:
    problems: list[str] = []
    if req.applies_to != "cleanroom_air":
        problems.append(
            f"ISO 14644-8 assesses the air of clean environments, not {req.applies_to.replace('_', ' ')}"
        )
    if req.standard and "14644-8" not in req.standard:
        problems.append(
            f"kind iso14644_8_acc reads ISO 14644-8 mass concentrations; "
            f"standard {req.standard!r} is another one"
        )
    return problems
