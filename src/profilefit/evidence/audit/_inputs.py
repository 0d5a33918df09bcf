"""Read what the audit needs: a batch results file and a demographics file, joined by candidate id.

Both read through :func:`profilefit.data.io.read_table`, which the shortlist uses too, and
need only the standard library for CSV and JSON Lines, so the audit runs without the
``io`` extra; Parquet needs pyarrow, imported only when a
Parquet file is read. CSV may be UTF-8 with or without a byte-order mark, comma-,
semicolon- or tab-separated (sniffed from the header line), with CRLF or LF line ends.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from profilefit.core.fit import BANDS
from profilefit.core.validity import FLAG_IDS
from profilefit.data.batch import FLAG_SEPARATOR
from profilefit.data.io import (
    NEUTRALISED_SUFFIXES,
    ROLE_COLUMN,
    read_csv_table,
    read_table,
    role_cell,
    unneutralise,
)
from profilefit.exceptions import AuditInputError

#: Fit bands from lowest to highest; "selected at a band" means that band or a higher one.
FIT_BANDS: tuple[str, ...] = tuple(reversed(BANDS))  # weakest first, so a band's index orders it

#: Columns a results file must have for the audit. ``profile`` is the classification the model
#: reported (``"undetermined"`` included), not ``top_profile``, which is never undetermined.
RESULT_COLUMNS = ("candidate_id", "profile", "fit_score", "fit_band")

#: Columns read when present: which model scored each row, which role its fit is for, its validity
#: flags (``flags`` in files written before 0.2, as the shortlist reads them) and whether it needs review.
OPTIONAL_RESULT_COLUMNS = ("model_id", ROLE_COLUMN, "validity_flags", "flags", "needs_review")

#: The flag id the audit gives needing a human review as a whole (the results' ``needs_review`` column).
NEEDS_REVIEW = "needs_review"

#: What a ``needs_review`` cell may hold, compared case-insensitively.
_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})

#: Prefix of the per-profile probability columns; their names list the classifications of the model.
PROBABILITY_PREFIX = "p_"

#: Prefix of the scale score columns; read when present, for the scale scores by group.
SCALE_PREFIX = "scale_"

_READ_COLUMNS = frozenset(RESULT_COLUMNS + OPTIONAL_RESULT_COLUMNS)
_PARQUET_SUFFIXES = (".parquet", ".pq")  # the suffixes profilefit.data.io.read_table reads as Parquet

#: Demographic columns the audit understands, besides ``candidate_id``.
DEMOGRAPHIC_COLUMNS = ("sex", "race_ethnicity", "age", "age_band")

#: Cell values that mean "we do not know this person's category" (compared case-insensitively).
UNKNOWN_VALUES = frozenset({"", "unknown", "declined"})

#: The two age bands of the Age Discrimination in Employment Act's protected class.
AGE_BANDS = ("40_and_over", "under_40")
AGE_BAND_THRESHOLD = 40


@dataclass(frozen=True)
class ScoredCandidate:
    """The figures of one scored candidate that the audit uses.

    Attributes
    ----------
    candidate_id : str
    profile : str
        The classification the model reported: a profile id, or ``"undetermined"``.
    fit_score : float or None
        Role fit from 0 to 100; ``None`` for a fit that could not be computed (never above the median).
    fit_band : {"strong", "possible", "weak"} or None
        ``None`` for a fit without a band (an incomplete fit): never selected.
    model_id : str or None, default None
        The model that scored the candidate, when the results file says.
    scales : dict of str to float, default empty
        The candidate's scale scores by scale id, when the results file has ``scale_<id>``
        columns; a scale that could not be scored is left out.
    fit_role : str or None, default None
        The role the fit was computed for (``""`` without a fit); ``None`` when the results file
        does not record it (see :func:`profilefit.data.io.role_cell`).
    validity_flags : tuple of str or None, default None
        The validity flags raised for the candidate (ids of :data:`profilefit.core.validity.FLAG_IDS`,
        in that order); ``None`` when the results file has no ``validity_flags`` column.
    needs_review : bool or None, default None
        The result asks for a human review; ``None`` when the results file has no ``needs_review`` column.
    """

    candidate_id: str
    profile: str
    fit_score: float | None
    fit_band: str | None
    model_id: str | None = None
    scales: Mapping[str, float] = field(default_factory=dict)
    fit_role: str | None = None
    validity_flags: tuple[str, ...] | None = None
    needs_review: bool | None = None


@dataclass(frozen=True)
class ResultsFile:
    """A results file as the audit reads it.

    Attributes
    ----------
    candidates : list of ScoredCandidate
        In file order.
    classifications : tuple of str
        The profile ids the model reports, from the ``p_<profile>`` column names in file order;
        empty when the file has no such column.
    path : Path or None, default None
        The file, for messages.
    """

    candidates: list[ScoredCandidate]
    classifications: tuple[str, ...] = ()
    path: Path | None = None

    def roles(self) -> dict[str | None, int]:
        """Candidates per recorded role (see :attr:`ScoredCandidate.fit_role`)."""
        counts: dict[str | None, int] = {}
        for candidate in self.candidates:
            counts[candidate.fit_role] = counts.get(candidate.fit_role, 0) + 1
        return counts


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
class DemographicsTable:
    """The demographics file: which dimensions it reports and each person's categories.

    Attributes
    ----------
    dimensions : frozenset of str
        The subset of ``{"sex", "race_ethnicity", "age_band"}`` that the file has a column for
        (``age_band`` when it has ``age`` or ``age_band``).
    people : dict of str to Demographics
        Keyed by candidate id.
    """

    dimensions: frozenset[str]
    people: Mapping[str, Demographics]


def _require_columns(path: Path, what: str, header: list[str], required: tuple[str, ...]) -> None:
    missing = [column for column in required if column not in header]
    if missing:
        names = ", ".join(repr(column) for column in missing)
        raise AuditInputError(
            f"{what} file {path} has no column {names}; it has: {', '.join(header) or '(no columns)'}"
        )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _fit_score(value: Any, where: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # an incomplete fit: no score
    if isinstance(value, float) and math.isnan(value):
        return None  # Parquet and pandas write a missing score as NaN
    score = math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        score = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")  # a decimal comma, as spreadsheets in Oslo or Utrecht write it
        with contextlib.suppress(ValueError):  # not a number: score stays nan and is rejected below
            score = float(text)
    if not 0.0 <= score <= 100.0:  # also false for nan
        raise AuditInputError(f"{where}, field 'fit_score': expected a number from 0 to 100, got {value!r}")
    return score


def read_results(path: str | Path) -> list[ScoredCandidate]:
    """Read the candidates of a results file that ``profilefit score`` wrote.

    Parameters
    ----------
    path : str or Path
        CSV (``.csv``), JSON Lines (``.jsonl``) or Parquet (``.parquet``; needs the ``io`` extra).
        ``candidate_id``, ``profile``, ``fit_score`` and ``fit_band`` are read, and ``model_id``,
        ``fit_role``, ``validity_flags`` (``flags`` in older files) and ``needs_review`` when
        present. An empty ``fit_band`` (a fit without a band) is read as ``None``.

    Returns
    -------
    list of ScoredCandidate
        In file order.

    Raises
    ------
    AuditInputError
        If the file is missing, a required column is absent, a value is invalid (the message
        names the file, the line and the field), a candidate id repeats, or there are no rows.
    """
    return read_results_file(path).candidates


def read_results_file(path: str | Path) -> ResultsFile:
    """Read a results file: its candidates, as :func:`read_results` does, and the model's classifications.

    Raises
    ------
    AuditInputError
        As :func:`read_results`.
    """
    path = Path(path)
    is_csv = path.suffix.lower() in NEUTRALISED_SUFFIXES  # CSV and Excel: text was neutralised
    columns = None
    if path.suffix.lower() in _PARQUET_SUFFIXES:
        # Parquet is columnar: read the schema first, then only the columns the audit uses.
        names, _ = read_table(path, what="results", columns=(), error=AuditInputError)
        columns = tuple(name for name in names if name in _READ_COLUMNS or name.startswith(SCALE_PREFIX))
    header, rows = read_table(path, what="results", columns=columns, error=AuditInputError)
    _require_columns(path, "results", header, RESULT_COLUMNS)
    classifications = tuple(
        column.removeprefix(PROBABILITY_PREFIX) for column in header if column.startswith(PROBABILITY_PREFIX)
    )
    scale_columns = [column for column in header if column.startswith(SCALE_PREFIX)]
    flag_column = next((column for column in ("validity_flags", "flags") if column in header), None)
    has_review = "needs_review" in header
    candidates: list[ScoredCandidate] = []
    seen: dict[str, str] = {}
    for location, row in rows:
        where = f"{path}, {location}"
        for column in RESULT_COLUMNS:
            if column not in row:
                raise AuditInputError(f"{where}: no field {column!r}")
        candidate_id = _text(row["candidate_id"])
        if is_csv:
            # `profilefit score` prefixed an apostrophe so that spreadsheets do not run the id
            # as a formula; the demographics file holds the id as it was.
            candidate_id = unneutralise(candidate_id)
        if not candidate_id:
            raise AuditInputError(f"{where}, field 'candidate_id': empty")
        if candidate_id in seen:
            raise AuditInputError(f"{where}, field 'candidate_id': {candidate_id!r} repeats {seen[candidate_id]}")
        seen[candidate_id] = location
        profile = _text(row["profile"])
        if not profile:
            raise AuditInputError(f"{where}, field 'profile': empty")
        band = _fit_band(row["fit_band"], where)
        score = _fit_score(row["fit_score"], where)
        model_id = _text(row.get("model_id")) or None
        scales = {
            column.removeprefix(SCALE_PREFIX): value
            for column in scale_columns
            if (value := _scale_score(row.get(column), where, column)) is not None
        }
        candidates.append(
            ScoredCandidate(
                candidate_id,
                profile,
                score,
                band,
                model_id,
                scales,
                role_cell(row),
                validity_flags=None
                if flag_column is None
                else _validity_flags(row.get(flag_column), where, flag_column),
                needs_review=_needs_review(row.get("needs_review"), where) if has_review else None,
            )
        )
    if not candidates:
        raise AuditInputError(f"results file {path} has no candidates")
    return ResultsFile(candidates, classifications, path)


def _scale_score(value: Any, where: str, column: str) -> float | None:
    """A scale score, or ``None`` when the scale could not be scored (empty, null or NaN)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return None if math.isnan(value) else float(value)
    text = _text(value).replace(",", ".")  # a decimal comma, as spreadsheets in Oslo or Utrecht write it
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise AuditInputError(f"{where}, field {column!r}: expected a number or empty, got {_text(value)!r}") from None
    return None if math.isnan(number) else number


