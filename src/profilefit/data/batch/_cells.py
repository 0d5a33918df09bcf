"""Column rules: which cells of one column are valid, and their typed values, for a whole column at once.

Each function takes a column (a pyarrow array, or a Python list when a column mixes
types) and returns the typed values and a mask ``ok`` of the cells it *proves*
valid (an empty cell is valid: it is an unanswered question). A cell it cannot
prove valid is not necessarily invalid: its row goes to the reference rule
(:func:`profilefit.core.rows.coerce_row` and the strict schema), which decides. So these
rules only have to be sound: never call a cell valid that the schema rejects, and
give the value the schema gives. The fast forms they recognise are the ones
exports are made of: ``""``, ``"4"``, ``"B"``, ``"525,8"``, ``"cand-0001"``.

The rules are those of :func:`profilefit.core.rows.coerce_row`, the one rule for every source: NaN
(and pandas' NA) is an empty cell, a float holding a whole number is that answer (pandas stores
integer columns with gaps as floats), and a numeric candidate id is its decimal text.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

import numpy as np
from numpy.typing import NDArray

from profilefit.core.instrument import BLOCK_ANSWERS, BLOCK_LABELS
from profilefit.core.schema import SCHEMA_VERSION
from profilefit.core.scoring import NO_ANSWER, NO_CHOICE
from profilefit.data.batch._deps import require
from profilefit.data.batch._fields import CANDIDATE_ID, CHECK, ITEM, FieldTable

Column = Any  # a pyarrow Array, or a list of Python values
Mask = NDArray[np.bool_]

# Python's str.strip() removes exactly the characters for which str.isspace() is true;
# beyond the C0 controls and the space they are these (a test recomputes the list).
_WIDE_SPACES = "\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_RE2_WIDE_SPACES = r"\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
#: A candidate id the schema accepts as it is (a subset: any other id goes to the row rule, which decides):
#: no control character, text-direction control or line separator anywhere (core.schema.ID_CONTROLS), and first and last
#: characters neither spaces (strip would change the id) nor invisible (core.schema.ID_BLANKS).
_RE2_CONTROLS = r"\x00-\x1f\x7f-\x9f\x{2028}\x{2029}\x{202a}-\x{202e}\x{2066}-\x{2069}"
_RE2_EDGE = (
    rf"\x00-\x20\x7f-\xa0{_RE2_WIDE_SPACES}\x{{200b}}-\x{{200f}}\x{{2060}}-\x{{2064}}\x{{feff}}"
    r"\x{202a}-\x{202e}\x{2066}-\x{2069}"
)
_SAFE_ID_RE2 = rf"^[^{_RE2_EDGE}](?:[^{_RE2_CONTROLS}]*[^{_RE2_EDGE}])?$"
_CONTROLS = "\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069\\ud800-\\udfff"
_EDGE = (
    f"\\x00-\\x20\\x7f-\\xa0{_WIDE_SPACES}\\u200b-\\u200f\\u2060-\\u2064\\ufeff\\ud800-\\udfff"
    "\\u202a-\\u202e\\u2066-\\u2069"
)
_SAFE_ID = re.compile(f"[^{_EDGE}](?:[^{_CONTROLS}]*[^{_EDGE}])?")
_MAX_ID_LENGTH = 128
#: Plain ASCII decimals, a subset of what coerce_row reads as seconds (it also reads non-ASCII digits).
_PLAIN_DECIMAL_RE2 = r"^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)$"
_PLAIN_DECIMAL = re.compile(r"[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)")
_MAX_SECONDS = 86_400.0
_MAX_NUMBER_CHARS = 24  # longer numbers than this are left to the reference rule


def _pa() -> Any:
    return require("pyarrow")


def _pc() -> Any:
    return require("pyarrow.compute")


def is_arrow(column: Column) -> bool:
    """Whether a column is a pyarrow array (rather than a list of Python values)."""
    return not isinstance(column, list)


def from_values(values: list[Any], *, tabular: bool, numeric: bool) -> Column:
    """Turn a list of Python values into a pyarrow array when its types allow, else return the list.

    Parameters
    ----------
    values : list
        One column of records.
    tabular : bool
        A float column may stand for integers (see the module docstring).
    numeric : bool
        Whether ints may be merged into a float column (not for candidate ids, whose digits must stay exact).
    """
    pa = _pa()
    kinds = set(map(type, values))
    kinds.discard(type(None))
    try:
        if not kinds:
            return pa.nulls(len(values))
        if kinds == {str}:
            return pa.array(values, pa.string())
        if kinds == {int}:
            return pa.array(values, pa.int64())
        if kinds == {float} or (kinds == {int, float} and tabular and numeric):
            return pa.array(values, pa.float64())
    except (OverflowError, pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    return values


def _normalised(column: Column) -> Column:
    """Dictionary columns decoded and string views as plain strings, so one code path serves each type."""
    pa = _pa()
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if hasattr(pa.types, "is_string_view") and pa.types.is_string_view(column.type):
        column = column.cast(pa.large_string())
    return column


def _is_text(column: Column) -> bool:
    pa = _pa()
    return bool(pa.types.is_string(column.type) or pa.types.is_large_string(column.type))


def _text_parts(
    column: Column, *, wide: bool = True
) -> tuple[NDArray[np.integer[Any]], NDArray[np.integer[Any]], NDArray[np.uint8], Mask]:
    """Start and byte length of every cell, the data bytes, and the null mask of a string array.

    ``wide=False`` keeps the starts and lengths in the array's own offset type (int32 for
    plain strings), which saves two conversions when they are only compared and indexed with.
    """
    pa = _pa()
    width = np.int64 if pa.types.is_large_string(column.type) else np.int32
    _, offsets_buffer, data_buffer = column.buffers()
    offsets: NDArray[np.integer[Any]] = np.frombuffer(
        offsets_buffer, dtype=width, count=len(column) + 1, offset=column.offset * width().itemsize
    )
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, dtype=np.uint8)
    if not data.size:  # every cell empty: one spare byte keeps indexing by start valid
        data = np.zeros(1, dtype=np.uint8)
    if not wide:
        return offsets[:-1], np.diff(offsets), data, nulls(column)
    starts = offsets[:-1].astype(np.int64)
    lengths = np.diff(offsets).astype(np.int64)
    return starts, lengths, data, nulls(column)


def nulls(column: Column) -> Mask:
    """Null mask of a pyarrow array."""
    if column.null_count == 0:
        return np.zeros(len(column), dtype=bool)
    mask: Mask = column.is_null().to_numpy(zero_copy_only=False)
    return mask


def _matches(column: Column, rows: NDArray[np.intp], pattern: str) -> NDArray[np.intp]:
    """The subset of ``rows`` whose string cell fully matches an RE2 pattern."""
    if not len(rows):
        return rows
    found = _pc().match_substring_regex(column.take(rows), pattern).to_numpy(zero_copy_only=False)
    return rows[found]


def _empty_text(value: Any) -> bool:
    return type(value) is str and value == ""


def _missing_float(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


# ---- items and attention checks -------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _digit_codes(low: int, high: int) -> NDArray[np.int8]:
    """The answer code of a one-byte cell, by its byte: ``digit - low + 1`` for the answers' digits, -1 otherwise."""
    codes = np.full(256, -1, dtype=np.int8)
    for value in range(low, min(high, 9) + 1):
        codes[ord("0") + value] = value - low + 1
    codes.setflags(write=False)
    return codes


