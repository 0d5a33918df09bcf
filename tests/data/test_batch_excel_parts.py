"""Twin tests: a big sheet parsed in parts, on every core, reads exactly as the sheet parsed whole.

``_excel_parts`` cuts a sheet's XML after a ``</row>`` into one small workbook per core and parses
them at once (this process and worker processes). Here any sheet is big enough and the machine has
two or three cores, so that the written workbooks (typed and mixed columns, blank rows, gaps in the
row numbers, text in number columns, error cells, formulas without a value, dates, a title row above
the header) are read in parts, and the row count, notes, valid rows, values and rejects must be those
of the one-thread reader and of the row-by-row reader.
"""

from __future__ import annotations

import datetime
import re
import sys
import zipfile
import zlib
from typing import Any
from unittest import mock

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from profilefit.data.batch import _excel as excel_reader
from profilefit.data.batch import _excel_parts as excel_parts
from profilefit.data.batch import _excel_worker as excel_worker
from profilefit.data.batch import open_source, workbook_first_row
from tests.data.test_batch_excel_columns import INSTRUMENT, _outcome, _read
from tests.strategies import cell_texts, export_columns

openpyxl = pytest.importorskip("openpyxl")
pytest.importorskip("fastexcel")
ILLEGAL_CHARACTERS_RE = pytest.importorskip("openpyxl.cell.cell").ILLEGAL_CHARACTERS_RE

_ODD_CELLS = ["#DIV/0!", "#N/A", "=1+1", datetime.datetime(2026, 1, 2, 3, 4), "x", True]


@st.composite
def sheets(draw: st.DrawFn, *, max_rows: int = 24) -> tuple[list[str], str | None, list[tuple[int, list[Any]]]]:
    """A header, maybe a title above it, and rows with their Excel row numbers (gaps between some)."""
    header = draw(export_columns(INSTRUMENT))
    title = draw(st.sampled_from([None, None, None, "Export of 7 December"]))
    typed = draw(st.integers(0, 3)) > 0  # most exports: numbers (and empty cells) in answer columns, text in others
    odd = draw(st.integers(0, 3)) == 0  # rarely an error cell, a formula, a date, text or true in a number column
    rows = []
    excel = 2 if title is None else 3
    for _ in range(draw(st.integers(1, max_rows))):
        row = []
        for name in header:
            if odd and draw(st.integers(0, 30)) == 0:
                row.append(draw(st.sampled_from(_ODD_CELLS)))
            elif typed and name not in ("candidate_id",) and not name.startswith(("sj", "b")):
                row.append(draw(st.one_of(st.none(), st.integers(-1, 8).map(float), st.just(4.5))))
            else:
                row.append(draw(st.one_of(st.none(), cell_texts(INSTRUMENT, name))))
        if draw(st.integers(0, 10)) == 0:
            row = [None] * len(header)  # a blank row (cells written as nothing)
        rows.append((excel, row))
        excel += draw(st.sampled_from([1, 1, 1, 1, 2, 7]))  # a gap: rows never written
    return header, title, rows


