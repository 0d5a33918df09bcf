"""What each column of an export is, and the file-level checks of a header.

An assessment field is an item, a scenario, an attention check, ``candidate_id``,
``completion_seconds`` or ``schema_version``. A table's header is checked once,
before any row is scored (:func:`read_header`): names match their fields without
regard to case, columns that are not fields are ignored and named once in a note,
and demographic columns are never read. Only a header that cannot be scored at all
(no ``candidate_id``, a field twice) is a :class:`ColumnError`.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from profilefit.core.demographic_names import demographic_field
from profilefit.core.identity_cache import identity_cache
from profilefit.core.instrument import Instrument, load_instrument, other_version_questions
from profilefit.exceptions import ColumnError

#: Field kinds, as :attr:`FieldTable.kind` names them.
ITEM, SCENARIO, CHECK, SECONDS, CANDIDATE_ID, VERSION = "item", "scenario", "check", "seconds", "id", "version"
#: A forced-choice block (instrument 2.0): its cell is a two-letter answer, most then least.
BLOCK = "block"
#: A question only the other shipped version of the instrument has (1.2's ``tc1`` in a 2.0 export): read, so
#: that a row answering it is rejected naming it (an empty cell is harmless), never dropped as an unknown column.
OTHER_VERSION = "other version"


@dataclass(frozen=True, eq=False)
class FieldTable:
    """Lookup tables of one instrument that the vectorized validator uses.

    Attributes
    ----------
    instrument : Instrument
    kind : dict of str to (str, int)
        Field name to its kind (``"item"``, ``"scenario"``, ``"check"``, ``"block"``, ``"seconds"``,
        ``"id"``, ``"version"`` or ``"other version"``) and its column in the matching answer matrix.
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
    kind.update({block_id: (BLOCK, k) for k, block_id in enumerate(instrument.block_ids)})
    kind.update({question: (OTHER_VERSION, k) for k, question in enumerate(other_version_questions(instrument)[1])})
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


#: At most this many column names are listed in one note or error.
NAMES_LISTED = 10


@dataclass(frozen=True)
class Header:
    """The outcome of checking a table's header.

    Attributes
    ----------
    keep : list of int
        Positions of the columns to read.
    names : list of str
        The name each column is read as (the field's own spelling when it matched without
        regard to case), one per column of the header.
    notes : list of str
        What the caller should be told: columns matched by case, columns ignored.
    """

    keep: list[int]
    names: list[str]
    notes: list[str]


_NUMBERED = re.compile(r"([^\W\d_]+)[\W_]*0*(\d+)")


def suggested_field(name: str, fields: Sequence[str], *, spelling: bool = True) -> str | None:
    """The field a column name most likely means, or None: ``b1`` and ``block_01`` mean ``b01``, ``tcl`` ``tc1``.

    A name of letters and a number means the field with the same number whose letters begin its letters, or
    theirs (leading zeros, spaces and underscores aside); any other name, the closest field by spelling.
    """
    folded = name.strip().casefold()
    numbered = _NUMBERED.fullmatch(folded)
    if numbered:
        letters, number = numbered.group(1), int(numbered.group(2))
        for field in fields:
            own = _NUMBERED.fullmatch(field.casefold())
            if (
                own
                and int(own.group(2)) == number
                and (letters.startswith(own.group(1)) or own.group(1).startswith(letters))
            ):
                return field
    if not spelling:
        return None
    close = difflib.get_close_matches(folded, list(fields), n=1)
    return close[0] if close else None


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(map(repr, names[:NAMES_LISTED]))
    return shown + (f" and {len(names) - NAMES_LISTED:,} more" if len(names) > NAMES_LISTED else "")


