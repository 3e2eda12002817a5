"""Demo AMC laboratory results: a CSV table of substances and its ``FILE.meta.yaml`` sidecar.

Acids are reported as molar ratios (pptM, for SEMI F21 category totals) and bases, condensables and
dopants as mass concentrations (ng/m³, for ISO 14644-8 levels), as impinger/IC and thermal-desorption
GC-MS labs commonly report them. Values are drawn (seeded) so that NH₃ meets ISO-ACC level ``nh3_level``
and the acid total meets ``acid_level_pptm``; ``miss`` makes one of them fail. Small results are written
"<DL" with their detection limit, as labs do.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import numpy as np
import yaml

from qualbridge import units
from qualbridge.standards import iso14644_8

Miss = Literal["nh3", "acids"]
_ACIDS = ("HF", "HCl", "HNO3", "HNO2", "SO2")
# Other species a tool hook-up AMC panel reports (ng/m³): substance, category, typical range, DL.
_OTHERS: tuple[tuple[str, str, float, float, float], ...] = (
    ("TMAH", "base", 0.2, 3.0, 0.5),
    ("NMP", "base", 5.0, 40.0, 2.0),
    ("D5 siloxane", "condensable", 1.0, 15.0, 0.5),
    ("DOP", "condensable", 0.5, 8.0, 0.5),
    ("TEP", "dopant", 0.05, 0.4, 0.2),
)


def _acid_rows(rng: np.random.Generator, level_pptm: float, miss: bool) -> list[list[str]]:
    total = level_pptm * (rng.uniform(1.3, 2.0) if miss else rng.uniform(0.3, 0.7))
    shares = rng.dirichlet(np.full(len(_ACIDS), 1.5))
    dl = max(level_pptm * 0.01, 1.0)
    rows = []
    for acid, share in zip(_ACIDS, shares, strict=True):
        value = float(total * share)
        shown = "<DL" if value < dl else f"{value:.3g}"
        rows.append([acid, "acid", shown, "pptM", f"{dl:g}"])
    return rows


def _nh3_row(rng: np.random.Generator, level: int, miss: bool) -> list[str]:
    limit = iso14644_8.max_concentration(level)
    value_g_m3 = limit * (rng.uniform(1.5, 3.0) if miss else rng.uniform(0.2, 0.7))
    value_ng = units.convert(value_g_m3, "g/m**3", "ng/m**3")
    dl_ng = units.convert(limit * 0.05, "g/m**3", "ng/m**3")
    return ["NH3", "base", f"{value_ng:.3g}", "ng/m³", f"{dl_ng:.2g}"]


def _other_rows(rng: np.random.Generator) -> list[list[str]]:
    rows = []
    for substance, category, low, high, dl in _OTHERS:
        value = float(np.exp(rng.uniform(np.log(low), np.log(high))))
        rows.append([substance, category, "<DL" if value < dl else f"{value:.3g}", "ng/m³", f"{dl:g}"])
    return rows


def write_amc_report(
    directory: Path,
    *,
    seed: int = 0,
    nh3_level: int = -8,
    acid_level_pptm: float = 1000,
    miss: Miss | None = None,
    location: str = "Litho bay L2, scanner hook-up",
    room: str = "FAB1-L2",
    issuer: str = "Example AMC Analytics",
    test_date: dt.date = dt.date(2025, 3, 18),
    name: str | None = None,
) -> Path:
    """Write ``<name>.csv`` and ``<name>.csv.meta.yaml`` into ``directory``; return the CSV's path."""
    rng = np.random.default_rng(seed)
    rows = [
        *_acid_rows(rng, acid_level_pptm, miss == "acids"),
        _nh3_row(rng, nh3_level, miss == "nh3"),
        *_other_rows(rng),
    ]
    lines = [
        "AMC analysis results",
        f"Laboratory: {issuer}",
        f"Test date: {test_date.isoformat()}",
        f"Location: {location}",
        f"Sampling hours: {rng.choice([4, 6, 8])} h",
        "Method: impinger/IC (acids, bases); TD-GC-MS (condensables, dopants)",
        "",
        "substance,category,concentration,unit,detection_limit",
        *(",".join(row) for row in rows),
    ]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name or f'amc-{seed}'}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    meta = {
        "kind": "airborne_molecular_contamination",
        "issuer": issuer,
        "test_date": test_date.isoformat(),
        "subject": {"type": "room", "id": room},
    }
    path.with_name(path.name + ".meta.yaml").write_text(
        yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return path
