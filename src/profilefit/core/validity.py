"""Response-validity flags: reasons to doubt that answers reflect the candidate.

Each flag is computed for many candidates at once from the answer arrays. A flag
never lowers a score by itself; it sends the candidate to a person
(``needs_human_review``) with a plain explanation. Thresholds are module constants,
documented in docs/fit.md with their sources.

A forced-choice instrument (2.0) has blocks instead of agreement items, so three flags read
the blocks there (docs/scoring.md, "Validity flags on 2.0"): ``straight_lining`` is the same
place (a, b or c) marked most, or least, in most answered blocks; ``too_many_missing`` counts
unanswered blocks; ``idealised`` reads how often the most desirable statement was marked most
and the least desirable least, and, given the role's pull of each statement, how often the blocks
were answered in the role's order; ``contradictory`` reads person fit: how much better than chance the
candidate's own trait estimates explain their marks (marks given at random are explained by chance alone).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

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

#: Forced choice: marking the statement in one place (a, b or c) most, or least, in this share of the
#: answered blocks is answering by position, not content. Honest answers put the most-marked statement
#: in each place about a third of the time (the design varies where each scale's statement sits), so on
#: 24 answered blocks reaching 20 has a binomial chance of 6.6e-7 per place, and on 12 (the fewest that
#: are scored) reaching 10 a chance of 5.4e-4 (scipy.stats.binom, p = 1/3).
PATTERN_SHARE = 0.80
#: Forced choice: the position rule needs at least this many answered blocks.
PATTERN_MIN_BLOCKS = 12
#: Forced choice: the idealised part from blocks is the share of rated blocks (their three desirability
#: ratings not all equal) where a statement with the block's highest rating was marked most and one with
#: its lowest least. Answering at random does that in 1 block of 6 when the ratings differ (1 in 3 with a
#: tie at either end); honest simulated applicants do it far more often (a desirable statement is marked
#: most more readily by everyone), so the flag fires on the blocks alone only from this share: 18 of the
#: 22 rated blocks of the shipped 2.0.
FC_IDEALISED_STATEMENTS_ONLY = 0.8
#: Forced choice: the index (0.6 x blocks + 0.4 x virtue claims, as on 1.2) fires the flag from this value.
FC_IDEALISED_THRESHOLD = 0.55
#: Forced choice, when the Screener has a role: the share of answered blocks, among those where the role
#: pulls the three statements differently (:meth:`~profilefit.core.fit.RoleProfile.pull`), in which a
#: statement the role pulls most was marked most and one it pulls least, least: a coached applicant
#: answers the role's order, not the generic one. From this share the flag fires: 13 of 24 blocks.
#: The three thresholds together flag 2.2 % (complex-case) and 2.3 % (transactional) of 20,000 honest
#: simulated applicants, 1.3 % without a role; with the one-side rule below, 2.3 % and 2.3 %
#: (docs/scoring.md, "Idealised responding on 2.0").
FC_ROLE_ORDER_SHARE = 0.54
#: Forced choice, with a role: the share of those blocks in which the most marks, or the least marks, follow
#: the role's order (a statement it pulls most marked most, or one it pulls least marked least, whatever the
#: other mark) from which the flag fires:
#: an applicant who fakes one mark of every block and answers the other freely. At 20 of 24 blocks it
#: adds at most 0.1 points of false alarms to the rules above (2.3 % of honest simulated applicants for
#: each built-in role), and catches the hand-written sheets of tests/core/test_faked_records_2.py faked on one
#: side only (docs/faking.md, "One side of every block").
FC_ROLE_ONE_SIDE_SHARE = 0.8
#: Forced choice: fewer answered rated blocks than this and the blocks part is not computed (nan).
FC_IDEALISED_MIN_BLOCKS = 12
#: Forced choice: the ``contradictory`` flag fires when the candidate's own trait estimates explain their marks
#: by less than this much above chance, per comparison, once the estimates' own optimism is taken out
#: (:func:`~profilefit.core.thurstonian.fit_over_chance`, in nats). Attentive simulated applicants have a median
#: of about 0.14; marks given at random, about 0.01 however many blocks are answered. Set on the simulation,
#: scored with the parameters that generated it: docs/scoring.md ("Marks that follow no pattern") gives the
#: rates (benchmarks/validity_flag_rates.py --person-fit) and why real answers will be flagged more often.
FC_PERSON_FIT = 0.005
#: Forced choice: the person-fit rule needs at least this many answered blocks (as the position rule).
FC_PERSON_FIT_MIN_BLOCKS = 12

#: A cycle: the answers repeat every 2 to this many questions (ab, bc, ca, ab, ... on 2.0; 1, 2, 3, 4, 5, 6, 1,
#: ... on 1.2), which neither a long run nor one answer given throughout shows. Found by a trial: on 2.0, 525
#: of the 876 repeating patterns of period 1, 2, 3 or 6 went unflagged, some of them "strong".
CYCLE_LONGEST = 6
#: The cycle rule fires when an answer equals the one ``period`` questions before it in at least this share of
#: the places where both were given (at least as many places as the rule for one answer needs: 12 questions on
#: 1.2, ``PATTERN_MIN_BLOCKS`` on 2.0). Measured on attentive simulated applicants: docs/fit.md, "How often
#: each flag fires", and docs/scoring.md, "Validity flags on 2.0".
CYCLE_SHARE = 0.8
#: ... and in at least this much larger a share than an answer equals the one just before it: a steady
#: answerer repeats at every distance, which is not a cycle. On 1.2, whose scales are asked one after another
#: with the same keying, a cycle of raw answers counts only when the keyed answers are not steady too (equal
#: to the one before in less than ``CYCLE_SHARE`` of the places): someone who agrees with every statement and
#: disagrees with every reversed one (5, 5, 2, 5, 5, 2, ...) answers 5 throughout, keyed; that is consistency.
CYCLE_MARGIN = 0.3

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
    forced_choice : bool
        The instrument is forced choice: ``longest_run`` and ``modal_count`` then count blocks
        (the same two-letter answer in a row; the same place marked most or least), ``missing_items``
        and ``n_items`` count blocks, and ``ideal_blocks`` and ``rated_blocks`` hold the blocks answered
        in the desirability order and the rated blocks answered; with a role, ``role_blocks`` and
        ``role_rated`` hold the blocks answered in the role's order and the answered blocks the role
        pulls differently, and ``role_most`` and ``role_least`` the blocks whose most mark, and whose
        least mark, is in the role's order, whatever the other mark (``None`` without a role);
        ``person_fit`` holds :func:`~profilefit.core.thurstonian.fit_over_chance` (``nan`` where unscored)
        and ``person_fit_line`` the line it was flagged below (the scoring parameters' own, or
        :data:`FC_PERSON_FIT`).
    cycle_period, cycle_matches, cycle_pairs : ndarray of int, shape (n,), optional
        The cycle rule of ``straight_lining``: the period of the cycle that fired (0 where none did), and in
        how many of the places where an answer and the one that many before it were both given they agree.
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
    forced_choice: bool = False
    ideal_blocks: NDArray[np.int64] | None = None
    rated_blocks: NDArray[np.int64] | None = None
    role_blocks: NDArray[np.int64] | None = None
    role_rated: NDArray[np.int64] | None = None
    role_most: NDArray[np.int64] | None = None
    role_least: NDArray[np.int64] | None = None
    person_fit: NDArray[np.float64] | None = None
    person_fit_line: float = FC_PERSON_FIT
    cycle_period: NDArray[np.int64] | None = None
    cycle_matches: NDArray[np.int64] | None = None
    cycle_pairs: NDArray[np.int64] | None = None

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
        return _detail(
            flag,
            forced_choice=self.forced_choice,
            modal_count=int(self.modal_count[row]),
            n_items=self.n_items,
            missing_items=int(self.missing_items[row]),
            longest_run=int(self.longest_run[row]),
            failed_checks=int(self.failed_checks[row]),
            seconds=float(self.seconds[row]),
            minimum_seconds=self.minimum_seconds,
            contradictory_scales=int(self.contradictory_scales[row]),
            idealised_index=float(self.idealised_index[row]),
            virtue_claims=int(self.virtue_claims[row]),
            ideal_blocks=None if self.ideal_blocks is None else int(self.ideal_blocks[row]),
            rated_blocks=None if self.rated_blocks is None else int(self.rated_blocks[row]),
            role_blocks=None if self.role_blocks is None else int(self.role_blocks[row]),
            role_rated=None if self.role_rated is None else int(self.role_rated[row]),
            role_most=None if self.role_most is None else int(self.role_most[row]),
            role_least=None if self.role_least is None else int(self.role_least[row]),
            person_fit=None if self.person_fit is None else float(self.person_fit[row]),
            person_fit_line=self.person_fit_line,
            cycle=_cycle_of(self.cycle_period, self.cycle_matches, self.cycle_pairs, row),
        )


@dataclass(frozen=True, eq=False)
class RowValidity:
    """The flags of one candidate in plain Python: what :func:`validity_row` gives.

    The same numbers as one row of :class:`ValidityFlags`, and the same texts (one :func:`_detail`).
    """

    flags: tuple[bool, ...]
    longest_run: int
    modal_count: int
    failed_checks: int
    seconds: float
    minimum_seconds: float
    contradictory_scales: int
    missing_items: int
    n_items: int
    idealised_index: float
    virtue_claims: int
    forced_choice: bool = False
    ideal_blocks: int | None = None
    rated_blocks: int | None = None
    role_blocks: int | None = None
    role_rated: int | None = None
    role_most: int | None = None
    role_least: int | None = None
    person_fit: float | None = None
    person_fit_line: float = FC_PERSON_FIT
    cycle: tuple[int, int, int] = (0, 0, 0)

    @property
    def any(self) -> bool:
        """Whether any flag fired."""
        return any(self.flags)

    def ids(self) -> list[str]:
        """The flags that fired."""
        return [flag for flag, fired in zip(FLAG_IDS, self.flags, strict=True) if fired]

    def detail(self, flag: str) -> str:
        """A plain English explanation of one flag (the text :meth:`ValidityFlags.detail` gives)."""
        return _detail(
            flag,
            forced_choice=self.forced_choice,
            modal_count=self.modal_count,
            n_items=self.n_items,
            missing_items=self.missing_items,
            longest_run=self.longest_run,
            failed_checks=self.failed_checks,
            seconds=self.seconds,
            minimum_seconds=self.minimum_seconds,
            contradictory_scales=self.contradictory_scales,
            idealised_index=self.idealised_index,
            virtue_claims=self.virtue_claims,
            ideal_blocks=self.ideal_blocks,
            rated_blocks=self.rated_blocks,
            role_blocks=self.role_blocks,
            role_rated=self.role_rated,
            role_most=self.role_most,
            role_least=self.role_least,
            person_fit=self.person_fit,
            person_fit_line=self.person_fit_line,
            cycle=self.cycle,
        )


def _telling_digits(value: float, line: float) -> int:
    """Decimals that show a value apart from the line it fell below: 4, more when 4 would show them equal."""
    digits = 4
    while digits < 9 and f"{value:.{digits}f}" == f"{line:.{digits}f}":
        digits += 1
    return digits


def _cycle_of(
    period: NDArray[np.int64] | None, matches: NDArray[np.int64] | None, pairs: NDArray[np.int64] | None, row: int
) -> tuple[int, int, int]:
    if period is None or matches is None or pairs is None:
        return 0, 0, 0
    return int(period[row]), int(matches[row]), int(pairs[row])


def _cycle_text(cycle: tuple[int, int, int]) -> str:
    """The cycle rule's part of the ``straight_lining`` detail; nothing when it did not fire."""
    period, matches, pairs = cycle
    if not period:
        return ""
    return f"; answers repeating in a cycle of {period} in {matches} of {pairs} places"


