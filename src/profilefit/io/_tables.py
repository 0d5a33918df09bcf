"""Reading assessment exports row by row, and turning text cells into typed answers.

CSV is read as spreadsheets in Oslo, Stockholm and Utrecht write it: comma,
semicolon or tab, UTF-8 with or without a byte-order mark, CRLF line ends, quoted fields.
JSON Lines rows keep their JSON types. :func:`coerce_row` is the one rule for
turning a text cell into the value the strict assessment schema checks; the
vectorized batch validator must agree with it row for row.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from profilefit.instrument import Instrument
from profilefit.io._json import JsonRowError, load_json_object

if TYPE_CHECKING:
    from profilefit.scoring import Responses

#: A whole number as text: ``4``, ``+4``, ``04``, and ``4.0`` as pandas and R write integer columns with gaps.
#: ASCII digits only (``[0-9]``, not ``\d``): "٤" and full-width "４" are refused at every door, as the batch
#: fast path refuses them, rather than read as 4 by one door and refused by another.
_WHOLE_NUMBER = re.compile(r"^[+]?[0-9]+(?:\.0+)?$")
_DECIMAL = re.compile(r"^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)$")
#: Longer digit strings are left as text for the schema to refuse (Python refuses to read 4,300 and more).
_MAX_DIGITS = 24


def sniff_delimiter(sample: str) -> str:
    """The delimiter the header line uses most: semicolon, comma or tab (semicolon on a tie; comma if none).

    Examples
    --------
    >>> sniff_delimiter("candidate_id;tc1;tc2")
    ';'
    >>> sniff_delimiter("candidate_id")
    ','
    """
    header = sample.partition("\n")[0]
    counts = {delimiter: header.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])  # the first of equal counts wins
    return best if counts[best] > 0 else ","


def read_rows(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the rows of a CSV or JSON Lines file as dicts, in file order.

    CSV cells are strings (empty cells are ``""``); JSON Lines values keep their types.

    Raises
    ------
    ValueError
        For a file type other than ``.csv``, ``.txt`` or ``.jsonl``/``.ndjson``, or a
        JSON Lines line that is not a JSON object (the message names the line).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        with path.open("r", encoding="utf-8-sig", newline="") as stream:
            delimiter = sniff_delimiter(stream.read(64 * 1024))
            stream.seek(0)
            yield from csv.DictReader(stream, delimiter=delimiter)
    elif suffix in {".jsonl", ".ndjson"}:
        with path.open("r", encoding="utf-8-sig") as stream:
            for line_number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    row = load_json_object(line)
                except JsonRowError as error:
                    raise ValueError(f"{path}, line {line_number}: {error}") from error
                yield row
    else:
        raise ValueError(f"{path}: cannot read {suffix!r} files here; use .csv or .jsonl")


class RepeatedFieldError(ValueError):
    """Two keys of one row name the same field once surrounding spaces are removed (``"tc1"`` and ``" tc1"``)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"field {field!r} appears more than once in this row (keys are compared without spaces)")
        self.field = field


def _is_missing(value: Any) -> bool:
    """NaN, pandas' ``NA`` and ``NaT``: how tables and ``DataFrame.to_dict`` spell an empty cell."""
    if isinstance(value, float):
        return value != value  # only nan is unequal to itself
    return type(value).__name__ in ("NAType", "NaTType")


