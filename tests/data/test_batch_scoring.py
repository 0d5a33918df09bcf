"""Batch scoring equals scoring one candidate at a time, loses no row, and writes every format."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profilefit.core.scoring import Responses
from profilefit.core.validity import FLAG_IDS
from profilefit.data.batch import (
    REJECT_COLUMNS,
    default_rejects_path,
    neutralise,
    result_columns,
    score_batch,
    score_file,
)
from profilefit.data.datasets import export_csv
from profilefit.data.simulate import simulate
from profilefit.exceptions import ColumnError, InputWarning

pd = pytest.importorskip("pandas")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture(scope="module")
def records(instrument) -> list[dict[str, Any]]:
    """Simulated candidates with skipped questions and times to one decimal, as an export holds them."""
    sim = simulate(90, seed=606, instrument=instrument)
    rng = np.random.default_rng(606)
    items = sim.responses.items.copy()
    items[rng.random(items.shape) < 0.03] = np.nan
    seconds = np.round(sim.responses.seconds, 1)
    responses = Responses(
        instrument, sim.responses.candidate_ids, items, sim.responses.choices, sim.responses.checks, seconds
    )
    return responses.to_records()


@pytest.fixture(scope="module")
def export_path(tmp_path_factory, instrument, records) -> Path:
    responses = Responses.from_records(instrument, records)
    path = tmp_path_factory.mktemp("export") / "export.csv"
    path.write_bytes(("\ufeff" + export_csv(responses)).encode("utf-8"))
    return path


def _flags(text: Any) -> list[str]:
    return [] if not isinstance(text, str) or not text else text.split(";")


def _assert_frame_equals_single_calls(frame: Any, expected: list[Any], screener) -> None:
    assert frame["candidate_id"].tolist() == [result.candidate_id for result in expected]
    for row, result in zip(frame.itertuples(index=False), expected, strict=True):
        for profile in screener.profile_ids:
            assert getattr(row, f"p_{profile}") == pytest.approx(result.probabilities[profile], abs=1e-12)
        assert row.top_profile == result.top_profile
        assert row.second_profile == result.second_profile
        assert row.profile == result.profile
        assert row.confidence == pytest.approx(result.confidence, abs=1e-12)
        assert _flags(row.validity_flags) == [flag.flag for flag in result.flags]
        assert bool(row.needs_review) == result.needs_human_review
        assert row.model_id == result.model.model_id
        for scale in result.scales:
            value = getattr(row, f"scale_{scale.scale}")
            assert (math.isnan(value) and scale.score is None) or value == pytest.approx(scale.score, abs=1e-12)
        if result.fit is None:
            assert pd.isna(row.fit_score) and pd.isna(row.fit_band)
        else:
            assert row.fit_score == pytest.approx(result.fit.score, abs=1e-9)
            assert row.fit_band == result.fit.band or (result.fit.band is None and pd.isna(row.fit_band))


@pytest.mark.parametrize("form", ["frame", "path", "dicts", "json texts"])
def test_score_batch_equals_score_row_by_row(screener, records, export_path, form):
    expected = [screener.score(record) for record in records]
    data = {
        "frame": lambda: pd.DataFrame(records),
        "path": lambda: export_path,
        "dicts": lambda: iter(records),
        "json texts": lambda: [json.dumps(record) for record in records],
    }[form]()
    batch = score_batch(screener, data, chunk_size=32)
    assert batch.summary.rows_read == batch.summary.rows_scored == len(records)
    assert batch.rejects.empty
    assert list(batch.results.columns) == result_columns(screener)
    _assert_frame_equals_single_calls(batch.results, expected, screener)


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, abs=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_results_option_gives_the_objects_score_gives(screener, records):
    batch = score_batch(screener, records[:25], output="results", chunk_size=10)
    singles = [screener.score(record) for record in records[:25]]
    assert len(batch.results) == 25
    for ours, theirs in zip(batch.results, singles, strict=True):
        assert _close(ours.model_dump(), theirs.model_dump())


@pytest.mark.parametrize("form", ["csv", "jsonl", "parquet", "frame"])
def test_results_do_not_depend_on_the_chunk_size(screener, records, export_path, tmp_path, form):
    """Rule: a file read in chunks of 1, 7 or all rows gives the same results; the chunks are that many rows."""
    from profilefit.data.batch import open_source

    frame = pd.DataFrame(records)
    data: Any = {"csv": export_path, "frame": frame}.get(form)
    if form == "jsonl":
        data = tmp_path / "export.jsonl"
        data.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    elif form == "parquet":
        data = tmp_path / "export.parquet"
        frame.to_parquet(data, row_group_size=25)
    sizes = (1, 7, 10_000)
    for size in sizes:
        chunks = [chunk.n_rows for chunk in open_source(data, screener.instrument, chunk_size=size).chunks]
        if form == "parquet":  # at most `size` rows, never across a row group of 25
            assert max(chunks) <= size and sum(chunks) == len(records)
        else:
            assert chunks == [size] * (len(records) // size) + ([len(records) % size] if len(records) % size else [])
    frames = [score_batch(screener, data, chunk_size=size).results for size in sizes]
    for other in frames[1:]:
        pd.testing.assert_frame_equal(other, frames[0], check_exact=False, rtol=0, atol=1e-12)


def test_without_a_role_fit_columns_are_empty(records):
    from profilefit.core.screening import Screener

    frame = score_batch(Screener.load(role=None), records[:5]).results
    assert frame["fit_score"].isna().all() and frame["fit_band"].isna().all()


def test_every_row_is_scored_or_rejected_and_duplicates_keep_the_first_valid_row(screener, tmp_path):
    path = tmp_path / "messy.csv"
    path.write_text(
        "candidate_id;tc1;sj1\n"
        "a;4;a\n"  # 1 scored
        "b;9;a\n"  # 2 rejected: out of range
        "b;5;b\n"  # 3 scored: the earlier b was invalid, so this is the first valid b
        "a;3;c\n"  # 4 duplicate of row 1
        "c;;b\n"  # 5 scored: tc1 unanswered
        ";4;a\n"  # 6 rejected: no id
        "c;2;d\n"  # 7 duplicate of row 5 (another chunk)
        "a;1;a\n",  # 8 duplicate of row 1
        encoding="utf-8",
    )
    batch = score_batch(screener, path, chunk_size=3)
    summary = batch.summary
    assert (summary.rows_read, summary.rows_scored, summary.rows_rejected, summary.duplicate_ids) == (8, 3, 5, 3)
    assert batch.results["candidate_id"].tolist() == ["a", "b", "c"]
    assert batch.rows.tolist() == [1, 3, 5]
    assert set(batch.rows) | set(batch.rejects["row"]) == set(range(1, 9))
    assert not set(batch.rows) & set(batch.rejects["row"])
    duplicates = batch.rejects[batch.rejects["reason"].str.startswith("duplicate")]
    assert duplicates["row"].tolist() == [4, 7, 8]
    assert [reason.split(":")[1].split()[1] for reason in duplicates["reason"]] == ["1", "5", "1"]
    assert list(batch.rejects.columns) == list(REJECT_COLUMNS)


def _expected_first_rows(ids):
    first: dict[str, int] = {}
    for row, candidate in enumerate(ids, start=1):
        first.setdefault(candidate, row)
    return first


@settings(max_examples=60, deadline=None)
@given(
    ids=st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f"]), min_size=1, max_size=40),
    chunk_size=st.integers(1, 12),
    colliding=st.booleans(),
)
def test_each_id_is_scored_once_at_its_first_row_in_any_chunking(screener, ids, chunk_size, colliding):
    records = [{"candidate_id": candidate, "tc1": 4} for candidate in ids]
    with pytest.MonkeyPatch.context() as patch:
        if colliding:
            # Every id hashes alike: within a chunk, repeats are told apart by the ids themselves.
            # (Across chunks only hashes are kept, so there a collision would reject the later id.)
            patch.setattr("profilefit.data.batch._validate.hash", lambda text: 7, raising=False)
            chunk_size = len(ids)
        batch = score_batch(screener, records, chunk_size=chunk_size)
    first = _expected_first_rows(ids)
    assert batch.rows.tolist() == sorted(first.values())
    assert batch.results["candidate_id"].tolist() == [ids[row - 1] for row in sorted(first.values())]
    duplicates = batch.rejects
    assert duplicates["row"].tolist() == [row for row in range(1, len(ids) + 1) if row not in first.values()]
    for row, reason in zip(duplicates["row"], duplicates["reason"], strict=True):
        assert reason.startswith(f"duplicate candidate id: row {first[ids[row - 1]]} has the same id")
    assert batch.summary.duplicate_ids == len(ids) - len(first)


def test_score_file_writes_the_same_results_in_every_format(screener, export_path, tmp_path):
    expected = score_batch(screener, export_path).results
    for suffix in (".csv", ".jsonl", ".parquet"):
        output = tmp_path / f"results{suffix}"
        summary = score_file(export_path, output, screener=screener, chunk_size=40)
        assert summary.results_path == output and summary.rejects_path == default_rejects_path(output)
        assert summary.rejects_path.exists()
        if suffix == ".csv":
            frame = pd.read_csv(output, keep_default_na=False, na_values=[""])
            assert set(output.read_text(encoding="utf-8").splitlines()[1].split(",")) & {"true", "false"}
        elif suffix == ".jsonl":
            frame = pd.read_json(output, lines=True, dtype=False)
        else:
            frame = pq.read_table(output).to_pandas()
        assert list(frame.columns) == result_columns(screener)
        assert frame["candidate_id"].tolist() == expected["candidate_id"].tolist()
        np.testing.assert_allclose(frame["p_controller"], expected["p_controller"], rtol=0, atol=1e-12)
        assert frame["needs_review"].astype(bool).tolist() == expected["needs_review"].tolist()
        assert frame["validity_flags"].fillna("").tolist() == expected["validity_flags"].tolist()
    assert not list(tmp_path.glob("*.partial"))


def test_excel_parquet_and_json_lines_inputs_score_like_csv(screener, records, export_path, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    expected = score_batch(screener, export_path).results
    frame = pd.DataFrame(records)
    parquet = tmp_path / "export.parquet"
    frame.to_parquet(parquet)
    jsonl = tmp_path / "export.jsonl"
    jsonl.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    xlsx = tmp_path / "export.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    columns = list(frame.columns)
    sheet.append(columns)
    for record in records:
        sheet.append([record.get(column) for column in columns])
    sheet.append([None] * len(columns))  # a blank row at the end, as spreadsheets have
    workbook.save(xlsx)
    for path in (parquet, jsonl, xlsx):
        results = score_batch(screener, path, chunk_size=25).results
        pd.testing.assert_frame_equal(results, expected, check_exact=False, rtol=0, atol=1e-12)


def test_formulas_are_neutralised_in_csv_text_cells_only(screener, tmp_path):
    path = tmp_path / "formulas.csv"
    path.write_text(
        "candidate_id;tc1;completion_seconds\n=1+1;4;600\n-12;5;\n@SUM(A1);4;-5\n+47 99;x;\nok;-3;\n", encoding="utf-8"
    )
    output, rejects = tmp_path / "results.csv", tmp_path / "rejects.csv"
    score_file(path, output, screener=screener, rejects=rejects)
    with output.open(encoding="utf-8", newline="") as stream:
        ids = [row["candidate_id"] for row in csv.DictReader(stream)]
    assert ids == ["'=1+1", "'-12"]
    with rejects.open(encoding="utf-8", newline="") as stream:
        problems = [(row["candidate_id"], row["field"], row["value"]) for row in csv.DictReader(stream)]
    # A rejected value is echoed as the export writes it ("-5", not the -5.0 it was read as), and text that a
    # spreadsheet would read as a formula is neutralised, as "-3" is.
    assert problems == [("'@SUM(A1)", "completion_seconds", "'-5"), ("'+47 99", "tc1", "x"), ("ok", "tc1", "'-3")]
    jsonl = tmp_path / "results.jsonl"
    score_file(path, jsonl, screener=screener)
    assert [json.loads(line)["candidate_id"] for line in jsonl.read_text(encoding="utf-8").splitlines()] == [
        "=1+1",
        "-12",
    ]


def test_neutralise_leaves_ordinary_text_alone():
    assert [neutralise(text) for text in ("=x", "+x", "-x", "@x", "\tx", "\rx", "x=1", "")] == [
        "'=x",
        "'+x",
        "'-x",
        "'@x",
        "'\tx",
        "'\rx",
        "x=1",
        "",
    ]


_CELL_TEXT = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.builds(
        lambda a, b: a + b, st.sampled_from(["=", "+", "-", "@", "\t", "\r", "'", "''", "'=", "x"]), st.text(max_size=4)
    ),
)


@given(columns=st.lists(st.lists(_CELL_TEXT, min_size=1, max_size=30), min_size=1, max_size=4), data=st.data())
@settings(max_examples=80, deadline=None)
def test_property_the_vectorised_neutralise_is_neutralise_cell_by_cell(columns, data):
    """Rule: a results file's text cells are neutralised exactly as neutralise() does one cell (nulls stay null),
    in the columns asked for and only those, whether or not any cell needs it."""
    pa = pytest.importorskip("pyarrow")
    from profilefit.data.batch._writers import neutralise_table

    n = min(len(column) for column in columns)
    names = [f"c{k}" for k in range(len(columns))]
    table = pa.table({name: pa.array(column[:n], pa.string()) for name, column in zip(names, columns, strict=True)})
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True))
    out = neutralise_table(table, chosen)
    assert out.schema == table.schema
    for name, column in zip(names, columns, strict=True):
        expected = [None if cell is None else neutralise(cell) if name in chosen else cell for cell in column[:n]]
        assert out.column(name).to_pylist() == expected


def test_a_failed_run_leaves_no_results_file(screener, tmp_path):
    def records():
        for k in range(30):
            yield {"candidate_id": f"c{k}", "tc1": 4}
        raise RuntimeError("the source broke half way")

    with pytest.raises(RuntimeError, match="half way"):
        score_file(records(), tmp_path / "results.csv", screener=screener, chunk_size=3)
    assert list(tmp_path.iterdir()) == []


def test_a_line_that_is_not_utf8_is_a_reject_of_that_row_not_of_the_file(screener, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"candidate_id;tc1\n" + b"".join(b"c%d;4\n" % k for k in range(10)) + b"c\xff;4\nc99;5\n")
    with pytest.warns(InputWarning, match=r"1 row\(s\) are not UTF-8 text \(the first at line 12\)"):
        summary = score_file(path, tmp_path / "results.csv", screener=screener, chunk_size=3)
    assert (summary.rows_read, summary.rows_scored) == (12, 11)
    rejects = (tmp_path / "results.rejects.csv").read_text(encoding="utf-8").splitlines()
    assert rejects[1].startswith(
        "11,,(line),,\"line 12 is not valid UTF-8 text (byte 0xFF at character 2 of the cell in column 'candidate_id')"
    )


def test_a_bad_header_stops_before_anything_is_written(screener, tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("tc1;gender\nc1;4;f\n", encoding="utf-8")
    with pytest.raises(ColumnError, match="no candidate_id"):
        score_file(path, tmp_path / "results.csv", screener=screener)
    assert list(tmp_path.iterdir()) == [path]


def test_validity_flags_are_joined_in_flag_order(screener, instrument):
    straight = {"candidate_id": "s1", **{item: 6 for item in instrument.item_ids}, "completion_seconds": 20.0}
    frame = score_batch(screener, [straight]).results
    expected = [flag.flag for flag in screener.score(straight).flags]
    assert frame["validity_flags"].iloc[0].split(";") == expected
    assert expected == [flag for flag in FLAG_IDS if flag in expected] and expected


@given(
    older=st.lists(st.tuples(st.integers(-5, 5), st.integers(0, 99)), max_size=30),
    newer=st.lists(st.tuples(st.integers(-5, 5), st.integers(0, 99)), max_size=30),
)
def test_merging_blocks_of_scored_ids_equals_a_stable_sort(older, newer):
    from profilefit.data.batch._score import _merge

    def block(pairs):
        pairs = sorted(pairs, key=lambda pair: pair[0])  # a block is sorted by hash, stably
        return np.array([key for key, _ in pairs], dtype=np.int64), np.array([row for _, row in pairs], dtype=np.int64)

    keys, rows = _merge(block(older), block(newer))
    expected = sorted(sorted(older, key=lambda p: p[0]) + sorted(newer, key=lambda p: p[0]), key=lambda p: p[0])
    assert keys.tolist() == [key for key, _ in expected]
    assert rows.tolist() == [row for _, row in expected]
