"""The language of a report: English, Chinese, or both side by side, and the catalog behind it.

Strings in the report code are written in English and marked with :func:`_` so that ``make messages``
extracts them into the ``reports`` catalog; they are translated when the report is rendered, for the
language (or both languages) of that report. A report in ``both`` shows every heading and label in the
two languages, one after the other, and keeps its tables single.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Literal, get_args

from markupsafe import Markup, escape

from qualbridge import i18n
from qualbridge.text import Lang, Text

ReportLang = Literal["en", "zh", "both"]
REPORT_LANGS: Final[tuple[ReportLang, ...]] = get_args(ReportLang)


def _(message: str) -> str:
    """Mark ``message`` for the ``reports`` catalog; :class:`Voice` translates it when rendering."""
    return message


def parse_report_lang(value: str) -> ReportLang:
    """``en``, ``zh`` or ``both`` (as typed on a command line or in a query string)."""
    cleaned = value.strip().lower()
    if cleaned == "both":
        return "both"
    try:
        return i18n.parse_lang(cleaned)
    except ValueError:
        raise ValueError(f"unknown report language {value!r}: expected en, zh or both") from None


@dataclass(frozen=True, slots=True)
class Voice:
    """Everything a rendered report says, in its language(s)."""

    lang: ReportLang

    @property
    def langs(self) -> tuple[Lang, ...]:
        return ("en", "zh") if self.lang == "both" else (self.lang,)

    @property
    def html_lang(self) -> str:
        return "zh-Hans" if self.lang == "zh" else "en"

    def translations(self, message: str) -> tuple[str, ...]:
        """``message`` in each language of the report (the English source for ``en``)."""
        return tuple(i18n.translations(lang, "reports").gettext(message) for lang in self.langs)

    def plain(self, message: str, *, sep: str = " / ") -> str:
        """Text for places without markup (chart labels, the page title)."""
        return sep.join(dict.fromkeys(self.translations(message)))

    def markup(self, message: str) -> Markup:
        """A heading or label: in ``both``, one span per language, each tagged with its ``lang``."""
        return self.spans(dict(zip(self.langs, self.translations(message), strict=True)))

    def text(self, value: Text | None) -> Markup:
        """A bilingual value of the domain (a requirement's title, a message, an action)."""
        if value is None:
            return Markup("")
        return self.spans({lang: value(lang) for lang in self.langs})

    def spans(self, by_lang: dict[Lang, str]) -> Markup:
        if len(by_lang) == 1:
            return escape(next(iter(by_lang.values())))
        return Markup(" ").join(
            Markup('<span class="bi" lang="{}">{}</span>').format(_html_lang(lang), text)
            for lang, text in by_lang.items()
        )

    @property
    def number_lang(self) -> Lang:
        """Numbers are written once, in the first language of the report."""
        return self.langs[0]

    def number(self, value: float, *, digits: int = 3) -> str:
        return i18n.format_number(value, self.number_lang, digits=digits)

    def percent(self, value: float) -> str:
        return i18n.format_percent(value, self.number_lang)

    def date(self, value: dt.date) -> Markup:
        return self.spans({lang: i18n.format_date(value, lang) for lang in self.langs})

    def datetime(self, value: dt.datetime) -> Markup:
        return self.spans({lang: i18n.format_datetime(value, lang) for lang in self.langs})


def _html_lang(lang: Lang) -> str:
    return "zh-Hans" if lang == "zh" else "en"