def coerce_row(instrument: Instrument, row: Mapping[str, Any]) -> dict[str, Any]:
    """Turn one row, from any source, into the values the strict assessment schema checks.

    This is the one decision rule in front of the schema: ``Screener.score``, ``score_many``,
    ``score_batch``, ``profilefit score`` and every file format pass each row through it.

    - Keys lose surrounding spaces; two keys that then name one field raise
      :class:`RepeatedFieldError`.
    - Empty cells are unanswered (left out): ``None``, ``""`` (blank text), NaN, pandas'
      ``NA`` and ``NaT``. An empty ``candidate_id`` text is kept, so the schema names it.
    - Text loses surrounding spaces. In an answer column a whole number in text (``"4"``,
      ``"+4"``, ``"04"``, ``"4.0"``) becomes that ``int``; option letters are lower-cased;
      ``completion_seconds`` may use a decimal comma (``"525,8"``).
    - In an answer column a float holding a whole number (``4.0``, as pandas stores an
      integer column with gaps) becomes that ``int``; ``4.5`` stays and is refused.
    - A numeric ``candidate_id`` (``101``, ``101.0``) becomes its decimal text (``"101"``).

    Anything else passes unchanged, so the schema refuses it and names the field and the value.

    Raises
    ------
    RepeatedFieldError
        When two keys name the same field.
    """
    answer_fields = _answer_fields(instrument)
    scenario_fields = set(instrument.scenario_ids)
    typed: dict[str, Any] = {}
    seen: set[str] = set()
    for key, value in row.items():
        if key is None:  # a CSV row with more cells than the header has
            typed["(extra cells)"] = value
            continue
        name = key.strip()
        if name in seen:
            raise RepeatedFieldError(name)
        seen.add(name)
        if isinstance(value, str):
            text = value.strip()
            if text == "" and name != "candidate_id":
                continue
            if name in answer_fields and len(text) <= _MAX_DIGITS and _WHOLE_NUMBER.match(text):
                typed[name] = int(text.partition(".")[0])
            elif name in scenario_fields:
                typed[name] = text.lower()
            elif name == "completion_seconds" and len(text) <= _MAX_DIGITS and _DECIMAL.match(text):
                typed[name] = float(text.replace(",", "."))
            else:
                typed[name] = text
        elif value is None or _is_missing(value):
            continue
        elif type(value) is float and value.is_integer() and name in answer_fields:
            typed[name] = int(value)
        elif name == "candidate_id" and (
            type(value) is int or (type(value) is float and value.is_integer() and abs(value) < 2**53)
        ):
            typed[name] = str(int(value))
        else:
            typed[name] = value
    return typed


def _answer_fields(instrument: Instrument) -> frozenset[str]:
    return frozenset(instrument.item_ids) | frozenset(instrument.check_ids)


def read_assessments(
    path: str | Path, instrument: Instrument, *, label_column: str | None = None
) -> tuple[Responses, list[str] | None, list[dict[str, Any]]]:
    """Read and validate an export row by row with the assessment schema.

    Returns the valid rows as :class:`~profilefit.scoring.Responses`, their labels
    (when ``label_column`` is given) and one record per problem in a rejected row:
    its row number (1 = first data row), field, value and reason. Every row is in
    one or the other; nothing is dropped silently.
    """
    # Imported here: profilefit.schema and profilefit.scoring import this package's siblings.
    from pydantic import ValidationError

    from profilefit.schema import assessment_model, describe_errors, validate_row
    from profilefit.scoring import Responses

    model = assessment_model(instrument)
    records: list[dict[str, Any]] = []
    labels: list[str] = []
    rejected: list[dict[str, Any]] = []
    for row_number, raw in enumerate(read_rows(path), start=1):
        row = dict(raw)
        label = ""
        if label_column is not None:
            if label_column not in row:
                raise ValueError(f"{path}: no column {label_column!r}; columns are {', '.join(map(str, row))}")
            label = str(row.pop(label_column) or "").strip()
            if not label:
                rejected.append({"row": row_number, "field": label_column, "value": "", "reason": "no label"})
                continue
        try:
            validated = validate_row(model, row)
        except ValidationError as error:
            rejected += [{"row": row_number, **problem} for problem in describe_errors(error, instrument)]
            continue
        records.append(validated.model_dump())
        labels.append(label)
    responses = Responses.from_records(instrument, records)
    return responses, (labels if label_column is not None else None), rejected
