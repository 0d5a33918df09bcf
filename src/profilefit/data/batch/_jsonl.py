"""JSON Lines read a block at a time: columns parsed by pyarrow when that is exact, line by line when not.

The line-by-line reader (:func:`profilefit.core.rows.load_json_object` on each line) is the rule:
a line that is not valid UTF-8, not valid JSON, not one object, nested, with a number too
long to read or a key given twice is a reject of that line, and every other line is read
as a dict. Parsing each line in Python costs about five times what reading a CSV row does,
so a block of lines is first handed to pyarrow's JSON reader, which parses it into typed
columns in C++ without holding the GIL. Its columns are used only when they are what the
rule would read, which is checked for the whole block; otherwise the block is read line by
line, as before:

- the block is valid UTF-8 (pyarrow does not check), and pyarrow read it at all (it refuses
  invalid JSON, a line that is not an object, a key given twice) and found one row per line;
- every column is a whole number, a decimal number, text or empty, never nested (nested
  values are rejects of their line) and never true/false or dates (which pyarrow types
  differently from Python's json);
- every key that is read is exactly the name of a field of the instrument (other keys are
  read line by line: a field given twice as ``"tc1"`` and ``" tc1"`` is the rule's to refuse);
- the block holds no run of 16 or more digits (a number that a double might not hold
  exactly, or one too long to read), no escaped surrogate (a backslash-u escape from D800
  to DFFF), no control character other than line ends (Python refuses them inside strings) and
  no ``NaN`` or ``Inf`` (pyarrow also reads ``-NaN`` and ``Inf``, which Python's json refuses).

Keys are read as a table's header is (:class:`~profilefit.data.batch._fields.ColumnNames`):
a key that is not a field (an e-mail, a name, a misspelt item id) or looks like a demographic
is left out before the rule sees the line, and named once in a note when the file is done,
so a JSON Lines export and the same rows as CSV give the same results and the same rejects.

A number is the same double in both readers (both round correctly). A whole number in a
column that also holds decimals becomes a double here and stays an ``int`` in Python; the
rule reads both alike (``4.0`` is the answer 4, ``101.0`` the id ``"101"``). Rows the column
rules cannot prove valid go to the rule with the line parsed again by
:func:`~profilefit.core.rows.load_json_object`, so a reject echoes the value exactly as written.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from profilefit.data.batch._deps import require
from profilefit.data.batch._fields import ColumnNames, suggested_field
from profilefit.data.batch._validate import RawChunk
from profilefit.data.io import load_json_object
from profilefit.exceptions import JsonRowError, NotFiniteError, RepeatedKeyError

#: An escaped surrogate (Python keeps a lone one as it is; pyarrow may not).
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
#: Blocks parsed ahead of the one being scored, each in its own thread.
PARSED_AHEAD = 2
_LINE_ENDS = np.zeros(256, dtype=bool)
_LINE_ENDS[[ord("\n"), ord("\r")]] = True


class KeyReader:
    """Reads the keys of each JSON object as a table's header is read; remembers the names for the notes.

    A key the :class:`~profilefit.data.batch._fields.ColumnNames` leave out is dropped with its value
    (so an unknown value never reaches a reject); a key matched by case or given as the id
    column is renamed, unless another key of the object reads as that name too (then all stay as
    written, and the rule refuses the object, naming them).
    """

    def __init__(self, names: ColumnNames) -> None:
        self.names = names
        self._read_as: dict[str, str | None] = {}
        self._looks_like: dict[str, str] = {}  # a key kept because it looks like a statement: that statement

    def read_as(self, key: str) -> str | None:
        """The name a key is read as, or None to leave it out (cached per key)."""
        try:
            return self._read_as[key]
        except KeyError:
            name = self._read_as[key] = self.names.read_as(key)
            if name is not None and name == key.strip():
                name = self._read_as[key] = key  # padding is the rule's to strip (and to refuse when repeated)
            elif name is None and (statement := self._statement_like(key)) is not None:
                # "tc 1" or "b1" for a statement: left out, the record would score as if it were unanswered
                # (a CSV header with such a column, its own absent, is refused). Kept, so the rule rejects a
                # record that lacks the statement's own key, naming it (record() drops it where the key is there).
                self._looks_like[key] = statement
                self.names.unknown.pop(key.strip(), None)  # named in the note only where a record drops it
                name = self._read_as[key] = key
            return name

    def _statement_like(self, key: str) -> str | None:
        instrument = self.names.instrument
        return suggested_field(key, [*instrument.block_ids, *instrument.item_ids], spelling=False)

    def record(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The object with its keys read as fields; keys left out are gone.

        Keys that read as one field (``"tc1"`` and ``"TC1"``, ``"TC1"`` and ``" TC1"``) all stay as written, so
        the rule refuses the object naming them and their values; renaming them would keep only the last.
        """
        named = [(key, self.read_as(key) if isinstance(key, str) else key, value) for key, value in obj.items()]
        fields = {name for _, name, _ in named}
        kept = []
        for key, name, value in named:
            if name is None:
                continue
            if key in self._looks_like and self._looks_like[key] in fields:
                self.names.unknown[key.strip()] = None  # its statement has its own key: an extra column, as in CSV
                continue
            kept.append((key, name, value))
        names = [name for _, name, _ in kept]
        shared = {name for name in names if names.count(name) > 1} if len(set(names)) < len(names) else set()
        return {key if name in shared else name: value for key, name, value in kept}


