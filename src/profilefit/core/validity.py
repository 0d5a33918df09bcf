"""Response-validity flags: reasons to doubt that answers reflect the candidate.

Each flag is computed for many candidates at once from the answer arrays. A flag
never lowers a score by itself; it sends the candidate to a person
(``needs_human_review``) with a plain explanation. Thresholds are module constants,
documented in docs/fit.md with their sources.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from profilefit.core.identity_cache import identity_cache
from profilefit.core.instrument import Instrument
from profilefit.core.scoring import Responses, ScaleScores

#: A run of this share of the agreement items (in the order asked) with one identical answer
#: is straight-lining. On the shipped instrument: 12 of 48 in a row.
LONG_STRING_SHARE = 0.25
#: Giving the same answer to this share of all answered agreement items is straight-lining too.
MODAL_SHARE = 0.80
#: Seconds per agreement item below which answers were not read (Huang et al. 2012: 2 s) comes
#: from the instrument's timing; scenarios need at least this many seconds each.
MIN_SECONDS_PER_SCENARIO = 10.0
#: Within a scale, agreeing with a statement and with its opposite: a gap of at least this share
#: of the response range between forward and reverse-keyed items (both keyed) is a contradiction.
CONTRADICTION_SHARE = 0.6
#: Contradictions on at least this many scales raise the flag.
CONTRADICTION_SCALES = 2
#: More than this share of agreement items unanswered raises the too-many-missing flag.
MISSING_SHARE = 0.10

#: Idealised responding (impression management) reads the statements rated at least this desirable
#: or undesirable (|desirability| >= 1.5 of 2, in the instrument file)...
IDEALISED_RATED = 1.5
#: ...and scores each at 1 when answered at its desirable extreme, 1/2 one step short of it.
IDEALISED_NEAR = 0.5
#: The index weighs those statements 0.6 and the virtue claims ("strongly agree" = 1) 0.4...
IDEALISED_STATEMENT_WEIGHT = 0.6
#: ...and the flag fires when the index reaches this...
IDEALISED_THRESHOLD = 0.45
#: ...or when the statements alone reach this, whether or not any claim was answered: so answering
#: the claims modestly can never remove a flag the statements raise. Together about 4 % of honest
#: attentive simulated applicants (benchmarks/faking.py; docs/faking.md gives the detection rates).
IDEALISED_STATEMENTS_ONLY = 0.67
#: Fewer answered rated statements than this and the index is not computed (nan; no flag).
IDEALISED_MIN_ANSWERED = 8

FLAG_IDS = (
    "straight_lining",
    "failed_attention_check",
    "too_fast",
    "contradictory",
    "too_many_missing",
    "idealised",
)


@dataclass(frozen=True, eq=False)
class ValidityFlags:
    """Flags of ``n`` candidates.

    Attributes
    ----------
    flags : ndarray of bool, shape (n, len(FLAG_IDS))
    longest_run : ndarray of int, shape (n,)
        Longest run of one identical answer, in the order the statements were asked.
    modal_count : ndarray of int, shape (n,)
        How many statements got the candidate's most frequent answer.
    failed_checks : ndarray of int, shape (n,)
    minimum_seconds : float
        The plausible minimum completion time of the instrument.
    contradictory_scales : ndarray of int, shape (n,)
    missing_items : ndarray of int, shape (n,)
    idealised_index : ndarray of float, shape (n,)
        How idealised the answers are, 0-1 (``nan`` where too few rated statements were answered).
    virtue_claims : ndarray of int, shape (n,)
        Virtue claims answered "strongly agree".
    """

    flags: NDArray[np.bool_]
    longest_run: NDArray[np.int64]
    modal_count: NDArray[np.int64]
    failed_checks: NDArray[np.int64]
    seconds: NDArray[np.float64]
    minimum_seconds: float
    contradictory_scales: NDArray[np.int64]
    missing_items: NDArray[np.int64]
    n_items: int
    idealised_index: NDArray[np.float64]
    virtue_claims: NDArray[np.int64]

    @property
    def any(self) -> NDArray[np.bool_]:
        """Whether any flag fired, per candidate."""
        result: NDArray[np.bool_] = np.asarray(self.flags.any(axis=1), dtype=bool)
        return result

    def ids(self, row: int) -> list[str]:
        """The flags that fired for one candidate."""
        return [flag for k, flag in enumerate(FLAG_IDS) if self.flags[row, k]]

    def detail(self, row: int, flag: str) -> str:
        """A plain English explanation of one flag for one candidate."""
        if flag == "straight_lining":
            return (
                f"gave one answer to {self.modal_count[row]} of {self.n_items - self.missing_items[row]} statements, "
                f"{self.longest_run[row]} of them in a row"
            )
        if flag == "failed_attention_check":
            return f"missed {self.failed_checks[row]} attention check(s) that asked for a given answer"
        if flag == "too_fast":
            return (
                f"finished in {self.seconds[row]:.0f} s; reading every question takes at least "
                f"about {self.minimum_seconds:.0f} s"
            )
        if flag == "contradictory":
            return f"agreed with statements and with their opposites on {self.contradictory_scales[row]} scales"
        if flag == "too_many_missing":
            return f"left {self.missing_items[row]} of {self.n_items} statements unanswered, or a whole scale too thin"
        if flag == "idealised":
            return (
                f"answered in an idealised way (index {self.idealised_index[row]:.2f}): clearly desirable answers "
                f"at or next to the extreme again and again; {self.virtue_claims[row]} improbable virtue(s) "
                "claimed strongly"
            )
        raise KeyError(f"unknown flag {flag!r}; known: {', '.join(FLAG_IDS)}")


def minimum_plausible_seconds(responses: Responses) -> float:
    """Fastest plausible completion time: 2 s per agreement item and 10 s per scenario by default."""
    instrument = responses.instrument
    n_agreement = len(instrument.items) + len(instrument.attention_checks)
    return instrument.timing.min_seconds_per_item * n_agreement + MIN_SECONDS_PER_SCENARIO * len(instrument.scenarios)


def _answer_patterns(
    codes: NDArray[np.generic], n_values: int, given: NDArray[np.bool_] | None = None
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Per row: the longest run of one answer, how often the most frequent answer was given, answers given.

    ``codes`` are answers shifted to start at 1 (the scale's points are 1 to ``n_values``),
    and 0 where unanswered, unless ``given`` says which answers were given. An unanswered
    question breaks a run and is never the most frequent answer.
    """
    n, k = codes.shape
    if n <= 8:  # one candidate at a time: plain loops beat dozens of tiny array operations
        longest, modal, answered = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.zeros(n, np.int64)
        flags = (codes != 0) if given is None else given
        for row, (answers, present) in enumerate(zip(codes.tolist(), flags.tolist(), strict=True)):
            best = streak = 0
            previous = None
            counts = [0] * (n_values + 1)
            for value, is_given in zip(answers, present, strict=True):
                streak = 0 if not is_given else (streak + 1 if value == previous else 1)
                previous = value if is_given else None
                best = max(best, streak)
                if is_given and 0 < value <= n_values and value == int(value):
                    counts[int(value)] += 1
            longest[row], modal[row], answered[row] = best, max(counts[1:], default=0), sum(present)
        return longest, modal, answered
    # Question by question across all rows: a transposed copy makes each question contiguous,
    # and counts up to k fit in one byte when k < 255.
    count = np.uint8 if k < 255 else np.int32
    columns = np.ascontiguousarray(codes.T)
    given = columns != 0 if given is None else np.ascontiguousarray(given.T)
    same = (columns[1:] == columns[:-1]) & given[1:]
    # The run ending at question c is run + 1 when c repeats the answer before it, else 1
    # (0 if unanswered); a repeat is always answered, so that is run * same + given.
    run = given[0].astype(count) if k else np.zeros(n, dtype=count)
    longest_run = run.copy()
    for column in range(k - 1):
        np.multiply(run, same[column], out=run)
        np.add(run, given[column + 1], out=run)
        np.maximum(longest_run, run, out=longest_run)
    modal_count = np.zeros(n, dtype=count)
    for value in range(1, n_values + 1):
        np.maximum(modal_count, (columns == value).sum(axis=0, dtype=count), out=modal_count)
    return longest_run.astype(np.int64), modal_count.astype(np.int64), given.sum(axis=0, dtype=np.int64)


