"""One reader for every format, as users' files come: unknown columns and keys, rejects, layout, error cells."""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profilefit.apps.cli import main
from profilefit.apps.cli._exit import EXIT_NOTHING_SCORED
from profilefit.data.batch import score_batch
from profilefit.exceptions import ColumnError, InputWarning

pd = pytest.importorskip("pandas")
openpyxl = pytest.importorskip("openpyxl")

FORMATS = ("csv", "jsonl", "parquet", "xlsx")
#: Columns an HR export carries beside the answers; their values are personal data.
FOREIGN = ("name", "E-post", "gender", "Telefon", "tc 1")
_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# ---- strategies ---------------------------------------------------------------------------------


def answer_cells() -> st.SearchStrategy[str]:
    """Cells of an item as text, valid and not: what every format can hold alike."""
    return st.sampled_from(["1", "2", "3", "4", "5", "6", "", " 5 ", "9", "0", "x", "4,5"])


@st.composite
def exports(draw: st.DrawFn, *, max_rows: int = 6) -> tuple[list[str], list[list[str]]]:
    """A header (candidate_id, a few items, some foreign columns, in any order) and rows of text cells."""
    items = draw(st.lists(st.sampled_from(["tc1", "tc3", "tc4", "tc6", "tc7"]), min_size=1, max_size=4, unique=True))
    foreign = draw(st.lists(st.sampled_from(FOREIGN), unique=True, max_size=3))
    if "tc 1" in foreign and "tc1" not in items:
        # Beside tc1's own column, 'tc 1' is an unknown column, ignored; alone it refuses the export
        # (tests/data/test_key_spellings_every_door.py).
        items = [*items, "tc1"]
    header = draw(st.permutations(["candidate_id", *items, *foreign]))
    rows = []
    for k in range(draw(st.integers(0, max_rows))):
        row = []
        for column in header:
            if column == "candidate_id":
                row.append(draw(st.sampled_from([f"c{k}", f"c{k}", "", "c0"])))  # blank and repeated ids too
            elif column in FOREIGN:
                row.append(f"secret-{column}-{k}@example.no")
            else:
                row.append(draw(answer_cells()))
        if all(cell == "" for column, cell in zip(header, row, strict=True) if column not in FOREIGN):
            # A wholly empty row is not a row in an Excel sheet (the file stores no cells for it), while
            # a CSV line of empty cells is rejected as a row without an id: docs/batch.md says so, and
            # test_a_wholly_empty_row_is_rejected_in_csv_and_absent_from_excel holds it. The foreign
            # cells do not count: the same rows without those columns must not hold such a row either.
            row[header.index("candidate_id")] = f"c{k}"
        rows.append(row)
    return header, rows


# ---- writing the same rows in each format -------------------------------------------------------


def write(folder: Path, kind: str, header: list[str], rows: list[list[str]], *, title: bool = False) -> Path:
    """The rows in one format, as text cells (an empty cell is an empty text, or an empty Excel cell)."""
    path = folder / f"export.{kind}"
    if kind == "csv":
        buffer = io.StringIO()
        if title:
            buffer.write("Eksport fra søkersystemet;;\r\n")
        csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows([header, *rows])
        path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    elif kind == "jsonl":
        lines = [dict(zip(header, row, strict=True)) for row in rows]
        path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    elif kind == "parquet":
        pd.DataFrame(rows, columns=header, dtype="string").to_parquet(path)
    else:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        if title:
            sheet.title = "Forside"
            sheet.append(["Kandidater desember"])
            sheet = workbook.create_sheet("Data")
            sheet.append(["Eksport fra søkersystemet"])
        sheet.append(header)
        for row in rows:
            sheet.append([cell if cell != "" else None for cell in row])
        workbook.save(path)
    return path


