"""Deterministic particle-counter exports for demos, tests and benchmarks.

A survey of a room: each location has a true cumulative concentration per size, a fraction of the class
limit scaled by a lognormal location factor (rooms are not uniform); one optional "hot" location sits
above the limit. Each sample counts Poisson-distributed particles in size bins (so cumulative counts never
increase with size), in the sampled volume. Everything is drawn with numpy from the plan's seed, chunk by
chunk, and written by Polars: ten million rows take seconds and bounded memory, and the same plan and
chunk size always give the same bytes.

The same survey can be written in several vendor dialects (:data:`DIALECTS`), with the metadata sidecar
``FILE.meta.yaml`` that :func:`qualbridge.evidence.parsers.load_evidence` merges. The returned
:class:`SurveyTruth` holds what a correct parser must find.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl
import yaml

from qualbridge.standards.iso14644_1 import class_limit, in_scope

CUBIC_FOOT_L = 28.316846592
SIZES_UM: tuple[float, ...] = (0.3, 0.5, 1.0, 5.0)
CHUNK_ROWS = 1_000_000


def formula_limit(iso_class: float, size_um: float) -> float:
    """ISO 14644-1 Cn = 10^N × (0.1/D)^2.08 particles/m³, unrounded (standards-facts §1.2)."""
    return float(10.0**iso_class * (0.1 / size_um) ** 2.08)


def _limit(iso_class: float, size_um: float) -> float:
    """The Table 1 limit where the standard's scope reaches (0.1–5 µm), the bare formula beyond it.

    The generator needs a level for every channel, including cells the standard does not classify
    (ISO 5 at 5 µm) and channels beyond its scope (10 µm), where the formula still gives the scale.
    """
    return class_limit(iso_class, size_um) if in_scope(size_um) else formula_limit(iso_class, size_um)


@dataclass(frozen=True, slots=True)
class SurveyPlan:
    """What to generate. ``locations`` is given, not derived: choosing it is the standard's business."""

    iso_class: float = 5.0
    area_m2: float = 20.0
    locations: int = 6
    samples_per_location: int = 3
    sizes_um: tuple[float, ...] = SIZES_UM
    sample_volume_l: float = CUBIC_FOOT_L
    flow_lpm: float = CUBIC_FOOT_L
    fraction: float = 0.3
    spread: float = 0.5
    hot_location: int | None = None
    hot_factor: float = 2.5
    invalid_fraction: float = 0.0
    hold_s: float = 10.0
    start: dt.datetime = dt.datetime(2024, 3, 5, 8, 0, 0)
    seed: int = 14644

    @property
    def rows(self) -> int:
        return self.locations * self.samples_per_location

    @property
    def names(self) -> list[str]:
        width = max(2, len(str(self.locations)))
        return [f"L{i + 1:0{width}d}" for i in range(self.locations)]


@dataclass(frozen=True, slots=True)
class SurveyTruth:
    """What was generated, per location (in ``names`` order) and size: what a parser must find."""

    names: list[str]
    sizes_um: list[float]
    expected_per_m3: list[list[float]]
    mean_per_m3: list[list[float]]
    max_per_m3: list[list[float]]
    samples: list[int]
    excluded: list[int]


def expected_concentrations(plan: SurveyPlan) -> npt.NDArray[np.float64]:
    """True cumulative concentration (per m³) per location and size."""
    rng = np.random.default_rng([plan.seed, 0])
    limits = np.array([_limit(plan.iso_class, d) for d in plan.sizes_um])
    factors = plan.fraction * rng.lognormal(
        mean=-(plan.spread**2) / 2, sigma=plan.spread, size=plan.locations
    )
    if plan.hot_location is not None:
        factors[plan.hot_location] = plan.hot_factor
    expected: npt.NDArray[np.float64] = np.outer(factors, limits)
    return expected


# --- dialects ------------------------------------------------------------------------------------------

