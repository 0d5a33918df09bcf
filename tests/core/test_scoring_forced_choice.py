"""Instrument 2.0 in the scoring core: built-in, parameters, block answers, Thurstonian scale scores, flags.

Every test reads the instrument's structure and the shipped parameters through their loaders, never a
statement's text or a parameter's value, so they hold when the content and parameters files change.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profilefit.core.fit import load_role
from profilefit.core.instrument import BLOCK_ANSWERS, BLOCK_LABELS, load_instrument
from profilefit.core.scoring import (
    MIN_ANSWERED_SHARE,
    NO_ANSWER,
    Responses,
    block_answer_codes,
    load_parameters,
    score_responses,
)
from profilefit.core.thurstonian import ThurstonianParameters, simulate_answers
from profilefit.core.validity import (
    FC_IDEALISED_MIN_BLOCKS,
    FC_ROLE_ONE_SIDE_SHARE,
    FC_ROLE_ORDER_SHARE,
    FLAG_IDS,
    MISSING_SHARE,
    PATTERN_SHARE,
    minimum_plausible_seconds,
    validity_flags,
)
from profilefit.exceptions import ParametersError, ProfilefitError

FC = load_instrument("customer-contact-2.0")
MODEL = load_parameters(FC)
N_BLOCKS = len(FC.blocks)


def _responses(codes: np.ndarray, *, checks: np.ndarray | None = None, seconds: float = np.nan) -> Responses:
    n = codes.shape[0]
    return Responses(
        FC,
        np.array([f"c{k}" for k in range(n)], dtype=np.str_),
        np.empty((n, 0)),
        np.zeros((n, len(FC.scenarios)), dtype=np.int16),  # every scenario answered (its first option)
        np.full((n, len(FC.attention_checks)), np.nan) if checks is None else checks,
        np.full(n, seconds),
        codes.astype(np.int8),
    )


def _simulated_codes(n: int, seed: int) -> np.ndarray:
    return block_answer_codes(np.asarray(simulate_answers(MODEL, n, seed=seed).answers))


def _flag(flags, name: str) -> np.ndarray:
    return flags.flags[:, FLAG_IDS.index(name)]


# ---- built-in and parameters ---------------------------------------------------------------------


def test_two_is_built_in_and_the_default_stays_the_agreement_instrument():
    assert FC.format == "forced_choice" and FC.schema_version == "2"
    assert load_instrument().format == "agreement"
    assert FC.scale_ids == load_instrument().scale_ids


def test_the_shipped_parameters_fit_the_instrument_statement_by_statement():
    assert MODEL.design.traits == FC.scale_ids
    assert tuple(statement.id for statement in MODEL.design.statements) == FC.statement_ids
    # Read once per instrument object: a second call gives the very model. (Not MODEL, read when this module
    # was imported: the cache keeps the last 16 instrument objects, and other tests in the process make more.)
    assert load_parameters(FC) is load_parameters(FC)


def test_an_agreement_instrument_has_no_parameters():
    with pytest.raises(ParametersError, match="agreement scale"):
        load_parameters(load_instrument())


def test_an_instrument_that_is_not_built_in_needs_a_parameters_path(tmp_path):
    own = FC.model_copy(update={"version": "2.0-acme"})
    with pytest.raises(ParametersError, match="not built in") as caught:
        load_parameters(own)
    assert isinstance(caught.value, ProfilefitError) and "2.0-acme" in str(caught.value)
    with pytest.raises(ParametersError, match="no such parameters file") as missing:
        load_parameters(own, tmp_path / "acme.parameters.json")
    assert "acme.parameters.json" in str(missing.value)


def test_a_parameters_file_with_a_loading_against_its_keying_is_refused_naming_it(tmp_path):
    """Hand-edited parameters (calibrate refuses to write such a file) would score a statement reversed."""
    parameters = ThurstonianParameters.from_model(
        MODEL, instrument=FC.id, instrument_version=FC.version, source="simulation"
    )
    path = tmp_path / "edited.parameters.json"
    parameters.save(path)
    raw = json.loads(path.read_text("utf-8"))
    statement = FC.statement_ids[4]
    entry = raw["statements"][statement]
    key = "loading" if "loading" in entry else next(k for k in entry if "loading" in k)
    entry[key] = -entry[key]
    path.write_text(json.dumps(raw), "utf-8")
    with pytest.raises(ParametersError, match="against their keying") as caught:
        load_parameters(FC, path)
    assert statement in str(caught.value) and str(path) in str(caught.value)


def test_a_parameters_file_for_another_version_or_other_statements_is_refused_by_name(tmp_path):
    parameters = ThurstonianParameters.from_model(
        MODEL, instrument=FC.id, instrument_version=FC.version, source="simulation"
    )
    own = FC.model_copy(update={"version": "2.0-acme"})
    path = tmp_path / "acme.parameters.json"
    parameters.save(path)
    with pytest.raises(ParametersError, match=f"not for {own.id} 2.0-acme") as caught:
        load_parameters(own, path)
    assert str(path) in str(caught.value)

    raw = json.loads(path.read_text("utf-8"))
    raw["instrument_version"] = "2.0-acme"
    dropped = FC.statement_ids[0]
    del raw["statements"][dropped]
    path.write_text(json.dumps(raw), "utf-8")
    with pytest.raises(ParametersError, match=dropped) as mismatch:
        load_parameters(own, path)
    assert str(path) in str(mismatch.value)

    path.write_text("{}", "utf-8")
    with pytest.raises(ParametersError, match="not a Thurstonian parameters file"):
        load_parameters(own, path)


def test_a_parameters_path_gives_the_same_model_as_the_bundled_file(tmp_path):
    path = tmp_path / "copy.parameters.json"
    ThurstonianParameters.from_model(MODEL, instrument=FC.id, instrument_version=FC.version, source="simulation").save(
        path
    )
    again = load_parameters(FC, path)
    np.testing.assert_array_equal(again.loading, MODEL.loading)
    np.testing.assert_array_equal(again.utility, MODEL.utility)


# ---- block answers as arrays ---------------------------------------------------------------------

block_answers = st.lists(st.sampled_from([None, *BLOCK_ANSWERS]), min_size=N_BLOCKS, max_size=N_BLOCKS)


@given(st.lists(block_answers, min_size=1, max_size=4))
def test_block_answers_round_trip_through_records_take_and_concatenate(people):
    records = [
        {"candidate_id": f"c{k}", **{b: a for b, a in zip(FC.block_ids, answers, strict=True) if a is not None}}
        for k, answers in enumerate(people)
    ]
    responses = Responses.from_records(FC, records)
    assert responses.items.shape == (len(people), 0)
    assert responses.blocks.shape == (len(people), N_BLOCKS)
    assert responses.to_records() == records
    reversed_rows = np.arange(len(people))[::-1]
    assert responses.take(reversed_rows).to_records() == records[::-1]
    joined = Responses.concatenate([responses.take(slice(0, 1)), responses.take(slice(1, None))])
    assert joined.to_records() == records
    positions = responses.block_positions()
    for person, answers in enumerate(people):
        for block, answer in enumerate(answers):
            expected = [-1, -1] if answer is None else [BLOCK_LABELS.index(answer[0]), BLOCK_LABELS.index(answer[1])]
            assert positions[person, block].tolist() == expected
    np.testing.assert_array_equal(block_answer_codes(positions), responses.blocks)


def test_agreement_responses_have_an_empty_block_matrix_and_a_wrong_shape_is_refused():
    agreement = Responses.from_records(load_instrument(), [{"candidate_id": "c1"}])
    assert agreement.blocks.shape == (1, 0)
    with pytest.raises(ValueError, match="blocks must have shape"):
        _responses(np.zeros((2, N_BLOCKS - 1)))


def test_positions_that_are_no_answer_are_refused():
    with pytest.raises(ValueError, match="not a most/least answer"):
        block_answer_codes(np.array([[[1, 1]]]))
    with pytest.raises(ValueError, match="not a most/least answer"):
        block_answer_codes(np.array([[[0, -1]]]))


# ---- scale scores ----------------------------------------------------------------------------------


def test_scales_are_thurstonian_estimates_with_standard_errors():
    codes = _simulated_codes(200, seed=5)
    scores = score_responses(_responses(codes))
    assert scores.scales.shape == (200, len(FC.scales)) and not np.isnan(scores.scales).any()
    assert scores.standard_errors is not None
    assert ((scores.standard_errors > 0) & (scores.standard_errors < 1)).all()  # below the prior SD
    blocks_per_scale = np.array([sum(s.scale == scale for s in FC.statements) for scale in FC.scale_ids])
    np.testing.assert_array_equal(scores.answered, np.broadcast_to(blocks_per_scale, scores.answered.shape))


def test_agreement_scores_have_no_standard_errors():
    scores = score_responses(Responses.from_records(load_instrument(), [{"candidate_id": "c1"}]))
    assert scores.standard_errors is None


def test_fewer_than_half_the_blocks_answered_gives_no_scale_scores():
    needed = math.ceil(MIN_ANSWERED_SHARE * N_BLOCKS)
    codes = np.repeat(_simulated_codes(1, seed=6), 2, axis=0)
    codes[0, needed:] = NO_ANSWER  # exactly half: scored
    codes[1, needed - 1 :] = NO_ANSWER  # one fewer: not scored
    scores = score_responses(_responses(codes))
    assert not np.isnan(scores.scales[0]).any() and not np.isnan(scores.standard_errors[0]).any()
    assert np.isnan(scores.scales[1]).all() and np.isnan(scores.standard_errors[1]).all()


@settings(max_examples=15)
@given(seed=st.integers(0, 10_000), order=st.randoms(use_true_random=False))
def test_permuting_rows_changes_nobodys_scores(seed, order):
    codes = _simulated_codes(12, seed=seed)
    codes[np.random.default_rng(seed).random(codes.shape) < 0.2] = NO_ANSWER
    rows = list(range(len(codes)))
    order.shuffle(rows)
    scores = score_responses(_responses(codes))
    permuted = score_responses(_responses(codes[rows]))
    np.testing.assert_allclose(permuted.scales, scores.scales[rows], rtol=0, atol=1e-9)
    np.testing.assert_allclose(permuted.standard_errors, scores.standard_errors[rows], rtol=0, atol=1e-9)


def _keyed_statements() -> list[tuple[int, int, int]]:
    """(block, position, scale column) of every statement, with its keying sign folded in later."""
    return [
        (block, position, FC.scale_ids.index(statement.scale))
        for block, item in enumerate(FC.blocks)
        for position, statement in enumerate(item.statements)
    ]


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000), where=st.sampled_from(_keyed_statements()), above=st.sampled_from([0, 1]))
def test_moving_a_statement_from_least_to_most_never_moves_its_scale_against_its_keying(seed, where, above):
    """From "x most, s least" to "s most, y least": only the comparisons with s change, all in its favour.

    The log posterior is concave (docs/thurstonian.md), so winning comparisons never lowers a positively
    keyed statement's scale, nor raises a negatively keyed one's. The tolerance is the scorer's: estimates
    stop within about 1e-4 of the mode.
    """
    block, position, scale = where
    others = [label for label in range(3) if label != position]
    x, y = others[above], others[1 - above]
    codes = np.repeat(_simulated_codes(1, seed=seed), 2, axis=0)
    codes[0, block] = BLOCK_ANSWERS.index(BLOCK_LABELS[x] + BLOCK_LABELS[position])
    codes[1, block] = BLOCK_ANSWERS.index(BLOCK_LABELS[position] + BLOCK_LABELS[y])
    before, after = score_responses(_responses(codes)).scales[:, scale]
    sign = -1.0 if FC.blocks[block].statements[position].reverse else 1.0
    assert sign * (after - before) >= -1e-3


# ---- validity flags on 2.0 ---------------------------------------------------------------------------


def test_too_fast_counts_the_blocks_at_their_minimum():
    minimum = minimum_plausible_seconds(_responses(np.zeros((0, N_BLOCKS))))
    timing = FC.timing
    expected = (
        timing.min_seconds_per_block * N_BLOCKS
        + timing.min_seconds_per_item * len(FC.attention_checks)
        + 10.0 * len(FC.scenarios)
    )
    assert minimum == pytest.approx(expected, abs=1e-9)
    codes = _simulated_codes(2, seed=7)
    fast = _responses(codes, seconds=minimum - 1)
    assert _flag(validity_flags(fast, score_responses(fast)), "too_fast").all()
    slow = _responses(codes, seconds=minimum + 1)
    assert not _flag(validity_flags(slow, score_responses(slow)), "too_fast").any()


@pytest.mark.parametrize("label", range(3))
@pytest.mark.parametrize("side", [0, 1])
def test_one_place_marked_most_or_least_everywhere_is_a_pattern(label, side):
    # Every block answered with the given label most (side 0) or least (side 1), the other letter varying.
    answers = [a for a in BLOCK_ANSWERS if a[side] == BLOCK_LABELS[label]]
    codes = np.array([[BLOCK_ANSWERS.index(answers[k % 2]) for k in range(N_BLOCKS)]])
    flags = validity_flags(_responses(codes), score_responses(_responses(codes)))
    assert _flag(flags, "straight_lining")[0]
    assert flags.modal_count[0] == N_BLOCKS
    assert "in one place (a, b or c)" in flags.detail(0, "straight_lining")


def test_honest_simulated_answers_rarely_look_like_a_pattern():
    codes = _simulated_codes(2000, seed=8)
    flags = validity_flags(_responses(codes), score_responses(_responses(codes)))
    share = _flag(flags, "straight_lining").mean()
    assert share <= 0.005, f"{share:.4f} of honest simulated candidates flagged (threshold {PATTERN_SHARE})"


def test_too_many_missing_counts_blocks():
    allowed = math.floor(MISSING_SHARE * N_BLOCKS)
    codes = np.repeat(_simulated_codes(1, seed=9), 2, axis=0)
    codes[0, :allowed] = NO_ANSWER
    codes[1, : allowed + 1] = NO_ANSWER
    flags = validity_flags(_responses(codes), score_responses(_responses(codes)))
    assert _flag(flags, "too_many_missing").tolist() == [False, True]
    assert flags.detail(1, "too_many_missing").startswith(f"left {allowed + 1} of {N_BLOCKS} blocks unanswered")


def _ideal_codes() -> np.ndarray:
    """Each block answered in its desirability order (most desirable most, least desirable least)."""
    row = []
    for block in FC.blocks:
        ratings = [statement.desirability or 0.0 for statement in block.statements]
        most, least = int(np.argmax(ratings)), int(np.argmin(ratings))
        if most == least:  # three equal ratings: any answer
            most, least = 0, 1
        row.append(BLOCK_ANSWERS.index(BLOCK_LABELS[most] + BLOCK_LABELS[least]))
    return np.array([row])


def test_blocks_answered_in_the_desirability_order_are_idealised():
    rated = sum(len({s.desirability for s in block.statements}) > 1 for block in FC.blocks)
    if rated < FC_IDEALISED_MIN_BLOCKS:
        pytest.fail(f"{rated} blocks have differing ratings; the blocks part needs {FC_IDEALISED_MIN_BLOCKS}")
    codes = _ideal_codes()
    flags = validity_flags(_responses(codes), score_responses(_responses(codes)))
    assert _flag(flags, "idealised")[0]
    assert flags.ideal_blocks[0] == flags.rated_blocks[0] == rated
    assert flags.idealised_index[0] == pytest.approx(1.0, abs=1e-12)


def test_virtue_claims_combine_with_the_blocks_as_on_agreement_instruments():
    codes = _simulated_codes(1, seed=10)
    claims = list(FC.virtue_claim_columns)
    checks = np.full((2, len(FC.attention_checks)), np.nan)
    for column in FC.instructed_columns:
        checks[:, column] = FC.attention_checks[column].expected
    checks[0, claims] = FC.response_scale.max  # every claim strongly agreed
    checks[1, claims] = FC.response_scale.min
    both = _responses(np.repeat(codes, 2, axis=0), checks=checks)
    flags = validity_flags(both, score_responses(both))
    statements = flags.ideal_blocks / flags.rated_blocks
    np.testing.assert_allclose(flags.idealised_index, 0.6 * statements + 0.4 * np.array([1.0, 0.0]), atol=1e-12)
    assert flags.virtue_claims.tolist() == [len(claims), 0]
    assert not _flag(flags, "failed_attention_check").any()
    assert not _flag(flags, "contradictory").any()


# ---- idealised in the role's order ---------------------------------------------------------------


def _role_pull(role_id: str) -> np.ndarray:
    role = load_role(role_id)
    return np.array([role.pull(s.scale, s.reverse) for s in FC.statements])


def _in_role_order(pull: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, ...]:
    """Brute force: per candidate, blocks answered in the role's order, answered blocks the role pulls apart,
    and blocks whose most mark, and whose least mark, follows the role's order (whatever the other)."""
    per_block = pull.reshape(N_BLOCKS, 3)
    hits, counted, most_hits, least_hits = (np.zeros(codes.shape[0], int) for _ in range(4))
    for row in range(codes.shape[0]):
        for block in range(N_BLOCKS):
            values = per_block[block]
            if codes[row, block] == NO_ANSWER or values.max() == values.min():
                continue
            counted[row] += 1
            answer = BLOCK_ANSWERS[codes[row, block]]
            most, least = BLOCK_LABELS.index(answer[0]), BLOCK_LABELS.index(answer[1])
            hits[row] += values[most] == values.max() and values[least] == values.min()
            most_hits[row] += values[most] == values.max()
            least_hits[row] += values[least] == values.min()
    return hits, counted, most_hits, least_hits


