"""Classify a large particle-counter export three ways and compare speed and peak memory.

    .venv/bin/python -m bench.classify                 # 10 million samples (generated once, cached)
    .venv/bin/python -m bench.classify --rows 200000   # a quick run

The export (27 locations of a 1000 m² ISO 5 room, Lighthouse dialect: cumulative counts, litres, status
column, ~0.1 % of samples flagged invalid) is generated under ``bench/out/`` and reused. Then, each in a
fresh subprocess so that its peak RSS is its own:

1. **qualbridge**: ``load_evidence`` (the particle-counter parser with every validation and the file
   digest: its compiled row scan, as for any plain export), then the best ISO 14644-1 class per size
   from the standards module's ``classify`` when it exists, else from the per-location means against
   the class limits;
   **qualbridge-polars**: the same with the compiled scan switched off, i.e. the parser's general path
   (the streaming Polars reader) that files the scan declines take; shown for reference;
2. **pandas**: a straightforward ``read_csv`` → drop invalid rows → concentrations → ``groupby`` mean;
3. **loop**: a plain ``csv``-module loop accumulating per-location sums.

All three must find the same per-location means (relative difference < 1e-9). Each implementation runs
``--repeat`` times; the median time and the highest peak RSS are reported, with the ratios
QualBridge/pandas and QualBridge/loop (higher is faster).
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import math
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "out"
LOCATIONS = 27  # ISO 14644-1 Table A.1: a room of up to 1000 m² needs 27 sampling locations
ISO_CLASS = 5.0
INVALID = ("Flow Error", "Laser Error")
Result = dict[str, Any]


# --- the export --------------------------------------------------------------------------------------


def export_path(rows: int) -> Path:
    return OUT / f"particles_{rows}.csv"


def export(rows: int) -> None:
    """Write the export (in a child process: the parent stays small, see :func:`_child`)."""
    from qualbridge.demo.particles import SurveyPlan, write_survey

    path = export_path(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    plan = SurveyPlan(
        iso_class=ISO_CLASS,
        area_m2=1000.0,
        locations=LOCATIONS,
        samples_per_location=-(-rows // LOCATIONS),
        invalid_fraction=0.001,
        hot_location=LOCATIONS // 2,
    )
    started = time.perf_counter()
    write_survey(path, plan, dialect="lighthouse")
    took = time.perf_counter() - started
    print(f"generated {plan.rows:,} samples ({path.stat().st_size / 1e6:,.0f} MB) in {took:.1f} s → {path}")


# --- classes from location means ------------------------------------------------------------------------


def _limit_function() -> Callable[[float, float], float]:
    try:
        module = importlib.import_module("qualbridge.standards.iso14644_1")
        limit: Callable[[float, float], float] = module.class_limit
        return limit
    except (ImportError, AttributeError):
        return lambda n, d: 10**n * (0.1 / d) ** 2.08


def best_classes(sizes: list[float], means: dict[str, list[float]]) -> dict[str, float | None]:
    """Per size, the lowest class (0.1 steps) whose limit every location mean meets."""
    limit = _limit_function()
    found: dict[str, float | None] = {}
    for k, size in enumerate(sizes):
        worst = max(m[k] for m in means.values())
        steps = (n / 10 for n in range(10, 91))
        found[f"{size:g}"] = next((n for n in steps if worst <= limit(n, size)), None)
    return found


def _standard_classify() -> Callable[..., Any] | None:
    for name in ("qualbridge.standards.iso14644_1", "qualbridge.standards.iso14644_1_survey"):
        try:
            fn = getattr(importlib.import_module(name), "classify", None)
        except ImportError:
            continue
        if fn is not None:
            return fn  # type: ignore[no-any-return]
    return None


# --- the three implementations ----------------------------------------------------------------------


def run_qualbridge_polars(path: Path) -> Result:
    from qualbridge.evidence.parsers.particle_counter import _fast

    _fast._rows = None  # type: ignore[assignment]  # this process only: the general path
    return run_qualbridge(path)


def run_qualbridge(path: Path) -> Result:
    from qualbridge.evidence.models import ParticleSurvey
    from qualbridge.evidence.parsers import load_evidence

    ev = load_evidence(path)
    assert isinstance(ev, ParticleSurvey)
    means = {loc.name: loc.mean_per_m3 for loc in ev.locations}
    classify = _standard_classify()
    if classify is not None:
        result = classify(ev)
        classes = {f"{s.size_um:g}": s.iso_class for s in result.sizes}
        how = f"{classify.__module__}.classify"
    else:
        classes, how = best_classes(ev.sizes_um, means), "location means vs class limits"
    return {
        "samples": sum(loc.samples for loc in ev.locations),
        "means": means,
        "classes": classes,
        "how": how,
    }


def _header_line(path: Path) -> int:
    with path.open(encoding="utf-8") as fh:
        return next(i for i, line in enumerate(fh) if line.startswith("Date Time,"))


def run_pandas(path: Path) -> Result:
    import pandas as pd  # type: ignore[import-untyped]  # pandas-stubs is not a dev dependency

    df = pd.read_csv(path, skiprows=_header_line(path))
    df = df[~df["Status"].isin(INVALID)]
    channels = [c for c in df.columns if c.endswith("µm")]
    conc = df[channels].div(df["Sample Volume (L)"], axis=0) * 1000.0
    conc["Location"] = df["Location"]
    grouped = conc.groupby("Location")[channels].mean()
    means = {
        str(name): [float(v) for v in row]
        for name, row in zip(grouped.index, grouped.to_numpy(), strict=True)
    }
    sizes = [float(c.split()[0]) for c in channels]
    return {
        "samples": len(df),
        "means": means,
        "classes": best_classes(sizes, means),
        "how": "location means",
    }


class _Location:
    __slots__ = ("excluded", "maxima", "samples", "sums", "volume_min", "volume_sum")

    def __init__(self, sizes: int) -> None:
        self.samples = self.excluded = 0
        self.sums, self.maxima = [0.0] * sizes, [0.0] * sizes
        self.volume_min, self.volume_sum = math.inf, 0.0


def run_loop(path: Path) -> Result:
    """The parser's statistics and checks, row by row: what a careful plain-Python reader does."""
    stats: dict[str, _Location] = {}
    first = _header_line(path)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        for _ in range(first):
            next(reader)
        header = next(reader)
        location, volume, status = (header.index(n) for n in ("Location", "Sample Volume (L)", "Status"))
        channels = [i for i, name in enumerate(header) if name.endswith("µm")]
        for line, row in enumerate(reader, start=first + 2):
            if not row:
                continue
            loc = stats.get(row[location]) or stats.setdefault(row[location], _Location(len(channels)))
            if row[status] in INVALID:
                loc.excluded += 1
                continue
            litres = float(row[volume])
            counts = [float(row[i]) for i in channels]
            if not litres > 0 or not all(0 <= c < math.inf for c in counts):
                raise ValueError(f"line {line}: a count or the volume is not a number ≥ 0")
            if any(b > a for a, b in pairwise(counts)):
                raise ValueError(f"line {line}: cumulative counts increase with size")
            scale = 1000.0 / litres
            loc.samples += 1
            loc.volume_min = min(loc.volume_min, litres)
            loc.volume_sum += litres
            for k, c in enumerate(counts):
                conc = c * scale
                loc.sums[k] += conc
                if conc > loc.maxima[k]:
                    loc.maxima[k] = conc
    means = {name: [s / loc.samples for s in loc.sums] for name, loc in stats.items() if loc.samples}
    sizes = [float(header[i].split()[0]) for i in channels]
    samples = sum(loc.samples for loc in stats.values())
    return {
        "samples": samples,
        "means": means,
        "classes": best_classes(sizes, means),
        "how": "location means",
    }


