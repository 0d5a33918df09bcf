"""Which key and column names say who a candidate is: read from ``core/data/demographic_names.json``.

One list for every door, so a demographic column is left out of scoring (the assessment schema, the
batch reader) and read by the audit under the same names, whatever language the export was written
in: ``Kjønn``, ``Kön`` and ``Geslacht`` are ``sex``; ``Alder``, ``Ålder`` and ``Leeftijd`` are ``age``;
``Nationaliteit`` is ``nationality``. The names are data, in the file, by the English field each
stands for; adding a language or a name is a change to the file alone.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib import resources

_SEPARATORS = re.compile(r"[\s\-]+")


def demographic_name_key(name: str) -> str:
    """How two spellings of a column name are compared: Unicode NFKC, case folded, spaces and hyphens as ``_``.

    NFKC, as the demographics reader compares categories: a name typed with a decomposed accent, a
    full-width letter or a no-break space is the same name.

    Examples
    --------
    >>> demographic_name_key(" KJØNN ") == demographic_name_key("kjønn")
    True
    >>> demographic_name_key("Date of  birth"), demographic_name_key("age-band")
    ('date_of_birth', 'age_band')
    """
    return _SEPARATORS.sub("_", unicodedata.normalize("NFKC", name).strip()).casefold()


@cache
def demographic_names() -> dict[str, str]:
    """Every demographic name (as :func:`demographic_name_key` gives it), mapped to the English field it stands for.

    Read once from the package's ``demographic_names.json``.

    Raises
    ------
    ValueError
        If the file gives one name to two fields.
    """
    text = resources.files("profilefit.core").joinpath("data", "demographic_names.json").read_text(encoding="utf-8")
    names: dict[str, str] = {}
    for field, languages in json.loads(text)["fields"].items():
        for written in [field, *(name for names_of in languages.values() for name in names_of)]:
            key = demographic_name_key(written)
            if names.setdefault(key, field) != field:
                raise ValueError(f"demographic_names.json gives {written!r} to both {names[key]!r} and {field!r}")
    return names


def demographic_field(name: str) -> str | None:
    """The English demographic field a key or column name stands for, or ``None`` when it is not demographic.

    Examples
    --------
    >>> demographic_field("Kjønn"), demographic_field("LEEFTIJD"), demographic_field("Nationaliteit")
    ('sex', 'age', 'nationality')
    >>> demographic_field("tc1") is None
    True
    """
    return demographic_names().get(demographic_name_key(name))


__all__ = ["demographic_field", "demographic_name_key", "demographic_names"]
