"""Reading one sheet of an Excel workbook (``.xlsx``) in chunks, with calamine.

calamine (python-calamine, the engine pandas also offers) reads about twelve times as fast as
openpyxl; it holds the sheet in memory while it is read. Workbooks come as people keep them:

- the sheet read is the one asked for, or else the first with a header among its first rows
  (a row naming the id column or a question), so a cover sheet in front is skipped, with a note;
- the header is the row asked for, or else the first such row, so a title row above it is skipped;
- a formula stored without its result (a workbook written by a program that does not calculate)
  and an error cell (``#DIV/0!``, ``#N/A``: calamine gives both as empty) would read as empty
  answers, so their rows are rejected naming the cell and, for an error, the error;
- data on other sheets, which is not read, gives a note.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import itertools
import logging
import operator
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np

from profilefit.data.batch._cells import from_values
from profilefit.data.batch._deps import require
from profilefit.data.batch._excel_parts import Cells, SheetPart, Workers, generated_names, part_count, read_member
from profilefit.data.batch._excel_worker import read_part, scan_cells
from profilefit.data.batch._fields import Header
from profilefit.data.batch._validate import RawChunk
from profilefit.exceptions import ColumnError


def open_workbook(
    path: Path,
    name: str,
    check_header: Callable[[list[str]], Header],
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    is_header: Callable[[list[Any]], bool] = lambda cells: False,
    search_rows: int = 20,
) -> tuple[Callable[[int], Iterator[RawChunk]], int | None, list[str]]:
    """Open a sheet of a workbook: its chunks (given a chunk size), its row count if known, and notes.

    Parameters
    ----------
    path : Path
    name : str
        The input as messages name it.
    check_header : callable
        Checks the header row (:func:`~profilefit.data.batch._fields.read_header`).
    sheet : str or int, optional
        The sheet by name or number (1 = the first). By default the first sheet with a header
        row among its first ``search_rows`` non-empty rows; for a workbook of one sheet, that sheet.
    header_row : int, optional
        The header's row number (Excel's, 1 = the first). By default the first row that
        ``is_header``, else the first non-empty row.
    is_header : callable
        Whether a row of cells is the header (it names the id column or a question).
    search_rows : int, default=20

    Raises
    ------
    ValueError
        If the file cannot be opened as a workbook, or has no such sheet or row.
    """
    calamine = require("python_calamine")
    # calamine parses a sheet without holding the GIL, so the scan of the sheet's XML for formulas and
    # error cells runs meanwhile in a second thread, on the sheet most likely read (the first, or --sheet).
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="profilefit-xlsx-scan") as pool,
        contextlib.ExitStack() as stack,
    ):
        try:
            workbook = calamine.CalamineWorkbook.from_path(str(path))
            names = list(workbook.sheet_names)
            guess = 0 if sheet is None else _sheet_index(names, sheet, name)
            member = _sheet_member(path, guess)
            # The usual workbook (the header on the sheet's first row, no formula without a value, no
            # error cell) is read into typed columns by fastexcel, without a Python object per cell;
            # a big one in parts, on every core (_excel_parts), its XML inflated once for both.
            header_end = _text_first_row(path, member, is_header) if header_row is None and member else None
            # The sheet row of that first row (fastexcel starts there): rejects name each row by its sheet row.
            header_at = _first_row_number(path, member, header_end) if header_end is not None and member else None
            parts = part_count(path, member) if header_end is not None and member else 1
            loaded = None
            if parts > 1 and header_end is not None and member:
                # The workers start first, so that their start overlaps the inflating of the sheet; each
                # process scans its own part for formulas and error cells, then parses it.
                workers = stack.enter_context(Workers(parts - 1))
                xml = read_member(path, member)
                answerless: Cells | None = None
                if workers.send(path, member, names[guess], xml, header_end):
                    del xml
                    answerless, in_parts = workers.read()
                    if answerless is None:  # a worker failed before it told what its part holds
                        answerless = _cells_without_answers(path, member, read_member(path, member))
                    if answerless == ({}, {}):
                        loaded = _arrow_sheet(path, names[guess], is_header, in_parts, header_at)
                else:  # not cut: scanned and parsed whole, here
                    answerless = _cells_without_answers(path, member, xml)
                    del xml
                    if answerless == ({}, {}):
                        loaded = _arrow_sheet(path, names[guess], is_header, None, header_at)
                stack.close()  # the workers, done or no longer wanted
                scan: Future[Any] = Future()
                scan.set_result(answerless)
            else:
                scan = pool.submit(_cells_without_answers, path, member)
                if header_end is not None and member:
                    loaded = _arrow_sheet(path, names[guess], is_header, None, header_at)
            if loaded is not None and scan.result() == ({}, {}):
                return _open_arrow(workbook, names, guess, name, loaded, check_header)
            if sheet is None:
                index, found, chosen = _sheet_with_header(workbook, names, header_row, is_header, search_rows)
            else:
                index, found, chosen = guess, None, None
            if sheet is None and found is None and len(names) > 1:
                raise ColumnError(
                    f"{name}: no sheet has a header among its first {search_rows} rows (a row naming candidate_id "
                    f"or a question of the instrument); the sheets are {', '.join(map(repr, names))}. Choose the "
                    "sheet with --sheet NAME and the header with --header-row N, and name the id column with "
                    "--id-column NAME"
                )
            if chosen is None:  # each load parses the sheet: a sheet already loaded is used as it is
                chosen = workbook.get_sheet_by_index(index)
        except (OSError, calamine.CalamineError) as error:
            raise ValueError(f"{name}: cannot open as an Excel workbook ({error})") from error
        formulas, errors = scan.result() if index == guess else _cells_without_answers(path, _sheet_member(path, index))
    offset = chosen.start[1] if chosen.start else 0  # the column of the sheet's first used cell
    numbered = enumerate(chosen.iter_rows(), start=1)  # with Excel's row numbers
    start = found if found is not None else _header_row(chosen, header_row, is_header, search_rows, name)
    header_at, cells = next(((row, values) for row, values in numbered if row >= start and _filled(values)), (1, []))
    header = ["" if value is None else str(value) for value in cells]
    while header and header[-1] == "":  # Excel's used range often runs past the last named column
        header.pop()
    checked = check_header(header)
    notes = list(checked.notes)
    if sheet is None and index > 0:
        notes.append(
            f"{name}: read sheet {names[index]!r}, the first with a header; "
            f"sheet(s) {', '.join(map(repr, names[:index]))} before it were not read (choose one with --sheet)"
        )
    if header_at > 1 and header_row is None and _filled_above(chosen, header_at):
        notes.append(
            f"{name}: the header is on row {header_at} of sheet {names[index]!r}; the rows above were not read"
        )
    if note := _others_note(workbook, names, index, name):
        notes.append(note)
    total = chosen.end[0] + 1 - header_at if chosen.end else None

    def chunks(chunk_size: int) -> Iterator[RawChunk]:
        return _xlsx_chunks(
            numbered, checked.names, checked.keep, chunk_size, offset=offset, formulas=formulas, errors=errors
        )

    return chunks, total, notes


def _open_arrow(
    workbook: Any,
    names: list[str],
    index: int,
    name: str,
    loaded: tuple[list[str], Any, int, Any],
    check_header: Callable[[list[str]], Header],
) -> tuple[Callable[[int], Iterator[RawChunk]], int | None, list[str]]:
    """:func:`open_workbook` for a sheet :func:`_arrow_sheet` read.

    Its header is its first row, so there is no note about rows above it or sheets before it.
    """
    header, batch, total, numbers = loaded
    checked = check_header(header)
    notes = list(checked.notes)
    if note := _others_note(workbook, names, index, name):
        notes.append(note)

    def chunks(chunk_size: int) -> Iterator[RawChunk]:
        return _arrow_chunks(batch, checked.names, checked.keep, chunk_size, numbers)

    return chunks, total, notes


def _others_note(workbook: Any, names: list[str], index: int, name: str) -> str | None:
    """The note naming the sheets after the one read that hold data, if any do."""
    others = [
        sheet_name
        for position, sheet_name in enumerate(names)
        if position > index and any(map(_filled, workbook.get_sheet_by_name(sheet_name).iter_rows()))
    ]
    if not others:
        return None
    return (
        f"{name}: sheet(s) {', '.join(map(repr, others))} hold data that was not read; "
        f"only sheet {names[index]!r} is scored"
    )


def _sheet_index(names: list[str], sheet: str | int, name: str) -> int:
    """The position of a sheet given by name (exact, else without regard to case) or by number (1 = the first)."""
    if isinstance(sheet, int):
        if 1 <= sheet <= len(names):
            return sheet - 1
    elif sheet in names:
        return names.index(sheet)
    else:
        folded = [sheet_name.casefold() for sheet_name in names]
        if sheet.strip().casefold() in folded:
            return folded.index(sheet.strip().casefold())
    raise ValueError(f"{name}: there is no sheet {sheet!r}; its sheets are {', '.join(map(repr, names))}")


def _sheet_with_header(
    workbook: Any, names: list[str], header_row: int | None, is_header: Callable[[list[Any]], bool], search_rows: int
) -> tuple[int, int | None, Any]:
    """The first sheet with a header (at ``header_row``, or among its first rows): its index, that row, the sheet.

    The first sheet, no row and no sheet object when none has one (its first non-empty row is then the header).
    """
    for index in range(len(names)):
        sheet = workbook.get_sheet_by_index(index)
        rows = enumerate(sheet.iter_rows(), start=1)
        if header_row is not None:
            if any(row == header_row and is_header(values) for row, values in itertools.islice(rows, header_row)):
                return index, header_row, sheet
            continue
        filled = ((row, values) for row, values in rows if _filled(values))
        for row, values in itertools.islice(filled, search_rows):
            if is_header(values):
                return index, row, sheet
    return 0, None, None


def _header_row(
    sheet: Any, header_row: int | None, is_header: Callable[[list[Any]], bool], search_rows: int, name: str
) -> int:
    """The header's row in a sheet: ``header_row``, or the first row with the id column, or 1 (the first non-empty)."""
    if header_row is not None:
        if sheet.end is None or header_row > sheet.end[0] + 1:
            raise ValueError(f"{name}: sheet {sheet.name!r} has no row {header_row} to read the header from")
        return header_row
    filled = ((row, values) for row, values in enumerate(sheet.iter_rows(), start=1) if _filled(values))
    return next((row for row, values in itertools.islice(filled, search_rows) if is_header(values)), 1)


