"""Reading exports in chunks: CSV, JSON Lines, Parquet, Excel, data frames and iterables of dicts.

Every reader yields :class:`~profilefit.data.batch._validate.RawChunk` objects of ``chunk_size``
rows (see :func:`open_source`), so memory stays flat however long the file is. A table's
header is checked (:func:`~profilefit.data.batch._fields.read_header`) when the source is opened,
before any row is read, so a file-level problem stops the run before any output is written.
Standard input, gzip files and text that is not UTF-8 are first copied as UTF-8
(:mod:`profilefit.data.batch._transcode`); workbooks are read in :mod:`profilefit.data.batch._excel`.

CSV is read as spreadsheets in Oslo, Stockholm and Utrecht write it: comma, semicolon or
tab (sniffed from the header as :func:`profilefit.data.io.sniff_delimiter` does),
UTF-8 with or without a byte-order mark, CRLF, quoted fields with line breaks. The
fast reader is pyarrow's streaming CSV reader, with every column read as text; a row
with too few or too many cells stops it, and the rest of the file is then read with
Python's csv module, which gives such rows exactly as :func:`profilefit.data.io.read_rows` does.
A row the csv module cannot read (a cell over its field limit, bytes that are not UTF-8)
is a reject of that row.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import logging
import shutil
import sys
import tempfile
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from profilefit.core.instrument import Instrument
from profilefit.core.schema import NOT_A_MAPPING, AssessmentBase
from profilefit.data.batch._deps import require
from profilefit.data.batch._excel import open_workbook
from profilefit.data.batch._fields import ColumnNames, Header, looks_like_header, read_header
from profilefit.data.batch._jsonl import KeyReader, json_row_problem, jsonl_chunks
from profilefit.data.batch._transcode import spool_standard_input, utf8_copy
from profilefit.data.batch._validate import RawChunk
from profilefit.data.io import load_json_object, sniff_delimiter
from profilefit.exceptions import JsonRowError

#: Input formats by file suffix.
INPUT_FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
}
_log = logging.getLogger(__name__)

#: The path that means standard input.
STANDARD_INPUT = "-"
DEFAULT_CHUNK_SIZE = 25_000
#: A header is looked for among this many first rows (a title row or a few lines of notes above it).
HEADER_SEARCH_ROWS = 20
#: Sources read value by value in Python (JSON Lines, Excel, dicts) hold many small objects per row,
#: so their chunks are capped at this many rows to keep memory near that of a CSV chunk.
RECORD_CHUNK_SIZE = 10_000
_SAMPLE_CHARS = 64 * 1024
_CSV_BLOCK_BYTES = 1 << 20


@dataclass(frozen=True)
class _Columns:
    """How to find and read a table's columns: which to leave out, which non-fields to read, where the header is."""

    ignore: tuple[str, ...]
    extra: tuple[str, ...]
    id_column: str | None = None
    sheet: str | int | None = None
    header_row: int | None = None


@dataclass(frozen=True, eq=False)
class Source:
    """An opened input: its name for messages, its chunks, and its row count when known up front."""

    name: str
    chunks: Iterator[RawChunk]
    total_rows: int | None = None
    notes: tuple[str, ...] = ()
    #: Notes known only once every chunk is read (the unknown keys of JSON Lines).
    late_notes: Callable[[], list[str]] | None = None
    #: How the keys of JSON Lines were read (what they met is known once every chunk is read).
    keys: ColumnNames | None = None


