"""Reading a whole export into memory as valid responses, for reliability, norms and training.

The same reader and the same header check as ``profilefit score`` (every format, ``-`` for
standard input, encodings, notes for ignored columns), and the same decision rule; only
the output differs: the valid rows as one :class:`~profilefit.core.scoring.Responses`, and their
labels when the export has a label column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from profilefit.core.instrument import Instrument
from profilefit.core.scoring import Responses
from profilefit.data.batch._readers import DEFAULT_CHUNK_SIZE, open_source
from profilefit.data.batch._score import _drop_duplicates, _ScoredIds, _warn
from profilefit.data.batch._validate import RawChunk, validate_chunk
from profilefit.exceptions import ColumnError


@dataclass(frozen=True, eq=False)
class CollectedResponses:
    """The valid rows of an export, and the problems of the others.

    Attributes
    ----------
    responses : Responses
        The valid rows, in input order.
    labels : list of str or None
        The label of each valid row, when a label column was asked for.
    rejects : list of dict
        One record per problem of a rejected row: ``row``, ``candidate_id``, ``field``, ``value``, ``reason``.
    rows_read : int
    source : str
        The input, as messages name it.
    """

    responses: Responses
    labels: list[str] | None
    rejects: list[dict[str, Any]]
    rows_read: int
    source: str

    @property
    def rows_rejected(self) -> int:
        """Rows with at least one problem."""
        return self.rows_read - len(self.responses)


def collect_responses(
    data: Any,
    instrument: Instrument,
    *,
    label_column: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    ignore_columns: Iterable[str] = (),
    encoding: str | None = None,
    id_column: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    first_id_only: bool = False,
) -> CollectedResponses:
    """Read and validate a whole export, as ``profilefit score`` reads it, into one :class:`Responses`.

    Parameters
    ----------
    data : str, Path, pandas.DataFrame or iterable
        What :func:`~profilefit.data.batch.open_source` reads (``"-"`` is standard input).
    instrument : Instrument
    label_column : str, optional
        A column (or key) holding each candidate's label, matched without regard to case; a
        row without one is rejected (field: the column, reason ``no label``). A table without
        that column, or a JSON Lines file in which no line has that key, is refused whole.
    chunk_size, ignore_columns, encoding, id_column, sheet, header_row
        As for :func:`~profilefit.data.batch.score_batch`.
    first_id_only : bool, default False
        Keep only the first valid row of each candidate id, as ``profilefit score`` scores only it; each
        later one is rejected (field ``candidate_id``, a reason naming the first row). For training and
        calibration, where a repeated person would count twice.

    Returns
    -------
    CollectedResponses

    Raises
    ------
    ColumnError
        If the header cannot be scored (no ``candidate_id``, a field twice), or has no
        ``label_column``: one message, before any row is reported.
    """
    extra = (label_column,) if label_column else ()
    source = open_source(
        data,
        instrument,
        chunk_size=chunk_size,
        ignore_columns=ignore_columns,
        encoding=encoding,
        extra_columns=extra,
        id_column=id_column,
        sheet=sheet,
        header_row=header_row,
    )
    _warn(source)
    parts, labels, rejects, rows_read, label_found = [], [], [], 0, False
    first_ids = _ScoredIds()  # with first_id_only: each id's first valid row
    for raw in source.chunks:
        chunk_labels = None
        if label_column is not None:
            found, chunk_labels, raw = _take_column(raw, label_column)
            label_found = label_found or found
            if raw.tabular and not found:  # a table's header names its columns: refuse it before any row
                raise _no_label_column(source.name, label_column)
        validated = validate_chunk(instrument, raw)
        if first_id_only:  # the rule profilefit score applies, by the same code
            validated, _ = _drop_duplicates(validated, first_ids, kept_as="used")
        rows_read += validated.n_read
        rejects += validated.rejects
        responses, rows = validated.responses, validated.rows
        if chunk_labels is not None:
            at = {number: position for position, number in enumerate(raw.row_numbers().tolist())}
            mine = [chunk_labels[at[row]] for row in rows.tolist()]
            labelled = np.flatnonzero([label != "" for label in mine])
            for k in np.flatnonzero([label == "" for label in mine]).tolist():
                rejects.append(
                    {
                        "row": int(rows[k]),
                        "candidate_id": str(responses.candidate_ids[k]),
                        "field": label_column,
                        "value": "",
                        "reason": "no label",
                    }
                )
            responses = responses.take(labelled)
            labels += [mine[k] for k in labelled.tolist()]
        parts.append(responses)
    _warn(source, late=True)
    if label_column is not None and rows_read and not label_found:
        raise _no_label_column(source.name, label_column)
    rejects.sort(key=lambda record: record["row"])
    collected = Responses.concatenate(parts) if parts else Responses.from_records(instrument, [])
    return CollectedResponses(collected, labels if label_column is not None else None, rejects, rows_read, source.name)


def _no_label_column(source: str, label_column: str) -> ColumnError:
    return ColumnError(
        f"{source}: there is no {label_column!r} column to read the labels from; "
        "name the column that holds them with --label-column (label_column=)"
    )


def _take_column(raw: RawChunk, name: str) -> tuple[bool, list[str], RawChunk]:
    """Whether column ``name`` is there, its labels (``""`` where there is none), and the chunk without it."""
    values: list[Any] = [None] * raw.n_rows
    columns = []
    found = False
    for key, column in raw.columns:
        if isinstance(key, str) and key.strip() == name:
            found = True
            values = column.to_pylist() if hasattr(column, "to_pylist") else list(column)
        else:
            columns.append((key, column))
    records = raw.records
    if records is not None:
        records = [
            {key: value for key, value in record.items() if not (isinstance(key, str) and key.strip() == name)}
            if isinstance(record, dict)
            else record
            for record in records
        ]
    labels = ["" if value is None or value != value else str(value).strip() for value in values]
    return (
        found,
        labels,
        RawChunk(
            columns, raw.n_rows, raw.first_row, raw.tabular, records, dict(raw.unreadable), raw.numbers, raw.workbook
        ),
    )