class ColumnNames:
    """How the names of an export's columns (or a JSON object's keys) are read, one name at a time.

    The one place that decides what a name is: a field (compared stripped and without regard
    to case), the id column given as ``id_column``, an extra column read all the same (a label),
    a column left out (``ignore_columns``), a demographic column (never read), or an unknown
    column (ignored and named once in a note). A table's header (:func:`read_header`) and the
    keys of JSON Lines (:class:`~profilefit.data.batch._jsonl.KeyReader`) both use it, so an unknown
    column and an unknown key are handled alike. It remembers what it met, for the notes.
    """

    def __init__(
        self,
        instrument: Instrument,
        *,
        ignore_columns: Iterable[str] = (),
        extra_columns: Iterable[str] = (),
        id_column: str | None = None,
        source: str = "input",
    ) -> None:
        self.instrument = instrument
        self.source = source
        self.kinds = field_table(instrument).kind
        self._by_folded = {name.casefold(): name for name in self.kinds}
        self._ignored = {str(name).strip().casefold() for name in ignore_columns}
        self._extra = {str(name).strip().casefold(): str(name).strip() for name in extra_columns}
        if id_column is not None and str(id_column).strip().casefold() != "candidate_id":
            self._extra[str(id_column).strip().casefold()] = "candidate_id"
        self.recased: dict[str, None] = {}
        self.unknown: dict[str, None] = {}
        self.demographic: dict[str, None] = {}
        #: Questions of the other shipped version met (:data:`OTHER_VERSION`), as written.
        self.other_version: dict[str, None] = {}
        #: Whether a question of the instrument's own statements (an item, a block) was met.
        self.statements_met = False

    def read_as(self, name: str) -> str | None:
        """The name a column is read as (a field's own spelling, or ``name`` stripped), or None to leave it out."""
        stripped = name.strip()
        folded = stripped.casefold()
        if folded in self._ignored:
            return None
        if folded in self._extra:
            return self._extra[folded]
        if stripped and stripped not in self.kinds:
            if folded not in self._by_folded:
                (self.demographic if demographic_field(stripped) is not None else self.unknown)[stripped] = None
                return None
            self.recased[stripped] = None
        field = self._by_folded.get(folded, stripped)
        kind = self.kinds.get(field, (None,))[0]
        if kind == OTHER_VERSION:
            self.other_version[stripped] = None  # named as written, as unknown columns are
        elif kind in (ITEM, BLOCK):
            self.statements_met = True
        return field

    def notes(self) -> list[str]:
        """What the caller should be told: names matched by case, demographic and unknown columns left out."""
        source, instrument, notes = self.source, self.instrument, []
        recased, demographic, unknown = list(self.recased), list(self.demographic), list(self.unknown)
        if recased:
            notes.append(f"{source}: column name(s) {_listed(recased)} matched their fields without regard to case")
        if demographic:
            notes.append(
                f"{source}: column(s) {_listed(demographic)} look like demographics and were not read: demographics "
                "never enter scoring; give them to the adverse-impact audit "
                "(profilefit audit RESULTS --demographics FILE)"
            )
        if unknown:
            described = []
            for name in unknown[:NAMES_LISTED]:
                close = suggested_field(name, list(self.kinds))
                described.append(f"{name!r} (did you mean {close!r}?)" if close else repr(name))
            more = f" and {len(unknown) - NAMES_LISTED:,} more" if len(unknown) > NAMES_LISTED else ""
            notes.append(
                f"{source}: column(s) {', '.join(described)}{more} are not fields of instrument {instrument.id} "
                f"{instrument.version} and were ignored (leave a column out without this note with --ignore-column "
                "NAME)"
            )
        if self.other_version:
            version, _ = other_version_questions(instrument)
            notes.append(
                f"{source}: column(s) {_listed(list(self.other_version))} are questions of instrument {instrument.id} "
                f"{version}, not of {instrument.version}, which this export is scored with: a row that answers one "
                "is rejected, naming it; rows that leave them empty are scored"
            )
        return notes


def looks_like_header(instrument: Instrument, cells: Sequence[Any], id_column: str | None = None) -> bool:
    """Whether a row of cells is a header: it names the id column or a question of the instrument.

    This is how the header is told from a title row, notes or a cover sheet above it.
    Names are compared stripped and without regard to case, as :func:`read_header` compares them.
    """
    kinds = field_table(instrument).kind
    wanted = {name.casefold() for name, (kind, _) in kinds.items() if kind in (CANDIDATE_ID, ITEM, SCENARIO, CHECK)}
    if id_column is not None:
        wanted.add(str(id_column).strip().casefold())
    return any(isinstance(cell, str) and cell.strip().casefold() in wanted for cell in cells)


