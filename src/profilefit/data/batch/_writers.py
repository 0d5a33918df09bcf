"""Writing results and rejects as CSV, JSON Lines, Parquet or Excel, a chunk at a time.

Files are written under a temporary name next to the target and renamed when
complete, so a run that stops half way never leaves a file that looks finished.

In CSV and Excel, a text cell that a spreadsheet would run as a formula (it starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe
(:func:`profilefit.data.io.neutralise`). Only text cells are changed: numbers profilefit writes
are never prefixed. JSON Lines and Parquet keep text exactly as it was. A CSV is laid out
in a :mod:`dialect <profilefit.data.batch._dialects>` (``standard`` or ``excel-nordic``).
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import re
import secrets
import signal
import stat
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from profilefit.data.batch._deps import require
from profilefit.data.batch._dialects import CsvDialect, csv_dialect, decimal_text, decimals
from profilefit.data.batch._validate import REJECT_COLUMNS
from profilefit.data.batch._xlsx import XlsxSheet
from profilefit.data.io import FORMULA_START, neutralise
from profilefit.exceptions import OutputError

#: Output formats by file suffix.
OUTPUT_FORMATS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
}

#: What :func:`profilefit.data.io.neutralise` prefixes, as a pattern for its vectorized form: a formula
#: character, or an apostrophe followed by one or by another apostrophe.
_STARTS = "".join(re.escape(start) for start in FORMULA_START)
_FORMULA_START_RE2 = f"^([{_STARTS}]|'[{_STARTS}'])"


def output_format(path: str | Path) -> str:
    """The format of an output file from its suffix: ``csv``, ``jsonl``, ``parquet`` or ``xlsx``.

    Raises
    ------
    ValueError
        For any other suffix.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise ValueError(
            f"{path}: cannot write {suffix or 'files without a suffix'!r}; use {', '.join(OUTPUT_FORMATS)}"
        )
    return OUTPUT_FORMATS[suffix]


def neutralise_table(table: Any, columns: Iterable[str] | None = None) -> Any:
    """The same table with :func:`neutralise` applied to text columns (vectorized).

    Parameters
    ----------
    table : pyarrow.Table
    columns : iterable of str, optional
        The columns that can hold text from the input; default: every text column.
    """
    pa, pc = require("pyarrow"), require("pyarrow.compute")
    chosen = set(table.column_names if columns is None else columns)
    arrays, changed = [], False
    for name, column in zip(table.column_names, table.columns, strict=True):
        # A column is rewritten only when one of its cells needs it: finding none is about half the cost
        # of rewriting every cell, and results rarely hold a cell to neutralise.
        if (
            name in chosen
            and pa.types.is_string(column.type)
            and pc.any(pc.match_substring_regex(column, _FORMULA_START_RE2)).as_py()
        ):
            column, changed = pc.replace_substring_regex(column, _FORMULA_START_RE2, r"'\1"), True
        arrays.append(column)
    return pa.Table.from_arrays(arrays, schema=table.schema) if changed else table


def _format_few_values(table: Any, names: frozenset[str]) -> Any:
    """Format the chosen number columns as text by formatting each distinct value once."""
    if not names:
        return table
    pa, pc = require("pyarrow"), require("pyarrow.compute")
    arrays = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if name in names and pa.types.is_floating(column.type):
            distinct = pc.unique(column)
            column = distinct.cast(pa.string()).take(pc.index_in(column, value_set=distinct))
        arrays.append(column)
    return pa.Table.from_arrays(arrays, names=table.column_names)


def _output_error(path: Path, error: OSError) -> OutputError:
    """The OS error of writing ``path``'s temporary file, told as a problem with ``path`` itself."""
    if isinstance(error, OutputError):
        return error
    reason = os.strerror(error.errno) if error.errno else (error.strerror or str(error) or type(error).__name__)
    problem = OutputError(error.errno or 0, f"cannot write {path}: {reason}")
    problem.filename = str(path)
    return problem