def outcome(screener: Any, path: Path, **options: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        batch = score_batch(screener, path, **options)
    results = batch.results.astype(object).where(batch.results.notna(), None).to_dict("records")
    rejects = batch.rejects.astype(object).where(batch.rejects.notna(), None).to_dict("records")
    return results, rejects, batch


# ---- properties ---------------------------------------------------------------------------------


@_SETTINGS
@given(export=exports())
def test_the_same_rows_in_any_format_give_the_same_results_and_rejects(screener, tmp_path_factory, export):
    header, rows = export
    folder = tmp_path_factory.mktemp("formats")
    outcomes = {kind: outcome(screener, write(folder, kind, header, rows))[:2] for kind in FORMATS}
    # A workbook names rows by their sheet row (the header on row 1): the same rows, one further down.
    results, rejects = outcomes["xlsx"]
    outcomes["xlsx"] = (results, [_one_up(reject) for reject in rejects])
    assert outcomes["jsonl"] == outcomes["csv"]
    assert outcomes["parquet"] == outcomes["csv"]
    assert outcomes["xlsx"] == outcomes["csv"]


def _one_up(reject: dict[str, Any]) -> dict[str, Any]:
    """A workbook's reject as CSV numbers its row (and the row a duplicate id names): one less."""
    named = re.compile(r"\brow ([0-9]+) has the same id")
    reason = named.sub(lambda m: f"row {int(m.group(1)) - 1} has the same id", reject["reason"])
    return {**reject, "row": reject["row"] - 1, "reason": reason}


@_SETTINGS
@given(export=exports(), kind=st.sampled_from(FORMATS))
def test_an_extra_column_never_changes_a_result_and_never_appears_in_rejects(screener, tmp_path_factory, export, kind):
    header, rows = export
    keep = [k for k, name in enumerate(header) if name not in FOREIGN]
    folder = tmp_path_factory.mktemp("extra")
    wide = outcome(screener, write(folder, kind, header, rows))
    (folder / "narrow").mkdir()
    narrow = outcome(
        screener, write(folder / "narrow", kind, [header[k] for k in keep], [[r[k] for k in keep] for r in rows])
    )
    assert wide[:2] == narrow[:2]
    assert not any("secret-" in str(value) for reject in wide[1] for value in reject.values())
    # "(assessment)": a drawn row that answers no question, refused as a whole (core.schema.NO_ANSWERS)
    fields = {"(assessment)", "candidate_id", "tc1", "tc3", "tc4", "tc6", "tc7"}
    assert {reject["field"] for reject in wide[1]} <= fields


@_SETTINGS
@given(export=exports(), kind=st.sampled_from(FORMATS), title=st.booleans())
def test_every_input_row_is_in_the_results_or_the_rejects(screener, tmp_path_factory, export, kind, title):
    header, rows = export
    title = title and kind in ("csv", "xlsx")
    folder = tmp_path_factory.mktemp("rows")
    results, rejects, batch = outcome(screener, write(folder, kind, header, rows, title=title))
    scored = set(batch.rows.tolist())
    rejected = {reject["row"] for reject in rejects}
    first = 2 + title if kind == "xlsx" else 1  # a workbook's rows by their sheet row, under the header
    assert scored | rejected == set(range(first, first + len(rows))) and not scored & rejected
    assert batch.summary.rows_read == len(rows) == len(results) + len(rejected)
    assert set(rejects[0]) == {"row", "candidate_id", "field", "value", "reason"} if rejects else True


# ---- unknown keys and columns, alike in every format --------------------------------------------


def test_a_json_lines_export_with_extra_keys_is_scored_with_one_note(screener, tmp_path):
    path = tmp_path / "export.jsonl"
    lines = [{"candidate_id": f"c{k}", "tc1": 4, "name": "Kari", "email": "k@x.no", "Gender": "f"} for k in range(30)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    with pytest.warns(InputWarning) as notes:
        batch = score_batch(screener, path, chunk_size=7)
    assert len(batch.results) == 30 and batch.rejects.empty
    messages = [str(note.message) for note in notes]
    assert len(messages) == 2  # demographics, and the others: each named once for the whole file
    assert "'Gender'" in messages[0] and "'name', 'email'" in messages[1]


def test_ignore_column_works_for_json_lines_without_a_note(screener, tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text('{"candidate_id": "c1", "tc1": 4, "email": "k@x.no"}\n', encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        batch = score_batch(screener, path, ignore_columns=["EMAIL"])
    assert batch.results["candidate_id"].tolist() == ["c1"]


def test_an_unreadable_json_line_is_a_reject_without_its_text(screener, tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text('{"candidate_id": "c1", "tc1": 4}\n{"candidate_id": "c2", "email": "kari@x.no"\n', encoding="utf-8")
    batch = score_batch(screener, path)
    assert batch.rejects[["row", "field"]].values.tolist() == [[2, "(line)"]]
    assert batch.rejects["value"].isna().all() and "not valid JSON" in batch.rejects["reason"].iloc[0]


def test_a_row_without_an_id_is_rejected_without_echoing_the_row(screener):
    batch = score_batch(screener, [{"tc1": 4, "email": "kari@x.no"}])
    assert batch.rejects["field"].tolist() == ["candidate_id", "email"]
    assert batch.rejects["value"].isna().all()  # neither the row nor the unknown key's value is copied


# ---- the id column, the sheet and the header row ------------------------------------------------


@pytest.mark.parametrize("kind", FORMATS)
def test_an_id_column_named_otherwise_is_read_in_every_format(screener, tmp_path, kind):
    path = write(tmp_path, kind, ["Kandidat-ID", "tc1"], [["c1", "4"], ["c2", "9"]])
    results, rejects, _ = outcome(screener, path, id_column="kandidat-id")
    assert [row["candidate_id"] for row in results] == ["c1"]
    assert [(reject["candidate_id"], reject["field"]) for reject in rejects] == [("c2", "tc1")]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_title_row_and_a_cover_sheet_above_the_header_are_skipped_with_a_note(screener, tmp_path, kind):
    path = write(tmp_path, kind, ["candidate_id", "tc1"], [["c1", "4"]], title=True)
    with pytest.warns(InputWarning) as notes:
        batch = score_batch(screener, path)
    assert batch.results["candidate_id"].tolist() == ["c1"]
    assert any("the header is on" in str(note.message) for note in notes)
    assert score_batch(screener, path, header_row=2, sheet=2 if kind == "xlsx" else None).summary.rows_scored == 1


def test_a_cover_sheet_without_any_header_is_not_called_another_instrument(screener, tmp_path):
    path = tmp_path / "cover.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["Kandidatrapport"])
    workbook.create_sheet("Data").append(["Kandidat", "Svar"])
    workbook.save(path)
    with pytest.raises(ColumnError, match="no sheet has a header") as error:
        score_batch(screener, path)
    assert "another instrument" not in str(error.value) and "--sheet" in str(error.value)


def test_a_sheet_by_name_and_options_that_do_not_fit_the_format(screener, tmp_path):
    path = write(tmp_path, "xlsx", ["candidate_id", "tc1"], [["c1", "4"]])
    assert score_batch(screener, path, sheet="sheet").summary.rows_scored == 1  # names compared without case
    with pytest.raises(ValueError, match="there is no sheet 'Data'"):
        score_batch(screener, path, sheet="Data")
    jsonl = write(tmp_path, "jsonl", ["candidate_id", "tc1"], [["c1", "4"]])
    with pytest.raises(ValueError, match="only an Excel workbook has sheets"):
        score_batch(screener, jsonl, sheet=1)
    with pytest.raises(ValueError, match="no header row"):
        score_batch(screener, jsonl, header_row=1)


# ---- spreadsheet error cells --------------------------------------------------------------------


def test_excel_error_cells_are_rejects_naming_the_cell_and_the_error(screener, tmp_path):
    path = tmp_path / "errors.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (["candidate_id", "tc1", "tc3", "note"], ["c1", 4, "#DIV/0!", None], ["c2", "#N/A", 3, "#REF!"]):
        sheet.append(row)
    sheet.append(["c3", 5, 2, "#VALUE!"])  # an error in an ignored column does not matter
    workbook.save(path)
    assert sheet["C2"].data_type == "e"  # openpyxl stores these as error cells, as Excel does
    batch = score_batch(screener, path, ignore_columns=["note"])
    assert batch.results["candidate_id"].tolist() == ["c3"]
    assert batch.rejects[["row", "candidate_id", "field", "value"]].values.tolist() == [
        [2, "c1", "tc3", "#DIV/0!"],  # the sheet row, as the reason's cell (C2) names it
        [3, "c2", "tc1", "#N/A"],
    ]
    assert batch.rejects["reason"].str.startswith(("cell C2 holds the spreadsheet error #DIV/0!", "cell B3")).all()


# ---- the exit code of a run that scores nothing -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("candidate_id;tc1\nc1;4\nc2;9\n", 1),  # a normal day: some rejects
        ("candidate_id;tc1\nc1;9\nc2;0\n", EXIT_NOTHING_SCORED),  # every row rejected
        ("candidate_id;tc1\n", EXIT_NOTHING_SCORED),  # no rows at all
    ],
)
def test_a_run_that_scores_nothing_has_its_own_exit_code(tmp_path, capsys, text, code):
    export = tmp_path / "export.csv"
    export.write_text(text, encoding="utf-8")
    assert main(["score", str(export), "-o", str(tmp_path / "results.csv")]) == code
    assert ("nothing was scored" in capsys.readouterr().err) == (code == EXIT_NOTHING_SCORED)
    assert (tmp_path / "results.csv").exists()  # the files are written either way


def test_a_wholly_empty_row_is_rejected_in_csv_and_absent_from_excel(screener, tmp_path):
    """The one documented difference between formats: Excel stores no cells for an empty row."""
    header, rows = ["candidate_id", "tc1"], [["c0", "4"], ["", ""], ["c2", "5"]]
    csv_results, csv_rejects, _ = outcome(screener, write(tmp_path, "csv", header, rows))
    xlsx_results, xlsx_rejects, _ = outcome(screener, write(tmp_path, "xlsx", header, rows))
    assert [r["candidate_id"] for r in csv_results] == [r["candidate_id"] for r in xlsx_results] == ["c0", "c2"]
    assert len(csv_rejects) == 1 and csv_rejects[0]["field"] == "candidate_id"
    assert xlsx_rejects == []