def _write(path: Any, header: list[str], title: str | None, rows: list[tuple[int, list[Any]]]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title is not None:
        sheet.cell(row=1, column=1, value=title)
    for column, name in enumerate(header, start=1):
        sheet.cell(row=1 if title is None else 2, column=column, value=name)
    for excel, cells in rows:
        for column, cell in enumerate(cells, start=1):
            if cell is not None:  # a sheet cannot hold control characters (openpyxl refuses them)
                value = ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell
                sheet.cell(row=excel, column=column, value=value)
    workbook.save(path)


_INLINE_CELL = re.compile(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is><t(?: [^>]*)?>(.*?)</t></is></c>', re.DOTALL)


def _share_strings(path: Any) -> None:
    """Rewrite a workbook's inline strings (as openpyxl writes them) as shared strings (as Excel writes them)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    strings: dict[bytes, int] = {}

    def shared(cell: re.Match[bytes]) -> bytes:
        index = strings.setdefault(cell.group(3), len(strings))
        return b'<c %st="s"%s><v>%d</v></c>' % (cell.group(1), cell.group(2), index)

    sheet = "xl/worksheets/sheet1.xml"
    members[sheet] = _INLINE_CELL.sub(shared, members[sheet])
    items = b"".join(b'<si><t xml:space="preserve">%s</t></si>' % text for text in strings)
    members["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>'
        % (len(strings), len(strings), items)
    )
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.sharedStrings+xml"/></Types>',
    )
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)


def _read_in_parts(path: Any, chunk_size: int, cores: int) -> tuple[Any, ...]:
    with (
        mock.patch.object(excel_parts, "PARTS_FROM_BYTES", 0),
        mock.patch.object(excel_parts, "usable_cores", return_value=cores),
    ):
        return _read(path, chunk_size)


def _spying(loaded: list[Any], scans: list[Any] | None = None) -> Any:
    """Record what each reading of a sheet in parts gave (the parts, "refused", or None), and what its scan found."""
    read = excel_parts.Workers.read

    def spy(self: Any) -> Any:
        answer = read(self)
        loaded.append(answer[1])
        if scans is not None:
            scans.append(answer[0])
        return answer

    return mock.patch.object(excel_parts.Workers, "read", spy)


def _spying_sends(sent: list[bool]) -> Any:
    """Record whether each sheet to be read in parts could be cut and sent."""
    send = excel_parts.Workers.send

    def spy(self: Any, *args: Any) -> bool:
        sent.append(send(self, *args))
        return sent[-1]

    return mock.patch.object(excel_parts.Workers, "send", spy)


def _read_whole(path: Any, chunk_size: int) -> tuple[Any, ...]:
    with mock.patch.object(excel_parts, "PARTS_FROM_BYTES", 1 << 62):
        return _read(path, chunk_size)


@settings(max_examples=30)  # each example starts one or two worker processes
@given(drawn=sheets(), chunk_size=st.integers(1, 9), cores=st.sampled_from([2, 3]), shared=st.booleans())
def test_a_sheet_read_in_parts_validates_as_read_whole(tmp_path_factory, drawn, chunk_size, cores, shared):
    header, title, rows = drawn
    path = tmp_path_factory.mktemp("xlsx") / "export.xlsx"
    _write(path, header, title, rows)
    if shared:
        _share_strings(path)
    loaded: list[Any] = []
    scans: list[Any] = []
    sent: list[bool] = []
    with _spying(loaded, scans), _spying_sends(sent):
        in_parts = _read_in_parts(path, chunk_size, cores)
    if loaded and isinstance(loaded[0], list):
        event(f"parsed in {len(loaded[0])} parts")
    else:  # refused by fastexcel; not cut; a formula or an error cell; no text header on the first row
        if scans and scans[0] != ({}, {}):
            why = "a formula or an error cell"
        else:
            why = str(loaded) if loaded else "not cut" if sent == [False] else "first row"
        event(f"not in parts: {why}")
    if scans:  # the scans of the parts, in every process, find what the scan of the whole sheet finds
        assert scans == [excel_reader._cells_without_answers(path, "xl/worksheets/sheet1.xml")]
    assert in_parts == _read_whole(path, chunk_size)
    with mock.patch.object(excel_reader, "_arrow_sheet", return_value=None):
        assert in_parts == _read(path, chunk_size)  # the row-by-row reader


def _plain_rows(count: int, *, gap_at: int | None = None) -> list[tuple[int, list[Any]]]:
    rows, excel = [], 2
    for k in range(count):
        rows.append((excel, [f"c{k}", float(k % 6 + 1), None if k % 5 == 0 else float(k % 4 + 1), "b"]))
        excel += 9 if k == gap_at else 1
    return rows


@pytest.mark.parametrize("shared", [False, True])
def test_a_plain_sheet_is_read_in_parts(tmp_path, shared):
    path = tmp_path / "export.xlsx"
    _write(path, ["candidate_id", "tc1", "tc7", "sj1"], None, _plain_rows(40, gap_at=20))
    if shared:
        _share_strings(path)
        with zipfile.ZipFile(path) as archive:
            assert b't="s"' in archive.read("xl/worksheets/sheet1.xml")
    loaded: list[Any] = []
    with _spying(loaded):
        total, notes, outcomes = _read_in_parts(path, 7, 3)
    (parts,) = loaded
    assert isinstance(parts, list) and len(parts) == 3
    assert sum(part.batch.num_rows for part in parts) == 40 + 8  # the rows never written between the parts too
    assert total == 48 and notes == ()
    assert [candidate for outcome in outcomes for candidate in outcome[0]] == [f"c{k}" for k in range(40)]
    assert (total, notes, outcomes) == _read_whole(path, 7)


def test_a_failed_worker_leaves_the_sheet_to_be_parsed_whole(tmp_path):
    path = tmp_path / "export.xlsx"
    _write(path, ["candidate_id", "tc1", "tc7", "sj1"], None, _plain_rows(30))
    workers = excel_parts.Workers
    failing = "import sys; sys.stdin.buffer.read(); sys.exit(1)"
    with mock.patch.object(excel_reader, "Workers", lambda count: workers(count, program=failing)):
        assert _read_in_parts(path, 10, 2) == _read_whole(path, 10)


def test_a_part_with_text_in_a_number_column_sends_the_sheet_to_the_row_reader(tmp_path):
    path = tmp_path / "export.xlsx"
    rows = _plain_rows(30)
    rows[25][1][1] = "four"  # in the second part only: the first part alone is all numbers
    _write(path, ["candidate_id", "tc1", "tc7", "sj1"], None, rows)
    with mock.patch.object(excel_reader, "_arrow_chunks", side_effect=AssertionError("read into Arrow columns")):
        assert _read_in_parts(path, 10, 2) == _read_whole(path, 10)


@pytest.mark.parametrize("where", [3, 25])  # in the first part (scanned here), in the second (by the worker)
@pytest.mark.parametrize("cell", ["=1+1", "#DIV/0!"])
def test_a_formula_or_an_error_in_one_part_sends_the_sheet_to_the_row_reader(tmp_path, where, cell):
    path = tmp_path / "export.xlsx"
    rows = _plain_rows(30)
    rows[where][1][2] = cell
    _write(path, ["candidate_id", "tc1", "tc7", "sj1"], None, rows)
    if cell == "#DIV/0!":  # openpyxl writes the text; Excel writes an error cell
        with zipfile.ZipFile(path) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
        sheet = "xl/worksheets/sheet1.xml"
        members[sheet] = re.sub(
            rb'<c r="C%d" t="inlineStr"><is><t>#DIV/0!</t></is></c>' % (where + 2),
            b'<c r="C%d" t="e"><f>B1/0</f><v>#DIV/0!</v></c>' % (where + 2),
            members[sheet],
        )
        assert b't="e"' in members[sheet]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in members.items():
                archive.writestr(name, content)
    loaded: list[Any] = []
    scans: list[Any] = []
    with (
        _spying(loaded, scans),
        mock.patch.object(excel_reader, "_arrow_chunks", side_effect=AssertionError("read into Arrow columns")),
        mock.patch.object(excel_parts, "read_part", wraps=excel_parts.read_part) as parse,
    ):
        in_parts = _read_in_parts(path, 10, 2)
    assert loaded == [None]  # no parts given to the reader (the worker's parse is not waited for)
    assert parse.called == (where == 25)  # this process parses its part only when it holds no such cell
    expected = ({where + 2: ["C"]}, {}) if cell == "=1+1" else ({}, {where + 2: {"C": "#DIV/0!"}})
    assert scans == [expected] == [excel_reader._cells_without_answers(path, "xl/worksheets/sheet1.xml")]
    assert in_parts == _read_whole(path, 10)
    rejects = [reject for outcome in in_parts[2] for reject in outcome[6]]
    assert [reject for reject in rejects if f"cell C{where + 2} " in str(reject)]  # the row rejected, naming it


@given(
    data=st.lists(st.sampled_from([b"<", b"f", b"<f", b"x", b">"]), max_size=200).map(b"".join),
    start=st.integers(0, 50),
    length=st.integers(0, 400),
    lone=st.integers(0, 3),
)
def test_the_quick_look_for_a_formula_tag_is_a_search_for_it(data, start, length, lone):
    with mock.patch.object(excel_worker, "_LONE_F", lone):
        assert excel_worker._holds_formula(data, start, start + length) == (
            data.find(b"<f", start, start + length) >= 0
        )


@pytest.mark.parametrize("inflate", ["zlib-ng", "zlib"])
def test_a_sheet_inflated_by_either_module_reads_the_same(tmp_path, inflate):
    """zlib-ng inflates the sheet when it is installed; zlib (forced here) when it is not."""
    path = tmp_path / "export.xlsx"
    _write(path, ["candidate_id", "tc1", "tc7", "sj1"], None, _plain_rows(40, gap_at=20))
    module = pytest.importorskip("zlib_ng.zlib_ng") if inflate == "zlib-ng" else zlib
    with mock.patch.object(excel_parts, "INFLATE", module):
        member = "xl/worksheets/sheet1.xml"
        with zipfile.ZipFile(path) as archive:
            assert excel_parts.read_member(path, member) == archive.read(member)
        loaded: list[Any] = []
        with _spying(loaded):
            in_parts = _read_in_parts(path, 7, 2)
    assert isinstance(loaded[0], list) and len(loaded[0]) == 2
    assert in_parts == _read_whole(path, 7)


def test_a_member_not_as_the_archive_says_is_read_by_zipfile(tmp_path):
    """A CRC-32 that does not match: zipfile's own reading, and its error, as before zlib-ng."""
    path = tmp_path / "export.xlsx"
    _write(path, ["candidate_id", "tc1"], None, [(2, ["c1", 1.0])])
    member = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
        expected = archive.read(member)
    assert excel_parts._inflated(path, info) == expected
    info.CRC ^= 1
    assert excel_parts._inflated(path, info) is None
    with mock.patch.object(zipfile.ZipFile, "getinfo", return_value=info), pytest.raises(zipfile.BadZipFile):
        excel_parts.read_member(path, member)


def test_the_header_given_to_a_part_moves_its_cells_not_its_text():
    row = b'<row r="1" spans="1:2"><c r="A1" t="inlineStr"><is><t>r="B1"</t></is></c><c r="AB1" s="2"/></row>'
    assert excel_parts._renumbered(row, 57) == (
        b'<row r="57" spans="1:2"><c r="A57" t="inlineStr"><is><t>r="B1"</t></is></c><c r="AB57" s="2"/></row>'
    )


def test_a_sheet_too_small_for_its_parts_is_not_cut():
    xml = b'<worksheet><sheetData><row r="1"><c r="A1"/></row><row r="2"><c r="A2"/></row></sheetData></worksheet>'
    header_end = xml.index(b"</row>") + 6
    assert excel_parts.cut_sheet(xml, 3, header_end) is None
    assert excel_parts.cut_sheet(xml.replace(b' r="1"', b""), 2, header_end) is None  # a row without its number


# ---- the first row of a workbook, read from the start of its XML ----------------------------------


@given(
    cells=st.lists(st.one_of(st.none(), st.sampled_from(["candidate_id", " B01 ", "tc1", "", "sj2", 3.0, "=1+1"]))),
    first=st.integers(1, 3),
)
def test_the_first_row_read_from_the_xml_is_the_row_calamine_gives_first(tmp_path_factory, cells, first):
    path = tmp_path_factory.mktemp("xlsx") / "export.xlsx"
    workbook = openpyxl.Workbook()
    for column, cell in enumerate(cells, start=1):
        if cell is not None:
            workbook.active.cell(row=first, column=column, value=cell)
    workbook.active.cell(row=first + 1, column=1, value="c1")
    workbook.save(path)
    texts = workbook_first_row(path)
    calamine = pytest.importorskip("python_calamine")
    row = next(iter(calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()), [])
    if texts is None:  # not told from the XML: a value that is not text
        assert any(cell == 3.0 or cell == "=1+1" for cell in cells) and first == 1
    else:
        assert {text for text in texts if text} == {str(cell) for cell in row if cell != ""}


def test_score_reads_only_the_first_row_of_a_workbook_to_tell_its_instrument(tmp_path):
    from profilefit.apps.cli._inputs import forced_choice_export

    path = tmp_path / "export.xlsx"
    _write(path, ["candidate_id", "b01", "b02"], None, [(2, ["c1", "ab", "ca"])])
    with mock.patch.dict(sys.modules, {"python_calamine": None}):  # no sheet parsed
        assert forced_choice_export(path) == ["b01", "b02"]


@pytest.mark.parametrize("sheet", ["answers", 2, None])
def test_a_sheet_chosen_among_several_is_read_in_parts_as_whole(tmp_path, sheet):
    """--sheet (by name or number) picks the sheet cut into parts; the other sheets stay as they are."""
    path = tmp_path / "export.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "cover"
    workbook.active.append(["Export of 7 December"])
    answers = workbook.create_sheet("answers")
    later = workbook.create_sheet("notes")
    later.append(["not read"])
    answers.append(["candidate_id", "tc1", "tc7", "sj1"])
    for _, cells in _plain_rows(30):
        answers.append(cells)
    workbook.save(path)

    def read(*args: Any) -> Any:
        try:
            source = open_source(path, INSTRUMENT, chunk_size=8, sheet=sheet)
        except ValueError as error:
            return (str(error),)
        return source.total_rows, source.notes, [_outcome(chunk) for chunk in source.chunks]

    loaded: list[Any] = []
    with (
        _spying(loaded),
        mock.patch.object(excel_parts, "PARTS_FROM_BYTES", 0),
        mock.patch.object(excel_parts, "usable_cores", return_value=2),
    ):
        in_parts = read()
    with mock.patch.object(excel_parts, "PARTS_FROM_BYTES", 1 << 62):
        assert in_parts == read()
    assert len(in_parts) == 3 and in_parts[0] == 30  # read, with a note about the sheet after it
    if sheet is not None:  # else the cover sheet is the first guess: its first row is no header
        (parts,) = loaded
        assert isinstance(parts, list) and len(parts) == 2


def test_without_zlib_ng_the_sheet_is_inflated_by_zlib():
    with mock.patch.dict(sys.modules, {"zlib_ng": None}):
        assert excel_parts._fast_zlib() is zlib
