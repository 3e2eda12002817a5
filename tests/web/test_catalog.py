"""Every string of the pages is in the web catalog and has its Chinese translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from qualbridge import i18n
from qualbridge.web import render

SRC = Path(i18n.__file__).parent.parent


def _catalog() -> dict[str, str]:
    with (i18n.LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "web.po").open("rb") as fh:
        catalog = read_po(fh)
    return {str(m.id): str(m.string) for m in catalog if m.id and "fuzzy" not in m.flags}


def test_every_string_of_the_pages_is_translated() -> None:
    templates = "qualbridge/web/templates/**.html"
    found = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(SRC),
            method_map=[("qualbridge/web/**.py", "python"), (templates, "jinja2")],
            options_map={templates: {"extensions": "jinja2.ext.i18n"}},
            keywords=DEFAULT_KEYWORDS,
        )
    }
    assert len(found) > 100
    catalog = _catalog()
    missing = sorted(str(m) for m in found if not catalog.get(str(m)))
    assert not missing, f"untranslated (run `make messages` and translate): {missing}"


def test_templates_render_chinese_from_the_catalog() -> None:
    html = render.render("zh", "sign_in.html", {"csrf": "x", "here": "/", "next": "/", "email": ""})
    assert "登录" in html
    assert '<html lang="zh-Hans">' in html