def read_header(
    instrument: Instrument,
    names: Sequence[str],
    *,
    ignore_columns: Iterable[str] = (),
    source: str = "input",
    extra_columns: Iterable[str] = (),
    id_column: str | None = None,
) -> Header:
    """Check the column names of a table against the instrument: which columns to read, and as what.

    - Names are compared after stripping surrounding spaces and without regard to case
      (``TC1`` is ``tc1``); a note says so once.
    - A column that is not a field (an e-mail column, a misspelt item id) is ignored, and
      named once in a note (at most :data:`NAMES_LISTED` names, with a suggestion for a close
      item id). A column that looks like a protected attribute (``sex``, ``age``, ...) is
      never read: demographics belong in the adverse-impact audit.
    - A column with an empty name (a trailing delimiter) is kept: a row with a value in it is
      rejected, as the schema rejects an unknown field.

    Parameters
    ----------
    instrument : Instrument
    names : sequence of str
        The header, in file order.
    ignore_columns : iterable of str, optional
        Columns to leave out without a note (compared without regard to case).
    source : str, default="input"
        Names the file in messages.
    extra_columns : iterable of str, optional
        Columns that are not fields but are read all the same, under the name given here
        (compared without regard to case): a label column for training, say.
    id_column : str, optional
        The column that holds the candidate id when it is not named ``candidate_id``
        (``"Kandidat-ID"``, say; compared without regard to case).

    Returns
    -------
    Header

    Raises
    ------
    ColumnError
        If there is no ``candidate_id`` column, two columns name the same field, or no column
        is a question of the instrument while others are not fields (an export of another
        instrument).
    """
    ignore_columns = tuple(ignore_columns)  # read twice below
    if not any(str(name).strip() for name in names):
        raise ColumnError(f"{source}: there is no header: the table is empty, so there is nothing to score.")
    columns = ColumnNames(
        instrument, ignore_columns=ignore_columns, extra_columns=extra_columns, id_column=id_column, source=source
    )
    kinds = columns.kinds
    read_as = [str(name).strip() for name in names]
    keep: list[int] = []
    for k, name in enumerate(names):
        kept = columns.read_as(str(name))
        if kept is not None:
            read_as[k] = kept
            keep.append(k)
    counts = Counter(read_as[k] for k in keep if read_as[k])
    repeated = sorted(name for name, count in counts.items() if count > 1)
    problems = []
    if repeated:
        problems.append(f"column(s) {_listed(repeated)} appear more than once (names are compared without case)")
    if "candidate_id" not in counts:
        hint = f" (no column is named {id_column!r})" if id_column is not None else ""
        problems.append(
            f"there is no candidate_id column{hint}; name the column that holds the ids with --id-column NAME "
            "(id_column= in Python)"
        )
    answers = [name for name in counts if kinds.get(name, (None,))[0] in (ITEM, SCENARIO, CHECK)]
    unknown = list(columns.unknown)
    if unknown and not answers:
        problems.append(
            f"no column is a question of instrument {instrument.id} {instrument.version} "
            f"(the others are {_listed(unknown)}): is this an export of another instrument? Score it with a "
            "model trained on that instrument (profilefit train --data FILE --instrument FILE, then --model)"
        )
    statements = [name for name in counts if kinds.get(name, (None,))[0] in (ITEM, BLOCK)]
    other = [*columns.other_version, *other_instrument_statements(instrument, unknown)]
    own = [*instrument.block_ids, *instrument.item_ids]
    other_instrument = load_instrument() if instrument.blocks else load_instrument("customer-contact-2.0")
    theirs = [*other_instrument.block_ids, *other_instrument.item_ids]
    renamed = [
        name
        for name in unknown
        if suggested_field(name, own, spelling=False) or suggested_field(name, theirs, spelling=False)
    ]
    if own and renamed and answers and not statements and not other:
        # Statement columns renamed (block_01, b1): every row would be read, and come out too many unanswered.
        described = []
        for name in renamed[:3]:
            field = suggested_field(name, own)
            if field is None and (field := suggested_field(name, theirs)) is not None:
                described.append(f"{name!r} (instrument {other_instrument.version}'s {field!r}?)")
            else:
                described.append(f"{name!r} (did you mean {field!r}?)" if field else repr(name))
        problems.append(
            f"no column answers the statements of instrument {instrument.id} {instrument.version} ({_listed(own[:3])}"
            f"{', …' if len(own) > 3 else ''}), so no scale could be scored for anyone; the columns not read are "
            f"{', '.join(described)}{', …' if len(renamed) > 3 else ''}: rename them as the instrument names its "
            "statements, and score each instrument's export with a model of that instrument"
        )
    misspelt = [
        (name, field)
        for name in unknown
        if (field := suggested_field(name, own, spelling=False)) is not None and field not in counts
    ]
    if misspelt and statements:
        # A statement's column under another spelling ('tc 1', 'tc01', 'b1'), its own name absent: read, every row
        # would have that statement unanswered, and a lower fit with nothing to say why (a trial: 51.8 for 55.4).
        named = ", ".join(f"{name!r} (read as {field!r}?)" for name, field in misspelt[:3])
        problems.append(
            f"column(s) {named}{', …' if len(misspelt) > 3 else ''} look like statements of instrument "
            f"{instrument.id} {instrument.version} that no column answers under their own name; each would be "
            "unanswered for every row: rename the column as the instrument names the statement, or leave it out "
            "with --ignore-column NAME if it is something else"
        )
    if not statements and other:
        # The other built-in instrument's export: they share the scenario and check ids, so its rows would be
        # read, and every one come out as too many unanswered (no scale scored).
        problems.append(other_instrument_problem(instrument, other, "column"))
    if problems:
        raise ColumnError(f"{source}: " + "; ".join(problems) + ".")
    notes = columns.notes()
    own_statements = len(instrument.block_ids) + len(instrument.item_ids)
    if 2 * len(statements) >= own_statements:  # an export of the instrument with some questions' columns left out
        questions = [*instrument.block_ids, *instrument.item_ids, *instrument.scenario_ids]
        left_out = {str(name).strip().casefold() for name in ignore_columns}  # on purpose: --ignore-column
        absent = [question for question in questions if question not in counts and question.casefold() not in left_out]
        if absent:
            notes.append(
                f"{source}: {len(absent)} of the instrument's {len(questions)} questions have no column "
                f"({_listed(absent)}): every candidate counts as leaving them unanswered; was a column left out "
                "of the export?"
            )
    return Header(keep, read_as, notes)