def _filled_above(sheet: Any, row: int) -> bool:
    return any(_filled(values) for values in itertools.islice(sheet.iter_rows(), row - 1))


def _filled(values: Sequence[Any]) -> bool:
    """Whether a row of a sheet holds anything (calamine gives an empty cell as ``""``)."""
    # A plain loop: most rows answer at their first cell, and any() over a generator costs six times that.
    for value in values:  # noqa: SIM110
        if value is not None and value != "":
            return True
    return False


def _sheet_member(path: Path, index: int) -> str | None:
    """The path, inside the xlsx archive, of the XML of the sheet at ``index`` (None when it cannot be told)."""
    try:
        with zipfile.ZipFile(path) as archive:
            sheets = ElementTree.fromstring(archive.read("xl/workbook.xml")).findall("{*}sheets/{*}sheet")
            relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return None
    if index >= len(sheets):
        return None
    sheet = sheets[index]
    wanted = next((value for key, value in sheet.attrib.items() if key.endswith("}id")), None)
    for relation in relations:
        if relation.get("Id") == wanted and (target := relation.get("Target")):
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


_XML_BLOCK = 1 << 22


def _cells_without_answers(
    path: Path, member: str | None, xml: bytes | None = None
) -> tuple[dict[int, list[str]], dict[int, dict[str, str]]]:
    """Cells that reading would see as empty: formulas without a saved value, and error cells, by Excel row.

    A workbook written by a program that does not calculate (a script, some exporters) stores
    formulas without results; Excel stores both. A formula that failed stores its error
    (``#DIV/0!``), which calamine reads as an empty cell. The sheet's XML (``xml``, when it is
    already inflated) is scanned by :func:`~._excel_worker.scan_cells`: from the file in blocks,
    or as it is.

    Returns
    -------
    formulas : dict of int to list of str
        Column letters of formulas without a value, per row.
    errors : dict of int to dict of str to str
        Column letters to the error, per row.
    """
    found: dict[int, set[str]] = {}
    errors: dict[int, dict[str, str]] = {}
    if member is None:
        return {}, {}
    if xml is not None:  # already inflated: scanned as it is, as the parts of a sheet are
        scan_cells(xml, found=found, errors=errors)
    else:
        with zipfile.ZipFile(path) as archive, archive.open(member) as stream:
            tail = b""
            while block := stream.read(_XML_BLOCK):
                data = tail + block
                scan_cells(data, found=found, errors=errors)
                tail = data[-4096:]  # a cell cut by the block boundary is found whole in the next round
    formulas = {row: sorted(columns, key=lambda letters: (len(letters), letters)) for row, columns in found.items()}
    return formulas, errors


