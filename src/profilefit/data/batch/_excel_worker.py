"""The program that parses one part of a big sheet in a process of its own (see ``_excel_parts``).

fastexcel holds the GIL while it parses, so a second core is used by a second process. This
file runs as ``python -P -c <this file's text>``: it imports only the standard library,
fastexcel and pyarrow, not profilefit (whose imports take about a second).

On standard input: a line of JSON (the sheet's name, the archive's members with their sizes, and
where the part's own rows lie in the sheet's XML), then the members' bytes in that order. On
standard output: first a line of JSON, the formulas without a value and the error cells among the
part's own rows (:func:`scan_cells`), then, when it found none, the sheet read by fastexcel as one
Arrow IPC stream, its schema's metadata naming which column names fastexcel generated. Exit status
3 when fastexcel refuses the sheet (a column of numbers and text); the message goes to standard
error.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import re
import struct
import sys
import threading
import zipfile
from typing import Any, BinaryIO

#: The exit status that says fastexcel refused the part (not that the worker failed).
REFUSED = 3
_BLOCK = 1 << 20

#: A cell that holds a formula and no saved value (``<c r="B7"><f>A7*2</f></c>``, or ``<v/>``).
UNCACHED_FORMULA = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]+)"[^>]*>\s*<f\b[^>]*?(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>'
)
#: An error cell (``<c r="C2" t="e"><f>B2/0</f><v>#DIV/0!</v></c>``): the file holds Excel's English
#: spelling whatever language Excel shows it in.
ERROR_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]+)"[^>]*?\bt="e"[^>]*>\s*(?:<f\b[^>]*?(?:/>|>[^<]*</f>)\s*)?<v>([^<]*)</v>'
)
#: How many ``f`` without a ``<`` before them are looked at one by one before ``<f`` is searched for as such.
_LONE_F = 64


def scan_cells(
    data: bytes,
    start: int = 0,
    end: int | None = None,
    found: dict[int, set[str]] | None = None,
    errors: dict[int, dict[str, str]] | None = None,
) -> tuple[dict[int, set[str]], dict[int, dict[str, str]]]:
    """Formulas without a saved value and error cells in ``data[start:end]`` (a sheet's XML), by Excel row.

    ``found`` (column letters per row) and ``errors`` (column letters to the error, per row) are
    added to, and returned. A match never crosses a ``</row>`` (it lies within one cell's
    element), so a sheet's XML cut after ``</row>`` is scanned in parts to the same cells.
    """
    found = {} if found is None else found
    errors = {} if errors is None else errors
    end = len(data) if end is None else end
    if _holds_formula(data, start, end):
        for match in UNCACHED_FORMULA.finditer(data, start, end):
            found.setdefault(int(match.group(2)), set()).add(match.group(1).decode("ascii"))
    if data.find(b't="e"', start, end) >= 0:
        for match in ERROR_CELL.finditer(data, start, end):
            value = match.group(3).decode("utf-8", errors="replace")
            errors.setdefault(int(match.group(2)), {})[match.group(1).decode("ascii")] = value
    return found, errors


def _holds_formula(data: bytes, start: int, end: int) -> bool:
    """Whether ``<f`` is in ``data[start:end]``: the same as ``data.find(b"<f", start, end) >= 0``, faster.

    A sheet's XML holds a ``<`` every few bytes and seldom an ``f``, and a search for one byte
    runs at memory speed (memchr): so the ``f`` are looked for, and ``<f`` as such only when
    there are many.
    """
    at = data.find(b"f", start, end)
    for _ in range(_LONE_F):
        if at < 0:
            return False
        if at > start and data[at - 1] == 0x3C:  # "<"
            return True
        at = data.find(b"f", at + 1, end)
    return at >= 0 and data.find(b"<f", max(at - 1, start), end) >= 0


def cells_report(found: dict[int, set[str]], errors: dict[int, dict[str, str]]) -> bytes:
    """What :func:`scan_cells` found, as the worker's first line of output."""
    formulas = {str(row): sorted(letters) for row, letters in found.items()}
    failed = {str(row): cells for row, cells in errors.items()}
    return json.dumps({"formulas": formulas, "errors": failed}).encode("utf-8") + b"\n"


def build_workbook(source: BinaryIO) -> tuple[str, bytes, tuple[int, int]]:
    """The sheet's name, the workbook (an xlsx archive, members stored) that ``source`` describes, and the rows to scan.

    The rows to scan are given as where they start and end in the workbook's bytes.
    """
    about = json.loads(source.readline())
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as workbook:
        for name, size in about["members"]:
            with workbook.open(name, "w", force_zip64=size > 1 << 30) as member:
                while size:
                    block = source.read(min(size, _BLOCK))
                    if not block:
                        raise EOFError(f"the input ended inside {name}")
                    member.write(block)
                    size -= len(block)
    data = archive.getvalue()
    sheet_member = zipfile.ZipFile(io.BytesIO(data)).getinfo(about["members"][-1][0])
    offset = sheet_member.header_offset
    name_size, extra_size = struct.unpack("<HH", data[offset + 26 : offset + 30])
    start = offset + 30 + name_size + extra_size  # the sheet's XML, stored as it is
    first, last = about.get("scan", (0, 0))
    return about["sheet"], data, (start + first, start + last)


def read_part(workbook: bytes | str, sheet: str) -> Any:
    """The sheet as fastexcel reads it (from the workbook's bytes or path), the names it generated in the metadata."""
    import fastexcel

    loaded = fastexcel.read_excel(workbook).load_sheet(
        sheet, header_row=0, schema_sample_rows=None, dtype_coercion="strict"
    )
    generated = [column.column_name_from == "generated" for column in loaded.available_columns()]
    batch = loaded.to_arrow()
    return batch.replace_schema_metadata({"profilefit.generated": json.dumps(generated)})


def main() -> int:
    # pyarrow (about 0.3 s to import) is imported while the part is read: reading releases the GIL.
    importing = threading.Thread(target=importlib.import_module, args=("pyarrow.ipc",))
    importing.start()
    logging.getLogger("fastexcel").setLevel(logging.ERROR)  # its notes about columns typed as text
    about = sys.stdin.buffer.peek(1) if hasattr(sys.stdin.buffer, "peek") else b"?"
    if not about:  # the parent did not split the sheet after all
        return 0
    sheet, workbook, (first, last) = build_workbook(sys.stdin.buffer)
    found, errors = scan_cells(workbook, first, last)
    sys.stdout.buffer.write(cells_report(found, errors))
    sys.stdout.buffer.flush()
    if found or errors:  # the sheet goes to the row reader: no part of it is parsed into columns
        return 0
    importing.join()
    import pyarrow as pa

    try:
        batch = read_part(workbook, sheet)
    except Exception as error:  # fastexcel's refusal of a mixed column, an unreadable cell
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return REFUSED
    with pa.ipc.new_stream(sys.stdout.buffer, batch.schema) as stream:
        stream.write_batch(batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