@identity_cache()
def _keyed_halves(instrument: Instrument) -> NDArray[np.float64]:
    """Membership of forward-keyed, then of reverse-keyed items, in scales that have both kinds."""
    forward = np.zeros((len(instrument.items), len(instrument.scales)))
    reverse = np.zeros_like(forward)
    for row, item in enumerate(instrument.items):
        (reverse if item.reverse else forward)[row, instrument.scale_ids.index(item.scale)] = 1.0
    both = (forward.sum(axis=0) > 0) & (reverse.sum(axis=0) > 0)
    return np.concatenate([forward[:, both], reverse[:, both]], axis=1)


@identity_cache()
def _expected_checks(instrument: Instrument) -> tuple[list[int], NDArray[np.float64]]:
    columns = list(instrument.instructed_columns)
    return columns, np.array([instrument.attention_checks[k].expected for k in columns], dtype=np.float64)


@identity_cache()
def _rated_statements(instrument: Instrument) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64]]:
    """Columns of the clearly rated statements, the answer at their desirable end, and one step short of it."""
    low, high = instrument.response_scale.min, instrument.response_scale.max
    rated = [k for k, item in enumerate(instrument.items) if abs(item.desirability or 0.0) >= IDEALISED_RATED]
    good = np.array([(item.desirability or 0.0) > 0 for item in instrument.items])[rated]
    return (
        np.array(rated, dtype=np.intp),
        np.where(good, float(high), float(low)),
        np.where(good, float(high - 1), float(low + 1)),
    )


