"""Scale and situational scores.

Keying
    A reverse-keyed item is scored ``min + max - answer`` (on the shipped 1–6 scale,
    ``7 - answer``), so a high scale score always means more of the trait.
Scale score
    The mean of the keyed answers to the scale's items that were answered.
Missing answers
    A scale score needs at least half of the scale's items answered (rounded up:
    3 of 6). With fewer, the scale score is missing (``nan``): the classifier then
    uses the training mean for that scale and the too-many-missing validity flag
    asks a person to look. Answered items are not weighted up or down; the mean
    of what was answered is used as it is.
Forced choice (instrument 2.0)
    Blocks of three statements, one marked most and one least like the candidate, are scored by
    Thurstonian IRT (:mod:`profilefit.core.thurstonian`): the scale scores are the posterior modes
    (MAP) of the traits, in the z metric of the calibration (0 is the mean of the people the
    parameters describe, 1 their standard deviation), with standard errors. A scale score needs at
    least half of the blocks answered (rounded up: 12 of 24); with fewer, every scale is missing
    (``nan``), as for an agreement scale with too few items. ``answered`` counts, per scale, the
    answered blocks holding one of its statements.
Situational scores
    For each behaviour the scenario options are keyed to, the share of answered
    scenarios in which the candidate chose an option with that key. With fewer than
    half of the scenarios answered, the situational scores are missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from profilefit.core.identity_cache import identity_cache
from profilefit.core.instrument import Instrument
from profilefit.core.scoring._parameters import load_parameters
from profilefit.core.scoring._responses import BLOCK_POSITIONS, NO_ANSWER, NO_CHOICE, Responses

if TYPE_CHECKING:
    from profilefit.core.thurstonian import ThurstonianModel

#: Share of a scale's items (or of the scenarios) that must be answered for a score.
MIN_ANSWERED_SHARE = 0.5


@dataclass(frozen=True, eq=False)
class ScaleScores:
    """Scored answers of ``n`` candidates.

    Attributes
    ----------
    instrument : Instrument
    scales : ndarray of shape (n, n_scales)
        Agreement instrument: mean keyed answer per scale, in the response range. Forced choice:
        the trait estimate (MAP, z metric). ``nan`` when too few items (blocks) were answered.
    answered : ndarray of shape (n, n_scales)
        Number of answered items per scale; forced choice: answered blocks holding a statement of
        the scale.
    situational : ndarray of shape (n, n_keys)
        Share of answered scenarios where the option keyed to each behaviour was chosen.
    standard_errors : ndarray of shape (n, n_scales) or None
        Forced choice: the posterior standard deviation of each trait estimate (Laplace), ``nan``
        where the scale is. ``None`` for an agreement instrument, whose means have none.
    person_fit : ndarray of shape (n,) or None
        Forced choice: how much better than chance the candidate's estimates explain their marks
        (:func:`~profilefit.core.thurstonian.fit_over_chance`), ``nan`` where the scales are. ``None`` for
        an agreement instrument.
    person_fit_line : float or None
        Forced choice: the line ``person_fit`` is flagged below, when the parameters scored with set one
        (:attr:`~profilefit.core.thurstonian.ThurstonianModel.person_fit_line`); ``None``: the reference line.
    """

    instrument: Instrument
    scales: NDArray[np.float64]
    answered: NDArray[np.int64]
    situational: NDArray[np.float64]
    standard_errors: NDArray[np.float64] | None = None
    person_fit: NDArray[np.float64] | None = None
    person_fit_line: float | None = None

    def features(self) -> NDArray[np.float64]:
        """The classifier's input: scale scores then situational scores, shape (n, n_features)."""
        return np.concatenate([self.scales, self.situational], axis=1)


@identity_cache()
def _keying(instrument: Instrument) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.int64]]:
    reverse = np.array([item.reverse for item in instrument.items], dtype=bool)
    membership = np.zeros((len(instrument.items), len(instrument.scales)))
    position = {scale_id: k for k, scale_id in enumerate(instrument.scale_ids)}
    for row, item in enumerate(instrument.items):
        membership[row, position[item.scale]] = 1.0
    needed = np.array([math.ceil(MIN_ANSWERED_SHARE * n) for n in membership.sum(axis=0)], dtype=np.int64)
    return reverse, membership, needed


