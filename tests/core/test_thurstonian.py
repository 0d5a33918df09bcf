"""Thurstonian IRT scoring of forced-choice blocks (profilefit.core.thurstonian; docs/thurstonian.md).

The simulation study, the brute-force posterior on small cases, the properties a score must have,
the design checks, and calibration's recovery of known parameters.
"""

from __future__ import annotations

from itertools import combinations, product

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.special import log_ndtr
from scipy.stats import multivariate_normal, norm

from profilefit.core.thurstonian import (
    ForcedChoiceDesign,
    ForcedChoiceDesignError,
    Statement,
    ThurstonianModel,
    balanced_design,
    calibrate,
    check_design,
    comparisons,
    empirical_reliability,
    example_model,
    map_row,
    require_identifiable,
    score,
    simulate_answers,
    tetrachoric,
)
from profilefit.exceptions import ProfilefitError
from tests.thurstonian_support import SMALL_CASES, grid_posterior, small_case_answers

DESIGN = balanced_design(n_traits=8, n_blocks=20, seed=1)
MODEL = example_model(DESIGN, seed=1)


def _recovery(model: ThurstonianModel, people) -> np.ndarray:
    estimate = score(model, people.answers).estimate
    k = people.traits.shape[1]
    return np.array([np.corrcoef(estimate[:, j], people.traits[:, j])[0, 1] for j in range(k)])


# ---- the simulation study ----------------------------------------------------------------------


def test_traits_are_recovered_from_a_good_design():
    """20 triplets on 8 traits, a third of statements keyed negatively: r >= .80 per trait, .85 on average."""
    people = simulate_answers(MODEL, 5000, seed=2)
    scores = score(MODEL, people.answers)
    r = _recovery(MODEL, people)
    reliability = empirical_reliability(scores)
    assert scores.converged.all()
    assert r.min() >= 0.80 and r.mean() >= 0.85, r
    assert reliability.mean() >= 0.75, reliability
    # The empirical reliability estimates the squared correlation with the truth.
    assert abs(reliability.mean() - (r**2).mean()) < 0.05


def test_an_all_positive_design_loses_the_elevation_a_mixed_one_keeps():
    """Brown & Maydeu-Olivares (2011, 2013): with every statement keyed positively the comparisons measure
    differences between traits; the level of the whole profile (the mean of a person's traits) is lost.
    """
    positive = balanced_design(n_traits=8, n_blocks=20, seed=1, negative_share=0.0)
    assert {p.code for p in check_design(positive)} >= {"one_way_keyed", "few_mixed_comparisons"}

    def elevation(model):
        people = simulate_answers(model, 3000, seed=3)
        return np.corrcoef(score(model, people.answers).estimate.mean(axis=1), people.traits.mean(axis=1))[0, 1]

    assert elevation(MODEL) > 0.8
    assert elevation(example_model(positive, seed=1)) < 0.5


# ---- agreement with a brute-force posterior -------------------------------------------------------


@pytest.mark.parametrize("case", list(SMALL_CASES))
def test_map_and_eap_agree_with_a_brute_force_posterior(case):
    """MAP within a grid step of the grid's mode; EAP mean and SD within 0.005; Laplace SE within 0.1 of the SD."""
    model = SMALL_CASES[case]
    marks = small_case_answers(model)
    map_scores = score(model, marks)
    eap_scores = score(model, marks, method="eap", points=30)
    for person in range(len(marks)):
        mode, mean, sd, step = grid_posterior(model, marks[person])
        np.testing.assert_allclose(map_scores.estimate[person], mode, atol=step)
        np.testing.assert_allclose(eap_scores.estimate[person], mean, atol=0.005)
        np.testing.assert_allclose(eap_scores.standard_error[person], sd, atol=0.005)
        np.testing.assert_allclose(map_scores.standard_error[person], sd, atol=0.1)


# ---- properties ---------------------------------------------------------------------------------


