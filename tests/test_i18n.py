"""Languages: negotiation, catalogs and formatting per locale (expected strings from CLDR via Babel)."""

from __future__ import annotations

import datetime as dt

import pytest

from qualbridge import i18n


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("de-DE,de;q=0.9,zh;q=0.5", "zh"),  # German is not offered: the next acceptable language wins
        ("zh;q=0,en;q=0.1", "en"),  # q=0 means "not acceptable"
        ("fr, de", "en"),
        ("zh-Hans;q=abc, zh-TW;q=0.4", "zh"),  # a malformed quality drops that entry only
    ],
)
def test_negotiate_picks_the_best_language_the_browser_accepts(header: str | None, expected: str) -> None:
    assert i18n.negotiate(header) == expected


def test_parse_lang_names_what_it_expected() -> None:
    assert i18n.parse_lang("zh_Hans") == "zh"
    assert i18n.parse_lang(" EN-gb ") == "en"
    with pytest.raises(ValueError, match="expected one of en, zh"):
        i18n.parse_lang("fr")


def test_numbers_dates_and_times_per_locale() -> None:
    assert i18n.format_number(1234.5678, "en", digits=5) == "1,234.6"
    assert i18n.format_number(0.0123456, "zh") == "0.0123"
    assert i18n.format_number(3.52e7, "en") == "3.52E7"
    assert i18n.format_percent(0.254, "en") == "25.4%"
    assert i18n.format_date(dt.date(2026, 6, 30), "en") == "Jun 30, 2026"
    assert i18n.format_date(dt.date(2026, 6, 30), "zh") == "2026年6月30日"
    shanghai = dt.timezone(dt.timedelta(hours=8))
    moment = dt.datetime(2026, 6, 30, 17, 5, tzinfo=shanghai)
    assert i18n.format_datetime(moment, "en") == "Jun 30, 2026, 9:05:00\u202fAM UTC"
    assert i18n.format_datetime(moment, "zh") == "2026年6月30日 09:05:00 UTC"


def test_english_is_the_source_language_and_needs_no_catalog() -> None:
    assert i18n.translations("en", "reports").gettext("Verdict") == "Verdict"
