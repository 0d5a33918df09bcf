"""Response-validity flags: each rule at its threshold, properties, and the figures in docs/fit.md."""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from profilefit.core.instrument import load_instrument
from profilefit.core.scoring import Responses, score_responses
from profilefit.core.validity import (
    CONTRADICTION_SCALES,
    CYCLE_MARGIN,
    CYCLE_SHARE,
    FLAG_IDS,
    LONG_STRING_SHARE,
    MISSING_SHARE,
    MODAL_SHARE,
    ValidityFlags,
    _answer_patterns,
    minimum_plausible_seconds,
    validity_flags,
    validity_row,
)
from profilefit.data.simulate import simulate

ROOT = Path(__file__).parents[2]

# One scale's answers in item order (forward, forward, reverse, forward, forward, reverse): keyed
# 5, 4, 5, 5, 4, 4, so forward and reverse-keyed items agree; no answer twice in a row.
CAREFUL_SCALE = [5.0, 4.0, 2.0, 5.0, 4.0, 3.0]
# Other scales answered as carefully, in other words (keyed 4, 5, 4, 4, 5, 4 and 5, 5, 4, 4, 5, 5): a careful
# candidate does not give every scale the very same six answers, which would repeat in a cycle of six.
CAREFUL_SCALES = [CAREFUL_SCALE, [4.0, 5.0, 3.0, 4.0, 5.0, 3.0], [5.0, 5.0, 3.0, 4.0, 5.0, 2.0]]


def responses(instrument, items, *, checks=None, seconds=600.0):
    """Responses of candidates with these agreement answers; checks passed and scenarios answered unless given."""
    items = np.atleast_2d(np.asarray(items, dtype=np.float64))
    n = items.shape[0]
    # Instructed checks as asked; virtue claims unanswered (an export from before they existed).
    expected = [math.nan if check.expected is None else float(check.expected) for check in instrument.attention_checks]
    checks = np.tile(expected, (n, 1)) if checks is None else np.atleast_2d(np.asarray(checks, dtype=np.float64))
    choices = np.zeros((n, len(instrument.scenarios)), dtype=np.int16)
    ids = np.array([f"c{k}" for k in range(n)], dtype=np.str_)
    return Responses(instrument, ids, items, choices, checks, np.full(n, seconds, dtype=np.float64))


def flags_of(instrument, items, **options) -> ValidityFlags:
    answers = responses(instrument, items, **options)
    return validity_flags(answers, score_responses(answers))


def fired(flags: ValidityFlags, row: int = 0) -> set[str]:
    return set(flags.ids(row))


@pytest.fixture(scope="module")
def careful(instrument):
    """A careful candidate's answers: varied, consistent, complete."""
    assert len(instrument.items) == 6 * len(instrument.scales)
    order = [0, 1, 2, 0, 2, 1, 1, 0, 2, 2, 0, 1][: len(instrument.scales)]
    return np.array([answer for scale in order for answer in CAREFUL_SCALES[scale]])


def answer_vectors(instrument, *, max_missing: int | None = None):
    """Agreement answers of one candidate, ``nan`` for unanswered (at most ``max_missing`` of them)."""
    k = len(instrument.items)
    low, high = instrument.response_scale.min, instrument.response_scale.max
    cells = st.one_of(st.just(math.nan), st.integers(low, high).map(float))
    vectors = hnp.arrays(np.float64, (k,), elements=cells)
    if max_missing is None:
        return vectors
    return vectors.filter(lambda v: np.isnan(v).sum() <= max_missing)


# ---- each rule at its threshold -----------------------------------------------------


def test_a_careful_candidate_raises_no_flag(instrument, careful):
    assert fired(flags_of(instrument, careful)) == set()


@given(value=st.integers(1, 6), gaps=st.sets(st.integers(0, 47), max_size=4))
def test_a_straight_lined_answer_vector_always_flags(instrument, value, gaps):
    items = np.full(len(instrument.items), float(value))
    items[list(gaps)] = np.nan  # a few skipped statements break the run but not the one-answer rule
    assert "straight_lining" in fired(flags_of(instrument, items))


def test_a_long_run_of_one_answer_flags_and_a_shorter_one_does_not(instrument, careful):
    limit = math.ceil(LONG_STRING_SHARE * len(instrument.items))
    for length, expected in ((limit, True), (limit - 1, False)):
        items = careful.copy()
        items[10 : 10 + length] = 6.0
        items[9] = items[10 + length] = 1.0  # the run is exactly `length` long
        flags = flags_of(instrument, items)
        assert int(flags.longest_run[0]) == length
        assert ("straight_lining" in fired(flags)) is expected


