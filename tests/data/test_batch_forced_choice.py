"""The batch path on instrument 2.0: block columns hold two-letter answers, decided as the schema decides them."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from profilefit.core.instrument import BLOCK_ANSWERS, load_instrument
from profilefit.core.schema import BLOCK_ALLOWED
from profilefit.data.batch import _cells
from profilefit.data.io import read_assessments
from tests.data.test_batch_validation import (
    _as_a_file_reads_it,
    _assert_same,
    _only_field_values,
    _validate_all,
    _without_id,
    _write_csv,
)
from tests.strategies import block_texts, export_columns, export_rows, json_records

FORCED_CHOICE = load_instrument("customer-contact-2.0")


def _block_columns() -> st.SearchStrategy[list[str]]:
    """Headers that always hold some block columns, beside the other fields of 2.0."""
    blocks = st.lists(st.sampled_from(FORCED_CHOICE.block_ids), unique=True, min_size=1, max_size=4)
    return st.tuples(export_columns(FORCED_CHOICE, max_items=3), blocks).map(
        lambda drawn: drawn[0] + [block for block in drawn[1] if block not in drawn[0]]
    )


@given(
    columns=_block_columns(),
    data=st.data(),
    delimiter=st.sampled_from([";", ","]),
    bom=st.booleans(),
    chunk_size=st.integers(1, 5),
)
def test_csv_blocks_are_accepted_and_rejected_exactly_as_the_schema_does(columns, data, delimiter, bom, chunk_size):
    rows = data.draw(export_rows(FORCED_CHOICE, columns=columns))
    with tempfile.TemporaryDirectory() as directory:
        path = _write_csv(directory, columns, rows, delimiter=delimiter, bom=bom, crlf=True)
        expected, _, expected_rejects = read_assessments(path, FORCED_CHOICE)
        actual, rejects = _validate_all(path, FORCED_CHOICE, chunk_size=chunk_size)
    _assert_same(actual, expected)
    assert _without_id(rejects) == expected_rejects


@given(records=json_records(FORCED_CHOICE), chunk_size=st.integers(1, 4))
def test_json_lines_blocks_agree_with_the_schema(records, chunk_size):
    read = [_as_a_file_reads_it(record, FORCED_CHOICE) for record in records]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "export.jsonl"
        path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
        reference = Path(directory) / "reference.jsonl"
        reference.write_text("".join(json.dumps(record) + "\n" for record in read), encoding="utf-8")
        expected, _, expected_rejects = read_assessments(reference, FORCED_CHOICE)
        actual, rejects = _validate_all(path, FORCED_CHOICE, chunk_size=chunk_size)
    _assert_same(actual, expected)
    assert _without_id(rejects) == _only_field_values(expected_rejects, read, FORCED_CHOICE)


@given(cells=st.lists(st.one_of(block_texts(), st.none()), max_size=12))
def test_the_fast_block_rule_is_sound_on_arrow_and_list_columns(cells):
    """A cell the fast rule calls valid is valid, with the schema's answer; the two column forms agree."""
    arrow_codes, arrow_ok = _cells.block_cells(pa.array(cells, type=pa.string()))
    list_codes, list_ok = _cells.block_cells(list(cells))
    np.testing.assert_array_equal(arrow_codes, list_codes)
    np.testing.assert_array_equal(arrow_ok, list_ok)
    for cell, code, ok in zip(cells, arrow_codes.tolist(), arrow_ok.tolist(), strict=True):
        if not ok:
            continue
        if cell is None or cell == "":
            assert code == -1
        else:
            assert BLOCK_ANSWERS[code] == cell.lower()


def test_a_rejected_block_names_row_field_value_and_the_two_letter_rule(tmp_path):
    first, second = FORCED_CHOICE.block_ids[:2]
    path = tmp_path / "export.csv"
    path.write_text(f"candidate_id;{first};{second}\nc-1;AC;ab\nc-2;aa;cb\nc-3;;d\n", encoding="utf-8")
    responses, rejects = _validate_all(path, FORCED_CHOICE, chunk_size=2)
    assert responses.candidate_ids.tolist() == ["c-1"]
    assert responses.blocks[0, :2].tolist() == [BLOCK_ANSWERS.index("ac"), BLOCK_ANSWERS.index("ab")]
    assert rejects == [
        {"row": 2, "candidate_id": "c-2", "field": first, "value": "aa", "reason": BLOCK_ALLOWED},
        {"row": 3, "candidate_id": "c-3", "field": second, "value": "d", "reason": BLOCK_ALLOWED},
    ]


@pytest.mark.parametrize("cell", ["ab", "AB", "Ab", "aB"])
def test_either_case_is_one_answer(tmp_path, cell):
    block = FORCED_CHOICE.block_ids[0]
    path = tmp_path / "export.csv"
    path.write_text(f"candidate_id,{block}\nc-1,{cell}\n", encoding="utf-8")
    responses, rejects = _validate_all(path, FORCED_CHOICE, chunk_size=5)
    assert rejects == [] and responses.blocks[0, 0] == BLOCK_ANSWERS.index("ab")