def test_blocks_answered_in_the_role_order_are_idealised_when_the_role_is_given():
    pull = _role_pull("complex-case")
    row = []
    for values in pull.reshape(N_BLOCKS, 3):
        most, least = int(np.argmax(values)), int(np.argmin(values))
        if most == least:
            most, least = 0, 1
        row.append(BLOCK_ANSWERS.index(BLOCK_LABELS[most] + BLOCK_LABELS[least]))
    codes = np.array([row])
    responses = _responses(codes)
    scores = score_responses(responses)
    with_role = validity_flags(responses, scores, pull)
    pulled = int((np.ptp(pull.reshape(N_BLOCKS, 3), axis=1) > 0).sum())
    assert pulled >= FC_IDEALISED_MIN_BLOCKS
    assert with_role.role_blocks.tolist() == with_role.role_rated.tolist() == [pulled]
    assert _flag(with_role, "idealised")[0]
    assert with_role.detail(0, "idealised").endswith(
        f"the statement the role favours most marked most and the one it favours least marked least in "
        f"{pulled} of {pulled} blocks (the most marks in its order in {pulled}, the least marks in {pulled}); "
        f"flagged for the role's order (from {math.ceil(0.54 * pulled)} blocks) and one side in the role's order "
        f"(from {math.ceil(0.8 * pulled)} blocks)"
    )
    without = validity_flags(responses, scores)
    assert without.role_blocks is None and "role" not in without.detail(0, "idealised")


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["complex-case", "transactional"]))
def test_rule_the_role_order_count_matches_a_brute_force_count(seed, role_id):
    rng = np.random.default_rng(seed)
    codes = rng.integers(-1, 6, size=(4, N_BLOCKS)).astype(np.int8)
    codes[0] = np.where(codes[0] < 0, 0, codes[0])  # one fully answered row
    pull = _role_pull(role_id)
    flags = validity_flags(_responses(codes), score_responses(_responses(codes)), pull)
    hits, counted, most_hits, least_hits = _in_role_order(pull, codes)
    assert flags.role_blocks.tolist() == hits.tolist()
    assert flags.role_rated.tolist() == counted.tolist()
    assert flags.role_most.tolist() == most_hits.tolist()
    assert flags.role_least.tolist() == least_hits.tolist()
    enough = counted >= FC_IDEALISED_MIN_BLOCKS
    fires = enough & (hits / np.maximum(counted, 1) >= FC_ROLE_ORDER_SHARE - 1e-9)
    one_side = enough & (np.maximum(most_hits, least_hits) / np.maximum(counted, 1) >= FC_ROLE_ONE_SIDE_SHARE - 1e-9)
    assert not ((fires | one_side) & ~_flag(flags, "idealised")).any()  # the role's order alone is enough


