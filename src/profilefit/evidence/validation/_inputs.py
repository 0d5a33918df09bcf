"""Read what a validation study needs: a results file and an outcomes file, joined by candidate id.

The results file is read by :func:`profilefit.data.results.open_results`, the one reader of results
(the audit, the shortlist and the row report use it too); the outcomes file through
:func:`profilefit.data.io.read_table`. Both read CSV, JSON Lines, Parquet and Excel, headers are
matched case-insensitively and messages name the file, the line and the field. Every row ends up
somewhere that is counted: in the study, among applicants without an outcome, among outcomes
without a result, among blank outcomes, or among incomplete fits.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from profilefit.core.fit import RoleProfile
from profilefit.data.io import CSV_SUFFIXES, read_table, unneutralise
from profilefit.data.results import StoredRole, open_results, stored_role
from profilefit.exceptions import ValidationInputError

#: Columns of a results file a study needs; ``scale_*`` columns are read when present.
STUDY_RESULT_COLUMNS = ("candidate_id", "top_profile", "fit_score", "fit_band")

#: The band of a fit that lacks a weighted scale: it has no band and counts as not selected.
INCOMPLETE = "incomplete"

#: Cell texts read as yes and as no in a yes/no outcome (English, Norwegian, Swedish, Dutch), any case.
YES_VALUES = frozenset({"yes", "y", "true", "1", "ja", "j"})
NO_VALUES = frozenset({"no", "n", "false", "0", "nei", "nej", "nee"})

_NULL_TEXTS = frozenset({"", "null", "none", "nan", "na", "n/a"})


#: Directional formatting characters (embeddings, overrides, isolates, marks): dropped from names placed
#: inside a sentence, where an override could reorder the words after it.
_DIRECTION_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def plain_name(name: str) -> str:
    """A name from a file, without directional controls, for use inside a sentence.

    Examples
    --------
    >>> plain_name("\u202eabc")
    'abc'
    """
    return name.translate(_DIRECTION_CONTROLS)


@dataclass(frozen=True, eq=False)
class Applicants:
    """Every candidate of a results file.

    Attributes
    ----------
    ids : list of str
    fit : ndarray of float, shape (n,)
        Fit score 0–100; ``nan`` for an incomplete fit without a score.
    band : ndarray of str, shape (n,)
        ``"strong"``, ``"possible"``, ``"weak"`` or ``"incomplete"`` (no band: not selected).
    profile : ndarray of str, shape (n,)
        Top profile, or ``"undetermined"``.
    scales : dict of scale id to ndarray of float
        Scale scores from the ``scale_<id>`` columns (``nan`` where missing), in file order.
    fit_role : StoredRole or None
        The role the fit was computed for, as :func:`profilefit.data.results.stored_role` decided it.
    """

    ids: list[str]
    fit: NDArray[np.float64]
    band: NDArray[np.str_]
    profile: NDArray[np.str_]
    scales: Mapping[str, NDArray[np.float64]]
    fit_role: StoredRole | None = None

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Outcomes:
    """One outcome column of an outcomes file.

    Attributes
    ----------
    name : str
        The column, lower-cased as read.
    kind : {"numeric", "binary"}
    values : dict of str to float or None
        Per candidate id; yes/no as 1.0/0.0; ``None`` for a blank cell.
    """

    name: str
    kind: str
    values: Mapping[str, float | None] = field(default_factory=dict)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or _text(value).lower() in _NULL_TEXTS


def _number(value: Any) -> float | None:
    """A finite number from a cell (decimal comma accepted), or ``None`` when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    text = _text(value)
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # a decimal comma, as spreadsheets in Oslo or Utrecht write it
    with contextlib.suppress(ValueError):
        number = float(text)
        return number if math.isfinite(number) else None
    return None


def _candidate_id(value: Any, where: str, *, is_csv: bool) -> str:
    candidate_id = _text(value)
    if is_csv:
        candidate_id = unneutralise(candidate_id)  # `profilefit score` guards formula-like ids with an apostrophe
    if not candidate_id:
        raise ValidationInputError(f"{where}, field 'candidate_id': empty")
    return candidate_id


def _require(path: Path, what: str, header: list[str], required: tuple[str, ...]) -> None:
    missing = [column for column in required if column not in header]
    if missing:
        raise ValidationInputError(
            f"{what} file {path} has no column {', '.join(map(repr, missing))}; it has: {', '.join(header) or '(none)'}"
        )