def _validity_flags(value: Any, where: str, column: str) -> tuple[str, ...]:
    """The flag ids of a ``validity_flags`` cell, in :data:`FLAG_IDS` order; an unknown id is refused."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    names = [_text(name) for name in value] if isinstance(value, list | tuple) else _text(value).split(FLAG_SEPARATOR)
    found = {name.strip() for name in names if name.strip()}
    unknown = sorted(found - set(FLAG_IDS))
    if unknown:
        raise AuditInputError(
            f"{where}, field {column!r}: unknown validity flag {unknown[0]!r}; expected ids from "
            f"{', '.join(FLAG_IDS)} separated by {FLAG_SEPARATOR!r}"
        )
    return tuple(flag for flag in FLAG_IDS if flag in found)


def _needs_review(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = _text(value).lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise AuditInputError(f"{where}, field 'needs_review': expected true or false, got {_text(value)!r}")


def _fit_band(value: Any, where: str) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    band = _text(value).lower()
    if not band:
        return None  # a fit without a band: counted, never selected
    if band not in FIT_BANDS:
        raise AuditInputError(
            f"{where}, field 'fit_band': expected one of {', '.join(FIT_BANDS)} or empty, got {_text(value)!r}"
        )
    return band


def _category(value: Any) -> str | None:
    text = _text(value)
    return None if text.lower() in UNKNOWN_VALUES else text


def age_band_of(age: int) -> str:
    """Return the age band of an age in whole years: ``"40_and_over"`` from 40, else ``"under_40"``.

    Examples
    --------
    >>> age_band_of(40), age_band_of(39)
    ('40_and_over', 'under_40')
    """
    return AGE_BANDS[0] if age >= AGE_BAND_THRESHOLD else AGE_BANDS[1]


def _age_band(row: Mapping[str, Any], where: str) -> str | None:
    from_age: str | None = None
    if "age" in row and _category(row["age"]) is not None:
        text = _text(row["age"])
        try:
            age = int(text)
        except ValueError:
            raise AuditInputError(f"{where}, field 'age': expected whole years, got {text!r}") from None
        if not 0 <= age <= 130:
            raise AuditInputError(f"{where}, field 'age': expected whole years from 0 to 130, got {age}")
        from_age = age_band_of(age)
    given: str | None = None
    if "age_band" in row and _category(row["age_band"]) is not None:
        given = _text(row["age_band"]).lower().replace(" ", "_").replace("-", "_")
        if given not in AGE_BANDS:
            raise AuditInputError(
                f"{where}, field 'age_band': expected one of {', '.join(AGE_BANDS)}, got {_text(row['age_band'])!r}"
            )
    if from_age is not None and given is not None and from_age != given:
        raise AuditInputError(f"{where}: 'age' {_text(row['age'])} contradicts 'age_band' {given!r}")
    return from_age or given


def read_demographics(path: str | Path) -> DemographicsTable:
    """Read a demographics CSV: ``candidate_id`` plus any of ``sex``, ``race_ethnicity``, ``age``, ``age_band``.

    A blank cell, ``unknown`` or ``declined`` (any case) is an unknown category. ``age`` is in
    whole years and becomes an age band; when both ``age`` and ``age_band`` are given they must agree.
    Other columns are ignored.

    Parameters
    ----------
    path : str or Path
        UTF-8 CSV, with or without a byte-order mark, comma- or semicolon-separated.

    Returns
    -------
    DemographicsTable

    Raises
    ------
    AuditInputError
        If ``candidate_id`` or every demographic column is missing, a value is invalid, or an id repeats.
    """
    path = Path(path)
    if not path.is_file():
        raise AuditInputError(f"demographics file not found: {path}")
    header, rows = read_csv_table(path, error=AuditInputError)
    _require_columns(path, "demographics", header, ("candidate_id",))
    present = [column for column in DEMOGRAPHIC_COLUMNS if column in header]
    if not present:
        raise AuditInputError(
            f"demographics file {path} has none of the columns {', '.join(DEMOGRAPHIC_COLUMNS)}; "
            f"it has: {', '.join(header)}"
        )
    dimensions: set[str] = {column for column in ("sex", "race_ethnicity") if column in header}
    if "age" in header or "age_band" in header:
        dimensions.add("age_band")
    people: dict[str, Demographics] = {}
    seen: dict[str, str] = {}
    for location, row in rows:
        where = f"{path}, {location}"
        candidate_id = _text(row.get("candidate_id"))
        if not candidate_id:
            raise AuditInputError(f"{where}, field 'candidate_id': empty")
        if candidate_id in seen:
            raise AuditInputError(f"{where}, field 'candidate_id': {candidate_id!r} repeats {seen[candidate_id]}")
        seen[candidate_id] = location
        people[candidate_id] = Demographics(
            sex=_category(row.get("sex")),
            race_ethnicity=_category(row.get("race_ethnicity")),
            age_band=_age_band(row, where),
        )
    return DemographicsTable(frozenset(dimensions), people)