class _AtomicFile:
    """A file written under a temporary name (``NAME.partial``) and moved into place by :meth:`commit`.

    :meth:`discard` deletes the temporary file, and is safe to call at any time, more than once.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + ".partial")
        # A file it replaces may be kept from others' eyes (chmod 600: candidate data): the temporary file is so
        # from the start, not only once moved in (the writers open it again, which keeps its permissions).
        try:
            mode = stat.S_IMODE(os.stat(self.path).st_mode)
        except OSError:
            return
        with contextlib.suppress(OSError):
            os.close(os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
            os.chmod(self.partial, mode)

    def close_handles(self, *handles: Any) -> None:
        """Close the open ``handles`` (``None`` for those not in use); a failure names the file."""
        try:
            for handle in handles:
                if handle is not None:
                    handle.close()
        except OSError as error:
            raise _output_error(self.path, error) from error

    def commit(self) -> None:
        """Move the finished temporary file into place."""
        try:
            os.replace(self.partial, self.path)
        except OSError as error:
            raise _output_error(self.path, error) from error

    def discard(self, *handles: Any) -> None:
        """Close ``handles`` quietly and delete the temporary file."""
        for handle in handles:
            if handle is not None:
                with contextlib.suppress(Exception):
                    handle.close()
        with contextlib.suppress(OSError):
            self.partial.unlink(missing_ok=True)


#: The signals that ask a run to stop, held while files are moved into place (SIGHUP: not on Windows).
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def held_signals() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT), SIGTERM and SIGHUP while the block runs; deliver them when it ends.

    A stop request that arrives inside the block is recorded instead of raised, and handed to the
    handler that was in place (``KeyboardInterrupt``, a caller's handler, or the default action)
    once the block is over, so it cannot land between two steps that must happen together.
    Blocks nest: an inner block hands what it held to the outer one. Python runs signal handlers
    only in the main thread, so in any other thread no interrupt can land in the block and it just
    runs (a signal left to its default action, which ends the process, is then not held).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous: dict[int, Any] = {}

    def hold(signum: int, frame: Any) -> None:
        held.append(signum)

    try:
        for signum in _STOP_SIGNALS:
            handler = signal.getsignal(signum)
            if handler in (signal.SIG_IGN, None):  # ignored, or set outside Python: leave it alone
                continue
            previous[signum] = handler
            signal.signal(signum, hold)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(held):  # each signal once, in the order it came
            handler = previous[signum]
            if callable(handler):
                handler(signum, None)
            else:  # the default action (SIGTERM, SIGHUP: end the process), now that the block is over
                signal.raise_signal(signum)


def _aside(path: Path) -> Path:
    """A hidden, unused name beside ``path`` for its previous version while the new one moves in."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.previous")


def commit_together(first: TableWriter | RejectsWriter, second: TableWriter | RejectsWriter) -> None:
    """Finish two files and move both into place, or neither.

    Both are closed (flushed) before either is moved. Then, with stop signals held
    (:func:`held_signals`), each file already at a target path is moved aside to a hidden name in
    its folder, both new files are moved in, and the previous versions are deleted. If any step
    fails, or is interrupted, the new files are removed and the previous versions put back: the
    folder holds the complete new pair, or exactly what it held before. A stop request that came
    during the moves is delivered when they are over; if both new files are by then in place, the
    exception (``KeyboardInterrupt``, say) carries a note naming them.

    Raises
    ------
    OutputError
        If a file cannot be finished or moved; the message names it. If a previous version could not
        be put back either, a note on the error says where it is kept.
    """
    try:
        first.finish()
        second.finish()
    except BaseException:
        first.discard()
        second.discard()
        raise
    committed = False
    try:
        with held_signals():
            _move_in_together([first, second])
            committed = True
    except BaseException as error:
        if committed:  # a stop request held during the moves, delivered now that both files are in
            error.add_note(written_note(first.path, second.path))
        raise


def written_note(*paths: Path) -> str:
    """The note on an interrupt that came once ``paths`` were in place: they hold a finished run."""
    return f"{' and '.join(str(path) for path in paths)} had been written in full"


