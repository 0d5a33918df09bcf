"""The DIF report's words in English, Norwegian (bokmål), Swedish and Dutch, from ``dif/data/strings.json``.

Every string the text and the page print is in the data file, in every language of the file;
a test fails when a language lacks a key. Scale names come from the instrument and profile
names from the profile file.
"""

from __future__ import annotations

from profilefit.core.instrument import Instrument
from profilefit.core.profiles import load_profiles
from profilefit.pages import catalogue, domain_file, domain_strings

#: The DIF report's strings domain in the page catalogue (``dif/data/strings.json``).
DOMAIN = "profilefit.evidence.dif"


def dif_languages() -> tuple[str, ...]:
    """Languages the DIF report is written in."""
    return tuple(domain_file(DOMAIN)["languages"])


def dif_strings() -> dict[str, dict[str, str]]:
    """Every DIF report string: key, then language, then text with ``{placeholders}``."""
    return domain_strings(DOMAIN)


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
        return catalogue(self.language).t(DOMAIN, key, **values)

    def number(self, value: float, decimals: int = 2) -> str:
        """A number as every page writes it in this language (:meth:`profilefit.pages.Catalogue.number`)."""
        return catalogue(self.language).number(value, decimals)

    def count(self, value: int) -> str:
        """A whole number, thousands grouped as this language groups them (``1,200``, ``1 200``)."""
        return catalogue(self.language).count(value)

    def q(self, value: float) -> str:
        """An adjusted p-value, with ``<0.001`` for the smallest."""
        return catalogue(self.language).p_value(value, 3)