def test_one_answer_to_most_statements_flags_even_without_a_long_run(instrument):
    k = len(instrument.items)
    items = np.full(k, 4.0)
    n_other = math.floor((1 - MODAL_SHARE) * k) - 1  # a few other answers, spread out so no run is long
    items[np.linspace(0, k - 1, n_other + 2).astype(int)[1:-1]] = 3.0
    flags = flags_of(instrument, items)
    assert int(flags.longest_run[0]) < math.ceil(LONG_STRING_SHARE * k)
    assert int(flags.modal_count[0]) >= MODAL_SHARE * k
    assert "straight_lining" in fired(flags)


def test_attention_checks_flag_any_answer_but_the_instructed_one(instrument, careful):
    expected = [math.nan if check.expected is None else float(check.expected) for check in instrument.attention_checks]
    assert "failed_attention_check" not in fired(flags_of(instrument, careful, checks=expected))
    wrong = list(expected)
    wrong[0] = expected[0] + 1
    flags = flags_of(instrument, careful, checks=wrong)
    assert fired(flags) == {"failed_attention_check"}
    assert int(flags.failed_checks[0]) == 1
    skipped = [math.nan] * len(expected)
    instructed = len(instrument.instructed_columns)  # virtue claims left blank fail nothing
    assert int(flags_of(instrument, careful, checks=skipped).failed_checks[0]) == instructed


def test_too_fast_below_two_seconds_per_statement_and_ten_per_scenario(instrument, careful):
    n_agreement = len(instrument.items) + len(instrument.attention_checks)
    minimum = 2.0 * n_agreement + 10.0 * len(instrument.scenarios)
    assert minimum_plausible_seconds(responses(instrument, careful)) == pytest.approx(minimum)
    assert "too_fast" not in fired(flags_of(instrument, careful, seconds=minimum))
    assert fired(flags_of(instrument, careful, seconds=minimum - 0.1)) == {"too_fast"}
    assert "too_fast" not in fired(flags_of(instrument, careful, seconds=math.nan))  # time not reported


def test_contradictions_on_two_scales_flag_and_on_one_do_not(instrument, careful):
    def agree_with_everything_on(n_scales: int) -> np.ndarray:
        items = careful.copy()
        for scale_id in instrument.scale_ids[:n_scales]:
            columns = [k for k, item in enumerate(instrument.items) if item.scale == scale_id]
            items[columns] = [6.0, 5.0, 6.0, 5.0, 6.0, 5.0]  # agrees with statements and their opposites
        return items

    assert CONTRADICTION_SCALES == 2
    one = flags_of(instrument, agree_with_everything_on(1))
    two = flags_of(instrument, agree_with_everything_on(2))
    assert int(one.contradictory_scales[0]) == 1 and "contradictory" not in fired(one)
    assert int(two.contradictory_scales[0]) == 2 and "contradictory" in fired(two)


def test_too_many_missing_above_ten_percent_or_a_thin_scale(instrument, careful):
    k = len(instrument.items)
    allowed = math.floor(MISSING_SHARE * k)
    spread = careful.copy()
    spread[np.arange(allowed) * 6] = np.nan  # one per scale: every scale keeps five of six
    assert "too_many_missing" not in fired(flags_of(instrument, spread))
    more = careful.copy()
    more[np.arange(allowed + 1) * 6] = np.nan  # one more, still one per scale
    assert "too_many_missing" in fired(flags_of(instrument, more))
    thin = careful.copy()
    thin[[0, 1, 2, 3]] = np.nan  # two of six left on one scale: no score for it
    flags = flags_of(instrument, thin)
    assert int(flags.missing_items[0]) == 4 and "too_many_missing" in fired(flags)


def test_every_flag_has_a_detail_and_unknown_flags_are_refused(instrument):
    items = np.full(len(instrument.items), 6.0)
    items[:6] = np.nan
    checks = [1.0 if check.kind == "instructed" else 6.0 for check in instrument.attention_checks]
    flags = flags_of(instrument, items, checks=checks, seconds=30.0)
    assert fired(flags) == set(FLAG_IDS)
    for flag in FLAG_IDS:
        detail = flags.detail(0, flag)
        assert detail and re.search(r"\d", detail), flag
    with pytest.raises(KeyError, match="unknown flag"):
        flags.detail(0, "sleepy")


# ---- properties -------------------------------------------------------------------


