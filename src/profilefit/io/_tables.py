"""Reading assessment exports row by row, and turning text cells into typed answers.

CSV is read as spreadsheets in Oslo, Stockholm and Utrecht write it: comma,
semicolon or tab, UTF-8 with or without a byte-order mark, CRLF line ends, quoted fields.
JSON Lines rows keep their JSON types. :func:`coerce_row` is the one rule for
turning a text cell into the value the strict assessment schema checks; the
vectorized batch validator must agree with it row for row.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from profilefit.instrument import Instrument

if TYPE_CHECKING:
    from profilefit.scoring import Responses

_WHOLE_NUMBER = re.compile(r"^[+]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
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
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError(f"{path}, line {line_number}: expected a JSON object, got {type(row).__name__}")
                yield row
    else:
        raise ValueError(f"{path}: cannot read {suffix!r} files here; use .csv or .jsonl")


def coerce_row(instrument: Instrument, row: Mapping[str, Any]) -> dict[str, Any]:
    """Turn the text cells of one export row into the types the assessment schema expects.

    Empty cells become "unanswered" (left out). A whole number in text becomes an
    ``int``; a decimal comma is accepted for ``completion_seconds``; option letters
    are lower-cased. Anything else is passed on unchanged, so that the schema rejects
    it and names the field and the value. Non-text values (from JSON) pass unchanged.
    """
    answer_fields = set(instrument.item_ids) | set(instrument.check_ids)
    scenario_fields = set(instrument.scenario_ids)
    typed: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:  # a CSV row with more cells than the header has
            typed["(extra cells)"] = value
            continue
        name = key.strip()
        if isinstance(value, str):
            text = value.strip()
            if text == "" and name != "candidate_id":
                continue
            if name in answer_fields and len(text) <= _MAX_DIGITS and _WHOLE_NUMBER.match(text):
                typed[name] = int(text)
            elif name in scenario_fields:
                typed[name] = text.lower()
            elif name == "completion_seconds" and len(text) <= _MAX_DIGITS and _DECIMAL.match(text):
                typed[name] = float(text.replace(",", "."))
            else:
                typed[name] = text
        elif value is None:
            continue
        else:
            typed[name] = value
    return typed


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

    from profilefit.schema import assessment_model, describe_errors
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
            validated = model.model_validate(coerce_row(instrument, row))
        except ValidationError as error:
            rejected += [{"row": row_number, **problem} for problem in describe_errors(error, instrument)]
            continue
        records.append(validated.model_dump())
        labels.append(label)
    responses = Responses.from_records(instrument, records)
    return responses, (labels if label_column is not None else None), rejected