def read_applicants(path: str | Path, *, role: RoleProfile | str | Path | None = None) -> Applicants:
    """Read every candidate of a results file that ``profilefit score`` wrote.

    An empty ``fit_band`` marks an incomplete fit (a weighted scale is missing): it counts as not
    selected, and its ``fit_score`` may be blank.

    Parameters
    ----------
    path : str or Path
    role : RoleProfile, str or Path, optional
        The role the study is told the fit is for; it must be the one the file records.

    Raises
    ------
    ValidationInputError
        If the file or a required column is missing, an id repeats, or a value is invalid.
    profilefit.exceptions.ResultsRoleError
        If the file records another role than ``role``, or more than one role.
    """
    opened = open_results(path, required=STUDY_RESULT_COLUMNS, unique_ids=True, error=ValidationInputError)
    path = opened.path
    ids: list[str] = []
    fit: list[float] = []
    band: list[str] = []
    profile: list[str] = []
    scales: dict[str, list[float]] = {scale: [] for scale in opened.scales}
    roles: dict[str | None, int] = {}
    for record in opened:
        if record.fit_band is not None and record.fit_score is None:
            where = f"{path}, {record.location}"
            raise ValidationInputError(f"{where}, field 'fit_score': empty, but the fit has band {record.fit_band!r}")
        roles[record.fit_role] = roles.get(record.fit_role, 0) + 1
        ids.append(record.candidate_id)
        fit.append(math.nan if record.fit_score is None else record.fit_score)
        band.append(record.fit_band or INCOMPLETE)
        profile.append(record.top_profile or "undetermined")
        for scale, values in scales.items():
            score = record.scales[scale]
            values.append(math.nan if score is None else score)
    if not ids:
        raise ValidationInputError(f"results file {path} has no candidates")
    chosen = stored_role(path, roles, role)
    fits = np.array(fit, dtype=np.float64)
    if np.isnan(fits).all():
        raise ValidationInputError(
            f"results file {path} has no fit scores; score the export with a role (profilefit score --role ...)"
        )
    return Applicants(
        ids=ids,
        fit=fits,
        band=np.array(band, dtype=np.str_),
        profile=np.array(profile, dtype=np.str_),
        scales={name: np.array(values, dtype=np.float64) for name, values in scales.items()},
        fit_role=chosen,
    )


def _binary(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    text = _text(value).lower()
    if text in YES_VALUES:
        return 1.0
    if text in NO_VALUES:
        return 0.0
    return None


def read_outcomes(path: str | Path, outcome: str) -> Outcomes:
    """Read one outcome column of an outcomes file, keyed by candidate id.

    The outcome is yes/no when every filled cell is one of :data:`YES_VALUES` or :data:`NO_VALUES`
    (so a 0/1 column is yes/no), and numeric otherwise. Blank cells are kept as ``None`` and counted.

    Raises
    ------
    ValidationInputError
        If the file, ``candidate_id`` or the outcome column is missing, an id repeats, a cell is
        neither a number nor yes/no, or no cell is filled.
    """
    path = Path(path)
    column = outcome.strip().lower()
    header, rows = read_table(path, what="outcomes", error=ValidationInputError)
    _require(path, "outcomes", header, ("candidate_id", column))
    is_csv = path.suffix.lower() in CSV_SUFFIXES
    cells: dict[str, tuple[str, Any]] = {}
    for location, row in rows:
        where = f"{path}, {location}"
        candidate_id = _candidate_id(row.get("candidate_id"), where, is_csv=is_csv)
        if candidate_id in cells:
            raise ValidationInputError(
                f"{where}, field 'candidate_id': {candidate_id!r} repeats {cells[candidate_id][0]}"
            )
        cells[candidate_id] = (location, row.get(column))
    filled = {key: value for key, (_, value) in cells.items() if not _is_null(value)}
    if not filled:
        raise ValidationInputError(f"outcomes file {path}: column {column!r} has no values")
    if all(_binary(value) is not None for value in filled.values()):
        return Outcomes(column, "binary", {key: None if _is_null(v) else _binary(v) for key, (_, v) in cells.items()})
    values: dict[str, float | None] = {}
    for candidate_id, (location, value) in cells.items():
        if _is_null(value):
            values[candidate_id] = None
            continue
        number = _number(value)
        if number is None:
            raise ValidationInputError(
                f"{path}, {location}, field {column!r}: expected a number (decimal point or comma) "
                f"or yes/no throughout the column, got {value!r}"
            )
        values[candidate_id] = number
    return Outcomes(column, "numeric", values)
