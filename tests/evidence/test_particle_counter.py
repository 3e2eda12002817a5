"""Particle-counter exports → ParticleSurvey.

Known answers are computed here from ISO 14644-1 A.6.1.2 (standards-facts §1.7): concentration =
counts ÷ sampled volume (L) × 1000 per m³; a location's value is the mean of its samples' cumulative
(≥ size) concentrations. 1 ft³ = 28.316846592 L exactly (NIST SP 811), so 1 CFM = 28.316846592 L/min.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualbridge.demo.particles import DIALECTS, SurveyPlan, formula_limit, write_survey
from qualbridge.errors import ParseError
from qualbridge.evidence.models import ParticleSurvey
from qualbridge.evidence.parsers import file_digest, load_evidence
from qualbridge.evidence.parsers._cells import split_cells
from qualbridge.evidence.parsers.particle_counter import sniff
from qualbridge.evidence.parsers.particle_counter._dates import (
    FORMATS,
    AmbiguousDateError,
    DateFormatError,
    _could_read,
    detect_format,
    parse_datetime,
)
from qualbridge.evidence.parsers.particle_counter._names import channel_of

ASSETS = Path(__file__).parent.parent / "assets" / "particle_counter"
FT3_L = 28.316846592
META: dict[str, Any] = {
    "issuer": "Test Lab",
    "test_date": "2024-03-06",
    "subject": {"type": "room", "id": "R1"},
}


def survey(name: str, mapping: str | None = None, **meta: Any) -> ParticleSurvey:
    """The asset parsed as a particle survey (``--kind``: a mapped export is not recognised by itself)."""
    ev = load_evidence(
        ASSETS / name,
        kind="particle_survey",
        meta={**META, **meta},
        mapping=ASSETS / mapping if mapping else None,
    )
    assert isinstance(ev, ParticleSurvey)
    return ev


def per_m3(counts: float, litres: float) -> float:
    return counts / litres * 1000.0


def by_name(ev: ParticleSurvey) -> dict[str, Any]:
    return {loc.name: loc for loc in ev.locations}


# --- channel names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "size", "mode", "basis"),
    [
        ("0.3", 0.3, None, None),
        ("0.3um", 0.3, None, None),
        ("0.3 µm", 0.3, None, None),
        ("0.3μm", 0.3, None, None),  # Greek mu, not the micro sign
        (">=0.5", 0.5, "cumulative", None),
        ("≥0.5 um", 0.5, "cumulative", None),
        ("Ch1 0.3", 0.3, None, None),
        ("0.5 Cumulative", 0.5, "cumulative", None),
        ("0.5um Diff", 0.5, "differential", None),
        ("Size 0.3 (counts)", 0.3, None, "counts"),
        ("0.3 (/m3)", 0.3, None, "per_m3"),
        ("0.5 µm [p/ft³]", 0.5, None, "per_ft3"),
        ("0,3 µm", 0.3, None, None),
        ("0.3-0.5 µm", 0.3, "differential", None),
        ("Particles ≥ 5.0 µm/L", 5.0, "cumulative", "per_l"),
    ],
)
def test_channel_names_of_real_counters(cell: str, size: float, mode: str | None, basis: str | None) -> None:
    ch = channel_of(cell)
    assert ch is not None
    assert (ch.size_um, ch.mode, ch.basis) == (size, mode, basis)


@pytest.mark.parametrize("cell", ["Volume (ft3)", "Flow 1.0 CFM", "Sample 1", "Temp (C)", "Location", "2024"])
def test_other_columns_are_not_channels(cell: str) -> None:
    assert channel_of(cell) is None


# --- formats ---------------------------------------------------------------------------------------


def test_lighthouse_cumulative_counts_in_litres() -> None:
    ev = survey("lighthouse_cumulative_litres.csv", subject=None, test_date=None)
    assert ev.sizes_um == [0.3, 0.5, 1.0, 5.0]
    locs = by_name(ev)
    assert list(locs) == ["L01", "L02", "L03"]
    # 35 counts in 28.3 L → 1236.7 /m³ (the highest single sample at L01, 0.5 µm).
    assert locs["L01"].max_per_m3[1] == pytest.approx(1236.749, abs=1e-3)
    assert locs["L01"].mean_per_m3[1] == pytest.approx((per_m3(35, 28.3) + per_m3(30, 28.3)) / 2)
    # L03 samples 28.3 L and 56.6 L: the location value is the mean of the samples' concentrations,
    # not total counts over total volume (765.6).
    assert locs["L03"].mean_per_m3[1] == pytest.approx((per_m3(25, 28.3) + per_m3(40, 56.6)) / 2)
    assert locs["L03"].mean_per_m3[1] == pytest.approx(795.05, abs=0.01)
    assert (locs["L03"].min_sample_volume_l, locs["L03"].total_volume_l) == (28.3, pytest.approx(84.9))
    # 28.3 L at 1.0 CFM: 59.96 s, known to the volume's three figures.
    assert locs["L01"].min_sample_duration_s == 60.0
    assert ev.flow_rate_lpm == pytest.approx(FT3_L)
    assert ev.instrument is not None
    assert (ev.instrument.model, ev.instrument.serial) == ("Solair 3100", "1170032")
    assert str(ev.instrument.calibration_due) == "2025-01-15"
    assert (ev.subject.type, ev.subject.id) == ("room", "FAB1-C3")  # "Room:" line; meta gave none
    assert str(ev.test_date) == "2024-03-05"  # first timestamp; meta gave none
    assert ev.raw_filename == "lighthouse_cumulative_litres.csv"
    assert ev.raw_digest == file_digest(ASSETS / "lighthouse_cumulative_litres.csv")
    assert "J. Chen" in (ev.notes or "")


def test_tsi_differential_ft3_summed_to_cumulative() -> None:
    locs = by_name(survey("tsi_differential_ft3.csv"))
    p1 = locs["P1"]
    # ≥0.3 µm = all four bins: 50+26+5+1 = 82 and 40+20+8+0 = 68 counts in 1 ft³.
    assert p1.mean_per_m3[0] == pytest.approx(per_m3((82 + 68) / 2, FT3_L))
    assert p1.mean_per_m3[0] == pytest.approx(2648.60, abs=0.01)
    assert p1.max_per_m3[1] == pytest.approx(per_m3(26 + 5 + 1, FT3_L))
    assert p1.mean_per_m3[3] == pytest.approx(per_m3(0.5, FT3_L))
    p2 = locs["P2"]  # 0.5 ft³
    assert p2.mean_per_m3[0] == pytest.approx(per_m3(16, FT3_L / 2))
    assert p2.min_sample_volume_l == pytest.approx(FT3_L / 2)
    assert p2.min_sample_duration_s == 30.0  # 0.5 ft³ at 1 CFM


def test_metone_concentrations_semicolon_decimal_comma_bom() -> None:
    ev = survey("metone_per_m3_semicolon_bom.csv")
    a1 = by_name(ev)["A1"]
    assert ev.sizes_um == [0.3, 0.5, 5.0]
    assert a1.mean_per_m3 == pytest.approx([(2860.5 + 2330.8) / 2, (1094.8 + 988.8) / 2, 35.3 / 2])
    # No volume column: 28.3 L/min × 00:01:00.
    assert (a1.min_sample_volume_l, a1.min_sample_duration_s) == (pytest.approx(28.3), 60.0)
    assert ev.instrument is not None
    assert str(ev.instrument.calibration_date) == "2024-01-20"  # written 20.01.2024


def test_chinese_export() -> None:
    ev = survey("chinese_headers_fullwidth_colon.csv", subject=None)
    locs = by_name(ev)
    assert ev.instrument is not None
    assert (ev.instrument.model, ev.instrument.serial) == ("Y09-301", "SJ2023-118")
    assert str(ev.instrument.calibration_due) == "2025-01-09"
    assert ev.subject.id == "C3洁净室"  # 房间：
    assert locs["A1"].mean_per_m3[0] == pytest.approx(per_m3((70 + 50) / 2, 28.3))
    assert (locs["A1"].excluded_samples, locs["A2"].flagged_samples) == (1, 1)  # 流量故障, 超标报警
    assert "assumed cumulative" not in (ev.notes or "")  # 计数模式：累计


def test_german_export() -> None:
    ev = survey("german_semicolon_decimal_comma.csv")
    (loc,) = ev.locations
    assert (loc.name, loc.samples, loc.excluded_samples) == ("P1", 1, 1)  # "Fehler Durchfluss" excluded
    assert loc.min_sample_volume_l == pytest.approx(28.3)  # written 28,3
    assert loc.mean_per_m3 == pytest.approx([per_m3(70, 28.3), per_m3(35, 28.3)])
    assert ev.instrument is not None
    assert str(ev.instrument.calibration_date) == "2024-01-15"  # Kalibrierdatum: 15.01.2024


def test_single_location_from_metadata_and_duration_from_timestamps() -> None:
    ev = survey("rion_single_location_from_metadata.txt")
    (loc,) = ev.locations
    assert (loc.name, loc.samples, loc.min_sample_volume_l) == ("Bay 4", 3, 28.3)
    # The volume from the metadata is every sample's: three samples are 84.9 L in all, not 28.3 L.
    assert loc.total_volume_l == pytest.approx(3 * 28.3)
    assert loc.mean_per_m3[0] == pytest.approx(per_m3(60, 28.3))
    assert loc.min_sample_duration_s == 90.0  # samples every 1.5 min; no flow rate to do better
    assert "hold time" in (ev.notes or "")


def test_sample_time_column_gives_durations() -> None:
    (loc,) = survey("sample_time_column_hms.csv").locations
    assert loc.min_sample_duration_s == 45.0  # 00:00:45


def test_sample_time_holding_clock_times_is_not_a_duration() -> None:
    ev = survey("sample_time_is_clock_time.csv", test_date=None)
    (loc,) = ev.locations
    assert loc.min_sample_duration_s == 60.0  # 28.3 L at 1 CFM, not 8 hours
    assert str(ev.test_date) == "2024-03-05"  # Date + Sample Time read as the timestamp


def test_counts_increasing_with_size_prove_differential() -> None:
    ev = survey("undeclared_increasing_is_differential.csv")
    # rows 10,20,5 and 30,10,0 as bins → cumulative 35,25,5 and 40,10,0
    assert ev.locations[0].mean_per_m3 == pytest.approx(
        [per_m3(37.5, 28.3), per_m3(17.5, 28.3), per_m3(2.5, 28.3)]
    )
    assert "differential" in (ev.notes or "")


def test_undecidable_mode_is_assumed_cumulative_and_said() -> None:
    ev = survey("undeclared_assumed_cumulative.csv")
    assert ev.locations[0].mean_per_m3 == pytest.approx(
        [per_m3(30, 28.3), per_m3(15, 28.3), per_m3(2.5, 28.3)]
    )
    assert "assumed cumulative" in (ev.notes or "")


def test_counts_preferred_over_rounded_concentration_columns() -> None:
    ev = survey("counts_and_concentration_columns.csv")
    assert ev.locations[0].mean_per_m3[1] == pytest.approx(per_m3(35, 28.3))  # not the printed 1236.7
    assert "0.5 (/m3)" in (ev.notes or "")


def test_units_row_below_the_header() -> None:
    ev = survey("units_row_below_header.csv")
    assert ev.locations[0].mean_per_m3 == pytest.approx([per_m3(70, 28.3), per_m3(35, 28.3)])


def test_instrument_flags_exclude_or_keep_samples_and_are_reported() -> None:
    ev = survey("status_flags_excluded_and_kept.csv")
    locs = by_name(ev)
    assert set(locs) == {"L1", "L2"}  # L3 has only a flow-error row
    # Flow Error row (with '---' counts) excluded; Count Alarm row kept.
    assert (locs["L1"].samples, locs["L1"].excluded_samples, locs["L1"].flagged_samples) == (2, 1, 1)
    assert locs["L1"].mean_per_m3[0] == pytest.approx((per_m3(35, 28.3) + per_m3(70, 28.3)) / 2)
    assert (locs["L2"].samples, locs["L2"].excluded_samples) == (1, 1)
    notes = ev.notes or ""
    assert "excluded 3 samples that the instrument flagged invalid" in notes
    assert "Flow Error; Laser Error" in notes
    assert "Door open" in notes  # not recognised, kept, and shown
    assert "'L3': all 1 sample flagged invalid" in notes


def test_concentrations_per_ft3_without_volume() -> None:
    ev = survey("concentration_per_ft3_without_volume.csv")
    loc = ev.locations[0]
    # standards-facts §1.10: 100 particles/ft³ = 3531.5 particles/m³
    assert loc.mean_per_m3[0] == pytest.approx(3531.4667, abs=1e-3)
    assert (loc.min_sample_volume_l, loc.total_volume_l) == (None, None)
    assert "without the sampled volume" in (ev.notes or "")


def test_mapping_file_decides_what_detection_cannot() -> None:
    ev = survey("vendor_bins_with_mapping.csv", mapping="vendor_bins_with_mapping.yaml")
    (loc,) = ev.locations
    assert ev.sizes_um == [0.3, 0.5]
    assert loc.name == "North"
    assert loc.mean_per_m3 == pytest.approx([per_m3(37.5, FT3_L), per_m3(7.5, FT3_L)])


@settings(max_examples=60, deadline=None)
@given(
    when=st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2099, 12, 31)),
    fmt=st.sampled_from(FORMATS),
    upper=st.booleans(),
)
def test_the_quick_date_check_never_refuses_what_strptime_reads(
    when: dt.datetime, fmt: str, upper: bool
) -> None:
    value = when.strftime(fmt)
    value = value.upper() if upper else value.lower()  # strptime ignores the case of names and the T
    for other in FORMATS:
        try:
            dt.datetime.strptime(value, other)
        except ValueError:
            continue
        assert _could_read(value, other), (value, other)


def _csv_cells(line: str, delimiter: str, skip: bool) -> list[str] | type[Exception]:
    try:
        return next(csv.reader([line], delimiter=delimiter, skipinitialspace=skip), [])
    except csv.Error:
        return csv.Error


@settings(max_examples=400, deadline=None)
@given(
    line=st.text(alphabet='ab µ0.,;\t"\r\n\x00', max_size=30),
    delimiter=st.sampled_from([",", ";", "\t"]),
    skip=st.booleans(),
)
def test_a_line_is_split_as_the_csv_reader_splits_it(line: str, delimiter: str, skip: bool) -> None:
    """``split_cells`` splits plain lines itself: the cells are the CSV reader's, quotes or not."""
    try:
        cells: list[str] | type[Exception] = split_cells(line, delimiter, skip_initial_space=skip)
    except csv.Error:
        cells = csv.Error
    assert cells == _csv_cells(line, delimiter, skip)


