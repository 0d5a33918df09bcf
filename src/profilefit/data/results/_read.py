"""The one reader of results files: every format, every column, one typed record per candidate.

The shortlist, the row report, the audit and the validation study read a results file through
:func:`open_results`, so a cell means the same to each of them: a figure is read with a decimal
point or comma (as the ``excel-nordic`` dialect writes it), a band is one of the fit bands or
empty, a review cell is true or false, the flags are validity flag ids, and an id keeps no
apostrophe that ``profilefit score`` put before it in CSV and Excel. A cell that is none of these
is an error naming the file, the line and the field, never a silent gap on one page and a
figure on another.

Files are read through :func:`profilefit.data.io.read_table` (CSV in any dialect, JSON Lines,
Parquet, the first sheet of a workbook), a row at a time, so a file is never held whole.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from profilefit.core.fit import BANDS
from profilefit.core.validity import FLAG_IDS
from profilefit.data.io import NEUTRALISED_SUFFIXES, read_table, unneutralise
from profilefit.data.results._columns import (
    ERROR_PREFIX,
    FLAG_SEPARATOR,
    FLAGS_COLUMN,
    INSTRUMENT_ID_COLUMN,
    INSTRUMENT_VERSION_COLUMN,
    MODEL_COLUMN,
    OLD_FLAGS_COLUMN,
    PROBABILITY_PREFIX,
    SCALE_PREFIX,
)
from profilefit.data.results._role import role_cell

#: Cell texts that mean "no value" in a number, band or review column (compared case-insensitively):
#: empty, and how pandas, R and databases write a missing value.
NULL_TEXTS = frozenset({"", "null", "none", "nan", "na", "n/a"})
#: Cell texts read as true and as false in ``needs_review`` (English, Norwegian, Swedish, Dutch;
#: ``sann``/``sant`` as a Norwegian or Swedish spreadsheet writes TRUE), any case.
TRUE_TEXTS = frozenset({"true", "1", "yes", "y", "ja", "j", "sann", "sant"})
FALSE_TEXTS = frozenset({"false", "0", "no", "n", "nei", "nej", "nee", "usann", "falskt"})


@dataclass(frozen=True)
class ResultRecord:
    """One candidate's row of a results file, typed.

    Attributes
    ----------
    candidate_id : str
        As ``profilefit score`` was given it (the apostrophe it puts before a formula-like id in
        CSV and Excel removed).
    profile : str
        The reported profile, or ``"undetermined"``; ``""`` when the cell is empty.
    top_profile : str
        The most probable profile; the ``profile`` when the cell is empty or the column absent.
    second_profile : str
        ``""`` when the cell is empty or the column absent.
    confidence : float or None
    probabilities : dict of str to float or None
        By profile id, from the ``p_<profile>`` columns in file order.
    fit_score : float or None
        From 0 to 100; ``None`` without a fit, or for an incomplete fit without a score.
    fit_band : {"strong", "possible", "weak"} or None
        ``None`` without a fit, or for an incomplete fit (never selected).
    fit_role : str or None
        The role the fit is for (``""`` without a fit); ``None`` when the file does not record it
        (see :func:`profilefit.data.results.role_cell`).
    needs_review : bool or None
        ``None`` when the file has no ``needs_review`` column or the cell is empty.
    validity_flags : tuple of str or None
        Flag ids in :data:`profilefit.core.validity.FLAG_IDS` order; ``None`` when the file has no
        ``validity_flags`` (or, before profilefit 0.2, ``flags``) column.
    scales : dict of str to float or None
        By scale id, from the ``scale_<scale>`` columns in file order; ``None`` for a scale that could
        not be scored.
    model_id : str or None
    instrument_id, instrument_version : str or None
        The instrument of the model that scored the row (``"customer-contact"``, ``"2.0"``); ``None`` in a
        file written before results files said it (those were scored on an agreement instrument).
    standard_errors : dict of str to float or None
        By scale id, from the ``se_<scale>`` columns (forced-choice instruments); empty when the file has none.
    trained_on : str or None
        What the model was trained on, when a file written by another tool says (``profilefit score``
        does not write it).
    location : str
        Where the row is, in English for messages: ``"line 7"`` (CSV, JSON Lines) or ``"row 3"``
        (Parquet, Excel). A page words it in its own language from :attr:`place`.
    """

    candidate_id: str
    profile: str
    top_profile: str
    second_profile: str
    confidence: float | None
    probabilities: Mapping[str, float | None]
    fit_score: float | None
    fit_band: str | None
    fit_role: str | None
    needs_review: bool | None
    validity_flags: tuple[str, ...] | None
    scales: Mapping[str, float | None] = field(default_factory=dict)
    model_id: str | None = None
    trained_on: str | None = None
    location: str = ""
    instrument_id: str | None = None
    instrument_version: str | None = None
    standard_errors: Mapping[str, float | None] = field(default_factory=dict)

    @property
    def place(self) -> tuple[str, int] | None:
        """Where the row is as (unit, number): ``("line", 7)`` or ``("row", 3)``; ``None`` when not known.

        The unit is a word for a catalogue to translate (``location_line``, ``location_row``), never
        text to print: a Norwegian page says "linje 7", not "line 7".
        """
        match = _LOCATION.fullmatch(self.location)
        return (match[1], int(match[2])) if match else None


#: The locations the one table reader (:func:`profilefit.data.io.read_table`) gives a row: "line 7", "row 3".
_LOCATION = re.compile(r"(line|row) ([0-9]+)")


@dataclass(frozen=True)
class ResultsStream:
    """A results file opened by :func:`open_results`: its columns, and its records as they are read.

    Attributes
    ----------
    path : Path
    header : tuple of str
        The column names, stripped and lower-cased.
    records : iterator of ResultRecord
        In file order, read as they are asked for (once).
    """

    path: Path
    header: tuple[str, ...]
    records: Iterator[ResultRecord] = field(repr=False)

    @property
    def profiles(self) -> tuple[str, ...]:
        """The profile ids of the model, from the ``p_<profile>`` column names in file order."""
        return tuple(
            name.removeprefix(PROBABILITY_PREFIX) for name in self.header if name.startswith(PROBABILITY_PREFIX)
        )

    @property
    def scales(self) -> tuple[str, ...]:
        """The scale ids, from the ``scale_<scale>`` column names in file order."""
        return tuple(name.removeprefix(SCALE_PREFIX) for name in self.header if name.startswith(SCALE_PREFIX))

    def __iter__(self) -> Iterator[ResultRecord]:
        return self.records


def open_results(
    path: str | Path,
    *,
    required: tuple[str, ...] = ("candidate_id",),
    unique_ids: bool = False,
    error: type[ValueError] = ValueError,
) -> ResultsStream:
    r"""Open a results file that ``profilefit score`` (or ``profilefit service export-results``) wrote.

    Parameters
    ----------
    path : str or Path
        CSV (``.csv``, any dialect ``profilefit score`` writes, the Nordic one with its decimal comma
        included), JSON Lines (``.jsonl``), Parquet (``.parquet``; needs the ``io`` extra) or Excel
        (``.xlsx``).
    required : tuple of str, default ("candidate_id",)
        Columns the caller needs; a file without one of them is refused at once.
    unique_ids : bool, default False
        Refuse a candidate id that appeared on an earlier row (the message names both).
    error : type of ValueError, default ValueError
        The exception raised for a missing or unreadable file and for a bad cell, for example
        :class:`~profilefit.exceptions.AuditInputError`.

    Returns
    -------
    ResultsStream
        Its records are read as they are asked for, so an error in a later row is raised when that
        row is reached.

    Raises
    ------
    ValueError (the ``error`` given)
        If the file is missing or of an unknown type, a required column is absent, or a cell is not
        what its column holds (the message names the file, the line and the field).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "results.csv"
    >>> _ = path.write_text("candidate_id;profile;fit_score;fit_band\n'=c1;rock;71,5;strong\n", encoding="utf-8")
    >>> record = next(iter(open_results(path)))
    >>> record.candidate_id, record.fit_score, record.fit_band
    ('=c1', 71.5, 'strong')
    """
    path = Path(path)
    header, rows = read_table(path, what="results", error=error)
    missing = [column for column in required if column not in header]
    if missing:
        raise error(
            f"results file {path} has no column {', '.join(repr(column) for column in missing)}; it has: "
            f"{', '.join(header) or '(no columns)'}. A results file from `profilefit score` has candidate_id, "
            "profile, fit_score, fit_band, fit_role, needs_review and validity_flags, among others"
        )
    neutralised = path.suffix.lower() in NEUTRALISED_SUFFIXES  # CSV and Excel: text was neutralised
    flag_column = next((name for name in (FLAGS_COLUMN, OLD_FLAGS_COLUMN) if name in header), None)
    cells = _Cells(
        path,
        tuple((name, name.removeprefix(PROBABILITY_PREFIX)) for name in header if name.startswith(PROBABILITY_PREFIX)),
        tuple((name, name.removeprefix(SCALE_PREFIX)) for name in header if name.startswith(SCALE_PREFIX)),
        tuple((name, name.removeprefix(ERROR_PREFIX)) for name in header if name.startswith(ERROR_PREFIX)),
        flag_column,
        "needs_review" in header,
        neutralised,
        error,
    )

    def records() -> Iterator[ResultRecord]:
        # Ids are remembered as 8-byte hashes, so that a shortlist streaming a million rows stays small; a repeat
        # is then found at the end, and the file read again to name its two lines.
        hashes = array("q")
        for location, row in rows:
            record = cells.record(location, row)
            if unique_ids:
                hashes.append(hash(record.candidate_id))
            yield record
        if unique_ids and len(hashes) > 1:
            values = np.frombuffer(hashes, dtype=np.int64)
            if np.unique(values).size < values.size:
                _name_a_repeated_id(path, cells, error)

    return ResultsStream(path, tuple(header), records())


def _name_a_repeated_id(path: Path, cells: _Cells, error: type[ValueError]) -> None:
    """Read a results file again and raise naming the first id on two lines (none: two ids shared a hash)."""
    seen: dict[str, str] = {}
    for location, row in read_table(path, what="results", error=error)[1]:
        record = cells.record(location, row)
        if record.candidate_id in seen:
            raise error(
                f"{path}, {location}, field 'candidate_id': {record.candidate_id!r} repeats "
                f"{seen[record.candidate_id]}; a results file holds each candidate once (were two files "
                "pasted together, or one run's rows added twice? score the export again)"
            )
        seen[record.candidate_id] = location


def read_result_records(path: str | Path, **options: Any) -> list[ResultRecord]:
    """Every record of a results file, in file order; ``options`` are those of :func:`open_results`."""
    return list(open_results(path, **options))


@dataclass(frozen=True)
class _Cells:
    """The one reading of each column's cells, for one file."""

    path: Path
    probability_columns: tuple[tuple[str, str], ...]  # (column, profile id)
    scale_columns: tuple[tuple[str, str], ...]  # (column, scale id)
    error_columns: tuple[tuple[str, str], ...]  # (column, scale id) of the standard errors
    flag_column: str | None
    has_review: bool
    neutralised: bool
    error: type[ValueError]

    def record(self, location: str, row: Mapping[str, Any]) -> ResultRecord:
        where = f"{self.path}, {location}"
        candidate_id = text(row.get("candidate_id"))
        if self.neutralised:
            # `profilefit score` prefixed an apostrophe so that spreadsheets do not run the id as a formula.
            candidate_id = unneutralise(candidate_id)
        if not candidate_id:
            raise self.error(f"{where}, field 'candidate_id': empty")
        profile = text(row.get("profile"))
        return ResultRecord(
            candidate_id=candidate_id,
            profile=profile,
            top_profile=text(row.get("top_profile")) or profile,
            second_profile=text(row.get("second_profile")),
            confidence=self.number(row.get("confidence"), where, "confidence"),
            probabilities=self.figures(row, self.probability_columns, where),
            fit_score=self.fit_score(row.get("fit_score"), where),
            fit_band=self.band(row.get("fit_band"), where),
            fit_role=role_cell(row),
            needs_review=self.review(row.get("needs_review"), where) if self.has_review else None,
            validity_flags=None if self.flag_column is None else self.flags(row.get(self.flag_column), where),
            scales=self.figures(row, self.scale_columns, where),
            model_id=text(row.get(MODEL_COLUMN)) or None,
            trained_on=text(row.get("trained_on")) or None,
            location=location,
            instrument_id=text(row.get(INSTRUMENT_ID_COLUMN)) or None,
            instrument_version=text(row.get(INSTRUMENT_VERSION_COLUMN)) or None,
            standard_errors=self.errors(row, where),
        )

    def errors(self, row: Mapping[str, Any], where: str) -> dict[str, Any]:
        """The ``se_`` figures of a row, by scale id: each empty or a number of at least zero."""
        found = self.figures(row, self.error_columns, where) if self.error_columns else {}
        for name, scale in self.error_columns:
            if (found[scale] or 0.0) < 0.0:
                raise self.error(
                    f"{where}, field {name!r}: expected a standard error of at least 0 or empty, "
                    f"got {shown(row.get(name))!r}"
                )
        return found

    def number(self, value: Any, where: str, column: str) -> float | None:
        """A finite number; ``None`` for an empty cell. A decimal comma is read as the Nordic dialect writes it."""
        number = _plain_number(value)
        if number is not _OTHER:
            return number
        if type(value) is str:
            return self._number_text(value, where, column)
        raise self.error(f"{where}, field {column!r}: expected a number or empty, got {shown(value)!r}")

    def figures(self, row: Mapping[str, Any], columns: tuple[tuple[str, str], ...], where: str) -> dict[str, Any]:
        """The ``p_``, ``scale_`` or ``se_`` figures of a row, by profile or scale id."""
        found = {key: _plain_number(row.get(name)) for name, key in columns}
        if _OTHER in found.values():  # a decimal comma, a null spelling or a cell to refuse: the full rule
            found = {key: self.number(row.get(name), where, name) for name, key in columns}
        return found

    def _number_text(self, value: str, where: str, column: str) -> float | None:
        """A figure that is not plain decimal text: empty, a null spelling, or a decimal comma; else refused."""
        figure = value.strip()
        if figure.lower() in NULL_TEXTS:
            return None
        if figure.count(",") == 1 and "." not in figure:
            with contextlib.suppress(ValueError):  # a decimal comma, as spreadsheets in Oslo or Utrecht write it
                number = float(figure.replace(",", "."))
                if math.isfinite(number):
                    return number
        raise self.error(f"{where}, field {column!r}: expected a number or empty, got {shown(value)!r}")

    def fit_score(self, value: Any, where: str) -> float | None:
        score = self.number(value, where, "fit_score")
        if score is not None and not 0.0 <= score <= 100.0:
            raise self.error(f"{where}, field 'fit_score': expected a number from 0 to 100, got {shown(value)!r}")
        return score

    def band(self, value: Any, where: str) -> str | None:
        if is_null(value):
            return None  # a fit without a band: counted, never selected
        band = text(value).lower()
        if band not in BANDS:
            raise self.error(
                f"{where}, field 'fit_band': expected one of {', '.join(BANDS)} or empty, got {shown(value)!r}"
            )
        return band

    def review(self, value: Any, where: str) -> bool | None:
        if value == "true" or value == "false":
            return value == "true"
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if is_null(value):
            return None
        answer = text(value).lower()
        if answer in TRUE_TEXTS or answer in FALSE_TEXTS:
            return answer in TRUE_TEXTS
        raise self.error(f"{where}, field 'needs_review': expected true or false, got {shown(value)!r}")

    def flags(self, value: Any, where: str) -> tuple[str, ...]:
        """Flag ids as a results file holds them: ``;``-separated (or ``,``, ``|``, spaces), a list, or a JSON list."""
        column = self.flag_column or FLAGS_COLUMN
        if value == "" or is_null(value):
            return ()
        names: list[Any]
        if isinstance(value, list | tuple):
            names = list(value)
        else:
            cell = text(value)
            names = []
            if cell.startswith("["):
                try:
                    loaded = json.loads(cell)
                except json.JSONDecodeError:
                    loaded = None
                names = loaded if isinstance(loaded, list) else []
            if not names:
                for separator in (",", "|", " ", "\t"):
                    cell = cell.replace(separator, FLAG_SEPARATOR)
                names = cell.strip("[]").split(FLAG_SEPARATOR)
        found = {text(name).strip("\"'") for name in names} - {""}
        unknown = sorted(found - set(FLAG_IDS))
        if unknown:
            raise self.error(
                f"{where}, field {column!r}: unknown validity flag {shown(unknown[0])!r}; expected ids from "
                f"{', '.join(FLAG_IDS)} separated by {FLAG_SEPARATOR!r}"
            )
        return tuple(flag for flag in FLAG_IDS if flag in found)