def test_the_fast_scorer_agrees_with_scipys_optimiser_in_double_precision():
    """The twin of every optimisation in the scorer: a plain per-person minimisation of the same posterior."""
    people = simulate_answers(MODEL, 25, seed=8).answers
    people[::3, ::4] = -1
    fast, tight = score(MODEL, people), score(MODEL, people, tol=1e-4)
    sd = MODEL.comparison_sd
    a, g = MODEL.comparison_loadings / sd[:, None], MODEL.threshold / sd
    precision = np.linalg.inv(MODEL.trait_correlation)
    coded = comparisons(DESIGN, people)
    for person in range(len(people)):
        d = np.where(coded[person] < 0, 0.0, 2.0 * coded[person] - 1.0)

        def minus_log_posterior(eta, d=d):
            u = d * (a @ eta - g)
            mills = np.exp(norm.logpdf(u) - log_ndtr(u))
            value = -(log_ndtr(u) * (d != 0)).sum() + 0.5 * eta @ precision @ eta
            return value, -(a.T @ (d * mills)) + precision @ eta

        found = minimize(minus_log_posterior, np.zeros(8), jac=True, method="BFGS", options={"gtol": 1e-10})
        u = d * (a @ found.x - g)
        mills = np.exp(norm.logpdf(u) - log_ndtr(u))
        hessian = (a.T * ((d != 0) * mills * (u + mills))) @ a + precision
        se = np.sqrt(np.diag(np.linalg.inv(hessian)))
        # The default tolerance (1e-2) leaves the estimate within about 1e-4; tighter runs to float32's 1e-6.
        np.testing.assert_allclose(fast.estimate[person], found.x, atol=3e-4)
        np.testing.assert_allclose(fast.standard_error[person], se, atol=1e-2)
        np.testing.assert_allclose(tight.estimate[person], found.x, atol=1e-5)
        np.testing.assert_allclose(tight.standard_error[person], se, atol=1e-3)


def test_a_person_with_every_block_missing_gets_the_prior():
    marks = np.full((3, len(DESIGN.blocks), 2), -1)
    scores = score(MODEL, marks)
    np.testing.assert_array_equal(scores.estimate, 0.0)
    np.testing.assert_allclose(scores.standard_error, np.sqrt(np.diag(MODEL.trait_correlation))[None, :].repeat(3, 0))
    assert scores.answered_blocks.tolist() == [0, 0, 0]


def test_people_out_of_iterations_are_marked_and_still_get_standard_errors():
    people = simulate_answers(MODEL, 50, seed=4).answers
    stopped = score(MODEL, people, max_iter=2)
    full = score(MODEL, people)
    assert not stopped.converged.all() and full.converged.all()
    assert np.isfinite(stopped.standard_error).all() and (stopped.standard_error > 0).all()
    done = stopped.converged
    np.testing.assert_allclose(stopped.estimate[done], full.estimate[done], atol=1e-5)


@settings(max_examples=25)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.sampled_from([0.0, 0.2]))
def test_scores_do_not_depend_on_who_else_is_in_the_batch(seed, n, missing):
    """Bit for bit: shuffled, alone, or in a batch where a person is the last one still iterating."""
    people = np.asarray(simulate_answers(MODEL, n, seed=seed).answers).copy()
    people[np.random.default_rng(seed).random(people.shape[:2]) < missing] = -1
    order = np.random.default_rng(seed).permutation(n)
    together = score(MODEL, people)
    shuffled = score(MODEL, people[order])
    np.testing.assert_array_equal(shuffled.estimate, together.estimate[order])
    np.testing.assert_array_equal(shuffled.standard_error, together.standard_error[order])
    for row in range(min(n, 5)):
        alone = score(MODEL, people[row : row + 1])
        np.testing.assert_array_equal(alone.estimate[0], together.estimate[row])
        np.testing.assert_array_equal(alone.standard_error[0], together.standard_error[row])


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_traits=st.integers(3, 8),
    missing=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
    tol=st.sampled_from([1e-2, 1e-3]),
    max_iter=st.sampled_from([1, 2, 3, 50]),
)
def test_one_person_in_python_floats_gets_the_batch_numbers_bit_for_bit(seed, n_traits, missing, tol, max_iter):
    """map_row (the service's one-candidate path) against score on a batch: the same floats and convergence."""
    model = example_model(balanced_design(n_traits=n_traits, n_blocks=2 * n_traits, seed=seed % 1000), seed=seed)
    answers = np.asarray(simulate_answers(model, 12, seed=seed).answers).copy()
    answers[np.random.default_rng(seed).random(answers.shape[:2]) < missing] = -1
    batch = score(model, answers, tol=tol, max_iter=max_iter)
    for row in range(len(answers)):
        estimate, errors, converged = map_row(model, answers[row], tol=tol, max_iter=max_iter)
        assert estimate == batch.estimate[row].tolist()
        assert errors == batch.standard_error[row].tolist()
        assert converged == bool(batch.converged[row])


