"""Validating a chunk of rows: the schema's rules on whole columns, the schema itself for the rest.

Validation runs in two tiers. The first looks at whole columns (:mod:`._cells`) and
proves most cells valid at numpy speed. Every row with a cell the first tier cannot
prove valid goes, whole, through the reference rule: :func:`profilefit.core.rows.coerce_row`
then the strict assessment schema. So a rejected row gets exactly the problems the
schema names (field, value, reason), and an unusual but valid row (``" 5 "``, ``"+5"``,
``"05"``) is accepted exactly when the schema accepts it. A property test checks that
the two tiers together agree with the schema row for row.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from profilefit.core.identity_cache import identity_cache
from profilefit.core.instrument import Instrument
from profilefit.core.rows import field_named
from profilefit.core.schema import AssessmentBase, assessment_model, describe_errors, validate_row
from profilefit.core.scoring import NO_ANSWER, NO_CHOICE, Responses, attach_answer_codes
from profilefit.data.batch._cells import (
    Column,
    absent_cells,
    answer_cells,
    block_cells,
    from_values,
    id_cells,
    is_arrow,
    quiet_cells,
    scenario_cells,
    seconds_cells,
    version_cells,
)
from profilefit.data.batch._fields import (
    BLOCK,
    CANDIDATE_ID,
    CHECK,
    ITEM,
    OTHER_VERSION,
    SCENARIO,
    SECONDS,
    VERSION,
    FieldTable,
    field_table,
)
from profilefit.data.io import coerce_row, echo
from profilefit.exceptions import RepeatedFieldError

#: Columns of a rejects table, one row per problem.
REJECT_COLUMNS = ("row", "candidate_id", "field", "value", "reason")


@dataclass(frozen=True, eq=False)
class RawChunk:
    """Rows of an export as read, before validation.

    Attributes
    ----------
    columns : list of (str or None, column)
        Column name (as in the file) and its cells: a pyarrow array, or a list of Python values.
    n_rows : int
    first_row : int
        Row number of the first row (1 = the first data row of the input), when ``numbers`` is not given.
    tabular : bool
        The rows come from a table with typed columns (see :mod:`profilefit.data.batch._cells`).
    records : list of dict, optional
        The rows as dicts, when the source yields dicts; the reference rule reads these.
    unreadable : dict of int to dict
        Rows (by position in the chunk) that could not be read at all, with their problem.
    numbers : sequence of int, optional
        Each row's number as the user finds it in the file, when that is not ``first_row`` plus its
        position: the line of JSON Lines (blank lines counted), the row of a workbook's sheet (the header
        and empty rows counted). Rejects and the repeated-id reason name rows by these.
    workbook : bool, default False
        The rows are a workbook's cells. A number cell there has no spelling of its own (Excel shows 4, the
        file stores 4.0), so a reject echoes a whole one as ``4``, as the same row in CSV reads; the value
        read is unchanged.
    """

    columns: list[tuple[str | None, Column]]
    n_rows: int
    first_row: int
    tabular: bool
    records: Sequence[Any] | None = None
    unreadable: dict[int, dict[str, Any]] = field(default_factory=dict)
    numbers: Sequence[int] | None = None
    workbook: bool = False

    def row_numbers(self) -> NDArray[np.int64]:
        """Each row's number, as rejects name it (see ``numbers``)."""
        if self.numbers is not None:
            return np.asarray(self.numbers, dtype=np.int64)
        return np.arange(self.first_row, self.first_row + self.n_rows, dtype=np.int64)

    @classmethod
    def from_records(
        cls,
        records: Sequence[Any],
        *,
        first_row: int,
        tabular: bool,
        unreadable: dict[int, dict[str, Any]] | None = None,
        numbers: Sequence[int] | None = None,
        workbook: bool = False,
    ) -> RawChunk:
        """Collect dict rows into columns (keys in order of first appearance; absent = ``None``)."""
        rows = [record if isinstance(record, dict) else {} for record in records]
        keys: dict[Any, None] = {}
        for row in rows:
            keys.update(dict.fromkeys(row))
        columns = []
        for key in keys:
            values = list(map(dict.get, rows, itertools.repeat(key, len(rows))))  # the loop runs in C
            numeric = not (isinstance(key, str) and key.strip() == "candidate_id")
            columns.append((key, from_values(values, tabular=tabular, numeric=numeric)))
        return cls(columns, len(records), first_row, tabular, records, dict(unreadable or {}), numbers, workbook)


