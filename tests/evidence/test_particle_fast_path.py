"""The compiled row scan (``_rows.c`` via ``_fast``) against the Polars reader it stands in for.

The fast path must give what the Polars path gives — the same evidence, or the same error — for every
file, or decline the file. These tests parse each file both ways: the test assets (real exports'
shapes, including every bad-row case), demo surveys in every dialect, and generated files with the
hazards of real exports (CRLF, blank lines, short and long rows, quotes, padding, signs, exponents,
decimal commas, invalid UTF-8, flagged rows with empty counts). Sums may differ in the last bits (they
are added in another order); everything else is equal.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualbridge.demo.particles import DIALECTS, SurveyPlan, write_survey
from qualbridge.errors import ParseError
from qualbridge.evidence.parsers import load_evidence
from qualbridge.evidence.parsers.particle_counter import _fast
from qualbridge.evidence.parsers.particle_counter._header import SAMPLE_ROWS

ASSETS = Path(__file__).parent.parent / "assets" / "particle_counter"
META: dict[str, Any] = {
    "issuer": "Test Lab",
    "test_date": "2024-03-06",
    "subject": {"type": "room", "id": "R1"},
}


class Spy:
    """Counts what the fast path did with each file."""

    def __init__(self) -> None:
        self.accepted = self.declined = 0

    def __call__(self, layout: Any, mode: Any) -> Any:
        frame = REAL_AGGREGATE(layout, mode)
        if frame is None:
            self.declined += 1
        else:
            self.accepted += 1
        return frame


REAL_AGGREGATE = _fast.aggregate


def parse(path: Path, mapping: Path | None, *, fast: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The evidence as a plain dict, or the error message; with or without the compiled scan."""
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(_fast, "_rows", None)
        try:
            ev = load_evidence(path, kind="particle_survey", meta=META, mapping=mapping)
        except ParseError as exc:
            return ("error", str(exc))
    return ev.model_dump(mode="json")


