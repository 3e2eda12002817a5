"""The bilingual glossary of the domain's terms, printed as the appendix of every report.

The terms are data (``glossary.yaml``, which documents its own grammar); this module reads and checks
them once: every term has both languages and a unique key.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from qualbridge.text import Text

GLOSSARY_FILE = Path(__file__).with_name("glossary.yaml")
_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class Term:
    key: str
    term: Text
    definition: Text
    source: str | None = None


def _term(index: int, entry: Any) -> Term:
    where = f"{GLOSSARY_FILE.name}, term {index + 1}"
    if not isinstance(entry, dict) or not _KEY.match(str(entry.get("key", ""))):
        raise ValueError(f"{where}: needs a key of lower-case words joined by hyphens")
    unknown = set(entry) - {"key", "term", "definition", "source"}
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    return Term(
        key=entry["key"],
        term=Text.model_validate(entry.get("term")),
        definition=Text.model_validate(entry.get("definition")),
        source=entry.get("source"),
    )


@functools.cache
def glossary() -> tuple[Term, ...]:
    """The terms in the order they are printed; a duplicate key is refused."""
    raw = yaml.safe_load(GLOSSARY_FILE.read_text(encoding="utf-8"))
    terms = tuple(_term(i, entry) for i, entry in enumerate(raw))
    seen: set[str] = set()
    for term in terms:
        if term.key in seen:
            raise ValueError(f"{GLOSSARY_FILE.name}: the key {term.key!r} is used twice")
        seen.add(term.key)
    return terms
