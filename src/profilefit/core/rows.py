"""One row of answers as it arrives: the one rule every door applies before the schema.

:func:`coerce_row` turns a row from any source (a dict, a CSV row of texts, a JSON object,
a spreadsheet row) into the values the strict assessment schema checks; the vectorized batch
validator must agree with it row for row. :func:`load_json_object` is the one parser of one
candidate as JSON text, and :func:`echo` cuts a value short for messages.

Python's ``json`` module keeps the last of two equal keys (``{"tc1": 1, "tc1": 6}``
scores 6), recurses on nesting, and refuses numbers longer than 4,300 digits with a
bare ``ValueError``. :func:`load_json_object` makes each of these a :class:`JsonRowError`
with one clear reason, so the batch readers can turn it into a reject of that line and
``Screener.score`` into a validation error, and both decide the same text the same way.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from profilefit.exceptions import JsonRowError, NotFiniteError, RepeatedFieldError, RepeatedKeyError

if TYPE_CHECKING:
    from profilefit.core.instrument import Instrument

#: Echoed values (in rejects and messages) are cut to about this many characters.
ECHO_CHARS = 80
_SURROGATE_TEXT = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")


#: The one reason for a JSON text holding a number that is not finite, however it was written.
NOT_FINITE = (
    "not valid JSON: a number is NaN, Infinity or too large to read (leave the field out, or write null, "
    "when there is no value)"
)


class _NotFinite(ValueError):
    """A JSON text holds NaN, Infinity or -Infinity (which Python's json reads), or a number like 1e400."""


def _refuse_constant(constant: str) -> Any:
    # JSON (RFC 8259) has no NaN or Infinity. A row that holds one is refused at every JSON door, rather
    # than read as an empty answer (a NaN time would switch the too-fast flag off) or an endless one.
    raise _NotFinite(constant)


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400 overflows to infinity; refused as Infinity is
        raise _NotFinite(text)
    return number


class _DuplicateKey(ValueError):
    def __init__(self, key: str, values: list[Any]) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key, [value for other, value in pairs if other == key])
            seen.add(key)
    return record


def _key_ends(text: str | bytes) -> int:
    return text.count(b":") if isinstance(text, bytes) else text.count(":")


