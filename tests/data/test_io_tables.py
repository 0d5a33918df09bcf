"""profilefit.data.io.read_table: one reader of results-like tables for the audit and the shortlist."""

from __future__ import annotations

import json

import pytest

from profilefit.data.io import read_csv_table, read_table

pq = pytest.importorskip("pyarrow.parquet")
pa = pytest.importorskip("pyarrow")


class Refused(ValueError):
    pass


def test_csv_headers_are_stripped_and_lower_cased_and_blank_lines_skipped(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("\ufeff Candidate_ID ;Fit_Score\r\nc1;71,5\r\n;\r\n\r\nc2;40\r\n", encoding="utf-8")
    header, rows = read_table(path, what="results")
    assert header == ["candidate_id", "fit_score"]
    assert list(rows) == [
        ("line 2", {"candidate_id": "c1", "fit_score": "71,5"}),
        ("line 5", {"candidate_id": "c2", "fit_score": "40"}),
    ]


def test_json_lines_and_parquet_give_the_same_rows_with_their_locations(tmp_path):
    records = [{"Candidate_ID": "c1", "fit_score": 71.5}, {"Candidate_ID": "c2", "fit_score": 40.0}]
    jsonl = tmp_path / "results.jsonl"
    jsonl.write_text("\n".join(json.dumps(record) for record in records) + "\n\n", encoding="utf-8")
    parquet = tmp_path / "results.parquet"
    pq.write_table(pa.Table.from_pylist(records), parquet)
    expected = [{"candidate_id": "c1", "fit_score": 71.5}, {"candidate_id": "c2", "fit_score": 40.0}]
    header, rows = read_table(jsonl, what="results")
    assert header == ["candidate_id", "fit_score"]
    assert list(rows) == [("line 1", expected[0]), ("line 2", expected[1])]
    header, rows = read_table(parquet, what="results")
    assert list(rows) == [("row 1", expected[0]), ("row 2", expected[1])]
    _, rows = read_table(parquet, what="results", columns=("candidate_id",))
    assert [row for _, row in rows] == [{"candidate_id": "c1"}, {"candidate_id": "c2"}]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "results file not found"),
        ("results.xls", b"x", "cannot tell the format of a results file from its suffix '.xls'"),
        ("results.jsonl", b'{"a": 1}\n[1, 2]\n', "line 2: expected a JSON object {...}, got an array"),
        ("results.jsonl", b'{"a": 1\n', "line 1: not valid JSON"),
        ("results.csv", b"candidate_id\n\xff\n", "not UTF-8 text"),
    ],
)
def test_unreadable_files_raise_the_callers_error_naming_file_and_line(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(Refused, match=message):
        _, rows = read_table(path, what="results", error=Refused)
        list(rows)


def test_a_csv_table_is_read_as_csv_whatever_its_suffix(tmp_path):
    path = tmp_path / "demographics.dat"
    path.write_text("candidate_id;sex\nc1;f\n", encoding="utf-8")
    header, rows = read_csv_table(path)
    assert header == ["candidate_id", "sex"]
    assert list(rows) == [("line 2", {"candidate_id": "c1", "sex": "f"})]
