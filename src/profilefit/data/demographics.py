"""The one reader of demographics files: who each candidate is, kept apart from how they answered.

A demographics file is a UTF-8 CSV (with or without a byte-order mark, comma-, semicolon- or
tab-separated) with ``candidate_id`` and any of ``sex``, ``race_ethnicity``, ``age`` and
``age_band``, each under any of its names in ``core/data/demographic_names.json`` (``Kjønn``, ``Kön`` and
``Geslacht`` are ``sex``; ``Alder``, ``Ålder`` and ``Leeftijd`` are ``age``; case and Unicode form do not
matter: :func:`~profilefit.core.demographic_names.demographic_field`), and whatever other columns an
organisation keeps (``language``, the language the test was taken in). The adverse-impact audit, item
bias (DIF) and the validation study read it here, so one rule decides every cell: a blank cell,
``unknown`` or ``declined`` (any case) is an unknown category, an id is never empty and never repeats,
and an ``age`` becomes an age band.
Categories written alike apart from case, surrounding or repeated whitespace and Unicode compatibility
forms (``Vrouw``, ``vrouw ``, ``ＶＲＯＵＷ``) are one category (:func:`category_key`), shown under the
spelling most people's rows use; :attr:`DemographicsTable.merged` says which spellings were merged.
Demographics never enter scoring (the assessment schema refuses them); they only split people
into the groups compared.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from profilefit.core.demographic_names import demographic_field
from profilefit.data.io import read_csv_header, read_csv_table

#: Demographic columns with a meaning of their own, besides ``candidate_id``.
DEMOGRAPHIC_COLUMNS = ("sex", "race_ethnicity", "age", "age_band")

#: The dimensions those columns give (``age`` and ``age_band`` both give ``age_band``).
DIMENSIONS = ("sex", "race_ethnicity", "age_band")

#: Cell values that mean "we do not know this person's category" (compared case-insensitively).
UNKNOWN_VALUES = frozenset({"", "unknown", "declined"})

#: The two age bands of the Age Discrimination in Employment Act's protected class.
AGE_BANDS = ("40_and_over", "under_40")
AGE_BAND_THRESHOLD = 40


@dataclass(frozen=True)
class Demographics:
    """One person's self-reported categories; ``None`` means unknown (blank, "unknown" or "declined").

    Attributes
    ----------
    sex : str or None
    race_ethnicity : str or None
    age_band : {"40_and_over", "under_40"} or None
        Given directly or derived from an ``age`` in whole years.
    """

    sex: str | None = None
    race_ethnicity: str | None = None
    age_band: str | None = None


@dataclass(frozen=True)
class MergedSpellings:
    """Spellings of one category in one column that the reader counted as one (see :func:`category_key`).

    Attributes
    ----------
    column : str
        The demographics column (``"sex"``, ``"race_ethnicity"``, ``"language"``, ...).
    shown : str
        The spelling the category is shown under: the one most rows use (the first in the file on a tie).
    spellings : tuple of (str, int)
        Every spelling merged, each with its number of rows in the file, most rows first.
    """

    column: str
    shown: str
    spellings: tuple[tuple[str, int], ...]

    def note(self) -> str:
        """One line for standard error: the spellings merged, their counts and the name shown.

        Examples
        --------
        >>> MergedSpellings("sex", "Vrouw", (("Vrouw", 127), ("vrouw", 72))).note()
        "sex: 'Vrouw' (127) and 'vrouw' (72) counted as one category, 199 people, shown as 'Vrouw'"
        """
        written = [f"{spelling!r} ({count})" for spelling, count in self.spellings]
        listed = ", ".join(written[:-1]) + f" and {written[-1]}"
        total = sum(count for _, count in self.spellings)
        return f"{self.column}: {listed} counted as one category, {total} people, shown as {self.shown!r}"


@dataclass(frozen=True)
class DemographicsTable:
    """The demographics file: which dimensions it reports and each person's categories.

    Attributes
    ----------
    dimensions : frozenset of str
        The subset of ``{"sex", "race_ethnicity", "age_band"}`` that the file has a column for
        (``age_band`` when it has ``age`` or ``age_band``).
    people : dict of str to Demographics
        Keyed by candidate id.
    merged : tuple of MergedSpellings, default ()
        Categories written in more than one way that were counted as one, for a warning to the user.
    unaudited : tuple of str, default ()
        The file's columns, as written, that are neither ``candidate_id`` nor read as one of
        ``DEMOGRAPHIC_COLUMNS`` (``gender``, ``language``), for a note (:func:`unaudited_note`):
        nothing is left out silently.
    """

    dimensions: frozenset[str]
    people: Mapping[str, Demographics]
    merged: tuple[MergedSpellings, ...] = ()
    unaudited: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemographicColumn:
    """One column of a demographics file: each person's category, and the spellings merged.

    Attributes
    ----------
    categories : dict of str to (str or None)
        Each person's category keyed by candidate id; ``None`` when unknown.
    merged : tuple of MergedSpellings
        As :attr:`DemographicsTable.merged`.
    """

    categories: Mapping[str, str | None]
    merged: tuple[MergedSpellings, ...] = ()


def category_key(text: str) -> str:
    """What makes two spellings of a category the same category: the text compared without case or spacing.

    NFKC rather than NFC: besides composed and decomposed accents (``é`` as one code point or two),
    spreadsheets and HR systems hand over compatibility forms (full-width letters, a no-break space,
    the ``ﬁ`` ligature) that no one means as another group. Then surrounding whitespace is dropped,
    runs of whitespace inside become one space, and case is folded (``casefold``, so ``Straße`` is
    ``strasse``).

    Examples
    --------
    >>> category_key(" Vrouw ") == category_key("vrouw") == category_key("ＶＲＯＵＷ")
    True
    >>> category_key("Two  or More\u00a0Races")
    'two or more races'
    """
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _category(value: Any) -> str | None:
    text = _text(value)
    return None if category_key(text) in UNKNOWN_VALUES else text


def merge_spellings(
    categories: Mapping[str, str | None], column: str
) -> tuple[dict[str, str | None], tuple[MergedSpellings, ...]]:
    """Count spellings of one category as one: each person's category under the spelling most rows use.

    The one rule of every demographics column (:func:`category_key`), so the audit and item bias
    never split a group by how it was typed.

    Parameters
    ----------
    categories : dict of str to (str or None)
        Each person's category as written (stripped), keyed by candidate id; ``None`` when unknown.
    column : str
        The column's name, for :class:`MergedSpellings`.

    Returns
    -------
    categories : dict of str to (str or None)
        The same people, each category under its shown spelling.
    merged : tuple of MergedSpellings
        One per category written in more than one way, in order of first appearance.

    Examples
    --------
    >>> merged, notes = merge_spellings({"a": "Vrouw", "b": "vrouw", "c": "Vrouw", "d": None}, "sex")
    >>> merged
    {'a': 'Vrouw', 'b': 'Vrouw', 'c': 'Vrouw', 'd': None}
    >>> [note.spellings for note in notes]
    [(('Vrouw', 2), ('vrouw', 1))]
    """
    counts = Counter(text for text in categories.values() if text is not None)
    by_key: dict[str, list[str]] = {}
    for text in counts:  # a Counter keeps first appearance order, which breaks ties below
        by_key.setdefault(category_key(text), []).append(text)
    shown: dict[str, str] = {}
    merged: list[MergedSpellings] = []
    for spellings in by_key.values():
        ranked = sorted(spellings, key=lambda text: -counts[text])  # stable: the first written wins a tie
        shown.update(dict.fromkeys(spellings, ranked[0]))
        if len(spellings) > 1:
            merged.append(MergedSpellings(column, ranked[0], tuple((text, counts[text]) for text in ranked)))
    unified = {candidate_id: None if text is None else shown[text] for candidate_id, text in categories.items()}
    return unified, tuple(merged)


def age_band_of(age: int) -> str:
    """Return the age band of an age in whole years: ``"40_and_over"`` from 40, else ``"under_40"``.

    Examples
    --------
    >>> age_band_of(40), age_band_of(39)
    ('40_and_over', 'under_40')
    """
    return AGE_BANDS[0] if age >= AGE_BAND_THRESHOLD else AGE_BANDS[1]


def _age_band(
    row: Mapping[str, Any], where: str, error: type[ValueError], columns: Mapping[str, str] | None = None
) -> str | None:
    """The age band of one row; ``columns`` names the file's column of ``age`` and of ``age_band`` (as written)."""
    age_column = (columns or {}).get("age", "age")
    band_column = (columns or {}).get("age_band", "age_band")
    from_age: str | None = None
    if age_column in row and _category(row[age_column]) is not None:
        text = _text(row[age_column])
        try:
            age = int(text)
        except ValueError:
            raise error(f"{where}, field {age_column!r}: expected whole years, got {text!r}") from None
        if not 0 <= age <= 130:
            raise error(f"{where}, field {age_column!r}: expected whole years from 0 to 130, got {age}")
        from_age = age_band_of(age)
    given: str | None = None
    if band_column in row and _category(row[band_column]) is not None:
        given = _text(row[band_column]).lower().replace(" ", "_").replace("-", "_")
        if given not in AGE_BANDS:
            raise error(
                f"{where}, field {band_column!r}: expected one of {', '.join(AGE_BANDS)}, "
                f"got {_text(row[band_column])!r}"
            )
    if from_age is not None and given is not None and from_age != given:
        raise error(f"{where}: {age_column!r} {_text(row[age_column])} contradicts {band_column!r} {given!r}")
    return from_age or given


