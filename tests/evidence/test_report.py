"""The report reader every lab-report parser shares (``parsers._report``): its grammar, its values and
its errors, which name the file, the 1-based line and the column (or the metadata key)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from qualbridge.errors import EvidenceError, ParseError
from qualbridge.evidence.models import Evidence, HeliumLeakTest
from qualbridge.evidence.parsers import file_digest, load_evidence
from qualbridge.evidence.parsers._report import (
    Columns,
    Report,
    Row,
    common_fields,
    finish,
    header_in,
    read_report,
)
from qualbridge.evidence.parsers.amc import parse_amc_results
from qualbridge.evidence.parsers.compressed_air import parse_compressed_air_report
from qualbridge.evidence.parsers.icpms import parse_icpms
from qualbridge.evidence.parsers.outgassing import parse_outgassing
from qualbridge.evidence.parsers.vacuum import parse_leak_report, parse_rga_scan, parse_rise_log

ASSETS = Path(__file__).parents[1] / "assets"
RESULTS = Columns(
    {"substance": ("analyte",), "value": ("result",), "unit": ()}, required=("substance", "value")
)


def _write(tmp_path: Path, text: str, *, encoding: str = "utf-8", name: str = "report.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _table(tmp_path: Path, text: str, **kw: Any) -> Report:
    return read_report(_write(tmp_path, text, **kw), columns=RESULTS)


def _refused(read: Callable[[], object]) -> ParseError:
    with pytest.raises(ParseError) as caught:
        read()
    return caught.value


# --- metadata ----------------------------------------------------------------------------------------


def test_metadata_keys_are_compared_without_case_underscores_hyphens_or_spacing(tmp_path: Path) -> None:
    report = read_report(
        _write(tmp_path, "Title line\n# Chamber_Volume : 52 L\nCALIBRATION-DUE:2027-01-10\nNotes:\n")
    )
    volume = report.get("chamber volume")
    assert volume is not None
    assert (volume.key, volume.value, volume.line) == ("Chamber_Volume", "52 L", 2)
    due = report.get("calibration due")
    assert due is not None
    assert due.value == "2027-01-10"
    assert report.get("notes") is None  # a key without a value is not stated
    assert report.get("title line") is None


def test_text_with_a_delimiter_before_the_colon_is_not_a_key(tmp_path: Path) -> None:
    long_key = "x" * 61
    report = read_report(_write(tmp_path, f"a,b: c\n{long_key}: d\nMethod: impinger/IC (acids, bases); GC\n"))
    assert report.get("a,b") is None
    assert report.get(long_key) is None  # a sentence, not a key
    method = report.get("method")
    assert method is not None
    assert method.value == "impinger/IC (acids, bases); GC"


def test_the_first_spelling_the_report_states_is_read(tmp_path: Path) -> None:
    report = read_report(_write(tmp_path, "Date: 2026-02-10\nTest date: 2026-02-03\n"))
    entry = report.get("test date", "date")
    assert entry is not None
    assert entry.value == "2026-02-03"


def test_a_key_stated_twice_is_refused_when_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "Leak rate: 1E-10 mbar l/s\nNote: a\nLeak rate: 2E-10 mbar l/s\nNote: b\n")
    report = read_report(path)
    err = _refused(lambda: report.get("leak rate"))
    assert "given twice (lines 1 and 3)" in err.message
    assert (err.where.file, err.where.row, err.where.field) == (str(path), 3, "Leak rate")


# --- the table ---------------------------------------------------------------------------------------


def test_the_header_names_the_columns_and_rows_are_keyed_by_them(tmp_path: Path) -> None:
    report = _table(tmp_path, 'Lab: L\n\nAnalyte,Result,Unit\n# a comment\nNa,"1,5",ppb,\nK,2\n')
    assert (report.columns, report.column_line) == (["substance", "value", "unit"], 3)
    # a quoted cell keeps its delimiter; a trailing delimiter is dropped; a short row is padded
    assert [(r.line, r.cells) for r in report.rows] == [
        (5, {"substance": "Na", "value": "1,5", "unit": "ppb"}),
        (6, {"substance": "K", "value": "2", "unit": ""}),
    ]
    assert report.labels["value"] == "Result"


def test_the_delimiter_is_the_first_one_on_the_header_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "substance;value, mg/m³\nNa;0,5\n")
    semicolons = read_report(path, is_header=lambda cells: cells[0] == "substance")
    assert semicolons.columns == ["substance", "value, mg/m³"]
    assert semicolons.decimal_comma
    assert semicolons.number(semicolons.rows[0], "value, mg/m³") == 0.5
    tabs = _table(tmp_path, "substance\tvalue\nNa\t1 500\n", name="tabs.txt")
    assert not tabs.decimal_comma
    assert tabs.number(tabs.rows[0], "value") == 1500  # a space groups thousands


def test_a_header_predicate_sees_normalised_cells(tmp_path: Path) -> None:
    seen: list[list[str]] = []

    def is_header(cells: list[str]) -> bool:
        seen.append(cells)
        return cells == ["time s", "pressure [mbar]"]

    path = _write(tmp_path, "Chamber volume: 52 L\n# Time_s, Pressure [mbar]\n0,1E-6\n")
    report = read_report(path, is_header=is_header)
    assert seen == [["time s", "pressure [mbar]"]]
    assert (report.column_line, report.labels["time s"]) == (2, "Time_s")
    assert header_in(path.read_text(encoding="utf-8"), is_header)
    assert not header_in("Chamber volume: 52 L\n0,1E-6\n", is_header)


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("substance,value\nNa,1,2\n", 2, "3", "3 cells, the header has 2 (extra value '2')"),
        ("substance,value,colour\n", 1, "colour", "unknown column 'colour'"),
        ("substance,value,result\n", 1, "result", "a second 'value' column"),
        ("substance,unit\n", 1, "value", "missing column(s) value"),
        ("Analyte,Result,Analyte\n", 1, "Analyte", "a column appears twice in the header"),
    ],
)
def test_table_errors_name_file_line_and_column(
    tmp_path: Path, text: str, line: int, column: str, message: str
) -> None:
    path = _write(tmp_path, text)
    err = _refused(lambda: read_report(path, columns=RESULTS))
    assert message in err.message
    assert (err.where.file, err.where.row, err.where.field) == (str(path), line, column)


def test_a_table_is_required_with_enough_rows(tmp_path: Path) -> None:
    missing = _table(tmp_path, "Lab: L\n")
    err = _refused(lambda: missing.require_table("substance,value"))
    assert (err.message, err.expected) == ("no results table found", "a header row such as substance,value")
    empty = _table(tmp_path, "substance,value\n", name="empty.csv")
    err = _refused(lambda: empty.require_table("substance,value", min_rows=2, rows="readings"))
    assert (err.message, err.where.row) == ("the table has no readings", 1)


# --- values ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value", "censored"),
    [
        ("12.5", 12.5, False),
        ("−0.5", -0.5, False),  # U+2212, as word processors write a minus
        ("1.2E-3", 1.2e-3, False),
        ("< 0.003", 0.003, True),
        ("≤0.003", 0.003, True),
        ("<=0.003", 0.003, True),
        ("&lt;0.003", 0.003, True),
        ("ND", None, True),
        ("n.d.", None, True),
        ("< DL", None, True),
        ("<LOD", None, True),
        ("BDL", None, True),
        ("not detected", None, True),
    ],
)
def test_readings(cell: str, value: float | None, censored: bool) -> None:
    report = Report(Path("r.csv"), {})
    read = report.reading(Row(4, {"c": cell}), "c")
    assert (read.value, read.censored) == (value, censored)


@pytest.mark.parametrize("cell", ["", "0.0O4", "1 2", "1,5", "inf", "nan", "1e999", "1_000"])
def test_numbers_that_are_not_are_refused_naming_line_and_column(tmp_path: Path, cell: str) -> None:
    report = _table(tmp_path, f"substance\tvalue\nNa\t{cell}\n")  # tabs: ',' is neither delimiter nor decimal
    err = _refused(lambda: report.number(report.rows[0], "value"))
    assert (err.where.row, err.where.field, err.expected) == (2, "value", "a number")


def test_quantities_carry_their_unit(tmp_path: Path) -> None:
    report = read_report(
        _write(
            tmp_path,
            "Total pressure: 1.5E-8 Torr\nLeak rate: < 5.0E-11 mbar l/s\nBackground: 2E-12\n"
            "Chamber volume: 0.0125 m³\nDuration: 24 h\n",
        )
    )

    def entry(key: str) -> Any:
        return report.get(key)

    total = report.quantity(entry("total pressure"), what="a pressure")
    assert (total.value, total.unit, total.censored) == (1.5e-8, "torr", False)
    rate = report.quantity(entry("leak rate"), what="a leak rate")
    assert (rate.value, rate.unit, rate.censored) == (5e-11, "mbar l/s", True)
    background = report.quantity(entry("background"), what="a leak rate", default_unit="mbar l/s")
    assert background.unit == "mbar l/s"
    assert report.measure(entry("chamber volume"), "L", what="a volume") == pytest.approx(12.5)
    err = _refused(lambda: report.measure(entry("duration"), "L", what="a volume like '52 L'"))
    assert (err.message, err.where.row, err.where.field) == ("'h' cannot be converted to L", 5, "Duration")
    err = _refused(lambda: report.quantity(entry("background"), what="a leak rate"))
    assert (err.message, err.where.row, err.where.field) == ("'2E-12' has no unit", 3, "Background")


def test_with_semicolons_the_metadata_uses_decimal_commas_too(tmp_path: Path) -> None:
    report = _table(tmp_path, "Density: 1,84 g/mL\nsubstance;value\nNa;1\n")
    density = report.get("density")
    assert density is not None
    assert report.measure(density, "g/mL", what="a density") == pytest.approx(1.84)
    with_commas = _table(tmp_path, "Density: 1,84 g/mL\nsubstance,value\nNa,1\n", name="commas.csv")
    density = with_commas.get("density")
    assert density is not None
    err = _refused(lambda: with_commas.measure(density, "g/mL", what="a density"))
    assert (err.message, err.where.row, err.where.field) == ("'1,84' is not a number", 1, "Density")


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2026-02-03", dt.date(2026, 2, 3)),
        ("2026/02/11 14:32", dt.date(2026, 2, 11)),
        ("2026.2.3", dt.date(2026, 2, 3)),
    ],
)
def test_dates(tmp_path: Path, text: str, date: dt.date) -> None:
    report = read_report(_write(tmp_path, f"Test date: {text}\n"))
    entry = report.get("test date")
    assert entry is not None
    assert report.date(entry) == date


@pytest.mark.parametrize("text", ["03/02/2026", "2026-02-30", "2026-01-105"])
def test_a_date_that_is_not_is_refused_naming_the_key(tmp_path: Path, text: str) -> None:
    report = read_report(_write(tmp_path, f"Lab: L\nTest date: {text}\n"))
    entry = report.get("test date")
    assert entry is not None
    err = _refused(lambda: report.date(entry))
    assert (err.where.row, err.where.field, err.expected) == (2, "Test date", "a date YYYY-MM-DD")


# --- encodings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_encodings_of_instrument_software(tmp_path: Path, encoding: str) -> None:
    report = _table(
        tmp_path, "Lab: Prüflabor – Halle 2\nsubstance,value,unit\nNa,3,µg/m³\n", encoding=encoding
    )
    lab = report.get("lab")
    assert lab is not None
    assert lab.value == "Prüflabor – Halle 2"
    assert report.rows[0].cells["unit"] == "µg/m³"


def test_a_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.bin"
    path.write_bytes(b"substance,value\x00\x01\x02")
    err = _refused(lambda: read_report(path, columns=RESULTS))
    assert (err.message, err.where.file) == ("binary file, not a text export", str(path))


# --- what a report says about itself -----------------------------------------------------------------

REPORT = """Helium leak test report
Laboratory: Example Vacuum Lab
Test date: 2026-02-03
Method: helium spray
Detector: ASM 340 SN 1234
Calibration date: 2026-01-10
Calibration due: 2027-01-10
Sampling point: CDA-7
Remarks: chamber unbaked
"""


def test_common_fields(tmp_path: Path) -> None:
    report = read_report(_write(tmp_path, REPORT, name="leak.txt"))
    fields = common_fields(report, {}, instrument=("detector",), subject_from=("system", ("sampling point",)))
    assert fields == {
        "issuer": "Example Vacuum Lab",
        "test_date": dt.date(2026, 2, 3),
        "method": "helium spray",
        "notes": "chamber unbaked",
        "subject": {"type": "system", "id": "CDA-7"},
        "instrument": {
            "model": "ASM 340",
            "serial": "1234",
            "calibration_date": dt.date(2026, 1, 10),
            "calibration_due": dt.date(2027, 1, 10),
        },
    }


def test_what_the_caller_gives_is_not_read(tmp_path: Path) -> None:
    bad = REPORT.replace("2026-02-03", "03/02/2026").replace("2027-01-10", "next year")
    report = read_report(_write(tmp_path, bad + "Subject: not-a-type-and-id\n", name="leak.txt"))
    meta = {
        "test_date": "2026-02-03",
        "subject": {"type": "equipment", "id": "VX-1"},
        "instrument": {"calibration_due": "2027-01-10"},
    }
    fields = common_fields(report, meta, instrument=("detector",))
    assert "test_date" not in fields
    assert "subject" not in fields
    assert fields["instrument"] == {
        "model": "ASM 340",
        "serial": "1234",
        "calibration_date": dt.date(2026, 1, 10),
    }
    err = _refused(lambda: common_fields(report, {}, instrument=("detector",)))
    assert (err.where.row, err.where.field) == (3, "Test date")


def test_a_separate_serial_line_must_agree_with_the_model_line(tmp_path: Path) -> None:
    report = read_report(_write(tmp_path, "Instrument: PC-400 SN 77\nInstrument serial: 78\n"))
    err = _refused(lambda: common_fields(report, {}))
    assert (err.where.row, err.where.field) == (2, "Instrument serial")
    alone = read_report(_write(tmp_path, "Instrument: PC-400\nInstrument serial: 78\n", name="b.txt"))
    assert common_fields(alone, {})["instrument"] == {"model": "PC-400", "serial": "78"}


def test_finish_overlays_the_callers_metadata(tmp_path: Path) -> None:
    path = _write(tmp_path, REPORT + "Mode: spray\nLeak rate: 2E-10 mbar l/s\n", name="leak.txt")
    report = read_report(path)
    data = {
        "kind": "helium_leak_test",
        **common_fields(report, {}, instrument=("detector",)),
        "leak_rate": {"value": 2e-10, "unit": "mbar l/s"},
        "mode": "spray",
        "subject": {"type": "equipment", "id": "VX-1"},
    }
    meta = {"issuer": "Independent Lab", "instrument": {"serial": "9999"}, "raw_digest": "sha256:" + "0" * 64}
    ev = finish(report, data, meta)
    assert isinstance(ev, HeliumLeakTest)
    assert ev.issuer == "Independent Lab"
    assert ev.instrument is not None
    assert (ev.instrument.model, ev.instrument.serial) == ("ASM 340", "9999")  # nested fields merge
    assert (ev.raw_digest, ev.raw_filename) == (file_digest(path), "leak.txt")  # facts of the file


def test_finish_names_what_is_missing(tmp_path: Path) -> None:
    path = _write(tmp_path, "Leak rate: 2E-10 mbar l/s\n", name="leak.txt")
    report = read_report(path)
    data: Mapping[str, Any] = {"kind": "helium_leak_test", "leak_rate": {"value": 2e-10, "unit": "mbar l/s"}}
    err = _refused(lambda: finish(report, data, {"test_date": "2026-02-03"}))
    assert (err.message, err.where.file, err.where.field) == (
        "the report does not state issuer",
        str(path),
        "issuer",
    )
    assert err.expected == "a line 'Issuer: …', leak.txt.meta.yaml or --issuer"
    with pytest.raises(EvidenceError) as caught:
        finish(report, data, {"issuer": "L", "test_date": "2026-02-03"})
    assert (caught.value.where.file, caught.value.where.field) == (str(path), "subject")


# --- the documented formats ---------------------------------------------------------------------------

DOCS = Path(__file__).parents[2] / "docs" / "evidence-formats.md"
_REPORTS = DOCS.read_text(encoding="utf-8").partition("## Laboratory and instrument reports")[2]
DOCUMENTED = re.findall(r"\n### [^\n]*→ `(\w+)`\n\n```\n(.*?)```", _REPORTS, re.S)


def test_every_report_format_is_documented_with_an_example() -> None:
    assert sorted(kind for kind, _ in DOCUMENTED) == sorted(
        [
            "airborne_molecular_contamination",
            "compressed_air_purity",
            "helium_leak_test",
            "outgassing_test",
            "rate_of_rise_test",
            "rga_scan",
            "trace_metal_analysis",
        ]
    )


@pytest.mark.parametrize(("kind", "example"), DOCUMENTED, ids=[kind for kind, _ in DOCUMENTED])
def test_the_documented_example_is_recognised_and_read(tmp_path: Path, kind: str, example: str) -> None:
    path = _write(tmp_path, example, name="leak.txt" if kind == "helium_leak_test" else "report.csv")
    assert load_evidence(path).kind == kind  # no kind named: the format is recognised from the file


# --- every parser's errors name file, line and column ------------------------------------------------

Parse = Callable[[Path, Mapping[str, Any], "Path | None"], Evidence]


# Per parser and folder: (file, line, column or key, message) of each golden file it must refuse.
PARSER_ERRORS: list[tuple[Parse, str, list[tuple[str, int, str, str]]]] = [
    (
        parse_compressed_air_report,
        "compressed_air",
        [
            (
                "atmospheric_dew_point_refused.csv",
                7,
                "parameter",
                "atmospheric dew point cannot be classified",
            ),
            ("size_band_0.3-0.5_not_iso8573.csv", 6, "parameter", "not an ISO 8573-1 band"),
            ("dew_point_reported_twice_refused.csv", 8, "parameter", "reported twice (first on line 6)"),
            ("oil_value_not_a_number_refused.csv", 7, "value", "'0.0O4' is not a number"),
            ("dew_point_in_mass_unit_refused.csv", 6, "unit", "unit 'mg/m³'"),
        ],
    ),
    (
        parse_amc_results,
        "amc",
        [
            ("ppb_without_basis_refused.csv", 5, "unit", "unit 'ppb' is ambiguous for air"),
            (
                "nd_without_detection_limit_refused.csv",
                6,
                "detection_limit",
                "'ND' needs the detection limit",
            ),
            ("unknown_category_refused.csv", 5, "category", "unknown category 'acidic'"),
            (
                "concentration_in_mg_per_kg_refused.csv",
                5,
                "unit",
                "neither a mass concentration nor a molar ratio",
            ),
        ],
    ),
    (
        parse_leak_report,
        "vacuum",
        [
            ("helium-leak-unreadable-rate.txt", 3, "Leak rate", "cannot read '2.3E-1O mbar l/s'"),
            ("helium-leak-rate-in-pressure-units.txt", 3, "Leak rate", "'mbar' is not a unit of leak rate"),
        ],
    ),
    (
        parse_rise_log,
        "vacuum",
        [
            ("rate-of-rise-time-not-increasing.csv", 6, "time_s", "time 10 does not increase"),
            ("rate-of-rise-unit-conflict.csv", 2, "Pressure unit", "disagree on the unit"),
        ],
    ),
    (
        parse_rga_scan,
        "vacuum",
        [
            ("rga-bar-scan-with-fractional-mass.csv", 6, "mass", "not a whole number in a bar scan"),
            ("rga-ion-current.csv", 2, "ion current [A]", "the scan is in ion current"),
        ],
    ),
    (
        parse_icpms,
        "icpms",
        [
            ("icpms-nd-without-detection-limit.csv", 3, "DL", "'ND' without a detection limit"),
            ("icpms-negative-result.csv", 2, "Result", "negative result -0.01"),
            ("icpms-unknown-element.csv", 3, "Element", "'Xx' is not an element"),
            ("icpms-w-w-basis-with-volume-unit.csv", 3, "Unit", "'µg/L' is not a unit of basis w/w"),
        ],
    ),
    (
        parse_outgassing,
        "outgassing",
        [
            ("e595-material-column-two-materials.csv", 2, "Material", "several materials"),
            ("e595-wvr-missing-for-one-specimen.csv", 4, "WVR %", "WVR missing for one specimen"),
            ("e595-negative-cvcm.csv", 3, "CVCM %", "negative CVCM -0.01"),
            (
                "outgassing-rate-in-throughput-units.txt",
                2,
                "Outgassing rate",
                "not an outgassing rate per area",
            ),
        ],
    ),
]
CASES = [
    (parse, f"{folder}/{name}", line, column, message)
    for parse, folder, errors in PARSER_ERRORS
    for name, line, column, message in errors
]


@pytest.mark.parametrize(("parse", "name", "line", "column", "message"), CASES, ids=[c[1] for c in CASES])
def test_bad_rows_are_refused_naming_file_line_and_column(
    parse: Parse, name: str, line: int, column: str, message: str
) -> None:
    with pytest.raises(ParseError, match=re.escape(message)) as caught:
        parse(ASSETS / name, {}, None)
    where = caught.value.where
    assert (where.file, where.row, where.field) == (str(ASSETS / name), line, column)