def _move_in_together(writers: list[TableWriter | RejectsWriter]) -> None:
    """Move finished files in, with previous versions aside until all are in; undo everything on failure."""
    kept: list[tuple[Path, Path]] = []  # (previous version's hidden name, target)
    moved_in: list[TableWriter | RejectsWriter] = []
    modes: dict[Path, int] = {}  # the permissions of a previous version, which the new file keeps
    try:
        for writer in writers:
            if os.path.lexists(writer.path):
                with contextlib.suppress(OSError):
                    modes[writer.path] = stat.S_IMODE(os.stat(writer.path).st_mode)
                aside = _aside(writer.path)
                try:
                    os.replace(writer.path, aside)
                except OSError as error:
                    raise _output_error(writer.path, error) from error
                kept.append((aside, writer.path))
        for writer in writers:
            writer.commit()
            moved_in.append(writer)
            if writer.path in modes:
                # A results file kept from others' eyes (chmod 600: it holds candidate data) stays so when replaced.
                with contextlib.suppress(OSError):
                    os.chmod(writer.path, modes[writer.path])
    except BaseException as error:
        for writer in moved_in:
            with contextlib.suppress(OSError):
                writer.path.unlink()
        for writer in writers:
            writer.discard()
        for aside, path in reversed(kept):
            try:
                os.replace(aside, path)
            except OSError as undo_error:
                error.add_note(f"the previous {path} could not be put back ({undo_error}); it is kept as {aside}")
        raise
    for aside, _ in kept:
        with contextlib.suppress(OSError):  # a leftover hidden copy does not undo the run
            aside.unlink()


def _kind(field_type: Any) -> str:
    """A column's kind in a workbook: ``number``, ``bool`` or ``text``."""
    pa = require("pyarrow")
    if pa.types.is_boolean(field_type):
        return "bool"
    if pa.types.is_integer(field_type) or pa.types.is_floating(field_type):
        return "number"
    return "text"


def _rounded(table: Any, dialect: CsvDialect) -> Any:
    """The float columns of ``table`` as text in the dialect's decimals (see :func:`~._dialects.decimals`)."""
    pa = require("pyarrow")
    arrays = [
        decimal_text(column, decimals(name), dialect.decimal) if pa.types.is_floating(column.type) else column
        for name, column in zip(table.column_names, table.columns, strict=True)
    ]
    return pa.Table.from_arrays(arrays, names=table.column_names)


def _csv_texts(column: Any) -> list[str]:
    """A column's cells as the csv module should write them: text as it is, ``true``/``false``, numbers in full."""
    pa, pc = require("pyarrow"), require("pyarrow.compute")
    if pa.types.is_boolean(column.type):
        column = pc.if_else(column, "true", "false")
    elif not pa.types.is_string(column.type):
        column = column.cast(pa.string())
    return column.fill_null("").to_pylist()