@dataclass(frozen=True, eq=False)
class ValidatedChunk:
    """The outcome of validating one chunk: valid rows as arrays, and the problems of the others.

    Attributes
    ----------
    responses : Responses
        The valid rows, in input order.
    rows : ndarray of int64, shape (len(responses),)
        Their row numbers, as rejects name rows (:meth:`RawChunk.row_numbers`).
    rejects : list of dict
        One record per problem of a rejected row, with keys :data:`REJECT_COLUMNS`.
    n_read : int
        Rows in the chunk: ``len(responses)`` plus the number of rejected rows.
    id_hashes : ndarray of int64, shape (len(responses),)
        ``hash()`` of each candidate id (this process only), to find repeated ids cheaply.
    """

    responses: Responses
    rows: NDArray[np.int64]
    rejects: list[dict[str, Any]]
    n_read: int
    id_hashes: NDArray[np.int64]

    @property
    def n_rejected(self) -> int:
        """Rows of the chunk that were rejected."""
        return self.n_read - len(self.responses)


@identity_cache()
def _schema(instrument: Instrument) -> type[AssessmentBase]:
    return assessment_model(instrument)


def _key(name: Any, tabular: bool) -> Any:
    # A table's header is compared stripped, as coerce_row does; a dict key must match exactly,
    # otherwise its rows take the reference path, which strips and decides.
    return name.strip() if tabular and isinstance(name, str) else name


