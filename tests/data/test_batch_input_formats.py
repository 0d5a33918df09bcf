"""One way in: encodings, compression, standard input, TSV, and the traps of Excel workbooks."""

from __future__ import annotations

import csv
import gzip
import io
import sys
import tempfile
from pathlib import Path

import pytest

from profilefit.apps.cli import main
from profilefit.data.batch import score_batch
from profilefit.exceptions import InputWarning

pytest.importorskip("pyarrow")
openpyxl = pytest.importorskip("openpyxl")

TEXT = "candidate_id;tc1;completion_seconds\r\nÅse-1;4;525,8\r\nc2;5;\r\n"


@pytest.fixture(autouse=True)
def own_temporary_folder(tmp_path, monkeypatch):
    """Transcoded copies go to a folder of this test's own, so that the test can see it emptied."""
    folder = tmp_path / "temporary"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert list(folder.iterdir()) == []  # every copy is removed when the run ends


def _ids(batch) -> list[str]:
    return batch.results["candidate_id"].tolist()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
def test_unicode_exports_are_read_by_their_byte_order_mark(screener, tmp_path, encoding):
    path = tmp_path / "export.csv"
    data = TEXT.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    batch = score_batch(screener, path)
    assert _ids(batch) == ["Åse-1", "c2"] and batch.rejects.empty
    assert batch.results is not None


def test_a_cp1252_export_is_read_with_its_encoding_and_its_rows_rejected_without(screener, tmp_path, capsys):
    path = tmp_path / "excel.csv"
    path.write_bytes(TEXT.encode("cp1252"))
    assert _ids(score_batch(screener, path, encoding="cp1252")) == ["Åse-1", "c2"]
    with pytest.warns(InputWarning, match=r"1 row\(s\) are not UTF-8 text .* --encoding cp1252"):
        without = score_batch(screener, path)
    assert _ids(without) == ["c2"]
    assert "line 2 is not valid UTF-8 text (byte 0xC5" in without.rejects["reason"][0]
    assert "--encoding" in without.rejects["reason"][0]
    assert main(["score", str(path), "-o", str(tmp_path / "r.csv"), "--encoding", "cp1252"]) == 0


def test_rows_that_are_not_utf8_are_rejected_each_and_one_note_names_the_encoding(tmp_path, capsys):
    """A trial: a cp1252 export scored without --encoding gave one reject per row and no word about the file."""
    path = tmp_path / "excel.csv"
    text = "candidate_id;tc1\r\nJosé-1;4\r\nBjörk;5\r\nplain;3\r\nZoë;2\r\n"
    path.write_bytes(text.encode("cp1252"))
    assert main(["score", str(path), "-o", str(tmp_path / "r.csv"), "--no-progress"]) == 1
    err = capsys.readouterr().err
    [note] = [line for line in err.splitlines() if "not UTF-8" in line]
    assert note == (
        f"profilefit score: note: {path}: 3 row(s) are not UTF-8 text (the first at line 2) and were rejected; "
        "their bytes read as cp1252 (Windows Western European): score it again with --encoding cp1252"
    )
    with (tmp_path / "r.rejects.csv").open(encoding="utf-8", newline="") as stream:
        rejects = list(csv.DictReader(stream))
    assert [(r["row"], r["field"]) for r in rejects] == [("1", "(line)"), ("2", "(line)"), ("4", "(line)")]
    assert "line 5 is not valid UTF-8 text (byte 0xEB" in rejects[2]["reason"]
    # Bytes that are no cp1252 text (0x81 is no character there) get no guess, only the option to give.
    path.write_bytes(b"candidate_id;tc1\r\nX\x81;4\r\nplain;3\r\n")
    assert main(["score", str(path), "-o", str(tmp_path / "r2.csv"), "--no-progress"]) == 1
    [note] = [line for line in capsys.readouterr().err.splitlines() if "not UTF-8" in line]
    assert note.endswith(
        "1 row(s) are not UTF-8 text (the first at line 2) and were rejected; if the file is in "
        "another encoding, score it again with --encoding ENCODING"
    )


