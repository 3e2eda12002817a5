"""Demo materials evidence: ICP-MS tables, ASTM E595 results and a material declaration.

:func:`generate` writes raw files as a lab would export them, each with a ``FILE.meta.yaml`` sidecar
(issuer, test date, subject). Numbers are illustrative, drawn from a seeded generator so a seed always
gives the same bytes. The writers are shared with :mod:`qualbridge.demo.vacuum`, whose chamber package
includes the wetted parts' metals, the elastomer screening and the declaration.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

ICPMS_LAB = "Example Analytical Lab (Hsinchu)"
E595_LAB = "Example Space Materials Lab"


def write_sidecar(
    path: Path, *, kind: str, issuer: str, test_date: dt.date, subject: tuple[str, str]
) -> Path:
    """``FILE.meta.yaml``: what the raw file itself does not say, and its evidence kind (no guessing)."""
    sidecar = path.with_name(path.name + ".meta.yaml")
    meta = {
        "kind": kind,
        "issuer": issuer,
        "test_date": test_date.isoformat(),
        "subject": {"type": subject[0], "id": subject[1]},
    }
    sidecar.write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return sidecar


@dataclass(frozen=True, slots=True)
class Analyte:
    """One ICP-MS row: ``value`` None means below the detection limit (written '<DL' or 'ND')."""

    element: str
    value: float | None
    dl: float
    spelled: str = ""
    not_detected: str = "<{dl}"


def write_icpms(
    path: Path,
    analytes: Sequence[Analyte],
    *,
    unit: str,
    basis: str,
    matrix: str,
    test_date: dt.date,
    subject: tuple[str, str],
    density: str | None = None,
    wetted_area: str | None = None,
) -> list[Path]:
    lines = [
        "ICP-MS trace metals report",
        f"Laboratory: {ICPMS_LAB}",
        "Instrument: Agilent 8900 ICP-QQQ SN JP21440118",
        "Method: ICP-MS, collision/reaction cell (He, H2), standard addition",
        f"Matrix: {matrix}",
        f"Basis: {basis}",
    ]
    lines += [f"Density: {density}"] if density else []
    lines += [f"Wetted area: {wetted_area}"] if wetted_area else []
    lines.append("Element,Result,Unit,DL")
    for a in analytes:
        result = f"{a.value:.3g}" if a.value is not None else a.not_detected.format(dl=f"{a.dl:g}")
        lines.append(f"{a.spelled or a.element},{result},{unit},{a.dl:g}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [
        path,
        write_sidecar(
            path, kind="trace_metal_analysis", issuer=ICPMS_LAB, test_date=test_date, subject=subject
        ),
    ]


def write_e595(
    path: Path,
    *,
    material: str,
    tml: float,
    cvcm: float,
    wvr: float,
    rng: np.random.Generator,
    test_date: dt.date,
    subject: tuple[str, str],
    sample_c: float = 125.0,
) -> list[Path]:
    """Three replicate specimens scattered around the given means, as E595 reports them."""
    lines = [
        "ASTM E595 outgassing test results",
        f"Laboratory: {E595_LAB}",
        "Method: ASTM E595-15",
        f"Material: {material}",
        f"Sample temperature: {sample_c:g} °C",
        "Collector temperature: 25 °C",
        "Duration: 24 h",
        "Vacuum: < 7E-3 Pa",
        "Preconditioning: 24 h at 23 °C, 50 % RH",
        "Specimen,TML %,CVCM %,WVR %",
    ]
    columns = [_replicates(rng, tml, 0.04), _replicates(rng, cvcm, 0.08), _replicates(rng, wvr, 0.05)]
    for i, (t, c, w) in enumerate(zip(*columns, strict=True), start=1):
        lines.append(f"{i},{t:.3f},{c:.3f},{w:.3f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [
        path,
        write_sidecar(path, kind="outgassing_test", issuer=E595_LAB, test_date=test_date, subject=subject),
    ]


def write_declaration(
    path: Path,
    *,
    statements: dict[str, bool],
    materials: Sequence[str],
    test_date: dt.date,
    subject: tuple[str, str],
) -> list[Path]:
    document = {
        "kind": "material_declaration",
        "issuer": "Example Vacuum Systems Co.",
        "test_date": test_date.isoformat(),
        "method": "supplier self-declaration",
        "subject": {"type": subject[0], "id": subject[1]},
        "statements": statements,
        "materials": list(materials),
        "signed_by": "Quality Manager, Example Vacuum Systems Co.",
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [path]


# --- the materials demo ------------------------------------------------------------------------------

_ACID = ("material_lot", "H2SO4-96-LOT-2026-117")
_POTTING = ("material_lot", "POTTING-EP-21-LOT-88")
_SILICONE = ("material_lot", "VMQ-ORING-LOT-5521")
_FKM = ("material_lot", "FKM-ORING-LOT-3304")


#: E595 demo materials: file name, material, TML, CVCM, WVR (%), subject, specimen temperature (°C).
_E595_CASES: tuple[tuple[str, str, float, float, float, tuple[str, str], float], ...] = (
    ("e595-fkm-oring.csv", "FKM O-ring compound V-747 (example)", 0.31, 0.02, 0.05, _FKM, 125.0),
    # Fails E595 TML 1.00 % but passes TML − WVR ≤ 1.0 %: most of its loss is water (§5.3).
    ("e595-potting-water-loss.csv", "Epoxy potting EP-21 (example)", 1.2, 0.05, 0.4, _POTTING, 125.0),
    ("e595-silicone-high-cvcm.csv", "VMQ silicone O-ring (example)", 0.9, 0.35, 0.02, _SILICONE, 125.0),
    # Tested 30 °C above a service temperature: not comparable with the screening levels.
    (
        "e595-fkm-at-150c-not-comparable.csv",
        "FKM O-ring compound V-747 (example)",
        0.45,
        0.03,
        0.05,
        _FKM,
        150.0,
    ),
)


def _icpms_tables(out_dir: Path, rng: np.random.Generator, day: dt.date) -> list[Path]:
    # Sulfuric acid, w/w in ppt, with its density so w/v limits can be met too; ND and '<' entries.
    acid = [
        Analyte("Na", _jitter(rng, 18.0), 2.0, "23Na"),
        Analyte("K", None, 5.0, "39K [H2]", not_detected="ND"),
        Analyte("Fe", _jitter(rng, 9.5), 1.0, "56Fe [He]"),
        Analyte("Al", _jitter(rng, 4.1), 0.8, "Al 27"),
        Analyte("Cu", None, 0.5, "Cu(63)"),
        Analyte("Ni", _jitter(rng, 1.7), 0.5, "60Ni"),
        Analyte("Cr", None, 0.8),
        Analyte("Zn", _jitter(rng, 6.0), 2.0, "66Zn"),
    ]
    written = write_icpms(
        out_dir / "icpms-h2so4-w-w.csv",
        acid,
        unit="ppt",
        basis="w/w",
        matrix="H2SO4 96 %",
        density="1.84 g/mL",
        test_date=day,
        subject=_ACID,
    )
    # An aqueous extract on a w/v basis (µg/L) and without a density: not comparable with w/w limits.
    extract = [
        Analyte("Na", _jitter(rng, 0.21), 0.02),
        Analyte("Fe", None, 0.05),
        Analyte("Ca", _jitter(rng, 0.09), 0.03),
    ]
    written += write_icpms(
        out_dir / "icpms-upw-extract-w-v.csv",
        extract,
        unit="µg/L",
        basis="w/v",
        matrix="UPW extract, 24 h, 85 °C",
        test_date=day,
        subject=("component", "PFA-VALVE-V12"),
    )
    return written


def generate(out_dir: Path, *, seed: int = 0) -> list[Path]:
    """Write the materials demo into ``out_dir``; returns every file written."""
    rng = np.random.default_rng(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    day = dt.date(2026, 3, 2)
    written = _icpms_tables(out_dir, rng, day)
    for name, material, tml, cvcm, wvr, subject, sample_c in _E595_CASES:
        written += write_e595(
            out_dir / name,
            material=material,
            tml=tml,
            cvcm=cvcm,
            wvr=wvr,
            rng=rng,
            test_date=day + dt.timedelta(days=9),
            subject=subject,
            sample_c=sample_c,
        )
    written += write_declaration(
        out_dir / "declaration-fkm-oring.json",
        statements={"no_silicone_lubricants": True, "rohs_compliant": True, "pfas_free": False},
        materials=["FKM (fluoroelastomer)"],
        test_date=day,
        subject=_FKM,
    )
    return written


def _replicates(rng: np.random.Generator, mean: float, spread: float) -> list[float]:
    """Three specimens scattered by ``spread`` (relative) whose mean is ``mean``."""
    offsets = rng.normal(0.0, spread, 3)
    offsets -= offsets.mean()
    return [max(mean * (1 + float(x)), 0.0) for x in offsets]


def _jitter(rng: np.random.Generator, value: float) -> float:
    """A lab value near ``value`` (±5 %), so different seeds give different but plausible tables."""
    return float(value * (1 + 0.05 * rng.standard_normal()))