def _column_number(letters: str) -> int:
    """Excel's column letters as a 0-based index (``A`` is 0, ``AA`` is 26)."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number - 1


def _xlsx_chunks(
    numbered: Iterator[tuple[int, list[Any]]],
    header: list[str],
    keep: list[int],
    chunk_size: int,
    *,
    offset: int,
    formulas: dict[int, list[str]],
    errors: dict[int, dict[str, str]],
) -> Iterator[RawChunk]:
    filled = ((excel, row) for excel, row in numbered if _filled(row))  # blank rows are not rows
    while block := list(itertools.islice(filled, chunk_size)):
        # Each row is named by its sheet row (the header and blank rows counted), as Excel shows it.
        if _plain_block(block, len(header), formulas, errors):
            yield _column_chunk(block, header, keep)
        else:
            yield _record_chunk(block, header, keep, offset=offset, formulas=formulas, errors=errors)


def _plain_block(
    block: list[tuple[int, list[Any]]], width: int, formulas: dict[int, list[str]], errors: dict[int, dict[str, str]]
) -> bool:
    """Whether no row of a block has a formula without a value, an error cell, or cells right of the header."""
    if (formulas or errors) and any(excel in formulas or excel in errors for excel, _ in block):
        return False
    if max(len(row) for _, row in block) > width:
        return not any(_filled(row[width:]) for _, row in block)
    return True


class _Rows(Sequence[Any]):
    """The rows of a block as dicts, as :func:`_record_chunk` gives them, each built only when the rule asks."""

    def __init__(self, rows: list[list[Any]], header: list[str], keep: list[int]) -> None:
        self._rows, self._header, self._keep = rows, header, keep

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, position: Any) -> Any:
        if isinstance(position, slice):
            return [self[k] for k in range(*position.indices(len(self)))]
        row = self._rows[position]
        return {self._header[k]: row[k] if k < len(row) else None for k in self._keep}


def _column_chunk(block: list[tuple[int, list[Any]]], header: list[str], keep: list[int]) -> RawChunk:
    """A block without formulas, errors or extra cells, read a column at a time (no dict per row).

    The columns are those :meth:`RawChunk.from_records` builds from :func:`_record_chunk`'s dicts,
    except that an empty cell (calamine gives it as ``""``) in a column that also holds numbers is
    None, so that the column is one typed array, checked at numpy speed, rather than a list checked
    cell by cell; the rule reads ``""`` and None alike. The rows the column rules cannot prove valid
    are read by the rule from the same dicts as before.
    """
    rows = [row for _, row in block]
    shortest = min(map(len, rows))
    columns: list[tuple[str | None, Any]] = []
    for k in keep:
        if k < shortest:
            values = list(map(operator.itemgetter(k), rows))  # the loop runs in C
        else:
            values = [row[k] if k < len(row) else None for row in rows]
        numeric = header[k].strip() != "candidate_id"
        kinds = set(map(type, values))
        if numeric and str in kinds and len(kinds - {str, type(None)}) and _only_empty_text(values):
            values = [None if value == "" else value for value in values]
        columns.append((header[k], from_values(values, tabular=True, numeric=numeric)))
    numbers = [excel for excel, _ in block]
    return RawChunk(
        columns, len(rows), numbers[0], tabular=True, records=_Rows(rows, header, keep), numbers=numbers, workbook=True
    )


def _only_empty_text(values: list[Any]) -> bool:
    """Whether every text value of a column is ``""`` (the empty cells of a column of numbers)."""
    return all(value == "" for value in values if type(value) is str)


def _record_chunk(
    block: list[tuple[int, list[Any]]],
    header: list[str],
    keep: list[int],
    *,
    offset: int,
    formulas: dict[int, list[str]],
    errors: dict[int, dict[str, str]],
) -> RawChunk:
    """A block read row by row into dicts: the reference for :func:`_column_chunk`, and the reader of unusual rows."""
    width, kept = len(header), set(keep)
    id_at = next((k for k in keep if header[k] == "candidate_id"), None)
    records: list[dict[Any, Any] | None] = []
    unreadable: dict[int, dict[str, Any]] = {}
    for position, (excel, row) in enumerate(block):
        read = [
            (letters, k)
            for letters in formulas.get(excel, ())
            if (k := _column_number(letters) - offset) in kept or k >= width
        ]
        if read:  # a formula in a column that is read (one in an ignored column does not matter)
            letters, k = read[0]
            unreadable[position] = {
                "candidate_id": _id_text(row, id_at),
                "field": header[k] if k < width else "(extra cells)",
                "value": None,
                "reason": f"cell {letters}{excel} holds a formula without a saved value; open the workbook "
                "in Excel and save it (or export values), so the answer can be read",
            }
            records.append(None)
            continue
        failed = [
            (letters, k, error)
            for letters, error in sorted(errors.get(excel, {}).items(), key=lambda item: (len(item[0]), item[0]))
            if (k := _column_number(letters) - offset) in kept
        ]
        if failed:  # an error cell in a column that is read: not an empty answer
            letters, k, error = failed[0]
            unreadable[position] = {
                "candidate_id": _id_text(row, id_at),
                "field": header[k],
                "value": error,
                "reason": f"cell {letters}{excel} holds the spreadsheet error {error} (a formula that failed), "
                "not an answer; correct the formula or clear the cell",
            }
            records.append(None)
            continue
        record: dict[Any, Any] = {header[k]: row[k] if k < len(row) else None for k in keep}
        extra = [value for value in row[width:] if value is not None and value != ""]
        if extra:  # cells right of the header, as csv.DictReader gives them
            record[None] = extra
        records.append(record)
    numbers = [excel for excel, _ in block]
    return RawChunk.from_records(
        records, first_row=numbers[0], tabular=True, unreadable=unreadable, numbers=numbers, workbook=True
    )


def _id_text(row: list[Any], position: int | None) -> str | None:
    """The candidate id of a row read as the rule reads it (text stripped, ``101.0`` as ``"101"``), if it has one."""
    value = row[position] if position is not None and position < len(row) else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = "" if value is None else str(value).strip()
    return text or None


# ---- the usual workbook, read into typed columns --------------------------------------------


#: A row element of a sheet's XML, and a cell element in it.
_ROW = re.compile(rb"<row\b[^>]*?(?:/>|>(.*?)</row>)", re.DOTALL)
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_CELL_TYPE = re.compile(rb'\bt="([^"]*)"')
_FIRST_ROWS_BYTES = 1 << 20
#: An attribute in a namespace the row alone does not declare (Excel's ``x14ac:dyDescent="0.25"``).
_PREFIXED_ATTRIBUTE = re.compile(rb'\s[A-Za-z0-9_]+:[A-Za-z0-9_]+="[^"]*"')
#: Column types of fastexcel's columns that are the values calamine gives (float, int, text, empty).
_PLAIN_TYPES = ("double", "int64", "string", "large_string", "null")


def _text_first_row(path: Path, member: str, is_header: Callable[[list[Any]], bool]) -> int | None:
    """Where the first row of a sheet that holds values ends in its XML, if it is text only and maybe the header.

    None when it holds a number, a date or a formula, or is told not to be the header, or when
    fastexcel is not installed (every workbook then takes the reference reader).

    fastexcel names the columns by the header row's cells, but as text: a number 1 is named
    ``"1"``, where the reference reader reads ``"1.0"``. So its names are used only when every
    header cell is text (a shared or an inline string). When the row's texts can be read cheaply
    here, a row that is not a header (a title above it) is told before fastexcel parses the sheet.
    """
    if importlib.util.find_spec("fastexcel") is None:
        return None
    with zipfile.ZipFile(path) as archive:
        with archive.open(member) as stream:
            data = stream.read(_FIRST_ROWS_BYTES)
        for row in _ROW.finditer(data):
            cells = [cell for cell in _CELL.finditer(row.group(1) or b"") if _holds_value(cell.group(2))]
            if not cells:
                continue  # a row of empty (formatted) cells holds no values
            kinds = [kind.group(1) if (kind := _CELL_TYPE.search(cell.group(1))) else b"n" for cell in cells]
            if b"<f" in (row.group(1) or b"") or any(kind not in (b"s", b"inlineStr") for kind in kinds):
                return None
            texts = _row_texts(archive, _PREFIXED_ATTRIBUTE.sub(b"", row.group(0)))
            return row.end() if texts is None or is_header(texts) else None
    return None


def _first_row_number(path: Path, member: str, header_end: int) -> int | None:
    """The sheet row number of the row whose XML ends at ``header_end`` (:func:`_text_first_row`), if written."""
    with zipfile.ZipFile(path) as archive, archive.open(member) as stream:
        data = stream.read(header_end)
    start = data.rfind(b"<row", 0, header_end)
    number = re.search(rb'\br="([0-9]+)"', data[start:header_end]) if start >= 0 else None
    return int(number.group(1)) if number else None


def workbook_first_row(path: Path) -> list[str] | None:
    """The texts of row 1 of a workbook's first sheet, read from the start of its XML; None when not told so.

    A glance at a header (which instrument an export answers) without parsing the whole sheet, as
    reading it with calamine would. Row 1 is the row calamine gives first (``[]`` when the sheet
    starts lower). None (read the sheet) when the row is not within the first MiB of the XML, or
    holds a value that is not text (a number, a formula, true/false, an error).
    """
    member = _sheet_member(path, 0)
    if member is None:
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            with archive.open(member) as stream:
                data = stream.read(_FIRST_ROWS_BYTES)
            row = _ROW.search(data)
            if row is None or b"</sheetData>" in data[: row.start()]:
                return [] if b"</sheetData>" in data or b"<sheetData/>" in data else None
            number = re.search(rb'\sr="([0-9]+)"', row.group(0)[: row.group(0).find(b">")])
            if number is not None and number.group(1) != b"1":
                return []
            inner = row.group(1) or b""
            cells = [cell for cell in _CELL.finditer(inner) if _holds_value(cell.group(2))]
            kinds = [kind.group(1) if (kind := _CELL_TYPE.search(cell.group(1))) else b"n" for cell in cells]
            if b"<f" in inner or any(kind not in (b"s", b"inlineStr") for kind in kinds):
                return None
            return _row_texts(archive, _PREFIXED_ATTRIBUTE.sub(b"", row.group(0)))
    except (KeyError, OSError, zipfile.BadZipFile):
        return None


def _row_texts(archive: zipfile.ZipFile, row: bytes) -> list[str] | None:
    """The texts of a row of text cells, from the cells and the first shared strings; None when not told cheaply.

    Only a quick look, to skip a parse that would not be used: the names used are fastexcel's.
    """
    try:
        cells = list(ElementTree.fromstring(row))
        shared = [int(cell.findtext("{*}v") or "") for cell in cells if cell.get("t") == "s"]
        strings = _first_shared_strings(archive, max(shared) + 1) if shared else []
        texts = []
        for cell in cells:
            if cell.get("t") == "s":
                texts.append(strings[int(cell.findtext("{*}v") or "")])
            else:
                texts.append(_item_text(cell.find("{*}is")))
        return texts
    except (ValueError, IndexError, KeyError, ElementTree.ParseError):
        return None


def _first_shared_strings(archive: zipfile.ZipFile, count: int) -> list[str]:
    """The first ``count`` texts of a workbook's shared strings (at most 10,000, else an IndexError)."""
    if count > 10_000:
        raise IndexError(count)
    strings: list[str] = []
    with archive.open("xl/sharedStrings.xml") as stream:
        for _, element in ElementTree.iterparse(stream):
            if element.tag.endswith("}si"):
                strings.append(_item_text(element))
                element.clear()
                if len(strings) == count:
                    break
    return strings