@pytest.mark.parametrize("mark", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("named", ["cp1252", "latin-1"])
def test_utf8_text_named_as_a_one_byte_encoding_is_refused_not_garbled(screener, tmp_path, capsys, mark, named):
    """A trial: --encoding cp1252 on a UTF-8 file gave ids "SÃ¸ren" with exit 0 (with a byte-order mark: "there is
    no candidate_id column"). UTF-8 is said to be UTF-8, nothing is written, and a real cp1252 file still reads."""
    path = tmp_path / "utf8.csv"
    path.write_bytes(mark + TEXT.encode("utf-8"))
    output = tmp_path / "r.csv"
    assert main(["score", str(path), "-o", str(output), "--encoding", named]) == 2
    err = capsys.readouterr().err
    assert f"--encoding {named} was given, but the file" in err and "Leave --encoding out" in err
    assert not output.exists()
    with pytest.raises(ValueError, match="UTF-8"):
        score_batch(screener, path, encoding=named)
    ascii_only = tmp_path / "ascii.csv"
    ascii_only.write_bytes(mark + b"candidate_id;tc1\r\nc1;4\r\n")
    if not mark:  # plain ASCII is the same text in both: nothing to refuse
        assert _ids(score_batch(screener, ascii_only, encoding=named)) == ["c1"]


def test_a_decode_error_in_a_named_encoding_gives_file_line_and_byte_offset(screener, tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_bytes(b"candidate_id;tc1\nc1;4\nc2;\xc55\n")
    assert main(["score", str(path), "-o", str(tmp_path / "r.csv"), "--encoding", "ascii"]) == 2
    err = capsys.readouterr().err
    assert f"{path}, line 3: not valid ascii text (byte offset 25: ordinal not in range(128))" in err
    assert not (tmp_path / "r.csv").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("export.csv.gz", TEXT),
        (
            "export.jsonl.gz",
            '{"candidate_id": "Åse-1", "tc1": 4, "completion_seconds": 525.8}\n{"candidate_id": "c2", "sj1": "b"}\n',
        ),
        ("export.tsv", TEXT.replace(";", "\t")),
    ],
)
def test_gzip_and_tab_separated_exports(screener, tmp_path, name, content):
    path = tmp_path / name
    data = content.encode("utf-8")
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    batch = score_batch(screener, path)
    assert _ids(batch) == ["Åse-1", "c2"] and batch.rejects.empty


@pytest.mark.parametrize(
    "content",
    [TEXT.encode("utf-8"), b'{"candidate_id": "\xc3\x85se-1", "tc1": 4}\n{"candidate_id": "c2", "sj1": "b"}\n'],
)
def test_dash_reads_standard_input(tmp_path, monkeypatch, capsys, content):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(content)))
    assert main(["score", "-", "-o", str(tmp_path / "r.csv")]) == 0
    assert "2 rows read: 2 scored, 0 rejected" in capsys.readouterr().out
    with (tmp_path / "r.csv").open(encoding="utf-8", newline="") as stream:
        assert [row["candidate_id"] for row in csv.DictReader(stream)] == ["Åse-1", "c2"]


def _workbook(path: Path, rows: list[list[object]], *, second_sheet: bool = False) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Answers"
    for row in rows:
        sheet.append(row)
    if second_sheet:
        workbook.create_sheet("Later").append(["candidate_id", "tc1"])
    workbook.save(path)


def test_an_excel_formula_without_a_saved_value_is_a_reject_naming_the_cell(screener, tmp_path):
    path = tmp_path / "formulas.xlsx"
    _workbook(path, [["candidate_id", "tc1", "tc3", "note"], ["c1", 4, "=B2+1", None], [], ["c3", 5, 2, "=1+1"]])
    batch = score_batch(screener, path, ignore_columns=["note"])
    assert _ids(batch) == ["c3"]  # the formula in the ignored column does not matter
    (reject,) = batch.rejects.to_dict("records")
    assert (reject["row"], reject["field"]) == (2, "tc3")  # the sheet row, as the reason's cell names it
    assert reject["reason"].startswith("cell C2 holds a formula without a saved value")


def test_data_on_other_sheets_gives_a_warning(screener, tmp_path):
    path = tmp_path / "two sheets.xlsx"
    _workbook(path, [["candidate_id", "tc1"], ["c1", 4]], second_sheet=True)
    with pytest.warns(InputWarning, match=r"sheet\(s\) 'Later' hold data that was not read; only sheet 'Answers'"):
        batch = score_batch(screener, path)
    assert _ids(batch) == ["c1"]


def test_a_source_that_is_never_read_still_removes_its_copy(screener, tmp_path, own_temporary_folder):
    import gc

    from profilefit.data.batch import open_source

    path = tmp_path / "export.csv.gz"
    path.write_bytes(gzip.compress(TEXT.encode("utf-8")))
    source = open_source(path, screener.instrument)
    assert len(list(own_temporary_folder.iterdir())) == 1
    del source
    gc.collect()
    assert list(own_temporary_folder.iterdir()) == []


def test_a_workbook_without_a_saved_size_is_read(screener, tmp_path):
    """openpyxl's write-only mode (and some exporters) store no sheet dimension; the row count is then unknown."""
    path = tmp_path / "streamed.xlsx"
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("export")
    sheet.append(["candidate_id", "tc1"])
    sheet.append(["c1", 4])
    workbook.save(path)
    assert _ids(score_batch(screener, path)) == ["c1"]