def _every_reading(values: list[str]) -> dict[str, list[dt.datetime]]:
    """Each known format that reads every value, and what it reads: strptime on all of them."""
    found = {}
    for fmt in FORMATS:
        try:
            found[fmt] = [dt.datetime.strptime(v, fmt) for v in values]
        except ValueError:
            continue
    return found


@settings(max_examples=80, deadline=None)
@given(
    when=st.lists(
        st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2099, 12, 31)),
        min_size=1,
        max_size=4,
    ),
    fmt=st.sampled_from(FORMATS),
)
def test_detection_settles_on_what_trying_every_format_finds(when: list[dt.datetime], fmt: str) -> None:
    """Formats are tried only where a value's shape allows: the answer is that of trying them all."""
    values = [w.strftime(fmt) for w in when]
    readings = _every_reading(values)
    meanings = {tuple(r) for r in readings.values()}
    if len(meanings) > 1:
        with pytest.raises(AmbiguousDateError):
            detect_format(values)
    else:
        assert detect_format(values) == next(iter(readings))


def test_a_mapping_format_may_use_any_literal() -> None:
    assert parse_datetime("2024_03_05 08h15", "%Y_%m_%d %Hh%M") == dt.datetime(2024, 3, 5, 8, 15)
    assert parse_datetime("05.03.24 (08:15)", "%d.%m.%y (%H:%M)") == dt.datetime(2024, 3, 5, 8, 15)
    with pytest.raises(DateFormatError, match="does not match"):
        parse_datetime("2024-03-05 08h15", "%Y_%m_%d %Hh%M")


