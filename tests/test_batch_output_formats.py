"""Outputs people open (issue 19, part 4): Excel results and rejects, the excel-nordic CSV dialect, and
formula escaping of every text cell a spreadsheet would run.

The properties: results written in any format and dialect read back, through every reader of results,
to the same figures within the dialect's rounding; and no text cell of any CSV or Excel output starts
with a formula character unescaped, whatever the input.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.strategies import candidate_ids

from profilefit.apps.cli import main
from profilefit.core.fit import BANDS
from profilefit.core.screening import Screener
from profilefit.data.batch import CSV_DIALECTS, REJECT_COLUMNS, RejectsWriter, TableWriter, result_schema
from profilefit.data.batch._dialects import decimals
from profilefit.data.datasets import sample_export_path
from profilefit.data.io import FORMULA_START
from profilefit.evidence.audit import read_results_file
from profilefit.pages.reports import iter_result_rows, iter_results

pa = pytest.importorskip("pyarrow")
openpyxl = pytest.importorskip("openpyxl")

SCHEMA = result_schema(Screener.load())
FLOATS = [field.name for field in SCHEMA if pa.types.is_floating(field.type)]
PROBABILITIES = [name for name in FLOATS if name.startswith("p_")]
SCALES = [name for name in FLOATS if name.startswith("scale_")]

#: Texts a spreadsheet runs, and texts that look like profilefit's own escaping.
FORMULAS = ('=HYPERLINK("http://x","y")', "+1", "-inf", "@SUM(A1:A9)", "=1+1", "-2", "'=x", "''", "'")


def hostile_texts() -> st.SearchStrategy[str]:
    """Ids and values as an HR system may send them, formulas and apostrophes first among them."""
    return st.one_of(
        st.sampled_from(FORMULAS),
        st.builds(lambda start, rest: start + rest, st.sampled_from([*FORMULA_START, "'"]), st.text(max_size=8)),
        candidate_ids(),
    )


def _ids() -> st.SearchStrategy[str]:
    # The decision rule strips ids, and an id holds no control character (core.schema): results hold such ids.
    return hostile_texts().map(str.strip).filter(lambda text: text != "" and min(map(ord, text)) >= 0x20)


@st.composite
def result_tables(draw: st.DrawFn, *, max_rows: int = 6):
    """A results table with the reference model's columns: any ids, figures in their ranges, some missing."""
    ids = draw(st.lists(_ids(), min_size=1, max_size=max_rows, unique=True))
    n = len(ids)
    unit = st.floats(0.0, 1.0)
    columns = {name: pa.nulls(n, field.type) for name, field in zip(SCHEMA.names, SCHEMA, strict=True)}
    columns["candidate_id"] = pa.array(ids, pa.string())
    columns["model_id"] = pa.array(["profilefit-reference"] * n, pa.string())
    columns["profile"] = columns["top_profile"] = pa.array(["rock"] * n, pa.string())
    columns["second_profile"] = pa.array(["controller"] * n, pa.string())
    for name in ["confidence", *PROBABILITIES]:
        columns[name] = pa.array(draw(st.lists(unit, min_size=n, max_size=n)), pa.float64())
    fit = draw(st.lists(st.one_of(st.none(), st.floats(0.0, 100.0)), min_size=n, max_size=n))
    columns["fit_score"] = pa.array(fit, pa.float64())
    columns["fit_band"] = pa.array([None if f is None else draw(st.sampled_from(BANDS)) for f in fit], pa.string())
    columns["fit_role"] = pa.array(["complex-case"] * n, pa.string())
    columns["needs_review"] = pa.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), pa.bool_())
    columns["validity_flags"] = pa.array([""] * n, pa.string())
    for name in SCALES:
        values = draw(st.lists(st.one_of(st.none(), st.floats(1.0, 6.0)), min_size=n, max_size=n))
        columns[name] = pa.array(values, pa.float64())
    return pa.Table.from_pydict(columns, schema=SCHEMA)


#: (suffix, dialect) of every results output.
OUTPUTS = [
    (".csv", "standard"),
    (".csv", "excel-nordic"),
    (".jsonl", "standard"),
    (".parquet", "standard"),
    (".xlsx", None),
]


def _write(table, path: Path, dialect: str | None) -> Path:
    writer = TableWriter(path, table.schema, dialect=dialect)
    writer.write(table)
    writer.close()
    return path