def load_json_object(text: str | bytes) -> dict[str, Any]:
    """Parse one JSON object, refusing repeated keys.

    Parameters
    ----------
    text : str or bytes
        Bytes may be UTF-8, UTF-16 or UTF-32, as :func:`json.loads` detects them; a UTF-8
        byte-order mark is allowed.

    Returns
    -------
    dict

    Raises
    ------
    JsonRowError
        For text that is not valid JSON (``NaN``, ``Infinity`` and ``-Infinity``, which Python's json
        reads, and numbers too large for a double, such as ``1e400``, included: :data:`NOT_FINITE`),
        not valid UTF-8, nested too deeply, holds a number
        too long to read or an escaped lone surrogate (U+D800 to U+DFFF, not a character),
        repeats a key (a :class:`~profilefit.exceptions.RepeatedKeyError`, which holds the key and its values),
        or is not an object.

    Examples
    --------
    >>> load_json_object('{"candidate_id": "c1", "tc1": 4}')
    {'candidate_id': 'c1', 'tc1': 4}
    >>> load_json_object('{"tc1": 1, "tc1": 6}')
    Traceback (most recent call last):
    ...
    profilefit.exceptions.RepeatedKeyError: key 'tc1' appears more than once in this object
    """
    if isinstance(text, bytes) and text.startswith(b"\xef\xbb\xbf"):
        text = text[3:]
    elif isinstance(text, str) and text.startswith("\ufeff"):
        text = text[1:]
    try:
        record = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
        # Each key, at any depth, is followed by a colon. When the text holds exactly as many colons as
        # the object has keys, no key can repeat; only other texts are parsed again, key by key.
        if isinstance(record, dict) and _key_ends(text) != len(record):
            record = json.loads(text, object_pairs_hook=_object, parse_constant=_refuse_constant, parse_float=_finite)
    except _DuplicateKey as error:
        raise RepeatedKeyError(repeated_key_reason(error.key), error.key, error.values) from None
    except _NotFinite:
        raise NotFiniteError(NOT_FINITE, _not_finite_key(text)) from None
    except json.JSONDecodeError as error:
        raise JsonRowError(f"not valid JSON ({error.msg} at character {error.pos})") from None
    except UnicodeDecodeError as error:
        byte = error.object[error.start]
        raise JsonRowError(f"not valid {error.encoding} text (byte 0x{byte:02X} at byte {error.start})") from None
    except RecursionError:
        raise JsonRowError("not readable: JSON nested too deeply") from None
    except ValueError as error:  # a number longer than Python reads (sys.get_int_max_str_digits)
        raise JsonRowError(f"not readable: {str(error).partition(';')[0]}") from None
    if not isinstance(record, dict):
        raise JsonRowError(f"expected a JSON object {{...}}, got {json_kind(record)}")
    escaped = _SURROGATE_BYTES.search(text) if isinstance(text, bytes) else _SURROGATE_TEXT.search(text)
    if escaped:
        # json decodes a lone escaped surrogate ("\ud800") into a str that no UTF-8 file can hold.
        try:
            json.dumps(record, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as error:
            lone = f"\\u{ord(error.object[error.start]):04x}"
            raise JsonRowError(f"not valid text: a lone surrogate ({lone}) is not a character") from None
    return record


class _Refused:
    """Where a value NaN, Infinity or 1e400 stood, in a text read again to find its key."""


def _not_finite_key(text: str | bytes) -> str | None:
    """The first top-level key of a JSON object's text whose value holds a number that is not finite."""
    refused = _Refused()

    def mark(constant: str) -> Any:
        return refused

    def number(written: str) -> Any:
        return float(written) if math.isfinite(float(written)) else refused

    def holds(value: Any) -> bool:
        if isinstance(value, list):  # an array, or an object's key-value pairs
            return any(holds(part) for part in value)
        if isinstance(value, tuple):
            return holds(value[1])
        return value is refused

    try:
        pairs = json.loads(text, object_pairs_hook=list, parse_constant=mark, parse_float=number)
    except (ValueError, RecursionError):
        return None
    if not isinstance(pairs, list) or not all(isinstance(pair, tuple) for pair in pairs):
        return None
    return next((key for key, value in pairs if holds(value)), None)


def json_kind(value: Any) -> str:
    """What a parsed JSON value is, in JSON's words (``null``, ``an array``, ``a string``, ...).

    Examples
    --------
    >>> json_kind(None), json_kind([1]), json_kind("x"), json_kind(True), json_kind(2.5)
    ('null', 'an array', 'a string', 'true', 'a number')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    return "a number"


def repeated_key_reason(key: str) -> str:
    """The one reason every door gives for a JSON object that holds ``key`` twice.

    Examples
    --------
    >>> repeated_key_reason("tc1")
    "key 'tc1' appears more than once in this object"
    """
    return f"key {echo(key)!r} appears more than once in this object"


def echo(value: Any, limit: int = ECHO_CHARS) -> Any:
    r"""A value as a message or a reject echoes it: text, lists and dicts cut to about ``limit`` characters.

    Control, format and separator characters (``\x00``, the right-to-left override ``\u202e``) are written
    as their escapes, so a rejects file or a terminal shows what was sent rather than acting on it.
    Numbers, booleans and ``None`` are returned as they are.

    Examples
    --------
    >>> echo("x" * 100)
    'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx… (100 characters)'
    >>> echo(4)
    4
    >>> echo("ac" + chr(0))
    'ac\\x00'
    >>> print(echo("cand\u202egnp.exe"))
    cand\u202egnp.exe
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 3 * limit:
        return f"a whole number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    if isinstance(value, list | dict | tuple):
        try:
            value = json.dumps(value, ensure_ascii=False, default=str)
        except (RecursionError, ValueError):
            return f"a nested {type(value).__name__}"
    if isinstance(value, str):
        # Control characters are shown, not sent: a NUL in a rejects file, or an escape sequence printed to
        # a recruiter's terminal, would act instead of being read; a right-to-left override would show a
        # spreadsheet's reader the id reversed. isprintable() is False for each of them (and for no ASCII
        # letter), so a value without any is passed over at C speed.
        if not value.isprintable():
            value = "".join(_visible(char) for char in value)
        if len(value) > limit:
            return value[: limit - 1] + f"… ({len(value):,} characters)"
    return value


#: Characters :func:`echo` writes as their escape: control characters (C0, DEL, C1), format characters (the
#: direction controls U+202A to U+202E and U+2066 to U+2069, U+200E and U+200F, zero-width ones, U+FEFF) and
#: line and paragraph separators (U+2028, U+2029), which change how the text around them reads.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def _visible(char: str) -> str:
    if unicodedata.category(char) not in _HIDDEN_CATEGORIES:
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


#: A whole number as text: ``4``, ``+4``, ``04``, and ``4.0`` as pandas and R write integer columns with gaps.
#: ASCII digits only (``[0-9]``, not ``\d``): "٤" and full-width "４" are refused at every door, as the batch
#: fast path refuses them, rather than read as 4 by one door and refused by another.
_WHOLE_NUMBER = re.compile(r"^[+]?[0-9]+(?:\.0+)?$")
_DECIMAL = re.compile(r"^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)$")
#: Longer digit strings are left as text for the schema to refuse (Python refuses to read 4,300 and more).
_MAX_DIGITS = 24


def _is_missing(value: Any) -> bool:
    """NaN, pandas' ``NA`` and ``NaT``: how tables and ``DataFrame.to_dict`` spell an empty cell."""
    if isinstance(value, float):
        return value != value  # only nan is unequal to itself
    return type(value).__name__ in ("NAType", "NaTType")


def answered_keys(pairs: Iterable[tuple[str, Any]]) -> list[str]:
    """The keys of ``pairs`` that hold an answer: not ``null``, not blank text, not an empty cell (NaN, NA).

    What tells an assessment's instrument version at every door (the service, ``score-one``, ``report``): a
    form template that sends every field, the unanswered ones empty, answers only what it fills in.

    Examples
    --------
    >>> answered_keys([("candidate_id", "c1"), ("b01", "ac"), ("tc1", None), ("tc2", " ")])
    ['candidate_id', 'b01']
    """
    return [
        key
        for key, value in pairs
        if value is not None and not _is_missing(value) and not (isinstance(value, str) and not value.strip())
    ]


def field_named(instrument: Instrument, key: str) -> str:
    """The field of ``instrument`` that ``key`` names: the one rule of which key is which question, at every door.

    A key loses surrounding spaces and is matched without regard to case (``casefold``), as a table's
    header always was: ``" TC1 "`` is ``tc1``. A key that names no field is returned stripped, for the
    schema to refuse. :func:`coerce_row` reads every row's keys by it; the service decides an
    assessment's instrument version, and ``profilefit score-one`` and ``score`` theirs, by it too.

    Examples
    --------
    >>> from profilefit.core.instrument import load_instrument
    >>> instrument = load_instrument()
    >>> field_named(instrument, " TC1 "), field_named(instrument, "Candidate_ID"), field_named(instrument, "tc 1")
    ('tc1', 'candidate_id', 'tc 1')
    """
    name = key.strip()
    return _folded_fields(instrument).get(name.casefold(), name)


def candidate_id_as_read(value: Any) -> Any:
    """A candidate id as every door reads it: text without surrounding spaces, a whole number as its decimal text.

    An ATS's numeric ids (``101``, and ``101.0`` as a spreadsheet stores them) are read as the text ``"101"``;
    a float is read so only while it is exact (below 2**53). Anything else (``1.5``, ``true``, a list) is
    returned unchanged, for the schema to refuse with :data:`profilefit.core.schema.ID_ALLOWED`. The
    assessment (:func:`coerce_row`) and the service's invitations read an id by this one function.

    Examples
    --------
    >>> candidate_id_as_read(" c-1 "), candidate_id_as_read(101), candidate_id_as_read(101.0), candidate_id_as_read(1.5)
    ('c-1', '101', '101', 1.5)
    """
    if isinstance(value, str):
        return value.strip()
    if type(value) is int or (type(value) is float and value.is_integer() and abs(value) < 2**53):
        return str(int(value))
    return value


def coerce_row(instrument: Instrument, row: Mapping[str, Any]) -> dict[str, Any]:
    """Turn one row, from any source, into the values the strict assessment schema checks.

    This is the one decision rule in front of the schema: ``Screener.score``, ``score_many``,
    ``score_batch``, ``profilefit score`` and every file format pass each row through it.

    - Keys lose surrounding spaces and are matched to the fields without regard to case (``"TC1"`` is
      ``tc1``, as every door reads a table's header: :func:`field_named`); two keys that then name one
      field raise :class:`RepeatedFieldError`, which holds the keys as written and their values.
    - Empty cells are unanswered (left out): ``None``, ``""`` (blank text), NaN, pandas'
      ``NA`` and ``NaT``. An empty ``candidate_id`` text is kept, so the schema names it.
    - Text loses surrounding spaces. In an answer column a whole number in text (``"4"``,
      ``"+4"``, ``"04"``, ``"4.0"``) becomes that ``int``; option letters and two-letter block
      answers are lower-cased (``"B"`` is ``b``, ``"AC"`` is ``ac``) when that is an answer the
      field allows, and kept as written otherwise (so a refusal names ``"NULL"``, not ``"null"``);
      ``completion_seconds`` may use a decimal comma (``"525,8"``).
    - In an answer column a float holding a whole number (``4.0``, as pandas stores an
      integer column with gaps) becomes that ``int``; ``4.5`` stays and is refused.
    - A numeric ``candidate_id`` (``101``, ``101.0``) becomes its decimal text (``"101"``).

    Anything else passes unchanged, so the schema refuses it and names the field and the value.

    Raises
    ------
    RepeatedFieldError
        When two keys name the same field (``"tc1"`` and ``"TC1"``); its ``keys`` and ``values`` are as given.
    """
    answer_fields, letter_fields = _field_kinds(instrument)
    folded = _folded_fields(instrument)
    typed: dict[str, Any] = {}
    seen: set[str] = set()
    for key, value in row.items():
        if key is None:  # a CSV row with more cells than the header has
            # Empty cells beyond the header are nothing: some tools end every data row with a delimiter, and
            # the header without one. A cell beyond it that holds anything is a problem of the row.
            if not (isinstance(value, list) and all(isinstance(cell, str) and not cell.strip() for cell in value)):
                typed["(extra cells)"] = value
            continue
        name = key.strip()
        name = folded.get(name.casefold(), name)  # field_named's rule, inlined: this loop runs for every cell
        if name in seen:
            raise _repeated(folded, row, name)
        seen.add(name)
        if isinstance(value, str):
            text = value.strip()
            if text == "" and name != "candidate_id":
                continue
            if name in answer_fields and len(text) <= _MAX_DIGITS and _WHOLE_NUMBER.match(text):
                typed[name] = int(text.partition(".")[0])
            elif (allowed := letter_fields.get(name)) is not None:
                lowered = text.lower()
                typed[name] = lowered if lowered in allowed else text
            elif name == "completion_seconds" and len(text) <= _MAX_DIGITS and _DECIMAL.match(text):
                typed[name] = float(text.replace(",", "."))
            else:
                typed[name] = text
        elif type(value) is int and name != "candidate_id":  # the common answer: passes as it is
            typed[name] = value
        elif value is None or _is_missing(value):
            continue
        elif type(value) is float and value.is_integer() and name in answer_fields:
            typed[name] = int(value)
        elif name == "candidate_id":
            typed[name] = candidate_id_as_read(value)
        else:
            typed[name] = value
    return typed


def _repeated(folded: dict[str, str], row: Mapping[str, Any], name: str) -> RepeatedFieldError:
    """The error for ``name`` given twice: every key of ``row`` that names it, as written, with its value."""
    pairs = [
        (key, value)
        for key, value in row.items()
        if isinstance(key, str) and folded.get(key.strip().casefold(), key.strip()) == name
    ]
    return RepeatedFieldError(name, tuple(key for key, _ in pairs), tuple(value for _, value in pairs))


_Kinds = tuple["Instrument", frozenset[str], dict[str, frozenset[str]], dict[str, str]]
#: The field kinds (answers; letters; folded names) of the last few instruments, by id, each with its instrument
#: (held, so its id is never another's): one row at a time, rebuilding the sets was a tenth of coerce_row's time.
#: A few, not one: the service reads every assessment's keys against both instrument versions it serves.
_KINDS: dict[int, _Kinds] = {}
#: Instruments whose kinds are kept; more are rare (a process reading many custom instruments) and start afresh.
_KINDS_KEPT = 8


def _field_kinds(instrument: Instrument) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """The answer fields (whole numbers), and the letter fields (options and blocks) with the answers each allows."""
    kinds = _kinds(instrument)
    return kinds[1], kinds[2]


def _folded_fields(instrument: Instrument) -> dict[str, str]:
    """Each field of the assessment by its name in lower case (``casefold``), where that differs from it."""
    return _kinds(instrument)[3]


def _kinds(instrument: Instrument) -> _Kinds:
    kinds = _KINDS.get(id(instrument))
    if kinds is None or kinds[0] is not instrument:
        # Option letters and two-letter block answers are read in either case ("B" is b, "AC" is ac).
        # Only a text that is one of them in lower case is lower-cased, so a refused value is named as written.
        letters = {s.id: frozenset(o.id for o in s.options) for s in instrument.scenarios}
        from profilefit.core.instrument import BLOCK_ANSWERS

        letters.update(dict.fromkeys(instrument.block_ids, frozenset(BLOCK_ANSWERS)))
        fields = (
            "candidate_id",
            "completion_seconds",
            *instrument.item_ids,
            *instrument.block_ids,
            *instrument.scenario_ids,
            *instrument.check_ids,
        )
        folded = {field.casefold(): field for field in fields}
        kinds = (instrument, _answer_fields(instrument), letters, folded)
        if len(_KINDS) >= _KINDS_KEPT:
            _KINDS.clear()
        _KINDS[id(instrument)] = kinds
    return kinds


def _answer_fields(instrument: Instrument) -> frozenset[str]:
    return frozenset(instrument.item_ids) | frozenset(instrument.check_ids)