@settings(max_examples=25)
@given(st.integers(0, 2**32 - 1))
def test_scores_do_not_depend_on_block_order_or_statement_order(seed):
    rng = np.random.default_rng(seed)
    people = simulate_answers(MODEL, 20, seed=seed).answers
    people[rng.random(people.shape[:2]) < 0.1] = -1
    block_order = rng.permutation(len(DESIGN.blocks))
    inside = [rng.permutation(n) for n in DESIGN.block_sizes]  # new position -> old position
    blocks = tuple(tuple(DESIGN.blocks[b][p] for p in inside[b]) for b in block_order)
    statement_of = {s.id: i for i, s in enumerate(DESIGN.statements)}
    moved = [statement_of[s.id] for block in blocks for s in block]
    reordered = ThurstonianModel(
        ForcedChoiceDesign(traits=DESIGN.traits, blocks=blocks),
        utility=MODEL.utility[moved],
        loading=MODEL.loading[moved],
        uniqueness=MODEL.uniqueness[moved],
        trait_correlation=MODEL.trait_correlation,
    )
    old_to_new = [np.argsort(order) for order in inside]
    marks = np.stack([np.where(people[:, b] >= 0, old_to_new[b][people[:, b]], -1) for b in block_order], axis=1)
    # The inner loop sums in single precision, and the order of the sums follows the design: run Newton
    # to 1e-5 (both then sit within float32's 1e-6 of the one mode) and compare to 1e-5.
    np.testing.assert_allclose(
        score(reordered, marks, tol=1e-5).estimate, score(MODEL, people, tol=1e-5).estimate, atol=1e-5
    )


PAIRS = balanced_design(n_traits=4, n_blocks=16, block_size=2, seed=4)
PAIR_MODEL = example_model(PAIRS, seed=4)


@settings(max_examples=40)
@given(st.integers(0, 2**32 - 1), st.integers(0, len(PAIRS.blocks) - 1))
def test_reversing_a_pair_moves_the_estimate_the_other_way(seed, block):
    """For a pair, the comparison's utility difference at the MAP orders: answered one way >= missing >= reversed.

    (Concavity gives this exactly: the posterior trades the block's term against the rest.)
    """
    marks = simulate_answers(PAIR_MODEL, 1, seed=seed).answers
    reversed_ = marks.copy()
    reversed_[0, block] = marks[0, block, ::-1]
    missing = marks.copy()
    missing[0, block] = -1
    # A property of the mode itself: run Newton to 1e-5 rather than the default 1e-2.
    estimates = score(PAIR_MODEL, np.concatenate([marks, missing, reversed_]), tol=1e-5).estimate
    direction = PAIR_MODEL.comparison_loadings[block] * (1 if marks[0, block, 0] == 0 else -1)
    answered, left_out, opposite = estimates @ direction
    # 1e-5: the scorer's inner loop runs in single precision.
    assert answered >= left_out - 1e-5 >= opposite - 2e-5
    assert answered > opposite


def test_reversing_a_triplet_moves_the_estimate_the_other_way():
    """Most and least swapped: the most-marked statement's keyed trait goes down, the least-marked one's up."""
    people = simulate_answers(MODEL, 400, seed=11).answers
    lay = MODEL.layout
    for block in range(0, len(DESIGN.blocks), 3):
        reversed_ = people.copy()
        reversed_[:, block] = people[:, block, ::-1]
        before, after = score(MODEL, people).estimate, score(MODEL, reversed_).estimate
        start = lay.block_start[block]
        most, least = start + people[:, block, 0], start + people[:, block, 1]
        rows = np.arange(len(people))
        pull = np.sign(MODEL.loading[most]) * (
            before[rows, lay.statement_trait[most]] - after[rows, lay.statement_trait[most]]
        ) - np.sign(MODEL.loading[least]) * (
            before[rows, lay.statement_trait[least]] - after[rows, lay.statement_trait[least]]
        )
        assert (pull > 0).all()


def test_comparisons_code_most_and_least():
    design = balanced_design(n_traits=4, n_blocks=1, block_size=4)
    # Pairs (0,1) (0,2) (0,3) (1,2) (1,3) (2,3); most = 2, least = 0: the middle pair (1,3) is unknown.
    assert comparisons(design, [[[2, 0]]]).tolist() == [[0, 0, 0, 0, -1, 1]]
    assert comparisons(design, [[[-1, -1]]]).tolist() == [[-1] * 6]


MIXED = ForcedChoiceDesign(
    traits=("a", "b", "c", "d"),
    blocks=(
        (Statement(id="p1", trait="a"), Statement(id="p2", trait="b")),
        (Statement(id="t1", trait="a"), Statement(id="t2", trait="c"), Statement(id="t3", trait="d")),
        tuple(Statement(id=f"q{i}", trait=t) for i, t in enumerate("abcd")),
    ),
)