def _plain_answers(column: Column, low: int, high: int) -> tuple[NDArray[np.int8], Mask] | None:
    """Codes and ok mask of a text column whose cells are all empty or one byte (the usual export), else None."""
    if high > 9 or column.null_count or not len(column):
        return None
    starts, lengths, data, _ = _text_parts(column, wide=False)
    if lengths.max() > 1:
        return None
    codes = _digit_codes(low, high).take(data.take(starts, mode="clip"))  # -1: a byte that is not an answer
    codes *= lengths == 1  # an empty cell is unanswered (the byte at its start belongs to the next cell)
    ok = codes >= 0
    np.maximum(codes, 0, out=codes)
    return codes, ok


def answer_cells(column: Column, table: FieldTable) -> tuple[NDArray[np.int8], Mask]:
    """Answers of one item or attention-check column, and the proven-valid mask.

    The answers come as codes: ``answer - low + 1``, ``0`` where unanswered (or not proven
    valid), as :attr:`profilefit.core.scoring.Responses.answer_codes` holds them. A response
    scale has at most 101 points, so every code fits in an int8.
    """
    low, high = table.low, table.high
    shift = low - 1
    if not is_arrow(column):
        codes = np.zeros(len(column), dtype=np.int8)
        ok = np.zeros(len(column), dtype=bool)
        for row, value in enumerate(column):
            kind = type(value)
            if value is None or (kind is str and value == "") or _missing_float(value):
                ok[row] = True
            elif kind is int or kind is str or (kind is float and value.is_integer()):
                number = table.answer_text.get(value) if kind is str else value
                if number is not None and low <= number <= high:
                    codes[row], ok[row] = int(number) - shift, True
        return codes, ok
    pa, column = _pa(), _normalised(column)
    n = len(column)
    codes = np.zeros(n, dtype=np.int8)
    if pa.types.is_null(column.type):
        return codes, np.ones(n, dtype=bool)
    if _is_text(column):
        plain = _plain_answers(column, low, high)
        if plain is not None:
            return plain
        starts, lengths, data, null = _text_parts(column)
        ok = null | (lengths == 0)
        single = np.flatnonzero((lengths == 1) & ~null)
        digit = data[starts[single]].astype(np.int64) - ord("0")
        good = (digit >= 0) & (digit <= 9) & (digit >= low) & (digit <= high)
        codes[single[good]], ok[single[good]] = digit[good] - shift, True
        longer = _matches(column, np.flatnonzero((lengths > 1) & (lengths <= 9) & ~null), r"^[0-9]+$")
        if len(longer):
            number = column.take(longer).cast(pa.int64()).to_numpy()
            inside = (number >= low) & (number <= high)
            codes[longer[inside]], ok[longer[inside]] = number[inside] - shift, True
        return codes, ok
    null = nulls(column)
    if pa.types.is_integer(column.type):
        number = column.fill_null(low).to_numpy().astype(np.float64)
    elif pa.types.is_floating(column.type):
        number = column.to_numpy(zero_copy_only=False).astype(np.float64)
        null |= np.isnan(number)
        number = np.where(np.floor(number) == number, number, np.nan)  # a fraction is not an answer
    else:
        return codes, null
    inside = ~null & (number >= low) & (number <= high)  # false for nan
    codes[inside] = number[inside] - shift
    return codes, null | inside


