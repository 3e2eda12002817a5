"""``qualbridge iso8573 classify|designation``: ISO 8573-1:2010 compressed-air purity classes."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from qualbridge.cli._output import JsonOption, LangOption, check_lang, console, emit, read_all
from qualbridge.errors import InputError
from qualbridge.evidence.models import AirQuantity, CompressedAirPurityTest
from qualbridge.evidence.parsers import load_evidence
from qualbridge.standards.iso8573_1 import (
    CONTAMINANT_LABEL,
    CONTAMINANTS,
    EDITION,
    QUANTITIES,
    TABLES,
    Classification,
    ClassResult,
    Contaminant,
    classify,
    describe,
    parse_designation,
    purity_class,
)
from qualbridge.standards.requirements import ClassSymbol
from qualbridge.text import Lang, Text

iso8573_app = typer.Typer(
    help="ISO 8573-1:2010 compressed-air purity: classify a test, explain a designation.",
    no_args_is_help=True,
)

_BAND_KEYS: dict[tuple[float, float], AirQuantity] = {
    (0.1, 0.5): "d_0_1_to_0_5",
    (0.5, 1.0): "d_0_5_to_1_0",
    (1.0, 5.0): "d_1_0_to_5_0",
}
_READS: dict[Contaminant, tuple[AirQuantity, ...]] = {
    "particles": ("d_0_1_to_0_5", "d_0_5_to_1_0", "d_1_0_to_5_0", "particle_mass"),
    "water": ("pressure_dew_point", "liquid_water"),
    "oil": ("total_oil",),
}
_BAR_WIDTH = 40


def _bands(values: list[str]) -> tuple[dict[str, float], bool | None]:
    bands: dict[str, float] = {}
    above: bool | None = None
    for item in values:
        band, sep, count_text = item.partition("=")
        try:
            count = float(count_text)
        except ValueError:
            count = math.nan
        if not sep or not math.isfinite(count) or count < 0:
            raise typer.BadParameter(
                f"{item!r}: use BAND=COUNT, e.g. 0.1-0.5=15000", param_hint="--particles"
            )
        spaced = band.replace(" ", "").replace("µm", "").replace("um", "")
        if spaced in {">5", "5-"}:
            above = count > 0
            continue
        match = re.fullmatch(r"(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)", spaced)
        key = _BAND_KEYS.get((float(match.group(1)), float(match.group(2)))) if match else None
        if key is None:
            raise typer.BadParameter(
                f"{band!r} is not an ISO 8573-1 band (0.1-0.5, 0.5-1, 1-5, >5)", param_hint="--particles"
            )
        bands[key] = count
    return bands, above


def _from_options(
    particles: list[str], mass: float | None, dew_point: float | None, water: float | None, oil: float | None
) -> CompressedAirPurityTest:
    bands, above = _bands(particles)
    if not bands and above is None and all(v is None for v in (mass, dew_point, water, oil)):
        raise typer.BadParameter("give a FILE, or measurements such as --particles, --dew-point, --oil")
    values = {
        "particle_mass": (mass, "mg/m³"),
        "pressure_dew_point": (dew_point, "°C"),
        "liquid_water": (water, "g/m³"),
        "total_oil": (oil, "mg/m³"),
    }
    # Values typed on the command line are classified, never stored: they are not evidence of anyone's.
    return CompressedAirPurityTest(
        issuer="command line",
        test_date=dt.date.today(),
        subject={"type": "system", "id": "command-line"},
        particles_per_m3=bands or None,
        particles_above_5um_detected=above,
        **{k: {"value": v, "unit": u} for k, (v, u) in values.items() if v is not None},
    )


def _measurements(test: CompressedAirPurityTest, contaminant: Contaminant) -> list[dict[str, Any]]:
    found = []
    for name in _READS[contaminant]:
        value = test.air_value(name)
        if value is not None:
            q = QUANTITIES[name]
            censored = name in test.below_detection_limit
            found.append(
                {"quantity": name, "value": value, "unit": q.unit, "below_detection_limit": censored}
            )
    return found


def _payload(test: CompressedAirPurityTest, result: Classification, source: str) -> dict[str, Any]:
    rows = []
    for contaminant in CONTAMINANTS:
        c = result.of(contaminant)
        rows.append(
            {
                "contaminant": contaminant,
                "class": c.symbol,
                "basis": c.basis.model_dump(),
                "caveats": [t.model_dump() for t in c.caveats],
                "measurements": _measurements(test, contaminant),
            }
        )
    if test.particles_above_5um_detected is not None:
        rows[0]["particles_above_5um_detected"] = test.particles_above_5um_detected
    purity = result.purity()
    return {
        "source": source,
        "purity": purity.short(),
        "designation": purity.designation(),
        "contaminants": rows,
    }


def _scale(values: list[float], log: bool) -> tuple[float, float]:
    shown = [math.log10(v) for v in values if v > 0] if log else values
    if not shown:
        return 0.0, 1.0
    low, high = min(shown), max(shown)
    pad = 0.3 if log else max((high - low) * 0.05, 1.0)
    return low - pad, high + pad


def _bar(value: float, low: float, high: float, log: bool) -> str:
    x = (math.log10(value) if value > 0 else low) if log else value
    cells = max(1, round((x - low) / (high - low) * _BAR_WIDTH))
    return "█" * min(cells, _BAR_WIDTH)


def _chart(test: CompressedAirPurityTest, contaminant: Contaminant, lang: Lang) -> None:
    """One bar chart per measured quantity: the class limits and the measurement, in order of value."""
    for item in _measurements(test, contaminant):
        name: AirQuantity = item["quantity"]
        q = QUANTITIES[name]
        limits = [
            (e.symbol, b.upper)
            for e in TABLES[contaminant]
            for b in e.bounds
            if b.quantity == name and b.upper is not None
        ]
        log = name != "pressure_dew_point"
        low, high = _scale([item["value"], *(u for _, u in limits)], log)
        prefix = "< " if item["below_detection_limit"] else ""
        word = "级别" if lang == "zh" else "class"
        lines = [(u, f"  {word} {s!s:<3} {'≤ ' + format(u, 'g'):<12}", "dim") for s, u in limits]
        label = "实测值" if lang == "zh" else "measured"
        lines.append((item["value"], f"▶ {label:<9} {prefix + format(item['value'], 'g'):<12}", "bold cyan"))
        lines.sort(key=lambda row: (row[0], row[2] == "dim"))
        console.print(f"[bold]{escape(q.label(lang))}[/] ({q.unit})", emoji=False)
        for value, text, style in lines:
            bar = _bar(value, low, high, log)
            console.print(f"[{style}]{escape(text)} {bar}[/]", highlight=False, emoji=False)


def _render_classification(test: CompressedAirPurityTest, result: Classification, lang: Lang) -> None:
    zh = lang == "zh"
    table = Table(title=escape(f"{EDITION} {result.purity().short()}"))
    for col in ("污染物", "等级", "依据", "说明") if zh else ("contaminant", "class", "basis", "caveats"):
        table.add_column(col)
    for contaminant in CONTAMINANTS:
        c: ClassResult = result.of(contaminant)
        shown = "-" if c.symbol is None else str(c.symbol)
        table.add_row(
            CONTAMINANT_LABEL[contaminant](lang),
            f"[bold]{shown}[/]",
            escape(c.basis(lang)),
            escape("\n".join(t(lang) for t in c.caveats)),
        )
    console.print(table, emoji=False)
    for contaminant in CONTAMINANTS:
        _chart(test, contaminant, lang)
    console.print(f"[bold]{escape(result.purity().designation())}[/]", emoji=False)


@iso8573_app.command("classify")
def classify_cmd(
    file: Path | None = typer.Argument(None, help="A test report (CSV export or JSON evidence)."),
    particles: list[str] = typer.Option(
        [], "--particles", help="Counts per m³ as BAND=COUNT; bands 0.1-0.5, 0.5-1, 1-5 and >5 (µm)."
    ),
    particle_mass: float | None = typer.Option(None, "--particle-mass", help="Particle mass, mg/m³."),
    dew_point: float | None = typer.Option(None, "--dew-point", help="Pressure dew point, °C."),
    liquid_water: float | None = typer.Option(None, "--liquid-water", help="Liquid water, g/m³."),
    oil: float | None = typer.Option(None, "--oil", help="Total oil (aerosol + liquid + vapour), mg/m³."),
    as_json: bool = JsonOption,
    lang: str = LangOption,
) -> None:
    """Classify a compressed-air test per contaminant: the lowest class whose limits are all met."""
    language = check_lang(lang)
    typed = bool(particles) or any(v is not None for v in (particle_mass, dew_point, liquid_water, oil))
    if file is not None and typed:
        raise typer.BadParameter("give a FILE or measurements on the command line, not both")
    if file is not None:
        (evidence,) = read_all([file], lambda p: load_evidence(p, kind="compressed_air_purity"))
        if not isinstance(evidence, CompressedAirPurityTest):
            raise typer.BadParameter(f"{file} holds {evidence.kind} evidence, not a compressed-air test")
        test = evidence
    else:
        test = _from_options(particles, particle_mass, dew_point, liquid_water, oil)
    result = classify(test)
    payload = _payload(test, result, str(file) if file else "command line")
    emit(payload, as_json=as_json, render=lambda: _render_classification(test, result, language))


def _explain(contaminant: Contaminant, symbol: ClassSymbol | None) -> Text:
    name = CONTAMINANT_LABEL[contaminant]
    if symbol is None:
        return Text.of(f"{name.en}: not specified", f"{name.zh}：未规定")
    if symbol == 0:
        return Text.of(
            f"{name.en} class 0: a limit stated by the user or supplier, stricter than class 1 (it must be "
            "written out; class 0 does not mean zero)",
            f"{name.zh} 0 级：由用户或供应商规定、严于 1 级的限值（必须写明；0 级并非“零”）",
        )
    return describe(contaminant, purity_class(contaminant, symbol))


@iso8573_app.command("designation")
def designation_cmd(
    text: str = typer.Argument(
        ..., help="A purity designation such as '[1:2:1]' or 'ISO 8573-1:2010 [2:-:1]'."
    ),
    as_json: bool = JsonOption,
    lang: str = LangOption,
) -> None:
    """Explain each part of a purity designation [particles:water:oil]."""
    language = check_lang(lang)
    try:
        purity = parse_designation(text)
    except InputError as exc:
        raise typer.BadParameter(str(exc), param_hint="TEXT") from exc
    parts = [
        {"contaminant": c, "class": purity.of(c), "explanation": _explain(c, purity.of(c)).model_dump()}
        for c in CONTAMINANTS
    ]

    def render() -> None:
        console.print(f"[bold]{escape(purity.designation())}[/]", emoji=False)
        for contaminant in CONTAMINANTS:
            line = escape(_explain(contaminant, purity.of(contaminant))(language))
            console.print(f"  • {line}", highlight=False, emoji=False)

    emit({"designation": purity.designation(), "parts": parts}, as_json=as_json, render=render)


def register(app: typer.Typer) -> None:
    app.add_typer(iso8573_app, name="iso8573")