def test_one_side_of_every_block_in_the_role_order_is_idealised():
    """Most marks by the role's pull in every block, least marks in the other two places in turn."""
    pull = _role_pull("complex-case")
    row = []
    for block, values in enumerate(pull.reshape(N_BLOCKS, 3)):
        most = int(np.argmax(values))
        others = [k for k in range(3) if k != most]
        least = others[block % 2]  # half of the least marks against the role's order
        row.append(BLOCK_ANSWERS.index(BLOCK_LABELS[most] + BLOCK_LABELS[least]))
    responses = _responses(np.array([row]))
    flags = validity_flags(responses, score_responses(responses), pull)
    assert flags.role_most[0] == flags.role_rated[0] >= FC_IDEALISED_MIN_BLOCKS
    assert flags.role_blocks[0] / flags.role_rated[0] < FC_ROLE_ORDER_SHARE  # both marks: not enough alone
    assert _flag(flags, "idealised")[0]
    sides = f"(the most marks in its order in {flags.role_most[0]}, the least marks in {flags.role_least[0]})"
    assert sides in flags.detail(0, "idealised")


def test_a_role_pull_of_the_wrong_length_names_the_field_and_what_was_allowed():
    codes = _simulated_codes(1, seed=3)
    with pytest.raises(ValueError, match=rf"role_pull: shape \(5,\).*{len(FC.statements)} finite numbers"):
        validity_flags(_responses(codes), score_responses(_responses(codes)), np.zeros(5))


