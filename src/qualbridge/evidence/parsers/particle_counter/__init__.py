"""Particle-counter exports (ISO 14644-1 surveys) → :class:`~qualbridge.evidence.models.ParticleSurvey`.

Reads the CSV/text exports of light-scattering airborne particle counters (Lighthouse, TSI, Beckman/Met
One, Particle Measuring Systems, Rion, Climet...). What the parser understands:

- metadata lines above the table, ``key: value`` or ``key,value``: model, serial number, flow rate
  (``1.0 CFM``, ``28.3 L/min``, ``50 LPM``), calibration date and due date, location or room, operator,
  sample time, sample volume, counting mode (cumulative/differential) and units;
- the header row: the first with at least two particle-channel columns; delimiter ``,`` ``;`` or tab;
  a UTF-8 BOM; decimal commas with ``;``/tab delimiters; a units row right below the header;
- channel names such as ``0.3``, ``0.3 µm``, ``>=0.5``, ``Ch1 0.3``, ``0.5 Cumulative``, ``0.5um Diff``,
  ``Size 0.3 (counts)``, ``0.3 (/m3)``, ``0.5 µm [p/ft³]`` (grammar in :mod:`._names`);
- cumulative or differential channels: from the column names, the metadata or the mapping; otherwise
  counts that increase with size in any row prove differential channels, and if none do the channels
  are read as cumulative and the evidence notes say so. Differential values are summed into cumulative
  (≥ size) values, which is what ISO 14644-1 classifies;
- counts with a sample volume (a column in L, ft³ or m³; a metadata line; or flow rate × sample time),
  or concentrations per m³, ft³ or L (the volume is then still read where the export gives it, for the
  sample-volume rule; when it does not, the notes say so). Concentration = counts ÷ volume (L) × 1000;
- one row per sample: a location column (``Location``, ``Loc``, ``Point``, ``Position``,
  ``Sample Point``...) or one location from the metadata; timestamps (used for the test date and, when
  nothing else gives it, the sample duration); status and flag columns: alarm flags are kept and
  counted, rows the instrument flags invalid (``Flow Error``, ``Laser Error``...) are excluded, counted
  and reported in the notes.

Names are recognised in English, and in the German and Chinese forms that exports from those markets use
(``Messpunkt``, ``Volumen (L)``; ``采样点``, ``采样体积(L)``, ``型号：``).

Large files are read columnar and streaming with Polars (see :mod:`._scan`): memory is bounded by the
number of (location, status) groups, not by the number of rows. Any bad row refuses the whole file with a
:class:`~qualbridge.errors.ParseError` naming the 1-based line, the column and what was expected.

Mapping file
------------
When detection cannot decide, a small YAML file (``--mapping``) says it. Every key is optional and
overrides detection; unknown keys are refused::

    header_line: 12               # 1-based line of the column header row
    delimiter: ";"                # ",", ";" or "tab"
    decimal: ","                  # decimal separator of the numbers: "." or ","
    channels:                     # column → particle size in µm (only these columns are read)
      "Bin A": 0.3
      "Bin B": 0.5
    mode: differential            # cumulative | differential
    values: counts                # counts | per_m3 | per_ft3 | per_l
    location: Probe               # the location column, or instead:
    location_name: C3-01          #   one location for the whole file
    locations: [L01, L02, L03]    # the only names allowed (any other is an error), or a renaming
                                  #   {raw: reported}, e.g. {"1": L01, "2": L02}
    volume: {column: Vol, unit: ft3}        # or {value: 28.3, unit: L}
    sample_time: {column: Dur, unit: s}     # or {value: 60, unit: s}; hh:mm:ss text needs no unit
    flow_rate: 1.0 CFM
    timestamp: {column: Time, format: "%d/%m/%Y %H:%M:%S"}   # or {date: D, time: T, format: ...}
    status:
      columns: [Flags]            # the status/flag columns (default: detected by name)
      invalid: [flow error, laser]   # words marking a sample invalid (replace the built-in list)
      alarm: [count alarm]        # words marking an alarm flag (kept, counted)
    ignore: [Temp, RH]            # columns never to interpret
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import polars as pl

from qualbridge.errors import ParseError, at
from qualbridge.evidence.models import Evidence
from qualbridge.evidence.parsers import build_evidence, file_digest, known_digest, parser
from qualbridge.evidence.parsers.particle_counter import _fast
from qualbridge.evidence.parsers.particle_counter._header import (
    HEADER_SEARCH_LINES,
    check_last_row,
    count_channels,
    read_head,
    split_line,
)
from qualbridge.evidence.parsers.particle_counter._layout import Layout, plan
from qualbridge.evidence.parsers.particle_counter._locate import (
    first_bad_row,
    structural_error,
    timestamp_gaps,
)
from qualbridge.evidence.parsers.particle_counter._mapping import ColumnMapping, load_mapping
from qualbridge.evidence.parsers.particle_counter._metadata import HeaderInfo
from qualbridge.evidence.parsers.particle_counter._names import Mode
from qualbridge.evidence.parsers.particle_counter._scan import (
    GroupRow,
    Numbers,
    Outcomes,
    aggregate,
    check_groups,
)
from qualbridge.text import Text

__all__ = ["parse_particle_counter", "read_survey", "sniff"]


def sniff(head: str) -> bool:
    """True when one of the first lines is a header with at least two particle-channel columns."""
    lines = head.splitlines()[:HEADER_SEARCH_LINES]
    return any(count_channels(split_line(line, d)) >= 2 for line in lines for d in (",", ";", "\t"))


@parser("particle_survey", name="particle-counter CSV", sniff=sniff, generic=True)
def parse_particle_counter(path: Path, meta: Mapping[str, Any], mapping: Path | None) -> Evidence:
    """One particle survey from a counter export; ``meta`` wins over what the file's header says."""
    known = known_digest(path)
    with ThreadPoolExecutor(max_workers=1) if known is None else nullcontext() as pool:
        # Hashing overlaps the scan: both release the GIL, and the digest of a large file is not free.
        digest = pool.submit(file_digest, path) if pool is not None else None
        try:
            data = read_survey(path, load_mapping(mapping), meta)
        except csv.Error as exc:  # a stray carriage return or quote the CSV grammar cannot read
            raise ParseError(f"unreadable CSV: {exc}", at(str(path))) from exc
        data["raw_digest"] = digest.result() if digest is not None else known
    return build_evidence(data, source=str(path))