def validate_chunk(instrument: Instrument, chunk: RawChunk) -> ValidatedChunk:
    """Validate the rows of one chunk against an instrument's assessment schema.

    Parameters
    ----------
    instrument : Instrument
        Use the scoring screener's ``instrument`` so that the arrays fit its model.
    chunk : RawChunk

    Returns
    -------
    ValidatedChunk
        Every row of the chunk is either in ``responses`` or has at least one record in ``rejects``.
    """
    table = field_table(instrument)
    n = chunk.n_rows
    # Answers as int8 codes (0 = unanswered): row-major, as scoring reads them, and small enough
    # that writing a column at a time costs little. The other matrices are column-major, so each
    # column is one contiguous write; the scorer gives the same numbers either way.
    codes = np.zeros((n, len(instrument.items)), dtype=np.int8)
    choices = np.empty((n, len(instrument.scenarios)), dtype=np.int16, order="F")
    checks = np.empty((n, len(instrument.attention_checks)), order="F")
    blocks = np.empty((n, len(instrument.blocks)), dtype=np.int8, order="F")
    filled: set[tuple[str, int]] = set()
    seconds = np.full(n, np.nan)
    ids = np.full(n, None, dtype=object)
    ok = np.ones(n, dtype=bool)
    have_id = False
    for name, column in chunk.columns:
        kind, position = table.kind.get(_key(name, chunk.tabular), (None, 0))
        if kind is not None:
            filled.add((kind, position))
        if kind == ITEM:
            codes[:, position], good = answer_cells(column, table)
        elif kind == CHECK:
            check_codes, good = answer_cells(column, table)
            checks[:, position] = _answers(check_codes, table)
        elif kind == SCENARIO:
            choices[:, position], good = scenario_cells(column, table, position)
        elif kind == BLOCK:
            blocks[:, position], good = block_cells(column)
        elif kind == SECONDS:
            seconds, good = seconds_cells(column)
        elif kind == CANDIDATE_ID:
            ids, good = id_cells(column)
            have_id = True
        elif kind == VERSION:
            good = version_cells(column)
        elif kind == OTHER_VERSION or chunk.tabular:
            # Another version's question, or a table's unnamed column (a trailing delimiter): an empty cell is
            # harmless; a value, the rule refuses (naming the question and its version, for the first).
            good = quiet_cells(column)
        elif chunk.records is not None:  # a key that is not exactly a field name (" tc1", "email"): the rule decides
            good = np.fromiter((not _has_key(record, name) for record in chunk.records), dtype=bool, count=n)
        else:
            good = absent_cells(column)
        ok &= good
    for kind, matrix, empty in ((SCENARIO, choices, NO_CHOICE), (CHECK, checks, np.nan), (BLOCK, blocks, NO_ANSWER)):
        for position in range(matrix.shape[1]):
            if (kind, position) not in filled:  # a question the export has no column for: unanswered
                matrix[:, position] = empty
    if not have_id:
        ok[:] = False  # the schema requires candidate_id
    # A row that answers nothing (a spreadsheet's total row) is the schema's to refuse (NO_ANSWERS).
    ok &= (
        (codes != 0).any(axis=1)
        | (choices != NO_CHOICE).any(axis=1)
        | ~np.isnan(checks).all(axis=1)
        | (blocks != NO_ANSWER).any(axis=1)
    )
    for position in chunk.unreadable:
        ok[position] = False

    rejects: list[dict[str, Any]] = []
    doubtful = np.flatnonzero(~ok)
    if len(doubtful):
        checked = _reference(instrument, chunk, doubtful, rejects)
        for position, record in checked:
            ok[position] = True
            ids[position] = record["candidate_id"]
        if checked:
            positions = np.array([position for position, _ in checked])
            again = Responses.from_records(instrument, [record for _, record in checked])
            assert again.answer_codes is not None  # the schema accepts whole answers only
            codes[positions], choices[positions] = again.answer_codes, again.choices
            checks[positions], seconds[positions] = again.checks, again.seconds
            blocks[positions] = again.blocks
    accepted = np.flatnonzero(ok)
    rows: Any = slice(None) if len(accepted) == n else accepted  # a slice copies nothing it need not
    kept_ids = ids[rows].tolist()
    kept_codes = codes[rows]
    responses = Responses(
        instrument,
        np.array(kept_ids, dtype=np.str_) if kept_ids else np.empty(0, dtype=np.str_),
        _answers(kept_codes, table),
        # Row-major copies: the columns arrive column-major, and scoring works across each row
        # (about a third faster on row-major arrays). The copy is made here, in the reader thread.
        np.ascontiguousarray(choices[rows]),
        np.ascontiguousarray(checks[rows]),
        np.ascontiguousarray(seconds[rows]),
        np.ascontiguousarray(blocks[rows]),
    )
    attach_answer_codes(responses, kept_codes)
    hashes = np.fromiter(map(hash, kept_ids), dtype=np.int64, count=len(kept_ids))
    return ValidatedChunk(responses, chunk.row_numbers()[accepted], rejects, n, hashes)


def _has_key(record: Any, key: Any) -> bool:
    return isinstance(record, dict) and key in record


def _answers(codes: NDArray[np.int8], table: FieldTable) -> NDArray[np.float64]:
    """Answers from their codes: ``code + low - 1``, ``nan`` where the code is 0 (unanswered)."""
    # A lookup in a table of every answer is one pass (np.where with the arithmetic takes three).
    answers: NDArray[np.float64] = _answer_values(table.low, table.high).take(codes)
    return answers


@functools.lru_cache(maxsize=8)
def _answer_values(low: int, high: int) -> NDArray[np.float64]:
    """The answer of every code: ``nan`` for 0, then ``low`` to ``high``."""
    values = np.r_[np.nan, np.arange(low, high + 1, dtype=np.float64)]
    values.setflags(write=False)
    return values


def _raw_rows(chunk: RawChunk, positions: NDArray[np.intp]) -> list[Any]:
    """The rows at ``positions`` as the reference rule reads them: dicts of Python values."""
    if chunk.records is not None:
        return [chunk.records[position] for position in positions]
    built: list[dict[Any, Any]] = [{} for _ in positions]
    for name, column in chunk.columns:
        values = column.take(positions).to_pylist() if is_arrow(column) else [column[k] for k in positions]
        for row, value in zip(built, values, strict=True):
            row[name] = value
    return built


