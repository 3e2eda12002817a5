"""The ``reports`` message catalog: complete in Chinese, and up to date with the code and templates."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from qualbridge import i18n
from qualbridge.reports.language import Voice

SRC = Path(i18n.__file__).resolve().parents[1]
CONFIG = i18n.LOCALE_DIR / "reports.cfg"
CATALOG = i18n.LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "reports.po"
#: The keywords `make messages` extracts (Makefile, target "messages").
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


def _catalog() -> Catalog:
    with CATALOG.open("rb") as fh:
        return read_po(fh, locale="zh_Hans", domain="reports")


def _extracted() -> set[str]:
    """What `make messages` would find: the same mapping file, the same keywords, from the same folder."""
    with CONFIG.open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, filename=str(CONFIG))
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        SRC, method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_catalog_is_up_to_date_with_the_code() -> None:
    extracted = _extracted()
    in_catalog = {m.id for m in _catalog() if m.id}
    assert len(extracted) > 50  # the mapping matched the report's modules and template
    assert sorted(extracted - in_catalog) == [], "run 'make messages' and translate the new strings"
    assert sorted(in_catalog - extracted) == [], "run 'make messages': the catalog has strings no code uses"


def test_every_message_has_a_chinese_translation() -> None:
    catalog = _catalog()
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
    assert not catalog.obsolete


def test_the_catalog_header() -> None:
    catalog = _catalog()
    assert str(catalog.locale) == "zh_Hans"
    assert (catalog.project, catalog.version) == ("QualBridge", "0.1.0")
    assert "FULL NAME" not in catalog.last_translator
    assert "LANGUAGE" not in catalog.language_team
    assert not catalog.fuzzy


def test_the_translations_are_used_at_run_time() -> None:
    assert Voice("zh").plain("Verdict") == "判定"
    assert Voice("both").plain("Gaps and actions") == "Gaps and actions / 差距与措施"
    assert Voice("en").plain("Verdict") == "Verdict"