def input_format(path: str | Path, *, name: str | None = None) -> str:
    """The format of an input file from its suffix: ``csv``, ``jsonl``, ``parquet`` or ``xlsx``.

    Raises
    ------
    ValueError
        For any other suffix; the message lists the supported ones.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in INPUT_FORMATS:
        supported = ", ".join(INPUT_FORMATS)
        raise ValueError(
            f"{name or path}: cannot read {suffix or 'files without a suffix'!r}; use {supported} "
            "(CSV and JSON Lines may be .gz), or - for standard input"
        )
    return INPUT_FORMATS[suffix]


def open_source(
    data: Any,
    instrument: Instrument,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    ignore_columns: Iterable[str] = (),
    encoding: str | None = None,
    extra_columns: Iterable[str] = (),
    id_column: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
) -> Source:
    """Open a file path, a pandas DataFrame, a pyarrow Table or an iterable of assessments for chunked reading.

    Parameters
    ----------
    data : str, Path, pandas.DataFrame, pyarrow.Table or iterable
        A file (``.csv``, ``.tsv``, ``.txt``, ``.jsonl``, ``.ndjson``, ``.parquet``, ``.xlsx``;
        CSV and JSON Lines also gzip-compressed, as ``.csv.gz``), ``"-"`` for standard input,
        a table, or an iterable of dicts, assessment models or JSON texts.
    instrument : Instrument
    chunk_size : int, default=25_000
        Rows per chunk (at most :data:`RECORD_CHUNK_SIZE` for JSON Lines, Excel and iterables).
    ignore_columns : iterable of str, optional
        Columns of a table to leave out of scoring.
    encoding : str, optional
        The encoding of a CSV or JSON Lines file; by default UTF-8, or UTF-16/32 when the
        file starts with their byte-order mark.
    extra_columns : iterable of str, optional
        Columns of a table that are not fields but are read all the same (a label column).
    id_column : str, optional
        The column (or JSON key) that holds the candidate id when it is not ``candidate_id``
        (``"Kandidat-ID"``, say), compared without regard to case.
    sheet : str or int, optional
        The sheet of an Excel workbook to read, by name or by number (1 = the first). By
        default the first sheet with a header (a cover sheet is skipped).
    header_row : int, optional
        The row of a CSV file or an Excel sheet that holds the header (1 = the first line).
        By default the first row, among the first :data:`HEADER_SEARCH_ROWS`, that names the
        id column or a question, so a title row above the header is skipped.

    Returns
    -------
    Source

    Raises
    ------
    ColumnError
        If a table's header cannot be scored (see :func:`~profilefit.data.batch._fields.check_header`).
    ValueError
        For a file of an unsupported type.
    FileNotFoundError
        For a path that does not exist.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    if header_row is not None and header_row < 1:
        raise ValueError(f"the header row is counted from 1, got {header_row}")
    columns = _Columns(tuple(ignore_columns), tuple(extra_columns), id_column, sheet, header_row)
    if not isinstance(data, str | Path) and (sheet is not None or header_row is not None):
        raise ValueError("a sheet and a header row can be given for a CSV or Excel file only")
    if isinstance(data, str | Path):
        return _open_file(data, instrument, chunk_size, columns, encoding)
    pandas, pyarrow = sys.modules.get("pandas"), sys.modules.get("pyarrow")
    if pandas is not None and isinstance(data, pandas.DataFrame):
        return _open_frame(data, instrument, chunk_size, columns)
    if pyarrow is not None and isinstance(data, pyarrow.Table | pyarrow.RecordBatch):
        names = [str(name) for name in data.schema.names]
        header = _header(instrument, names, columns, source="table")
        batches = pyarrow.Table.from_batches([data]) if isinstance(data, pyarrow.RecordBatch) else data
        chunks = _arrow_chunks(batches.to_batches(max_chunksize=chunk_size), header.names, header.keep)
        return Source("table", chunks, data.num_rows, tuple(header.notes))
    if isinstance(data, Mapping | AssessmentBase | str | bytes):
        raise TypeError("give score_batch many assessments (an iterable of dicts), a DataFrame or a path, not one")
    if isinstance(data, Iterable):
        return Source("records", _record_chunks(iter(data), min(chunk_size, RECORD_CHUNK_SIZE)))
    raise TypeError(f"cannot score {type(data).__name__}: give a path, a pandas DataFrame or an iterable of dicts")