def read_survey(path: Path, mapping: ColumnMapping, meta: Mapping[str, Any]) -> dict[str, Any]:
    """The evidence fields an export gives, merged with ``meta`` (which wins)."""
    meta = {k: v for k, v in meta.items() if v is not None}
    src = str(path)
    head = read_head(path, mapping)
    check_last_row(path, head)
    info = HeaderInfo.read(src, head.meta)
    layout = plan(src, head, info, mapping)
    outcomes = _outcomes(layout, layout.mode or "cumulative", mapping)
    notes = list(layout.notes)
    if layout.mode is None and (rows := outcomes.increasing_rows):
        outcomes = _outcomes(layout, "differential", mapping)
        notes.append(
            Text.of(
                f"channels read as differential: counts increase with size in {rows} rows",
                f"通道按差分计数读取：有 {rows} 行计数随粒径增大而增加",
            )
        )
    elif layout.mode is None:
        notes.append(
            Text.of(
                "channels assumed cumulative: the export does not say, and counts never increase with size",
                "通道假定为累计计数：导出文件未说明，且计数从未随粒径增大而增加",
            )
        )
    if outcomes.mode == "differential":
        notes.append(
            Text.of("differential counts summed into cumulative (≥ size)", "差分计数已累加为累计（≥粒径）")
        )
    notes += _status_notes(outcomes)
    gaps = timestamp_gaps(layout, outcomes.invalid_values) if layout.duration_from == "timestamps" else {}
    data: dict[str, Any] = {
        "kind": "particle_survey",
        "sizes_um": layout.sizes,
        "locations": _locations(layout, outcomes, gaps, notes),
        "flow_rate_lpm": layout.flow_lpm,
        "raw_filename": path.name,
    }
    if operator := info.text("operator"):
        notes.append(Text.of(f"operator: {operator}", f"操作人员：{operator}"))
    data.update(_header_fields(layout, info, meta))
    data.update({k: v for k, v in meta.items() if k not in ("instrument", "notes")})
    data["notes"] = "\n".join([*([str(meta["notes"])] if meta.get("notes") else []), *_render(notes)]) or None
    return {k: v for k, v in data.items() if v is not None}


def _aggregate(layout: Layout, mode: Mode) -> list[GroupRow]:
    """The groups, read the fastest way the file allows: a value the reader refuses sends it to the next."""
    if (groups := _fast.aggregate(layout, mode)) is not None:
        return groups
    tiers: tuple[Numbers, ...] = (
        ("integer", "float", "text") if layout.basis == "counts" else ("float", "text")
    )
    for numbers in tiers[:-1]:
        try:
            return aggregate(layout, mode, numbers=numbers)
        except pl.exceptions.ComputeError:
            continue
    try:
        return aggregate(layout, mode, numbers=tiers[-1])
    except pl.exceptions.ComputeError as exc:
        raise structural_error(layout, exc) from exc