IMPLEMENTATIONS: dict[str, Callable[[Path], Result]] = {
    "qualbridge": run_qualbridge,
    "qualbridge-polars": run_qualbridge_polars,
    "pandas": run_pandas,
    "loop": run_loop,
}


# --- measuring ------------------------------------------------------------------------------------------


def _warm(name: str) -> None:
    """Import what an implementation uses before the clock starts: start-up is not what is measured."""
    _limit_function()
    if name.startswith("qualbridge"):
        from qualbridge.evidence.parsers import parsers

        parsers()
        _standard_classify()
    elif name == "pandas":
        import pandas  # noqa: F401


def measure(name: str, path: Path) -> None:
    """Run one implementation in this process and print its figures as one JSON line."""
    _warm(name)
    started = time.perf_counter()
    result = IMPLEMENTATIONS[name](path)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    print(json.dumps({"name": name, "seconds": seconds, "peak_mb": peak_mb, **result}))


def _child(*args: str) -> str:
    # Linux keeps a process's peak RSS across fork and exec, so a child's getrusage includes its parent's
    # peak: the parent therefore imports nothing heavy, and generates the export in a child of its own.
    cmd = [sys.executable, "-m", "bench.classify", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=Path(__file__).parent.parent)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def _run(name: str, path: Path) -> Result:
    result: Result = json.loads(_child("--measure", name, str(path)).strip().splitlines()[-1])
    return result


