"""Results files say their instrument, and on instrument 2.0 hold each scale score's standard error.

Every format and dialect writes ``instrument_id`` and ``instrument_version`` (the scoring model's
instrument) and, on forced choice, one ``se_<scale>`` per scale; the one reader gives them back, and
still reads files written before these columns existed.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profilefit.core.instrument import BLOCK_ANSWERS
from profilefit.core.screening import Screener
from profilefit.data.batch import score_batch, score_file, write_results
from profilefit.data.results import (
    ERROR_PREFIX,
    open_results,
    read_result_records,
    result_columns,
    result_record,
    result_schema,
)
from profilefit.pages.reports import iter_result_rows, iter_results
from tests.data.test_results_file import OUTPUTS, assert_same_record, expected_record
from tests.strategies import candidate_ids

pa = pytest.importorskip("pyarrow")
pytest.importorskip("python_calamine")

SCREENER_2 = Screener.load("reference-2.0")
INSTRUMENT_2 = SCREENER_2.instrument
_QUIET = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def assessments_2(draw: st.DrawFn) -> dict[str, Any]:
    """A valid 2.0 assessment: each block a two-letter answer or left out, scenarios, checks, sometimes seconds."""
    record: dict[str, Any] = {"candidate_id": draw(candidate_ids())}
    for block_id in INSTRUMENT_2.block_ids:
        answer = draw(st.one_of(st.none(), st.sampled_from(BLOCK_ANSWERS)))
        if answer is not None:
            record[block_id] = answer
    for scenario in INSTRUMENT_2.scenarios:
        choice = draw(st.one_of(st.none(), st.sampled_from([option.id for option in scenario.options])))
        if choice is not None:
            record[scenario.id] = choice
    for check in INSTRUMENT_2.attention_checks:
        record[check.id] = draw(st.integers(1, 5))
    if draw(st.booleans()):
        record["completion_seconds"] = draw(st.floats(0, 86_400, allow_nan=False))
    return record


def _answered(seed: int, n: int) -> list[dict[str, Any]]:
    """``n`` rows answering every block (so every scale has a score and a standard error)."""
    return [
        {
            "candidate_id": f"c{seed}-{k}",
            **{block: BLOCK_ANSWERS[(seed + 7 * k + j) % 6] for j, block in enumerate(INSTRUMENT_2.block_ids)},
        }
        for k in range(n)
    ]


def test_a_2_0_results_file_has_the_instrument_and_one_standard_error_column_per_scale():
    columns = result_columns(SCREENER_2)
    assert columns[2:4] == ["instrument_id", "instrument_version"]
    errors = [name.removeprefix(ERROR_PREFIX) for name in columns if name.startswith(ERROR_PREFIX)]
    assert errors == list(INSTRUMENT_2.scale_ids)
    # The agreement instrument (1.2) has no standard errors, so its files have no se_ columns.
    assert not [name for name in result_columns(Screener.load()) if name.startswith(ERROR_PREFIX)]


@_QUIET
@given(
    rows=st.lists(assessments_2(), min_size=1, max_size=4, unique_by=lambda r: r["candidate_id"]),
    output=st.sampled_from(OUTPUTS),
)
def test_2_0_results_written_then_read_back_in_every_format_give_the_same_typed_records(rows, output):
    """Rule: on 2.0 too, write_results then open_results gives each result's record, standard errors included."""
    suffix, dialect = output
    results = [SCREENER_2.score(row) for row in rows]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"results{suffix}"
        assert write_results(path, results, screener=SCREENER_2, dialect=dialect) == len(results)
        opened = open_results(path)
        assert opened.header == tuple(result_columns(SCREENER_2))
        assert opened.scales == INSTRUMENT_2.scale_ids
        records = list(opened)
        pages = list(iter_result_rows(path))
    for read, result, page in zip(records, results, pages, strict=True):
        assert (read.instrument_id, read.instrument_version) == ("customer-contact", "2.0")
        assert_same_record(read, expected_record(result, forced_choice=True), dialect=dialect, suffix=suffix)
        assert (page.instrument_id, page.instrument_version) == ("customer-contact", "2.0")
        assert page.standard_errors == dict(read.standard_errors)


def test_standard_errors_are_the_scorers_and_positive_where_a_scale_was_scored(tmp_path):
    results = [SCREENER_2.score(row) for row in _answered(3, 4)]
    path = tmp_path / "results.csv"
    write_results(path, results, screener=SCREENER_2)
    for record, result in zip(read_result_records(path), results, strict=True):
        for scale in result.scales:
            assert scale.score is not None and scale.standard_error is not None
            assert record.standard_errors[scale.scale] == pytest.approx(scale.standard_error, abs=0.0)
            assert 0.0 < record.standard_errors[scale.scale] < 2.0