def demographic_columns(
    header: list[str], *, path: Path, error: type[ValueError], written: list[str] | None = None
) -> dict[str, str]:
    """The header's column of each of ``DEMOGRAPHIC_COLUMNS`` it has, by any of the column's names.

    ``{"sex": "kjønn", "age": "alder"}`` for a header ``candidate_id;Kjønn;Alder`` (read lower-cased).
    Two or more columns that stand for one field (``sex`` and ``Geslacht``) raise ``error``, naming them
    as ``written`` (the header as the file writes it, in the same order; default ``header``): reading
    one alone would drop the others silently.
    """
    as_written = dict(zip(header, written or header, strict=True))
    found: dict[str, list[str]] = {}
    for column in header:
        field = demographic_field(column)
        if field in DEMOGRAPHIC_COLUMNS:
            found.setdefault(field, []).append(column)
    for field, columns in found.items():
        if len(columns) > 1:
            names = [repr(as_written[column]) for column in columns]
            listed = ", ".join(names[:-1]) + f" and {names[-1]}"
            raise error(f"demographics file {path} has {len(columns)} columns for {field!r}: {listed}; keep one")
    return {field: columns[0] for field, columns in found.items()}


def _people(
    path: Path, required: tuple[str, ...], error: type[ValueError]
) -> tuple[list[str], Iterator[tuple[str, str, dict[str, Any]]]]:
    """The header and ``(where, candidate_id, row)`` of each person: ids present, never empty, never repeated."""
    if not path.is_file():
        raise error(f"demographics file not found: {path}")
    header, rows = read_csv_table(path, error=error)
    missing = [column for column in ("candidate_id", *required) if column not in header]
    if missing:
        names = ", ".join(repr(column) for column in missing)
        raise error(f"demographics file {path} has no column {names}; it has: {', '.join(header) or '(no columns)'}")

    def people() -> Iterator[tuple[str, str, dict[str, Any]]]:
        seen: dict[str, str] = {}
        for location, row in rows:
            where = f"{path}, {location}"
            candidate_id = _text(row.get("candidate_id"))
            if not candidate_id:
                raise error(f"{where}, field 'candidate_id': empty")
            if candidate_id in seen:
                raise error(f"{where}, field 'candidate_id': {candidate_id!r} repeats {seen[candidate_id]}")
            seen[candidate_id] = location
            yield where, candidate_id, row

    return header, people()