def _item_text(item: ElementTree.Element | None) -> str:
    """The text of a string item (``<si>``, ``<is>``): its ``<t>``, or its runs' (not the phonetic reading's)."""
    if item is None:
        return ""
    parts = []
    for child in item:
        local = child.tag.rpartition("}")[2]  # in the sheet's namespace, or in none (a row parsed alone)
        if local == "t":
            parts.append(child.text or "")
        elif local == "r":
            parts.extend(text.text or "" for text in child.iterfind("{*}t"))
    return "".join(parts)


def _holds_value(inner: bytes | None) -> bool:
    return inner is not None and (b"<v" in inner or b"<is" in inner)


def _arrow_sheet(
    path: Path,
    sheet_name: str,
    is_header: Callable[[list[Any]], bool],
    in_parts: list[SheetPart] | str | None,
    header_at: int | None,
) -> tuple[list[str], Any, int, Any] | None:
    """The header, the data rows (an Arrow batch; a table when read in parts), the rows below it, their numbers.

    The rows below the header count blank ones too. The numbers are each data row's sheet row (``header_at``
    is the header's), as rejects name rows; blank rows are left out, with their numbers.

    None when the sheet takes the reference reader. The caller has checked that the first row
    holding values is text (:func:`_text_first_row`), and gives the parts of the sheet when it
    was parsed in parts (:meth:`._excel_parts.Workers.read`: the parts, ``"refused"``, or None).

    fastexcel (calamine, the same parser, into Arrow columns) reads the sheet, whole or in parts. Its
    columns are used only when they are what the reference reader (``iter_rows``, a row at a time)
    gives: the sheet's first row holds the header, as text, with no name twice and none empty between
    names; every column holds numbers or text, never both (its type is inferred from every row,
    strictly), and no date, time or true/false; cells right of the header are empty. The caller also
    requires that the sheet holds no formula without a value and no error cell. Wholly empty rows are
    left out.
    """
    _quiet_fastexcel()
    parts = in_parts
    if parts == "refused":  # a part with a column of numbers and text: the whole sheet has one too
        return None
    if isinstance(parts, list):
        try:
            return _joined(parts, is_header, header_at)
        except _PartsDisagree:  # a column typed differently in two parts: the whole sheet decides
            pass
    try:  # by name: the sheet python-calamine numbered
        whole = read_part(str(path), sheet_name)
    except Exception:  # any refusal (mixed types, an unreadable cell): the reference reader reads it
        return None
    return _joined([SheetPart(whole, generated_names(whole), 0)], is_header, header_at)