def _outcomes(layout: Layout, mode: Mode, mapping: ColumnMapping) -> Outcomes:
    groups = _aggregate(layout, mode)
    outcomes = check_groups(layout, groups, mode, mapping.status)
    if "structure" in outcomes.problems:
        raise structural_error(layout)
    if outcomes.problems:
        raise first_bad_row(layout, outcomes.invalid_values, layout.mode)
    return outcomes


def _natural(name: str) -> list[Any]:
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name)]


def _locations(layout: Layout, outcomes: Outcomes, gaps: dict[str, float], notes: list[Text]) -> list[Any]:
    rename = layout.locations or {}
    excluded = {rename.get(k, k): n for k, n in outcomes.excluded.items()}
    if not outcomes.locations:
        raise ParseError(
            "no valid samples" + (f": all {sum(excluded.values())} are flagged invalid" if excluded else ""),
            at(layout.src, row=layout.head.data_line),
            expected="at least one sample row",
        )
    for name in sorted(set(excluded) - set(outcomes.locations) - {""}, key=_natural):
        notes.append(
            Text.of(
                f"location {name!r}: all {_samples(excluded[name])} flagged invalid; no statistics",
                f"位置“{name}”：全部 {excluded[name]} 个样本被标记无效；无统计数据",
            )
        )
    missing = sorted(set(rename.values()) - set(outcomes.locations) - set(excluded), key=_natural)
    if missing:
        notes.append(
            Text.of(
                "declared locations without samples: " + ", ".join(missing),
                "已声明但无样本的位置：" + "、".join(missing),
            )
        )
    raw_names = {v: k for k, v in rename.items()}
    out = []
    for name in sorted(outcomes.locations, key=_natural):
        t = outcomes.locations[name]
        duration = t.duration_min
        if layout.duration_from == "timestamps":
            duration = gaps.get(raw_names.get(name, name))
        elif layout.duration_from == "volume_flow" and t.volume_min is not None:
            duration = layout.duration_of_volume(t.volume_min)
        out.append(
            {
                "name": name,
                "samples": t.samples,
                "min_sample_volume_l": t.volume_min,
                "total_volume_l": t.volume_sum if t.volume_min is not None else None,
                "min_sample_duration_s": duration,
                "mean_per_m3": [s / t.samples for s in t.sums],
                "max_per_m3": t.maxima,
                "excluded_samples": excluded.get(name, 0),
                "flagged_samples": t.alarms,
            }
        )
    return out


def _status_notes(outcomes: Outcomes) -> list[Text]:
    notes: list[Text] = []
    if outcomes.excluded:
        total = sum(outcomes.excluded.values())
        statuses = "; ".join(sorted(outcomes.excluded_statuses))
        notes.append(
            Text.of(
                f"excluded {_samples(total)} that the instrument flagged invalid ({statuses})",
                f"{total} 个被仪器标记为无效的样本已排除（{statuses}）",
            )
        )
    alarms = sum(t.alarms for t in outcomes.locations.values())
    if alarms:
        notes.append(
            Text.of(f"{_samples(alarms)} with alarm flags kept", f"{alarms} 个样本带有报警标记，已保留")
        )
    if outcomes.unknown_statuses:
        shown = ", ".join(sorted(outcomes.unknown_statuses))
        notes.append(
            Text.of(
                f"status values not recognised, samples kept as valid: {shown}",
                f"无法识别的状态值，样本按有效保留：{shown}",
            )
        )
    return notes


def _header_fields(layout: Layout, info: HeaderInfo, meta: Mapping[str, Any]) -> dict[str, Any]:
    """Fields from the header lines, read only where ``meta`` does not already give them."""
    raw = meta.get("instrument")
    given: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    instrument: dict[str, Any] = {"model": info.text("model"), "serial": info.text("serial")}
    for name in ("calibration_date", "calibration_due"):
        instrument[name] = given.get(name) or info.date(name)
    instrument.update({k: v for k, v in given.items() if v is not None})
    instrument = {k: v for k, v in instrument.items() if v is not None}
    fields: dict[str, Any] = {"instrument": instrument or None}
    if "issuer" not in meta:
        fields["issuer"] = info.text("issuer")
    if "test_date" not in meta:
        fields["test_date"] = info.date("test_date") or layout.first_date()
    if "subject" not in meta and (room := info.text("room") or info.text("location")):
        fields["subject"] = {"type": "room", "id": room}
    return fields


def _samples(n: int) -> str:
    return f"{n} sample" if n == 1 else f"{n} samples"


def _render(notes: list[Text]) -> list[str]:
    return [f"{n.en} / {n.zh}" for n in notes]