@pytest.mark.parametrize("count", ["١٢", "1_000"])
def test_digits_python_reads_but_csv_readers_do_not_are_not_numbers(count: str, tmp_path: Path) -> None:
    # float() takes Arabic-Indic digits and underscores; the CSV reader does not, and the error must
    # still name the row (it used to end in an internal error: a bad row with no description).
    path = tmp_path / "survey.csv"
    path.write_text(f"Location: Bay 4\nSample Volume: 28.3 L\nLocation,0.3 µm,0.5 µm\nA,{count},0\nA,5,1\n")
    with pytest.raises(ParseError, match=rf"row 4, field '0.3 µm': '{count}' is not a number"):
        load_evidence(path, kind="particle_survey", meta=META)


def test_ambiguous_dates_need_a_format_then_parse() -> None:
    with pytest.raises(ParseError, match=r"row 4, field 'Date Time': '03/05/2024 08:00:00' reads as 2024-0"):
        survey("ambiguous_dates_need_format.csv")
    ev = survey("ambiguous_dates_need_format.csv", mapping="ambiguous_dates_need_format.yaml")
    assert ev.locations[0].min_sample_duration_s == 90.0


def test_meta_wins_over_the_header() -> None:
    ev = survey("lighthouse_cumulative_litres.csv", instrument={"serial": "SN-FROM-META"}, notes="witnessed")
    assert ev.instrument is not None
    assert (ev.instrument.model, ev.instrument.serial) == ("Solair 3100", "SN-FROM-META")
    assert (ev.subject.id, str(ev.test_date)) == ("R1", "2024-03-06")
    assert (ev.notes or "").startswith("witnessed")