def idealised_parts(responses: Responses) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """The two parts of the impression-management index, and how many virtue claims were strongly agreed.

    ``statements`` is the mean, over the answered statements rated clearly desirable or undesirable,
    of 1 for an answer at the desirable extreme and 1/2 one step short of it (``nan`` with fewer than
    ``IDEALISED_MIN_ANSWERED`` answered); ``claims`` is the share of answered virtue claims answered at
    the top of the scale (``nan`` when none was answered).
    """
    instrument = responses.instrument
    n = len(responses)
    columns, extreme, near = _rated_statements(instrument)
    if columns.size == 0:
        return np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, dtype=np.int64)
    answers = responses.items[:, columns]
    answered = (~np.isnan(answers)).sum(axis=1)
    points = (answers == extreme[None, :]) + IDEALISED_NEAR * (answers == near[None, :])
    with np.errstate(invalid="ignore", divide="ignore"):
        statements = np.where(answered >= IDEALISED_MIN_ANSWERED, points.sum(axis=1) / answered, np.nan)
    claim_columns = list(instrument.virtue_claim_columns)
    if not claim_columns:
        return statements, np.full(n, np.nan), np.zeros(n, dtype=np.int64)
    claims = responses.checks[:, claim_columns]
    given = (~np.isnan(claims)).sum(axis=1)
    strong = (claims == instrument.response_scale.max).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(given > 0, strong / given, np.nan)
    return statements, share, strong.astype(np.int64)


