"""The program that parses one part of a big sheet in a process of its own (see ``_excel_parts``).

fastexcel holds the GIL while it parses, so a second core is used by a second process. This
file runs as ``python -P -c <this file's text>``: it imports only the standard library,
fastexcel and pyarrow, not profilefit (whose imports take about a second).

On standard input: a line of JSON (the sheet's name and the archive's members with their sizes),
then the members' bytes in that order. On standard output: the sheet read by fastexcel as one
Arrow IPC stream, its schema's metadata naming which column names fastexcel generated. Exit
status 3 when fastexcel refuses the sheet (a column of numbers and text); the message goes to
standard error.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import sys
import threading
import zipfile
from typing import Any, BinaryIO

#: The exit status that says fastexcel refused the part (not that the worker failed).
REFUSED = 3
_BLOCK = 1 << 20


def build_workbook(source: BinaryIO) -> tuple[str, bytes]:
    """The sheet's name and the workbook (an xlsx archive, members stored) that ``source`` describes."""
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
    return about["sheet"], archive.getvalue()


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
    sheet, workbook = build_workbook(sys.stdin.buffer)
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