class _PartsDisagree(Exception):
    """Parts of a sheet that fastexcel typed differently (numbers in one, nothing but text in another)."""


def _joined(
    parts: list[SheetPart], is_header: Callable[[list[Any]], bool], header_at: int | None
) -> tuple[list[str], Any, int, Any] | None:
    """:func:`_arrow_sheet`'s answer from the parts of a sheet (or the whole sheet, as one part)."""
    pa, pc = require("pyarrow"), require("pyarrow.compute")
    if header_at is None and not parts[0].header_row:
        return None  # the sheet rows of the data rows cannot be told: the reference reader numbers them
    names, generated = parts[0].batch.schema.names, parts[0].generated
    width = len(names)
    while width and generated[width - 1]:  # Excel's used range often runs past the last named column
        width -= 1
    header = names[:width]
    if not header or any(generated[:width]) or "" in header or not is_header(header):
        return None
    repeated = (re.fullmatch(r"(.*)_[0-9]+", name) for name in header)  # fastexcel renames a second NAME NAME_1
    if any(match is not None and match.group(1) in header for match in repeated):
        return None
    text = (pa.string(), pa.large_string())
    kept, numbers = [], []
    for part in parts:
        batch = part.batch
        # Each part's rows run from the row after its header (a whole sheet's header is on header_at).
        below = np.arange(batch.num_rows, dtype=np.int64) + (part.header_row or header_at or 0) + 1
        if batch.schema.names[:width] != header or any(part.generated[:width]):
            raise _PartsDisagree(header)
        if any(str(column.type) not in _PLAIN_TYPES for column in batch.columns):
            return None
        empty = [
            pc.or_kleene(column.is_null(), pc.equal(column, "")) if column.type in text else column.is_null()
            for column in batch.columns
        ]
        if not all(pc.all(cells).as_py() for cells in empty[width:]):
            return None  # cells right of the header: rejects of their rows, which the reference reader writes
        blank = functools.reduce(pc.and_kleene, empty) if empty else None
        if blank is not None and pc.any(blank).as_py():  # blank rows are not rows
            below = below[~blank.to_numpy(zero_copy_only=False)]
            batch = batch.filter(pc.invert(blank))
        numbers.append(below)
        kept.append(batch.select(list(range(width))).replace_schema_metadata(None))
    if len(parts) == 1:
        return header, kept[0], parts[0].batch.num_rows, numbers[0]
    # Each part's rows run from the row after its header to its last row with a value.
    total = max(part.header_row + part.batch.num_rows for part in parts) - parts[0].header_row
    return header, _concatenated(kept), total, np.concatenate(numbers)