@identity_cache()
def _reverse_arithmetic(instrument: Instrument) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per item, the sign and offset that key it: ``-1, min + max`` when reverse-keyed, else ``1, 0``."""
    reverse, _, _ = _keying(instrument)
    low, high = instrument.response_scale.min, instrument.response_scale.max
    return np.where(reverse, -1.0, 1.0), np.where(reverse, float(low + high), 0.0)


@identity_cache()
def _code_arithmetic(instrument: Instrument) -> tuple[NDArray[np.int8], NDArray[np.int8]]:
    """Per item, the sign and offset that key an answer code: ``-1, n_points + 1`` when reversed, else ``1, 0``."""
    reverse, _, _ = _keying(instrument)
    points = instrument.response_scale.n_points
    return np.where(reverse, -1, 1).astype(np.int8), np.where(reverse, points + 1, 0).astype(np.int8)


def keyed_items(instrument: Instrument, items: NDArray[np.float64]) -> NDArray[np.float64]:
    """Apply reverse keys: ``min + max - answer`` on reverse-keyed items, ``nan`` kept."""
    sign, offset = _reverse_arithmetic(instrument)
    # One pass over the matrix. Negation is exact and addition commutes, so -a + (min + max)
    # is bit for bit (min + max) - a, and a * 1 + 0 is a.
    keyed: NDArray[np.float64] = np.asarray(items, dtype=np.float64) * sign + offset
    return keyed


def score_responses(responses: Responses, model: ThurstonianModel | None = None) -> ScaleScores:
    """Score answers into scale and situational scores.

    Parameters
    ----------
    responses : Responses
        Answers of ``n`` candidates.
    model : ThurstonianModel, optional
        Forced choice only: the parameters to score with; by default those of
        :func:`load_parameters` (the file shipped with a built-in instrument).

    Returns
    -------
    ScaleScores

    Examples
    --------
    >>> from profilefit.core.instrument import load_instrument
    >>> from profilefit.core.scoring import Responses, score_responses
    >>> instrument = load_instrument()
    >>> answers = {item.id: 4 for item in instrument.items}
    >>> scores = score_responses(Responses.from_records(instrument, [{"candidate_id": "c1", **answers}]))
    >>> scores.scales.shape
    (1, 8)
    """
    instrument = responses.instrument
    if instrument.format == "forced_choice":
        return _forced_choice_scores(responses, load_parameters(instrument) if model is None else model)
    _, membership, needed = _keying(instrument)
    codes = responses.answer_codes
    # Sums of whole-number answers are exact in float64, so one row scored alone and
    # the same row scored in a batch give bit-identical means, by either path below.
    if codes is None:  # some answer is off the scale (hand-made arrays): key the floats
        keyed = keyed_items(instrument, responses.items)
        present = ~np.isnan(keyed)
        sums = np.where(present, keyed, 0.0) @ membership
        counts = present.astype(np.float64) @ membership
    else:  # key the int8 codes (an eighth of the memory), then shift the sums back to answers
        sign, offset = _code_arithmetic(instrument)
        present = codes != 0
        keyed_codes = codes * sign + present * offset  # n_points + 1 - code when reversed; 0 stays 0
        counts = present.astype(np.float64) @ membership
        sums = keyed_codes.astype(np.float64) @ membership + (instrument.response_scale.min - 1) * counts
    answered = counts.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        scales = np.where(answered >= needed, sums / np.maximum(answered, 1), np.nan)
    return ScaleScores(instrument, scales, answered, situational_scores(instrument, responses.choices))


@identity_cache()
def _block_membership(instrument: Instrument) -> NDArray[np.float64]:
    """Per block and scale, 1 when the block holds a statement of the scale, shape (n_blocks, n_scales)."""
    position = {scale_id: k for k, scale_id in enumerate(instrument.scale_ids)}
    membership = np.zeros((len(instrument.blocks), len(instrument.scales)))
    for row, block in enumerate(instrument.blocks):
        for statement in block.statements:
            membership[row, position[statement.scale]] = 1.0
    return membership


@identity_cache()  # once per instrument and model: the one-row path calls it for every candidate
def _checked_model(instrument: Instrument, model: ThurstonianModel) -> None:
    """Refuse a Thurstonian model made for another design than the instrument's."""
    statement_ids = tuple(statement.id for statement in model.design.statements)
    if model.design.traits != instrument.scale_ids or statement_ids != instrument.statement_ids:
        raise ValueError(
            f"the Thurstonian model is for another design than instrument {instrument.id} {instrument.version}: "
            "its traits or statements differ"
        )


def _forced_choice_scores(responses: Responses, model: ThurstonianModel) -> ScaleScores:
    """Thurstonian MAP scores of forced-choice answers, ``nan`` for a candidate with too few answered blocks."""
    from profilefit.core.thurstonian import score  # scipy: only forced-choice scoring needs it

    instrument = responses.instrument
    _checked_model(instrument, model)
    answered_blocks = responses.blocks != NO_ANSWER
    needed = math.ceil(MIN_ANSWERED_SHARE * len(instrument.blocks))
    enough = answered_blocks.sum(axis=1) >= needed
    n = len(responses)
    scales = np.full((n, len(instrument.scales)), np.nan)
    errors = np.full_like(scales, np.nan)
    person_fit = np.full(n, np.nan)
    if enough.any():
        # Only the candidates who will get scores are scored: the others would cost a Newton run for nothing.
        traits = score(model, responses.block_positions()[enough], person_fit=True)
        scales[enough], errors[enough] = traits.estimate, traits.standard_error
        assert traits.person_fit is not None
        person_fit[enough] = traits.person_fit
    answered = (answered_blocks.astype(np.float64) @ _block_membership(instrument)).astype(np.int64)
    situational = situational_scores(instrument, responses.choices)
    return ScaleScores(instrument, scales, answered, situational, errors, person_fit, model.person_fit_line)