def _header(instrument: Instrument, names: list[str], columns: _Columns, *, source: str) -> Header:
    return read_header(
        instrument,
        names,
        ignore_columns=columns.ignore,
        extra_columns=columns.extra,
        id_column=columns.id_column,
        source=source,
    )


def _open_file(
    data: str | Path, instrument: Instrument, chunk_size: int, columns: _Columns, encoding: str | None
) -> Source:
    folder = Path(tempfile.mkdtemp(prefix="profilefit-"))  # for a copy of standard input or a transcoded file
    try:
        if str(data) == STANDARD_INPUT:
            path, name = spool_standard_input(folder), "standard input"
        else:
            path, name = Path(data), str(data)
        compressed = path.suffix.lower() == ".gz"
        inner = Path(path.stem) if compressed else path
        kind = input_format(inner if compressed else path, name=name)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {name}" if not path.exists() else f"not a regular file: {name}")
        if kind in ("csv", "jsonl"):
            copy = utf8_copy(path, folder, suffix=inner.suffix, encoding=encoding, compressed=compressed, name=name)
            if copy is not None:
                _log.debug("%s: read from a UTF-8 copy, %s", name, copy)
            path = copy or path
        elif compressed or encoding is not None:
            raise ValueError(f"{name}: only CSV and JSON Lines files can be compressed or given an encoding")
        if columns.sheet is not None and kind != "xlsx":
            raise ValueError(f"{name}: only an Excel workbook has sheets; leave out --sheet")
        if columns.header_row is not None and kind not in ("csv", "xlsx"):
            raise ValueError(
                f"{name}: a {kind} file has no header row to find (its names are in every line, or in its schema); "
                "leave out --header-row"
            )
        opener = {"csv": _open_csv, "jsonl": _open_jsonl, "parquet": _open_parquet, "xlsx": _open_xlsx}[kind]
        if kind in ("jsonl", "xlsx"):
            chunk_size = min(chunk_size, RECORD_CHUNK_SIZE)
        source = opener(path, instrument, chunk_size, columns, name)
    except _UNREADABLE as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise _naming(name, error) from error
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    chunks = _removing_after(folder, source.chunks, name)
    weakref.finalize(chunks, shutil.rmtree, folder, True)  # also when the chunks are never read
    return dataclasses.replace(source, chunks=chunks)


#: What a damaged or mis-encoded file raises from deep in a reader (a truncated Parquet or gzip file, bytes
#: that are not the encoding's), often without the file's name; :func:`_naming` adds it.
_UNREADABLE = (ValueError, OSError, EOFError, zlib.error)


def _naming(name: str, error: BaseException) -> BaseException:
    """``error`` with the file's name in front, unless its message already names the file."""
    if name in str(error) or (isinstance(error, OSError) and error.filename is not None):
        return error
    return ValueError(f"{name}: cannot read this file: {error}")


def _removing_after(folder: Path, chunks: Iterator[RawChunk], name: str) -> Iterator[RawChunk]:
    """The chunks; the temporary folder is removed when they are done (or abandoned)."""
    try:
        yield from chunks
    except _UNREADABLE as error:
        named = _naming(name, error)
        if named is error:
            raise
        raise named from error
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ---- CSV ------------------------------------------------------------------------------------


