"""Demo vacuum evidence: the incoming-qualification package of one process chamber, and failing variants.

:func:`generate` writes, into ``out_dir``, what a vendor would send for chamber VX-200 SN 0042 — a helium
leak report, a rate-of-rise log (a saturating, outgassing-dominated rise), an analog RGA scan, a base
pressure record, an outgassing-rate report, the O-ring E595 results, the wetted parts' ICP-MS extraction
and a material declaration — all meeting ``example/vacuum-chamber-incoming``. ``out_dir/failing/`` holds
the variants a fab must catch: a real leak (a linear rise, a helium reading over the limit), a sniffer
test too insensitive for the limit, an air leak and pump-oil contamination in the RGA, an elastomer that
fails E595, metals over the limit or not reported, and a declaration that contradicts the profile.

The numbers hang together: gas load ≈ 7×10⁻⁶ mbar·L/s on a 300 L/s turbo pump gives ≈ 2×10⁻⁸ mbar, close
to the recorded base pressure. Everything is drawn from a seeded generator: a seed always gives the same
bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qualbridge.demo.materials import Analyte, write_declaration, write_e595, write_icpms, write_sidecar

VENDOR = "Example Vacuum Systems Co."
CHAMBER = ("equipment", "VX-200-SN0042")
REJECTED = ("equipment", "VX-200-SN0043")
VOLUME_L = 52.3

#: An unbaked chamber after a day of pumping: water dominates, then H₂ and CO (mbar).
_CLEAN_SPECTRUM: dict[int, float] = {
    1: 2.0e-10,
    2: 3.0e-9,
    12: 6.0e-11,
    14: 2.0e-11,
    15: 4.0e-11,
    16: 2.4e-10,
    17: 2.5e-9,
    18: 1.1e-8,
    19: 8.0e-12,
    20: 5.0e-12,
    22: 3.0e-12,
    28: 2.5e-9,
    29: 3.0e-11,
    32: 4.0e-11,
    40: 2.0e-12,
    44: 3.0e-10,
    45: 3.5e-12,
    41: 6.0e-13,
    43: 8.0e-13,
    55: 4.0e-13,
    57: 5.0e-13,
}
#: Air through a leaking seal: N₂:O₂:Ar as in air (an RGA shows N₂/O₂ a little above 3.73).
_AIR_LEAK: dict[int, float] = {28: 1.0e-8, 14: 7.0e-10, 32: 3.0e-9, 16: 2.0e-10, 40: 1.3e-10, 20: 2.0e-11}
#: Backstreamed mechanical-pump oil: the 39/41/43/55/57 pattern and its 14 amu envelope.
_PUMP_OIL: dict[int, float] = {
    27: 6.0e-11,
    29: 8.0e-11,
    39: 4.0e-11,
    41: 1.1e-10,
    43: 1.3e-10,
    53: 2.0e-11,
    55: 9.0e-11,
    57: 1.0e-10,
    67: 2.0e-11,
    69: 3.5e-11,
    71: 4.0e-11,
    81: 1.0e-11,
    83: 1.5e-11,
    85: 1.6e-11,
    97: 5.0e-12,
    99: 4.0e-12,
}


def _leak_report(
    path: Path, *, rate: str, mode: str, background: str, day: dt.date, subject: tuple[str, str]
) -> list[Path]:
    lines = [
        "Helium leak test report",
        "Detector: ASM 340 SN 1234",
        "Calibration: 2026-01-10",
        "Calibration due: 2027-01-10",
        "Method: helium mass spectrometer, vacuum method (SEMI F1-style)",
        f"Mode: {mode}",
        "Test state: unbaked, 24 h pump-down",
        "Test port: KF40 roughing port, turbo backing",
        f"Background: {background} mbar l/s",
        f"Leak rate: {rate} mbar l/s",
        "Operator: J. Lin",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [path, write_sidecar(path, kind="helium_leak_test", issuer=VENDOR, test_date=day, subject=subject)]


def _rise_log(
    path: Path, pressures: np.ndarray, times: np.ndarray, *, day: dt.date, subject: tuple[str, str]
) -> list[Path]:
    lines = [
        "# Rate-of-rise test",
        f"# Chamber volume: {VOLUME_L} L",
        "# Gauge: Pirani/cold-cathode combination gauge SN PKR-77120",
        "# Isolation: gate valve to turbo closed at t = 0",
        "# Pressure unit: mbar",
        "time_s,pressure",
    ]
    lines += [f"{t:.0f},{p:.4E}" for t, p in zip(times, pressures, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [
        path,
        write_sidecar(path, kind="rate_of_rise_test", issuer=VENDOR, test_date=day, subject=subject),
    ]


def _rise_curve(rng: np.random.Generator, *, saturating: bool) -> tuple[np.ndarray, np.ndarray]:
    times = np.arange(0.0, 601.0, 10.0)
    p0 = 2.0e-6
    if saturating:
        # Outgassing re-adsorbs as the pressure rises: the rise levels off (τ = 150 s) over a tiny leak.
        p = p0 + 8.0e-5 * (1 - np.exp(-times / 150.0)) + 2.0e-9 * times
    else:
        # A real leak: a constant inflow, q = V·dp/dt ≈ 5×10⁻⁵ mbar·L/s.
        p = p0 + (5.0e-5 / VOLUME_L) * times
    return times, p * (1 + 0.004 * rng.standard_normal(times.size))


def _rga_scan(
    path: Path,
    spectrum: Mapping[int, float],
    rng: np.random.Generator,
    *,
    day: dt.date,
    subject: tuple[str, str],
) -> list[Path]:
    """An analog scan, 10 points per amu from m/z 1 to 100: Gaussian peaks over a noisy zero baseline."""
    masses = np.round(np.arange(1.0, 100.05, 0.1), 1)
    signal = np.zeros_like(masses)
    for amu, pp in spectrum.items():
        signal += pp * np.exp(-0.5 * ((masses - amu) / 0.16) ** 2)
    signal += 2.0e-14 * rng.standard_normal(masses.size)
    total = sum(spectrum.values()) * 1.03
    lines = [
        "RGA scan",
        "Instrument: SRS RGA100 SN 21877",
        "Scan mode: analog, 10 points/amu",
        "Mass range: 1-100",
        "Units: mbar",
        f"Total pressure: {total:.3E} mbar",
        "Test state: unbaked, 24 h pump-down, turbo 300 L/s",
        "mass,pressure",
    ]
    lines += [f"{m:.1f},{s:.3E}" for m, s in zip(masses, signal, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [path, write_sidecar(path, kind="rga_scan", issuer=VENDOR, test_date=day, subject=subject)]


def _json(path: Path, document: dict[str, object]) -> list[Path]:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [path]


def _outgassing_report(path: Path, *, rate: str, day: dt.date, subject: tuple[str, str]) -> list[Path]:
    lines = [
        "Outgassing rate report",
        "Method: throughput (orifice) method, 24 h after pump-down, unbaked",
        "Material: electropolished 316L chamber interior, 1.05 m²",
        f"Outgassing rate: {rate}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [path, write_sidecar(path, kind="outgassing_test", issuer=VENDOR, test_date=day, subject=subject)]


_WETTED_OK = (
    Analyte("Na", 1.2, 0.3),
    Analyte("K", None, 0.5),
    Analyte("Ca", 0.8, 0.3),
    Analyte("Fe", 2.3, 0.2, "56Fe"),
    Analyte("Cr", 0.4, 0.1, "52Cr"),
    Analyte("Ni", None, 0.2, "60Ni"),
    Analyte("Cu", None, 0.1, "Cu(63)"),
    Analyte("Zn", 0.3, 0.1, "Zn 66"),
)
_WETTED_BAD = (
    Analyte("Na", 1.4, 0.3),
    Analyte("K", None, 0.5),
    Analyte("Ca", 0.9, 0.3),
    Analyte("Fe", 14.5, 0.2, "56Fe"),
    Analyte("Cr", 1.1, 0.1, "52Cr"),
    Analyte("Ni", None, 0.2, "60Ni"),
    Analyte("Cu", None, 2.0, "Cu(63)"),
)


def _mix(*spectra: Mapping[int, float]) -> dict[int, float]:
    return {m: sum(sp.get(m, 0.0) for sp in spectra) for sp in spectra for m in sp}


@dataclass(frozen=True, slots=True)
class _Scenario:
    """One chamber's evidence package, as parameters."""

    subject: tuple[str, str]
    day: dt.date
    leaks: tuple[tuple[str, str, str, str], ...]  # file name, leak rate, mode, background (mbar l/s)
    saturating: bool
    rga: tuple[tuple[str, Mapping[int, float]], ...]
    base_pressure_mbar: float
    pumpdown_h: float
    outgassing: str
    elastomer: tuple[str, float, float, float]  # material, TML, CVCM, WVR (%)
    wetted: tuple[Analyte, ...]
    no_silicone: bool