class _Lines(Sequence[Any]):
    """The lines of a block as the rule reads them, each parsed only when asked for."""

    def __init__(self, lines: list[bytes], keys: KeyReader) -> None:
        self._lines = lines
        self._keys = keys

    def __len__(self) -> int:
        return len(self._lines)

    def __getitem__(self, position: Any) -> Any:
        if isinstance(position, slice):
            return [self[k] for k in range(*position.indices(len(self)))]
        return self._keys.record(load_json_object(self._lines[position]))


def jsonl_chunks(
    path: Path, keys: KeyReader, chunk_size: int, undecoded: Callable[[int, bytes], None] | None = None
) -> Iterator[RawChunk]:
    """The chunks of a JSON Lines file: columnar where exact (see the module docstring), else line by line.

    ``undecoded`` is told of each line (its number and bytes) that is not UTF-8, for the file's one note.
    """
    # Read as bytes: a line that is not valid UTF-8 is a reject of that line, not of the file.
    # pyarrow parses without the GIL: the next PARSED_AHEAD blocks are parsed in other threads while this
    # one is validated and scored (the parse is the larger part of the work, so it gets both cores).
    with path.open("rb") as stream, ThreadPoolExecutor(PARSED_AHEAD, thread_name_prefix="profilefit-jsonl") as pool:
        # Blank lines are not rows, as in read_rows; a row is named by its line in the file, blank ones counted.
        lines = ((number, line) for number, line in enumerate(stream, start=1) if line.strip())
        pending: deque[tuple[list[bytes], list[int], Future[RawChunk | None]]] = deque()

        def read_ahead() -> None:
            numbered = list(itertools.islice(lines, chunk_size))
            if numbered:
                block, numbers = [line for _, line in numbered], [number for number, _ in numbered]
                pending.append((block, numbers, pool.submit(_columnar, block, keys, numbers)))

        for _ in range(PARSED_AHEAD):
            read_ahead()
        while pending:
            block, numbers, parsed = pending.popleft()
            read_ahead()
            yield parsed.result() or _line_by_line(block, numbers, keys, undecoded)


def _columnar(block: list[bytes], keys: KeyReader, numbers: list[int]) -> RawChunk | None:
    """The block as pyarrow columns, or None when they might differ from what the rule reads."""
    if block[0].startswith(b"\xef\xbb\xbf"):  # a byte-order mark before the first line
        block = [block[0][3:], *block[1:]]
    data = b"".join(block)
    if not data.endswith(b"\n"):  # the last line of a file may have no line end
        data += b"\n"
    if not _plain(data):
        return None
    pa, pj = require("pyarrow"), require("pyarrow.json")
    try:
        table = pj.read_json(
            io.BytesIO(data),
            read_options=pj.ReadOptions(use_threads=False, block_size=len(data) + 1),
            parse_options=pj.ParseOptions(newlines_in_values=False),
        )
    except (pa.ArrowException, UnicodeDecodeError, ValueError):
        return None
    if table.num_rows != len(block):
        return None
    columns: list[tuple[str | None, Any]] = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        read_as = keys.read_as(name)
        if read_as is None:  # not a field: left out, as a table's column is
            continue
        if read_as != name or read_as not in keys.names.kinds:  # renamed or padded: the rule decides, line by line
            return None
        kind = column.type
        if not (
            pa.types.is_int64(kind)
            or pa.types.is_float64(kind)
            or pa.types.is_string(kind)
            or pa.types.is_large_string(kind)
            or pa.types.is_null(kind)
        ):
            return None
        columns.append((name, column.combine_chunks()))
    return RawChunk(columns, len(block), numbers[0], tabular=False, records=_Lines(block, keys), numbers=numbers)


