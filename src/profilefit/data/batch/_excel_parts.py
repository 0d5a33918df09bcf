"""A big sheet parsed on every core: its XML cut at row boundaries into small workbooks, one per core.

fastexcel (calamine) parses a sheet in one thread and holds the GIL while it does (two threads
took as long as one after the other: docs/performance.md), and the parse is most of the time of
Excel input. So a sheet whose XML is big is inflated once, cut after a ``</row>`` into as many
parts as there are cores, and each part becomes a small workbook (members stored, not
compressed): the same shared strings, styles and workbook, and a sheet whose ``sheetData``
holds the header row and that part's rows. This process parses the first part, and a process
of its own (``_excel_worker``, started before the sheet is inflated) each other part.

Each process also scans its own part's XML for formulas without a value and error cells (the
scan of the whole sheet, cut at the same rows), before it parses the part: a sheet with any goes
to the row reader, with what every part found.

The sheet's XML is inflated with zlib-ng when it is installed (``zlib-ng``, in the ``io`` extra:
about twice as fast as zlib; docs/performance.md), else with zlib.

The header row is given to every part with the row number of the last row of the part before,
so that each part's rows keep their place: the parts' rows, blank ones included, tile the
sheet's. Whatever cannot be cut so (no ``sheetData``, a row without its number, CDATA, a sheet
too small to give each part rows) is parsed whole, as before.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any

from profilefit.data.batch._deps import require
from profilefit.data.batch._excel_worker import REFUSED, read_part, scan_cells

#: Formulas without a value (column letters per Excel row) and error cells (column letters to the
#: error, per Excel row), as ``_excel._cells_without_answers`` gives them.
Cells = tuple[dict[int, list[str]], dict[int, dict[str, str]]]

#: A sheet's XML from this size (inflated) is parsed in parts: about 14,000 rows of the benchmark's
#: export. Below it a second process's start (about 0.4 s of CPU for Python and pyarrow) costs about
#: what it saves.
PARTS_FROM_BYTES = 32 << 20

_SHEET_DATA = re.compile(rb"<sheetData\b[^>]*>")
_ROW_TAG = re.compile(rb"<row\b[^>]*>")
_ROW_NUMBER = re.compile(rb'\sr="([0-9]+)"')
_CELL_TAG = re.compile(rb"<c\b[^>]*>")
_CELL_REFERENCE = re.compile(rb'(\sr="[A-Z]{1,3})[0-9]+"')
_DIMENSION = re.compile(rb"<dimension\b[^>]*/>")
_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
_EMPTY_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
)


def usable_cores() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def part_count(path: Path, member: str | None) -> int:
    """Into how many parts the sheet at ``member`` is cut: one (parsed whole) unless it is big and there are cores."""
    cores = usable_cores()
    if member is None or cores < 2 or getattr(sys, "frozen", False) or not sys.executable:
        return 1
    try:
        with zipfile.ZipFile(path) as archive:
            size = archive.getinfo(member).file_size
    except (KeyError, OSError, zipfile.BadZipFile):
        return 1
    return cores if size >= PARTS_FROM_BYTES else 1


class Workers:
    """Processes that parse a part each, started early so that their start overlaps the inflating of the sheet.

    Used as a context manager: leaving it ends any worker still running (one not given a part
    ends by itself when its input closes).
    """

    def __init__(self, count: int, *, program: str | None = None) -> None:
        if program is None:  # the worker's program; a test gives another
            program = resources.files(__package__).joinpath("_excel_worker.py").read_text(encoding="utf-8")
        self.processes: list[subprocess.Popen[bytes]] = []
        for _ in range(count):
            self.processes.append(
                subprocess.Popen(  # -P: nothing from the working folder shadows fastexcel or pyarrow
                    [sys.executable, "-P", "-c", program],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
            )

    def send(self, path: Path, member: str, sheet: str, xml: bytes, header_end: int) -> bool:
        """Cut the sheet, give each worker its part, and scan this process's part; False when it cannot be cut.

        Also False when a worker ended. ``xml`` is the sheet's XML, ``header_end`` where its
        header row ends in it.
        """
        cut = cut_sheet(xml, len(self.processes) + 1, header_end)
        if cut is None:
            return False
        with zipfile.ZipFile(path) as archive:
            others = [
                (info.filename, _EMPTY_SHEET if _WORKSHEET.fullmatch(info.filename) else archive.read(info))
                for info in archive.infolist()
                if info.filename != member and not info.is_dir()
            ]
        for process, (pieces, _) in zip(self.processes, cut[1:], strict=True):
            head, header, rows, _ = pieces  # the worker scans its part's rows, not the header given to it
            rows_at = len(head) + len(header)
            try:
                _send(process, sheet, others, member, pieces, (rows_at, rows_at + len(rows)))
            except OSError:  # the worker ended: the sheet is parsed whole
                return False
        own, header_row = cut[0]
        # Built now, so that the caller can let go of the sheet's XML while the parts are parsed.
        self._own = _OwnPart(_workbook(others, member, own), sheet, header_row)
        self._header_rows = [header_row for _, header_row in cut[1:]]
        # This process's part of the scan: the sheet up to the second part's rows, and after the last's.
        opening = _SHEET_DATA.search(xml)
        assert opening is not None  # cut_sheet found it
        self._own_cells = scan_cells(xml, 0, opening.end() + len(own[1]))
        self._tail_cells = scan_cells(xml, len(xml) - len(own[-1]))
        return True

    def read(self) -> tuple[Cells | None, list[SheetPart] | str | None]:
        """What the scan of every part found, and the parts in order (the first parsed here, the others by the workers).

        The scan's finds are None when a worker failed before it told them (the caller scans the
        sheet whole). When the scan found a formula without a value or an error cell, no part is
        parsed (None). Else the parts; ``"refused"`` when fastexcel refused a part (a column of
        numbers and text: it would refuse the whole sheet too); None when a worker failed (the
        caller parses the sheet whole).
        """
        pa = require("pyarrow")
        own = self._own
        found, errors = self._own_cells
        refused = False
        if not (found or errors or any(self._tail_cells)):
            try:
                batch = read_part(own.workbook, own.sheet)
            except Exception:  # fastexcel's refusal of a mixed column, an unreadable cell
                refused = True
        for process in self.processes:  # each worker tells its scan's finds first, then parses its part
            assert process.stdout is not None
            try:
                report = json.loads(process.stdout.readline())
                for row, letters in report["formulas"].items():
                    found.setdefault(int(row), set()).update(letters)
                for row, cells in report["errors"].items():
                    errors.setdefault(int(row), {}).update(cells)
            except (ValueError, KeyError, TypeError, AttributeError):  # it failed
                return None, None
        for row, letters in self._tail_cells[0].items():
            found.setdefault(row, set()).update(letters)
        for row, cells in self._tail_cells[1].items():
            errors.setdefault(row, {}).update(cells)
        formulas = {row: sorted(letters, key=lambda column: (len(column), column)) for row, letters in found.items()}
        if formulas or errors:
            return (formulas, errors), None
        if refused:
            return ({}, {}), "refused"
        parts = [SheetPart(batch, generated_names(batch), own.header_row)]
        for process, header_row in zip(self.processes, self._header_rows, strict=True):
            assert process.stdout is not None
            output = process.stdout.read()
            status = process.wait()
            if status == REFUSED:
                return ({}, {}), "refused"
            if status != 0:
                return ({}, {}), None
            try:
                table = pa.ipc.open_stream(output).read_all()
            except pa.ArrowInvalid:
                return ({}, {}), None
            batches = table.combine_chunks().to_batches()
            batch = batches[0] if batches else pa.RecordBatch.from_pylist([], schema=table.schema)
            parts.append(SheetPart(batch, generated_names(table), header_row))
        return ({}, {}), parts

    def __enter__(self) -> Workers:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        for process in self.processes:
            for stream in (process.stdin, process.stdout):
                if stream is not None and not stream.closed:
                    with contextlib.suppress(OSError):  # a worker that ended before reading its input
                        stream.close()
            if process.poll() is None:
                process.kill()
            process.wait()


@dataclass(frozen=True)
class SheetPart:
    """One part of a sheet as fastexcel read it: its Arrow batch, which names were generated, its header's row."""

    batch: Any
    generated: list[bool]
    header_row: int