def other_instrument_problem(instrument: Instrument, other: Sequence[str], what: str) -> str:
    """Why an export of the other built-in instrument is refused.

    ``other`` are the other instrument's statements met; ``what`` the word for them ("column" or "key").
    """
    model = "reference" if instrument.blocks else "reference-2.0"
    which = "1.2's items" if instrument.blocks else "instrument 2.0's blocks"
    return (
        f"no {what} answers the statements of instrument {instrument.id} {instrument.version}, so no scale "
        f"could be scored for anyone; the {what}s {_listed(other[:3])}{', …' if len(other) > 3 else ''} are "
        f"{which}: score this export with a model of that instrument (profilefit score --model {model}; "
        f'Screener.load("{model}") in Python)'
    )


def other_instrument_statements(instrument: Instrument, names: Sequence[str]) -> list[str]:
    """The names that are statements of the other built-in instrument.

    2.0's blocks for an agreement instrument, 1.2's items for a forced-choice one.
    """
    other = load_instrument() if instrument.blocks else load_instrument("customer-contact-2.0")
    ids = {name.casefold() for name in (other.item_ids if instrument.blocks else other.block_ids)}
    return [name for name in names if name.strip().casefold() in ids]


def check_header(
    instrument: Instrument, names: Sequence[str], *, ignore_columns: Iterable[str] = (), source: str = "input"
) -> list[int]:
    """The positions of the columns of a table to read; see :func:`read_header`, which also gives names and notes.

    Raises
    ------
    ColumnError
        If there is no ``candidate_id`` column, or two columns name the same field.
    """
    return read_header(instrument, names, ignore_columns=ignore_columns, source=source).keep