@given(st.lists(st.tuples(st.integers(-1, 3), st.integers(-1, 3)), min_size=3, max_size=3))
def test_blocks_of_different_sizes_are_coded_block_by_block(marks):
    marks = [(m % n if m >= 0 else -1, w % n if w >= 0 else -1) for (m, w), n in zip(marks, (2, 3, 4), strict=True)]
    marks = [(m, w) if m != w or m < 0 else (m, -1) for m, w in marks]
    expected = []
    for (most, least), n in zip(marks, (2, 3, 4), strict=True):
        rank = {p: r for p, r in ((most, 0), (least, n - 1)) if p >= 0}
        for p, q in combinations(range(n), 2):
            known = p in rank or q in rank  # the middle pairs of a block of four stay unknown
            expected.append(int(rank.get(p, 0.5) < rank.get(q, 0.5)) if known else -1)
    assert comparisons(MIXED, [marks]).tolist() == [expected]


@pytest.mark.parametrize(
    ("marks", "message"),
    [(np.zeros((2, 3, 2), dtype=int), "shape"), ([[[1, 1]]], "person 0, block 0"), ([[[0, 3]]], "person 0, block 0")],
)
def test_bad_answers_are_refused_with_the_person_and_block(marks, message):
    design = balanced_design(n_traits=3, n_blocks=1)
    with pytest.raises(ValueError, match=message):
        score(example_model(design), marks)


def test_simulation_is_seeded_and_follows_the_model():
    again = simulate_answers(MODEL, 50, seed=7)
    np.testing.assert_array_equal(again.answers, simulate_answers(MODEL, 50, seed=7).answers)
    assert (again.answers[..., 0] != again.answers[..., 1]).all()
    # A pair: the share choosing the left statement matches the model's marginal probability.
    model = example_model(balanced_design(n_traits=2, n_blocks=1, block_size=2), seed=3)
    chose_left = (simulate_answers(model, 40_000, seed=1).answers[:, 0, 0] == 0).mean()
    a = model.comparison_loadings[0]
    expected = multivariate_normal(0, 1).cdf(
        -model.threshold[0] / np.sqrt(a @ model.trait_correlation @ a + model.comparison_sd[0] ** 2)
    )
    assert chose_left == pytest.approx(expected, abs=0.01)


# ---- the design checker ------------------------------------------------------------------------


def test_a_balanced_design_passes_every_check():
    assert check_design(DESIGN) == []
    require_identifiable(DESIGN)


def test_the_checker_names_each_problem_and_trait():
    s = Statement
    design = ForcedChoiceDesign(
        traits=("a", "b", "c", "d"),
        blocks=(
            (s(id="1", trait="a"), s(id="2", trait="a", keyed=-1), s(id="3", trait="b")),
            (s(id="4", trait="a"), s(id="5", trait="b")),
            (s(id="6", trait="c"), s(id="7", trait="d")),
        ),
    )
    problems = check_design(design)
    codes = {(p.code, p.trait) for p in problems}
    assert ("same_trait_block", "a") in codes
    assert ("few_blocks", "c") in codes
    assert ("few_partners", "d") in codes
    assert ("one_way_keyed", "b") in codes
    assert ("disconnected", None) in codes
    with pytest.raises(ForcedChoiceDesignError, match="never compared") as raised:
        require_identifiable(design)
    assert isinstance(raised.value, ProfilefitError)


def test_a_design_must_be_well_formed():
    s = Statement
    with pytest.raises(ValueError, match="unique"):
        ForcedChoiceDesign(traits=("a", "b"), blocks=((s(id="1", trait="a"), s(id="1", trait="b")),))
    with pytest.raises(ValueError, match="not in the design"):
        ForcedChoiceDesign(traits=("a",), blocks=((s(id="1", trait="a"), s(id="2", trait="z")),))
    with pytest.raises(ValueError, match="at least 2"):
        ForcedChoiceDesign(traits=("a",), blocks=((s(id="1", trait="a"),),))


# ---- calibration -------------------------------------------------------------------------------