_PASSING = _Scenario(
    subject=CHAMBER,
    day=dt.date(2026, 2, 3),
    leaks=(("helium-leak.txt", "< 5.0E-11", "spray", "5E-12"),),
    saturating=True,
    rga=(("rga-scan.csv", _CLEAN_SPECTRUM),),
    base_pressure_mbar=3.2e-8,
    pumpdown_h=48,
    outgassing="3.1E-7 Pa·m³/(s·m²)",
    elastomer=("FKM O-ring compound V-747 (example)", 0.31, 0.02, 0.05),
    wetted=_WETTED_OK,
    no_silicone=True,
)
_FAILING = _Scenario(
    subject=REJECTED,
    day=dt.date(2026, 2, 17),
    leaks=(
        ("helium-leak-over-limit.txt", "3.4E-9", "spray", "6E-12"),
        ("helium-leak-insensitive.txt", "< 5.0E-9", "hood", "1E-10"),
        ("helium-leak-sniffer-mode.txt", "< 1.0E-7", "sniffer", "2E-8"),
    ),
    saturating=False,
    rga=(
        ("rga-scan-air-leak.csv", _mix(_CLEAN_SPECTRUM, _AIR_LEAK)),
        ("rga-scan-pump-oil.csv", _mix(_CLEAN_SPECTRUM, _PUMP_OIL)),
    ),
    base_pressure_mbar=2.4e-7,
    pumpdown_h=26,
    outgassing="2.6E-6 Pa·m³/(s·m²)",
    elastomer=("VMQ silicone O-ring (example)", 0.9, 0.35, 0.02),
    wetted=_WETTED_BAD,
    no_silicone=False,
)