@pytest.mark.parametrize("role", [None, "complex-case", "transactional"])
def test_the_idealised_detail_names_a_rule_exactly_when_the_flag_fires(role):
    """Rule: the detail's "flagged for ..." is never missing from a flag, and the rules it reads from the counts never
    fire on a row the flag passed over (a trial: a flag fired by the role's order read as if the index had)."""
    from profilefit.core.validity import FLAG_IDS, fc_idealised_rules
    from profilefit.data.simulate import presentation, simulate_forced_choice

    pull = None if role is None else _role_pull(role)
    agree = flagged = 0
    for condition in ("honest", "directed"):
        shown = presentation(condition, FC, role=load_role(role or "complex-case"))
        sim = simulate_forced_choice(1500, FC, seed=5, presentation=shown)
        answers = Responses(
            FC, sim.candidate_ids, np.empty((1500, 0)), sim.choices, sim.checks, sim.seconds, sim.blocks
        )
        flags = validity_flags(answers, score_responses(answers), pull)
        fired = flags.flags[:, FLAG_IDS.index("idealised")]
        for row in range(1500):
            role_numbers = () if pull is None else (
                int(flags.role_blocks[row]), int(flags.role_rated[row]),
                int(flags.role_most[row]), int(flags.role_least[row]),
            )  # fmt: skip
            # The rules read from the counts exactly never fire on a row the flag passed over.
            exact = fc_idealised_rules(
                int(flags.ideal_blocks[row]), int(flags.rated_blocks[row]), *role_numbers, fired=False
            )  # fmt: skip
            agree += bool(fired[row]) or not exact
            flagged += bool(fired[row])
            if fired[row]:
                assert "; flagged for " in flags.detail(row, "idealised")
    assert agree == 3000
    assert flagged > 50  # the directed fakers are flagged: the rule is tried on many