def _fast_zlib() -> Any:
    """zlib-ng's zlib module when it is installed, else zlib."""
    try:
        from zlib_ng import zlib_ng
    except ImportError:
        return zlib
    return zlib_ng


#: The module that inflates a big sheet's XML: zlib-ng's inflates the benchmark's 242 MB in about
#: 0.2 s of CPU, zlib's in about 0.45 s (docs/performance.md).
INFLATE: Any = _fast_zlib()


def read_member(path: Path, member: str) -> bytes:
    """A member of the archive, inflated (by :data:`INFLATE` when it is deflated, and its size and CRC-32 agree)."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
        if info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 0x1:  # deflated, not encrypted
            with contextlib.suppress(OSError, ValueError, struct.error, INFLATE.error):
                inflated = _inflated(path, info)
                if inflated is not None:
                    return inflated
        return archive.read(member)  # zipfile's own reading, and its errors


def _inflated(path: Path, info: zipfile.ZipInfo) -> bytes | None:
    """The deflated member ``info`` inflated in one call, or None when it is not what the archive says it is."""
    with path.open("rb") as stream:
        stream.seek(info.header_offset)
        local = stream.read(30)  # the member's local header, then its name and extra field
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            return None
        name_size, extra_size = struct.unpack("<HH", local[26:30])
        stream.seek(info.header_offset + 30 + name_size + extra_size)
        deflated = stream.read(info.compress_size)
    inflated = INFLATE.decompress(deflated, -15, max(info.file_size, 1))
    if len(inflated) != info.file_size or INFLATE.crc32(inflated) != info.CRC:
        return None
    return inflated


def cut_sheet(xml: bytes, parts: int, header_end: int) -> list[tuple[list[bytes | memoryview], int]] | None:
    """A sheet's XML cut into ``parts`` sheets: for each, its XML in pieces and its header's row number.

    ``header_end`` is where the header row's ``</row>`` ends. None when the sheet cannot be cut
    so that every part has rows (or cannot be cut safely at all).
    """
    opening = _SHEET_DATA.search(xml)
    closing = xml.rfind(b"</sheetData>")
    if opening is None or not opening.end() <= header_end <= closing or b"<![CDATA[" in xml:
        return None
    header = xml[_row_start(xml, header_end) : header_end]
    header_row = _row_number(header)
    if header_row is None:
        return None
    cuts = [header_end]
    for k in range(1, parts):
        cut = xml.find(b"</row>", header_end + (closing - header_end) * k // parts)
        if cut < 0 or cut + 6 >= closing or cut + 6 <= cuts[-1]:
            return None
        cuts.append(cut + 6)
    cuts.append(closing)
    view = memoryview(xml)
    head = _DIMENSION.sub(b"", xml[: opening.end()])  # the used range of the whole sheet: not a part's
    tail = view[closing:]
    pieces: list[tuple[list[bytes | memoryview], int]] = [([head, view[opening.end() : cuts[1]], tail], header_row)]
    for k in range(1, parts):
        before = _row_number(xml[_row_start(xml, cuts[k]) : cuts[k]])
        if before is None:
            return None
        pieces.append(([head, _renumbered(header, before), view[cuts[k] : cuts[k + 1]], tail], before))
    return pieces


def _row_start(xml: bytes, end: int) -> int:
    """Where the row ending at ``end`` (after its ``</row>``) starts."""
    return xml.rfind(b"<row", 0, end)


def _row_number(row: bytes) -> int | None:
    tag = _ROW_TAG.match(row)
    number = _ROW_NUMBER.search(tag.group(0)) if tag else None
    return int(number.group(1)) if number else None


def _renumbered(row: bytes, number: int) -> bytes:
    """A row's XML moved to row ``number``: its own number and its cells' references (in the tags, not the text)."""
    digits = str(number).encode("ascii")
    row = _ROW_TAG.sub(lambda tag: _ROW_NUMBER.sub(b' r="' + digits + b'"', tag.group(0), count=1), row, count=1)
    return _CELL_TAG.sub(lambda tag: _CELL_REFERENCE.sub(rb"\g<1>" + digits + b'"', tag.group(0), count=1), row)


def _send(
    process: subprocess.Popen[bytes],
    sheet: str,
    others: list[tuple[str, bytes]],
    member: str,
    pieces: Sequence[bytes | memoryview],
    scan: tuple[int, int],
) -> None:
    members = [(name, len(content)) for name, content in others]
    members.append((member, sum(len(piece) for piece in pieces)))
    stream = process.stdin
    assert stream is not None
    stream.write(json.dumps({"sheet": sheet, "members": members, "scan": scan}).encode("utf-8") + b"\n")
    for _, content in others:
        stream.write(content)
    for piece in pieces:
        stream.write(piece)
    stream.close()


@dataclass(frozen=True)
class _OwnPart:
    """The part this process parses: its workbook, the sheet's name and its header's row."""

    workbook: bytes
    sheet: str
    header_row: int


def generated_names(batch: Any) -> list[bool]:
    """Which column names fastexcel generated (an empty header cell), as the worker program records them."""
    return [bool(flag) for flag in json.loads(batch.schema.metadata[b"profilefit.generated"])]


def _workbook(others: list[tuple[str, bytes]], member: str, pieces: Sequence[bytes | memoryview]) -> bytes:
    """A workbook (members stored) of the other members and the sheet at ``member`` from its pieces."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as workbook:
        for name, content in others:
            workbook.writestr(name, content)
        with workbook.open(member, "w", force_zip64=True) as stream:
            for piece in pieces:
                stream.write(piece)
    return archive.getvalue()
