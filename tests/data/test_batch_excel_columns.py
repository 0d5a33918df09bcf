"""Twin tests: an Excel sheet read a column at a time validates exactly as the same sheet read row by row.

``_column_chunk`` is the fast reader of a sheet's rows; ``_record_chunk`` builds one dict per row,
as the reader did before, and stays the reader of blocks with formulas, error cells or cells right
of the header. Over cells as calamine gives them (numbers as floats, empty cells as ``""``, text,
booleans), both must give the same valid rows, values and rejects.

A whole workbook whose header is its first row is read by fastexcel into Arrow columns
(``_arrow_sheet``), and any other by calamine a row at a time; the last property writes workbooks
(typed columns, mixed columns, blank rows, cells right of the header, unknown and renamed columns)
and checks that both readers give the same row count, notes, valid rows, values and rejects.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from profilefit.core.instrument import load_instrument
from profilefit.data.batch import _excel as excel_reader
from profilefit.data.batch import open_source, validate_chunk
from profilefit.data.batch._excel import _column_chunk, _filled, _plain_block, _record_chunk, _xlsx_chunks
from tests.strategies import cell_texts, export_columns

INSTRUMENT = load_instrument()


def sheet_cells(column: str) -> st.SearchStrategy[Any]:
    """A cell of one column as calamine reads it: a float (whole or not), an int, empty text, text or a boolean."""
    return st.one_of(
        st.integers(-2, 9).map(float),
        st.integers(-2, 9).map(float),
        st.just(""),
        st.just(""),
        st.integers(-2, 9),
        st.floats(-10, 100_000, allow_nan=False),
        cell_texts(INSTRUMENT, column),
        st.sampled_from([True, False, None, 1e20, float("nan")]),
    )


@st.composite
def sheet_blocks(draw: st.DrawFn, *, max_rows: int = 8) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """A header and a block of (Excel row, cells), some rows with cells right of the header, some shorter."""
    header = draw(export_columns(INSTRUMENT))
    numeric_column = draw(st.booleans())  # most columns hold numbers and empty cells only, as exports do
    block = []
    for excel in range(2, 2 + draw(st.integers(1, max_rows))):
        if numeric_column:
            row = [
                draw(
                    st.one_of(st.just(""), st.integers(1, 6).map(float))
                    if name != "candidate_id"
                    else cell_texts(INSTRUMENT, name)
                )
                for name in header
            ]
        else:
            row = [draw(sheet_cells(name)) for name in header]
        row += draw(st.lists(st.sampled_from(["", None, 3.0, "x"]), max_size=2))
        block.append((excel, row))
    return header, block


def _outcome(chunk: Any) -> tuple[Any, ...]:
    checked = validate_chunk(INSTRUMENT, chunk)
    responses = checked.responses
    return (
        responses.candidate_ids.tolist(),
        np.nan_to_num(responses.items, nan=-99).tolist(),
        responses.choices.tolist(),
        np.nan_to_num(responses.checks, nan=-99).tolist(),
        np.nan_to_num(responses.seconds, nan=-99).tolist(),
        checked.rows.tolist(),
        checked.rejects,
    )


@given(drawn=sheet_blocks())
def test_a_block_read_by_columns_validates_as_read_by_rows(drawn):
    header, block = drawn
    keep = list(range(len(header)))
    reference = _record_chunk(block, header, keep, offset=0, formulas={}, errors={})
    if _plain_block(block, len(header), {}, {}):
        assert _outcome(_column_chunk(block, header, keep)) == _outcome(reference)
    # The reader leaves blank rows out before a block is read either way.
    filled = [(excel, row) for excel, row in block if _filled(row)]
    read = list(_xlsx_chunks(iter(block), header, keep, len(block), offset=0, formulas={}, errors={}))
    assert [_outcome(chunk) for chunk in read] == (
        [_outcome(_record_chunk(filled, header, keep, offset=0, formulas={}, errors={}))] if filled else []
    )


@given(drawn=sheet_blocks(), data=st.data())
def test_a_block_with_an_error_cell_or_a_formula_is_read_by_rows(drawn, data):
    header, block = drawn
    keep = list(range(len(header)))
    excel = data.draw(st.sampled_from([row for row, _ in block]))
    errors = {excel: {"A": "#DIV/0!"}}
    formulas = {excel: ["A"]} if data.draw(st.booleans()) else {}
    assert not _plain_block(block, len(header), formulas, errors)
    block = [(row, [*cells, 1.0]) for row, cells in block]  # no blank row: the reader would leave it out
    (read,) = _xlsx_chunks(iter(block), header, keep, len(block), offset=0, formulas=formulas, errors=errors)
    reference = _record_chunk(block, header, keep, offset=0, formulas=formulas, errors=errors)
    assert _outcome(read) == _outcome(reference)
    assert read.unreadable == reference.unreadable and len(read.unreadable) == 1


# ---- a whole workbook: fastexcel's Arrow columns against calamine's rows -----------------------------

openpyxl = pytest.importorskip("openpyxl")
pytest.importorskip("fastexcel")
ILLEGAL_CHARACTERS_RE = pytest.importorskip("openpyxl.cell.cell").ILLEGAL_CHARACTERS_RE


@st.composite
def workbooks(draw: st.DrawFn, *, max_rows: int = 12) -> tuple[list[str], list[list[Any]]]:
    """A header (fields, maybe an unknown or upper-case name) and rows: typed or mixed columns, blank rows."""
    header = draw(export_columns(INSTRUMENT))
    if draw(st.booleans()):
        header.insert(draw(st.integers(0, len(header))), draw(st.sampled_from(["email", "Name", "tcl3"])))
    if draw(st.booleans()):
        header = [name.upper() if draw(st.booleans()) else name for name in header]
    typed = draw(st.booleans())  # most exports: numbers (and empty cells) in answer columns, text in the others
    rows = []
    for _ in range(draw(st.integers(1, max_rows))):
        if draw(st.integers(0, 6)) == 0:
            rows.append([None] * len(header))  # a blank row
            continue
        row = []
        for name in header:
            if typed and name.lower() not in ("candidate_id", "email", "name") and not name.lower().startswith("sj"):
                row.append(draw(st.one_of(st.none(), st.integers(-1, 8).map(float), st.just(4.5))))
            elif typed:
                row.append(draw(st.one_of(st.none(), cell_texts(INSTRUMENT, name.lower()))))
            else:
                cell = draw(sheet_cells(name.lower()))
                row.append(None if cell == "" or (isinstance(cell, float) and cell != cell) else cell)
        if draw(st.integers(0, 8)) == 0:
            row.append(draw(st.sampled_from([3.0, "x"])))  # a cell right of the header
        rows.append(row)
    return header, rows


def _read(path: Any, chunk_size: int) -> tuple[Any, ...]:
    try:
        source = open_source(path, INSTRUMENT, chunk_size=chunk_size)
    except ValueError as error:  # a header that cannot be scored: the same message either way
        return (str(error),)
    return source.total_rows, source.notes, [_outcome(chunk) for chunk in source.chunks]


def _write_workbook(path: Any, header: list[str], rows: list[list[Any]]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:  # a sheet cannot hold control characters (openpyxl refuses them)
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell for cell in row])
    workbook.save(path)


@given(drawn=workbooks(), chunk_size=st.integers(1, 9))
def test_a_workbook_read_into_arrow_columns_validates_as_read_row_by_row(tmp_path_factory, drawn, chunk_size):
    header, rows = drawn
    path = tmp_path_factory.mktemp("xlsx") / "export.xlsx"
    _write_workbook(path, header, rows)
    fast = _read(path, chunk_size)
    with mock.patch.object(excel_reader, "_arrow_sheet", return_value=None):
        reference = _read(path, chunk_size)
    assert fast == reference


def test_a_plain_workbook_is_read_into_arrow_columns(tmp_path):
    path = tmp_path / "export.xlsx"
    _write_workbook(path, ["candidate_id", "tc1", "sj1"], [["a", 3.0, "b"], [None, None, None], ["b", None, "c"]])
    with mock.patch.object(excel_reader, "_xlsx_chunks", side_effect=AssertionError("read row by row")):
        total, notes, outcomes = _read(path, 10)
    assert total == 3 and notes == () and [outcome[0] for outcome in outcomes] == [["a", "b"]]


@pytest.mark.parametrize(
    "cells",
    [
        [[1.0, "tc1"], ["a", 3.0]],  # a number in the header: read as "1.0" by the reference reader
        [["candidate_id", "tc1"], ["a", 3.0], ["b", "x"]],  # a column of numbers and text
        [["candidate_id", "tc1"], ["a", True]],  # true/false
        [["candidate_id", "tc1"], ["a", 3.0, 7.0]],  # a cell right of the header
        [["candidate_id", "tc1", "tc1"], ["a", 3.0, 4.0]],  # a name twice
    ],
)
def test_a_workbook_the_arrow_reader_cannot_read_alike_is_read_row_by_row(tmp_path, cells):
    path = tmp_path / "export.xlsx"
    _write_workbook(path, cells[0], cells[1:])
    with mock.patch.object(excel_reader, "_arrow_chunks", side_effect=AssertionError("read into Arrow columns")):
        _read(path, 10)  # a name twice refuses the header, as it always did
