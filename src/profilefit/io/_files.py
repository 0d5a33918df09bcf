"""Reading result-like tables (CSV, JSON Lines, Parquet) as rows that name where they came from.

The audit and the shortlist read the results files ``profilefit score`` writes, and the
audit reads demographics files, all through :func:`read_table`: one header rule
(stripped, lower-cased), one way to skip blank lines, and locations (``line 7``,
``row 3``) that error messages name. CSV and JSON Lines need only the standard library;
Parquet needs pyarrow, imported only when a Parquet file is read.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from profilefit.io._tables import sniff_delimiter

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIXES = (".parquet", ".pq")

Rows = Iterator[tuple[str, dict[str, Any]]]


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
    raise error(
        f"{path}: cannot tell the format of a {what} file from its suffix {suffix!r}; "
        "use .csv, .jsonl (JSON Lines) or .parquet"
    )


def read_csv_table(path: Path, *, error: type[ValueError] = ValueError) -> tuple[list[str], Rows]:
    """Header (lower-cased, stripped) and ``(location, row)`` pairs of a CSV file, whatever its suffix."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as problem:
        raise error(f"{path}: not UTF-8 text ({problem.reason} at byte {problem.start})") from problem
    # newline="" semantics: the csv module handles CRLF and line breaks inside quoted cells itself.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    header = [name.strip().lower() for name in next(reader, [])]

    def rows() -> Rows:
        for cells in reader:
            if any(cell.strip() for cell in cells):  # skip blank lines, as spreadsheets leave at the end
                yield f"line {reader.line_num}", dict(zip(header, cells, strict=False))

    return header, rows()


def _jsonl_rows(path: Path, error: type[ValueError]) -> tuple[list[str], Rows]:
    """Keys of the first record and ``(location, record)`` pairs of a JSON Lines file."""
    records: list[tuple[str, dict[str, Any]]] = []
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as problem:
                raise error(f"{path}, line {number}: not valid JSON ({problem.msg})") from problem
            if not isinstance(record, dict):
                raise error(f"{path}, line {number}: expected a JSON object, got {type(record).__name__}")
            records.append((f"line {number}", {str(key).lower(): value for key, value in record.items()}))
    header = list(records[0][1]) if records else []
    return header, iter(records)


def _parquet_rows(path: Path, columns: tuple[str, ...] | None, error: type[ValueError]) -> tuple[list[str], Rows]:
    """Column names and ``(location, row)`` pairs of the wanted columns of a Parquet file."""
    try:
        import pyarrow.parquet as pq
    except ImportError as problem:
        message = f"{path}: reading Parquet needs pyarrow; install it with: pip install 'profilefit[io]'"
        raise error(message) from problem
    names = list(pq.read_schema(path).names)
    by_lower = {name.lower(): name for name in names}
    wanted = names if columns is None else [by_lower[column] for column in columns if column in by_lower]
    table = pq.read_table(path, columns=wanted)
    records = (
        (f"row {index + 1}", {str(key).lower(): value for key, value in record.items()})
        for index, record in enumerate(table.to_pylist())
    )
    return [name.lower() for name in names], records