def _tolerance(column: str, dialect: str | None) -> float:
    if dialect is None:  # Excel: a number keeps 15 to 17 significant digits (figures here are at most 100)
        return 1e-13
    if CSV_DIALECTS[dialect].rounded:
        return 0.5 * 10 ** -decimals(column) + 1e-9
    return 0.0


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30)
@given(table=result_tables(), output=st.sampled_from(OUTPUTS))
def test_results_in_any_format_and_dialect_read_back_to_the_same_figures(tmp_path, table, output):
    """Rule: every reader of results (shortlist, report --id, audit) gives back each id exactly and each
    figure within the dialect's rounding (exactly outside a rounded dialect)."""
    suffix, dialect = output
    path = _write(table, tmp_path / f"results{suffix}", dialect)
    written = table.to_pylist()

    rows = list(iter_result_rows(path))
    assert [row.candidate_id for row in rows] == [record["candidate_id"] for record in written]
    for row, record in zip(rows, written, strict=True):
        assert row.fit_role == "complex-case" and row.model_id == "profilefit-reference"
        assert row.needs_review is record["needs_review"]
        assert (row.fit_band or None) == record["fit_band"]
        pairs = [("fit_score", row.fit_score), ("confidence", row.confidence)]
        pairs += [(name, row.probabilities.get(name.removeprefix("p_"))) for name in PROBABILITIES]
        pairs += [(name, row.scales[name.removeprefix("scale_")]) for name in SCALES]
        for name, read in pairs:
            if record[name] is None:
                assert read is None, name
            else:
                assert read is not None and abs(read - record[name]) <= _tolerance(name, dialect), (name, read)

    listed = list(iter_results(path))  # the shortlist's reader
    assert [row.candidate_id for row in listed] == [record["candidate_id"] for record in written]
    assert [row.needs_review for row in listed] == [record["needs_review"] for record in written]

    audited = read_results_file(path).candidates  # the audit's reader
    assert [candidate.candidate_id for candidate in audited] == [record["candidate_id"] for record in written]
    for candidate, record in zip(audited, written, strict=True):
        if record["fit_score"] is None:
            assert candidate.fit_score is None
        else:
            assert abs(candidate.fit_score - record["fit_score"]) <= _tolerance("fit_score", dialect)


# --- no formula runs ---------------------------------------------------------------------------------


def _csv_cells(path: Path, dialect: str) -> list[dict[str, str]]:
    layout = CSV_DIALECTS[dialect]
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") is layout.bom
    text = data.decode("utf-8-sig")
    header_end = text.index("\n")  # the header holds no line break: its line end is the dialect's
    assert text[header_end + 1 - len(layout.eol) : header_end + 1] == layout.eol
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=layout.delimiter))


def _is_number(text: str, dialect: str) -> bool:
    if CSV_DIALECTS[dialect].decimal == ",":
        if "." in text:
            return False
        text = text.replace(",", ".")
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _assert_safe_text(cell: str, where: str) -> None:
    assert not cell.startswith(FORMULA_START), where


def reject_records() -> st.SearchStrategy[list[dict[str, object]]]:
    value = st.one_of(
        st.none(),
        hostile_texts(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-(10**6), 10**6),
        st.booleans(),
        st.lists(st.integers(), max_size=2),
    )
    record = st.fixed_dictionaries(
        {
            "row": st.integers(1, 10**6),
            "candidate_id": st.one_of(st.none(), hostile_texts()),
            "field": hostile_texts(),
            "value": value,
            "reason": hostile_texts(),
        }
    )
    return st.lists(record, min_size=1, max_size=6)


