"""ISO 8573-1:2010 compressed-air purity classes: the tables, classification and the designation.

The tables (reference notes §3.1–3.3) are data: each class is a set of bounds on measured quantities,
all of which must hold. A quantity a class does not list is "not specified" and imposes nothing. Upper
bounds are inclusive (≤); the mass and liquid-water classes also have an exclusive lower bound
(e.g. class 7: 5 < C_p ≤ 10 mg/m³) that partitions the scale. Particle classes 0–5 also require that no
particle larger than 5 µm was detected.

Class 0 is not "zero": it is a limit the user and supplier state, stricter than class 1, so it exists only
together with a requirement's :class:`Class0Limits`.

A class is ``int`` or ``"X"``; ``None`` in a designation is an unspecified contaminant, written ``-``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from qualbridge.errors import InputError
from qualbridge.evidence.models import AirQuantity, CompressedAirPurityTest
from qualbridge.standards.requirements import Class0Limits, ClassSymbol, CompressedAirRequirement
from qualbridge.standards.validation import rule
from qualbridge.text import Text

EDITION = "ISO 8573-1:2010"
Contaminant = Literal["particles", "water", "oil"]
CONTAMINANTS: tuple[Contaminant, ...] = ("particles", "water", "oil")
PARTICLE_BANDS: tuple[AirQuantity, ...] = ("d_0_1_to_0_5", "d_0_5_to_1_0", "d_1_0_to_5_0")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A measured quantity as ISO 8573-1 tabulates it, and the part of ISO 8573 that measures it."""

    name: AirQuantity
    label: Text
    unit: str
    test_part: str


QUANTITIES: dict[AirQuantity, Quantity] = {
    q.name: q
    for q in (
        Quantity(
            "d_0_1_to_0_5", Text.of("particles 0.1–0.5 µm", "0.1–0.5 µm 颗粒"), "particles/m³", "ISO 8573-4"
        ),
        Quantity(
            "d_0_5_to_1_0", Text.of("particles 0.5–1 µm", "0.5–1 µm 颗粒"), "particles/m³", "ISO 8573-4"
        ),
        Quantity("d_1_0_to_5_0", Text.of("particles 1–5 µm", "1–5 µm 颗粒"), "particles/m³", "ISO 8573-4"),
        Quantity("particle_mass", Text.of("particle mass", "颗粒质量浓度"), "mg/m³", "ISO 8573-8"),
        Quantity("pressure_dew_point", Text.of("pressure dew point", "压力露点"), "°C", "ISO 8573-3"),
        Quantity("liquid_water", Text.of("liquid water", "液态水"), "g/m³", "ISO 8573-9"),
        Quantity("total_oil", Text.of("total oil", "总油含量"), "mg/m³", "ISO 8573-2 / ISO 8573-5"),
    )
}


@dataclass(frozen=True, slots=True)
class Bound:
    """``lower < value ≤ upper`` for one quantity; ``None`` leaves that side open."""

    quantity: AirQuantity
    upper: float | None
    lower: float | None = None

    def holds(self, value: float) -> bool:
        return (self.upper is None or value <= self.upper) and (self.lower is None or value > self.lower)


@dataclass(frozen=True, slots=True)
class PurityClass:
    contaminant: Contaminant
    symbol: ClassSymbol
    bounds: tuple[Bound, ...]
    no_particles_above_5um: bool = False

    def bound(self, quantity: AirQuantity) -> Bound | None:
        return next((b for b in self.bounds if b.quantity == quantity), None)


def _counts(symbol: int, limits: Sequence[float | None]) -> PurityClass:
    bounds = tuple(
        Bound(q, limit) for q, limit in zip(PARTICLE_BANDS, limits, strict=True) if limit is not None
    )
    return PurityClass("particles", symbol, bounds, no_particles_above_5um=True)


# §3.1: maximum number of particles per m³ per size band; None = not specified.
PARTICLE_CLASSES: tuple[PurityClass, ...] = (
    _counts(1, (20_000, 400, 10)),
    _counts(2, (400_000, 6_000, 100)),
    _counts(3, (None, 90_000, 1_000)),
    _counts(4, (None, None, 10_000)),
    _counts(5, (None, None, 100_000)),
    # Mass concentration C_p, mg/m³. Class 6 is 0 < C_p ≤ 5; a measured 0 is no worse, so it is not excluded.
    PurityClass("particles", 6, (Bound("particle_mass", 5.0),)),
    PurityClass("particles", 7, (Bound("particle_mass", 10.0, lower=5.0),)),
    PurityClass("particles", "X", (Bound("particle_mass", None, lower=10.0),)),
)