@identity_cache()
def _situational_keying(instrument: Instrument) -> tuple[NDArray[np.intp], NDArray[np.intp], int]:
    """Key index of every answer, as a flat table, with each scenario's offset into it, and the minimum answered.

    Scenario ``s`` occupies ``width + 1`` places from ``offsets[s]``: first the unanswered
    choice (:data:`NO_CHOICE`), whose key index is ``n_keys`` (a bin that is not counted),
    then one place per option.
    """
    n_keys = len(instrument.situational_keys)
    key_index = {key: k for k, key in enumerate(instrument.situational_keys)}
    width = max((len(s.options) for s in instrument.scenarios), default=0) + 1
    table = np.full((len(instrument.scenarios), width), n_keys, dtype=np.intp)
    for row, scenario in enumerate(instrument.scenarios):
        table[row, 1 : len(scenario.options) + 1] = [key_index[option.key] for option in scenario.options]
    offsets = np.arange(len(instrument.scenarios), dtype=np.intp) * width - NO_CHOICE
    return table.ravel(), offsets, math.ceil(MIN_ANSWERED_SHARE * len(instrument.scenarios))


def situational_scores(instrument: Instrument, choices: NDArray[np.int16]) -> NDArray[np.float64]:
    """Share of answered scenarios in which each keyed behaviour was chosen, shape (n, n_keys)."""
    n_keys = len(instrument.situational_keys)
    n = choices.shape[0]
    if not n_keys:
        return np.empty((n, 0))
    table, offsets, needed = _situational_keying(instrument)
    keys = table.take(offsets + choices)  # (n, n_scenarios); an unanswered scenario gets the spare bin n_keys
    # Count each candidate's keys in one pass: bin (row, key) of a flat (n, n_keys + 1) table.
    bins = keys + (np.arange(n, dtype=np.intp) * (n_keys + 1))[:, None]
    counts = np.bincount(bins.ravel(), minlength=n * (n_keys + 1)).reshape(n, n_keys + 1)
    answered = choices.shape[1] - counts[:, n_keys]
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = counts[:, :n_keys] / np.maximum(answered, 1)[:, None]
    shares[answered < needed] = np.nan
    return shares


def filled_scale_scores(responses: Responses, fill: NDArray[np.float64]) -> NDArray[np.float64]:
    """Scale means over every item of each scale, an unanswered item counting as a given keyed answer.

    Role fit uses this so that leaving an item blank is never better than giving the
    answer the role wants least (see docs/fit.md); the scale scores of
    :func:`score_responses` keep their own missing-answer rule.

    Parameters
    ----------
    responses : Responses
        Answers of ``n`` candidates.
    fill : ndarray of shape (n_scales,)
        The keyed answer an unanswered item of each scale counts as, in ``instrument.scale_ids`` order.

    Returns
    -------
    ndarray of shape (n, n_scales)
        Never ``nan``: a scale with no answer at all scores ``fill``.

    Examples
    --------
    >>> from profilefit.core.instrument import load_instrument
    >>> from profilefit.core.scoring import Responses
    >>> instrument = load_instrument()
    >>> responses = Responses.from_records(instrument, [{"candidate_id": "c1"}])
    >>> filled_scale_scores(responses, np.full(8, 1.0))[0, :3]
    array([1., 1., 1.])
    """
    instrument = responses.instrument
    _, membership, _ = _keying(instrument)
    keyed = keyed_items(instrument, responses.items)
    per_item = membership @ np.asarray(fill, dtype=np.float64)  # each item's scale's fill value
    filled = np.where(np.isnan(keyed), per_item, keyed)
    result: NDArray[np.float64] = (filled @ membership) / membership.sum(axis=0)
    return result


# ---- one candidate in plain Python -------------------------------------------------------------
# The service and ``score-one`` score one candidate per call, where numpy's per-call overhead on
# arrays of one row costs more than the arithmetic. These functions apply the same rules with
# Python numbers: every sum is of whole numbers (exact) and every division the same one, so the
# scores are bit for bit those of score_responses (tests/core/test_one_row.py checks it by property).