def _detail(
    flag: str,
    *,
    forced_choice: bool,
    modal_count: int,
    n_items: int,
    missing_items: int,
    longest_run: int,
    failed_checks: int,
    seconds: float,
    minimum_seconds: float,
    contradictory_scales: int,
    idealised_index: float,
    virtue_claims: int,
    ideal_blocks: int | None = None,
    rated_blocks: int | None = None,
    role_blocks: int | None = None,
    role_rated: int | None = None,
    role_most: int | None = None,
    role_least: int | None = None,
    person_fit: float | None = None,
    person_fit_line: float = FC_PERSON_FIT,
    cycle: tuple[int, int, int] = (0, 0, 0),
) -> str:
    """The one text of each flag, from one candidate's numbers."""
    if forced_choice:
        answered = n_items - missing_items
        if flag == "contradictory" and person_fit is not None:
            digits = _telling_digits(person_fit, person_fit_line)
            return (
                f"marks that follow no consistent pattern: answer consistency (person fit) {person_fit:.{digits}f}, "
                f"flagged below {person_fit_line:.{digits}f}; {answered} blocks answered"
            )
        if flag == "straight_lining":
            return (
                f"marked the statement in one place (a, b or c) most, or least, in {modal_count} of "
                f"{answered} blocks; the same two letters {longest_run} times in a row"
            ) + _cycle_text(cycle)
        if flag == "too_many_missing":
            return f"left {missing_items} of {n_items} blocks unanswered, or too few for a score"
        if flag == "idealised" and ideal_blocks is not None and rated_blocks is not None:
            text = (
                f"answered in an idealised way (index {idealised_index:.2f}): the most desirable statement "
                f"marked most and the least desirable least in {ideal_blocks} of {rated_blocks} "
                f"blocks; {_counted(virtue_claims, 'improbable virtue')} claimed strongly"
            )
            if role_blocks is not None and role_rated is not None:
                text += (
                    f"; the statement the role favours most marked most and the one it favours least marked least "
                    f"in {role_blocks} of {role_rated} blocks"
                )
                if role_most is not None and role_least is not None:
                    text += f" (the most marks in its order in {role_most}, the least marks in {role_least})"
            rules = fc_idealised_rules(ideal_blocks, rated_blocks, role_blocks, role_rated, role_most, role_least)
            if rules:  # which of the numbers above reached the flag's line, and where that line is
                named = [
                    f"{FC_RULE_NAMES[rule]} (from {line:.2f})"
                    if rule == "index"
                    else f"{FC_RULE_NAMES[rule]} (from {line:.0f} blocks)"
                    for rule, line in rules
                ]
                text += "; flagged for " + (", ".join(named[:-1]) + " and " if len(named) > 1 else "") + named[-1]
            return text
    if flag == "straight_lining":
        return (
            f"gave one answer to {modal_count} of {n_items - missing_items} statements, {longest_run} of them in a row"
        ) + _cycle_text(cycle)
    if flag == "failed_attention_check":
        return f"missed {_counted(failed_checks, 'attention check')} that asked for a given answer"
    if flag == "too_fast":
        return f"finished in {seconds:.0f} s; reading every question takes at least about {minimum_seconds:.0f} s"
    if flag == "contradictory":
        return f"agreed with statements and with their opposites on {contradictory_scales} scales"
    if flag == "too_many_missing":
        return f"left {missing_items} of {n_items} statements unanswered, or a whole scale too thin"
    if flag == "idealised":
        return (
            f"answered in an idealised way (index {idealised_index:.2f}): clearly desirable answers "
            f"at or next to the extreme again and again; {_counted(virtue_claims, 'improbable virtue')} "
            "claimed strongly"
        )
    raise KeyError(f"unknown flag {flag!r}; known: {', '.join(FLAG_IDS)}")