def _vacuum_files(out: Path, sc: _Scenario, rng: np.random.Generator) -> list[Path]:
    written: list[Path] = []
    for k, (name, rate, mode, background) in enumerate(sc.leaks):
        day = sc.day - dt.timedelta(days=k)
        written += _leak_report(
            out / name, rate=rate, mode=mode, background=background, day=day, subject=sc.subject
        )
    times, curve = _rise_curve(rng, saturating=sc.saturating)
    name = "rate-of-rise-saturating.csv" if sc.saturating else "rate-of-rise-linear-leak.csv"
    written += _rise_log(out / name, curve, times, day=sc.day, subject=sc.subject)
    for k, (name, spectrum) in enumerate(sc.rga):
        written += _rga_scan(out / name, spectrum, rng, day=sc.day - dt.timedelta(days=k), subject=sc.subject)
    base = {
        "kind": "base_pressure_test",
        "issuer": VENDOR,
        "test_date": sc.day.isoformat(),
        "method": "cold-cathode gauge reading",
        "subject": {"type": sc.subject[0], "id": sc.subject[1]},
        "instrument": {"model": "PKR 361", "serial": "PKR-77120", "calibration_date": "2025-11-20"},
        "pressure": {"value": sc.base_pressure_mbar, "unit": "mbar"},
        "pumpdown_hours": sc.pumpdown_h,
        "baked": False,
    }
    written += _json(out / "base-pressure.json", base)
    written += _outgassing_report(
        out / "chamber-outgassing-rate.txt", rate=sc.outgassing, day=sc.day, subject=sc.subject
    )
    return written


def _material_files(out: Path, sc: _Scenario, rng: np.random.Generator) -> list[Path]:
    material, tml, cvcm, wvr = sc.elastomer
    written = write_e595(
        out / "e595-door-oring.csv",
        material=material,
        tml=tml,
        cvcm=cvcm,
        wvr=wvr,
        rng=rng,
        test_date=sc.day - dt.timedelta(days=20),
        subject=sc.subject,
    )
    written += write_icpms(
        out / "icpms-wetted-parts.csv",
        sc.wetted,
        unit="µg/m²",
        basis="per area",
        matrix="UPW extraction of wetted surfaces, 24 h at 85 °C",
        wetted_area="0.42 m²",
        test_date=sc.day - dt.timedelta(days=10),
        subject=sc.subject,
    )
    written += write_declaration(
        out / "declaration.json",
        statements={"no_silicone_lubricants": sc.no_silicone, "rohs_compliant": True},
        materials=["316L EP", "FKM", "PTFE"],
        test_date=sc.day,
        subject=sc.subject,
    )
    return written


def generate(out_dir: Path, *, seed: int = 0) -> list[Path]:
    """Write the passing chamber package into ``out_dir``, the failing variants into ``out_dir/failing``."""
    rng = np.random.default_rng(seed)
    written: list[Path] = []
    for out, scenario in ((out_dir, _PASSING), (out_dir / "failing", _FAILING)):
        out.mkdir(parents=True, exist_ok=True)
        written += _vacuum_files(out, scenario, rng) + _material_files(out, scenario, rng)
    return written
