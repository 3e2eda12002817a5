"""Templates: one Jinja2 environment per language, with that language's catalog and formatters.

Every user-facing string of a template is marked with ``{% trans %}`` or ``_()`` and lands in the
``web`` catalog (``make messages``); texts that come with the data (profile and requirement titles,
verdict messages, actions) are bilingual already and are picked with the ``bi`` filter.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from qualbridge import i18n
from qualbridge.i18n import Lang

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def _bi(lang: Lang, value: Any) -> str:
    """One language of a bilingual text (a ``Text`` or its ``{"en", "zh"}`` JSON form)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("en") or "")
    if hasattr(value, "en") and hasattr(value, "zh"):
        return str(getattr(value, lang))
    return str(value)


def _num(lang: Lang, value: float | None, digits: int = 3) -> str:
    return "" if value is None else i18n.format_number(value, lang, digits=digits)


def _pct(lang: Lang, value: float | None) -> str:
    return "" if value is None else i18n.format_percent(value, lang)


def _date(lang: Lang, value: dt.date | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return i18n.format_date(value, lang)


def _datetime(lang: Lang, value: dt.datetime | None) -> str:
    return "" if value is None else i18n.format_datetime(value, lang)


@functools.cache
def environment(lang: Lang) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(lang, "web"), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        bi=functools.partial(_bi, lang),
        num=functools.partial(_num, lang),
        pct=functools.partial(_pct, lang),
        date=functools.partial(_date, lang),
        datetime=functools.partial(_datetime, lang),
    )
    env.globals.update(lang=lang, html_lang="zh-Hans" if lang == "zh" else "en")
    return env


def render(lang: Lang, template: str, values: dict[str, Any]) -> str:
    return environment(lang).get_template(template).render(values)


def gettext(lang: Lang) -> Any:
    """The ``_`` of Python code that builds user-facing text (flash messages)."""
    return i18n.translations(lang, "web").gettext
