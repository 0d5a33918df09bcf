"""What each column of an export is, and the file-level checks of a header.

An assessment field is an item, a scenario, an attention check, ``candidate_id``,
``completion_seconds`` or ``schema_version``. A table's header is checked once,
before any row is scored: a named column that is not a field (a misspelt item id,
a demographic column, a name column) makes the whole file unusable as it stands,
so it is reported once as a :class:`ColumnError` instead of once per row.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from profilefit._identity_cache import identity_cache
from profilefit.instrument import Instrument
from profilefit.schema import DEMOGRAPHIC_FIELDS

#: Field kinds, as :attr:`FieldTable.kind` names them.
ITEM, SCENARIO, CHECK, SECONDS, CANDIDATE_ID, VERSION = "item", "scenario", "check", "seconds", "id", "version"


class ColumnError(ValueError):
    """The header of an export cannot be scored as it stands; the message names the columns and the fix."""


@dataclass(frozen=True, eq=False)
class FieldTable:
    """Lookup tables of one instrument that the vectorized validator uses.

    Attributes
    ----------
    instrument : Instrument
    kind : dict of str to (str, int)
        Field name to its kind (``"item"``, ``"scenario"``, ``"check"``, ``"seconds"``,
        ``"id"`` or ``"version"``) and its column in the matching answer matrix.
    low, high : int
        The response range of items and attention checks.
    answer_text : dict of str to int
        The canonical texts of valid answers (``"1"`` to ``"6"``) and their values.
    option_bytes : list of ndarray of int16, shape (256,)
        Per scenario: the option index of a one-byte cell (upper or lower case letter), -1 otherwise.
    option_text : list of dict of str to int
        Per scenario: option letter (either case) to option index.
    """

    instrument: Instrument
    kind: dict[str, tuple[str, int]]
    low: int
    high: int
    answer_text: dict[str, int]
    option_bytes: list[NDArray[np.int16]]
    option_text: list[dict[str, int]]


@identity_cache()
def field_table(instrument: Instrument) -> FieldTable:
    """Build (once per instrument object) the lookup tables of :class:`FieldTable`."""
    kind: dict[str, tuple[str, int]] = {"candidate_id": (CANDIDATE_ID, 0), "completion_seconds": (SECONDS, 0)}
    kind["schema_version"] = (VERSION, 0)
    kind.update({item_id: (ITEM, k) for k, item_id in enumerate(instrument.item_ids)})
    kind.update({scenario_id: (SCENARIO, k) for k, scenario_id in enumerate(instrument.scenario_ids)})
    kind.update({check_id: (CHECK, k) for k, check_id in enumerate(instrument.check_ids)})
    low, high = instrument.response_scale.min, instrument.response_scale.max
    option_bytes, option_text = [], []
    for scenario in instrument.scenarios:
        table = np.full(256, -1, dtype=np.int16)
        text: dict[str, int] = {}
        for index, option in enumerate(scenario.options):
            for letter in (option.id, option.id.upper()):
                table[ord(letter)] = index
                text[letter] = index
        option_bytes.append(table)
        option_text.append(text)
    return FieldTable(
        instrument=instrument,
        kind=kind,
        low=low,
        high=high,
        answer_text={str(value): value for value in range(low, high + 1)},
        option_bytes=option_bytes,
        option_text=option_text,
    )


def check_header(
    instrument: Instrument, names: Sequence[str], *, ignore_columns: Iterable[str] = (), source: str = "input"
) -> list[int]:
    """Check the column names of a table against the instrument; return the positions to read.

    Names are compared after stripping surrounding spaces, as the schema does. A column
    with an empty name (a trailing delimiter) is kept: a row with a value in it is
    rejected, as the schema rejects an unknown field.

    Parameters
    ----------
    instrument : Instrument
    names : sequence of str
        The header, in file order.
    ignore_columns : iterable of str, optional
        Columns to leave out of scoring altogether (for example ``"email"``).
    source : str, default="input"
        Names the file in messages.

    Returns
    -------
    list of int
        Positions of the columns to validate (all but the ignored ones).

    Raises
    ------
    ColumnError
        If there is no ``candidate_id`` column, a name repeats, or a named column is
        not a field of the instrument (demographic columns are named as such).
    """
    kinds = field_table(instrument).kind
    ignored = {name.strip() for name in ignore_columns}
    stripped = [str(name).strip() for name in names]
    keep = [k for k, name in enumerate(stripped) if name not in ignored]
    counts = Counter(stripped[k] for k in keep if stripped[k])
    repeated = sorted(name for name, count in counts.items() if count > 1)
    unknown = [stripped[k] for k in keep if stripped[k] and stripped[k] not in kinds]
    problems = []
    if repeated:
        problems.append(f"column(s) {', '.join(map(repr, repeated))} appear more than once")
    demographic = [name for name in unknown if name.lower() in DEMOGRAPHIC_FIELDS]
    if demographic:
        problems.append(
            f"column(s) {', '.join(map(repr, demographic))} are demographic: demographics never enter scoring; "
            "give them to the adverse-impact audit instead (profilefit audit RESULTS --demographics FILE)"
        )
    others = [name for name in unknown if name not in demographic]
    if others:
        described = []
        for name in others:
            close = difflib.get_close_matches(name.lower(), list(kinds), n=1)
            described.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
        problems.append(
            f"column(s) {', '.join(described)} are not fields of instrument "
            f"{instrument.id} {instrument.version} (item, scenario and check ids, candidate_id, completion_seconds)"
        )
    if "candidate_id" not in {stripped[k] for k in keep}:
        problems.append("there is no candidate_id column")
    if problems:
        hint = " Fix the header, or leave a column out with --ignore-column NAME (ignore_columns=[...] in Python)."
        raise ColumnError(f"{source}: " + "; ".join(problems) + "." + (hint if unknown or repeated else ""))
    return keep
