"""Twin test: an Excel block read a column at a time validates exactly as the same block read row by row.

``_column_chunk`` is the fast reader of a sheet's rows; ``_record_chunk`` builds one dict per row,
as the reader did before, and stays the reader of blocks with formulas, error cells or cells right
of the header. Over cells as calamine gives them (numbers as floats, empty cells as ``""``, text,
booleans), both must give the same valid rows, values and rejects.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from profilefit.data.batch import validate_chunk
from profilefit.data.batch._excel import _column_chunk, _filled, _plain_block, _record_chunk, _xlsx_chunks
from test_batch_validation import INSTRUMENT, cell_texts, export_columns


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
    reference = _record_chunk(block, header, keep, 1, offset=0, formulas={}, errors={})
    if _plain_block(block, len(header), {}, {}):
        assert _outcome(_column_chunk(block, header, keep, 1)) == _outcome(reference)
    # The reader leaves blank rows out before a block is read either way.
    filled = [(excel, row) for excel, row in block if _filled(row)]
    read = list(_xlsx_chunks(iter(block), header, keep, len(block), offset=0, formulas={}, errors={}))
    assert [_outcome(chunk) for chunk in read] == (
        [_outcome(_record_chunk(filled, header, keep, 1, offset=0, formulas={}, errors={}))] if filled else []
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
    reference = _record_chunk(block, header, keep, 1, offset=0, formulas=formulas, errors=errors)
    assert _outcome(read) == _outcome(reference)
    assert read.unreadable == reference.unreadable and len(read.unreadable) == 1
