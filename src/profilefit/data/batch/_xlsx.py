r"""Writing results and rejects as an Excel workbook (``.xlsx``), a chunk at a time, a column at a time.

One sheet, a bold header row that stays in view (frozen), column widths set from each
column's heading and kind, and typed cells: numbers as numbers, ``needs_review`` as
TRUE/FALSE, text as text. Text is neutralised as in CSV (an apostrophe before a cell that
would start a formula), and characters XML cannot hold are written as ``\xNN``.

The sheet's XML is built from whole columns with pyarrow (each cell's markup joined column
by column, then the columns row by row, in C++), and streamed into the zip archive with a
low deflate level, so memory does not grow with the rows and no Python object is made per
cell. A text a chunk repeats (a profile, a band, the model id) is written once, in the
workbook's shared strings, as Excel itself stores it; other text (ids) is written in the cell.
Writing cell by cell with openpyxl took about 24 times as long as CSV (docs/performance.md).
"""

from __future__ import annotations

import contextlib
import math
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from profilefit.data.batch._deps import require
from profilefit.data.io import FORMULA_START, neutralise

#: Rows an Excel sheet holds, the header included.
MAX_SHEET_ROWS = 1_048_576

#: Characters XML 1.0 (and so a workbook) cannot hold.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NOT_IN_XML_RE2 = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
#: What :func:`neutralise` prefixes, as an RE2 pattern: a formula character, or an apostrophe before one or another.
_STARTS = "".join(re.escape(start) for start in FORMULA_START)
_FORMULA_START_RE2 = f"^([{_STARTS}]|'[{_STARTS}'])"
#: A chunk's text column is written as shared strings when it holds at most this share of distinct values.
_SHARED_SHARE = 8
#: Deflate level of the sheet: 1 is about three times as fast as zlib's default and a third larger.
_DEFLATE_LEVEL = 1

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_PACKAGE_RELS}">'
    f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_PACKAGE_RELS}">'
    f'<Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_RELS}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId3" Type="{_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
#: Two cell formats: 0 the default, 1 bold (the header).
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def xlsx_text(text: str) -> str:
    r"""A text cell for a workbook: neutralised, and characters XML cannot hold written as ``\xNN``.

    Examples
    --------
    >>> xlsx_text("=1+1"), xlsx_text("a\x00b")
    ("'=1+1", 'a\\x00b')
    """
    return neutralise(_xml_safe(text))


def _xml_safe(text: str) -> str:
    r"""The text with each character XML cannot hold written as ``\xNN``."""
    return _NOT_IN_XML.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def _markup(text: str) -> str:
    """Text as XML character data; a carriage return as a reference, since XML reads a bare one as a line feed."""
    return escape(text, {"\r": "&#13;"})


def _width(name: str, kind: str) -> float:
    """A column width in characters: wide enough for the heading, and for an id or a flag list."""
    wide = {"candidate_id": 24, "validity_flags": 28, "reason": 60, "value": 24, "field": 20, "model_id": 28}
    return float(max(len(name) + 2, wide.get(name, 12 if kind == "number" else 16)))


