"""``qualbridge iso14644 limit|plan|classify``: ISO 14644-1:2015 class limits, sampling plans, classification.

A class is named as ISO ('5', '5.5', 'ISO 5') or by a FED-STD-209E name ('Class 100'); a 209E name is
always reported with how approximate its ISO equivalent is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text as RichText

from qualbridge import units
from qualbridge.cli._meta import MappingOption, MetaOption
from qualbridge.cli._output import (
    EXIT_FAILED_CHECK,
    JsonOption,
    LangOption,
    check_lang,
    console,
    emit,
    read_all,
)
from qualbridge.errors import EvidenceError, InputError, at
from qualbridge.evidence.models import ParticleSurvey
from qualbridge.evidence.parsers import load_evidence, read_meta
from qualbridge.standards import fs209e
from qualbridge.standards.iso14644_1 import (
    MIN_SAMPLE_DURATION_S,
    MIN_SAMPLES_SINGLE_LOCATION,
    OCCUPANCIES,
    OCCUPANCY_TEXT,
    TABLE_1_SIZES_UM,
    Occupancy,
    applicable_sizes,
    ceil_figures,
    cell,
    check_size,
    class_limit,
    class_states,
    designation,
    format_class,
    format_concentration,
    in_scope,
    locations_basis,
    min_locations,
    min_sample_volume_l,
    volume_basis,
)
from qualbridge.standards.iso14644_1_survey import Classification, classify
from qualbridge.text import Lang

iso_app = typer.Typer(
    help="ISO 14644-1:2015 cleanroom classes: limits, sampling plans, classification of survey data.",
    no_args_is_help=True,
)

ClassOption = typer.Option(
    ..., "--class", "-c", help="ISO class (5, 5.5, 'ISO 5') or a FED-STD-209E name ('Class 100')."
)
SizesOption = typer.Option([], "--size", "-s", help="Considered particle size in µm; repeat for several.")
OccupancyOption = typer.Option(None, "--occupancy", help="as-built, at-rest or operational.")
CHART_WIDTH = 40


def _bad(exc: InputError, hint: str) -> typer.BadParameter:
    text = exc.message + (f" (expected {exc.expected})" if exc.expected else "")
    return typer.BadParameter(text, param_hint=hint)


def _named_class(text: str) -> fs209e.ClassName:
    try:
        return fs209e.parse_class(text)
    except InputError as exc:
        raise _bad(exc, "--class") from exc


def _sizes(sizes: Sequence[float]) -> tuple[float, ...]:
    try:
        return tuple(sorted({check_size(s) for s in sizes}))
    except InputError as exc:
        raise _bad(exc, "--size") from exc


def _occupancy(text: str | None) -> Occupancy | None:
    for state in OCCUPANCIES:
        if text == state:
            return state
    if text is None:
        return None
    raise typer.BadParameter(f"use one of {', '.join(OCCUPANCIES)}", param_hint="--occupancy")


def _class_header(name: fs209e.ClassName, lang: Lang) -> None:
    n = format_class(name.iso_class)
    console.print(f"[bold]ISO Class {n}[/]" if lang == "en" else f"[bold]ISO {n} 级[/]")
    if name.note is not None:
        console.print(f"[yellow]{name.note(lang)}[/]")


# --- limit -------------------------------------------------------------------------------------------


def _limit_row(name: fs209e.ClassName, size: float) -> dict[str, Any]:
    c = cell(name.iso_class, size)
    value = class_limit(name.iso_class, size)
    old = fs209e.CLASSES[name.fs209e].limits_per_ft3.get(size) if name.fs209e is not None else None
    return {
        "size_um": size,
        "applicable": c.applicable,
        "limit_per_m3": value if c.applicable else None,
        "limit_per_ft3": units.convert(value, "particles/m³", "particles/ft³") if c.applicable else None,
        "formula_per_m3": value,
        "footnotes": sorted(c.footnotes),
        "reason": c.reason(),
        "fs209e_per_ft3": old,
    }


def _per_ft3(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _render_limits(name: fs209e.ClassName, rows: list[dict[str, Any]], lang: Lang) -> None:
    _class_header(name, lang)
    zh = lang == "zh"
    table = Table(title="ISO 14644-1:2015 Table 1" if not zh else "ISO 14644-1:2015 表 1")
    for col in ("size", "limit /m³", "≈ /ft³", "notes") if not zh else ("粒径", "限值 /m³", "≈ /ft³", "注"):
        table.add_column(col, justify="right" if col != "notes" and col != "注" else "left")
    if name.fs209e is not None:
        table.add_column(f"FS 209E {fs209e.CLASSES[name.fs209e].label} /ft³", justify="right")
    for row in rows:
        marks = ", ".join(row["footnotes"])
        if row["applicable"]:
            cells = [f"{row['limit_per_m3']:,.0f}", _per_ft3(row["limit_per_ft3"]), marks]
        else:
            cells = ["[dim]n/a[/]", "", f"[red]{marks}[/] [dim](formula {row['formula_per_m3']:,.0f})[/]"]
        if name.fs209e is not None:
            old = row["fs209e_per_ft3"]
            cells.append(f"{old:,g}" if old is not None else "–")
        table.add_row(f"≥{row['size_um']:g} µm", *cells)
    console.print(table)
    for row in rows:
        if row["reason"] is not None:
            console.print(f"[dim]≥{row['size_um']:g} µm:[/] {row['reason'](lang)}")
    states = ("、" if zh else ", ").join(OCCUPANCY_TEXT[s](lang) for s in class_states(name.iso_class))
    console.print(f"[dim]{'占用状态：' if zh else 'occupancy states: '}{states}[/]")


@iso_app.command("limit")
def limit_cmd(
    class_text: str = ClassOption,
    size: list[float] = SizesOption,
    as_json: bool = JsonOption,
    lang: str = LangOption,
) -> None:
    """Class limits per m³ (Table 1 rounding) at the given sizes; n/a marks cells Table 1 excludes."""
    language = check_lang(lang)
    name = _named_class(class_text)
    rows = [_limit_row(name, s) for s in (_sizes(size) or TABLE_1_SIZES_UM)]
    data = {
        "iso_class": name.iso_class,
        "fs209e_class": name.fs209e,
        "note": name.note,
        "occupancy_states": list(class_states(name.iso_class)),
        "limits": rows,
    }
    emit(data, as_json=as_json, render=lambda: _render_limits(name, rows, language))


# --- plan --------------------------------------------------------------------------------------------


def _timing(volume_l: float, flow_lpm: float) -> dict[str, float]:
    seconds = math.ceil(max(MIN_SAMPLE_DURATION_S, volume_l / flow_lpm * 60))
    return {"flow_lpm": flow_lpm, "sample_time_s": seconds, "volume_per_sample_l": flow_lpm * seconds / 60}


def _plan(
    name: fs209e.ClassName,
    area: float,
    sizes: tuple[float, ...],
    occupancy: Occupancy | None,
    flow: float | None,
) -> dict[str, Any]:
    try:
        locations = min_locations(area)
    except InputError as exc:
        raise _bad(exc, "--area") from exc
    try:
        volume = min_sample_volume_l(name.iso_class, sizes)
    except InputError as exc:
        raise _bad(exc, "--size") from exc
    if occupancy is not None and occupancy not in class_states(name.iso_class):
        raise typer.BadParameter(
            f"ISO {format_class(name.iso_class)} applies in the operational state only (Table 1 footnote g)",
            param_hint="--occupancy",
        )
    largest_limit = class_limit(name.iso_class, sizes[-1])
    plan: dict[str, Any] = {
        "iso_class": name.iso_class,
        "fs209e_class": name.fs209e,
        "note": name.note,
        "designation": designation(name.iso_class, occupancy, sizes) if occupancy else None,
        "area_m2": area,
        "locations": locations,
        "locations_basis": locations_basis(area),
        "min_samples_per_location": MIN_SAMPLES_SINGLE_LOCATION if locations == 1 else 1,
        "sizes_um": list(sizes),
        "limits_per_m3": [{"size_um": s, "limit": class_limit(name.iso_class, s)} for s in sizes],
        "sample_volume_l": volume,
        "sample_volume_ask_l": ceil_figures(volume),
        "sample_volume_basis": volume_basis(largest_limit, sizes[-1]),
        "min_sample_time_s": MIN_SAMPLE_DURATION_S,
    }
    if flow is not None:
        if not flow > 0:
            raise typer.BadParameter("a flow rate above 0 L/min", param_hint="--flow")
        plan |= _timing(volume, flow)
    return plan


def _render_plan(name: fs209e.ClassName, plan: dict[str, Any], lang: Lang) -> None:
    _class_header(name, lang)
    zh = lang == "zh"
    if plan["designation"] is not None:
        console.print(plan["designation"](lang))
    table = Table(show_header=False)
    table.add_column()
    table.add_column()
    table.add_row(
        "sampling locations" if not zh else "采样点数",
        f"[bold]{plan['locations']}[/]  [dim]{plan['locations_basis'](lang)}[/]",
    )
    if plan["locations"] == 1:
        table.add_row(
            "samples at the location" if not zh else "该点采样次数", f"≥ {MIN_SAMPLES_SINGLE_LOCATION}"
        )
    limits = ", ".join(f"≥{r['size_um']:g} µm: {r['limit']:,.0f}" for r in plan["limits_per_m3"])
    table.add_row("limits /m³" if not zh else "限值 /m³", limits)
    table.add_row(
        "volume per sample" if not zh else "单次采样量",
        f"[bold]≥ {plan['sample_volume_ask_l']:g} L[/]  [dim]{plan['sample_volume_basis'](lang)}[/]",
    )
    table.add_row("time per sample" if not zh else "单次采样时间", "≥ 1 min")
    if "flow_lpm" in plan:
        table.add_row(
            f"at {plan['flow_lpm']:g} L/min" if not zh else f"流量 {plan['flow_lpm']:g} L/min 时",
            f"{plan['sample_time_s']:g} s → {plan['volume_per_sample_l']:.3g} L",
        )
    console.print(table)


@iso_app.command("plan")
def plan_cmd(
    class_text: str = ClassOption,
    area: float = typer.Option(
        ..., "--area", "-a", help="Area in m² (unidirectional flow: cross-section of the moving air)."
    ),
    size: list[float] = SizesOption,
    occupancy: str | None = OccupancyOption,
    flow: float | None = typer.Option(None, "--flow", help="Counter flow rate in L/min (gives sample time)."),
    as_json: bool = JsonOption,
    lang: str = LangOption,
) -> None:
    """Minimum sampling locations (Table A.1, formula A.1) and single-sample volume (A.4.4)."""
    language = check_lang(lang)
    name = _named_class(class_text)
    sizes = _sizes(size) or applicable_sizes(name.iso_class)
    plan = _plan(name, area, sizes, _occupancy(occupancy), flow)
    emit(plan, as_json=as_json, render=lambda: _render_plan(name, plan, language))


# --- classify ----------------------------------------------------------------------------------------


def _classification_data(survey: ParticleSurvey, c: Classification) -> dict[str, Any]:
    return {
        "evidence": survey.evidence_id(),
        "occupancy": c.occupancy,
        "overall": c.overall,
        "designation": c.designation,
        "considered_um": list(c.considered_um),
        "locations": c.locations,
        "locations_required": c.locations_required,
        "sizes": [
            {
                "size_um": s.size_um,
                "iso_class": s.iso_class,
                "limit_per_m3": s.limit_per_m3,
                "by_concentration": s.by_concentration,
                "worst_location": s.worst_location,
                "worst_mean_per_m3": s.worst_mean_per_m3,
                "note": s.note,
            }
            for s in c.sizes
        ],
        "issues": [{"code": i.code, "message": i.message, "action": i.action} for i in c.issues],
        "note": c.note,
    }


def _render_sizes(c: Classification, lang: Lang) -> None:
    zh = lang == "zh"
    cols = ("粒径", "最高平均值 /m³", "采样点", "最佳等级", "限值 /m³", "说明")
    table = Table(title="最佳等级（每个粒径）" if zh else "best class per size")
    for col in cols if zh else ("size", "worst average /m³", "at", "best class", "limit /m³", "note"):
        table.add_column(col)
    for s in c.sizes:
        table.add_row(
            f"≥{s.size_um:g} µm",
            format_concentration(s.worst_mean_per_m3),
            s.worst_location,
            f"ISO {format_class(s.iso_class)}" if s.iso_class is not None else "[red]–[/]",
            f"{s.limit_per_m3:,.0f}" if s.limit_per_m3 is not None else "",
            s.note(lang) if s.note else "",
        )
    console.print(table)
    if c.designation is not None:
        console.print(("总体：" if zh else "overall: ") + f"[bold green]{c.designation(lang)}[/]")
    elif c.note is not None:
        console.print(("总体：" if zh else "overall: ") + f"[red]{c.note(lang)}[/]")
    required = f" / {c.locations_required}" if c.locations_required is not None else ""
    console.print(("采样点：" if zh else "sampling locations: ") + f"{c.locations}{required}")
    for issue in c.issues:
        console.print(f"[magenta]•[/] {issue.message(lang)} → {issue.action(lang)}")


def _log_position(value: float, lo: int, hi: int) -> int:
    if value <= 0:
        return 0
    share = (math.log10(value) - lo) / (hi - lo)
    return min(CHART_WIDTH, max(0, round(share * CHART_WIDTH)))


def _bar(label: str, value: float, limit: float | None, lo: int, hi: int) -> RichText:
    filled = _log_position(value, lo, hi)
    chars = ["█"] * filled + ["·"] * (CHART_WIDTH - filled)
    marker = min(CHART_WIDTH - 1, _log_position(limit, lo, hi)) if limit is not None else None
    ok = limit is None or value <= limit
    line = RichText(label + " ")
    for i, ch in enumerate(chars):
        if i == marker:
            line.append("┃", style="bold yellow")
        else:
            line.append(ch, style=("green" if ok else "red") if ch == "█" else "dim")
    line.append(f" {format_concentration(value)}")
    return line


def _chart(survey: ParticleSurvey, c: Classification, lang: Lang) -> None:
    """Location averages against the class limit per size, on a log scale."""
    width = min(12, max(len(loc.name) for loc in survey.locations))
    for s in c.sizes:
        if not in_scope(s.size_um):
            continue
        ref = c.overall if c.overall is not None else s.iso_class
        limit = class_limit(ref, s.size_um) if ref is not None else None
        index = next(i for i, x in enumerate(survey.sizes_um) if abs(x - s.size_um) < 1e-6)
        values = [(loc.name, loc.mean_per_m3[index]) for loc in survey.locations]
        positive = [v for _, v in values if v > 0] + ([limit] if limit else [])
        # Half a decade of room below the smallest value, so that it still shows as a bar.
        lo = math.floor(math.log10(min(positive) / 3)) if positive else 0
        hi = max(lo + 1, math.ceil(math.log10(max(positive)))) if positive else 1
        against = (
            f"ISO {format_class(ref)} limit {limit:,.0f}/m³ ┃" if ref is not None and limit else "no class"
        )
        if lang == "zh" and ref is not None and limit:
            against = f"ISO {format_class(ref)} 级限值 {limit:,.0f}/m³ ┃"
        console.print(f"[bold]≥{s.size_um:g} µm[/] [dim]({against}; log 10^{lo}–10^{hi} /m³)[/]")
        for name, value in values:
            console.print(_bar(name[:width].rjust(width), value, limit, lo, hi))


def _load_survey(
    path: Path, meta: Path | None, mapping: Path | None, occupancy: str | None
) -> ParticleSurvey:
    data: dict[str, Any] = read_meta(meta) if meta else {}
    state = _occupancy(occupancy)
    if state is not None:
        data["occupancy"] = state
    (ev,) = read_all([path], lambda p: load_evidence(p, kind="particle_survey", meta=data, mapping=mapping))
    if not isinstance(ev, ParticleSurvey):
        raise EvidenceError(f"this is {ev.kind} evidence, not a particle survey", at(str(path), field="kind"))
    return ev


@iso_app.command("classify")
def classify_cmd(
    path: Path = typer.Argument(..., help="Particle-counter export, or a particle_survey evidence JSON."),
    occupancy: str | None = OccupancyOption,
    area: float | None = typer.Option(None, "--area", "-a", help="Area in m², when the file has none."),
    size: list[float] = typer.Option([], "--size", "-s", help="Consider only these channels (µm)."),
    mapping: Path | None = MappingOption,
    meta: Path | None = MetaOption,
    as_json: bool = JsonOption,
    lang: str = LangOption,
) -> None:
    """Best class per size and overall under the 2015 rules. Exit 1 when no class fits all sizes."""
    language = check_lang(lang)
    survey = _load_survey(path, meta, mapping, occupancy)
    if area is not None and not area > 0:
        raise typer.BadParameter("an area above 0 m²", param_hint="--area")
    try:
        result = classify(survey, area_m2=area, sizes=size or None)
    except InputError as exc:
        raise _bad(exc, "--size") from exc

    def render() -> None:
        state = OCCUPANCY_TEXT[result.occupancy](language) if result.occupancy else "?"
        subject = f"{survey.subject.type}:{survey.subject.id}"
        console.print(
            f"[bold]{path.name}[/] [dim]{survey.issuer} · {survey.test_date} · {subject} · {state}[/]"
        )
        _render_sizes(result, language)
        _chart(survey, result, language)

    emit(_classification_data(survey, result), as_json=as_json, render=render)
    if result.overall is None:
        raise typer.Exit(EXIT_FAILED_CHECK)


def register(app: typer.Typer) -> None:
    app.add_typer(iso_app, name="iso14644")