def test_sniff_recognises_exports() -> None:
    head = (ASSETS / "tsi_differential_ft3.csv").read_text("utf-8")
    assert sniff(head)
    assert not sniff("Parameter,Value,Unit\nISO 8573-1 class,1.4.1,\n")


# --- bad input: file, 1-based line, column, what was expected ---------------------------------------


@pytest.mark.parametrize(
    ("name", "mapping", "where", "what"),
    [
        ("negative_count_row7.csv", None, "row 7, field '0.5 µm'", "negative count -5"),
        ("non_numeric_count_row5.csv", None, "row 5, field '0.3 µm'", "'1O' is not a number"),
        ("nan_count_row6.csv", None, "row 6, field '0.3 µm'", "NaN is not a count"),
        ("missing_count_row5.csv", None, "row 5, field '0.5 µm'", "missing count"),
        ("zero_volume_row6.csv", None, "row 6, field 'Volume (L)'", "sample volume 0 is not positive"),
        ("missing_location_row5.csv", None, "row 5, field 'Location'", "no location"),
        (
            "unknown_location_row6.csv",
            "unknown_location_row6.yaml",
            "row 6, field 'Location'",
            "unknown location 'L2'",
        ),
        ("extra_field_row5.csv", None, "row 5, field '5'", "5 fields, but the header has 4"),
        ("truncated_last_row6.csv", None, "row 6, field '0.3 µm'", "last row is truncated"),
        ("cumulative_increases_row5.csv", None, "row 5, field '0.5 Cum'", "12 at ≥0.5 µm is above 10"),
        ("duplicate_channel_line3.csv", None, "row 3, field '0.5um'", "duplicate channel 0.5 µm"),
        ("counts_without_volume.csv", None, "row 1", "counts but not the sampled volume"),
        ("no_channel_columns.csv", None, "no_channel_columns.csv", "no particle channel columns"),
    ],
)
def test_bad_input_names_line_and_column(name: str, mapping: str | None, where: str, what: str) -> None:
    with pytest.raises(ParseError) as info:
        survey(name, mapping)
    message = str(info.value)
    assert message.startswith(str(ASSETS / name))
    assert where in message
    assert what in message
    assert info.value.expected


