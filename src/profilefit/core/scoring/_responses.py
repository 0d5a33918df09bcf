"""Answers as arrays: the shape every scoring step works on.

Batches become a :class:`Responses` and are scored by vectorized functions. ``Screener.score``
scores one candidate of an agreement instrument with the one-row forms of the same rules
(:func:`~profilefit.core.scoring.score_row` and the others beside each batch function), which repeat
the batch's arithmetic, so the one-candidate and batch results are identical.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from profilefit.core.instrument import BLOCK_ANSWERS, BLOCK_LABELS, Instrument
from profilefit.core.schema import AssessmentBase

#: Marks an unanswered scenario in the choice matrix.
NO_CHOICE = -1
#: Marks an unanswered forced-choice block in the block matrix.
NO_ANSWER = -1
#: Each block answer code (0-5, :data:`~profilefit.core.instrument.BLOCK_ANSWERS` order) as the positions
#: of the statements marked most and least; the last row is an unanswered block (code -1).
BLOCK_POSITIONS = np.array(
    [[BLOCK_LABELS.index(answer[0]), BLOCK_LABELS.index(answer[1])] for answer in BLOCK_ANSWERS] + [[-1, -1]],
    dtype=np.int8,
)
BLOCK_POSITIONS.setflags(write=False)
_BLOCK_CODE = {answer: code for code, answer in enumerate(BLOCK_ANSWERS)}


@dataclass(frozen=True, eq=False)
class Responses:
    """Answers of ``n`` candidates to one instrument.

    Attributes
    ----------
    instrument : Instrument
    candidate_ids : ndarray of str, shape (n,)
    items : ndarray of float64, shape (n, n_items)
        Raw answers in the response range, ``nan`` where unanswered. Shape ``(n, 0)`` for a
        forced-choice instrument, which has no agreement items.
    choices : ndarray of int16, shape (n, n_scenarios)
        Index of the chosen option within its scenario, ``-1`` where unanswered.
    checks : ndarray of float64, shape (n, n_checks)
        Answers to attention checks, ``nan`` where unanswered.
    seconds : ndarray of float64, shape (n,)
        Completion time in seconds, ``nan`` where not reported.
    blocks : ndarray of int8, shape (n, n_blocks)
        Forced-choice answers: the code of the two-letter answer (0-5, in
        :data:`~profilefit.core.instrument.BLOCK_ANSWERS` order: ``ab`` is 0, ``cb`` is 5), ``-1``
        where unanswered. Shape ``(n, 0)`` for an agreement instrument. Left out (``None``), every
        block is unanswered.
    """

    instrument: Instrument
    candidate_ids: NDArray[np.str_]
    items: NDArray[np.float64]
    choices: NDArray[np.int16]
    checks: NDArray[np.float64]
    seconds: NDArray[np.float64]
    blocks: NDArray[np.int8] = None  # type: ignore[assignment]  # filled in __post_init__

    def __post_init__(self) -> None:
        if self.blocks is None:
            # Frozen: the one assignment a default needs goes through object.__setattr__.
            unanswered = np.full((len(self), len(self.instrument.blocks)), NO_ANSWER, dtype=np.int8)
            object.__setattr__(self, "blocks", unanswered)
        elif self.blocks.shape != (len(self), len(self.instrument.blocks)):
            raise ValueError(
                f"blocks must have shape {(len(self), len(self.instrument.blocks))} "
                f"(candidates, blocks of the instrument), got {self.blocks.shape}"
            )

    def __len__(self) -> int:
        return int(self.items.shape[0])

    def block_positions(self) -> NDArray[np.int8]:
        """The block answers as the Thurstonian engine reads them, shape (n, n_blocks, 2).

        Per block the position (0 = ``a``) of the statement marked most, then of the one marked
        least; ``-1, -1`` for an unanswered block (:func:`profilefit.core.thurstonian.score`).
        """
        positions: NDArray[np.int8] = BLOCK_POSITIONS.take(self.blocks.astype(np.intp), axis=0)
        return positions

    @functools.cached_property
    def answer_codes(self) -> NDArray[np.int8] | None:
        """The agreement answers as small integers: ``answer - min + 1``, and ``0`` where unanswered.

        An eighth of the memory of :attr:`items`, so scans over every answer (the
        validity flags) run several times faster on it. ``None`` when some answer is not
        a whole number on the response scale (only hand-made arrays can hold one; the
        schema refuses it). Computed once, on first use.
        """
        items = self.items
        low, high = self.instrument.response_scale.min, self.instrument.response_scale.max
        unanswered = np.isnan(items)
        with np.errstate(invalid="ignore"):
            on_scale = (items >= low) & (items <= high) & (items == np.floor(items))
        if not (unanswered | on_scale).all():
            return None
        codes: NDArray[np.int8] = np.where(unanswered, 0, items - (low - 1)).astype(np.int8)
        return codes

    @classmethod
    def from_assessments(cls, instrument: Instrument, assessments: Sequence[AssessmentBase]) -> Responses:
        """Collect validated assessments into arrays."""
        return cls.from_records(instrument, [assessment.model_dump() for assessment in assessments])

    @classmethod
    def from_records(cls, instrument: Instrument, records: Iterable[Mapping[str, Any]]) -> Responses:
        """Collect already-validated records (dicts keyed by field id) into arrays.

        Values must already satisfy the assessment schema; this function does not
        validate them (the schema and the batch validator do).
        """
        rows = list(records)
        n = len(rows)
        items = np.full((n, len(instrument.items)), np.nan)
        choices = np.full((n, len(instrument.scenarios)), NO_CHOICE, dtype=np.int16)
        checks = np.full((n, len(instrument.attention_checks)), np.nan)
        blocks = np.full((n, len(instrument.blocks)), NO_ANSWER, dtype=np.int8)
        seconds = np.full(n, np.nan)
        option_index = [{option.id: k for k, option in enumerate(s.options)} for s in instrument.scenarios]
        for row_number, row in enumerate(rows):
            for column, item_id in enumerate(instrument.item_ids):
                value = row.get(item_id)
                if value is not None:
                    items[row_number, column] = value
            for column, scenario_id in enumerate(instrument.scenario_ids):
                value = row.get(scenario_id)
                if value is not None:
                    choices[row_number, column] = option_index[column][value]
            for column, check_id in enumerate(instrument.check_ids):
                value = row.get(check_id)
                if value is not None:
                    checks[row_number, column] = value
            for column, block_id in enumerate(instrument.block_ids):
                value = row.get(block_id)
                if value is not None:
                    blocks[row_number, column] = _BLOCK_CODE[value]
            if row.get("completion_seconds") is not None:
                seconds[row_number] = row["completion_seconds"]
        ids = np.array([str(row["candidate_id"]) for row in rows], dtype=np.str_)
        return cls(instrument, ids, items, choices, checks, seconds, blocks)

    def to_records(self) -> list[dict[str, Any]]:
        """The inverse of :meth:`from_records`: one dict per candidate, unanswered fields omitted."""
        instrument = self.instrument
        records = []
        for row in range(len(self)):
            record: dict[str, Any] = {"candidate_id": str(self.candidate_ids[row])}
            for column, item_id in enumerate(instrument.item_ids):
                if not np.isnan(self.items[row, column]):
                    record[item_id] = int(self.items[row, column])
            for column, scenario in enumerate(instrument.scenarios):
                if self.choices[row, column] != NO_CHOICE:
                    record[scenario.id] = scenario.options[int(self.choices[row, column])].id
            for column, check_id in enumerate(instrument.check_ids):
                if not np.isnan(self.checks[row, column]):
                    record[check_id] = int(self.checks[row, column])
            for column, block_id in enumerate(instrument.block_ids):
                if self.blocks[row, column] != NO_ANSWER:
                    record[block_id] = BLOCK_ANSWERS[int(self.blocks[row, column])]
            if not np.isnan(self.seconds[row]):
                record["completion_seconds"] = float(self.seconds[row])
            records.append(record)
        return records

    def take(self, rows: NDArray[np.intp] | slice) -> Responses:
        """A subset of candidates, in the given order."""
        subset = Responses(
            self.instrument,
            self.candidate_ids[rows],
            self.items[rows],
            self.choices[rows],
            self.checks[rows],
            self.seconds[rows],
            self.blocks[rows],
        )
        codes = self.__dict__.get("answer_codes")
        if codes is not None:
            attach_answer_codes(subset, codes[rows])
        return subset

    @classmethod
    def concatenate(cls, parts: Sequence[Responses]) -> Responses:
        """Join several response sets of the same instrument."""
        if not parts:
            raise ValueError("nothing to concatenate")
        return cls(
            parts[0].instrument,
            np.concatenate([p.candidate_ids for p in parts]),
            np.concatenate([p.items for p in parts]),
            np.concatenate([p.choices for p in parts]),
            np.concatenate([p.checks for p in parts]),
            np.concatenate([p.seconds for p in parts]),
            np.concatenate([p.blocks for p in parts]),
        )


def block_answer_codes(positions: NDArray[np.integer[Any]]) -> NDArray[np.int8]:
    """Block answer codes from most/least positions: the inverse of :meth:`Responses.block_positions`.

    Parameters
    ----------
    positions : ndarray of int, shape (n, n_blocks, 2)
        Per block the position of the statement marked most, then least; ``-1, -1`` unanswered (as
        :func:`profilefit.core.thurstonian.simulate_answers` gives them).

    Returns
    -------
    ndarray of int8, shape (n, n_blocks)
        Codes 0-5 in :data:`~profilefit.core.instrument.BLOCK_ANSWERS` order, ``-1`` where unanswered.

    Raises
    ------
    ValueError
        For a half-answered block, a position outside 0-2 or one statement marked both ways.

    Examples
    --------
    >>> block_answer_codes(np.array([[[0, 2], [2, 1], [-1, -1]]]))
    array([[ 1,  5, -1]], dtype=int8)
    """
    positions = np.asarray(positions)
    n_labels = len(BLOCK_LABELS)
    table = np.full(n_labels * n_labels + 1, -2, dtype=np.int8)  # -2: not an answer
    for code, (most, least) in enumerate(BLOCK_POSITIONS[:-1].tolist()):
        table[n_labels * most + least] = code
    table[-1] = NO_ANSWER
    most, least = positions[..., 0], positions[..., 1]
    unanswered = (most == -1) & (least == -1)
    inside = (most >= 0) & (most < n_labels) & (least >= 0) & (least < n_labels)
    index = np.where(unanswered, n_labels * n_labels, np.where(inside, n_labels * most + least, 0))
    codes: NDArray[np.int8] = np.where(unanswered | inside, table[index], -2).astype(np.int8)
    if (codes == -2).any():
        bad = tuple(int(k) for k in np.argwhere(codes == -2)[0])
        raise ValueError(
            f"positions {positions[bad].tolist()} at {bad} are not a most/least answer to a block of three"
        )
    return codes


def attach_answer_codes(responses: Responses, codes: NDArray[np.int8]) -> None:
    """Give ``responses`` its :attr:`~Responses.answer_codes` when they are known already.

    For readers that parse answers as small integers first (the batch validator): the
    codes must be exactly what :attr:`Responses.answer_codes` would compute from the items.
    """
    responses.__dict__["answer_codes"] = codes
