"""JSON Lines read as columns where that is exact: the same decisions and rejects as reading line by line."""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profilefit.core.instrument import load_instrument
from profilefit.data.batch import _jsonl, score_batch
from profilefit.data.batch._fields import ColumnNames
from profilefit.data.io import load_json_object
from profilefit.exceptions import InputWarning, JsonRowError

pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

#: Lines no columnar reading may accept: each must stay a reject of its own line (or a row-level decision).
HOSTILE_LINES: tuple[bytes, ...] = (
    b'{"candidate_id":"k1","tc1":1,"tc1":6}',  # a key twice
    b'{"candidate_id":"n1","tc1":[[[1]]]}',  # nested
    b'{"candidate_id":"d1","tc1":' + b"9" * 5000 + b"}",  # too many digits
    b'{"candidate_id":"u1","tc1":"\xff"}',  # not UTF-8
    b"[1, 2]",  # not an object
    b"{candidate_id: 1}",  # not JSON
    b'{"candidate_id":"c1","tc1":NaN}',  # NaN, -NaN, Inf: Python's json and pyarrow read different sets
    b'{"candidate_id":"c2","tc1":-NaN}',
    b'{"candidate_id":"c3","tc1":Inf}',
    b'{"candidate_id":"c4","tc1":-Infinity}',
    b'{"candidate_id":"t\x01b","tc1":3}',  # a control character inside a string
    b'{"candidate_id":"s\\ud800","tc1":3}',  # a lone escaped surrogate
    b'{"candidate_id":"b1","tc1":true}',  # true is not an answer
    b'{"candidate_id":"e1","tc1":3}{"candidate_id":"e2"}',  # two objects on one line
    b'{"candidate_id":"w1"," tc1":3,"tc1":4}',  # a field twice once spaces go
    b'{"candidate_id":"x1","email":"a@b.c"}',  # not a field: left out, as a table's column is
    b'{"candidate_id":12345678901234567,"tc1":3}',  # an id no double holds
)