def test_unknown_mapping_key_is_refused() -> None:
    with pytest.raises(ParseError, match=r"mapping_unknown_key.yaml, field 'chanels': unknown mapping key"):
        survey("vendor_bins_with_mapping.csv", mapping="mapping_unknown_key.yaml")


# --- large files: the streaming path and the row locator -------------------------------------------


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    path = tmp_path_factory.mktemp("large") / "lighthouse_300k.csv"
    plan = SurveyPlan(locations=10, samples_per_location=30_000, invalid_fraction=0.01, hot_location=3)
    return path, write_survey(path, plan, dialect="lighthouse", chunk_rows=70_000)


def _edit_valid_row(src: Path, dst: Path, after: int, edit: Any) -> int:
    """Edit the first valid sample at or after line ``after``; its 1-based line number."""
    lines = src.read_bytes().split(b"\n")
    index = next(i for i in range(after - 1, len(lines)) if b",OK," in lines[i])
    lines[index] = edit(lines[index])
    dst.write_bytes(b"\n".join(lines))
    return index + 1


@pytest.mark.slow
def test_large_file_statistics_match_the_generator(large: tuple[Path, Any]) -> None:
    path, truth = large
    ev = load_evidence(path)
    assert isinstance(ev, ParticleSurvey)
    assert [loc.name for loc in ev.locations] == truth.names
    assert [loc.samples for loc in ev.locations] == truth.samples
    assert [loc.excluded_samples for loc in ev.locations] == truth.excluded
    for loc, mean, peak in zip(ev.locations, truth.mean_per_m3, truth.max_per_m3, strict=True):
        assert loc.mean_per_m3 == pytest.approx(mean, rel=1e-9)
        assert loc.max_per_m3 == pytest.approx(peak, rel=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("edit", "what", "field"),
    [
        (lambda b: b.replace(b",OK,", b",OK,-", 1), "negative count", "0.3 µm"),
        (lambda b: b.rsplit(b",", 1)[0] + b",x", "'x' is not a number", "5.0 µm"),
        (lambda b: b + b",9", "9 fields, but the header has 8", "9"),
    ],
)
def test_large_file_error_names_the_line(
    large: tuple[Path, Any], tmp_path: Path, edit: Any, what: str, field: str
) -> None:
    bad = tmp_path / "bad.csv"
    line = _edit_valid_row(large[0], bad, 250_123, edit)  # far beyond the rows read to detect the layout
    with pytest.raises(ParseError) as info:
        load_evidence(bad, meta=META)
    assert f"row {line}, field '{field}'" in str(info.value)
    assert what in str(info.value)


