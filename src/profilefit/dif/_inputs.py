"""Read what DIF needs: an assessment export (through the batch reader) and the audit's demographics file.

The export goes through :func:`profilefit.batch.open_source` and
:func:`profilefit.batch.validate_chunk`, the reader and the row rule of ``profilefit score``: the
same header check, the same formats, the same decision on every row. Rows the schema rejects
are counted, and ``profilefit score`` lists their problems. Demographics are read by
:func:`profilefit.audit.read_demographics`, so blank, ``unknown`` and ``declined`` mean unknown
here exactly as in the audit. Demographics never enter scoring; here they only split people
into the groups compared.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from profilefit.audit import AuditInputError, DemographicsTable, read_demographics
from profilefit.instrument import Instrument
from profilefit.scoring import Responses

#: Demographic dimensions DIF can compare groups on (the audit's).
DIMENSIONS = ("sex", "race_ethnicity", "age_band")


class DifInputError(ValueError):
    """An input DIF cannot use; the message names the file, the field and what was expected."""


@dataclass(frozen=True, eq=False)
class DifInputs:
    """The people of an export, each with their group on one dimension.

    Attributes
    ----------
    responses : Responses
        Valid rows of the export, first occurrence of each candidate id.
    groups : ndarray of str, shape (len(responses),)
        Each person's category; ``""`` when unknown or without a demographics row.
    by : str
        The dimension.
    rows_read, rows_rejected, rows_repeated : int
        Rows of the export; rows the schema rejected; rows whose candidate id had appeared before.
    without_demographics, unknown_category : int
        Valid people with no demographics row, and with an unknown category.
    """

    responses: Responses
    groups: NDArray[np.str_]
    by: str
    rows_read: int
    rows_rejected: int
    rows_repeated: int
    without_demographics: int
    unknown_category: int

    def counts(self) -> dict[str, int]:
        """People per known category, largest first."""
        counted = Counter(g for g in self.groups.tolist() if g)
        return dict(sorted(counted.items(), key=lambda kv: (-kv[1], kv[0])))


def read_export(
    path: str | Path, instrument: Instrument, *, ignore_columns: tuple[str, ...] = ()
) -> tuple[Responses, int, int]:
    """Read and validate an export as ``profilefit score`` does.

    Returns
    -------
    responses : Responses
        The valid rows.
    rows_read : int
    rows_rejected : int

    Raises
    ------
    profilefit.batch.ColumnError
        For a header that does not fit the instrument (the message names the column).
    profilefit.batch.MissingExtraError
        When the ``io`` extra is not installed.
    """
    from profilefit.batch import open_source, validate_chunk

    source = open_source(path, instrument, ignore_columns=ignore_columns)
    parts: list[Responses] = []
    rows_read = rows_rejected = 0
    for chunk in source.chunks:
        validated = validate_chunk(instrument, chunk)
        parts.append(validated.responses)
        rows_read += validated.n_read
        rows_rejected += validated.n_rejected
    if not parts:
        return Responses.from_records(instrument, []), 0, 0
    return Responses.concatenate(parts), rows_read, rows_rejected


def dif_inputs(
    export: str | Path,
    demographics: str | Path | DemographicsTable,
    *,
    by: str,
    instrument: Instrument,
    ignore_columns: tuple[str, ...] = (),
) -> DifInputs:
    """Read an export and a demographics file and give each valid person their group.

    Parameters
    ----------
    export : str or Path
        The assessment export (any format ``profilefit score`` reads).
    demographics : str, Path or DemographicsTable
        The audit's demographics file: ``candidate_id`` and any of ``sex``, ``race_ethnicity``,
        ``age``/``age_band``.
    by : {"sex", "race_ethnicity", "age_band"}
    instrument : Instrument
        The instrument the export answers (the model's, or an organisation's own).
    ignore_columns : tuple of str, optional
        Export columns to leave out, as ``profilefit score --ignore-column`` does.

    Returns
    -------
    DifInputs

    Raises
    ------
    DifInputError
        For an unknown dimension, a demographics file without it, or unreadable demographics.
    """
    if by not in DIMENSIONS:
        raise DifInputError(f"--by must be one of {', '.join(DIMENSIONS)}, got {by!r}")
    try:
        table = demographics if isinstance(demographics, DemographicsTable) else read_demographics(demographics)
    except AuditInputError as error:
        raise DifInputError(str(error)) from None
    if by not in table.dimensions:
        column = "age or age_band" if by == "age_band" else by
        raise DifInputError(
            f"the demographics file has no {column} column; it reports {', '.join(sorted(table.dimensions))}"
        )
    responses, rows_read, rows_rejected = read_export(export, instrument, ignore_columns=ignore_columns)
    ids = responses.candidate_ids.tolist()
    _, first = np.unique(np.asarray(ids, dtype=np.str_), return_index=True)
    keep = np.sort(first)
    repeated = len(ids) - keep.size
    responses = responses.take(keep)
    groups: list[str] = []
    missing = unknown = 0
    for candidate_id in responses.candidate_ids.tolist():
        person = table.people.get(candidate_id)
        if person is None:
            missing += 1
            groups.append("")
            continue
        category = getattr(person, by)
        if category is None:
            unknown += 1
        groups.append(category or "")
    return DifInputs(
        responses=responses,
        groups=np.asarray(groups, dtype=np.str_),
        by=by,
        rows_read=rows_read,
        rows_rejected=rows_rejected,
        rows_repeated=repeated,
        without_demographics=missing,
        unknown_category=unknown,
    )
