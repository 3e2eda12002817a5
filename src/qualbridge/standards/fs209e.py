"""Cleanliness class names: ISO 14644-1 classes, and FED-STD-209E names as approximate aliases.

FED-STD-209E (cancelled in 2001) named classes by particles/ft³ at ≥ 0.5 µm: Class 1, 10, 100, 1 000,
10 000 and 100 000. Specifications still quote them. QualBridge accepts such a name only as an alias of
its ISO 14644-1 equivalent, and always says how approximate the equivalence is: 100 /ft³ is 3 531 /m³,
not the 3 520 /m³ of ISO 5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qualbridge import units
from qualbridge.errors import InputError, at
from qualbridge.standards.iso14644_1 import check_class, class_limit
from qualbridge.text import Text

# FED-STD-209E English classes, their ISO 14644-1 equivalents and the 209E limits in particles/ft³
# (reference notes §1.10: NRC Prudent Practices in the Laboratory, Table 9.4, source line
# ANSI/IEST/ISO 14644-1:1999). "-" = not specified by 209E for that class (not zero).
_TABLE = """
# class   ISO   ≥0.1   ≥0.2   ≥0.3   ≥0.5     ≥5 µm
1         3     35     7.5    3      1        -
10        4     350    75     30     10       -
100       5     -      750    300    100      -
1000      6     -      -      -      1000     7
10000     7     -      -      -      10000    70
100000    8     -      -      -      100000   700
"""
_SIZES_UM = (0.1, 0.2, 0.3, 0.5, 5.0)


@dataclass(frozen=True, slots=True)
class Fs209eClass:
    name: int
    iso_class: int
    limits_per_ft3: dict[float, float]

    @property
    def label(self) -> str:
        """'Class 10 000', spaced the way the standards print large numbers."""
        return "Class " + f"{self.name:,}".replace(",", " ")


def _parse(text: str) -> dict[int, Fs209eClass]:
    table: dict[int, Fs209eClass] = {}
    for line in text.strip().splitlines():
        if line.lstrip().startswith("#"):
            continue
        name, iso, *values = line.split()
        limits = {s: float(v) for s, v in zip(_SIZES_UM, values, strict=True) if v != "-"}
        table[int(name)] = Fs209eClass(int(name), int(iso), limits)
    return table


CLASSES: dict[int, Fs209eClass] = _parse(_TABLE)


@dataclass(frozen=True, slots=True)
class ClassName:
    """An ISO class as the caller named it; ``note`` explains an approximate FED-STD-209E alias."""

    iso_class: float
    fs209e: int | None = None
    note: Text | None = None


_ISO_NAME = re.compile(r"(?:iso\s*(?:class\s*)?)?(\d+(?:\.\d+)?)", re.IGNORECASE)
_FS_NAME = re.compile(
    r"(?:(?:fed(?:eral)?[\s-]*(?:std|standard)[\s-]*)?209e?|fs[\s-]*209e?)?[\s:-]*"
    r"class\s*([\d\s,.\u202f]+)",
    re.IGNORECASE,
)


def approximation(fs: Fs209eClass) -> Text:
    """How far FED-STD-209E class ``fs`` is from its ISO equivalent at 0.5 µm (every 209E class has it)."""
    per_m3 = units.convert(fs.limits_per_ft3[0.5], "particles/ft³", "particles/m³")
    iso = class_limit(fs.iso_class, 0.5)
    per_ft3 = f"{fs.limits_per_ft3[0.5]:,g}".replace(",", " ")
    shown = f"{per_m3:,.0f}" if per_m3 >= 1000 else f"{per_m3:.1f}"
    relation = "above" if per_m3 > iso else "below"
    relation_zh = "高于" if per_m3 > iso else "低于"
    return Text.of(
        f"FED-STD-209E {fs.label} ≈ ISO {fs.iso_class}; the equivalence is approximate: "
        f"{per_ft3}/ft³ at ≥0.5 µm = {shown}/m³, {relation} the ISO {fs.iso_class} limit of "
        f"{iso:,.0f}/m³ (FED-STD-209E was cancelled in 2001; the ISO 14644-1 limits apply)",
        f"FED-STD-209E {fs.name} 级 ≈ ISO {fs.iso_class} 级，仅为近似对应：≥0.5 µm 时 {per_ft3}/ft³ = "
        f"{shown}/m³，{relation_zh} ISO {fs.iso_class} 级限值 {iso:,.0f}/m³"
        "（FED-STD-209E 已于 2001 年废止；以 ISO 14644-1 限值为准）",
    )


def parse_class(text: str) -> ClassName:
    """'5', '5.5', 'ISO 5', 'ISO Class 5' → ISO; 'Class 100', 'FS 209E Class 1 000' → the ISO equivalent.

    'Class N' always means FED-STD-209E, so 'Class 1' is ISO 3: write 'ISO 1' (or '1') for ISO Class 1.
    """
    stripped = text.strip()
    if iso := _ISO_NAME.fullmatch(stripped):
        return ClassName(check_class(float(iso.group(1))))
    fs = _FS_NAME.fullmatch(stripped)
    if fs is None:
        raise InputError(
            f"cannot read {text!r} as a cleanliness class",
            at(field="class"),
            expected="an ISO class such as 5, 5.5 or 'ISO 5', or a FED-STD-209E name such as 'Class 100'",
        )
    digits = re.sub(r"[\s,.\u202f]", "", fs.group(1))
    number = int(digits) if digits.isdigit() else -1
    if number not in CLASSES:
        raise InputError(
            f"{text!r} is not a FED-STD-209E class",
            at(field="class"),
            expected="Class 1, 10, 100, 1 000, 10 000 or 100 000; for an ISO class write 'ISO N'",
        )
    equivalent = CLASSES[number]
    return ClassName(float(equivalent.iso_class), number, approximation(equivalent))