def assert_same(fast: Any, slow: Any, where: str = "") -> None:
    """Equal, but for floats within 1e-12 relative (sums added in another order)."""
    if isinstance(slow, float) and isinstance(fast, float):
        assert math.isclose(fast, slow, rel_tol=1e-12, abs_tol=1e-9), f"{where}: {fast!r} != {slow!r}"
    elif isinstance(slow, dict) and isinstance(fast, dict):
        assert fast.keys() == slow.keys(), where
        for k in slow:
            assert_same(fast[k], slow[k], f"{where}.{k}")
    elif isinstance(slow, list | tuple) and isinstance(fast, list | tuple):
        assert len(fast) == len(slow), where
        for i, (a, b) in enumerate(zip(fast, slow, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    else:
        assert fast == slow, f"{where}: {fast!r} != {slow!r}"


def both_ways(path: Path, monkeypatch: pytest.MonkeyPatch, mapping: Path | None = None) -> Spy:
    spy = Spy()
    with monkeypatch.context() as m:
        m.setattr(_fast, "aggregate", spy)
        fast = parse(path, mapping, fast=True, monkeypatch=monkeypatch)
    slow = parse(path, mapping, fast=False, monkeypatch=monkeypatch)
    assert_same(fast, slow, path.name)
    return spy


def test_the_compiled_scan_is_built() -> None:
    # `make install` compiles it; without it every file would silently take the slow path.
    assert _fast.available()


@pytest.mark.parametrize("name", sorted(p.name for p in ASSETS.glob("*") if p.suffix in (".csv", ".txt")))
def test_assets_parse_the_same_both_ways(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = ASSETS / name
    mapping = path.with_suffix(".yaml")
    both_ways(path, monkeypatch, mapping if mapping.exists() else None)


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_demo_dialects_take_the_fast_path_and_agree(dialect: str, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = SurveyPlan(iso_class=6, area_m2=40, locations=6, samples_per_location=40, fraction=0.5)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{dialect}.csv"
        write_survey(path, plan, dialect=dialect)
        spy = both_ways(path, monkeypatch)
    assert (spy.accepted, spy.declined) == (1, 0), "a plain export should not need the general reader"


def test_many_chunks_merge_to_the_same_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = SurveyPlan(iso_class=5, area_m2=80, locations=9, samples_per_location=300, fraction=0.4)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "survey.csv"
        write_survey(path, plan, dialect="lighthouse")
        whole = parse(path, None, fast=True, monkeypatch=monkeypatch)
        monkeypatch.setattr(_fast, "CHUNK_BYTES", 997)  # ~170 chunks, boundaries mid-row
        spy = both_ways(path, monkeypatch)
        chunked = parse(path, None, fast=True, monkeypatch=monkeypatch)
    assert spy.accepted == 1
    assert_same(chunked, whole)


def test_the_chunks_do_not_depend_on_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = SurveyPlan(iso_class=5, area_m2=80, locations=9, samples_per_location=300, fraction=0.4)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "survey.csv"
        write_survey(path, plan, dialect="lighthouse")
        monkeypatch.setattr(_fast, "CHUNK_BYTES", 4096)
        runs = []
        for cores in (1, 2, 7):
            monkeypatch.setattr(_fast.os, "cpu_count", lambda cores=cores: cores)
            runs.append(parse(path, None, fast=True, monkeypatch=monkeypatch))
    assert runs[0] == runs[1] == runs[2]  # byte for byte: the sums are added in the same order


# --- generated exports with the hazards of real ones ----------------------------------------------

HEADER = ["Date Time", "Location", "Sample Volume (L)", "Status", "0.3 µm", "0.5 µm", "1.0 µm", "5.0 µm"]

good_count = st.integers(0, 5000).map(str)
odd_count = st.sampled_from(
    [
        "",
        " 12",
        "12 ",
        "+12",
        "-3",
        "1e2",
        "12.0",
        "12,5",
        "0x1F",
        "NaN",
        "inf",
        '"12"',
        "١٢",
        "1_000",
        "99999999999999999999",
        "0012",
    ]
)
good_volume = st.sampled_from(["28.3", "28.32", "28.316846592", "2.83", "1", "100.0"])
odd_volume = st.sampled_from(
    ["", "0", "-28.3", "28,3", "2.8e1", " 28.3", "28.", ".5", "abc", "٢٨.٣", "2_8.3"]
)
status = st.sampled_from(["OK", "OK", "OK", "Flow Error", "Laser Error", "Count Alarm", "", "Weird"])
location = st.sampled_from(["L01", "L02", "L03", " L01", "L01 ", "", "点1", "L\xe9"])


@st.composite
def rows(draw: st.DrawFn) -> list[str]:
    """Plain sample rows, then up to three hazards at random places (a quarter of the files have none)."""
    table = []
    for i in range(draw(st.integers(1, 30))):
        counts = sorted((draw(good_count) for _ in range(4)), key=int, reverse=True)
        stamp = f"2024-03-05 08:{i // 60:02d}:{i % 60:02d}"
        table.append([stamp, draw(location), draw(good_volume), draw(status), *counts])
    extra: dict[int, str] = {}
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(table) - 1))
        hazard = draw(st.sampled_from(["value", "value", "short", "long", "blank"]))
        if hazard == "value":
            c = draw(st.integers(1, len(table[i]) - 1)) if len(table[i]) > 1 else 0
            table[i][c] = draw(
                odd_volume if c == 2 else odd_count if c >= 4 else status if c == 3 else location
            )
        elif hazard == "short":
            table[i] = table[i][: draw(st.integers(1, 7))]
        elif hazard == "long":
            table[i].append(draw(st.sampled_from(["", "x", "1"])))
        else:
            extra[i] = draw(st.sampled_from(["", ",,,,,,,", " "]))
    out = []
    for i, row in enumerate(table):
        out.append(",".join(row))
        if i in extra:
            out.append(extra[i])
    return out


@st.composite
def exports(draw: st.DrawFn) -> bytes:
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    lines = ["Model: Solair 3100", "Serial Number: LH-1", "Flow Rate: 1.0 CFM", "Count Mode: Cumulative", ""]
    lines += [",".join(HEADER), *draw(rows())]
    text = eol.join(lines) + draw(st.sampled_from([eol, "", eol + eol]))
    data = text.encode()
    if draw(st.integers(0, 30)) == 0:
        data = data.replace("é".encode(), b"\xe9")  # a Latin-1 byte in UTF-8 text
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=exports())
def test_generated_exports_parse_the_same_both_ways(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        path.write_bytes(data)
        both_ways(path, monkeypatch)


def test_generated_exports_mostly_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # The agreement above would hold trivially if the fast path declined everything: it must not.
    accepted = declined = 0
    for data in iter_examples(exports(), 60):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "export.csv"
            path.write_bytes(data)
            spy = both_ways(path, monkeypatch)
        accepted += spy.accepted
        declined += spy.declined
    assert accepted > declined > 0


def iter_examples(strategy: st.SearchStrategy[bytes], n: int) -> Iterator[bytes]:
    found: list[bytes] = []

    @settings(max_examples=n, deadline=None, database=None, derandomize=True)
    @given(strategy)
    def collect(example: bytes) -> None:
        found.append(example)

    collect()
    return iter(found)


@pytest.mark.parametrize(
    ("line", "fast"),
    [
        ("2024-03-05 08:00:00,L01,28.3,OK,81,31,5,0", True),
        ("2024-03-05 08:00:00,L01,28.3,Flow Error,,,,", True),  # flagged, counts empty: still plain
        ('2024-03-05 08:00:00,"L01",28.3,OK,81,31,5,0', False),  # a quote
        ("2024-03-05 08:00:00,L01,28.3,OK,81,31,5,0,7", False),  # wider than the table
        ("2024-03-05 08:00:00,L01,28.3,OK,+81,31,5,0", False),  # a sign the grammar leaves to Polars
        ("2024-03-05 08:00:00,L01,2.83e1,OK,81,31,5,0", False),  # an exponent
        ("2024-03-05 08:00:00,L01,28.3,OK,81 ,31,5,0", False),  # padding
        ("2024-03-05 08:00:00,L01,28.3,OK,12345678901234567,31,5,0", False),  # beyond 2^53
        ("2024-03-05 08:00:00,L01,28.3,OK,1234567890123456,31,5,0", True),  # 16 digits, exact
        ("2024-03-05 08:00:00,L01,28.3,OK,81,31,5,-0", False),  # -0: a float column keeps the sign
    ],
)
def test_what_the_fast_path_reads_and_declines(
    line: str, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past the rows the layout is planned from (the head's sample), then the line, then a plain row.
    plain = [f"2024-03-05 07:{i // 60:02d}:{i % 60:02d},L01,28.3,OK,9,5,1,0" for i in range(SAMPLE_ROWS)]
    text = "\n".join(["Model: X", "Count Mode: Cumulative", ",".join(HEADER), *plain, line, plain[0], ""])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        path.write_text(text, encoding="utf-8")
        spy = both_ways(path, monkeypatch)
    assert (spy.accepted, spy.declined) == ((1, 0) if fast else (0, 1))
