"""JSON Lines results are written column-wise; they must read back as json.dumps of each row would."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")


def _expected(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value


@given(
    texts=st.lists(st.one_of(st.none(), st.text()), min_size=1, max_size=8),
    data=st.data(),
)
def test_json_lines_read_back_as_json_dumps_of_each_row(texts, data):
    """Rule: json.loads(json_lines(table)[k]) == the k-th row, with NaN and infinities as null."""
    from profilefit.data.batch._writers import json_lines

    n = len(texts)
    numbers = data.draw(st.lists(st.one_of(st.none(), st.floats()), min_size=n, max_size=n))
    flags = data.draw(st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n))
    counts = data.draw(st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)), min_size=n, max_size=n))
    table = pa.table(
        {
            "candidate_id": pa.array(texts, pa.string()),
            'we"ird\\key': pa.array(numbers, pa.float64()),
            "needs_review": pa.array(flags, pa.bool_()),
            "n": pa.array(counts, pa.int64()),
        }
    )
    lines = json_lines(table).to_pylist()
    assert all(line.endswith("}\n") and "\n" not in line[:-1] for line in lines)
    for line, row in zip(lines, table.to_pylist(), strict=True):
        read = json.loads(line)
        assert list(read) == list(row)
        assert read == {key: _expected(value) for key, value in row.items()}
        for key, value in row.items():  # floats stay floats, and exact
            if isinstance(value, float) and math.isfinite(value):
                assert type(read[key]) is float and read[key] == value
