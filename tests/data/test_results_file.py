"""The results file has one home (profilefit.data.results): one set of columns and types, one writer,
one reader of typed records for every format, and every reader of results sees the same records."""

from __future__ import annotations

import json
import math
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profilefit.core.screening import Screener, ScreeningResult
from profilefit.core.validity import FLAG_IDS
from profilefit.data.batch import score_file, write_results
from profilefit.data.batch._dialects import decimals
from profilefit.data.results import (
    ResultRecord,
    open_results,
    read_result_records,
    result_columns,
    result_record,
    result_schema,
)
from profilefit.evidence.audit import read_results_file
from profilefit.evidence.validation import read_applicants
from profilefit.exceptions import AuditInputError
from profilefit.pages.reports import iter_result_rows, iter_results
from tests.strategies import assessments

pytest.importorskip("pyarrow")
pytest.importorskip("python_calamine")

SCREENER = Screener.load()
#: (suffix, CSV dialect): every format and dialect a results file is written in.
OUTPUTS = [(".csv", None), (".csv", "excel-nordic"), (".jsonl", None), (".parquet", None), (".xlsx", None)]
_QUIET = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def expected_record(result: ScreeningResult, *, forced_choice: bool = False) -> ResultRecord:
    """The record a results file holds for ``result``, built from the result itself, not from a file.

    Only a forced-choice instrument's files hold standard errors (``se_<scale>``).
    """
    fired = {flag.flag for flag in result.flags}
    return ResultRecord(
        candidate_id=result.candidate_id,
        profile=result.profile,
        top_profile=result.top_profile,
        second_profile=result.second_profile,
        confidence=result.confidence,
        probabilities=dict(result.probabilities),
        fit_score=result.fit.score if result.fit else None,
        fit_band=result.fit.band if result.fit else None,
        fit_role=result.fit.role if result.fit else "",
        needs_review=result.needs_human_review,
        validity_flags=tuple(flag for flag in FLAG_IDS if flag in fired),
        scales={scale.scale: scale.score for scale in result.scales},
        model_id=result.model.model_id,
        instrument_id=result.model.instrument_id,
        instrument_version=result.model.instrument_version,
        standard_errors={scale.scale: scale.standard_error for scale in result.scales} if forced_choice else {},
    )


def _tolerance(column: str, dialect: str | None, suffix: str) -> float:
    if dialect == "excel-nordic":
        return 0.5 * 10 ** -decimals(column) + 1e-9
    return 1e-13 if suffix == ".xlsx" else 0.0


def assert_same_record(read: ResultRecord, expected: ResultRecord, *, dialect: str | None, suffix: str) -> None:
    texts = ("candidate_id", "profile", "top_profile", "second_profile", "fit_band", "fit_role", "needs_review")
    texts += ("validity_flags", "model_id", "trained_on", "instrument_id", "instrument_version")
    assert {name: getattr(read, name) for name in texts} == {name: getattr(expected, name) for name in texts}
    figures = [("confidence", read.confidence, expected.confidence), ("fit_score", read.fit_score, expected.fit_score)]
    figures += [(f"p_{k}", read.probabilities[k], v) for k, v in expected.probabilities.items()]
    figures += [(f"scale_{k}", read.scales[k], v) for k, v in expected.scales.items()]
    figures += [(f"se_{k}", read.standard_errors[k], v) for k, v in expected.standard_errors.items()]
    assert list(read.probabilities) == list(expected.probabilities)
    assert list(read.scales) == list(expected.scales)
    assert list(read.standard_errors) == list(expected.standard_errors)
    for column, got, want in figures:
        if want is None:
            assert got is None, column
        else:
            assert got is not None and abs(got - want) <= _tolerance(column, dialect, suffix), (column, got, want)


def _results(rows: list[dict[str, Any]]) -> list[ScreeningResult]:
    return [SCREENER.score(row) for row in rows]