def _letters(index: int) -> str:
    """Excel's column letters of a 0-based column index (0 is ``A``, 26 is ``AA``)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _inline(text: str) -> str:
    """The markup of a cell holding ``text`` (already made safe) in the cell itself, after its reference."""
    return f' t="inlineStr"><is><t xml:space="preserve">{_markup(text)}</t></is></c>'


class XlsxSheet:
    """An Excel workbook with one sheet, written chunk by chunk to ``path`` and finished by :meth:`close`.

    Parameters
    ----------
    path : Path
        The (temporary) file to write.
    columns : sequence of str
        The header.
    kinds : sequence of str
        Each column's kind: ``"number"``, ``"bool"``, ``"text"`` (neutralised here) or ``"safe"``
        (text the caller neutralised, or a number).
    title : str
        The sheet's name (``results`` or ``rejects``).
    """

    def __init__(self, path: Path, columns: Sequence[str], kinds: Sequence[str], *, title: str) -> None:
        self.path = path
        self.kinds = tuple(kinds)
        self.rows = 0
        self._title = title
        self._letters = [_letters(k) for k in range(len(self.kinds))]
        self._shared: dict[str, int] = {}
        self._shared_cells = 0
        self._archive: zipfile.ZipFile | None = zipfile.ZipFile(
            path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=_DEFLATE_LEVEL
        )
        self._stream: IO[bytes] | None = None
        for member, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", self._workbook_xml()),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            ("xl/styles.xml", _STYLES),
        ):
            self._archive.writestr(member, text)
        self._stream = self._archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        widths = "".join(
            f'<col min="{k}" max="{k}" width="{_width(name, kind)}" customWidth="1"/>'
            for k, (name, kind) in enumerate(zip(columns, self.kinds, strict=True), start=1)
        )
        header = "".join(
            f'<c r="{letters}1" s="1"{_inline(xlsx_text(name))}'
            for letters, name in zip(self._letters, columns, strict=True)
        )
        self._stream.write(
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<worksheet xmlns="{_MAIN}" xmlns:r="{_RELS}">'
                '<sheetViews><sheetView workbookViewId="0">'  # the header stays in view while scrolling
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                f'<sheetFormatPr defaultRowHeight="15"/><cols>{widths}</cols><sheetData><row r="1">{header}</row>'
            ).encode()
        )

    def _workbook_xml(self) -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><bookViews><workbookView/></bookViews>'
            f'<sheets><sheet name={quoteattr(self._title)} sheetId="1" r:id="rId1"/></sheets></workbook>'
        )

    def append_columns(self, columns: Sequence[Any]) -> None:
        """Append rows given column by column (equal lengths), each cell written as its column's kind.

        Parameters
        ----------
        columns : sequence of pyarrow arrays or lists
            A pyarrow array is written a column at a time; a list (the rejects) a cell at a time.

        Raises
        ------
        OverflowError
            When the rows would pass the sheet's limit of 1,048,576 rows.
        """
        pa, pc = require("pyarrow"), require("pyarrow.compute")
        count = len(columns[0]) if columns else 0
        if self.rows + 1 + count > MAX_SHEET_ROWS:
            raise OverflowError(
                f"an Excel sheet holds {MAX_SHEET_ROWS - 1:,} rows below its header; "
                "write more as .csv, .jsonl or .parquet"
            )
        if not count:
            return
        numbers = pa.array(np.arange(self.rows + 2, self.rows + 2 + count)).cast(pa.string())
        parts = [pc.binary_join_element_wise('<row r="', numbers, '">', "")]
        for letters, values, kind in zip(self._letters, columns, self.kinds, strict=True):
            if isinstance(values, list):
                cells = pa.array(self._listed_cells(values, kind), pa.string())
            else:
                cells = self._arrow_cells(values, kind)
            parts.append(pc.binary_join_element_wise(f'<c r="{letters}', numbers, cells, "").fill_null(""))
        rows = pc.binary_join_element_wise(*parts, "</row>", "")
        _, offsets, data = rows.buffers()
        ends = np.frombuffer(offsets, dtype=np.int32, count=len(rows) + 1, offset=rows.offset * 4)
        assert self._stream is not None
        self._stream.write(memoryview(data)[int(ends[0]) : int(ends[-1])])
        self.rows += count

    def _arrow_cells(self, column: Any, kind: str) -> Any:
        """The markup after each cell's reference (``None`` for an empty cell), from a pyarrow array."""
        pa, pc = require("pyarrow"), require("pyarrow.compute")
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        if pa.types.is_boolean(column.type):
            return pc.if_else(column, '" t="b"><v>1</v></c>', '" t="b"><v>0</v></c>')
        if pa.types.is_floating(column.type) or pa.types.is_integer(column.type):
            # Shortest text that reads back as the same number. NaN and infinities are not numbers a
            # sheet can hold: an empty cell, as in CSV.
            if pa.types.is_floating(column.type):
                column = pc.if_else(pc.is_finite(column), column, pa.scalar(None, column.type))
            return pc.binary_join_element_wise('"><v>', column.cast(pa.string()), "</v></c>", "")
        if not pa.types.is_string(column.type):  # an empty column, or another type (not in results)
            if pa.types.is_null(column.type):
                return column.cast(pa.string())
            return pa.array(self._listed_cells(column.to_pylist(), kind), pa.string())
        if pc.any(pc.match_substring_regex(column, _NOT_IN_XML_RE2)).as_py():  # rare: cell by cell
            return pa.array(self._listed_cells(column.to_pylist(), kind), pa.string())
        if kind == "text":
            column = pc.replace_substring_regex(column, _FORMULA_START_RE2, r"'\1")
        empty = pc.equal(column, "")
        column = pc.if_else(empty, pa.scalar(None, pa.string()), column)  # an empty text is an empty cell
        coded = pc.dictionary_encode(column)
        distinct = coded.dictionary.to_pylist()
        if len(distinct) * _SHARED_SHARE <= len(column):
            index = np.array([self._shared_index(text) for text in distinct] or [0], dtype=np.int64)
            self._shared_cells += len(column) - column.null_count
            shared = pa.array(index).take(coded.indices).cast(pa.string())
            return pc.binary_join_element_wise('" t="s"><v>', shared, "</v></c>", "")
        for char, reference in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
            if pc.any(pc.match_substring(column, char)).as_py():
                column = pc.replace_substring(column, char, reference)
        return pc.binary_join_element_wise('" t="inlineStr"><is><t xml:space="preserve">', column, "</t></is></c>", "")

    def _shared_index(self, text: str) -> int:
        index = self._shared.get(text)
        if index is None:
            index = self._shared[text] = len(self._shared)
        return index

    def _listed_cells(self, values: list[Any], kind: str) -> list[str | None]:
        """The markup after each cell's reference (``None`` for an empty cell), a cell at a time."""
        cells: list[str | None] = []
        for value in values:
            if value is None or (isinstance(value, float) and not math.isfinite(value)):
                cells.append(None)
            elif isinstance(value, bool):
                cells.append(f'" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float) and kind != "text":
                cells.append(f'"><v>{value!r}</v></c>')
            else:
                text = str(value)
                text = xlsx_text(text) if kind == "text" else _xml_safe(text)
                cells.append(None if text == "" else '"' + _inline(text))
        return cells

    def close(self) -> None:
        """End the sheet and write the workbook's remaining parts to :attr:`path`."""
        if self._stream is None or self._archive is None:
            return
        self._stream.write(b"</sheetData></worksheet>")
        self._stream.close()
        self._stream = None
        strings = "".join(f'<si><t xml:space="preserve">{_markup(text)}</t></si>' for text in self._shared)
        self._archive.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<sst xmlns="{_MAIN}" count="{self._shared_cells}" uniqueCount="{len(self._shared)}">{strings}</sst>',
        )
        archive, self._archive = self._archive, None
        archive.close()

    def discard(self) -> None:
        """Stop without finishing the workbook (the caller deletes the file). Safe at any time, more than once."""
        stream, archive, self._stream, self._archive = self._stream, self._archive, None, None
        for handle in (stream, archive):
            if handle is not None:
                with contextlib.suppress(Exception):
                    handle.close()