def read_demographics(path: str | Path, *, error: type[ValueError] = ValueError) -> DemographicsTable:
    """Read a demographics CSV: ``candidate_id`` plus any of ``sex``, ``race_ethnicity``, ``age``, ``age_band``.

    Each of those four is read under any of its names in ``core/data/demographic_names.json``, in any
    case or Unicode form (``Kjønn``, ``KÖN``, ``Geslacht`` for ``sex``; ``Alder``, ``Ålder``, ``Leeftijd``
    for ``age``); a file with two columns for one of them is refused. A blank cell, ``unknown`` or
    ``declined`` (any case) is an unknown category. ``age`` is in
    whole years and becomes an age band; when both ``age`` and ``age_band`` are given they must agree.
    Spellings of one ``sex`` or ``race_ethnicity`` category that differ only in case, spacing or Unicode
    form are one category, shown under the spelling most rows use, and listed in
    :attr:`DemographicsTable.merged` (:func:`merge_spellings`).
    Other columns are not read here (:func:`read_demographic_column` reads one of them); they are named
    in :attr:`DemographicsTable.unaudited`, so a caller can say so (``gender``, an ASCII ``Kjonn`` is read).

    Parameters
    ----------
    path : str or Path
        UTF-8 CSV, with or without a byte-order mark, comma-, semicolon- or tab-separated.
    error : type of ValueError, default ValueError
        The exception raised for a problem (the audit's :class:`~profilefit.exceptions.AuditInputError`).

    Returns
    -------
    DemographicsTable

    Raises
    ------
    ValueError (the ``error`` given)
        If ``candidate_id`` or every demographic column is missing, a value is invalid, or an id repeats;
        the message names the file, the line and the field.
    """
    path = Path(path)
    header, people = _people(path, (), error)
    written = read_csv_header(path, error=error)
    columns = demographic_columns(header, path=path, error=error, written=written)
    if not columns:
        raise error(
            f"demographics file {path} has none of the columns {', '.join(DEMOGRAPHIC_COLUMNS)} "
            f"(under any of their names, such as Kjønn, Kön or Geslacht for sex); it has: {', '.join(header)}"
        )
    dimensions: set[str] = {column for column in ("sex", "race_ethnicity") if column in columns}
    if "age" in columns or "age_band" in columns:
        dimensions.add("age_band")
    sexes: dict[str, str | None] = {}
    races: dict[str, str | None] = {}
    age_bands: dict[str, str | None] = {}
    sex_column, race_column = columns.get("sex"), columns.get("race_ethnicity")
    for where, candidate_id, row in people:
        sexes[candidate_id] = None if sex_column is None else _category(row.get(sex_column))
        races[candidate_id] = None if race_column is None else _category(row.get(race_column))
        age_bands[candidate_id] = _age_band(row, where, error, columns)
    sexes, merged_sexes = merge_spellings(sexes, "sex")
    races, merged_races = merge_spellings(races, "race_ethnicity")
    table = {
        candidate_id: Demographics(sex=sexes[candidate_id], race_ethnicity=races[candidate_id], age_band=age_band)
        for candidate_id, age_band in age_bands.items()
    }
    read = {"candidate_id", *columns.values()}
    unaudited = tuple(name for name, lowered in zip(written, header, strict=True) if name and lowered not in read)
    return DemographicsTable(frozenset(dimensions), table, (*merged_sexes, *merged_races), unaudited)


