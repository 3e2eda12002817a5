"""Every golden raw file is recognised as its own kind when the caller names none; the raw digest is
the file's, or the one its caller computed."""

import hashlib
from pathlib import Path

import pytest

from qualbridge.evidence.parsers import _choose, file_digest, known_digest, load_evidence

ASSETS = Path(__file__).parents[1] / "assets"

# Golden files that are valid exports of one kind (the error cases are named for their defect).
EXPECTED = {
    "compressed_air": "compressed_air_purity",
    "amc": "airborne_molecular_contamination",
    "icpms": "trace_metal_analysis",
    "outgassing": "outgassing_test",
}


def _valid_files(folder: str) -> list[Path]:
    return sorted(
        p for p in (ASSETS / folder).iterdir() if p.suffix in {".csv", ".txt"} and "refused" not in p.name
    )


@pytest.mark.parametrize(
    ("path", "kind"),
    [(p, kind) for folder, kind in EXPECTED.items() for p in _valid_files(folder)],
    ids=lambda v: v.name if isinstance(v, Path) else v,
)
def test_report_files_are_not_mistaken_for_particle_exports(path: Path, kind: str) -> None:
    assert _choose(path, None).kind == kind


def test_particle_exports_are_recognised() -> None:
    path = ASSETS / "particle_counter" / "lighthouse_cumulative_litres.csv"
    assert _choose(path, None).kind == "particle_survey"


def test_a_folder_stands_for_its_evidence_files_without_sidecars(tmp_path: Path) -> None:
    from qualbridge.errors import ParseError
    from qualbridge.evidence.parsers import evidence_files

    (tmp_path / "a.csv").write_text("x", encoding="utf-8")
    (tmp_path / "a.csv.meta.yaml").write_text("issuer: Lab", encoding="utf-8")
    (tmp_path / "b.json").write_text("{}", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.csv").write_text("x", encoding="utf-8")
    assert evidence_files([tmp_path]) == [tmp_path / "a.csv", tmp_path / "b.json"]
    # A shell glob passes sidecars along with their files: they are metadata, not evidence.
    assert evidence_files(sorted(tmp_path.glob("a.*"))) == [tmp_path / "a.csv"]
    with pytest.raises(ParseError, match="metadata sidecar"):
        evidence_files([tmp_path / "a.csv.meta.yaml"])


@pytest.mark.parametrize(
    "kind",
    [None, "particle_survey", "compressed_air_purity", "helium_leak_test", "trace_metal_analysis"],
)
def test_binary_input_is_refused_by_name_for_every_parser(tmp_path: Path, kind: str | None) -> None:
    from qualbridge.errors import ParseError
    from qualbridge.evidence.parsers import load_evidence

    path = tmp_path / "upload.csv"
    path.write_bytes(bytes(range(256)) * 8)  # NUL, CR and LF bytes in random-looking data
    with pytest.raises(ParseError, match="binary file") as info:
        load_evidence(path, kind=kind)
    assert info.value.where.file == str(path)


def test_stray_carriage_return_in_a_particle_export_is_a_parse_error(tmp_path: Path) -> None:
    from qualbridge.errors import ParseError
    from qualbridge.evidence.parsers import load_evidence

    path = tmp_path / "survey.csv"
    path.write_bytes(b'Location,Volume (L),0.3 um,0.5 um\nL1,28.3,10,"4\r\n')
    with pytest.raises(ParseError):
        load_evidence(path, kind="particle_survey")


@pytest.mark.parametrize(
    "path",
    [
        ASSETS / "particle_counter" / "lighthouse_cumulative_litres.csv",
        _valid_files("compressed_air")[0],
    ],
    ids=lambda p: p.name,
)
def test_a_digest_the_caller_knows_is_used_instead_of_hashing_again(path: Path) -> None:
    actual = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    meta = {"issuer": "Lab", "test_date": "2026-03-05", "subject": {"type": "room", "id": "C3"}}
    assert load_evidence(path, meta=meta).raw_digest == actual
    # A digest no file has: recorded as given, so the parser did not hash the file itself.
    given = "sha256:" + "ab" * 32
    assert load_evidence(path, meta=meta, digest=given).raw_digest == given
    assert known_digest(path) is None, "the digest is known only while that file is parsed"
    assert file_digest(path) == actual