# §3.2: pressure dew point (°C) for classes 1–6; liquid water C_w (g/m³) for 7–9 and X.
WATER_CLASSES: tuple[PurityClass, ...] = (
    *(
        PurityClass("water", n, (Bound("pressure_dew_point", dp),))
        for n, dp in ((1, -70.0), (2, -40.0), (3, -20.0), (4, 3.0), (5, 7.0), (6, 10.0))
    ),
    PurityClass("water", 7, (Bound("liquid_water", 0.5),)),
    PurityClass("water", 8, (Bound("liquid_water", 5.0, lower=0.5),)),
    PurityClass("water", 9, (Bound("liquid_water", 10.0, lower=5.0),)),
    PurityClass("water", "X", (Bound("liquid_water", None, lower=10.0),)),
)

# §3.3: total oil (aerosol + liquid + vapour), mg/m³.
OIL_CLASSES: tuple[PurityClass, ...] = (
    *(PurityClass("oil", n, (Bound("total_oil", c),)) for n, c in ((1, 0.01), (2, 0.1), (3, 1.0), (4, 5.0))),
    PurityClass("oil", "X", (Bound("total_oil", None, lower=5.0),)),
)

TABLES: dict[Contaminant, tuple[PurityClass, ...]] = {
    "particles": PARTICLE_CLASSES,
    "water": WATER_CLASSES,
    "oil": OIL_CLASSES,
}
# §3.4: the classes a designation may name, per contaminant.
VALID_CLASSES: dict[Contaminant, tuple[ClassSymbol, ...]] = {
    "particles": (*range(8), "X"),
    "water": (*range(10), "X"),
    "oil": (*range(5), "X"),
}
CONTAMINANT_LABEL: dict[Contaminant, Text] = {
    "particles": Text.of("solid particles", "固体颗粒"),
    "water": Text.of("water", "水"),
    "oil": Text.of("oil", "油"),
}


def rank(symbol: ClassSymbol | None) -> float:
    """Order of classes, best first: 0 < 1 < … < 9 < X < not determined."""
    if symbol is None:
        return math.inf
    return 10.0 if symbol == "X" else float(symbol)


def class0(contaminant: Contaminant, limits: Class0Limits | None) -> PurityClass | None:
    """Class 0 from stated limits, or None when the limits for ``contaminant`` are not stated."""
    if limits is None:
        return None
    if contaminant == "particles" and limits.particles_per_m3 is not None:
        return _counts(0, limits.particles_per_m3)
    if contaminant == "water" and limits.pressure_dew_point_c is not None:
        return PurityClass("water", 0, (Bound("pressure_dew_point", limits.pressure_dew_point_c),))
    if contaminant == "oil" and limits.total_oil_mg_m3 is not None:
        return PurityClass("oil", 0, (Bound("total_oil", limits.total_oil_mg_m3),))
    return None


def purity_class(
    contaminant: Contaminant, symbol: ClassSymbol, limits: Class0Limits | None = None
) -> PurityClass:
    """The table entry for ``symbol``; class 0 needs the stated ``limits``."""
    if symbol == 0:
        found = class0(contaminant, limits)
        if found is None:
            raise InputError(
                f"{contaminant} class 0 has no stated limits", expected="limits stricter than class 1"
            )
        return found
    for entry in TABLES[contaminant]:
        if entry.symbol == symbol:
            return entry
    valid = ", ".join(str(s) for s in VALID_CLASSES[contaminant] if s != 0)
    raise InputError(f"{contaminant} class {symbol} is not in {EDITION}", expected=f"one of {valid}")


# --- classification ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassResult:
    """The class a test demonstrates for one contaminant, with why and what qualifies it."""

    contaminant: Contaminant
    symbol: ClassSymbol | None
    basis: Text
    caveats: tuple[Text, ...] = ()


@dataclass(frozen=True, slots=True)
class Classification:
    particles: ClassResult
    water: ClassResult
    oil: ClassResult

    def of(self, contaminant: Contaminant) -> ClassResult:
        result: ClassResult = getattr(self, contaminant)
        return result

    def purity(self) -> Purity:
        return Purity(self.particles.symbol, self.water.symbol, self.oil.symbol)


def _meets(entry: PurityClass, test: CompressedAirPurityTest) -> bool:
    if entry.no_particles_above_5um and test.particles_above_5um_detected:
        return False
    for b in entry.bounds:
        value = test.air_value(b.quantity)
        if value is None or not b.holds(value):
            return False
    return True


