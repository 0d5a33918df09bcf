"""Writing results and rejects as an Excel workbook (``.xlsx``), a chunk at a time, with openpyxl.

One sheet, a bold header row that stays in view (frozen), column widths set from each
column's heading and kind, and typed cells: numbers as numbers, ``needs_review`` as
TRUE/FALSE, text as text. Text is neutralised as in CSV (an apostrophe before a cell that
would start a formula): openpyxl itself would write any string starting with ``=`` as a formula.
openpyxl's write-only mode streams rows to the file, so memory does not grow with the rows.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from profilefit.data.batch._deps import require
from profilefit.data.io import neutralise

#: Rows an Excel sheet holds, the header included.
MAX_SHEET_ROWS = 1_048_576

#: Characters XML 1.0 (and so a workbook) cannot hold; openpyxl refuses them.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


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


def _width(name: str, kind: str) -> float:
    """A column width in characters: wide enough for the heading, and for an id or a flag list."""
    wide = {"candidate_id": 24, "validity_flags": 28, "reason": 60, "value": 24, "field": 20, "model_id": 28}
    return float(max(len(name) + 2, wide.get(name, 12 if kind == "number" else 16)))


class XlsxSheet:
    """An Excel workbook with one sheet, written row by row to ``path`` and finished by :meth:`close`.

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
        openpyxl = require("openpyxl")
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self.path = path
        self.kinds = tuple(kinds)
        self.rows = 0
        self._workbook = openpyxl.Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(title)
        self._sheet.freeze_panes = "A2"  # the header stays in view while scrolling
        for k, (name, kind) in enumerate(zip(columns, self.kinds, strict=True), start=1):
            self._sheet.column_dimensions[get_column_letter(k)].width = _width(name, kind)
        bold = Font(bold=True)
        header = []
        for name in columns:
            cell = WriteOnlyCell(self._sheet, value=xlsx_text(name))
            cell.font = bold
            header.append(cell)
        self._sheet.append(header)

    def append_columns(self, columns: Sequence[list[Any]]) -> None:
        """Append rows given column by column (equal lengths), converting each cell to its kind.

        Raises
        ------
        OverflowError
            When the rows would pass the sheet's limit of 1,048,576 rows.
        """
        count = len(columns[0]) if columns else 0
        if self.rows + 1 + count > MAX_SHEET_ROWS:
            raise OverflowError(
                f"an Excel sheet holds {MAX_SHEET_ROWS - 1:,} rows below its header; "
                "write more as .csv, .jsonl or .parquet"
            )
        cells = [self._cells(values, kind) for values, kind in zip(columns, self.kinds, strict=True)]
        append = self._sheet.append
        for row in zip(*cells, strict=True):
            append(row)
        self.rows += count

    @staticmethod
    def _cells(values: list[Any], kind: str) -> list[Any]:
        if kind == "number":
            # NaN and infinities are not numbers a sheet can hold: an empty cell, as in CSV.
            return [
                None if value is None or (isinstance(value, float) and not math.isfinite(value)) else value
                for value in values
            ]
        if kind == "bool":
            return values
        if kind == "safe":  # neutralised by the caller; a number stays a number
            return [_xml_safe(value) if isinstance(value, str) else value for value in values]
        return [None if value is None else xlsx_text(str(value)) for value in values]

    def close(self) -> None:
        """Write the workbook to :attr:`path`."""
        self._workbook.save(str(self.path))

    def discard(self) -> None:
        """Stop without writing the workbook, and delete openpyxl's temporary file of the rows so far.

        Safe to call at any time, more than once. Without it the unfinished sheet would try to end
        its temporary file when garbage-collected, after that file was closed.
        """
        with contextlib.suppress(Exception):
            self._sheet.close()
        writer = getattr(self._sheet, "_writer", None)
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.cleanup()