# ---- situational scenarios ------------------------------------------------------------------


def _listed_cells(column: Column, codes: dict[str, int], missing: int, dtype: type[Any]) -> tuple[Any, Mask]:
    """A column given as a Python list, read against a table of exact texts and their codes.

    Empty cells are valid and ``missing``; a text in ``codes`` is valid with its code; any other cell is
    left to the reference rule (not proven valid).
    """
    found = np.full(len(column), missing, dtype=dtype)
    ok = np.zeros(len(column), dtype=bool)
    for row, value in enumerate(column):
        if value is None or _empty_text(value) or _missing_float(value):
            ok[row] = True
        elif type(value) is str and value in codes:
            found[row], ok[row] = codes[value], True
    return found, ok


def scenario_cells(column: Column, table: FieldTable, scenario: int) -> tuple[NDArray[np.int16], Mask]:
    """Chosen options of one scenario column: option index (``-1`` = unanswered) and the proven-valid mask."""
    if not is_arrow(column):
        return _listed_cells(column, table.option_text[scenario], NO_CHOICE, np.int16)
    column = _normalised(column)
    choices = np.full(len(column), NO_CHOICE, dtype=np.int16)
    if not _is_text(column):
        return choices, quiet_cells(column)  # only empty cells of other types are valid
    starts, lengths, data, null = _text_parts(column)
    ok = null | (lengths == 0)
    single = np.flatnonzero((lengths == 1) & ~null)
    index = table.option_bytes[scenario][data[starts[single]]]
    good = index >= 0
    choices[single[good]], ok[single[good]] = index[good], True
    return choices, ok