#: How the detail names each rule of the forced-choice idealised flag (:func:`fc_idealised_rules`).
FC_RULE_NAMES = {
    "order": "the desirability order",
    "index": "the index",
    "role": "the role's order",
    "one_side": "one side in the role's order",
}


def fc_idealised_rules(
    ideal_blocks: int | None,
    rated_blocks: int | None,
    role_blocks: int | None = None,
    role_rated: int | None = None,
    role_most: int | None = None,
    role_least: int | None = None,
    *,
    fired: bool = True,
) -> list[tuple[str, float]]:
    """Which rules of the forced-choice ``idealised`` flag one candidate's numbers reach, each with its line.

    ``order``: the desirability order in at least 80 % of the rated blocks (the line as a count of them);
    ``role``: the role's order, both marks, in 54 % of the blocks it pulls apart; ``one_side``: the most marks,
    or the least, in its order in 80 % of them. These three are read from the counts exactly. ``index`` (with
    the virtue claims, from 0.55) is named when the flag ``fired`` and none of them did: the counts do not say
    whether claims were answered, so it is never guessed beside another. A detail names the rules the flag fired
    on, so that a reader knows which number made it fire (a trial: a flag fired by the role's order read as if
    the index, 0.25, had).
    """
    rules: list[tuple[str, float]] = []
    if (
        ideal_blocks is not None
        and rated_blocks is not None
        and rated_blocks >= FC_IDEALISED_MIN_BLOCKS
        and ideal_blocks / rated_blocks >= FC_IDEALISED_STATEMENTS_ONLY - 1e-9
    ):
        rules.append(("order", math.ceil(FC_IDEALISED_STATEMENTS_ONLY * rated_blocks - 1e-9)))
    if role_blocks is not None and role_rated and role_rated >= FC_IDEALISED_MIN_BLOCKS:
        if role_blocks / role_rated >= FC_ROLE_ORDER_SHARE - 1e-9:
            rules.append(("role", math.ceil(FC_ROLE_ORDER_SHARE * role_rated - 1e-9)))
        one_side = max(role_most, role_least) if role_most is not None and role_least is not None else 0
        if one_side / role_rated >= FC_ROLE_ONE_SIDE_SHARE - 1e-9:
            rules.append(("one_side", math.ceil(FC_ROLE_ONE_SIDE_SHARE * role_rated - 1e-9)))
    if fired and not rules:
        rules.append(("index", FC_IDEALISED_THRESHOLD))
    return rules