def _agree(a: Result, b: Result) -> bool:
    if a["means"].keys() != b["means"].keys():
        return False
    return all(
        abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1.0)
        for name, values in a["means"].items()
        for x, y in zip(values, b["means"][name], strict=True)
    )


def compare(path: Path, repeat: int) -> None:
    runs: dict[str, list[Result]] = {name: [] for name in IMPLEMENTATIONS}
    for _ in range(repeat):
        for name in IMPLEMENTATIONS:  # interleaved, so that a slow spell of the machine hits all three
            runs[name].append(_run(name, path))
    summary = {
        name: {
            "seconds": statistics.median(r["seconds"] for r in results),
            "all": [round(r["seconds"], 2) for r in results],
            "peak_mb": max(r["peak_mb"] for r in results),
            "samples": results[0]["samples"],
        }
        for name, results in runs.items()
    }
    reference = runs["qualbridge"][0]
    for name, results in runs.items():
        if not _agree(reference, results[0]):
            raise SystemExit(f"{name} disagrees with qualbridge on the location means")
    rows = sum(1 for _ in path.open("rb")) - _header_line(path) - 1
    print(f"\n{rows:,} rows ({reference['samples']:,} valid samples), {path.stat().st_size / 1e6:,.0f} MB")
    print(f"{'':<18}{'median s':>10}{'rows/s':>14}{'peak MB':>10}   runs (s)")
    for name, s in summary.items():
        print(
            f"{name:<18}{s['seconds']:>10.2f}{rows / s['seconds']:>14,.0f}{s['peak_mb']:>10.0f}   {s['all']}"
        )
    qb = summary["qualbridge"]["seconds"]
    print(f"\nQualBridge/pandas: {summary['pandas']['seconds'] / qb:.1f}× faster   (target ≥ 3×)")
    print(f"QualBridge/loop:   {summary['loop']['seconds'] / qb:.1f}× faster   (target ≥ 30×)")
    print(f"QualBridge peak:   {summary['qualbridge']['peak_mb']:.0f} MB          (target < 2048 MB)")
    general = summary["qualbridge-polars"]["seconds"]
    print(
        f"General path (Polars): {summary['pandas']['seconds'] / general:.1f}× pandas, "
        f"{summary['loop']['seconds'] / general:.1f}× the loop"
    )
    print(f"\nclasses per size ({reference['how']}): {reference['classes']}")
    print(f"classes per size (baselines, location means vs limits): {runs['pandas'][0]['classes']}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000, help="samples in the export")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each implementation (median)")
    parser.add_argument("--regenerate", action="store_true", help="write the export again")
    parser.add_argument("--measure", nargs=2, metavar=("IMPL", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        measure(args.measure[0], Path(args.measure[1]))
    elif args.generate:
        export(args.rows)
    else:
        path = export_path(args.rows)
        if args.regenerate or not path.exists():
            print(_child("--generate", "--rows", str(args.rows)).strip())
        compare(path, args.repeat)


if __name__ == "__main__":
    main()
