"""Languages: message catalogs, the choice of language, and numbers and dates per locale.

Every user-facing string of the reports and the web application goes through a gettext catalog; the
catalogs are the ``.po`` files under ``qualbridge/locale/<locale>/LC_MESSAGES/<domain>.po`` (one domain
per edge: ``reports``, ``web``), read at run time and compiled in memory, so a clone needs no build step.
``make messages`` re-extracts the strings from the code and templates and updates the catalogs.

The two languages are named ``en`` and ``zh`` wherever a person types them (``--lang en|zh|both``, the
language switch); :data:`LOCALES` maps them to the Babel locales used for catalogs and formatting
(``zh`` is Simplified Chinese as used in mainland China: ``zh_Hans_CN``).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from pathlib import Path
from typing import Final, Literal, get_args

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal as _format_decimal
from babel.numbers import format_percent as _format_percent
from babel.support import NullTranslations, Translations

Lang = Literal["en", "zh"]
LANGS: Final[tuple[Lang, ...]] = get_args(Lang)
LOCALES: Final[dict[Lang, str]] = {"en": "en", "zh": "zh_Hans_CN"}
CATALOG_DIRS: Final[dict[Lang, str]] = {"en": "en", "zh": "zh_Hans"}
Domain = Literal["reports", "web"]

LOCALE_DIR: Final = Path(__file__).parent / "locale"


def parse_lang(value: str) -> Lang:
    """``en`` or ``zh`` from what a person or a browser wrote (``zh-CN``, ``zh_Hans``, ``EN``…)."""
    base = value.strip().replace("_", "-").split("-")[0].lower()
    if base not in LANGS:
        raise ValueError(f"unknown language {value!r}: expected one of {', '.join(LANGS)}")
    return base


def negotiate(accept_language: str | None, *, default: Lang = "en") -> Lang:
    """The best of our languages for an HTTP ``Accept-Language`` header (RFC 9110 §12.5.4)."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((-quality, position, tag))
    for neg_quality, _, tag in sorted(ranked):
        if neg_quality >= 0:  # q=0 means "not acceptable"
            break
        try:
            return parse_lang(tag)
        except ValueError:
            continue
    return default


@functools.cache
def translations(lang: Lang, domain: Domain) -> NullTranslations:
    """The catalog of ``domain`` in ``lang``; English is the source language and needs none."""
    path = LOCALE_DIR / CATALOG_DIRS[lang] / "LC_MESSAGES" / f"{domain}.po"
    if lang == "en" or not path.exists():
        return NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=LOCALES[lang], domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=domain)


def locale(lang: Lang) -> Locale:
    return Locale.parse(LOCALES[lang])


def format_number(value: float, lang: Lang, *, digits: int = 3) -> str:
    """A measured value with ``digits`` significant digits, grouped per locale (1,234.5 / 1,234.5)."""
    if value == 0 or not abs(value) < float("inf"):
        return _format_decimal(value, locale=LOCALES[lang])
    exponent = int(f"{abs(value):e}".split("e")[1])
    if abs(exponent) >= 6:  # too wide for grouping: scientific notation reads better
        return _format_decimal(value, format="0.##E0", locale=LOCALES[lang])
    decimals = max(0, digits - 1 - exponent)
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return _format_decimal(round(value, decimals), format=pattern, locale=LOCALES[lang])


def format_percent(value: float, lang: Lang) -> str:
    return _format_percent(value, format="#,##0.#%", locale=LOCALES[lang])


def format_date(value: dt.date, lang: Lang) -> str:
    return _format_date(value, format="medium", locale=LOCALES[lang])


def format_datetime(value: dt.datetime, lang: Lang) -> str:
    """A moment in the reader's locale, in UTC and saying so (reports travel across time zones)."""
    utc = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return _format_datetime(utc, format="medium", tzinfo=dt.UTC, locale=LOCALES[lang]) + " UTC"
