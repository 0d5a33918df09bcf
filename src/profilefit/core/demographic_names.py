"""Which key and column names say who a candidate is: read from ``core/data/demographic_names.json``.

One list for every door, so a demographic column is left out of scoring (the assessment schema, the
batch reader) and read by the audit under the same names, whatever language the export was written
in: ``Kjønn``, ``Kön`` and ``Geslacht`` are ``sex``; ``Alder``, ``Ålder`` and ``Leeftijd`` are ``age``;
``Nationaliteit`` is ``nationality``. The names are data, in the file, by the English field each
stands for; adding a language or a name is a change to the file alone.

Exports and HR systems often strip the letters of Norwegian, Swedish and Dutch to ASCII, one of two
ways: without the mark (``Kjonn``, ``Kon``, ``Alder``) or as the languages transliterate them (``Kjoenn``,
``Koen``, ``Aalder``). Both folds of every name in the file are its names too
(:func:`demographic_name_folds`), so such a column is left out of scoring and read by the audit.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib import resources

_SEPARATORS = re.compile(r"[\s\-]+")

#: Letters that Unicode does not decompose into a base letter and a mark, written as ASCII without the mark.
_BARE = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l"})
#: The Nordic and German transliteration, where a letter has one (``Ålder`` as ``Aalder``, ``Kön`` as ``Koen``).
_TRANSLITERATED = str.maketrans({"å": "aa", "ø": "oe", "æ": "ae", "ä": "ae", "ö": "oe", "ü": "ue"})


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


def _without_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_BARE))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def demographic_name_folds(key: str) -> frozenset[str]:
    """The ASCII spellings of a name key that exports write: the marks dropped, or the letters transliterated.

    ``key`` is a :func:`demographic_name_key`. Both folds of every name in the data file are names too.

    Examples
    --------
    >>> sorted(demographic_name_folds("kjønn")), sorted(demographic_name_folds("ålder"))
    (['kjoenn', 'kjonn'], ['aalder', 'alder'])
    >>> sorted(demographic_name_folds("sex"))
    ['sex']
    """
    return frozenset(
        {_without_marks(key), _without_marks(unicodedata.normalize("NFC", key).translate(_TRANSLITERATED))}
    )


@cache
def demographic_names() -> dict[str, str]:
    """Every demographic name (as :func:`demographic_name_key` gives it), mapped to the English field it stands for.

    Read once from the package's ``demographic_names.json``; each name's ASCII folds
    (:func:`demographic_name_folds`: ``kjonn``, ``kjoenn``) are names of its field too.

    Raises
    ------
    ValueError
        If the file gives one name, or one fold of a name, to two fields.
    """
    text = resources.files("profilefit.core").joinpath("data", "demographic_names.json").read_text(encoding="utf-8")
    names: dict[str, str] = {}
    for field, languages in json.loads(text)["fields"].items():
        for written in [field, *(name for names_of in languages.values() for name in names_of)]:
            key = demographic_name_key(written)
            for name in (key, *sorted(demographic_name_folds(key) - {key})):
                if names.setdefault(name, field) != field:
                    raise ValueError(
                        f"demographic_names.json gives {written!r} (as {name!r}) to both {names[name]!r} and {field!r}"
                    )
    return names


def demographic_field(name: str) -> str | None:
    """The English demographic field a key or column name stands for, or ``None`` when it is not demographic.

    Examples
    --------
    >>> demographic_field("Kjønn"), demographic_field("LEEFTIJD"), demographic_field("Nationaliteit")
    ('sex', 'age', 'nationality')
    >>> demographic_field("Kjonn"), demographic_field("Aalder"), demographic_field("KON")
    ('sex', 'age', 'sex')
    >>> demographic_field("tc1") is None
    True
    """
    names, key = demographic_names(), demographic_name_key(name)
    # A name written half in ASCII ("Fodselsår") is found by its fold; the folds of the file's names are names.
    return names.get(key) or names.get(_without_marks(key))


__all__ = ["demographic_field", "demographic_name_folds", "demographic_name_key", "demographic_names"]