@given(data=st.data())
def test_reversing_every_answer_keeps_the_answer_pattern_flags(instrument, data):
    items = data.draw(answer_vectors(instrument))
    low, high = instrument.response_scale.min, instrument.response_scale.max
    before = flags_of(instrument, items)
    after = flags_of(instrument, (low + high) - items)  # nan stays nan
    for flag in ("straight_lining", "contradictory", "too_many_missing"):
        k = FLAG_IDS.index(flag)
        assert before.flags[0, k] == after.flags[0, k], flag
    assert before.longest_run[0] == after.longest_run[0]
    assert before.contradictory_scales[0] == after.contradictory_scales[0]


@given(data=st.data())
@pytest.mark.slow
def test_a_batch_flags_each_candidate_as_if_alone(instrument, data):
    # Batches of more than eight take the vectorized run-length path, single candidates the loop.
    rows = data.draw(st.lists(answer_vectors(instrument), min_size=9, max_size=14))
    seconds = data.draw(st.floats(0, 2000))
    batch = flags_of(instrument, np.array(rows), seconds=seconds)
    for row, items in enumerate(rows):
        alone = flags_of(instrument, items, seconds=seconds)
        assert np.array_equal(batch.flags[row], alone.flags[0])
        assert batch.longest_run[row] == alone.longest_run[0]


@given(data=st.data())
def test_longest_run_is_the_longest_stretch_of_one_answer(instrument, data):
    items = data.draw(answer_vectors(instrument))
    longest = run = 0
    previous = None
    for value in items.tolist():
        run = 0 if value != value else (run + 1 if value == previous else 1)
        previous = value
        longest = max(longest, run)
    assert int(flags_of(instrument, items).longest_run[0]) == longest


# ---- in the result -----------------------------------------------------------------


def test_a_flag_sends_the_result_to_a_person_with_its_detail(screener, instrument, careful):
    record = {"candidate_id": "c-1", "completion_seconds": 30.0}
    record.update({item_id: int(v) for item_id, v in zip(instrument.item_ids, careful, strict=True)})
    record.update({check.id: check.expected for check in instrument.attention_checks if check.expected is not None})
    record.update({scenario.id: scenario.options[0].id for scenario in instrument.scenarios})
    result = screener.score(record)
    assert [flag.flag for flag in result.flags] == ["too_fast"]
    assert "30 s" in result.flags[0].detail
    assert result.needs_human_review


# ---- the figures in docs/fit.md ------------------------------------------------------