@identity_cache()
def _row_keying(instrument: Instrument) -> tuple[tuple[tuple[tuple[int, bool], ...], ...], tuple[int, ...]]:
    """Per scale, its items as (column, reverse-keyed), and the answers it needs (``_keying``'s rule)."""
    _, _, needed = _keying(instrument)
    position = {scale_id: k for k, scale_id in enumerate(instrument.scale_ids)}
    members: list[list[tuple[int, bool]]] = [[] for _ in instrument.scales]
    for column, item in enumerate(instrument.items):
        members[position[item.scale]].append((column, item.reverse))
    return tuple(tuple(m) for m in members), tuple(int(n) for n in needed)


def score_row(instrument: Instrument, items: list[float]) -> tuple[list[float], list[int]]:
    """One candidate's agreement scale scores and answered counts (:func:`score_responses`'s rule).

    ``items`` holds the raw answers in item order, ``nan`` where unanswered; whole numbers on the
    response scale, as the schema admits them. Forced-choice instruments are not scored here.
    """
    members, needed = _row_keying(instrument)
    total = instrument.response_scale.min + instrument.response_scale.max
    scales, answered = [], []
    for scale_members, need in zip(members, needed, strict=True):
        sum_, count = 0.0, 0
        for column, reverse in scale_members:
            answer = items[column]
            if answer == answer:  # not nan
                sum_ += total - answer if reverse else answer
                count += 1
        scales.append(sum_ / max(count, 1) if count >= need else math.nan)
        answered.append(count)
    return scales, answered


def forced_choice_row(
    instrument: Instrument, model: ThurstonianModel, blocks: list[int]
) -> tuple[list[float], list[float], list[int], float]:
    """One candidate's forced-choice scale scores, standard errors, answered blocks per scale and person fit.

    :func:`score_responses`' rule for one row: ``blocks`` holds the answer codes in block order
    (:data:`~profilefit.core.scoring.NO_ANSWER` where unanswered). Scored by
    :func:`profilefit.core.thurstonian.map_row_fit`, so the numbers are the batch's, bit for bit; with too
    few answered blocks, ``nan`` (no Newton run).
    """
    from profilefit.core.thurstonian import map_row_fit  # scipy: only forced-choice scoring needs it

    _checked_model(instrument, model)
    membership = _block_membership_lists(instrument)
    given = [code != NO_ANSWER for code in blocks]
    answered = [0] * len(instrument.scales)
    for is_given, scales_of_block in zip(given, membership, strict=True):
        if is_given:
            for scale in scales_of_block:
                answered[scale] += 1
    if sum(given) < math.ceil(MIN_ANSWERED_SHARE * len(instrument.blocks)):
        nothing = [math.nan] * len(instrument.scales)
        return nothing, list(nothing), answered, math.nan
    positions = BLOCK_POSITIONS.take(np.asarray(blocks, dtype=np.intp), axis=0)
    estimate, errors, _, person_fit = map_row_fit(model, positions)
    return estimate, errors, answered, person_fit


@identity_cache()
def _block_membership_lists(instrument: Instrument) -> list[list[int]]:
    """Per block, the scales it holds (the columns of :func:`_block_membership` that are 1)."""
    return [np.flatnonzero(row).tolist() for row in _block_membership(instrument)]


def situational_row(instrument: Instrument, choices: list[int]) -> list[float]:
    """One candidate's situational scores (:func:`situational_scores`' rule); ``choices`` -1 where unanswered."""
    n_keys = len(instrument.situational_keys)
    if not n_keys:
        return []
    _, _, needed = _situational_keying(instrument)
    keys, starts = _situational_lists(instrument)
    counts = [0] * (n_keys + 1)
    for start, choice in zip(starts, choices, strict=True):
        counts[keys[start + choice]] += 1
    answered = len(choices) - counts[n_keys]
    if answered < needed:
        return [math.nan] * n_keys
    denominator = max(answered, 1)
    return [count / denominator for count in counts[:n_keys]]


@identity_cache()
def _situational_lists(instrument: Instrument) -> tuple[list[int], list[int]]:
    table, offsets, _ = _situational_keying(instrument)
    return table.tolist(), offsets.tolist()


def filled_scale_row(instrument: Instrument, items: list[float], fill: list[float]) -> list[float]:
    """:func:`filled_scale_scores` of one candidate: every sum is of whole numbers, so the same floats."""
    members, _ = _row_keying(instrument)
    total = instrument.response_scale.min + instrument.response_scale.max
    result = []
    for scale_members, scale_fill in zip(members, fill, strict=True):
        sum_ = 0.0
        for column, reverse in scale_members:
            answer = items[column]
            sum_ += scale_fill if answer != answer else (total - answer if reverse else answer)
        result.append(sum_ / len(scale_members) if scale_members else math.nan)
    return result
