"""Demo compressed-air purity reports: a test lab's CSV export and its ``FILE.meta.yaml`` sidecar.

The values are drawn (seeded) inside the class intervals of ISO 8573-1, so a report written for
``[1:2:1]`` classifies as exactly ``[1:2:1]``. ``miss`` pushes one contaminant just past its class, as a
real failing report would look: a dew point of about −35 °C where class 2 asks for −40 °C, a first size
band over the class limit, or oil in the next class up.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import numpy as np
import yaml

from qualbridge.evidence.models import AirQuantity
from qualbridge.standards.iso8573_1 import (
    PARTICLE_BANDS,
    TABLES,
    Contaminant,
    PurityClass,
    parse_designation,
    purity_class,
)
from qualbridge.standards.requirements import ClassSymbol

Miss = Literal["particles", "water", "oil"]
_BAND_NAMES = ("Particles 0.1-0.5 µm", "Particles 0.5-1.0 µm", "Particles 1.0-5.0 µm")
# Below class 1 the scale continues to what instruments reach: a −90 °C dew point sensor floor, 0 mg/m³.
_FLOOR = {"pressure_dew_point": -90.0, "total_oil": 0.0, "liquid_water": 0.0, "particle_mass": 0.0}
_OIL_AEROSOL_DL = 0.001  # mg/m³, a typical ISO 8573-2 detection limit


def _upper(entry: PurityClass) -> float:
    upper = entry.bounds[0].upper
    if upper is None:
        raise ValueError(f"class {entry.symbol} has no upper limit to generate values under")
    return upper


def _upper_of(entry: PurityClass, band: AirQuantity) -> float:
    bound = entry.bound(band)
    if bound is None or bound.upper is None:
        raise ValueError(f"class {entry.symbol} has no limit for {band}")
    return bound.upper


def _within(rng: np.random.Generator, contaminant: Contaminant, symbol: ClassSymbol, miss: bool) -> float:
    """A value inside class ``symbol`` (above the class before it), or just past it when ``miss``."""
    table = TABLES[contaminant]
    index = next(i for i, e in enumerate(table) if e.symbol == symbol)
    entry = table[index]
    quantity = entry.bounds[0].quantity
    lower = entry.bounds[0].lower
    if entry.bounds[0].upper is None and lower is not None:
        return float(lower * rng.uniform(1.2, 3.0))  # class X: anything above the last limit
    upper = _upper(entry)
    previous = table[index - 1] if index > 0 and table[index - 1].bounds[0].quantity == quantity else None
    low = _upper(previous) if previous is not None else _FLOOR[quantity]
    if miss:
        after = table[index + 1] if index + 1 < len(table) else None
        following = after.bounds[0].upper if after and after.bounds[0].quantity == quantity else None
        high = following if following is not None else abs(upper) * 3
        return float(upper + (high - upper) * rng.uniform(0.2, 0.6))
    return float(low + (upper - low) * rng.uniform(0.3, 0.9))


def _particle_rows(
    rng: np.random.Generator, symbol: ClassSymbol, miss: bool
) -> list[tuple[str, str, str, str]]:
    if symbol in (6, 7):
        mass = _within(rng, "particles", symbol, miss)
        return [
            ("Particles > 5 µm", f"{int(rng.integers(5, 60))}", "particles/m³", "ISO 8573-4"),
            ("Particle mass", f"{mass:.2f}", "mg/m³", "ISO 8573-8"),
        ]
    entry = purity_class("particles", symbol)
    class2 = purity_class("particles", 2)
    rows = []
    for band, name in zip(PARTICLE_BANDS, _BAND_NAMES, strict=True):
        bound = entry.bound(band)
        if bound is None or bound.upper is None:
            # Not specified for this class: a count beyond class 2's limit, as such air would show.
            count = _upper_of(class2, band) * rng.uniform(1.5, 4.0)
        elif miss:
            count = bound.upper * rng.uniform(1.3, 2.5)
            miss = False  # one band over the limit is enough to miss the class
        else:
            count = bound.upper * rng.uniform(0.3, 0.8)
        rows.append((name, f"{round(count)}", "particles/m³", "ISO 8573-4"))
    rows.append(("Particles > 5 µm", "0", "particles/m³", "ISO 8573-4"))
    return rows


def _water_rows(rng: np.random.Generator, symbol: ClassSymbol, miss: bool) -> list[tuple[str, str, str, str]]:
    value = _within(rng, "water", symbol, miss)
    if symbol in (7, 8, 9):
        return [("Liquid water", f"{value:.2f}", "g/m³", "ISO 8573-9")]
    return [("Pressure dew point", f"{value:.1f}", "°C", "ISO 8573-3")]


def _oil_rows(rng: np.random.Generator, symbol: ClassSymbol, miss: bool) -> list[tuple[str, str, str, str]]:
    total = _within(rng, "oil", symbol, miss)
    if symbol not in (1, 2):
        return [("Total oil", f"{total:.3g}", "mg/m³", "ISO 8573-2")]
    vapour = total * rng.uniform(0.5, 0.8)
    aerosol = total - vapour
    shown = f"<{_OIL_AEROSOL_DL:g}" if aerosol < _OIL_AEROSOL_DL else f"{aerosol:.2g}"
    return [
        ("Oil aerosol", shown, "mg/m³", "ISO 8573-2"),
        ("Oil vapour", f"{vapour:.2g}", "mg/m³", "ISO 8573-5"),
    ]


def write_compressed_air_report(
    directory: Path,
    *,
    purity: str = "[1:2:1]",
    seed: int = 0,
    miss: Miss | None = None,
    issuer: str = "Example Air Test Lab",
    test_date: dt.date = dt.date(2025, 3, 14),
    sampling_point: str = "CDA-TH07",
    name: str | None = None,
) -> Path:
    """Write ``<name>.csv`` and ``<name>.csv.meta.yaml`` into ``directory``; return the CSV's path."""
    target = parse_designation(purity)
    if miss is not None and target.of(miss) is None:
        raise ValueError(f"cannot miss {miss}: {purity} does not specify it")
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, str, str, str]] = []
    writers = {"particles": _particle_rows, "water": _water_rows, "oil": _oil_rows}
    for contaminant in ("particles", "water", "oil"):
        symbol = target.of(contaminant)
        if symbol is not None:
            rows.extend(writers[contaminant](rng, symbol, miss == contaminant))
    lines = [
        "Compressed air purity test report",
        f"Laboratory: {issuer}",
        f"Report no: CA-{test_date:%Y}-{int(rng.integers(100, 999))}",
        "Standard: ISO 8573-1:2010",
        f"Test date: {test_date.isoformat()}",
        f"Sampling point: {sampling_point}",
        f"Line pressure: {rng.choice([6, 6.5, 7, 7.5]):g} bar(g)",
        "Reference conditions: 20 °C, 1 bar(a), 0 % relative water vapour pressure",
        "",
        "parameter,value,unit,method",
        *(",".join(row) for row in rows),
    ]
    directory.mkdir(parents=True, exist_ok=True)
    stem = name or f"compressed-air-{target.short().strip('[]').replace(':', '-')}-{seed}"
    path = directory / f"{stem}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # The sidecar names the kind: a lab's table of parameter rows is not self-evidently one kind of report.
    meta = {
        "kind": "compressed_air_purity",
        "issuer": issuer,
        "test_date": test_date.isoformat(),
        "subject": {"type": "system", "id": sampling_point, "name": "compressed dry air, tool hook-up"},
    }
    path.with_name(path.name + ".meta.yaml").write_text(
        yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return path
