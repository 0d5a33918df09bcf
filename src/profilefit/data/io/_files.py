"""Reading result-like tables (CSV, JSON Lines, Parquet, Excel) as rows that name where they came from.

The audit and the shortlist read the results files ``profilefit score`` writes, and the
audit reads demographics files, all through :func:`read_table`: one header rule
(stripped, lower-cased), one way to skip blank lines, and locations (``line 7``,
``row 3``) that error messages name. Rows are read as they are asked for (Parquet a
batch at a time), so a file is never held whole; an error in a later row is raised when
that row is reached. CSV and JSON Lines need only the standard library;
Parquet needs pyarrow and Excel (``.xlsx``, the first sheet) python-calamine, each
imported only when such a file is read.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from profilefit._extras import missing_extra
from profilefit.core.rows import json_kind
from profilefit.data.io._tables import sniff_delimiter

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIXES = (".parquet", ".pq")
XLSX_SUFFIXES = (".xlsx",)

Rows = Iterator[tuple[str, dict[str, Any]]]
_PARQUET_BATCH_ROWS = 65_536


def read_table(
    path: str | Path, *, what: str, columns: tuple[str, ...] | None = None, error: type[ValueError] = ValueError
) -> tuple[list[str], Rows]:
    """The header and ``(location, row)`` pairs of a CSV, JSON Lines or Parquet file, by its suffix.

    Parameters
    ----------
    path : str or Path
    what : str
        What the file is (``"results"``, ``"demographics"``), for messages.
    columns : tuple of str, optional
        For Parquet, read only these columns (matched case-insensitively); default: all.
    error : type of ValueError, default=ValueError
        The exception to raise for a missing, unreadable or unknown file.

    Returns
    -------
    header : list of str
        Column names, stripped and lower-cased (for JSON Lines, the keys of the first record).
    rows : iterator of (str, dict)
        The location (``"line 7"``; ``"row 3"`` in Parquet) and the row keyed by the header.
        Blank CSV and JSON Lines lines are skipped.
    """
    path = Path(path)
    if not path.is_file():
        raise error(f"{what} file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return read_csv_table(path, error=error)
    if suffix in JSONL_SUFFIXES:
        return _jsonl_rows(path, error)
    if suffix in PARQUET_SUFFIXES:
        return _parquet_rows(path, columns, error)
    if suffix in XLSX_SUFFIXES:
        return _xlsx_rows(path, error)
    raise error(
        f"{path}: cannot tell the format of a {what} file from its suffix {suffix!r}; "
        "use .csv, .jsonl (JSON Lines), .parquet or .xlsx"
    )


def _csv_header(path: Path, error: type[ValueError]) -> tuple[list[str], str]:
    """The header of a CSV file as written (each name stripped), and its delimiter."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(64 * 1024)
            while "\n" not in sample and (more := handle.read(len(sample) or 1)):  # a header longer than the sample
                sample += more
    except UnicodeDecodeError as problem:
        raise _not_utf8(path, error) from problem
    delimiter = sniff_delimiter(sample)
    return [
        name.strip() for name in next(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), [])
    ], delimiter


def read_csv_header(path: Path, *, error: type[ValueError] = ValueError) -> list[str]:
    """The header of a CSV file as written (stripped, case kept), in the order of :func:`read_csv_table`'s.

    For messages that name a column as the user wrote it (``'Geslacht'``, not ``'geslacht'``).
    """
    return _csv_header(path, error)[0]


def read_csv_table(path: Path, *, error: type[ValueError] = ValueError) -> tuple[list[str], Rows]:
    """Header (lower-cased, stripped) and ``(location, row)`` pairs of a CSV file, whatever its suffix.

    Rows are read as they are asked for, so a results file of a million rows is never held whole.
    """
    written, delimiter = _csv_header(path, error)
    header = [name.lower() for name in written]

    def rows() -> Rows:
        # newline="": the csv module handles CRLF and line breaks inside quoted cells itself.
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            try:
                next(reader, None)  # the header, read above
                for cells in reader:
                    if any(cell.strip() for cell in cells):  # skip blank lines, as spreadsheets leave at the end
                        yield f"line {reader.line_num}", dict(zip(header, cells, strict=False))
            except UnicodeDecodeError as problem:
                raise _not_utf8(path, error) from problem

    return header, rows()


def _not_utf8(path: Path, error: type[ValueError]) -> ValueError:
    """The error for a file that is not UTF-8, with the offset of the first bad byte in the file."""
    # Text is decoded in blocks, so the decoder's offset is within a block: decode the file once more to find it.
    try:
        path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        return error(f"{path}: not UTF-8 text ({problem.reason} at byte {problem.start})")
    return error(f"{path}: not UTF-8 text")


def _jsonl_rows(path: Path, error: type[ValueError]) -> tuple[list[str], Rows]:
    """Keys of the first record and ``(location, record)`` pairs of a JSON Lines file, read as asked for."""

    def records() -> Rows:
        with path.open(encoding="utf-8-sig") as handle:
            try:
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as problem:
                        raise error(f"{path}, line {number}: not valid JSON ({problem.msg})") from problem
                    if not isinstance(record, dict):
                        raise error(f"{path}, line {number}: expected a JSON object {{...}}, got {json_kind(record)}")
                    yield f"line {number}", {str(key).lower(): value for key, value in record.items()}
            except UnicodeDecodeError as problem:
                raise _not_utf8(path, error) from problem

    rows = records()
    first = next(rows, None)
    header = list(first[1]) if first is not None else []
    return header, itertools.chain([first] if first is not None else [], rows)


def _parquet_rows(path: Path, columns: tuple[str, ...] | None, error: type[ValueError]) -> tuple[list[str], Rows]:
    """Column names and ``(location, row)`` pairs of the wanted columns of a Parquet file, a batch at a time."""
    try:
        import pyarrow.parquet as pq
    except ImportError as problem:
        raise error(f"{path}: {missing_extra('pyarrow', purpose='reading Parquet')}") from problem
    names = list(pq.read_schema(path).names)
    by_lower = {name.lower(): name for name in names}
    wanted = names if columns is None else [by_lower[column] for column in columns if column in by_lower]

    def records() -> Rows:
        index = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=_PARQUET_BATCH_ROWS, columns=wanted):
            for record in batch.to_pylist():
                index += 1
                yield f"row {index}", {str(key).lower(): value for key, value in record.items()}

    return [name.lower() for name in names], records()


def _xlsx_rows(path: Path, error: type[ValueError]) -> tuple[list[str], Rows]:
    """Header and ``(location, row)`` pairs of the first sheet of a workbook, with Excel's row numbers.

    Cells come typed as calamine reads them (numbers, booleans, text); an empty cell is ``""``.
    """
    try:
        import python_calamine as calamine
    except ImportError as problem:
        raise error(f"{path}: {missing_extra('python_calamine', purpose='reading Excel')}") from problem
    try:
        sheet = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        numbered = enumerate(sheet.iter_rows(), start=1)
        first = next(numbered, (1, []))[1]
    except (OSError, ValueError, calamine.CalamineError) as problem:
        raise error(f"{path}: cannot open as an Excel workbook ({problem})") from problem
    header = [str(cell).strip().lower() for cell in first]
    while header and header[-1] == "":
        header.pop()

    def rows() -> Rows:
        for number, cells in numbered:
            if any(cell not in ("", None) for cell in cells):
                yield f"row {number}", dict(zip(header, cells, strict=False))

    return header, rows()