def idealised_index(responses: Responses) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Impression-management index of each candidate, 0-1, and how many virtue claims they strongly agreed with.

    ``0.6 * statements + 0.4 * claims`` (:func:`idealised_parts`); without an answered claim the
    statements part alone; ``nan`` with too few rated statements answered.
    """
    index, _, strong = _idealised(*idealised_parts(responses))
    return index, strong


def idealised_flag(responses: Responses) -> NDArray[np.bool_]:
    """Whether each candidate's answers are idealised: by the index or by the statements alone.

    The index, when a claim was answered, reaches ``IDEALISED_THRESHOLD``, or the statements part
    reaches ``IDEALISED_STATEMENTS_ONLY``. The second rule holds whatever the claims say, so
    answering a claim (modestly or not) never removes a flag that leaving it blank would raise.
    """
    return _idealised(*idealised_parts(responses))[1]


def _idealised(
    statements: NDArray[np.float64], claims: NDArray[np.float64], strong: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.int64]]:
    """The index, the flag and the strong claims, from the parts computed once."""
    combined = IDEALISED_STATEMENT_WEIGHT * statements + (1 - IDEALISED_STATEMENT_WEIGHT) * claims
    # nan (no claim answered, or too few statements) never reaches a threshold. A small tolerance:
    # the parts are means of halves and sixths, and 0.45 must not miss 0.4499999.
    flag: NDArray[np.bool_] = (np.nan_to_num(combined, nan=-1.0) >= IDEALISED_THRESHOLD - 1e-9) | (
        np.nan_to_num(statements, nan=-1.0) >= IDEALISED_STATEMENTS_ONLY - 1e-9
    )
    return np.where(np.isnan(claims), statements, combined), flag, strong


def validity_flags(responses: Responses, scores: ScaleScores) -> ValidityFlags:
    """Compute every validity flag for a set of candidates.

    Parameters
    ----------
    responses : Responses
    scores : ScaleScores
        The same candidates' scores.

    Returns
    -------
    ValidityFlags
    """
    instrument = responses.instrument
    items = responses.items
    n, k = items.shape
    low, high = instrument.response_scale.min, instrument.response_scale.max
    answered = ~np.isnan(items)

    # Answers shifted to start at 1, unanswered 0: as int8 codes, or floats when some answer is fractional.
    codes = responses.answer_codes
    if codes is None:  # some answer is fractional or outside the scale (hand-made arrays): use the floats
        shifted = np.nan_to_num(items - (low - 1), nan=0.0)
        longest, modal, n_answered = _answer_patterns(shifted, high - low + 1, given=answered)
    else:
        shifted = codes.astype(np.float64)
        longest, modal, n_answered = _answer_patterns(codes, high - low + 1)
    run_limit = max(3, int(np.ceil(LONG_STRING_SHARE * k)))
    # The one-answer rule needs enough answers to mean anything: at least as many as a long run.
    straight = (longest >= run_limit) | ((n_answered >= run_limit) & (modal >= MODAL_SHARE * n_answered))

    if instrument.instructed_columns:
        columns, expected = _expected_checks(instrument)
        failed_checks = (responses.checks[:, columns] != expected[None, :]).sum(axis=1)  # nan != x: failed
    else:
        failed_checks = np.zeros(n, dtype=np.int64)

    minimum = minimum_plausible_seconds(responses)
    too_fast = ~np.isnan(responses.seconds) & (responses.seconds < minimum)

    halves = _keyed_halves(instrument)
    with np.errstate(invalid="ignore", divide="ignore"):
        counts = answered.astype(np.float64) @ halves
        # Forward sums, then reverse sums, in one product: the shifted answers, shifted back.
        sums = shifted @ halves + (low - 1) * counts
        half = halves.shape[1] // 2
        forward_mean = sums[:, :half] / counts[:, :half]
        reverse_keyed = (low + high) - sums[:, half:] / counts[:, half:]
    gap = np.abs(forward_mean - reverse_keyed)
    contradictory_scales = (gap >= CONTRADICTION_SHARE * (high - low)).sum(axis=1).astype(np.int64)
    contradictory = contradictory_scales >= min(CONTRADICTION_SCALES, max(half, 1))

    missing_items = k - n_answered
    thin = np.isnan(scores.scales).any(axis=1) | np.isnan(scores.situational).any(axis=1)
    too_many_missing = (missing_items > MISSING_SHARE * k) | thin

    index, idealised, strong_claims = _idealised(*idealised_parts(responses))

    flags = np.column_stack([straight, failed_checks > 0, too_fast, contradictory, too_many_missing, idealised])
    return ValidityFlags(
        flags=flags,
        longest_run=longest,
        modal_count=modal,
        failed_checks=failed_checks.astype(np.int64),
        seconds=responses.seconds,
        minimum_seconds=minimum,
        contradictory_scales=contradictory_scales,
        missing_items=missing_items.astype(np.int64),
        n_items=k,
        idealised_index=index,
        virtue_claims=strong_claims,
    )


__all__ = [
    "CONTRADICTION_SCALES",
    "CONTRADICTION_SHARE",
    "FLAG_IDS",
    "IDEALISED_STATEMENTS_ONLY",
    "IDEALISED_THRESHOLD",
    "LONG_STRING_SHARE",
    "MIN_SECONDS_PER_SCENARIO",
    "MISSING_SHARE",
    "MODAL_SHARE",
    "ValidityFlags",
    "idealised_index",
    "idealised_parts",
    "minimum_plausible_seconds",
    "validity_flags",
]