Basis = Literal["counts", "per_m3", "per_ft3"]


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one vendor family writes a survey."""

    name: str
    delimiter: str
    decimal_comma: bool
    mode: Literal["cumulative", "differential"]
    basis: Basis
    volume_column: tuple[str, float] | None  # (header, litres per unit)
    channel: Callable[[int, float], str]
    location: str
    timestamp: tuple[str, ...]  # one column, or date and time columns
    datetime_format: str
    status: str | None
    metadata: Callable[[SurveyPlan], list[tuple[str, str]]]
    metadata_separator: str


def _size(d: float, comma: bool = False) -> str:
    text = f"{d:.1f}" if d < 10 else f"{d:g}"
    return text.replace(".", ",") if comma else text


def _instrument(model: str, serial: str) -> list[tuple[str, str]]:
    return [("Model", model), ("Serial Number", serial)]


def _calibration(
    plan: SurveyPlan, label: str, *, days_before: int, day_first: bool = False
) -> list[tuple[str, str]]:
    """A counter calibrated ``days_before`` the survey and due a year later (the usual interval)."""
    done = plan.start.date() - dt.timedelta(days=days_before)
    due = done + dt.timedelta(days=365)
    fmt = "%d.%m.%Y" if day_first else "%Y-%m-%d"
    return [(label, done.strftime(fmt)), ("Calibration Due", due.strftime(fmt))]


DIALECTS: dict[str, Dialect] = {
    d.name: d
    for d in (
        Dialect(
            name="lighthouse",
            delimiter=",",
            decimal_comma=False,
            mode="cumulative",
            basis="counts",
            volume_column=("Sample Volume (L)", 1.0),
            channel=lambda i, d: f"{_size(d)} µm",
            location="Location",
            timestamp=("Date Time",),
            datetime_format="%Y-%m-%d %H:%M:%S",
            status="Status",
            metadata=lambda p: [
                *_instrument("Solair 3100", "LH-1170032"),
                ("Flow Rate", f"{p.flow_lpm / CUBIC_FOOT_L:.1f} CFM"),
                *_calibration(p, "Calibration Date", days_before=50),
                ("Count Mode", "Cumulative"),
                ("Operator", "J. Chen"),
            ],
            metadata_separator=": ",
        ),
        Dialect(
            name="tsi",
            delimiter=",",
            decimal_comma=False,
            mode="differential",
            basis="counts",
            volume_column=("Volume (ft3)", CUBIC_FOOT_L),
            channel=lambda i, d: f"Ch{i + 1} {_size(d)}",
            location="Location",
            timestamp=("Date", "Time"),
            datetime_format="%m/%d/%Y %H:%M:%S",
            status="Alarms",
            metadata=lambda p: [
                ("Instrument", "AeroTrak 9310"),
                ("Serial Number", "931012345"),
                ("Flow Rate", f"{p.flow_lpm / CUBIC_FOOT_L:.1f} CFM"),
                *_calibration(p, "Last Calibration", days_before=33),
                ("Count Mode", "Differential"),
            ],
            metadata_separator=",",
        ),
        Dialect(
            name="metone",
            delimiter=";",
            decimal_comma=True,
            mode="cumulative",
            basis="per_m3",
            volume_column=None,
            channel=lambda i, d: f"≥{_size(d, comma=True)} µm (/m³)",
            location="Point",
            timestamp=("Date/Time",),
            datetime_format="%d.%m.%Y %H:%M:%S",
            status="Status",
            metadata=lambda p: [
                *_instrument("Met One 3445", "M3445-2219"),
                ("Flow", f"{p.flow_lpm:.1f} L/min".replace(".", ",")),
                ("Sample Time", _hms(p.sample_volume_l / p.flow_lpm * 60.0)),
                *_calibration(p, "Calibration Date", days_before=45, day_first=True),
            ],
            metadata_separator=": ",
        ),
        Dialect(
            name="pms",
            delimiter="\t",
            decimal_comma=False,
            mode="cumulative",
            basis="counts",
            volume_column=("Volume (m3)", 1000.0),
            channel=lambda i, d: f">={_size(d)}um",
            location="Sample Point",
            timestamp=("Timestamp",),
            datetime_format="%Y-%m-%dT%H:%M:%S",
            status="Flags",
            metadata=lambda p: [
                *_instrument("Lasair III 310C", "PMS-310-5512"),
                ("Flow Rate", f"{p.flow_lpm / CUBIC_FOOT_L:.1f} CFM"),
                *_calibration(p, "Calibration Date", days_before=124),
            ],
            metadata_separator="\t",
        ),
    )
}


def _hms(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


# --- writing ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Accumulator:
    sums: npt.NDArray[np.float64]
    maxima: npt.NDArray[np.float64]
    samples: npt.NDArray[np.int64]
    excluded: npt.NDArray[np.int64]

    @classmethod
    def empty(cls, locations: int, sizes: int) -> _Accumulator:
        return cls(
            np.zeros((locations, sizes)),
            np.zeros((locations, sizes)),
            np.zeros(locations, dtype=np.int64),
            np.zeros(locations, dtype=np.int64),
        )

    def add(
        self, loc: npt.NDArray[np.int64], conc: npt.NDArray[np.float64], valid: npt.NDArray[np.bool_]
    ) -> None:
        for k in range(conc.shape[1]):
            self.sums[:, k] += np.bincount(loc[valid], weights=conc[valid, k], minlength=len(self.samples))
            np.maximum.at(self.maxima[:, k], loc[valid], conc[valid, k])
        self.samples += np.bincount(loc[valid], minlength=len(self.samples))
        self.excluded += np.bincount(loc[~valid], minlength=len(self.samples))


@dataclass(slots=True)
class _Chunk:
    location: npt.NDArray[np.int64]
    cumulative: npt.NDArray[np.int64]
    valid: npt.NDArray[np.bool_]
    start_s: npt.NDArray[np.float64]
    failure_kind: npt.NDArray[np.int64]  # for invalid samples: 0 flow error, 1 laser error


def _chunks(plan: SurveyPlan, expected: npt.NDArray[np.float64], chunk_rows: int) -> Iterator[_Chunk]:
    """Samples in time order (location after location), drawn chunk by chunk from per-chunk seeds."""
    mean_counts = expected * plan.sample_volume_l / 1000.0
    bins = mean_counts - np.concatenate([mean_counts[:, 1:], np.zeros((plan.locations, 1))], axis=1)
    bins = np.clip(bins, 0.0, None)
    period = plan.sample_volume_l / plan.flow_lpm * 60.0 + plan.hold_s
    for number, first in enumerate(range(0, plan.rows, chunk_rows)):
        rng = np.random.default_rng([plan.seed, 1, number])
        index = np.arange(first, min(first + chunk_rows, plan.rows), dtype=np.int64)
        location = index // plan.samples_per_location
        differential = rng.poisson(bins[location])
        cumulative = np.cumsum(differential[:, ::-1], axis=1)[:, ::-1]
        failures = rng.random(len(index)) < plan.invalid_fraction
        start_s = index.astype(np.float64) * period
        yield _Chunk(location, cumulative, ~failures, start_s, rng.integers(0, 2, len(index)))


def _frame(plan: SurveyPlan, dialect: Dialect, chunk: _Chunk) -> tuple[pl.DataFrame, npt.NDArray[np.float64]]:
    """One chunk as the dialect writes it, and the concentrations (per m³) a parser must compute."""
    names = pl.Series(plan.names, dtype=pl.String)
    stamps = pl.Series(np.datetime64(plan.start, "ms") + (chunk.start_s * 1000).astype("timedelta64[ms]"))
    columns: dict[str, pl.Series] = {}
    if len(dialect.timestamp) == 2:
        columns[dialect.timestamp[0]] = stamps.dt.date()
        columns[dialect.timestamp[1]] = stamps.dt.time()
    else:
        columns[dialect.timestamp[0]] = stamps
    columns[dialect.location] = names.gather(chunk.location)
    volume_l = plan.sample_volume_l
    if dialect.volume_column is not None:
        # The export writes the volume rounded in its own unit; concentrations follow what it writes.
        header, litres = dialect.volume_column
        written = float(f"{plan.sample_volume_l / litres:.4g}")
        columns[header] = pl.Series(np.full(len(chunk.location), written))
        volume_l = written * litres
    if dialect.status is not None:
        code = np.where(chunk.valid, 0, 1 + chunk.failure_kind)
        columns[dialect.status] = pl.Series(["OK", "Flow Error", "Laser Error"]).gather(code)
    values: npt.NDArray[Any] = chunk.cumulative
    conc: npt.NDArray[np.float64]
    if dialect.basis == "counts":
        conc = chunk.cumulative.astype(np.float64) * (1000.0 / volume_l)
    else:
        per = (
            1000.0 / plan.sample_volume_l
            if dialect.basis == "per_m3"
            else CUBIC_FOOT_L / plan.sample_volume_l
        )
        values = np.round(chunk.cumulative.astype(np.float64) * per, 1)
        conc = values * (1.0 if dialect.basis == "per_m3" else 1000.0 / CUBIC_FOOT_L)
    if dialect.mode == "differential":
        values = values - np.concatenate([values[:, 1:], np.zeros((len(values), 1), values.dtype)], axis=1)
    for k, d in enumerate(plan.sizes_um):
        columns[dialect.channel(k, d)] = pl.Series(values[:, k])
    return pl.DataFrame(columns), conc


def write_survey(
    path: Path,
    plan: SurveyPlan,
    *,
    dialect: str = "lighthouse",
    meta: Mapping[str, Any] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> SurveyTruth:
    """Write ``plan`` as a ``dialect`` export to ``path`` plus its ``.meta.yaml`` sidecar."""
    d = DIALECTS[dialect]
    expected = expected_concentrations(plan)
    acc = _Accumulator.empty(plan.locations, len(plan.sizes_um))
    with path.open("w", encoding="utf-8", newline="") as fh:
        for key, value in d.metadata(plan):
            fh.write(f"{key}{d.metadata_separator}{value}\n")
        fh.write("\n")
        for number, chunk in enumerate(_chunks(plan, expected, chunk_rows)):
            frame, conc = _frame(plan, d, chunk)
            acc.add(chunk.location, conc, chunk.valid)
            frame.write_csv(
                fh,
                include_header=number == 0,
                separator=d.delimiter,
                decimal_comma=d.decimal_comma,
                float_precision=None if d.basis == "counts" else 1,
                datetime_format=d.datetime_format,
                date_format=d.datetime_format.split(" ")[0],
                time_format=d.datetime_format.split(" ")[-1],
            )
    sidecar = {
        "issuer": "QualBridge Demo Cleanroom Services",
        "test_date": plan.start.date().isoformat(),
        "method": "ISO 14644-1:2015",
        "subject": {"type": "room", "id": "DEMO-FAB1-C3", "name": "Demo cleanroom C3"},
        "occupancy": "at-rest",
        "area_m2": plan.area_m2,
        **(meta or {}),
    }
    path.with_name(path.name + ".meta.yaml").write_text(yaml.safe_dump(sidecar, allow_unicode=True), "utf-8")
    samples = acc.samples.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = acc.sums / samples[:, None]
    return SurveyTruth(
        names=plan.names,
        sizes_um=list(plan.sizes_um),
        expected_per_m3=expected.tolist(),
        mean_per_m3=[[v if math.isfinite(v) else 0.0 for v in row] for row in means.tolist()],
        max_per_m3=acc.maxima.tolist(),
        samples=acc.samples.tolist(),
        excluded=acc.excluded.tolist(),
    )