@functools.lru_cache(maxsize=1)
def _block_tables() -> tuple[NDArray[np.intp], NDArray[np.int8], dict[str, int]]:
    """Lookup tables of the two-letter block answers.

    The label index of every byte (``a`` and ``A`` are 0, ``-1`` for any other byte), the answer code
    of every pair of label indices (at ``3 * most + least``; ``-1`` where most and least are one label),
    and the two-letter texts (either case) with their codes.
    """
    label = np.full(256, -1, dtype=np.intp)
    for index, letter in enumerate(BLOCK_LABELS):
        label[ord(letter)] = label[ord(letter.upper())] = index
    pair = np.full(len(BLOCK_LABELS) ** 2, NO_ANSWER, dtype=np.int8)
    text: dict[str, int] = {}
    for code, answer in enumerate(BLOCK_ANSWERS):
        pair[len(BLOCK_LABELS) * BLOCK_LABELS.index(answer[0]) + BLOCK_LABELS.index(answer[1])] = code
        for first in (answer[0], answer[0].upper()):
            for second in (answer[1], answer[1].upper()):
                text[first + second] = code
    return label, pair, text


def block_cells(column: Column) -> tuple[NDArray[np.int8], Mask]:
    """Answers of one forced-choice block column: the answer code (``-1`` = unanswered) and the proven-valid mask.

    A cell is proven valid when empty or exactly one of the six two-letter answers, in either case
    (``"ac"``, ``"AC"``, ``"Ac"``), as :func:`profilefit.core.rows.coerce_row` lower-cases them; any other
    cell (``" ac"``, ``"aa"``, ``"a"``) goes to the reference rule, which decides.
    """
    label, pair, text = _block_tables()
    if not is_arrow(column):
        return _listed_cells(column, text, NO_ANSWER, np.int8)
    column = _normalised(column)
    codes = np.full(len(column), NO_ANSWER, dtype=np.int8)
    if not _is_text(column):
        return codes, quiet_cells(column)  # only empty cells of other types are valid
    starts, lengths, data, null = _text_parts(column)
    ok = null | (lengths == 0)
    double = np.flatnonzero((lengths == 2) & ~null)
    first, second = label[data[starts[double]]], label[data[starts[double] + 1]]
    known = (first >= 0) & (second >= 0)
    found = np.full(len(double), NO_ANSWER, dtype=np.int8)
    found[known] = pair[len(BLOCK_LABELS) * first[known] + second[known]]
    good = found != NO_ANSWER
    codes[double[good]], ok[double[good]] = found[good], True
    return codes, ok


# ---- completion time ------------------------------------------------------------------------


def seconds_cells(column: Column) -> tuple[NDArray[np.float64], Mask]:
    """Completion times: seconds (``nan`` = not reported) and the proven-valid mask.

    Text may use a decimal comma, as spreadsheets in Oslo, Stockholm and Utrecht write it.
    """
    if not is_arrow(column):
        seconds = np.full(len(column), np.nan)
        ok = np.zeros(len(column), dtype=bool)
        for row, value in enumerate(column):
            kind = type(value)
            if value is None or _empty_text(value) or _missing_float(value):
                ok[row] = True
                continue
            if kind is str and len(value) <= _MAX_NUMBER_CHARS and _PLAIN_DECIMAL.fullmatch(value):
                time = float(value.replace(",", "."))
            elif kind is int or kind is float:
                time = float(value)
            else:
                continue
            if 0.0 <= time <= _MAX_SECONDS:
                seconds[row], ok[row] = time, True
        return seconds, ok
    pa, column = _pa(), _normalised(column)
    seconds = np.full(len(column), np.nan)
    null = nulls(column) if not pa.types.is_null(column.type) else np.ones(len(column), dtype=bool)
    if _is_text(column):
        _, lengths, _, _ = _text_parts(column)
        ok = null | (lengths == 0)
        plain = _matches(column, np.flatnonzero(~ok & (lengths <= _MAX_NUMBER_CHARS)), _PLAIN_DECIMAL_RE2)
        number = np.full(len(column), np.nan)
        if len(plain):
            text = _pc().replace_substring(column.take(plain), ",", ".")
            number[plain] = text.cast(pa.float64()).to_numpy()
    elif pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        ok = null.copy()
        number = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
        ok |= np.isnan(number)
    else:
        return seconds, null
    inside = ~ok & (number >= 0.0) & (number <= _MAX_SECONDS)  # false for nan
    seconds[inside] = number[inside]
    return seconds, ok | inside