NUMERIC_RESULT_COLUMNS = frozenset(FLOATS)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30)
@given(table=result_tables(), records=reject_records(), dialect=st.sampled_from(sorted(CSV_DIALECTS)))
def test_no_text_cell_of_a_csv_or_excel_output_starts_a_formula(tmp_path, table, records, dialect):
    """Rule: in results and rejects, as CSV (every dialect) and Excel, a text cell never starts with
    = + - @ tab or CR unescaped, and a number column holds only numbers (never an apostrophe); a
    reject's value is a finite number or safe text."""
    results = _write(table, tmp_path / "results.csv", dialect)
    for k, row in enumerate(_csv_cells(results, dialect)):
        for name, cell in row.items():
            if name in NUMERIC_RESULT_COLUMNS:
                assert cell == "" or _is_number(cell, dialect), (name, cell)
            elif name != "needs_review":
                _assert_safe_text(cell, f"results row {k}, {name}")

    rejects = RejectsWriter(tmp_path / "rejects.csv", dialect=dialect)
    rejects.write(records)
    rejects.close()
    cells = _csv_cells(tmp_path / "rejects.csv", dialect)
    assert len(cells) == len(records) and list(cells[0]) == list(REJECT_COLUMNS)
    for k, row in enumerate(cells):
        assert row["row"] == str(records[k]["row"])
        for name in REJECT_COLUMNS[1:]:
            if name == "value" and _is_number(row[name], "standard"):
                continue  # a finite number profilefit parsed: a number to a spreadsheet, never a formula
            _assert_safe_text(row[name], f"rejects row {k}, {name}")

    _write(table, tmp_path / "results.xlsx", None)
    rejects = RejectsWriter(tmp_path / "rejects.xlsx")
    rejects.write(records)
    rejects.close()
    for name in ("results.xlsx", "rejects.xlsx"):
        sheet = openpyxl.load_workbook(tmp_path / name).active
        header = [cell.value for cell in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            for column, cell in zip(header, row, strict=True):
                assert cell.data_type != "f", (name, column, cell.value)
                if column in NUMERIC_RESULT_COLUMNS or column == "row":
                    assert cell.value is None or isinstance(cell.value, int | float), (name, column, cell.value)
                elif isinstance(cell.value, str):
                    _assert_safe_text(cell.value, f"{name}, {column}")


def test_a_non_finite_reject_value_is_text_a_spreadsheet_does_not_run(tmp_path):
    """issue 19: a value such as -inf in a rejects file was a cell a spreadsheet ran as a formula."""
    writer = RejectsWriter(tmp_path / "rejects.csv")
    records = [
        {"row": 1, "candidate_id": "a", "field": "completion_seconds", "value": float("-inf"), "reason": "r"},
        {"row": 2, "candidate_id": '=HYPERLINK("http://x")', "field": "q1", "value": "+1", "reason": "r"},
    ]
    writer.write(records)
    writer.close()
    text = (tmp_path / "rejects.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [row["value"] for row in rows] == ["'-inf", "'+1"]
    assert rows[1]["candidate_id"] == '\'=HYPERLINK("http://x")'


# --- the command -------------------------------------------------------------------------------------


def test_score_writes_excel_results_and_rejects_with_typed_cells_and_a_frozen_header(tmp_path, capsys):
    results, rejects = tmp_path / "results.xlsx", tmp_path / "rejects.xlsx"
    assert main(["score", str(sample_export_path()), "-o", str(results), "--rejects", str(rejects)]) == 1
    sheet = openpyxl.load_workbook(results).active
    header = [cell.value for cell in sheet[1]]
    assert header == SCHEMA.names
    assert sheet.freeze_panes == "A2" and all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["A"].width >= 20  # candidate ids are not cut to a default 8.43
    assert sheet.max_row == 401
    first = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert isinstance(first["confidence"], float) and isinstance(first["fit_score"], float)
    assert isinstance(first["needs_review"], bool)
    assert first["fit_role"] == "complex-case" and first["model_id"] == Screener.load().model_info.model_id
    reject_sheet = openpyxl.load_workbook(rejects).active
    assert [cell.value for cell in reject_sheet[1]] == list(REJECT_COLUMNS)
    assert reject_sheet.max_row == 3 and isinstance(reject_sheet["A2"].value, int)


def test_score_writes_the_excel_nordic_dialect_and_every_command_reads_it(tmp_path, capsys):
    nordic, standard = tmp_path / "nordic.csv", tmp_path / "standard.csv"
    export = str(sample_export_path())
    assert main(["score", export, "-o", str(nordic), "--csv-dialect", "excel-nordic"]) == 1
    assert main(["score", export, "-o", str(standard)]) == 1
    data = nordic.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data and b";" in data.splitlines()[0]
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0]["confidence"].count(",") == 1 and len(rows[0]["confidence"].split(",")[1]) == 4
    assert len(rows[0]["fit_score"].split(",")[1]) == 1
    rejects = (tmp_path / "nordic.rejects.csv").read_bytes()
    assert (
        rejects.startswith(b"\xef\xbb\xbf")
        and rejects.splitlines()[0] == b"\xef\xbb\xbfrow;candidate_id;field;value;reason"
    )
    # The same candidates, the same figures within the rounding, through every reader.
    by_id = {row.candidate_id: row for row in iter_result_rows(standard)}
    for row in iter_result_rows(nordic):
        full = by_id[row.candidate_id]
        assert row.fit_score is not None and full.fit_score is not None
        assert abs(row.fit_score - full.fit_score) <= 0.05 + 1e-9
        assert all(abs(row.probabilities[p] - full.probabilities[p]) <= 0.00005 + 1e-9 for p in full.probabilities)
    assert main(["shortlist", str(nordic), "--html", str(tmp_path / "s.html")]) == 0
    demographics = __import__("profilefit.evidence.audit", fromlist=["x"]).sample_demographics_path()
    assert main(["audit", str(nordic), "--demographics", str(demographics)]) == 0
    assert main(["report", "--id", "cand-0001", str(nordic)]) == 0
    capsys.readouterr()


def test_an_unknown_dialect_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["score", str(sample_export_path()), "-o", str(tmp_path / "r.csv"), "--csv-dialect", "excel-klingon"])
    assert exit_.value.code == 2
    assert not (tmp_path / "r.csv").exists()


def test_more_rows_than_an_excel_sheet_holds_stop_the_run_and_leave_nothing(tmp_path, monkeypatch, capsys):
    import profilefit.data.batch._xlsx as xlsx

    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 101)  # a sheet of 100 rows below its header
    results = tmp_path / "results.xlsx"
    assert main(["score", str(sample_export_path()), "-o", str(results), "--chunk-size", "64"]) == 2
    err = capsys.readouterr().err
    assert f"cannot write {results}" in err and "write more as .csv, .jsonl or .parquet" in err
    assert sorted(path.name for path in tmp_path.iterdir()) == []  # the .partial files are gone too