@pytest.mark.parametrize(("rho", "tau"), [(0.9, (0.3, -0.5)), (-0.7, (1.0, 0.2)), (0.0, (0.0, 0.0))])
def test_tetrachoric_recovers_a_known_correlation(rho, tau):
    z = np.random.default_rng(1).multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=40_000)
    coded = (z > np.array(tau)).astype(np.int8)
    coded[::7, 0] = -1  # missing answers only thin the table
    thresholds, r, pairs = tetrachoric(coded)
    np.testing.assert_allclose(thresholds, tau, atol=0.03)
    assert r[0, 1] == pytest.approx(rho, abs=0.03)
    assert pairs[0, 1] == pytest.approx(40_000 * 6 / 7, abs=1)


def _calibration_recovery(n_traits, n_blocks, n_people, seed):
    truth = example_model(balanced_design(n_traits=n_traits, n_blocks=n_blocks, seed=seed), seed=seed)
    fitted = calibrate(truth.design, simulate_answers(truth, n_people, seed=seed + 1).answers)
    target = truth.identified()
    relative = np.abs(fitted.model.loading - target.loading) / np.abs(target.loading)
    upper = np.triu_indices(n_traits, 1)
    corr_error = np.abs(fitted.model.trait_correlation - target.trait_correlation)[upper]
    new = simulate_answers(truth, 3000, seed=seed + 2)
    return fitted, relative, corr_error, _recovery(truth, new).mean(), _recovery(fitted.model, new).mean()


def test_calibration_recovers_known_parameters():
    """5 traits, 15 triplets, 3,000 people: loadings within 20 % on average, correlations within .08."""
    fitted, relative, corr_error, r_true, r_fitted = _calibration_recovery(5, 15, 3000, seed=21)
    assert fitted.success and fitted.rmsr < 0.03
    assert np.median(relative) < 0.15 and relative.mean() < 0.20, relative
    assert corr_error.max() < 0.08, corr_error
    assert r_fitted > r_true - 0.01


@pytest.mark.slow
def test_calibration_recovers_the_eight_trait_design():
    """8 traits, 20 triplets, 4,000 people (the benchmark's design)."""
    fitted, relative, corr_error, r_true, r_fitted = _calibration_recovery(8, 20, 4000, seed=1)
    assert fitted.success
    assert np.median(relative) < 0.12 and relative.mean() < 0.15, relative
    assert corr_error.max() < 0.08, corr_error
    assert r_fitted > r_true - 0.01


def test_grid_helper_codes_all_patterns_of_a_triplet():
    """The brute-force coder in this file and comparisons() agree on every most/least pattern."""
    model = SMALL_CASES["two traits, triplets"]
    for most, least in product(range(3), repeat=2):
        if most == least:
            continue
        coded = comparisons(model.design, [[[most, least], [-1, -1]]])[0, :3]
        rank = {most: 0, least: 2}
        expected = [int(rank.get(p, 0.5) < rank.get(q, 0.5)) for p, q in combinations(range(3), 2)]
        assert coded.tolist() == expected


def test_scoring_without_standard_errors_gives_the_same_estimates():
    model = example_model(balanced_design(n_traits=5, n_blocks=12, seed=3), seed=3)
    answers = np.asarray(simulate_answers(model, 300, seed=4).answers).copy()
    answers[np.random.default_rng(5).random(answers.shape[:2]) < 0.1] = -1  # some blocks unanswered
    with_se, without = score(model, answers), score(model, answers, standard_errors=False)
    np.testing.assert_array_equal(without.estimate, with_se.estimate)
    np.testing.assert_array_equal(without.converged, with_se.converged)
    assert np.isnan(without.standard_error).all() and not np.isnan(with_se.standard_error).any()
    with pytest.raises(ValueError, match="MAP only"):
        score(model, answers, method="eap", standard_errors=False)


@settings(max_examples=25)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 300),
    n_traits=st.integers(3, 8),
    missing=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
    tol=st.sampled_from([1e-2, 1e-3]),
    max_iter=st.sampled_from([1, 2, 50]),
)
def test_estimates_do_not_depend_on_asking_for_standard_errors(seed, n, n_traits, missing, tol, max_iter):
    """Bit for bit, with or without standard errors, at any tolerance and limit (the fit's search skips them)."""
    model = example_model(balanced_design(n_traits=n_traits, n_blocks=2 * n_traits, seed=seed % 1000), seed=seed)
    answers = np.asarray(simulate_answers(model, n, seed=seed).answers).copy()
    answers[np.random.default_rng(seed).random(answers.shape[:2]) < missing] = -1
    without = score(model, answers, tol=tol, max_iter=max_iter, standard_errors=False)
    with_se = score(model, answers, tol=tol, max_iter=max_iter)
    np.testing.assert_array_equal(without.estimate, with_se.estimate)
    np.testing.assert_array_equal(without.converged, with_se.converged)
