"""The reference reader: an assessment export read row by row, each row decided by the schema alone.

This is the slow, plain statement of what reading an export means, and the oracle the tests hold
the batch reader against (tests/data/test_batch_validation.py: the vectorized validator must accept
and reject exactly what this does). Everything that reads exports in profilefit uses the batch
reader (:func:`profilefit.data.batch.open_source`, :func:`profilefit.data.batch.collect_responses`);
this one is kept public for that comparison, and for a user who wants to check a file the simplest way.

CSV is read as spreadsheets in Oslo, Stockholm and Utrecht write it: comma,
semicolon or tab, UTF-8 with or without a byte-order mark, CRLF line ends, quoted fields.
JSON Lines rows keep their JSON types. Each row then goes through the one row rule,
:func:`profilefit.core.rows.coerce_row`, and the strict assessment schema.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from profilefit.core.instrument import Instrument
from profilefit.core.rows import load_json_object
from profilefit.exceptions import JsonRowError

if TYPE_CHECKING:
    from profilefit.core.scoring import Responses


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


def read_assessments(
    path: str | Path, instrument: Instrument, *, label_column: str | None = None
) -> tuple[Responses, list[str] | None, list[dict[str, Any]]]:
    """Read and validate an export row by row with the assessment schema.

    Returns the valid rows as :class:`~profilefit.core.scoring.Responses`, their labels
    (when ``label_column`` is given) and one record per problem in a rejected row:
    its row number (1 = first data row), field, value and reason. Every row is in
    one or the other; nothing is dropped silently.
    """
    from pydantic import ValidationError

    from profilefit.core.schema import assessment_model, describe_errors, validate_row
    from profilefit.core.scoring import Responses

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
            rejected += [{"row": row_number, **problem} for problem in describe_errors(error, instrument, row=row)]
            continue
        records.append(validated.model_dump())
        labels.append(label)
    responses = Responses.from_records(instrument, records)
    return responses, (labels if label_column is not None else None), rejected
