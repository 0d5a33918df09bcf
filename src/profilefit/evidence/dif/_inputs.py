"""Read what DIF needs: an assessment export (through the batch reader) and the audit's demographics file.

The export goes through :func:`profilefit.data.batch.collect_responses`, the reader and the row rule
of ``profilefit score``: the same header check (with its notes about ignored columns), the same
formats and encodings, the same decision on every row. Rows the schema rejects are counted,
and ``profilefit score`` (or ``profilefit dif`` on the terminal) lists their problems. Demographics are read by
:mod:`profilefit.data.demographics`, the audit's reader, so blank, ``unknown`` and ``declined`` mean unknown
here exactly as in the audit. Demographics never enter scoring; here they only split people
into the groups compared.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from profilefit.core.instrument import Instrument
from profilefit.core.scoring import Responses
from profilefit.data.batch import CollectedResponses, collect_responses
from profilefit.data.demographics import (
    DIMENSIONS,
    UNKNOWN_VALUES,
    DemographicColumn,
    DemographicsTable,
    MergedSpellings,
    read_demographic_column,
    read_demographics,
)
from profilefit.exceptions import DifInputError

# DIMENSIONS are read as the audit reads them; any other column of the demographics file (for example
# ``language``, the language the assessment was taken in) is read as it stands. UNKNOWN_VALUES mean
# "unknown" in every column. Both, and the reader, are profilefit.data.demographics'.
__all__ = ["DIMENSIONS", "UNKNOWN_VALUES", "DifInputs", "dif_inputs"]


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
    merged : tuple of MergedSpellings, default ()
        Spellings of one category of ``by`` that the demographics reader counted as one.
    """

    responses: Responses
    groups: NDArray[np.str_]
    by: str
    rows_read: int
    rows_rejected: int
    rows_repeated: int
    without_demographics: int
    unknown_category: int
    merged: tuple[MergedSpellings, ...] = ()

    def counts(self) -> dict[str, int]:
        """People per known category, largest first."""
        counted = Counter(g for g in self.groups.tolist() if g)
        return dict(sorted(counted.items(), key=lambda kv: (-kv[1], kv[0])))


def _categories(demographics: str | Path | DemographicsTable, by: str) -> DemographicColumn:
    """Each person's category on ``by`` (``None`` when unknown), keyed by candidate id, and the spellings merged."""
    if by in DIMENSIONS:
        if isinstance(demographics, DemographicsTable):
            table = demographics
        else:
            table = read_demographics(demographics, error=DifInputError)
        if by not in table.dimensions:
            column = "age or age_band" if by == "age_band" else by
            raise DifInputError(
                f"the demographics file has no {column} column; it reports {', '.join(sorted(table.dimensions))}"
            )
        return DemographicColumn(
            {candidate_id: getattr(person, by) for candidate_id, person in table.people.items()},
            tuple(merged for merged in table.merged if merged.column == by),
        )
    if isinstance(demographics, DemographicsTable):
        raise DifInputError(f"a demographics table holds only {', '.join(DIMENSIONS)}; give the file to use {by!r}")
    return read_demographic_column(demographics, by, error=DifInputError)


def dif_inputs(
    export: str | Path | CollectedResponses,
    demographics: str | Path | DemographicsTable,
    *,
    by: str,
    instrument: Instrument,
    ignore_columns: tuple[str, ...] = (),
) -> DifInputs:
    """Read an export and a demographics file and give each valid person their group.

    Parameters
    ----------
    export : str, Path or CollectedResponses
        The assessment export (any format ``profilefit score`` reads), or what
        :func:`profilefit.data.batch.collect_responses` already read from it.
    demographics : str, Path or DemographicsTable
        The audit's demographics file: ``candidate_id`` and any of ``sex``, ``race_ethnicity``,
        ``age``/``age_band``.
    by : str
        ``"sex"``, ``"race_ethnicity"`` or ``"age_band"`` (read as the audit reads them), or any other
        column of the demographics file, such as ``"language"`` for the language the test was taken in.
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
        For a demographics file without the column, or unreadable demographics (the message names
        the file, line and field).
    """
    by = by.strip().lower()
    if not by or by == "candidate_id":
        raise DifInputError(f"--by must name a column of the demographics file, got {by!r}")
    column = _categories(demographics, by)
    categories = column.categories
    if not isinstance(export, CollectedResponses):
        export = collect_responses(export, instrument, ignore_columns=ignore_columns)
    responses, rows_read, rows_rejected = export.responses, export.rows_read, export.rows_rejected
    ids = responses.candidate_ids.tolist()
    _, first = np.unique(np.asarray(ids, dtype=np.str_), return_index=True)
    keep = np.sort(first)
    repeated = len(ids) - keep.size
    responses = responses.take(keep)
    groups: list[str] = []
    missing = unknown = 0
    for candidate_id in responses.candidate_ids.tolist():
        if candidate_id not in categories:
            missing += 1
            groups.append("")
            continue
        category = categories[candidate_id]
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
        merged=column.merged,
    )