def _basis(entry: PurityClass, test: CompressedAirPurityTest) -> Text:
    parts_en, parts_zh = [], []
    for b in entry.bounds:
        q = QUANTITIES[b.quantity]
        value = test.air_value(b.quantity)
        less = "< " if b.quantity in test.below_detection_limit else ""
        limit = f"≤ {b.upper:g} {q.unit}" if b.upper is not None else f"> {b.lower:g} {q.unit}"
        parts_en.append(f"{q.label.en} {less}{value:g} {q.unit} ({limit})")
        parts_zh.append(f"{q.label.zh} {less}{value:g} {q.unit}（{limit}）")
    return Text.of("; ".join(parts_en), "；".join(parts_zh))


def _caveats(
    contaminant: Contaminant, symbol: ClassSymbol, test: CompressedAirPurityTest
) -> tuple[Text, ...]:
    found: list[Text] = []
    if contaminant == "particles" and rank(symbol) <= 5 and test.particles_above_5um_detected is None:
        found.append(
            Text.of(
                "particles > 5 µm not reported: classes 0–5 hold only if none were detected",
                "未报告 > 5 µm 颗粒：仅当未检出时 0–5 级才成立",
            )
        )
    if contaminant == "oil" and rank(symbol) <= 2 and test.oil_vapour_included is False:
        found.append(
            Text.of(
                "oil vapour (ISO 8573-5) not included: classes 1–2 need it",
                "未包括油蒸气（ISO 8573-5）：1–2 级需要该项",
            )
        )
    return tuple(found)


def _not_determined(contaminant: Contaminant, test: CompressedAirPurityTest) -> Text:
    if contaminant == "particles" and test.particles_above_5um_detected and test.particle_mass is None:
        return Text.of(
            "particles > 5 µm detected (rules out classes 0–5); no mass concentration (ISO 8573-8) for 6–X",
            "检出 > 5 µm 颗粒（排除 0–5 级）；无质量浓度（ISO 8573-8）可判定 6–X 级",
        )
    if contaminant == "water" and test.pressure_dew_point is not None:
        return Text.of(
            "pressure dew point above +10 °C; classes 7–X need liquid water (ISO 8573-9)",
            "压力露点高于 +10 °C；7–X 级需要液态水测量（ISO 8573-9）",
        )
    return Text.of("not measured", "未测量")


def classify_contaminant(
    test: CompressedAirPurityTest, contaminant: Contaminant, limits: Class0Limits | None = None
) -> ClassResult:
    """The lowest class whose limits ``test`` all meets ("< DL" values count at their limit)."""
    zero = class0(contaminant, limits)
    for entry in (*((zero,) if zero else ()), *TABLES[contaminant]):
        if _meets(entry, test):
            return ClassResult(
                contaminant, entry.symbol, _basis(entry, test), _caveats(contaminant, entry.symbol, test)
            )
    return ClassResult(contaminant, None, _not_determined(contaminant, test))


def classify(test: CompressedAirPurityTest, limits: Class0Limits | None = None) -> Classification:
    """Per contaminant, the lowest class whose limits are all met; class 0 only with stated ``limits``."""
    p, w, o = (classify_contaminant(test, c, limits) for c in CONTAMINANTS)
    return Classification(particles=p, water=w, oil=o)


# --- designation -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Purity:
    """A purity designation ``[P:W:O]``; None is an unspecified contaminant."""

    particles: ClassSymbol | None
    water: ClassSymbol | None
    oil: ClassSymbol | None

    def of(self, contaminant: Contaminant) -> ClassSymbol | None:
        symbol: ClassSymbol | None = getattr(self, contaminant)
        return symbol

    def short(self) -> str:
        return (
            "[" + ":".join("-" if s is None else str(s) for s in (self.particles, self.water, self.oil)) + "]"
        )

    def designation(self) -> str:
        return f"{EDITION} {self.short()}"

    @classmethod
    def of_requirement(cls, req: CompressedAirRequirement) -> Purity:
        return cls(req.particle_class, req.water_class, req.oil_class)


_DESIGNATION = re.compile(
    r"^\s*(?:ISO\s*8573-1(?::\d{4})?\s*)?(?:class\s*)?\[?\s*"
    r"(?P<p>[0-9xX-])\s*[:.]\s*(?P<w>[0-9xX-])\s*[:.]\s*(?P<o>[0-9xX-])\s*\]?\s*$",
    re.IGNORECASE,
)