class TableWriter:
    """Writes pyarrow tables of one schema to a CSV, JSON Lines, Parquet or Excel file, chunk by chunk.

    Parameters
    ----------
    path : str or Path
        The file to write; its suffix picks the format (see :func:`output_format`).
    schema : pyarrow.Schema
    text_columns : iterable of str, optional
        Columns that can hold text from the input, neutralised in CSV (see :func:`neutralise`);
        default: every text column. The others hold only what profilefit wrote (profile ids, flags).
    few_values : iterable of str, optional
        Number columns with few distinct values (scale means, rounded fit scores): in CSV and JSON Lines each
        distinct value is formatted once. The text is the same; only the work is less.
    dialect : str or CsvDialect, optional
        The CSV layout (``"standard"``, the default, or ``"excel-nordic"``); only for CSV.
        Excel files always neutralise every text column, whatever ``text_columns`` says.
    """

    def __init__(
        self,
        path: str | Path,
        schema: Any,
        *,
        text_columns: Iterable[str] | None = None,
        few_values: Iterable[str] = (),
        dialect: str | CsvDialect | None = None,
    ) -> None:
        self.text_columns = None if text_columns is None else tuple(text_columns)
        self.few_values = frozenset(few_values)
        self.dialect = csv_dialect(dialect)
        self.format = output_format(path)
        self._file = _AtomicFile(path)
        self.schema = schema
        self.rows = 0
        self._writer: Any = None
        self._csv: Any = None
        self._sheet: XlsxSheet | None = None
        self._stream: IO[str] | None = None
        self._binary: IO[bytes] | None = None
        try:
            if self.format == "csv":
                self._open_csv()
            elif self.format == "xlsx":
                kinds = [_kind(field.type) for field in schema]
                self._sheet = XlsxSheet(self._file.partial, schema.names, kinds, title="results")
            elif self.format == "parquet":
                self._writer = require("pyarrow.parquet").ParquetWriter(str(self._file.partial), schema)
            else:
                self._binary = self._file.partial.open("wb")
        except OSError as error:
            self.discard()
            raise _output_error(self.path, error) from error

    def _open_csv(self) -> None:
        dialect = self.dialect
        if dialect == csv_dialect(None):  # the standard dialect: Arrow's writer, fastest
            pcsv = require("pyarrow.csv")
            options = pcsv.WriteOptions(include_header=True, quoting_style="needed")
            self._writer = pcsv.CSVWriter(str(self._file.partial), self.schema, write_options=options)
            return
        # Other dialects through the csv module: Arrow's writer takes another line end only from
        # pyarrow 22, and these files are for people, so at most the million rows a sheet holds.
        encoding = "utf-8-sig" if dialect.bom else "utf-8"
        self._stream = self._file.partial.open("w", encoding=encoding, newline="")
        self._csv = csv.writer(self._stream, delimiter=dialect.delimiter, lineterminator=dialect.eol)
        self._csv.writerow(self.schema.names)

    @property
    def path(self) -> Path:
        """The final path of the file."""
        return self._file.path

    def write(self, table: Any) -> None:
        """Append the rows of ``table`` (which must have this writer's schema)."""
        try:
            if self.format == "csv":
                table = neutralise_table(table, self.text_columns)
                if self._csv is not None:
                    table = _rounded(table, self.dialect) if self.dialect.rounded else table
                    self._csv.writerows(zip(*(_csv_texts(column) for column in table.columns), strict=True))
                else:
                    self._writer.write_table(_format_few_values(table, self.few_values))
            elif self.format == "xlsx":
                assert self._sheet is not None
                self._sheet.append_columns(table.columns)
            elif self.format == "parquet":
                self._writer.write_table(table)
            else:
                assert self._binary is not None
                lines = json_lines(table, few_values=self.few_values)
                _, offsets, data = lines.buffers()  # the lines end to end, as UTF-8: written without a copy
                ends = np.frombuffer(offsets, dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
                self._binary.write(memoryview(data)[int(ends[0]) : int(ends[-1])] if len(lines) else b"")
        except OverflowError as error:
            raise OutputError(0, f"cannot write {self.path}: {error}") from error
        except OSError as error:
            raise _output_error(self.path, error) from error
        self.rows += table.num_rows

    def finish(self) -> None:
        """Flush and close the temporary file, without moving it into place."""
        sheet, self._sheet = self._sheet, None
        try:
            if sheet is not None:
                sheet.close()
        except OSError as error:
            raise _output_error(self.path, error) from error
        self._file.close_handles(self._writer, self._stream, self._binary)
        self._writer = self._stream = self._csv = self._binary = None

    def commit(self) -> None:
        """Move the finished file into place (after :meth:`finish`)."""
        self._file.commit()

    def discard(self) -> None:
        """Stop writing and delete the temporary file."""
        if self._sheet is not None:
            self._sheet.discard()
        self._file.discard(self._writer, self._stream, self._binary)
        self._writer = self._stream = self._csv = self._sheet = self._binary = None

    def close(self, *, commit: bool = True) -> None:
        """Finish the file and move it into place, or (``commit=False``) delete it."""
        if not commit:
            self.discard()
            return
        try:
            self.finish()
        except BaseException:
            self.discard()
            raise
        self.commit()


#: JSON's escapes for the control characters (the rest of a string is written as it is, as UTF-8).
_CONTROL_ESCAPES = {chr(code): json.dumps(chr(code))[1:-1] for code in range(32)}
#: What a JSON string cannot hold as it is: a quote, a backslash or a control character.
_NEEDS_ESCAPE_RE2 = r'["\\\x00-\x1f]'
#: A string column is quoted through its distinct values when it holds at most this share of them.
_FEW_SHARE = 8


def _json_text(column: Any) -> Any:
    """Each cell of a string column as a JSON string literal (null stays null)."""
    pa, pc = require("pyarrow"), require("pyarrow.compute")
    coded = pc.dictionary_encode(column)
    if len(coded.dictionary) * _FEW_SHARE <= len(column):  # profiles, bands, flags: each text quoted once
        quoted = [json.dumps(text, ensure_ascii=False) for text in coded.dictionary.to_pylist()]
        return pa.array(quoted, pa.string()).take(coded.indices)
    text = column
    if pc.any(pc.match_substring_regex(text, _NEEDS_ESCAPE_RE2)).as_py():  # most ids need no escape
        text = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), '"', '\\"')
        if pc.any(pc.match_substring_regex(text, "[\\x00-\\x1f]")).as_py():  # rare: one pass per character present
            for char, escape in _CONTROL_ESCAPES.items():
                text = pc.replace_substring(text, char, escape)
    return pc.binary_join_element_wise('"', text, '"', "")