@_QUIET
@given(
    rows=st.lists(assessments(SCREENER.instrument), min_size=1, max_size=5, unique_by=lambda r: r["candidate_id"]),
    output=st.sampled_from(OUTPUTS),
)
def test_results_written_then_read_back_in_every_format_give_the_same_typed_records(rows, output):
    """Rule: write_results then open_results gives each result's record: exactly, or within a dialect's rounding."""
    suffix, dialect = output
    results = _results(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"results{suffix}"
        assert write_results(path, results, screener=SCREENER, dialect=dialect) == len(results)
        opened = open_results(path)
        assert opened.header == tuple(result_columns(SCREENER))
        assert opened.profiles == SCREENER.profile_ids and opened.scales == SCREENER.instrument.scale_ids
        records = list(opened)
    assert len(records) == len(results)
    for read, result in zip(records, results, strict=True):
        assert_same_record(read, expected_record(result), dialect=dialect, suffix=suffix)


@_QUIET
@given(
    rows=st.lists(assessments(SCREENER.instrument), min_size=1, max_size=5, unique_by=lambda r: r["candidate_id"]),
    output=st.sampled_from(OUTPUTS),
)
def test_every_reader_of_results_sees_the_records_of_the_one_reader(rows, output):
    """Rule: the audit, the validation study, the shortlist and the row report read each cell as open_results does."""
    suffix, dialect = output
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"results{suffix}"
        write_results(path, _results(rows), screener=SCREENER, dialect=dialect)
        records = read_result_records(path)
        audited = read_results_file(path)
        listed = list(iter_results(path))
        row_pages = list(iter_result_rows(path))
        fits = [record.fit_score for record in records]
        applicants = read_applicants(path) if any(score is not None for score in fits) else None
    assert audited.classifications == SCREENER.profile_ids
    for record, candidate, listed_row, page in zip(records, audited.candidates, listed, row_pages, strict=True):
        shared = (record.candidate_id, record.fit_score, record.fit_band, record.fit_role)
        assert (candidate.candidate_id, candidate.fit_score, candidate.fit_band, candidate.fit_role) == shared
        assert (listed_row.candidate_id, listed_row.fit_score, listed_row.fit_band, listed_row.fit_role) == shared
        assert (page.candidate_id, page.fit_score, page.fit_band, page.fit_role) == shared
        assert candidate.validity_flags == listed_row.flags == page.flags == record.validity_flags
        assert candidate.needs_review is listed_row.needs_review is page.needs_review is record.needs_review
        assert (
            (candidate.profile, candidate.model_id)
            == (listed_row.profile, page.model_id)
            == (
                record.profile,
                record.model_id,
            )
        )
        assert listed_row.confidence == page.confidence == record.confidence
        assert candidate.scales == {k: v for k, v in record.scales.items() if v is not None}
        assert page.scales == dict(record.scales)
        assert page.probabilities == dict(sorted(record.probabilities.items(), key=lambda kv: -(kv[1] or 0.0)))
    if applicants is not None:
        assert applicants.ids == [record.candidate_id for record in records]
        assert [None if math.isnan(x) else x for x in applicants.fit.tolist()] == [r.fit_score for r in records]


@pytest.mark.parametrize(("suffix", "dialect"), OUTPUTS, ids=[f"{s}-{d or 'standard'}" for s, d in OUTPUTS])
def test_the_service_export_writes_the_file_profilefit_score_writes(tmp_path, suffix, dialect):
    """One writer: score_file and write_results (the service's export-results) give the same bytes."""
    rows = [{"candidate_id": f"c{k}", "tc1": 1 + k % 6, "tc3": 6 - k % 6, "sj1": "b"} for k in range(7)]
    rows.append({"candidate_id": "=HYPERLINK(1)", "tc1": 3})  # a formula-like id, neutralised in CSV and Excel
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    scored = tmp_path / f"scored{suffix}"
    score_file(export, scored, screener=SCREENER, dialect=dialect, progress=False)
    written = tmp_path / f"written{suffix}"
    write_results(written, [SCREENER.score(row) for row in rows], screener=SCREENER, dialect=dialect)
    if suffix in (".csv", ".jsonl"):
        assert written.read_bytes() == scored.read_bytes()
    assert [r.__dict__ for r in read_result_records(written)] == [r.__dict__ for r in read_result_records(scored)]


def test_result_record_is_the_row_result_table_gives():
    """Both fillers of the columns (a scored batch, one result) give the same row."""
    pa = pytest.importorskip("pyarrow")
    rows = [{"candidate_id": "a", "tc1": 6, "tc3": 1}, {"candidate_id": "b", "chk1": 1}]
    schema = result_schema(SCREENER)
    from profilefit.data.batch import score_batch

    table = pa.Table.from_pandas(score_batch(SCREENER, rows).results, schema=schema, preserve_index=False)
    one_by_one = [result_record(SCREENER.score(row), schema.names) for row in rows]
    assert table.to_pylist() == one_by_one


# ---- the cell rules, one for every reader --------------------------------------------------------


def _one(tmp_path: Path, header: str, line: str, **options: Any) -> ResultRecord:
    path = tmp_path / "results.csv"
    path.write_text(f"{header}\n{line}\n", encoding="utf-8")
    (record,) = read_result_records(path, **options)
    return record


@pytest.mark.parametrize(
    ("cell", "flags"),
    [
        ("", ()),
        ("too_fast;straight_lining", ("straight_lining", "too_fast")),
        ('"[""too_fast"", ""contradictory""]"', ("too_fast", "contradictory")),
        ('"too_fast, idealised"', ("too_fast", "idealised")),
    ],
)
def test_flags_are_read_in_the_forms_results_files_hold_them_in_flag_order(tmp_path, cell, flags):
    assert _one(tmp_path, "candidate_id,validity_flags", f"c1,{cell}").validity_flags == flags


def test_files_before_0_2_name_the_flags_column_flags_and_a_file_without_one_says_so(tmp_path):
    assert _one(tmp_path, "candidate_id,flags", "c1,too_fast").validity_flags == ("too_fast",)
    assert _one(tmp_path, "candidate_id,profile", "c1,rock").validity_flags is None


@pytest.mark.parametrize(
    ("cell", "review"), [("true", True), ("FALSE", False), ("1", True), ("0", False), ("ja", True), ("", None)]
)
def test_review_cells_are_read_by_one_rule(tmp_path, cell, review):
    assert _one(tmp_path, "candidate_id,needs_review", f"c1,{cell}").needs_review is review


def test_figures_are_read_with_a_decimal_point_or_comma(tmp_path):
    record = _one(tmp_path, "candidate_id;fit_score;confidence;scale_warmth", "c1;71,5;0.5;NA")
    assert (record.fit_score, record.confidence, record.scales) == (71.5, 0.5, {"warmth": None})


@pytest.mark.parametrize(
    ("header", "line", "message"),
    [
        ("candidate_id,fit_score", "c1,150", "line 2, field 'fit_score': expected a number from 0 to 100"),
        ("candidate_id,fit_score", "c1,abc", "line 2, field 'fit_score': expected a number"),
        ("candidate_id,p_rock", "c1,inf", "line 2, field 'p_rock': expected a number"),
        ("candidate_id,fit_band", "c1,great", "line 2, field 'fit_band': expected one of strong, possible, weak"),
        ("candidate_id,needs_review", "c1,maybe", "line 2, field 'needs_review': expected true or false"),
        ("candidate_id,validity_flags", "c1,sleepy", "line 2, field 'validity_flags': unknown validity flag"),
        ("candidate_id", "", "line 2, field 'candidate_id': empty"),
    ],
)
def test_a_bad_cell_is_refused_by_every_reader_naming_the_line_and_field(tmp_path, header, line, message):
    path = tmp_path / "results.csv"
    path.write_text(f"{header},profile\n{line},rock\n", encoding="utf-8")
    for reader in (read_result_records, lambda p: list(iter_results(p)), lambda p: list(iter_result_rows(p))):
        with pytest.raises(ValueError, match=message):
            reader(path)


def test_an_id_is_given_back_without_the_apostrophe_that_guards_it_in_csv_and_excel(tmp_path):
    assert _one(tmp_path, "candidate_id", "'=c1").candidate_id == "=c1"
    path = tmp_path / "results.jsonl"
    path.write_text('{"candidate_id": "\'=c1"}\n', encoding="utf-8")
    assert read_result_records(path)[0].candidate_id == "'=c1"  # JSON Lines holds ids as they are


def test_a_repeated_id_is_refused_when_asked(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("candidate_id\na\na\n", encoding="utf-8")
    assert len(read_result_records(path)) == 2
    with pytest.raises(AuditInputError, match=r"line 3, field 'candidate_id': 'a' repeats line 2"):
        read_result_records(path, unique_ids=True, error=AuditInputError)


def test_the_role_rule_keeps_its_old_import_path_for_a_release():
    from profilefit.data import results

    with pytest.warns(FutureWarning, match=r"profilefit.data.io.stored_role has moved to profilefit.data.results"):
        from profilefit.data.io import stored_role
    assert stored_role is results.stored_role
    with warnings.catch_warnings(), pytest.raises(ImportError):
        warnings.simplefilter("error")
        from profilefit.data.io import no_such_name  # noqa: F401