def parse_designation(text: str) -> Purity:
    """``"ISO 8573-1:2010 [2:-:1]"``, ``"[1:2:1]"`` or ``"1.2.1"`` → :class:`Purity`."""
    match = _DESIGNATION.match(text)
    if not match:
        raise InputError(
            f"{text!r} is not an ISO 8573-1 purity designation",
            expected="'[P:W:O]' such as '[1:2:1]' or 'ISO 8573-1:2010 [2:-:1]'",
        )
    symbols: list[ClassSymbol | None] = []
    for contaminant, raw in zip(CONTAMINANTS, match.group("p", "w", "o"), strict=True):
        symbol: ClassSymbol | None = None if raw == "-" else "X" if raw in "xX" else int(raw)
        if symbol is not None and symbol not in VALID_CLASSES[contaminant]:
            valid = ", ".join(str(s) for s in VALID_CLASSES[contaminant])
            raise InputError(
                f"{text!r}: there is no {contaminant} class {symbol}", expected=f"one of {valid}"
            )
        symbols.append(symbol)
    if all(s is None for s in symbols):
        raise InputError(f"{text!r} specifies no contaminant", expected="at least one class")
    return Purity(*symbols)


def describe(contaminant: Contaminant, entry: PurityClass) -> Text:
    """What a class asks, in words: its limits and the ISO 8573 part that tests them."""
    en: list[str] = []
    zh: list[str] = []
    for b in entry.bounds:
        q = QUANTITIES[b.quantity]
        if b.upper is None:
            en.append(f"{q.label.en} > {b.lower:g} {q.unit}")
            zh.append(f"{q.label.zh} > {b.lower:g} {q.unit}")
            continue
        low = f"{b.lower:g} < " if b.lower is not None else ""
        en.append(f"{low}{q.label.en} ≤ {b.upper:g} {q.unit}")
        zh.append(f"{low}{q.label.zh} ≤ {b.upper:g} {q.unit}")
    if entry.no_particles_above_5um:
        en.append("no particles > 5 µm detected")
        zh.append("未检出 > 5 µm 颗粒")
    parts = sorted({QUANTITIES[b.quantity].test_part for b in entry.bounds})
    name = CONTAMINANT_LABEL[contaminant]
    return Text.of(
        f"{name.en} class {entry.symbol}: " + ", ".join(en) + f" (test per {', '.join(parts)})",
        f"{name.zh} {entry.symbol} 级：" + "，".join(zh) + f"（按 {', '.join(parts)} 测试）",
    )


# --- profile rules -----------------------------------------------------------------------------------

_CLASS1 = {c: TABLES[c][0] for c in CONTAMINANTS}


def _class0_problems(contaminant: Contaminant, req: CompressedAirRequirement) -> list[str]:
    zero = class0(contaminant, req.class0)
    field = {"particles": "particles_per_m3", "water": "pressure_dew_point_c", "oil": "total_oil_mg_m3"}
    if zero is None:
        return [
            f"{contaminant} class 0 needs a stated limit (class0.{field[contaminant]}), stricter than class 1"
        ]
    one = _CLASS1[contaminant]
    pairs = [(b.upper, one.bound(b.quantity)) for b in zero.bounds]
    limits = [(z, o.upper) for z, o in pairs if z is not None and o is not None and o.upper is not None]
    if any(z < 0 for z, _ in limits) and contaminant != "water":
        return [f"{contaminant} class 0 limits cannot be negative"]
    if any(z > o for z, o in limits) or all(z == o for z, o in limits):
        stated = ", ".join(f"{z:g}" for z, _ in limits)
        class1 = ", ".join(f"{o:g}" for _, o in limits)
        return [f"{contaminant} class 0 ({stated}) must be stricter than class 1 ({class1})"]
    return []


@rule("iso8573_1_purity")
def _purity_rules(req: CompressedAirRequirement) -> list[str]:
    problems: list[str] = []
    if req.applies_to != "compressed_air":
        problems.append(f"ISO 8573-1 classifies compressed air, not {req.applies_to.replace('_', ' ')}")
    if req.standard and not req.standard.upper().startswith("ISO 8573-1"):
        problems.append(f"kind iso8573_1_purity reads ISO 8573-1 classes; standard {req.standard!r} does not")
    purity = Purity.of_requirement(req)
    if all(purity.of(c) is None for c in CONTAMINANTS):
        problems.append("no contaminant class is stated: give particle_class, water_class and/or oil_class")
    for contaminant in CONTAMINANTS:
        symbol = purity.of(contaminant)
        if symbol is None:
            continue
        if symbol not in VALID_CLASSES[contaminant]:
            valid = ", ".join(str(s) for s in VALID_CLASSES[contaminant])
            problems.append(f"{contaminant} class {symbol} does not exist (valid: {valid})")
        elif symbol == "X":
            problems.append(f"{contaminant} class X sets no limit; leave the contaminant unspecified instead")
        elif symbol == 0:
            problems.extend(_class0_problems(contaminant, req))
    if req.class0 is not None:
        unused = [c for c in CONTAMINANTS if class0(c, req.class0) is not None and purity.of(c) != 0]
        problems.extend(f"class0 limits for {c} are stated but {c} class is not 0" for c in unused)
    return problems