@st.composite
def _plain_line(draw: st.DrawFn, instrument: Any) -> bytes:
    """A line as exports write them, with the types and values a tool might put in each field."""
    record: dict[str, Any] = {}
    record["candidate_id"] = draw(
        st.one_of(
            st.text(st.characters(min_codepoint=32, max_codepoint=0x24F), min_size=1, max_size=12),
            st.integers(-1000, 10**6),
            st.sampled_from([101.0, 2.5, -0.0]),
        )
    )
    for item_id in draw(st.lists(st.sampled_from(instrument.item_ids[:6]), unique=True, max_size=6)):
        record[item_id] = draw(
            st.one_of(
                st.integers(-2, 9),
                st.sampled_from([4.0, 2.5, 6.0, 1e3]),
                st.sampled_from(["4", " 5 ", "4.0", "x", ""]),
                st.none(),
            )
        )
    scenario = instrument.scenarios[0]
    if draw(st.booleans()):
        record[scenario.id] = draw(st.sampled_from([scenario.options[0].id, "B", "zz", 3, None]))
    if draw(st.booleans()):
        record["completion_seconds"] = draw(
            st.one_of(st.floats(-10, 100_000, allow_nan=False), st.integers(-5, 100_000), st.just("525,8"))
        )
    text = json.dumps(record, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8")


def _frames(batch: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    def clean(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in record.items()} for record in records
        ]

    return clean(batch.results.to_dict("records")), clean(batch.rejects.astype(str).to_dict("records"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_file_is_decided_as_its_lines_are_one_by_one(screener, tmp_path, data):
    """Rule: any JSON Lines file scores and rejects exactly as its lines given one at a time (the per-line rule)."""
    lines = data.draw(
        st.lists(st.one_of(_plain_line(screener.instrument), st.sampled_from(HOSTILE_LINES)), min_size=1, max_size=12)
    )
    size = data.draw(st.integers(1, 6))
    path = tmp_path / "export.jsonl"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)  # the note naming keys that are not fields
        from_file = score_batch(screener, path, chunk_size=size)
    one_by_one = score_batch(
        screener, [_without_foreign_keys(line, screener.instrument) for line in lines], chunk_size=size
    )
    assert _frames(from_file) == _frames(one_by_one)


def _without_foreign_keys(line: bytes, instrument: Any) -> bytes:
    """A line as a file reads it: keys that are not fields (in any case or padding) left out, when it parses."""
    try:
        record = load_json_object(line)
    except JsonRowError:
        return line
    fields = {"candidate_id", "completion_seconds", "schema_version", *instrument.item_ids, *instrument.scenario_ids}
    fields |= set(instrument.check_ids)
    kept = {key: value for key, value in record.items() if key.strip().casefold() in fields}
    return line if kept == record else json.dumps(kept).encode("utf-8")


def _keys() -> _jsonl.KeyReader:
    return _jsonl.KeyReader(ColumnNames(load_instrument()))


@pytest.mark.parametrize("line", [line for line in HOSTILE_LINES if b"email" not in line])
def test_a_block_with_a_hostile_line_is_not_read_as_columns(line, instrument):
    block = [b'{"candidate_id":"c0","tc1":4}\n', line + b"\n"]
    assert _jsonl._columnar(block, _keys(), list(range(1, len(block) + 1))) is None


def test_a_key_that_is_not_a_field_is_left_out_of_the_columns_and_named_once():
    keys = _keys()
    block = [b'{"candidate_id":"c0","tc1":4,"email":"a@b.c"}\n', b'{"candidate_id":"x1","email":"d@e.f","Sex":"f"}\n']
    chunk = _jsonl._columnar(block, keys, list(range(1, len(block) + 1)))
    assert chunk is not None and [name for name, _ in chunk.columns] == ["candidate_id", "tc1"]
    assert chunk.records is not None and chunk.records[1] == {"candidate_id": "x1"}
    notes = keys.names.notes()
    assert len(notes) == 2 and "'Sex'" in notes[0] and "'email'" in notes[1]


def test_a_plain_export_is_read_as_columns_and_parses_only_rejected_lines_again(screener, tmp_path, monkeypatch):
    rows = [{"candidate_id": f"c{k}", "tc1": 1 + k % 6, "completion_seconds": 500.5 + k} for k in range(300)]
    rows[17]["tc1"] = 9
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    parsed = []
    original = _jsonl.load_json_object
    monkeypatch.setattr(_jsonl, "load_json_object", lambda line: parsed.append(line) or original(line))
    batch = score_batch(screener, path, chunk_size=100)
    assert len(batch.results) == 299 and batch.rejects[["row", "field"]].values.tolist() == [[18, "tc1"]]
    assert parsed == [json.dumps(rows[17]).encode() + b"\n"]  # the one rejected line, for its exact value
    assert batch.rejects["value"].tolist() == [9]


def test_an_empty_or_blank_file_has_no_rows(screener, tmp_path):
    for content in (b"", b"\n\n  \n"):
        path = tmp_path / "export.jsonl"
        path.write_bytes(content)
        batch = score_batch(screener, path)
        assert batch.summary.rows_read == 0 and len(batch.results) == 0 and len(batch.rejects) == 0


@pytest.mark.parametrize("key", ["tc 1", "TC01", "tc01", "tc_3"])
def test_a_key_that_looks_like_a_statement_spelt_otherwise_rejects_its_record_naming_it(tmp_path, key):
    """As score-one does (a CSV header with such a column is refused as a whole): left out, the statement
    would be unanswered and the fit lower with nothing to say why; the record is rejected, naming the key."""
    from profilefit.apps.cli import main

    export = tmp_path / "export.jsonl"
    lines = [
        {"candidate_id": "c1", key: 5, "cm1": 4, "sj1": "b"},
        {"candidate_id": "c2", "tc1": 5, "cm1": 4, "sj1": "b", "email": "x@y.z"},
    ]
    export.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    results = tmp_path / "results.csv"
    assert main(["score", str(export), "-o", str(results), "--no-progress"]) == 1
    rejects = (tmp_path / "results.rejects.csv").read_text("utf-8-sig").splitlines()
    assert len(rejects) == 2 and rejects[1].startswith(f"1,c1,{key},"), rejects
    assert "not a field of this instrument" in rejects[1]
    assert results.read_text("utf-8-sig").count("\n") == 2  # the header and c2


def test_a_statement_like_key_beside_the_statement_s_own_key_is_an_extra_column_as_in_csv(tmp_path, capsys):
    """As a CSV header holding both tc1 and 'tc 1' reads tc1 and leaves the other out with a note."""
    from profilefit.apps.cli import main

    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"candidate_id": "c0", "tc1": 1, "tc 1": "x@example.no"}) + "\n", encoding="utf-8")
    results = tmp_path / "results.csv"
    assert main(["score", str(export), "-o", str(results), "--no-progress"]) == 0
    assert "'tc 1'" in capsys.readouterr().err
    assert results.read_text("utf-8-sig").count("\n") == 2