def _counted(count: int | None, noun: str) -> str:
    """``1 attention check``, ``2 attention checks``: the count and the noun in its number."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def minimum_plausible_seconds(responses: Responses) -> float:
    """Fastest plausible completion time: 2 s per agreement item and 10 s per scenario by default.

    A forced-choice block adds the instrument's ``timing.min_seconds_per_block`` (5 s by default).
    """
    return _minimum_seconds(responses.instrument)


def _minimum_seconds(instrument: Instrument) -> float:
    n_agreement = len(instrument.items) + len(instrument.attention_checks)
    seconds = instrument.timing.min_seconds_per_item * n_agreement + MIN_SECONDS_PER_SCENARIO * len(
        instrument.scenarios
    )
    if instrument.blocks:  # added only when there are blocks, so an agreement instrument's figure is unchanged
        seconds += instrument.timing.min_seconds_per_block * len(instrument.blocks)
    return seconds


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
            longest[row], modal[row], answered[row] = _row_patterns(answers, present, n_values)
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


def _row_patterns(answers: list[Any], present: list[bool], n_values: int) -> tuple[int, int, int]:
    """One row of :func:`_answer_patterns`: longest run, count of the most frequent answer, answers given."""
    best = streak = 0
    previous = None
    counts = [0] * (n_values + 1)
    for value, is_given in zip(answers, present, strict=True):
        streak = 0 if not is_given else (streak + 1 if value == previous else 1)
        previous = value if is_given else None
        best = max(best, streak)
        if is_given and 0 < value <= n_values and value == int(value):
            counts[int(value)] += 1
    return best, max(counts[1:], default=0), sum(present)


def _cycles(
    codes: NDArray[np.generic], given: NDArray[np.bool_], minimum: int, keyed: NDArray[np.generic] | None = None
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Per row, the cycle rule: the period (0 where it does not fire), its agreeing places and its places.

    For each period from 2 to :data:`CYCLE_LONGEST`, the places where an answer and the one ``period``
    questions before it were both given, and how many of them agree; the period with the highest share
    counts (the shorter on a tie). It fires with at least ``minimum`` places, :data:`CYCLE_SHARE` of them
    agreeing, and a share :data:`CYCLE_MARGIN` above that of neighbours (distance 1); with ``keyed`` (the
    keyed answers), only where those are not steady (neighbours equal in under :data:`CYCLE_SHARE` of the
    places). Whole-number counts and one division each, as :func:`_cycles_row` does them.
    """
    n, k = codes.shape
    period = np.zeros(n, dtype=np.int64)
    matches = np.zeros(n, dtype=np.int64)
    pairs = np.zeros(n, dtype=np.int64)
    share = np.full(n, -1.0)
    steady = np.zeros(n)

    def shares(
        values: NDArray[np.generic], step: int
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
        both = given[:, step:] & given[:, :-step]
        agree = ((values[:, step:] == values[:, :-step]) & both).sum(axis=1)
        places = both.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return agree, places, np.where(places > 0, agree / np.maximum(places, 1), 0.0)

    for step in range(1, min(CYCLE_LONGEST, k - 1) + 1):
        agree, places, this = shares(codes, step)
        if step == 1:  # neighbours
            steady = this
            continue
        better = this > share
        period[better], matches[better] = step, agree[better]
        pairs[better], share[better] = places[better], this[better]
    fired = (pairs >= minimum) & (matches >= CYCLE_SHARE * pairs - 1e-9) & (share - steady >= CYCLE_MARGIN - 1e-9)
    if keyed is not None and k > 1:
        fired &= shares(keyed, 1)[2] < CYCLE_SHARE - 1e-9
    return np.where(fired, period, 0), np.where(fired, matches, 0), np.where(fired, pairs, 0)


def _cycles_row(
    codes: list[Any], given: list[bool], minimum: int, keyed: list[Any] | None = None
) -> tuple[int, int, int]:
    """One row of :func:`_cycles`."""
    k = len(codes)

    def shares(values: list[Any], step: int) -> tuple[int, int, float]:
        agree = places = 0
        for later in range(step, k):
            if given[later] and given[later - step]:
                places += 1
                agree += values[later] == values[later - step]
        return agree, places, (agree / max(places, 1) if places > 0 else 0.0)

    best = (0, 0, 0)
    share = -1.0
    steady = 0.0
    for step in range(1, min(CYCLE_LONGEST, k - 1) + 1):
        agree, places, this = shares(codes, step)
        if step == 1:
            steady = this
        elif this > share:
            best, share = (step, agree, places), this
    period, agree, places = best
    fired = places >= minimum and agree >= CYCLE_SHARE * places - 1e-9 and share - steady >= CYCLE_MARGIN - 1e-9
    if fired and keyed is not None and k > 1:
        fired = shares(keyed, 1)[2] < CYCLE_SHARE - 1e-9
    return (period, agree, places) if fired else (0, 0, 0)


@identity_cache()
def _reversed(instrument: Instrument) -> NDArray[np.bool_]:
    """Per agreement item, whether it is reverse-keyed."""
    return np.array([item.reverse for item in instrument.items], dtype=bool)


@identity_cache()
def _reversed_list(instrument: Instrument) -> list[bool]:
    return [item.reverse for item in instrument.items]


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
    return (statements, *_virtue_claims(responses))


def _virtue_claims(responses: Responses) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Share of answered virtue claims answered at the top of the scale (``nan`` when none), and their count."""
    instrument = responses.instrument
    n = len(responses)
    claim_columns = list(instrument.virtue_claim_columns)
    if not claim_columns:
        return np.full(n, np.nan), np.zeros(n, dtype=np.int64)
    claims = responses.checks[:, claim_columns]
    given = (~np.isnan(claims)).sum(axis=1)
    strong = (claims == instrument.response_scale.max).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(given > 0, strong / given, np.nan)
    return share, strong.astype(np.int64)


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
    statements: NDArray[np.float64],
    claims: NDArray[np.float64],
    strong: NDArray[np.int64],
    statements_only: float = IDEALISED_STATEMENTS_ONLY,
    threshold: float = IDEALISED_THRESHOLD,
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.int64]]:
    """The index, the flag and the strong claims, from the parts computed once."""
    combined = IDEALISED_STATEMENT_WEIGHT * statements + (1 - IDEALISED_STATEMENT_WEIGHT) * claims
    # nan (no claim answered, or too few statements) never reaches a threshold. A small tolerance:
    # the parts are means of halves and sixths, and 0.45 must not miss 0.4499999.
    flag: NDArray[np.bool_] = (np.nan_to_num(combined, nan=-1.0) >= threshold - 1e-9) | (
        np.nan_to_num(statements, nan=-1.0) >= statements_only - 1e-9
    )
    return np.where(np.isnan(claims), statements, combined), flag, strong


def validity_flags(
    responses: Responses, scores: ScaleScores, role_pull: NDArray[np.float64] | None = None
) -> ValidityFlags:
    """Compute every validity flag for a set of candidates.

    Parameters
    ----------
    responses : Responses
    scores : ScaleScores
        The same candidates' scores.
    role_pull : ndarray of shape (n_statements,), optional
        On a forced-choice instrument, the role's pull of each statement in the instrument's order
        (:meth:`~profilefit.core.fit.RoleProfile.pull`): the ``idealised`` flag then also reads whether
        the blocks were answered in the role's order. Ignored on an agreement instrument.

    Returns
    -------
    ValidityFlags
    """
    instrument = responses.instrument
    if instrument.format == "forced_choice":
        return _forced_choice_flags(responses, scores, role_pull)
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
    keyed = np.where(_reversed(instrument)[None, :], (high - low + 2) - shifted, shifted)
    cycle_period, cycle_matches, cycle_pairs = _cycles(shifted, answered, run_limit, keyed)
    straight |= cycle_period > 0

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
        cycle_period=cycle_period,
        cycle_matches=cycle_matches,
        cycle_pairs=cycle_pairs,
    )


def validity_row(
    instrument: Instrument,
    items: list[float],
    checks: list[float],
    seconds: float,
    scales: list[float],
    situational: list[float],
) -> RowValidity:
    """:func:`validity_flags` of one candidate of an agreement instrument, in plain Python.

    ``items`` and ``checks`` hold the raw answers (``nan`` unanswered), whole numbers on the response
    scale as the schema admits them; ``scales`` and ``situational`` the candidate's scores. The same
    rules, thresholds and arithmetic as the batch function, one candidate at a time (the service's
    case, where numpy's per-call overhead on one-row arrays costs more than the counting).
    """
    k = len(items)
    low, high = instrument.response_scale.min, instrument.response_scale.max
    present = [answer == answer for answer in items]
    shift = low - 1
    codes = [int(answer) - shift if given else 0 for answer, given in zip(items, present, strict=True)]
    longest, modal, n_answered = _row_patterns(codes, present, high - low + 1)
    run_limit = max(3, math.ceil(LONG_STRING_SHARE * k))
    straight = longest >= run_limit or (n_answered >= run_limit and modal >= MODAL_SHARE * n_answered)
    flips = _reversed_list(instrument)
    keyed = [(high - low + 2) - code if flip else code for code, flip in zip(codes, flips, strict=True)]
    cycle = _cycles_row(codes, present, run_limit, keyed)
    straight = straight or cycle[0] > 0

    failed_checks, minimum, too_fast, too_many_missing = _common_row(
        instrument, checks, seconds, scales, situational, k - n_answered, k
    )

    contradictory_scales = 0
    halves = _keyed_half_lists(instrument)
    for forward, reverse in halves:
        f_sum, f_count = _answered_sum(items, forward)
        r_sum, r_count = _answered_sum(items, reverse)
        if f_count and r_count:  # a side with no answer gives nan: never a contradiction
            gap = abs(f_sum / f_count - ((low + high) - r_sum / r_count))
            contradictory_scales += gap >= CONTRADICTION_SHARE * (high - low)
    contradictory = contradictory_scales >= min(CONTRADICTION_SCALES, max(len(halves), 1))

    statements, claims, strong = _idealised_parts_row(instrument, items, checks)
    index, idealised = _idealised_row(statements, claims)
    return RowValidity(
        flags=(straight, failed_checks > 0, too_fast, contradictory, too_many_missing, idealised),
        longest_run=longest,
        modal_count=modal,
        failed_checks=failed_checks,
        seconds=seconds,
        minimum_seconds=minimum,
        contradictory_scales=contradictory_scales,
        missing_items=k - n_answered,
        n_items=k,
        idealised_index=index,
        virtue_claims=strong,
        cycle=cycle,
    )


def _common_row(
    instrument: Instrument,
    checks: list[float],
    seconds: float,
    scales: list[float],
    situational: list[float],
    missing: int,
    k: int,
) -> tuple[int, float, bool, bool]:
    """What both formats' row flags share: failed checks, the minimum time, too fast, too many missing.

    ``missing`` of ``k`` questions (items or blocks) were left unanswered.
    """
    failed_checks = 0
    if instrument.instructed_columns:
        columns, expected = _expected_check_lists(instrument)
        failed_checks = sum(checks[c] != e for c, e in zip(columns, expected, strict=True))  # nan != x: failed
    minimum = _minimum_seconds(instrument)
    too_fast = seconds == seconds and seconds < minimum
    thin = any(x != x for x in scales) or any(x != x for x in situational)
    return failed_checks, minimum, too_fast, missing > MISSING_SHARE * k or thin


def _answered_sum(items: list[float], columns: list[int]) -> tuple[float, int]:
    total, count = 0.0, 0
    for column in columns:
        answer = items[column]
        if answer == answer:
            total += answer
            count += 1
    return total, count


@identity_cache()
def _keyed_half_lists(instrument: Instrument) -> list[tuple[list[int], list[int]]]:
    """Per scale with both keyings (``_keyed_halves``' columns, in order), its forward and its reverse items."""
    halves = _keyed_halves(instrument)
    half = halves.shape[1] // 2
    return [(np.flatnonzero(halves[:, j]).tolist(), np.flatnonzero(halves[:, half + j]).tolist()) for j in range(half)]


@identity_cache()
def _expected_check_lists(instrument: Instrument) -> tuple[list[int], list[float]]:
    columns, expected = _expected_checks(instrument)
    return columns, expected.tolist()


@identity_cache()
def _rated_lists(instrument: Instrument) -> list[tuple[int, float, float]]:
    columns, extreme, near = _rated_statements(instrument)
    return list(zip(columns.tolist(), extreme.tolist(), near.tolist(), strict=True))


def _idealised_parts_row(instrument: Instrument, items: list[float], checks: list[float]) -> tuple[float, float, int]:
    """One candidate's :func:`idealised_parts`."""
    rated = _rated_lists(instrument)
    statements = math.nan
    if rated:
        points, answered = 0.0, 0
        for column, extreme, near in rated:
            answer = items[column]
            if answer == answer:
                answered += 1
                points += (answer == extreme) + IDEALISED_NEAR * (answer == near)
        if answered >= IDEALISED_MIN_ANSWERED:
            statements = points / answered
    if not rated:
        return math.nan, math.nan, 0
    return (statements, *_virtue_claims_row(instrument, checks))


def _idealised_row(
    statements: float,
    claims: float,
    statements_only: float = IDEALISED_STATEMENTS_ONLY,
    threshold: float = IDEALISED_THRESHOLD,
) -> tuple[float, bool]:
    """One candidate's :func:`_idealised`: the index and the flag."""
    combined = IDEALISED_STATEMENT_WEIGHT * statements + (1 - IDEALISED_STATEMENT_WEIGHT) * claims
    flag = (combined == combined and combined >= threshold - 1e-9) or (
        statements == statements and statements >= statements_only - 1e-9
    )
    return (statements if claims != claims else combined), flag


@identity_cache()
def _ideal_answers(instrument: Instrument) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Per block and answer code, whether the answer is in the desirability order; and which blocks are rated.

    An answer is in order when the statement marked most has the block's highest rating and the one
    marked least its lowest (either of two tied statements counts). A block whose three ratings are
    equal has no order and is not rated.
    """
    from profilefit.core.scoring import BLOCK_POSITIONS

    ideal = np.zeros((len(instrument.blocks), len(BLOCK_POSITIONS) - 1), dtype=bool)
    rated = np.zeros(len(instrument.blocks), dtype=bool)
    for row, block in enumerate(instrument.blocks):
        ratings = [statement.desirability or 0.0 for statement in block.statements]
        rated[row] = max(ratings) > min(ratings)
        for code, (most, least) in enumerate(BLOCK_POSITIONS[:-1].tolist()):
            ideal[row, code] = rated[row] and ratings[most] == max(ratings) and ratings[least] == min(ratings)
    return ideal, rated


def _role_order(
    instrument: Instrument,
    role_pull: NDArray[np.float64],
    flat_codes: NDArray[np.intp],
    answered: NDArray[np.bool_],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Per candidate: blocks in the role's order, blocks it pulls differently, and one side in its order.

    The four counts: blocks answered in the role's order, answered blocks the role pulls differently, and
    blocks whose most mark, and whose least mark, is in the role's order. In the role's order: a
    statement the role pulls most was marked most and one it pulls least, least. ``flat_codes`` are
    :func:`_flat_codes` of the candidates' blocks.
    """
    tables, pulled = role_order_table(instrument, role_pull)
    counts = [table.ravel().take(flat_codes).sum(axis=1).astype(np.int64) for table in tables]
    counted = answered & pulled[None, :]
    return counts[0], counted.sum(axis=1).astype(np.int64), counts[1], counts[2]


def role_order_table(
    instrument: Instrument, role_pull: NDArray[np.float64]
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Which answers are in the role's order, and which blocks the role pulls differently.

    The first, shape (3, n_blocks, 7), says per block and answer code + 1 (column 0: unanswered)
    whether both marks are in the role's order, whether the most mark is (a statement the role pulls
    most), and whether the least mark is (one it pulls least), in a block the role pulls differently;
    the second is per block (see :func:`_role_order`).

    Raises
    ------
    ValueError
        When ``role_pull`` is not one finite number per statement.
    """
    from profilefit.core.scoring import BLOCK_POSITIONS

    pull = np.asarray(role_pull, dtype=np.float64)
    if pull.shape != (len(instrument.statements),) or not np.isfinite(pull).all():
        raise ValueError(
            f"role_pull: shape {pull.shape}, finite {bool(np.isfinite(pull).all())}; allowed: "
            f"{len(instrument.statements)} finite numbers, one per statement of {instrument.id} {instrument.version}"
        )
    per_block = pull.reshape(len(instrument.blocks), -1)
    top = per_block == per_block.max(axis=1, keepdims=True)
    bottom = per_block == per_block.min(axis=1, keepdims=True)
    pulled = per_block.max(axis=1) > per_block.min(axis=1)
    most, least = BLOCK_POSITIONS[:-1, 0].astype(np.intp), BLOCK_POSITIONS[:-1, 1].astype(np.intp)
    tables = np.zeros((3, len(instrument.blocks), len(BLOCK_POSITIONS)), dtype=bool)
    tables[1, :, 1:] = top[:, most] & pulled[:, None]
    tables[2, :, 1:] = bottom[:, least] & pulled[:, None]
    tables[0] = tables[1] & tables[2]
    return tables, pulled


def _flat_codes(blocks: NDArray[np.integer]) -> NDArray[np.intp]:
    """Each block answer (-1 unanswered, 0-5) as an index into a (n_blocks, 7) table, column = answer + 1.

    One ``take`` from such a table replaces a gather with two index arrays (several times slower).
    """
    from profilefit.core.scoring import BLOCK_POSITIONS

    k = blocks.shape[1]
    flat: NDArray[np.intp] = blocks.astype(np.intp) + 1
    flat += (np.arange(k, dtype=np.intp) * len(BLOCK_POSITIONS))[None, :]
    return flat


@cache
def _place_counts_table() -> NDArray[np.int64]:
    """Answer code + 1 (0: unanswered) to the places it marks: columns most a, b, c, then least a, b, c."""
    from profilefit.core.scoring import BLOCK_POSITIONS

    table = np.zeros((len(BLOCK_POSITIONS), 6), dtype=np.int64)
    for code, (most, least) in enumerate(BLOCK_POSITIONS[:-1].tolist()):
        table[code + 1, most] = table[code + 1, 3 + least] = 1
    return table


@dataclass(frozen=True, eq=False)
class CarelessParts:
    """The forced-choice flags that read the answers alone (no scores): position pattern, checks, time."""

    answered: NDArray[np.bool_]
    n_answered: NDArray[np.int64]
    longest_run: NDArray[np.int64]
    modal_count: NDArray[np.int64]
    straight_lining: NDArray[np.bool_]
    failed_checks: NDArray[np.int64]
    minimum_seconds: float
    too_fast: NDArray[np.bool_]
    #: Attention checks answered, and not as asked (``failed_checks`` counts an unanswered one too).
    wrong_checks: NDArray[np.int64]
    #: The cycle rule of ``straight_lining`` (:func:`_cycles`): period (0: did not fire), agreeing places, places.
    cycle: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]] | None = None

    @property
    def any(self) -> NDArray[np.bool_]:
        """Straight-lining, an attention check answered other than as asked, or too fast.

        An unanswered check does not count here: an export may leave the checks out altogether.
        """
        result: NDArray[np.bool_] = self.straight_lining | (self.wrong_checks > 0) | self.too_fast
        return result


def _forced_choice_careless(responses: Responses) -> CarelessParts:
    """:class:`CarelessParts` of a forced-choice instrument's candidates, as their flags read them."""
    from profilefit.core.scoring import BLOCK_POSITIONS, NO_ANSWER

    instrument = responses.instrument
    blocks = responses.blocks
    n, k = blocks.shape
    answered = blocks != NO_ANSWER
    n_answered = answered.sum(axis=1)

    # Position pattern: how often each place (a, b, c) was marked most, and least. Counted from how often
    # each answer was given (one bincount over every candidate's blocks), which says the places it marks.
    width = len(BLOCK_POSITIONS)  # the six answers and unanswered
    given = blocks.astype(np.intp) + 1 + (np.arange(n, dtype=np.intp) * width)[:, None]
    code_counts = np.bincount(given.ravel(), minlength=n * width).reshape(n, width)
    counts = code_counts @ _place_counts_table()  # (n, 6)
    modal = counts.max(axis=1).astype(np.int64) if k else np.zeros(n, dtype=np.int64)
    longest, _, _ = _answer_patterns(np.where(answered, blocks + 1, 0).astype(np.int8), 6)
    straight = (n_answered >= PATTERN_MIN_BLOCKS) & (modal >= PATTERN_SHARE * n_answered - 1e-9)
    cycle_period, cycle_matches, cycle_pairs = _cycles(blocks, answered, PATTERN_MIN_BLOCKS)
    straight |= cycle_period > 0

    if instrument.instructed_columns:
        columns, expected = _expected_checks(instrument)
        checked = responses.checks[:, columns]
        failed_checks = (checked != expected[None, :]).sum(axis=1)  # nan != x: failed
        wrong_checks = (~np.isnan(checked) & (checked != expected[None, :])).sum(axis=1)
    else:
        failed_checks = wrong_checks = np.zeros(n, dtype=np.int64)

    minimum = minimum_plausible_seconds(responses)
    too_fast = ~np.isnan(responses.seconds) & (responses.seconds < minimum)
    return CarelessParts(
        answered,
        n_answered,
        longest,
        modal,
        straight,
        failed_checks.astype(np.int64),
        minimum,
        too_fast,
        wrong_checks.astype(np.int64),
        (cycle_period, cycle_matches, cycle_pairs),
    )


def careless_answers(responses: Responses) -> CarelessParts:
    """Which forced-choice candidates answered carelessly, by the flags that need no scores.

    The ``straight_lining``, ``failed_attention_check`` and ``too_fast`` flags of :func:`validity_flags`,
    computed from the answers alone, so that ``profilefit calibrate`` can leave such rows out before any
    parameters exist to score them with (:attr:`CarelessParts.any`: a check left unanswered is not careless
    there, as an export may hold no checks at all).

    Raises
    ------
    ValueError
        For an agreement instrument (its flags read the scales).
    """
    if responses.instrument.format != "forced_choice":
        raise ValueError("careless_answers reads a forced-choice instrument's answers")
    return _forced_choice_careless(responses)


def _forced_choice_flags(
    responses: Responses, scores: ScaleScores, role_pull: NDArray[np.float64] | None = None
) -> ValidityFlags:
    """The flags of a forced-choice instrument (see the module docstring)."""
    from profilefit.core.scoring import BLOCK_POSITIONS

    instrument = responses.instrument
    blocks = responses.blocks
    n, k = blocks.shape
    careless = _forced_choice_careless(responses)
    answered, n_answered = careless.answered, careless.n_answered
    longest, modal, straight = careless.longest_run, careless.modal_count, careless.straight_lining
    failed_checks, minimum, too_fast = careless.failed_checks, careless.minimum_seconds, careless.too_fast
    width = len(BLOCK_POSITIONS)  # the six answers and unanswered

    missing = k - n_answered
    thin = np.isnan(scores.scales).any(axis=1) | np.isnan(scores.situational).any(axis=1)
    too_many_missing = (missing > MISSING_SHARE * k) | thin

    ideal, rated = _ideal_answers(instrument)
    rated_answered = (answered & rated[None, :]).sum(axis=1)
    flat_codes = _flat_codes(blocks)
    ideal_table = np.zeros((k, width), dtype=bool)
    ideal_table[:, 1:] = ideal
    ideal_count = ideal_table.ravel().take(flat_codes).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        statements = np.where(rated_answered >= FC_IDEALISED_MIN_BLOCKS, ideal_count / rated_answered, np.nan)
    claims, strong = _virtue_claims(responses)
    index, idealised, strong_claims = _idealised(
        statements, claims, strong, FC_IDEALISED_STATEMENTS_ONLY, FC_IDEALISED_THRESHOLD
    )
    role_blocks = role_rated = role_most = role_least = None
    if role_pull is not None:
        role_blocks, role_rated, role_most, role_least = _role_order(instrument, role_pull, flat_codes, answered)
        enough = role_rated >= FC_IDEALISED_MIN_BLOCKS
        rated = np.maximum(role_rated, 1)
        role_share = np.where(enough, role_blocks / rated, 0.0)
        one_side = np.where(enough, np.maximum(role_most, role_least) / rated, 0.0)
        idealised = (
            idealised
            | (enough & (role_share >= FC_ROLE_ORDER_SHARE - 1e-9))
            | (enough & (one_side >= FC_ROLE_ONE_SIDE_SHARE - 1e-9))
        )

    if scores.person_fit is None:
        raise ValueError(
            "forced-choice scores without person fit: score the answers with "
            "profilefit.core.scoring.score_responses, which gives it"
        )
    person_fit = scores.person_fit
    line = FC_PERSON_FIT if scores.person_fit_line is None else scores.person_fit_line
    with np.errstate(invalid="ignore"):  # nan (unscored): no flag
        contradictory = (n_answered >= FC_PERSON_FIT_MIN_BLOCKS) & (person_fit < line)
    flags = np.column_stack([straight, failed_checks > 0, too_fast, contradictory, too_many_missing, idealised])
    return ValidityFlags(
        flags=flags,
        longest_run=longest,
        modal_count=modal,
        failed_checks=failed_checks.astype(np.int64),
        seconds=responses.seconds,
        minimum_seconds=minimum,
        contradictory_scales=np.zeros(n, dtype=np.int64),
        missing_items=missing.astype(np.int64),
        n_items=k,
        idealised_index=index,
        virtue_claims=strong_claims,
        forced_choice=True,
        ideal_blocks=ideal_count.astype(np.int64),
        rated_blocks=rated_answered.astype(np.int64),
        role_blocks=role_blocks,
        role_rated=role_rated,
        role_most=role_most,
        role_least=role_least,
        person_fit=person_fit,
        person_fit_line=line,
        cycle_period=None if careless.cycle is None else careless.cycle[0],
        cycle_matches=None if careless.cycle is None else careless.cycle[1],
        cycle_pairs=None if careless.cycle is None else careless.cycle[2],
    )


def forced_choice_validity_row(
    instrument: Instrument,
    blocks: list[int],
    checks: list[float],
    seconds: float,
    scales: list[float],
    situational: list[float],
    role_order: tuple[list[list[list[bool]]], list[bool]] | None,
    person_fit: float,
    person_fit_line: float | None = None,
) -> RowValidity:
    """:func:`validity_flags` of one candidate of a forced-choice instrument, in plain Python.

    ``blocks`` holds the answer codes in block order (-1 unanswered), ``checks`` the raw check answers
    (``nan`` unanswered), ``scales`` and ``situational`` the candidate's scores, ``role_order`` the
    lists of :func:`role_order_table` for a role (``None`` without one), ``person_fit`` the candidate's
    :func:`~profilefit.core.thurstonian.fit_over_chance` (from
    :func:`~profilefit.core.scoring.forced_choice_row`; ``nan`` where unscored: required, as the batch
    refuses scores without it, so a caller cannot leave the flag silently off), ``person_fit_line`` the
    scoring parameters' line (``None``: :data:`FC_PERSON_FIT`). The same rules, thresholds and arithmetic as
    the batch's ``_forced_choice_flags``, one candidate at a time.
    """
    from profilefit.core.scoring import NO_ANSWER

    k = len(blocks)
    given = [code != NO_ANSWER for code in blocks]
    n_answered = sum(given)
    places = _place_lists()
    counts = [0] * 6
    for code, is_given in zip(blocks, given, strict=True):
        if is_given:
            most, least = places[code]
            counts[most] += 1
            counts[least] += 1
    modal = max(counts) if k else 0
    longest, _, _ = _row_patterns([code + 1 if g else 0 for code, g in zip(blocks, given, strict=True)], given, 6)
    straight = n_answered >= PATTERN_MIN_BLOCKS and modal >= PATTERN_SHARE * n_answered - 1e-9
    cycle = _cycles_row(blocks, given, PATTERN_MIN_BLOCKS)
    straight = straight or cycle[0] > 0
    missing = k - n_answered
    failed_checks, minimum, too_fast, too_many_missing = _common_row(
        instrument, checks, seconds, scales, situational, missing, k
    )

    ideal, rated = _ideal_answer_lists(instrument)
    rated_answered = ideal_count = 0
    for block, (code, is_given) in enumerate(zip(blocks, given, strict=True)):
        if is_given:
            rated_answered += rated[block]
            ideal_count += ideal[block][code]
    statements = ideal_count / rated_answered if rated_answered >= FC_IDEALISED_MIN_BLOCKS else math.nan
    claims, strong = _virtue_claims_row(instrument, checks)
    index, idealised = _idealised_row(statements, claims, FC_IDEALISED_STATEMENTS_ONLY, FC_IDEALISED_THRESHOLD)
    role_blocks = role_rated = role_most = role_least = None
    if role_order is not None:
        (both, most_table, least_table), pulled = role_order
        role_blocks = role_rated = role_most = role_least = 0
        for block, (code, is_given) in enumerate(zip(blocks, given, strict=True)):
            role_blocks += both[block][code + 1]
            role_most += most_table[block][code + 1]
            role_least += least_table[block][code + 1]
            role_rated += is_given and pulled[block]
        # The role's two rules as the detail names them: one statement of them for one candidate.
        idealised = idealised or bool(
            fc_idealised_rules(None, None, role_blocks, role_rated, role_most, role_least, fired=False)
        )

    line = FC_PERSON_FIT if person_fit_line is None else person_fit_line
    contradictory = n_answered >= FC_PERSON_FIT_MIN_BLOCKS and person_fit < line  # nan: False
    return RowValidity(
        flags=(straight, failed_checks > 0, too_fast, contradictory, too_many_missing, idealised),
        longest_run=longest,
        modal_count=modal,
        failed_checks=failed_checks,
        seconds=seconds,
        minimum_seconds=minimum,
        contradictory_scales=0,
        missing_items=missing,
        n_items=k,
        idealised_index=index,
        virtue_claims=strong,
        forced_choice=True,
        ideal_blocks=ideal_count,
        rated_blocks=rated_answered,
        role_blocks=role_blocks,
        role_rated=role_rated,
        role_most=role_most,
        role_least=role_least,
        person_fit=person_fit,
        person_fit_line=line,
        cycle=cycle,
    )


@cache
def _place_lists() -> list[tuple[int, int]]:
    """Answer code to the places it marks, as :func:`_place_counts_table`'s columns: most a-c 0-2, least 3-5."""
    from profilefit.core.scoring import BLOCK_POSITIONS

    return [(most, 3 + least) for most, least in BLOCK_POSITIONS[:-1].tolist()]


@identity_cache()
def _ideal_answer_lists(instrument: Instrument) -> tuple[list[list[bool]], list[bool]]:
    ideal, rated = _ideal_answers(instrument)
    return ideal.tolist(), rated.tolist()


def _virtue_claims_row(instrument: Instrument, checks: list[float]) -> tuple[float, int]:
    """One candidate's :func:`_virtue_claims`: the share strongly agreed (``nan`` when none answered), and the count."""
    claim_columns = instrument.virtue_claim_columns
    if not claim_columns:
        return math.nan, 0
    given = strong = 0
    top = instrument.response_scale.max
    for column in claim_columns:
        answer = checks[column]
        if answer == answer:
            given += 1
            strong += answer == top
    return (strong / given if given > 0 else math.nan), strong


__all__ = [
    "CONTRADICTION_SCALES",
    "CONTRADICTION_SHARE",
    "CYCLE_LONGEST",
    "CYCLE_MARGIN",
    "CYCLE_SHARE",
    "FC_IDEALISED_MIN_BLOCKS",
    "FC_IDEALISED_STATEMENTS_ONLY",
    "FC_IDEALISED_THRESHOLD",
    "FC_PERSON_FIT",
    "FC_PERSON_FIT_MIN_BLOCKS",
    "FC_ROLE_ONE_SIDE_SHARE",
    "FC_ROLE_ORDER_SHARE",
    "FLAG_IDS",
    "IDEALISED_STATEMENTS_ONLY",
    "IDEALISED_THRESHOLD",
    "LONG_STRING_SHARE",
    "MIN_SECONDS_PER_SCENARIO",
    "MISSING_SHARE",
    "MODAL_SHARE",
    "PATTERN_MIN_BLOCKS",
    "PATTERN_SHARE",
    "CarelessParts",
    "RowValidity",
    "ValidityFlags",
    "careless_answers",
    "forced_choice_validity_row",
    "idealised_index",
    "idealised_parts",
    "minimum_plausible_seconds",
    "role_order_table",
    "validity_flags",
    "validity_row",
]
