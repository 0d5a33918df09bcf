"""One catalogue per language: every string a page or report prints, and the one way numbers are written.

Strings live with what says them, each package in its ``data/strings.json`` (a *domain*: the
candidate reports in :mod:`profilefit.pages.reports`, the audit in
:mod:`profilefit.evidence.audit`, ...), all in one shape: ``{"languages": [...], "strings":
{key: {language: text}}}``. A :class:`Catalogue` reads them by domain for its language.

Numbers have one rule for every page, text report and language (``data/numbers.json``): the
language's decimal mark, thousands grouped with its separator (a no-break space in Norwegian and
Swedish, so a number never breaks across lines), a true minus sign (U+2212), and no minus on a
number that rounds to zero: ``-0.001`` with two decimals is ``0.00``, never ``-0.00``.
"""

from __future__ import annotations

import json
import math
import numbers
from functools import cache, lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def _numbers() -> dict[str, Any]:
    text = resources.files("profilefit.pages").joinpath("data", "numbers.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def page_languages() -> tuple[str, ...]:
    """Languages pages are written in: English, Norwegian bokmål, Swedish, Dutch."""
    return tuple(_numbers()["languages"])


@cache
def domain_file(domain: str) -> dict[str, Any]:
    """A domain's strings file (``data/strings.json`` of the package ``domain``), as read."""
    text = resources.files(domain).joinpath("data", "strings.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def domain_strings(domain: str) -> dict[str, dict[str, str]]:
    """Every string of a domain: key, then language code, then text (with ``{placeholders}``)."""
    strings: dict[str, dict[str, str]] = domain_file(domain)["strings"]
    return strings


class Catalogue:
    r"""What pages say in one language: the strings of every domain, and numbers written one way.

    Use :func:`catalogue` to get the one catalogue of a language.

    Parameters
    ----------
    language : str
        One of :func:`page_languages`.

    Raises
    ------
    ValueError
        For a language pages are not written in.

    Examples
    --------
    >>> nb = catalogue("nb")
    >>> nb.number(2000.0, 1), nb.number(-0.001, 2), nb.number(-1.5, 1, sign=True), nb.percent(0.125, 1)
    ('2\xa0000,0', '0,00', '−1,5', '12,5\xa0%')
    """

    def __init__(self, language: str) -> None:
        if language not in page_languages():
            raise ValueError(f"no pages in language {language!r}; choose one of {', '.join(page_languages())}")
        self.language = language
        self._numbers: dict[str, str] = _numbers()["numbers"][language]
        self._domains: dict[str, dict[str, str]] = {}

    def strings(self, domain: str) -> dict[str, str]:
        """Every string of ``domain`` in this language, unfilled (what templates read as ``t.<key>``)."""
        if domain not in self._domains:
            self._domains[domain] = {key: texts[self.language] for key, texts in domain_strings(domain).items()}
        return self._domains[domain]

    def t(self, domain: str, key: str, /, **values: object) -> str:
        """The string ``key`` of ``domain`` in this language, with ``values`` filled in.

        A whole number among ``values`` (an ``int`` or a numpy integer, not a bool) is a count and is
        written by :meth:`count`, thousands grouped, so that no sentence can print ``200000``. Pass an
        identifier that happens to be a number (a seed, a year) as text.
        """
        text = self.strings(domain)[key]
        if not values:
            return text
        counted = {name: self._counted(value) for name, value in values.items()}
        return text.format(**counted)

    def _counted(self, value: object) -> object:
        """A whole number (not a bool) as :meth:`count` writes it; anything else as given."""
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return self.count(int(value))
        return value

    @property
    def missing(self) -> str:
        """What a page shows for a number there is none of (a dash)."""
        return self._numbers["missing"]

    def number(self, value: float, decimals: int = 1, *, sign: bool = False, group: bool = True) -> str:
        """A number as this language writes it.

        Parameters
        ----------
        value : float
        decimals : int, default=1
        sign : bool, default=False
            Write ``+`` before a number that is not negative (``+0.00`` included).
        group : bool, default=True
            Group thousands (``2,000`` in English, ``2 000`` in Norwegian and Swedish, ``2.000`` in Dutch).

        Returns
        -------
        str
            A dash for a value that is not a finite number.
        """
        value = float(value)
        if not math.isfinite(value):
            return self.missing
        digits = f"{abs(value):{',' if group else ''}.{decimals}f}"  # "," groups, "." marks decimals: swapped below
        negative = value < 0 and any(char not in "0.," for char in digits)  # -0.001 to two decimals is 0.00
        swap = {",": self._numbers["group"], ".": self._numbers["decimal"]}
        text = "".join(swap.get(char, char) for char in digits)
        return (self._numbers["minus"] if negative else "+" if sign else "") + text

    def count(self, value: int) -> str:
        """A whole number, thousands grouped as this language groups them (``200,000``, ``200 000``, ``200.000``)."""
        return self.number(value, 0)

    def percent(self, share: float, decimals: int = 0, *, sign: bool = False) -> str:
        """A share 0–1 as a percentage, as this language writes it (``12.5%``, ``12,5 %``)."""
        if not math.isfinite(float(share)):
            return self.missing
        return self._numbers["percent"].format(value=self.number(100.0 * share, decimals, sign=sign))

    def below(self, value: float, decimals: int = 3) -> str:
        """``<value``: what a p-value smaller than the smallest shown is written as (``<0.001``)."""
        return self._numbers["less_than"].format(value=self.number(value, decimals))

    def p_value(self, value: float | None, decimals: int = 3) -> str:
        """A p-value with ``decimals`` decimals, below the smallest one shown written as ``<0.001``; a dash for none."""
        if value is None or not math.isfinite(value):
            return self.missing
        smallest = 10.0**-decimals
        return self.below(smallest, decimals) if value < smallest else self.number(value, decimals)

    def decimal_mark(self) -> str:
        """The decimal mark of this language."""
        return self._numbers["decimal"]

    def group_mark(self) -> str:
        """The thousands separator of this language (a no-break space in Norwegian and Swedish)."""
        return self._numbers["group"]


@cache
def catalogue(language: str) -> Catalogue:
    """The one catalogue of ``language`` (see :class:`Catalogue`)."""
    return Catalogue(language)