@settings(max_examples=40, deadline=None)
@given(cycle=st.lists(st.integers(0, 5), min_size=2, max_size=6), start=st.integers(0, 5))
def test_blocks_marked_in_a_fixed_cycle_are_a_pattern(cycle, start):
    """Rule (a trial: ab, bc, ca, ab, ... went unflagged, a six-step cycle reached "strong"): marks repeating in
    a cycle of 2 to 6 blocks are flagged straight_lining, unless neighbouring blocks are as alike as the cycle;
    the one-row path gives the same flags and detail."""
    from profilefit.core.validity import CYCLE_MARGIN, forced_choice_validity_row

    codes = np.array([[cycle[(start + j) % len(cycle)] for j in range(N_BLOCKS)]])
    responses = _responses(codes, seconds=900.0)
    scores = score_responses(responses)
    flags = validity_flags(responses, scores)
    row = forced_choice_validity_row(
        FC,
        codes[0].tolist(),
        responses.checks[0].tolist(),
        900.0,
        scores.scales[0].tolist(),
        scores.situational[0].tolist(),
        None,
        float(scores.person_fit[0]),
    )
    assert row.ids() == flags.ids(0) and row.detail("straight_lining") == flags.detail(0, "straight_lining")
    neighbours = np.mean(codes[0, 1:] == codes[0, :-1])
    if len(set(cycle)) > 1 and neighbours <= 1 - CYCLE_MARGIN:
        assert _flag(flags, "straight_lining")[0], (cycle, flags.detail(0, "straight_lining"))
        assert "answers repeating in a cycle of" in flags.detail(0, "straight_lining")


def test_attentive_simulated_applicants_never_mark_in_a_cycle():
    from profilefit.data.simulate import simulate_forced_choice

    sim = simulate_forced_choice(5000, FC, seed=29)
    flags = validity_flags(_responses(sim.blocks), score_responses(_responses(sim.blocks)))
    assert flags.cycle_period is not None and not (flags.cycle_period[~sim.careless] > 0).any()