def _reference(
    instrument: Instrument,
    chunk: RawChunk,
    positions: NDArray[np.intp],
    rejects: list[dict[str, Any]],
) -> list[tuple[int, dict[str, Any]]]:
    """Run the reference rule on whole rows; return the accepted ones and append the problems of the rest."""
    schema = _schema(instrument)
    fields = field_table(instrument).kind
    accepted = []
    numbers = chunk.row_numbers().tolist()
    for position, raw in zip(positions.tolist(), _raw_rows(chunk, positions), strict=True):
        row_number = numbers[position]
        problems: list[dict[str, Any]]
        candidate_id = None
        if position in chunk.unreadable:  # a reader may know the id of a row it could not read (an error cell)
            problems = [_read_problem(chunk.unreadable[position], fields)]
            candidate_id = problems[0].pop("candidate_id", None)
        else:
            try:
                accepted.append((position, validate_row(schema, raw).model_dump()))
                continue
            except ValidationError as error:
                problems = [dict(problem) for problem in describe_errors(error, instrument, row=raw)]
                candidate_id = _readable_id(instrument, raw)
            except (AttributeError, TypeError, ValueError) as error:  # a key or a value coerce_row cannot read
                problems = [{"field": "(row)", "value": None, "reason": f"cannot read this row: {error}"}]
            problems = [_without_foreign_value(problem, fields, raw) for problem in problems]
        if chunk.workbook:
            problems = [{**problem, "value": _cell_echo(problem.get("value"))} for problem in problems]
        # A reader's own problem (an unreadable line, an error cell) holds only what it vouches for.
        rejects.extend({"row": row_number, "candidate_id": echo(candidate_id), **problem} for problem in problems)
    return accepted


def _read_problem(problem: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """A reader's problem of a row it could not read, its field named as the instrument spells it.

    A value is kept for a field of the instrument only (a JSON key given twice: ``tc1`` keeps its values,
    ``email`` none), as :func:`_without_foreign_value` keeps it for a row that was read.
    """
    problem = dict(problem)
    field = problem.get("field")
    if isinstance(field, str) and not field.startswith("("):
        named = _spelled(fields).get(field.strip().casefold(), field)
        problem["field"] = named
        problem["value"] = echo(problem.get("value")) if named in fields else None
    return problem


@identity_cache()
def _spelled(fields: dict[str, Any]) -> dict[str, str]:
    return {name.casefold(): name for name in fields}


def _without_foreign_value(problem: dict[str, Any], fields: dict[str, Any], raw: Any) -> dict[str, Any]:
    """A problem as a rejects file holds it: the value the row gives a field, never anything else.

    A key that is not a field (``email``, ``gender``, cells beyond the header, an unreadable
    line) may hold personal data, which a rejects file must not copy; nor may the whole row,
    which the schema echoes for a missing field. The field and the reason say what is wrong.
    """
    if problem.get("value") is None:
        return problem
    field = problem.get("field")
    folded = field.casefold() if isinstance(field, str) else field
    # A key names its field stripped and without case, as the rule reads it ("TC1" and " TC1" are tc1).
    present = isinstance(raw, dict) and any(isinstance(key, str) and key.strip().casefold() == folded for key in raw)
    return problem if field in fields and present else {**problem, "value": None}


def _cell_echo(value: Any) -> Any:
    """A workbook cell's number as a reject echoes it: a whole one as an ``int`` (``4``, not ``4.0``)."""
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _readable_id(instrument: Instrument, raw: Any) -> str | None:
    """The candidate id of a rejected row as the rule reads it, when there is a usable one.

    A row with another field given twice (``tc1`` and ``TC1``) still has its id, read by the same rule from
    the id's key alone; a row that gives the id twice has none.
    """
    try:
        candidate = coerce_row(instrument, raw).get("candidate_id")
    except RepeatedFieldError as error:
        if error.field == "candidate_id":
            return None
        return _readable_id(instrument, {key: value for key, value in raw.items() if _names_id(instrument, key)})
    except (AttributeError, TypeError, ValueError):
        return None
    return candidate if isinstance(candidate, str) and candidate else None


def _names_id(instrument: Instrument, key: Any) -> bool:
    return isinstance(key, str) and field_named(instrument, key) == "candidate_id"