def _benchmark_module():
    path = ROOT / "benchmarks" / "validity_flag_rates.py"
    spec = importlib.util.spec_from_file_location("validity_flag_rates", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_flag_rates_in_the_docs_are_what_the_benchmark_measures():
    """docs/fit.md's table must match `python benchmarks/validity_flag_rates.py` (50,000 candidates, seed 11)."""
    text = (ROOT / "docs" / "fit.md").read_text(encoding="utf-8")
    documented = {
        name.strip("` "): (float(attentive), float(careless))
        for name, attentive, careless in re.findall(
            r"^\|\s*([`a-z_ ]+?)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|", text, re.M
        )
    }
    measured = _benchmark_module().flag_rates(50_000, 11)
    assert set(measured) <= set(documented), "docs/fit.md lacks a row of the flag-rate table"
    for name, (attentive, careless) in measured.items():
        assert documented[name] == pytest.approx((attentive, careless), abs=5e-5), name


@given(data=st.data(), many=st.booleans())
def test_answer_patterns_are_the_same_from_int8_codes_and_from_floats(instrument, data, many):
    # More than eight rows take the array path, up to eight the loop: both, from codes and from floats.
    n = data.draw(st.integers(9, 14) if many else st.integers(1, 8))
    rows = np.array(data.draw(st.lists(answer_vectors(instrument), min_size=n, max_size=n)))
    low, high = instrument.response_scale.min, instrument.response_scale.max
    codes = responses(instrument, rows).answer_codes
    assert codes is not None  # whole numbers on the scale have codes
    shifted = np.nan_to_num(rows - (low - 1))
    np.testing.assert_array_equal(codes, shifted)
    from_codes = _answer_patterns(codes, high - low + 1)
    from_floats = _answer_patterns(shifted, high - low + 1, given=~np.isnan(rows))
    for got, expected in zip(from_codes, from_floats, strict=True):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(from_codes[2], (~np.isnan(rows)).sum(axis=1))


def test_answers_off_the_scale_have_no_codes_and_are_flagged_from_floats(instrument):
    items = np.tile(np.resize([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], len(instrument.items)), (2, 1))
    items[1, 0] = 1.5
    assert responses(instrument, items[:1]).answer_codes is not None
    for odd in (1.5, 0.0, 7.0):  # a fraction, and whole numbers just off the 1-6 scale
        items[1, 0] = odd
        off_scale = responses(instrument, items)
        assert off_scale.answer_codes is None
        flags = validity_flags(off_scale, score_responses(off_scale))
        assert flags.longest_run.tolist() == [1, 1]
        assert flags.missing_items.tolist() == [0, 0]  # an answer off the scale is still an answer


def test_careless_answers_are_the_flags_that_need_no_scores():
    """Rule: what profilefit calibrate leaves out is what the flags say, an unanswered check excepted."""
    import numpy as np

    from profilefit.core.instrument import load_instrument
    from profilefit.core.scoring import score_responses
    from profilefit.core.validity import FLAG_IDS, careless_answers, validity_flags
    from profilefit.data.simulate import simulate_forced_choice

    instrument = load_instrument("customer-contact-2.0")
    sim = simulate_forced_choice(600, instrument, seed=13)
    from profilefit.core.scoring import Responses

    checks = sim.checks.copy()
    checks[::7, 0] = np.nan  # some checks left unanswered
    responses = Responses(
        instrument, sim.candidate_ids, np.empty((600, 0)), sim.choices, checks, sim.seconds, sim.blocks
    )
    flags = validity_flags(responses, score_responses(responses)).flags
    parts = careless_answers(responses)
    column = {flag: FLAG_IDS.index(flag) for flag in FLAG_IDS}
    assert (parts.straight_lining == flags[:, column["straight_lining"]]).all()
    assert (parts.too_fast == flags[:, column["too_fast"]]).all()
    assert ((parts.failed_checks > 0) == flags[:, column["failed_attention_check"]]).all()
    assert (parts.wrong_checks <= parts.failed_checks).all()
    assert parts.any.sum() > 0 and (sim.careless[parts.any]).mean() > 0.5  # mostly the simulation's careless


@settings(max_examples=40, deadline=None)
@given(cycle=st.lists(st.integers(1, 6), min_size=2, max_size=6), start=st.integers(0, 5))
def test_answers_in_a_fixed_cycle_are_a_pattern_at_every_door(cycle, start):
    """Rule: answers repeating in a cycle of 2 to 6 (1, 2, 3, 4, 5, 6, 1, ...) are flagged, unless neighbours are
    as alike as the cycle (a steady answerer) or the keyed answers are steady; batch and one row agree.
    """
    instrument = load_instrument()
    k = len(instrument.items)
    items = np.array([float(cycle[(start + j) % len(cycle)]) for j in range(k)])
    answers = responses(instrument, items)
    scores = score_responses(answers)
    flags = validity_flags(answers, scores)
    row = validity_row(
        instrument,
        items.tolist(),
        answers.checks[0].tolist(),
        float(answers.seconds[0]),
        scores.scales[0].tolist(),
        scores.situational[0].tolist(),
    )
    assert row.ids() == flags.ids(0)
    assert row.detail("straight_lining") == flags.detail(0, "straight_lining")
    reverse = np.array([item.reverse for item in instrument.items])
    keyed = np.where(reverse, 7 - items, items)
    neighbours, keyed_neighbours = np.mean(items[1:] == items[:-1]), np.mean(keyed[1:] == keyed[:-1])
    if len(set(cycle)) > 1 and neighbours <= 1 - CYCLE_MARGIN and keyed_neighbours < CYCLE_SHARE:
        assert "straight_lining" in fired(flags), (cycle, flags.detail(0, "straight_lining"))
        assert "answers repeating in a cycle of" in flags.detail(0, "straight_lining")


def test_a_steady_answerer_is_not_a_cycle(instrument):
    """Agreeing with every statement and disagreeing with every reversed one (5, 5, 2, ...) is consistency."""
    items = np.array([2.0 if item.reverse else 5.0 for item in instrument.items])
    flags = flags_of(instrument, items)
    assert flags.cycle_period is not None and flags.cycle_period[0] == 0
    assert "straight_lining" not in fired(flags)


def test_attentive_simulated_candidates_never_answer_in_a_cycle():
    simulation = simulate(5000, seed=23)
    flags = validity_flags(simulation.responses, score_responses(simulation.responses))
    assert flags.cycle_period is not None
    assert not (flags.cycle_period[~simulation.careless] > 0).any()