def _json_floats(column: Any) -> Any:
    """Each cell of a float column as JSON text: the shortest text that reads back as the same number, NaN as null."""
    pa, pc = require("pyarrow"), require("pyarrow.compute")
    # Arrow writes "51" for 51.0; ".0" is added so that the value reads back as a float, as json.dumps
    # writes it. Only whole numbers can lack a point, so only they are looked at.
    cells = column.cast(pa.string())
    whole = pc.equal(column, pc.floor(column)).fill_null(False)
    if pc.any(whole).as_py():
        fixed = pc.replace_substring_regex(cells.filter(whole), r"^(-?[0-9]+)$", r"\1.0")
        cells = pc.replace_with_mask(cells, whole, fixed)
    return pc.if_else(pc.is_finite(column), cells, pa.scalar(None, pa.string()))  # NaN and infinities are not JSON


def _json_cells(column: Any, *, few: bool = False) -> Any:
    """Each cell of a column as JSON text: strings quoted and escaped, numbers in full, NaN and null as null.

    ``few``: a float column with few distinct values (scale means), each formatted once.
    """
    pa, pc = require("pyarrow"), require("pyarrow.compute")
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        cells = _json_text(column)
    elif pa.types.is_boolean(kind):
        cells = pc.if_else(column, "true", "false")
    elif pa.types.is_floating(kind) and few:
        distinct = pc.unique(column)
        cells = _json_floats(distinct).take(pc.index_in(column, value_set=distinct))
    elif pa.types.is_floating(kind):
        cells = _json_floats(column)
    elif pa.types.is_integer(kind):
        cells = column.cast(pa.string())
    else:  # not in a results table; kept exact by the general encoder
        cells = pa.array([json.dumps(value, ensure_ascii=False) for value in column.to_pylist()], pa.string())
    return cells.fill_null("null")


def json_lines(table: Any, *, few_values: frozenset[str] = frozenset()) -> Any:
    """The rows of a table as JSON Lines (one string per row, each ending in a line break), built column-wise.

    The lines read back (``json.loads``) as ``json.dumps`` of each row would: same keys in the
    same order, same values, NaN as null. ``few_values`` names float columns with few distinct
    values, each formatted once (the text is the same).
    """
    pa, pc = require("pyarrow"), require("pyarrow.compute")
    parts: list[Any] = []
    for k, (name, column) in enumerate(zip(table.column_names, table.columns, strict=True)):
        parts.append(("{" if k == 0 else ",") + json.dumps(name, ensure_ascii=False) + ":")
        parts.append(_json_cells(column.combine_chunks(), few=name in few_values))
    if not parts:
        return pa.array(["{}\n"] * table.num_rows, pa.string())
    return pc.binary_join_element_wise(*parts, "}\n", "")


