"""Bilingual text: every user-facing string exists in English and Simplified Chinese."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")


class Text(BaseModel):
    """A string in English and Simplified Chinese."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    def __call__(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.zh

    @classmethod
    def of(cls, en: str, zh: str) -> Text:
        return cls(en=en, zh=zh)

    def format(self, **params: object) -> Text:
        """Fill ``{name}`` placeholders in both languages with the same values."""
        return Text(en=self.en.format(**params), zh=self.zh.format(**params))

    def __add__(self, other: Text) -> Text:
        return Text(en=f"{self.en} {other.en}", zh=f"{self.zh}{other.zh}")