def _open_csv(path: Path, instrument: Instrument, chunk_size: int, columns: _Columns, name: str) -> Source:
    require("pyarrow.csv")  # fail now, not at the first chunk, when the io extra is missing
    # Undecodable bytes become lone surrogates here, so one bad row cannot refuse the file;
    # such a row is rejected when it is read (see _csv_records). In the header they are fatal.
    with path.open("r", encoding="utf-8-sig", newline="", errors="surrogateescape") as stream:
        sample = stream.read(_SAMPLE_CHARS)
        while "\n" not in sample and (more := stream.read(len(sample))):  # a header longer than the sample
            sample += more
    skip = _header_line(sample, instrument, columns, name)
    offset = 0
    if skip:  # a title row (or a few) above the header: read from the header on
        above = "".join(sample.splitlines(keepends=True)[:skip])
        with path.open("rb") as raw:
            bom = raw.read(3) == b"\xef\xbb\xbf"
        offset = len(above.encode("utf-8", errors="surrogateescape")) + (3 if bom else 0)
        sample = sample[len(above) :]
    delimiter = sniff_delimiter(sample)
    header = next(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), [])
    for column in header:
        if (bad := _undecodable(column)) is not None:
            raise ValueError(
                f"{name}, line {skip + 1} (the header): not valid UTF-8 text ({bad}); "
                "give the file's --encoding (cp1252, say)"
            )
    checked = _header(instrument, header, columns, source=name)
    # pyarrow parses small blocks fastest (they stay in cache); they are gathered into chunks.
    lines = max(sample.count("\n"), 1)
    block_size = int(
        min(max(chunk_size * len(sample.encode("utf-8", errors="surrogateescape")) / lines, 1 << 14), _CSV_BLOCK_BYTES)
    )
    layout = _CsvLayout(delimiter, header, checked.names, checked.keep, skip, offset)
    chunks = _csv_chunks(path, layout, chunk_size, block_size)
    notes = list(checked.notes)
    if skip and columns.header_row is None:
        notes.insert(0, f"{name}: the header is on line {skip + 1}; the line(s) above it were not read")

    def late_notes() -> list[str]:
        found = []
        if layout.spans:
            found.append(
                f"{name}: {len(layout.spans):,} row(s) hold a cell over several lines (the first at line "
                f"{layout.spans[0]:,}); they were read as written, but if a quote was left open there, the lines "
                "after it are that cell's text: check those rows"
            )
        if layout.undecoded.rows:
            found.append(layout.undecoded.note(name))
        return found

    return Source(name, chunks, notes=tuple(notes), late_notes=late_notes)


def _header_line(sample: str, instrument: Instrument, columns: _Columns, name: str) -> int:
    """How many lines come before the header: ``header_row - 1``, or those before the first line that is a header.

    A header names the id column or a question (:func:`~profilefit.data.batch._fields.looks_like_header`).
    Without one in the first :data:`HEADER_SEARCH_ROWS` lines, the first line is the header (and
    the header check says what is missing).
    """
    lines = sample.splitlines(keepends=True)
    if columns.header_row is not None:
        if columns.header_row > min(len(lines), HEADER_SEARCH_ROWS * 50):
            raise ValueError(f"{name}: there is no line {columns.header_row} to read the header from")
        return columns.header_row - 1
    for k, line in enumerate(lines[:HEADER_SEARCH_ROWS]):
        cells = next(csv.reader([line], delimiter=sniff_delimiter(line)), [])
        if looks_like_header(instrument, cells, columns.id_column):
            return k
    return 0