def _concatenated(batches: list[Any]) -> Any:
    """Record batches as one table, a column without a value in one batch typed as the others type it."""
    pa = require("pyarrow")
    fields = []
    for k, field in enumerate(batches[0].schema):
        types = {batch.schema.field(k).type for batch in batches} - {pa.null()}
        if len(types) > 1:
            raise _PartsDisagree(field.name)
        fields.append(field.with_type(types.pop() if types else pa.null()))
    schema = pa.schema(fields)
    same = [
        pa.RecordBatch.from_arrays(
            [
                column if column.type == field.type else pa.nulls(len(column), field.type)
                for column, field in zip(batch.columns, schema, strict=True)
            ],
            schema=schema,
        )
        for batch in batches
    ]
    return pa.Table.from_batches(same, schema=schema)  # not copied into one: a chunk is cut from it when read


def _quiet_fastexcel() -> None:
    """Keep fastexcel's notes about columns it types as text (an empty column) off standard error."""
    logger = logging.getLogger("fastexcel")
    if logger.level == logging.NOTSET:  # a level the application set is left alone
        logger.setLevel(logging.ERROR)


def _arrow_chunks(batch: Any, header: list[str], keep: list[int], chunk_size: int, numbers: Any) -> Iterator[RawChunk]:
    """Chunks of a sheet read by :func:`_arrow_sheet`, with the columns :func:`_column_chunk` would build.

    An empty cell of a text column is ``""``, as calamine gives it, and a column without a value is
    text of ``""``; the column rules read ``""`` and None alike.
    """
    pa = require("pyarrow")
    for start in range(0, batch.num_rows, chunk_size):
        part = batch.slice(start, chunk_size)
        columns: list[tuple[str | None, Any]] = []
        for k in keep:
            column = part.column(k)
            if isinstance(column, pa.ChunkedArray):  # a sheet read in parts is a table
                column = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
            if pa.types.is_null(column.type):
                column = pa.array([""] * part.num_rows, pa.string())
            elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                column = column.fill_null("")
            columns.append((header[k], column))
        rows = numbers[start : start + part.num_rows]
        yield RawChunk(
            columns,
            part.num_rows,
            int(rows[0]),
            tabular=True,
            records=_ArrowRows(part, header, keep),
            numbers=rows,
            workbook=True,
        )


class _ArrowRows(Sequence[Any]):
    """The rows of a chunk as the dicts :func:`_record_chunk` gives (``""`` for an empty cell), built when asked."""

    def __init__(self, part: Any, header: list[str], keep: list[int]) -> None:
        self._part, self._header, self._keep = part, header, keep

    def __len__(self) -> int:
        return int(self._part.num_rows)

    def __getitem__(self, position: Any) -> Any:
        if isinstance(position, slice):
            return [self[k] for k in range(*position.indices(len(self)))]
        record = {}
        for k in self._keep:
            value = self._part.column(k)[position].as_py()
            record[self._header[k]] = "" if value is None else value
        return record