#: What :func:`_plain_number` gives for a cell it leaves to the slower rules.
_OTHER = object()


def _plain_number(value: Any) -> Any:
    """The common figure cells, fast: a float for decimal text or a finite number, ``None`` for NaN or null.

    A shortlist of a million rows reads 17 figures a row, so these cells take no detour; anything else
    (a decimal comma, ``NA``, Infinity, a boolean) gives :data:`_OTHER`.
    """
    if type(value) is str:
        try:
            number = float(value)
        except ValueError:
            return _OTHER
    elif type(value) is float:
        number = value
    elif type(value) is int:
        return float(value)
    elif value is None:
        return None
    else:
        return _OTHER
    if number - number == 0.0:  # finite (inf - inf and nan - nan are nan)
        return number
    return None if number != number else _OTHER  # NaN is how pandas and Parquet hold a missing figure


def text(value: Any) -> str:
    """A cell as text, without surrounding spaces; ``""`` for an empty cell (``None``, NaN)."""
    if type(value) is str:
        return value.strip()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def is_null(value: Any) -> bool:
    """An empty cell: ``None``, NaN, or one of :data:`NULL_TEXTS`."""
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and value.strip().lower() in NULL_TEXTS)
    )


def shown(value: Any) -> Any:
    """A cell as an error message quotes it: text stripped and cut to 80 characters."""
    if isinstance(value, str):
        value = value.strip()
        return value if len(value) <= 80 else value[:79] + "…"
    return value