@pytest.mark.parametrize(("suffix", "dialect"), OUTPUTS, ids=[f"{s}-{d or 'standard'}" for s, d in OUTPUTS])
def test_on_2_0_profilefit_score_and_the_service_export_write_the_same_file(tmp_path, suffix, dialect):
    """Every door decides alike on 2.0: score_file and write_results give the same records.

    Texts, flags and bands are equal; figures within 1e-12. The Thurstonian scores no longer depend on
    who else is scored (before, a scale score could differ in the last binary digit, 0.34143967201800407
    against 0.3414396720180041); probabilities and fits pass through numpy's ``exp`` on a row against a
    batch, which need not give the last bit alike on every CPU.
    """
    rows = _answered(5, 6)
    rows.append({"candidate_id": "=HYPERLINK(1)", INSTRUMENT_2.block_ids[0]: "ab"})  # one block: scales not scored
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    scored = tmp_path / f"scored{suffix}"
    score_file(export, scored, screener=SCREENER_2, dialect=dialect, progress=False)
    written = tmp_path / f"written{suffix}"
    write_results(written, [SCREENER_2.score(row) for row in rows], screener=SCREENER_2, dialect=dialect)
    records = read_result_records(scored)
    for got, want in zip(read_result_records(written), records, strict=True):
        _assert_alike(got, want)
    assert len(records) == len(rows)
    assert all(record.instrument_version == "2.0" for record in records)


def _assert_alike(got: Any, want: Any) -> None:
    """Equal texts, flags and keys; figures within 1e-12 (nan where the other is nan)."""
    if hasattr(want, "__dict__"):
        got, want = dict(got.__dict__), dict(want.__dict__)
    if isinstance(want, dict):
        assert list(got) == list(want)
        for key in want:
            _assert_alike(got[key], want[key])
    elif isinstance(want, float):
        assert isinstance(got, float), (got, want)
        assert (math.isnan(got) and math.isnan(want)) or abs(got - want) <= 1e-12, (got, want)
    else:
        assert got == want


def test_result_record_is_the_row_result_table_gives_on_2_0():
    """Both fillers give the same row: texts equal, figures within 1e-12 (see the test above)."""
    rows = [*_answered(1, 2), {"candidate_id": "few", INSTRUMENT_2.block_ids[0]: "ca"}]
    schema = result_schema(SCREENER_2)
    table = pa.Table.from_pandas(score_batch(SCREENER_2, rows).results, schema=schema, preserve_index=False)
    one_by_one = [result_record(SCREENER_2.score(row), schema.names) for row in rows]
    for batch_row, alone in zip(table.to_pylist(), one_by_one, strict=True):
        _assert_alike(batch_row, alone)


def test_a_1_2_results_file_says_its_instrument_and_has_no_standard_errors(tmp_path):
    screener = Screener.load()
    path = tmp_path / "results.jsonl"
    write_results(path, [screener.score({"candidate_id": "a", "tc1": 4})], screener=screener)
    (record,) = read_result_records(path)
    assert (record.instrument_id, record.instrument_version) == ("customer-contact", "1.2")
    assert record.standard_errors == {}


def test_a_file_written_before_the_instrument_columns_is_read_without_them(tmp_path):
    path = tmp_path / "old.csv"
    path.write_text(
        "candidate_id,model_id,profile,fit_score,fit_band,needs_review,validity_flags,scale_warmth\n"
        "c1,reference,empathizer,71.5,strong,false,,4.25\n",
        encoding="utf-8",
    )
    (record,) = read_result_records(path)
    assert (record.instrument_id, record.instrument_version, record.standard_errors) == (None, None, {})
    assert record.scales == {"warmth": 4.25}
    (listed,) = list(iter_results(path))
    assert listed.instrument_version is None


@pytest.mark.parametrize(
    ("cell", "message"), [("-0.2", "expected a standard error of at least 0"), ("x", "expected a number")]
)
def test_a_bad_standard_error_is_refused_naming_the_line_and_field(tmp_path, cell, message):
    path = tmp_path / "results.csv"
    path.write_text(f"candidate_id,profile,se_composure\nc1,empathizer,{cell}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"line 2, field 'se_composure': {message}"):
        read_result_records(path)


def test_standard_errors_are_read_with_a_decimal_comma_or_empty(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("candidate_id;profile;se_composure;se_warmth\nc1;empathizer;0,412;\n", encoding="utf-8")
    (record,) = read_result_records(path)
    assert record.standard_errors == {"composure": pytest.approx(0.412, abs=1e-12), "warmth": None}
