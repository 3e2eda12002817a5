"""The PDF, printed by Debian's Chromium: Chinese comes out as real text, in an embedded font, with
every glyph drawn (no empty boxes where a font lacked a character)."""

from __future__ import annotations

import re
import subprocess
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from qualbridge.evaluation import Evaluation
from qualbridge.reports import render_html
from qualbridge.reports.pdf import PdfRenderer, launch_flags
from tests.reports.conftest import keep, report_of

TITLE = "认证报告"  # the report's title in Chinese, the first line of page 1


@pytest.fixture(scope="module")
def zh_pdf(demo: dict[str, Evaluation], pdf: PdfRenderer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "tool-hookup-zh.pdf"
    path.write_bytes(pdf.render(render_html(report_of(demo["tool-hookup"]), "zh")))
    return path


def _run(*args: str | Path) -> str:
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True).stdout


def test_the_pdf_is_a4_with_page_numbers(zh_pdf: Path, artifacts: Path) -> None:
    keep(zh_pdf, artifacts)
    info = _run("pdfinfo", zh_pdf)
    assert re.search(r"Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)", info)
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]
    assert pages >= 2
    last = _run("pdftotext", "-f", str(pages), "-l", str(pages), "-layout", zh_pdf, "-")
    assert re.search(rf"\b{pages}\s*/\s*{pages}\b", last)  # the footer: page / pages


def test_chinese_is_real_text(zh_pdf: Path) -> None:
    text = _run("pdftotext", zh_pdf, "-")
    for term in (TITLE, "洁净度等级", "判定", "差距与措施", "采样点", "压力露点", "如何核验此证据包"):
        assert term in text, term


def _to_unicode_maps(pdf: bytes) -> str:
    """The ToUnicode CMaps of the PDF's fonts, decompressed."""
    maps = []
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            data = zlib.decompress(stream[1])
        except zlib.error:
            continue
        if b"begincmap" in data:
            maps.append(data.decode("latin-1"))
    return "\n".join(maps)


def test_fonts_are_embedded_with_the_chinese_glyphs(zh_pdf: Path) -> None:
    rows = _run("pdffonts", zh_pdf).splitlines()[2:]
    assert rows
    # Columns: name, type, encoding, emb, sub, uni, object id; every font embedded, every one mapped to
    # Unicode. Chromium writes a CFF font (as Debian's Noto Sans CJK is) as Type 3 glyph procedures.
    assert all(re.search(r"\byes\s+(yes|no)\s+yes\s+\d+\s+\d+$", row) for row in rows), rows
    cmaps = _to_unicode_maps(zh_pdf.read_bytes())
    for char in TITLE:
        assert f"<{ord(char):04X}>" in cmaps.upper(), f"no embedded glyph maps to {char}"


def _title_box(pdf: Path, dpi: int) -> tuple[int, int, int, int]:
    layout = _run("pdftotext", "-f", "1", "-l", "1", "-bbox", pdf, "-")
    found = re.search(
        rf'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">{TITLE}</word>', layout
    )
    assert found, "the title is not on page 1"
    scale = dpi / 72
    x0, y0, x1, y1 = (float(v) * scale for v in found.groups())
    return round(x0), round(y0), round(x1), round(y1)


def test_page_one_has_every_glyph(zh_pdf: Path, tmp_path: Path, artifacts: Path) -> None:
    dpi = 100
    _run("pdftoppm", "-f", "1", "-l", "1", "-r", str(dpi), "-png", "-singlefile", zh_pdf, tmp_path / "page1")
    png = tmp_path / "page1.png"
    keep(png, artifacts)
    page = Image.open(png).convert("L")
    inked = sum(page.histogram()[:200])
    assert inked / (page.width * page.height) > 0.01, "page 1 is blank"
    # A missing glyph is drawn as the same empty box whatever the character: the title's four
    # characters must each have ink, and no two may look alike.
    x0, y0, x1, y1 = _title_box(zh_pdf, dpi)
    width = (x1 - x0) / len(TITLE)
    cells = [page.crop((round(x0 + i * width), y0, round(x0 + (i + 1) * width), y1)) for i in range(4)]
    assert all(cell.getextrema()[0] < 100 for cell in cells), "a title character has no ink"
    for i, a in enumerate(cells):
        for b in cells[i + 1 :]:
            assert ImageChops.difference(a, b).getbbox() is not None, "two characters drew the same glyph"


def test_no_sandbox_only_as_root() -> None:
    import os

    assert ("--no-sandbox" in launch_flags()) == (os.geteuid() == 0)
    assert "--disable-dev-shm-usage" in launch_flags()