def _plain(data: bytes) -> bool:
    """Whether a block is safe for pyarrow: see the module docstring (UTF-8, digits, escapes, controls, NaN)."""
    # Each check first looks for one byte (memchr speed) and only then for the pattern.
    try:
        data.decode("utf-8")  # pyarrow does not check that text is UTF-8
    except UnicodeDecodeError:
        return False
    raw = np.frombuffer(data, dtype=np.uint8)
    controls = raw < 0x20
    if np.count_nonzero(controls) != np.count_nonzero(_LINE_ENDS[raw[controls]]):
        return False
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return False
    if b"\\" in data and _SURROGATE.search(data):
        return False
    if (b"N" in data and b"NaN" in data) or (b"I" in data and b"Inf" in data):
        return False  # pyarrow also reads -NaN and Inf, which Python's json refuses
    # A run of 16 digits: digit at k and k+1 (runs of 2), then of 4, 8 and 16, by shifted ANDs.
    run = (raw >= ord("0")) & (raw <= ord("9"))
    for width in (1, 2, 4, 8):
        run = run[:-width] & run[width:]
    return not run.any()


def _line_by_line(
    block: list[bytes], numbers: list[int], keys: KeyReader, undecoded: Callable[[int, bytes], None] | None = None
) -> RawChunk:
    records: list[Any] = []
    unreadable: dict[int, dict[str, Any]] = {}
    for position, line in enumerate(block):
        try:
            record = keys.record(load_json_object(line))
        except JsonRowError as error:
            record = None
            unreadable[position] = json_row_problem(line, error)
            if undecoded is not None and not _utf8(line):
                undecoded(numbers[position], line)
        records.append(record)
    return RawChunk.from_records(records, first_row=numbers[0], tabular=False, unreadable=unreadable, numbers=numbers)


def _utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def json_row_problem(line: str | bytes, error: JsonRowError) -> dict[str, Any]:
    """A reject record for a line (or text) that :func:`~profilefit.core.rows.load_json_object` refused.

    A repeated key names its key as the field and the values the line gives it (``["ac", "ba"]``), with the
    line's candidate id when that is not the key repeated; the validator keeps the values only when the key
    is a field of the instrument (:func:`~profilefit.data.batch._validate.validate_chunk`), as for any cell.
    A number that is not finite (``NaN``, ``1e400``) names the key whose value it is, as every door does. Any
    other refusal is :func:`line_problem`.
    """
    if isinstance(error, RepeatedKeyError):
        key, values = error.key.strip() or error.key, error.values
    elif isinstance(error, NotFiniteError) and error.key is not None:
        key, values = error.key.strip() or error.key, None
    else:
        return line_problem(line, str(error))
    problem: dict[str, Any] = {"field": key, "value": values, "reason": str(error)}
    if key != "candidate_id":
        try:
            whole = json.loads(line)  # the last of the two keys, as Python reads it: only for the id
        except (ValueError, RecursionError):
            whole = None
        candidate_id = whole.get("candidate_id") if isinstance(whole, dict) else None
        if isinstance(candidate_id, str | int) and not isinstance(candidate_id, bool):
            problem["candidate_id"] = str(candidate_id)
    return problem


def line_problem(line: str | bytes, reason: str) -> dict[str, Any]:
    """A reject record for a line (or text) that could not be read as one object.

    The line itself is not copied: it may hold keys that are not fields (a name, an e-mail),
    which never land in a rejects file. The reason says where the line goes wrong.
    """
    return {"field": "(line)", "value": None, "reason": reason}
