"""The DIF report's words in English, Norwegian (bokmål), Swedish and Dutch, from ``dif/data/strings.json``.

Every string the text and the page print is in the data file, in every language of the file;
a test fails when a language lacks a key. Scale names come from the instrument and profile
names from the profile file.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from typing import Any

from profilefit.core.instrument import Instrument
from profilefit.core.profiles import load_profiles


@lru_cache(maxsize=1)
def _strings_file() -> dict[str, Any]:
    text = resources.files("profilefit.evidence.dif").joinpath("data", "strings.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def dif_languages() -> tuple[str, ...]:
    """Languages the DIF report is written in."""
    return tuple(_strings_file()["languages"])


def dif_strings() -> dict[str, dict[str, str]]:
    """Every DIF report string: key, then language, then text with ``{placeholders}``."""
    strings: dict[str, dict[str, str]] = _strings_file()["strings"]
    return strings


class DifText:
    """The DIF report's words and numbers in one language, and the names of scales and profiles in it.

    Parameters
    ----------
    language : str
        One of :func:`dif_languages`.
    instrument : Instrument, optional
        Where scale names come from; without it, scales are shown by id.
    """

    def __init__(self, language: str = "en", instrument: Instrument | None = None) -> None:
        if language not in dif_languages():
            raise ValueError(f"no DIF report in language {language!r}; choose one of {', '.join(dif_languages())}")
        self.language = language
        self._names: dict[str, str] = {}
        if instrument is not None:
            profiles = load_profiles()
            self._names = {p: profiles.name(p, language) for p in profiles.ids}
            self._names.update(
                {scale.id: scale.name.get(language) or scale.name.get("en") or scale.id for scale in instrument.scales}
            )

    def dimension(self, by: str) -> str:
        """Display name of the demographic column compared (the column name itself when not translated)."""
        key = f"dimension_{by}"
        return self.t(key) if key in dif_strings() else by.replace("_", " ")

    def group_name(self, group: str) -> str:
        """Display name of what an answer belongs to: a scale, a profile an option is keyed to, or itself."""
        return self._names.get(group, group)

    def t(self, key: str, **values: object) -> str:
        """The string ``key`` in this language, with ``values`` filled in."""
        text = dif_strings()[key][self.language]
        return text.format(**values) if values else text

    def number(self, value: float, decimals: int = 2) -> str:
        """A number with this language's decimal separator; a dash when undefined."""
        if not math.isfinite(value):
            return "–"
        text = f"{value:.{decimals}f}"
        if float(text) == 0:
            text = text.lstrip("-")  # no "−0.00"
        return text.replace(".", self.t("decimal_separator")).replace("-", "−")

    def q(self, value: float) -> str:
        """An adjusted p-value, with ``<0.001`` for the smallest."""
        if not math.isfinite(value):
            return "–"
        return "<" + self.number(0.001, 3) if value < 0.001 else self.number(value, 3)
