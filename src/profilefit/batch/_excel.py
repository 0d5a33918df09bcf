"""Reading the first sheet of an Excel workbook (``.xlsx``) in chunks, with calamine.

calamine (python-calamine, the engine pandas also offers) reads about twelve times as fast as
openpyxl; it holds the sheet in memory while it is read. Two traps of workbooks are caught here:
a formula stored without its result (a workbook written by a program that does not calculate)
would read as an empty answer, so its row is rejected naming the cell; and data on other sheets,
which is not read, gives a note.
"""

from __future__ import annotations

import itertools
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from profilefit.batch._deps import require
from profilefit.batch._fields import Header
from profilefit.batch._validate import RawChunk


def open_workbook(
    path: Path, name: str, check_header: Callable[[list[str]], Header]
) -> tuple[Callable[[int], Iterator[RawChunk]], int | None, list[str]]:
    """Open the first sheet of a workbook: its chunks (given a chunk size), its row count if known, and notes.

    Parameters
    ----------
    path : Path
    name : str
        The input as messages name it.
    check_header : callable
        Checks the header row (:func:`~profilefit.batch._fields.read_header`).

    Raises
    ------
    ValueError
        If the file cannot be opened as a workbook.
    """
    calamine = require("python_calamine")
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except (OSError, ValueError, calamine.CalamineError) as error:
        raise ValueError(f"{name}: cannot open as an Excel workbook ({error})") from error
    offset = sheet.start[1] if sheet.start else 0  # the column of the sheet's first used cell
    numbered = enumerate(sheet.iter_rows(), start=1)  # with Excel's row numbers
    header_row, cells = next(((row, values) for row, values in numbered if _filled(values)), (1, []))
    header = ["" if value is None else str(value) for value in cells]
    while header and header[-1] == "":  # Excel's used range often runs past the last named column
        header.pop()
    checked = check_header(header)
    notes = list(checked.notes)
    others = [
        sheet_name
        for sheet_name in workbook.sheet_names[1:]
        if any(map(_filled, workbook.get_sheet_by_name(sheet_name).iter_rows()))
    ]
    if others:
        notes.append(
            f"{name}: sheet(s) {', '.join(map(repr, others))} hold data that was not read; "
            f"only the first sheet ({sheet.name!r}) is scored"
        )
    formulas = _formulas_without_values(path, _first_sheet_member(path))
    total = sheet.end[0] + 1 - header_row if sheet.end else None

    def chunks(chunk_size: int) -> Iterator[RawChunk]:
        return _xlsx_chunks(numbered, checked.names, checked.keep, chunk_size, offset=offset, formulas=formulas)

    return chunks, total, notes


def _filled(values: Sequence[Any]) -> bool:
    """Whether a row of a sheet holds anything (calamine gives an empty cell as ``""``)."""
    return any(value is not None and value != "" for value in values)


def _first_sheet_member(path: Path) -> str | None:
    """The path, inside the xlsx archive, of the first sheet's XML (None when it cannot be told)."""
    try:
        with zipfile.ZipFile(path) as archive:
            sheet = ElementTree.fromstring(archive.read("xl/workbook.xml")).find("{*}sheets/{*}sheet")
            relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return None
    if sheet is None:
        return None
    wanted = next((value for key, value in sheet.attrib.items() if key.endswith("}id")), None)
    for relation in relations:
        if relation.get("Id") == wanted and (target := relation.get("Target")):
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


#: A cell that holds a formula and no saved value (``<c r="B7"><f>A7*2</f></c>``, or ``<v/>``).
_UNCACHED_FORMULA = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]+)"[^>]*>\s*<f\b[^>]*?(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>'
)
_XML_BLOCK = 1 << 22


def _formulas_without_values(path: Path, member: str | None) -> dict[int, list[str]]:
    """Cells (by Excel row: column letters) whose formula has no saved value, which reading would see as empty.

    A workbook written by a program that does not calculate (a script, some exporters) stores
    formulas without results; Excel stores both. The sheet's XML is scanned in blocks, and
    only when it holds a formula at all.
    """
    found: dict[int, set[str]] = {}
    if member is None:
        return {}
    with zipfile.ZipFile(path) as archive, archive.open(member) as stream:
        tail = b""
        while block := stream.read(_XML_BLOCK):
            data = tail + block
            if b"<f" in data:
                for match in _UNCACHED_FORMULA.finditer(data):
                    found.setdefault(int(match.group(2)), set()).add(match.group(1).decode("ascii"))
            tail = data[-4096:]  # a cell cut by the block boundary is found whole in the next round
    return {row: sorted(columns, key=lambda letters: (len(letters), letters)) for row, columns in found.items()}


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
) -> Iterator[RawChunk]:
    width, kept = len(header), set(keep)
    filled = ((excel, row) for excel, row in numbered if _filled(row))  # blank rows are not rows
    row_number = 1
    while block := list(itertools.islice(filled, chunk_size)):
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
                    "field": header[k] if k < width else "(extra cells)",
                    "value": None,
                    "reason": f"cell {letters}{excel} holds a formula without a saved value; open the workbook "
                    "in Excel and save it (or export values), so the answer can be read",
                }
                records.append(None)
                continue
            record: dict[Any, Any] = {header[k]: row[k] if k < len(row) else None for k in keep}
            extra = [value for value in row[width:] if value is not None and value != ""]
            if extra:  # cells right of the header, as csv.DictReader gives them
                record[None] = extra
            records.append(record)
        yield RawChunk.from_records(records, first_row=row_number, tabular=True, unreadable=unreadable)
        row_number += len(block)