def json_value(value: Any) -> Any:
    """A reject value as JSON can hold it: NaN and infinities (not JSON) become their text."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


def _text_value(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def reject_schema() -> Any:
    """The pyarrow schema of a rejects table; ``value`` is text because a bad value can be of any type."""
    pa = require("pyarrow")
    return pa.schema(
        [
            ("row", pa.int64()),
            ("candidate_id", pa.string()),
            ("field", pa.string()),
            ("value", pa.string()),
            ("reason", pa.string()),
        ]
    )


def _reject_cell(name: str, value: Any, *, typed: bool) -> Any:
    """One reject cell for CSV (``typed=False``: text) or Excel (``typed=True``: a number stays a number).

    The row number, and a finite number profilefit parsed as the value, are written as they are: a
    spreadsheet reads ``-5.0`` as a number, never as a formula. Everything else is text, neutralised:
    a non-finite number is text (``-inf``), and as much a formula to a spreadsheet as ``=HYPERLINK(...)``.
    """
    number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if number and name in ("row", "value"):
        return value if typed else _text_value(value)
    text = _text_value(value)
    return None if text is None else neutralise(text)


class RejectsWriter:
    """Writes reject records (``row, candidate_id, field, value, reason``) as CSV, JSON Lines, Parquet or Excel.

    Parameters
    ----------
    path : str or Path
        The file to write; its suffix picks the format.
    dialect : str or CsvDialect, optional
        The CSV layout (delimiter, byte-order mark, line end); only for CSV.
    """

    def __init__(self, path: str | Path, *, dialect: str | CsvDialect | None = None) -> None:
        self.format = output_format(path)
        self.dialect = csv_dialect(dialect)
        self._file = _AtomicFile(path)
        self.records = 0
        self._parquet: Any = None
        self._stream: IO[str] | None = None
        self._csv: Any = None
        self._csv_quoted: Any = None
        self._sheet: XlsxSheet | None = None
        try:
            if self.format == "parquet":
                self._parquet = require("pyarrow.parquet").ParquetWriter(str(self._file.partial), reject_schema())
            elif self.format == "xlsx":
                kinds = ["number", "safe", "safe", "safe", "safe"]  # cells neutralised by _reject_cell
                self._sheet = XlsxSheet(self._file.partial, REJECT_COLUMNS, kinds, title="rejects")
            else:
                encoding = "utf-8-sig" if self.format == "csv" and self.dialect.bom else "utf-8"
                self._stream = self._file.partial.open("w", encoding=encoding, newline="")
                if self.format == "csv":
                    delimiter, eol = self.dialect.delimiter, self.dialect.eol
                    self._csv = csv.writer(self._stream, delimiter=delimiter, lineterminator=eol)
                    self._csv_quoted = csv.writer(
                        self._stream, delimiter=delimiter, lineterminator=eol, quoting=csv.QUOTE_ALL
                    )
                    self._csv.writerow(REJECT_COLUMNS)
        except OSError as error:
            self.discard()
            raise _output_error(self.path, error) from error

    @property
    def path(self) -> Path:
        """The final path of the file."""
        return self._file.path

    def write(self, records: list[dict[str, Any]]) -> None:
        """Append reject records."""
        if not records:
            return
        try:
            self._write(records)
        except OverflowError as error:
            raise OutputError(0, f"cannot write {self.path}: {error}") from error
        except OSError as error:
            raise _output_error(self.path, error) from error
        self.records += len(records)

    def _write(self, records: list[dict[str, Any]]) -> None:
        if self._parquet is not None:
            pa = require("pyarrow")
            columns = {name: [record.get(name) for record in records] for name in REJECT_COLUMNS}
            columns["value"] = [_text_value(value) for value in columns["value"]]
            self._parquet.write_table(pa.Table.from_pydict(columns, schema=reject_schema()))
        elif self._sheet is not None:
            cells = [[_reject_cell(name, r.get(name), typed=True) for r in records] for name in REJECT_COLUMNS]
            self._sheet.append_columns(cells)
        elif self._csv is not None:
            rows = [[_reject_cell(name, r.get(name), typed=False) for name in REJECT_COLUMNS] for r in records]
            for row in rows:
                if any(isinstance(cell, str) and "\r" in cell for cell in row):
                    # The csv module quotes a cell with a line break only when the line end holds that
                    # character; a lone CR in an LF file would end the row for every reader.
                    self._csv_quoted.writerow(row)
                else:
                    self._csv.writerow(row)
        else:
            assert self._stream is not None
            self._stream.writelines(
                json.dumps(
                    {name: json_value(record.get(name)) for name in REJECT_COLUMNS}, ensure_ascii=False, default=str
                )
                + "\n"
                for record in records
            )

    def finish(self) -> None:
        """Flush and close the temporary file, without moving it into place."""
        sheet, self._sheet = self._sheet, None
        try:
            if sheet is not None:
                sheet.close()
        except OSError as error:
            raise _output_error(self.path, error) from error
        self._file.close_handles(self._parquet, self._stream)
        self._parquet = self._stream = self._csv = None

    def commit(self) -> None:
        """Move the finished file into place (after :meth:`finish`)."""
        self._file.commit()

    def discard(self) -> None:
        """Stop writing and delete the temporary file."""
        if self._sheet is not None:
            self._sheet.discard()
        self._file.discard(self._parquet, self._stream)
        self._parquet = self._stream = self._csv = self._sheet = None

    def close(self, *, commit: bool = True) -> None:
        """Finish the file and move it into place, or (``commit=False``) delete it."""
        if not commit:
            self.discard()
            return
        try:
            self.finish()
        except BaseException:
            self.discard()
            raise
        self.commit()