@dataclass
class _Undecoded:
    """The rows of a text file that are not UTF-8: each is a reject of its own, and one note tells the encoding."""

    rows: int = 0
    first_line: int = 0
    #: The bytes that were not UTF-8, from the first rows (at most _UNDECODED_SAMPLE): what the note's guess reads.
    sample: bytearray = dataclasses.field(default_factory=bytearray)

    def add(self, line: int, cells: list[str]) -> None:
        """Count a row read on ``line`` that holds bytes that are not UTF-8 (as lone surrogates in ``cells``)."""
        self.rows += 1
        self.first_line = self.first_line or line
        if len(self.sample) < _UNDECODED_SAMPLE:
            for text in cells:
                if not text.isascii():
                    self.sample += bytes(ord(char) - 0xDC00 for char in text if "\udc80" <= char <= "\udcff")

    def add_bytes(self, line: int, data: bytes) -> None:
        """Count a line (JSON Lines) that is not UTF-8, given as its bytes."""
        self.rows += 1
        self.first_line = self.first_line or line
        if len(self.sample) < _UNDECODED_SAMPLE:
            self.sample += bytes(byte for byte in data if byte >= 0x80)

    def note(self, name: str) -> str:
        """The one line that says how many rows were not UTF-8 and which ``--encoding`` their bytes suggest."""
        text = (
            f"{name}: {self.rows:,} row(s) are not UTF-8 text (the first at line {self.first_line:,}) and were rejected"
        )
        try:
            self.sample.decode("cp1252")
        except UnicodeDecodeError:  # no one-byte encoding is a safe guess: the user knows the file's
            return f"{text}; if the file is in another encoding, score it again with --encoding ENCODING"
        # Every byte is a cp1252 letter or sign (as Excel on Windows saves CSV); latin-1 would read them too,
        # but turns cp1252's curly quotes, dashes and euro sign into control characters.
        return f"{text}; their bytes read as cp1252 (Windows Western European): score it again with --encoding cp1252"


#: Bytes of rows that are not UTF-8 kept for the note's guess of their encoding.
_UNDECODED_SAMPLE = 4096


@dataclass(frozen=True)
class _CsvLayout:
    """Where a CSV file's header is and how its columns are read."""

    delimiter: str
    header: list[str]
    names: list[str]
    keep: list[int]
    skip_lines: int = 0  # lines above the header
    offset: int = 0  # the header's byte offset
    #: First lines of the rows read with a cell over several lines (and no quote left open): the note says so.
    spans: list[int] = dataclasses.field(default_factory=list)
    #: The rows that are not UTF-8 text: the note says how many, and which --encoding their bytes suggest.
    undecoded: _Undecoded = dataclasses.field(default_factory=_Undecoded)