# --- properties and the generator ------------------------------------------------------------------


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("Location,Volume," + header + "\n" + "\n".join(rows) + "\n", "utf-8")
    return path


@settings(max_examples=30, deadline=None)
@given(
    samples=st.lists(
        st.tuples(st.sampled_from(["A", "B"]), st.lists(st.integers(0, 10_000), min_size=3, max_size=3)),
        min_size=1,
        max_size=12,
    ),
    litres=st.floats(2.0, 1000.0),
)
def test_same_samples_per_ft3_and_per_litre_give_the_same_concentrations(
    samples: list[tuple[str, list[int]]], litres: float
) -> None:
    ft3 = litres / FT3_L
    rows = [(loc, sorted(c, reverse=True)) for loc, c in samples]  # cumulative: never up with size
    forms = {
        "counts, L": ("Volume (L)", "0.3,0.5,1.0", lambda c: c, litres),
        "counts, ft³": ("Volume (ft3)", "0.3,0.5,1.0", lambda c: c, ft3),
        "per L": ("Volume (L)", "0.3 (/L),0.5 (/L),1.0 (/L)", lambda c: c / litres, litres),
        "per ft³": ("Volume (ft3)", "0.3 (/ft3),0.5 (/ft3),1.0 (/ft3)", lambda c: c / ft3, ft3),
    }
    with tempfile.TemporaryDirectory() as tmp:
        found = {}
        for form, (vol_name, header, value, volume) in forms.items():
            text = [f"{loc},{volume!r}," + ",".join(repr(float(value(x))) for x in c) for loc, c in rows]
            path = _write(Path(tmp) / "s.csv", header, text)
            path.write_text(path.read_text("utf-8").replace("Volume,", vol_name + ",", 1), "utf-8")
            ev = load_evidence(path, meta=META)
            assert isinstance(ev, ParticleSurvey)
            found[form] = {loc.name: loc.mean_per_m3 for loc in ev.locations}
    expected = {
        name: [
            sum(per_m3(c[k], litres) for n, c in rows if n == name) / sum(n == name for n, _ in rows)
            for k in range(3)
        ]
        for name in {n for n, _ in rows}
    }
    for form, means in found.items():
        assert means.keys() == expected.keys(), form
        for name, values in means.items():
            assert values == pytest.approx(expected[name], rel=1e-9, abs=1e-9), form


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_generator_round_trip(dialect: str, tmp_path: Path) -> None:
    plan = SurveyPlan(locations=5, samples_per_location=200, invalid_fraction=0.05, hot_location=1, seed=7)
    path = tmp_path / f"{dialect}.csv"
    truth = write_survey(path, plan, dialect=dialect)
    ev = load_evidence(path)  # the sidecar gives issuer, date, subject, occupancy, area
    assert isinstance(ev, ParticleSurvey)
    assert (ev.occupancy, ev.area_m2, ev.issuer) == (
        "at-rest",
        plan.area_m2,
        "QualBridge Demo Cleanroom Services",
    )
    assert [loc.name for loc in ev.locations] == truth.names
    assert [loc.samples for loc in ev.locations] == truth.samples
    assert [loc.excluded_samples for loc in ev.locations] == truth.excluded
    for loc, mean, expected in zip(ev.locations, truth.mean_per_m3, truth.expected_per_m3, strict=True):
        assert loc.mean_per_m3 == pytest.approx(mean, rel=1e-9)
        # Poisson: the mean of n samples is within 5 standard errors of the true concentration.
        for got, true in zip(loc.mean_per_m3, expected, strict=True):
            counts = true * plan.sample_volume_l / 1000.0
            error = 5 * (counts / loc.samples) ** 0.5 * 1000.0 / plan.sample_volume_l + 0.1
            assert abs(got - true) <= error
    hot = ev.locations[1].mean_per_m3[ev.sizes_um.index(0.5)]
    assert hot > formula_limit(5, 0.5)  # the hot location exceeds ISO 5 at 0.5 µm


def test_generator_is_deterministic(tmp_path: Path) -> None:
    plan = SurveyPlan(samples_per_location=50, invalid_fraction=0.1)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_survey(a, plan, chunk_rows=64)
    write_survey(b, plan, chunk_rows=64)
    assert file_digest(a) == file_digest(b)
    write_survey(b, SurveyPlan(samples_per_location=50, invalid_fraction=0.1, seed=1), chunk_rows=64)
    assert file_digest(a) != file_digest(b)