def unaudited_note(columns: tuple[str, ...] | list[str]) -> str | None:
    """One line for standard error naming the columns a demographics file has and the audit does not read.

    ``columns`` is :attr:`DemographicsTable.unaudited`; ``None`` when it is empty. A column whose name is
    another demographic field says so: the audit reads ``sex``, not ``gender`` (gender identity, a field of
    its own in ``core/data/demographic_names.json``), and renaming is the user's call, made knowing what
    the column holds.

    Examples
    --------
    >>> print(unaudited_note(["gender", "language"]))  # doctest: +NORMALIZE_WHITESPACE
    2 columns of the demographics file not audited: 'gender' (a name for gender, which is not audited) and
    'language'; the audit reads sex, race_ethnicity, age and age_band, under any of their names in
    core/data/demographic_names.json: rename a column that holds one of them
    """
    if not columns:
        return None
    written = []
    for column in columns:
        field = demographic_field(column)
        written.append(f"{column!r}" if field is None else f"{column!r} (a name for {field}, which is not audited)")
    listed = written[0] if len(written) == 1 else ", ".join(written[:-1]) + f" and {written[-1]}"
    count = "1 column" if len(written) == 1 else f"{len(written)} columns"
    return (
        f"{count} of the demographics file not audited: {listed}; the audit reads "
        f"{', '.join(DEMOGRAPHIC_COLUMNS[:-1])} and {DEMOGRAPHIC_COLUMNS[-1]}, under any of their names in "
        "core/data/demographic_names.json: rename a column that holds one of them"
    )


def read_demographic_column(
    path: str | Path, column: str, *, error: type[ValueError] = ValueError
) -> DemographicColumn:
    """Each person's category in one column of a demographics file; ``None`` when unknown.

    Returns a :class:`DemographicColumn`: the categories and the spellings merged. For a column
    without a meaning of its own (``language``); ``sex``, ``race_ethnicity`` and
    ``age_band`` are read by :func:`read_demographics`, which checks them. The ids are read by the
    same rule: present, never empty, never repeated; spellings of one category are merged by the
    same rule too (:func:`merge_spellings`).

    Raises
    ------
    ValueError (the ``error`` given)
        If the file, ``candidate_id`` or ``column`` is missing, or an id is empty or repeats.
    """
    _, people = _people(Path(path), (column,), error)
    as_written = {candidate_id: _category(row.get(column)) for _, candidate_id, row in people}
    return DemographicColumn(*merge_spellings(as_written, column))


__all__ = [
    "AGE_BANDS",
    "AGE_BAND_THRESHOLD",
    "DEMOGRAPHIC_COLUMNS",
    "DIMENSIONS",
    "UNKNOWN_VALUES",
    "DemographicColumn",
    "Demographics",
    "DemographicsTable",
    "MergedSpellings",
    "age_band_of",
    "category_key",
    "demographic_columns",
    "merge_spellings",
    "read_demographic_column",
    "read_demographics",
    "unaudited_note",
]