def _csv_chunks(path: Path, layout: _CsvLayout, chunk_size: int, block_size: int) -> Iterator[RawChunk]:
    pa, pcsv = require("pyarrow"), require("pyarrow.csv")
    delimiter, header, names, keep = layout.delimiter, layout.header, layout.names, layout.keep
    done = 0
    stream = None
    if layout.offset:
        stream = path.open("rb")
        stream.seek(layout.offset)
    try:
        reader = pcsv.open_csv(
            stream if stream is not None else path,
            read_options=pcsv.ReadOptions(block_size=block_size, use_threads=True),
            parse_options=pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        if reader.schema.names != header:  # read the header differently from the csv module: let it decide
            raise pa.ArrowInvalid("header mismatch")
        # pyarrow reads blocks of bytes; they are cut into chunks of exactly chunk_size rows (the last may be short).
        pending: list[Any] = []
        rows = 0
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                batch = None
            if batch is not None:
                pending.append(batch)
                rows += batch.num_rows
            while rows >= chunk_size or (batch is None and rows):
                table = pa.Table.from_batches(pending)
                size = min(chunk_size, rows)
                head = table.slice(0, size)
                if _breaks_a_line(head):
                    # A cell holding a line break is rare in an export, and may be a quote left open that has
                    # swallowed the rows after it: the csv module reads on, line by line, and tells them apart.
                    raise pa.ArrowInvalid("a cell holds a line break")
                columns: list[tuple[str | None, Any]] = [(names[k], head.column(k).combine_chunks()) for k in keep]
                yield RawChunk(columns, size, done + 1, tabular=True)
                done += size
                rows -= size
                pending = table.slice(size).to_batches() if rows else []
            if batch is None:
                return
    except pa.ArrowInvalid as error:
        _log.info(
            "%s: the fast CSV reader stopped after %d rows (%s); reading on with the csv module", path, done, error
        )
        # A row with too few or too many cells (or text pyarrow reads differently): the csv module
        # reads the rest exactly as the reference reader does, and names the bad rows.
        yield from _csv_module_chunks(path, layout, chunk_size, skip=done)
    finally:
        if stream is not None:
            stream.close()


def _breaks_a_line(table: Any) -> bool:
    """Whether any cell of a pyarrow table (every column, read or not) holds a line break."""
    pc = require("pyarrow.compute")
    return any(pc.any(pc.match_substring(column, mark)).as_py() for column in table.columns for mark in ("\n", "\r"))


class _Lines:
    """A text file's lines for ``csv.reader``: those of the record being read are kept, and can be read again.

    ``number`` is the physical line number of the last line given (1 = the file's first line).
    """

    def __init__(self, stream: Any, number: int = 0) -> None:
        self.stream = stream
        self.number = number
        self.again: list[str] = []
        self.taken: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.again.pop() if self.again else self.stream.readline()
        if not line:
            raise StopIteration
        self.number += 1
        self.taken.append(line)
        return line

    def read_again(self, lines: list[str]) -> None:
        """Give ``lines`` (the last ones given, in order) again, as if not read yet."""
        self.again.extend(reversed(lines))
        self.number -= len(lines)


def _csv_module_chunks(path: Path, layout: _CsvLayout, chunk_size: int, *, skip: int) -> Iterator[RawChunk]:
    names, keep = layout.names, layout.keep
    width = len(names)
    with path.open("r", encoding="utf-8-sig", newline="", errors="surrogateescape") as stream:
        for _ in range(layout.skip_lines):  # lines above the header
            stream.readline()
        lines = _Lines(stream, layout.skip_lines)
        reader = csv.reader(lines, delimiter=layout.delimiter)
        next(reader, None)  # the header, already read
        rows = _csv_records(
            reader, names, lines=lines, delimiter=layout.delimiter, spans=layout.spans, undecoded=layout.undecoded
        )
        for _ in itertools.islice(rows, skip):
            pass
        row_number = skip + 1
        while block := list(itertools.islice(rows, chunk_size)):
            records: list[dict[Any, Any] | None] = []
            unreadable: dict[int, dict[str, Any]] = {}
            for position, (cells, problem) in enumerate(block):
                if problem is not None:
                    unreadable[position] = problem
                    records.append(None)
                    continue
                # As csv.DictReader gives rows: missing cells are None, cells beyond the header a list.
                record: dict[Any, Any] = {names[k]: cells[k] if k < len(cells) else None for k in keep}
                if len(cells) > width:
                    record[None] = cells[width:]
                records.append(record)
            yield RawChunk.from_records(records, first_row=row_number, tabular=True, unreadable=unreadable)
            row_number += len(block)


def _csv_records(
    reader: Any,
    names: list[str],
    *,
    lines: _Lines,
    delimiter: str,
    spans: list[int] | None = None,
    undecoded: _Undecoded | None = None,
) -> Iterator[tuple[list[str], dict[str, Any] | None]]:
    """The rows of a ``csv.reader`` (blank lines skipped), each with the problem that makes it unreadable, if any.

    A cell longer than the csv module's field limit and a line that is not valid UTF-8
    make that row a reject (field ``(line)``); the rows after it are read as usual.

    A quote left open (``"Kari`` with no closing quote) makes the csv module read every line after it as text of
    one cell, up to the next quote in the file: hundreds of candidates gone into a column nobody reads. A record
    that runs over several lines, of which one after the first holds a whole row's worth of delimiters, is such a
    record: its first line is rejected, naming the open quote, and the lines after it are read again as rows.
    """
    width = len(names)
    while True:
        lines.taken = []
        line = lines.number + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if _runaway(lines, delimiter, width):
                yield [], _open_quote(line)
                continue
            reason = f"cannot read line {line}: {error}"
            if "field limit" in str(error):
                reason = f"cannot read line {line}: a cell is longer than {csv.field_size_limit():,} characters"
            yield [], {"field": "(line)", "value": None, "reason": reason}
            continue
        if not cells:
            continue
        if len(lines.taken) > 1:
            if _runaway(lines, delimiter, width):
                yield [], _open_quote(line)
                continue
            if spans is not None:
                spans.append(line)
        problem = None
        for position, text in enumerate(cells):
            bad = _undecodable(text)
            if bad is not None:
                where = f"column {names[position]!r}" if position < len(names) else "a cell beyond the header"
                problem = {
                    "field": "(line)",
                    "value": None,
                    "reason": f"line {line} is not valid UTF-8 text ({bad} in {where}); "
                    "if the file is not UTF-8, give its --encoding",
                }
                if undecoded is not None:
                    undecoded.add(line, cells)
                break
        yield cells, problem


#: From this many columns a line that reads alone as a row of the header's width is taken for a row (see _runaway).
_ROW_LIKE_WIDTH = 20


def _runaway(lines: _Lines, delimiter: str, width: int) -> bool:
    """Whether the record just read swallowed whole rows after its first line; if so, they are to be read again.

    It did when a line wholly inside it (after its first, before its last, which holds the closing quote, if any)
    reads alone as a row of the header's width (from 20 columns: an export's rows; a note's line of exactly that
    many cells is not text anyone writes). Or when the strict csv reader refuses the record and a line after its
    first holds half a row's delimiters or more: a cell over several lines that a CSV writer (Excel, the csv
    module) wrote has its quotes closed, each closing quote ending a cell, where a quote left open is closed, if at
    all, by some later quote that the strict reader refuses (a quote followed by text, or the file's end inside a
    quote). What neither tells (a lone quote ending one row that the next row's lone quote closes) is read as
    written, and the batch's note names the rows that hold a cell over several lines.
    """
    swallowed = lines.taken[1:]
    inside = swallowed[:-1]
    rows_inside = width >= _ROW_LIKE_WIDTH and any(
        len(next(csv.reader([text], delimiter=delimiter), [])) == width for text in inside
    )
    if not rows_inside:
        if not any(text.count(delimiter) >= max((width - 1) // 2, 1) for text in swallowed):
            return False
        try:
            if len(list(csv.reader(lines.taken, delimiter=delimiter, strict=True))) == 1:
                return False  # written so: a cell over lines, quotes closed
        except csv.Error:
            pass
    lines.read_again(swallowed)
    return True


def _open_quote(line: int) -> dict[str, Any]:
    return {
        "field": "(line)",
        "value": None,
        "reason": f'cannot read line {line}: a quote (") opens a cell on it and is not closed on the line, so the '
        "lines after it would be read as the text of that cell; the row is left out and the lines after it are "
        "read as rows. Remove the quote, or close it, and score the row again",
    }


def _undecodable(text: str) -> str | None:
    """Describe the first byte that could not be decoded (a lone surrogate from ``surrogateescape``), if any."""
    if text.isascii():
        return None
    for offset, char in enumerate(text):
        if "\udc80" <= char <= "\udcff":
            return f"byte 0x{ord(char) - 0xDC00:02X} at character {offset + 1} of the cell"
    return None


# ---- JSON Lines -----------------------------------------------------------------------------


def _open_jsonl(path: Path, instrument: Instrument, chunk_size: int, columns: _Columns, name: str) -> Source:
    names = ColumnNames(
        instrument, ignore_columns=columns.ignore, extra_columns=columns.extra, id_column=columns.id_column, source=name
    )
    # Keys are known only as lines are read: their note comes when the file is done, with the one that counts
    # the lines that are not UTF-8 and names the encoding their bytes suggest, as for CSV.
    undecoded = _Undecoded()

    def late_notes() -> list[str]:
        return [*names.notes(), *([undecoded.note(name)] if undecoded.rows else [])]

    chunks = jsonl_chunks(path, KeyReader(names), chunk_size, undecoded.add_bytes)
    return Source(name, chunks, late_notes=late_notes, keys=names)


# ---- Parquet, Arrow tables and data frames -------------------------------------------------------


def _open_parquet(path: Path, instrument: Instrument, chunk_size: int, columns: _Columns, name: str) -> Source:
    pq = require("pyarrow.parquet")
    parquet = pq.ParquetFile(path)
    names = [str(name) for name in parquet.schema_arrow.names]
    header = _header(instrument, names, columns, source=name)
    batches = parquet.iter_batches(batch_size=chunk_size)
    chunks = _arrow_chunks(batches, header.names, header.keep)
    return Source(name, chunks, parquet.metadata.num_rows, tuple(header.notes))


def _arrow_chunks(batches: Iterable[Any], names: list[str], keep: list[int]) -> Iterator[RawChunk]:
    done = 0
    for batch in batches:
        columns: list[tuple[str | None, Any]] = [(names[k], batch.column(k)) for k in keep]
        yield RawChunk(columns, batch.num_rows, done + 1, tabular=True)
        done += batch.num_rows


def _open_frame(frame: Any, instrument: Instrument, chunk_size: int, columns: _Columns) -> Source:
    names = [str(name) for name in frame.columns]
    header = _header(instrument, names, columns, source="data frame")
    chunks = _frame_chunks(frame, header.names, header.keep, chunk_size)
    return Source("data frame", chunks, len(frame), tuple(header.notes))


def _frame_chunks(frame: Any, names: list[str], keep: list[int], chunk_size: int) -> Iterator[RawChunk]:
    from profilefit.data.batch._cells import from_values

    pa = require("pyarrow")
    for start in range(0, len(frame), chunk_size):
        part = frame.iloc[start : start + chunk_size]
        columns: list[tuple[str | None, Any]] = []
        for k in keep:
            series = part.iloc[:, k]
            try:
                column = pa.array(series, from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # mixed types: cell by cell
                values = series.astype(object).where(series.notna(), None).tolist()
                column = from_values(values, tabular=True, numeric=names[k].strip() != "candidate_id")
            columns.append((names[k], column))
        yield RawChunk(columns, len(part), start + 1, tabular=True)


# ---- Excel ----------------------------------------------------------------------------------


def _open_xlsx(path: Path, instrument: Instrument, chunk_size: int, columns: _Columns, name: str) -> Source:
    chunks, total, notes = open_workbook(
        path,
        name,
        lambda header: _header(instrument, header, columns, source=name),
        sheet=columns.sheet,
        header_row=columns.header_row,
        is_header=lambda cells: looks_like_header(instrument, cells, columns.id_column),
        search_rows=HEADER_SEARCH_ROWS,
    )
    return Source(name, chunks(chunk_size), total, tuple(notes))


# ---- iterables of assessments ---------------------------------------------------------------


def _record_chunks(records: Iterator[Any], chunk_size: int) -> Iterator[RawChunk]:
    row_number = 1
    while block := list(itertools.islice(records, chunk_size)):
        rows: list[Any] = []
        unreadable: dict[int, dict[str, Any]] = {}
        for position, record in enumerate(block):
            try:
                row = _as_dict(record)
            except JsonRowError as error:
                row = None
                unreadable[position] = json_row_problem(record, error)
            if row is None and position not in unreadable:
                unreadable[position] = {
                    "field": "(row)",
                    "value": None,
                    "reason": f"{NOT_A_MAPPING}; got {type(record).__name__}",
                }
            rows.append(row)
        yield RawChunk.from_records(rows, first_row=row_number, tabular=False, unreadable=unreadable)
        row_number += len(block)


def _as_dict(record: Any) -> dict[Any, Any] | None:
    if isinstance(record, dict):
        return record
    if isinstance(record, Mapping):
        return dict(record)
    if isinstance(record, AssessmentBase):
        return record.model_dump(exclude_none=True)
    if isinstance(record, str | bytes):
        return load_json_object(record)  # a JsonRowError becomes a reject of this row
    return None
