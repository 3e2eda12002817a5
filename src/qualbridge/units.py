"""The one unit registry of QualBridge.

Every measured or required value carries its unit. Raw files are parsed into quantities of this registry;
values are converted only at the edges (parsers in, reports out). The domain's own units are defined in
``_DOMAIN_UNITS`` below; the conversion factors are those of the reference notes (SEMI E16, NIST) and are
pinned by tests/test_units.py.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

import pint

from qualbridge.errors import Location, UnitError

# Grammar: pint's definition syntax, one definition a line (``name = definition = symbol = alias``).
_DOMAIN_UNITS = """
# Counted particles are dimensionless; particles/m³ is then simply 1/m³.
particle = [] = _ = particles

# Mass fractions (w/w). 1 ppb = 1 µg/kg, 1 ppt = 1 ng/kg. pint reads "ppt" as a pico-pint, so it is
# defined here explicitly.
ppb = 1e-9 = _ = parts_per_billion
ppt = 1e-12 = _ = parts_per_trillion

# Molar mixing ratio (SEMI F21 "pptM"). A dimension of its own, on purpose: converting a molar ratio to a
# mass concentration needs the molar mass and the temperature and pressure, so it is never implicit.
mole_fraction_unit = [molar_mixing_ratio] = molfrac
pptM = 1e-12 * mole_fraction_unit = _ = ppt_molar
ppbM = 1e-9 * mole_fraction_unit = _ = ppb_molar
ppmM = 1e-6 * mole_fraction_unit = _ = ppm_molar

# Gas throughput (leak rate) at standard conditions: one standard cubic centimetre is 1 atm × 1 cm³.
sccs = standard_atmosphere * cubic_centimeter / second = _ = std_cc_per_second = atm_cc_per_s
sccm = standard_atmosphere * cubic_centimeter / minute = _ = std_cc_per_minute
"""

# Spellings seen in instrument exports and specs, mapped to the registry's grammar.
_ALIASES: tuple[tuple[str, str], ...] = (
    (r"atm[·*\s-]?cc/s(ec)?", "sccs"),
    (r"atm[·*\s-]?cm3/s", "sccs"),
    (r"std\s?cc/s", "sccs"),
    (r"mbar[·*\s-]?l/s", "mbar*L/s"),
    (r"torr[·*\s-]?l/s", "torr*L/s"),
    (r"pa[·*\s-]?m3/s", "Pa*m**3/s"),
    (r"(particles?|p|pcs|#)\s*/\s*m3", "particle/m**3"),
    (r"(particles?|p|pcs|#)\s*/\s*ft3", "particle/ft**3"),
    (r"(particles?|p|pcs|#)\s*/\s*l", "particle/L"),
    (r"cf", "ft**3"),
    (r"cfm", "ft**3/min"),
    (r"lpm", "L/min"),
    (r"°c|degc|℃", "degC"),
)


def _normalise_spelling(text: str) -> str:
    s = text.strip().replace("µ", "u").replace("μ", "u").replace("³", "3").replace("²", "2")
    s = s.replace("·", "*")
    # Gauges and specs write Torr with a capital (after Torricelli); pint's name is lower case.
    s = re.sub(r"Torr\b", "torr", s)
    lowered = s.lower()
    for pattern, replacement in _ALIASES:
        if re.fullmatch(pattern, lowered):
            return replacement
    s = re.sub(r"(?<=[A-Za-z])3\b", "**3", s)
    return re.sub(r"(?<=[A-Za-z])2\b", "**2", s)


def _build_registry() -> Any:
    registry: Any = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=None)
    for line in _DOMAIN_UNITS.strip().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            registry.define(line.strip())
    return registry


ureg: Any = _build_registry()
Quantity = ureg.Quantity
Q_ = ureg.Quantity


@lru_cache(maxsize=512)
def unit(text: str) -> Any:
    """The registry unit for an instrument's or a spec's spelling of a unit (``"mbar·L/s"``, ``"°C"``)."""
    expected = "a unit such as mbar·L/s, °C, particles/m³"
    if not text.strip():
        # pint reads "" as dimensionless; in a measurement it is a forgotten unit, not a ratio.
        raise UnitError("no unit given", expected=expected)
    try:
        return ureg.Unit(_normalise_spelling(text))
    except Exception as exc:
        # pint evaluates unit text as an expression, and malformed text escapes as whatever its tokenizer
        # or evaluator raises (TokenError, AssertionError, ZeroDivisionError for "1/0", ...). Whatever the
        # cause, the text is not a unit we can read: one error, at this boundary.
        raise UnitError(f"unknown unit {text!r}", expected=expected) from exc


def quantity(value: float, unit_text: str, *, where: Location | None = None) -> Any:
    """A checked quantity: finite value, known unit."""
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise UnitError(f"value {value!r} is not a finite number", where or Location())
    try:
        return Q_(float(value), unit(unit_text))
    except UnitError as exc:
        raise UnitError(exc.message, where or Location(), expected=exc.expected) from exc


def convert(value: float, from_unit: str, to_unit: str, *, where: Location | None = None) -> float:
    """``value`` expressed in ``from_unit``, converted to ``to_unit``; a clear error on a wrong dimension."""
    q = quantity(value, from_unit, where=where)
    target = unit(to_unit)
    try:
        return float(q.to(target).magnitude)
    except pint.errors.DimensionalityError as exc:
        raise UnitError(
            f"{from_unit!r} cannot be converted to {to_unit!r}",
            where or Location(),
            expected=f"a unit of the same kind as {to_unit!r}",
        ) from exc


def same_dimension(a: str, b: str) -> bool:
    return bool(unit(a).dimensionality == unit(b).dimensionality)


def format_unit(text: str) -> str:
    """A unit in the compact form people write it (``mbar·L/s``, ``particles/m³``)."""
    return f"{unit(text):~P}"