# ---- candidate id ---------------------------------------------------------------------------


def _safe_id(value: Any) -> bool:
    return type(value) is str and len(value) <= _MAX_ID_LENGTH and _SAFE_ID.fullmatch(value) is not None


def id_cells(column: Column) -> tuple[NDArray[np.object_], Mask]:
    """Candidate ids (as Python str) and the proven-valid mask; a missing id is never valid."""
    if not is_arrow(column):
        column = [tabular_value(CANDIDATE_ID, value) for value in column]
        listed = np.empty(len(column), dtype=object)
        for row, value in enumerate(column):  # element by element: a value may itself be a list
            listed[row] = value
        return listed, np.fromiter((_safe_id(value) for value in column), dtype=bool, count=len(column))
    pa, column = _pa(), _normalised(column)
    if pa.types.is_floating(column.type):
        number = column.to_numpy(zero_copy_only=False)
        whole = np.isfinite(number) & (np.floor(number) == number) & (np.abs(number) < 2**53)
        column = pa.array(np.where(whole, number, 0).astype(np.int64), mask=~whole)
    if pa.types.is_integer(column.type):
        column = column.cast(pa.string())
    if not _is_text(column):
        return np.full(len(column), None, dtype=object), np.zeros(len(column), dtype=bool)
    pc = _pc()
    ok = pc.and_(pc.match_substring_regex(column, _SAFE_ID_RE2), pc.less_equal(pc.utf8_length(column), _MAX_ID_LENGTH))
    ids: NDArray[np.object_] = column.to_numpy(zero_copy_only=False)
    return ids, ok.fill_null(False).to_numpy(zero_copy_only=False)


# ---- columns that must stay empty -----------------------------------------------------------


def quiet_cells(column: Column, *, allowed: str | None = None) -> Mask:
    """Cells that are empty (or hold ``allowed``): the rule for ``schema_version`` and for unknown keys."""
    if not is_arrow(column):
        return np.fromiter(
            (
                value is None
                or _empty_text(value)
                or (type(value) is str and value == allowed)
                or _missing_float(value)
                for value in column
            ),
            dtype=bool,
            count=len(column),
        )
    pa, column = _pa(), _normalised(column)
    if pa.types.is_null(column.type):
        return np.ones(len(column), dtype=bool)
    null = nulls(column)
    if _is_text(column):
        _, lengths, _, _ = _text_parts(column)
        ok = null | (lengths == 0)
        if allowed is not None:
            ok |= _pc().equal(column, allowed).fill_null(False).to_numpy(zero_copy_only=False)
        return ok
    if pa.types.is_floating(column.type):
        null |= np.isnan(column.to_numpy(zero_copy_only=False))
    return null


def absent_cells(column: Column) -> Mask:
    """Cells that hold nothing at all (``None``, null): the only safe values of a key the schema does not know."""
    if not is_arrow(column):
        return np.fromiter((value is None for value in column), dtype=bool, count=len(column))
    column = _normalised(column)
    return np.ones(len(column), dtype=bool) if _pa().types.is_null(column.type) else nulls(column)


def version_cells(column: Column) -> Mask:
    """``schema_version`` cells: empty, or the one version this release reads."""
    return quiet_cells(column, allowed=SCHEMA_VERSION)


def tabular_value(kind: str | None, value: Any) -> Any:
    """Apply the table rules to one cell before the reference rule sees it.

    NaN (and pandas' NA and NaT) is an empty cell; in an answer column a whole float is
    that integer; a numeric candidate id is its decimal text. Other values are unchanged.
    """
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and (kind in (ITEM, CHECK) or (kind == CANDIDATE_ID and abs(value) < 2**53)):
            return str(int(value)) if kind == CANDIDATE_ID else int(value)
    elif kind == CANDIDATE_ID and type(value) is int:
        return str(value)
    elif type(value).__name__ in ("NAType", "NaTType"):
        return None
    return value
