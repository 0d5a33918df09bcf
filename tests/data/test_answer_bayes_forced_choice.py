"""The answer-level Bayes classifier on instrument 2.0 (forced choice).

Checked against independent computations: the orthant probability against a one-dimensional
integral, a block's ranking probability against simulated rankings, and the whole integral over
the traits and the faking strength against brute-force quadrature on a three-trait case.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy.special import gammaln, logsumexp, ndtr, roots_genlaguerre
from scipy.stats import norm

from profilefit.core.instrument import BLOCK_ANSWERS, load_instrument
from profilefit.core.scoring import Responses
from profilefit.core.thurstonian import ThurstonianModel, balanced_design
from profilefit.data.simulate import (
    SimulationConfig,
    answer_probabilities,
    forced_choice_answer_probabilities,
    orthant_probability,
    simulate_forced_choice,
)
from profilefit.data.simulate._answer_bayes import (
    _block_log_likelihood,
    _forced_choice_careless_time,
    _forced_choice_log_joint,
    _forced_choice_time_log_density,
    _population_covariance,
    ranked_statements,
)
from profilefit.data.simulate._generate import ItemParameters
from profilefit.data.training import forced_choice_responses


def _quad_orthant(h, k, rho):
    """P(X <= h, Y <= k) as the integral of phi(x) Phi((k - rho x) / sqrt(1 - rho^2)) up to h."""
    value, _ = integrate.quad(
        lambda x: norm.pdf(x) * ndtr((k - rho * x) / math.sqrt(1 - rho * rho)), -np.inf, h, epsabs=1e-13
    )
    return value


@pytest.mark.parametrize(
    ("h", "k", "rho"),
    [(0.0, 0.0, -0.5), (1.2, -0.4, -0.3), (-2.5, 1.0, -0.7), (2.0, 2.5, 0.4), (-1.0, -1.5, -0.9), (0.3, 3.5, 0.95)],
)
def test_orthant_probability_matches_a_one_dimensional_integral(h, k, rho):
    got = float(orthant_probability(np.array(h), np.array(k), np.array(rho)))
    assert got == pytest.approx(_quad_orthant(h, k, rho), abs=1e-10)


def _one_block_model(utility, loading, uniqueness):
    design = balanced_design(n_traits=3, n_blocks=1, negative_share=0.0, seed=0)
    return ThurstonianModel(
        design, utility=utility, loading=loading, uniqueness=uniqueness, trait_correlation=np.eye(3)
    )


@settings(max_examples=40, deadline=None)
@given(
    utility=st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3),
    loading=st.lists(st.floats(-0.9, 0.9), min_size=3, max_size=3),
    uniqueness=st.lists(st.floats(0.2, 1.5), min_size=3, max_size=3),
    eta=st.lists(st.floats(-3, 3), min_size=3, max_size=3),
)
def test_the_six_rankings_of_a_block_have_probabilities_summing_to_one(utility, loading, uniqueness, eta):
    model = _one_block_model(utility, loading, uniqueness)
    ranked = ranked_statements(np.arange(len(BLOCK_ANSWERS))[:, None])  # one candidate per answer
    at = np.broadcast_to(np.array(eta)[None, None, :], (len(BLOCK_ANSWERS), 1, 3))
    probabilities = np.exp(_block_log_likelihood(model, at, ranked, "exact"))[:, 0]
    assert probabilities.min() >= 0
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-9)


def test_the_exact_ranking_probability_matches_simulated_rankings():
    """400,000 simulated utilities at fixed traits: each answer's frequency within 4 standard errors."""
    model = _one_block_model([0.3, -0.2, 0.1], [0.7, -0.5, 0.6], [0.5, 0.75, 0.64])
    eta = np.array([0.8, -0.4, 1.1])
    ranked = ranked_statements(np.arange(len(BLOCK_ANSWERS))[:, None])
    at = np.broadcast_to(eta[None, None, :], (len(BLOCK_ANSWERS), 1, 3))
    exact = np.exp(_block_log_likelihood(model, at, ranked, "exact"))[:, 0]
    pairwise = np.exp(_block_log_likelihood(model, at, ranked, "pairwise"))[:, 0]

    rng = np.random.default_rng(3)
    n = 400_000
    trait = model.layout.statement_trait
    utility = model.utility + model.loading * eta[trait] + rng.standard_normal((n, 3)) * np.sqrt(model.uniqueness)
    order = np.argsort(-utility, axis=1)  # most first
    labels = np.array(["a", "b", "c"])
    observed = np.array([np.mean((labels[order[:, 0]] == a[0]) & (labels[order[:, 2]] == a[1])) for a in BLOCK_ANSWERS])
    se = np.sqrt(exact * (1 - exact) / n)
    assert np.all(np.abs(observed - exact) < 4 * se), (observed, exact)
    # The pairwise product treats a block's comparisons as independent: it is not the ranking's probability.
    assert abs(pairwise.sum() - 1.0) > 1e-3


def _tiny_config():
    return SimulationConfig(
        name="tiny",
        traits=["a", "b", "c"],
        trait_correlations={"a~b": 0.3, "b~c": -0.2},
        profile_means={"p": {"a": 0.8, "b": -0.4}, "q": {"a": -0.5, "c": 0.9}},
        profile_sds={"q": {"b": 1.3}},
        prevalence={"p": 0.4, "q": 0.6},
        faking=1.0,
        faking_shift={"a": 0.3, "b": 0.15},
        faking_sd=0.7,
    )


def test_the_integral_over_traits_and_faking_matches_brute_force_quadrature():
    """Three traits, four triplets, two profiles: importance sampling against a grid times Gauss-Laguerre.

    The brute force integrates ``p(blocks | r) * p(r | k)`` on a 49^3 grid of the responding
    traits (step 0.25 over +-6), with ``p(r | k) = E_m N(r - m*shift; mu_k, Sigma_k)`` by 24-node
    generalised Gauss-Laguerre over the gamma faking strength. Tolerance 0.03 on each log joint:
    about four Monte Carlo errors at 8192 draws.
    """
    config = _tiny_config()
    design = balanced_design(n_traits=3, n_blocks=4, seed=0)
    model = ThurstonianModel(
        design,
        utility=[0.2, -0.1, 0.0, 0.3, 0.1, -0.2, 0.0, 0.1, -0.3, 0.2, 0.0, 0.1],
        loading=[0.7, 0.6, 0.55, 0.65, -0.6, 0.7, -0.5, 0.6, 0.7, 0.6, 0.65, -0.55],
        uniqueness=[0.51, 0.64, 0.7, 0.58, 0.64, 0.51, 0.75, 0.64, 0.51, 0.64, 0.58, 0.7],
        trait_correlation=[[1.0, 0.2, 0.0], [0.2, 1.0, -0.1], [0.0, -0.1, 1.0]],
    )
    params = ItemParameters(np.zeros(0), np.zeros((0, 5)), np.zeros(0, np.intp), np.zeros(0), [], [])
    population = np.sqrt(np.diag(_population_covariance(config)))
    blocks = np.array([[0, 3, 5, 1], [4, 4, 2, 0], [1, -1, 3, 5]])
    ranked = ranked_statements(blocks)
    choices = np.zeros((3, 0), dtype=np.int16)
    rng = np.random.default_rng(11)
    sampled = _forced_choice_log_joint(
        config, params, model, population, ranked, choices, np.zeros((3, 3)), 8192, rng, "exact"
    )

    axis = np.linspace(-6, 6, 49)
    grid = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1).reshape(-1, 3)
    volume = (axis[1] - axis[0]) ** 3
    shape = 1.0 / config.faking_sd**2
    nodes, weights = roots_genlaguerre(24, shape - 1)
    strengths = config.faking * nodes / shape
    log_weights = np.log(weights) - gammaln(shape)
    log_prior = np.empty((len(grid), 2))
    for k in range(2):
        inverse = np.linalg.inv(config.covariances[k])
        _, log_det = np.linalg.slogdet(config.covariances[k])
        deviation = grid[:, None, :] - strengths[None, :, None] * config.unit_shift - config.means[k]
        quadratic = np.einsum("gmi,ij,gmj->gm", deviation, inverse, deviation)
        log_density = -0.5 * (quadratic + log_det + 3 * np.log(2 * np.pi))
        log_prior[:, k] = logsumexp(log_density + log_weights[None, :], axis=1)
    for person in range(3):
        log_blocks = _block_log_likelihood(model, (grid / population)[None], ranked[person : person + 1], "exact")[0]
        brute = logsumexp(log_blocks[:, None] + log_prior, axis=0) + np.log(volume) + np.log(config.priors)
        np.testing.assert_allclose(sampled[person], brute, rtol=0, atol=0.03)


@pytest.fixture(scope="module")
def small_2_0():
    instrument = load_instrument("customer-contact-2.0")
    config = SimulationConfig.reference()
    simulation = simulate_forced_choice(60, instrument, seed=4, config=config)
    return config, simulation, forced_choice_responses(simulation)


def test_posteriors_are_distributions_and_answer_probabilities_dispatches_on_the_format(small_2_0):
    config, _, responses = small_2_0
    posterior = forced_choice_answer_probabilities(responses, config, n_draws=64, seed=1)
    assert posterior.shape == (60, len(config.profile_ids))
    np.testing.assert_allclose(posterior.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(answer_probabilities(responses, config, n_draws=64, seed=1), posterior)


def test_exact_and_pairwise_likelihoods_give_close_posteriors(small_2_0):
    """The TIRT approximation moves the posterior a little (0.0068 per probability in the benchmark)."""
    config, _, responses = small_2_0
    exact = forced_choice_answer_probabilities(responses, config, n_draws=128, seed=2)
    pairwise = forced_choice_answer_probabilities(responses, config, n_draws=128, seed=2, likelihood="pairwise")
    difference = np.abs(exact - pairwise).mean()
    assert 0 < difference < 0.03


def test_a_fast_straight_lined_record_gets_the_prior(small_2_0):
    """Every block answered alike, every check the same point, a careless time: careless, so no profile evidence."""
    config, simulation, responses = small_2_0
    instrument = responses.instrument
    n = 5
    fast = (
        instrument.timing.min_seconds_per_block * 0.6 * len(instrument.blocks)
        + 2.0 * len(instrument.attention_checks)
        + 10.0 * len(instrument.scenarios)
    )
    straight = Responses(
        instrument,
        responses.candidate_ids[:n],
        np.empty((n, 0)),
        simulation.choices[:n],
        np.full((n, len(instrument.attention_checks)), 1.0),
        np.full(n, round(fast, 1)),
        np.zeros((n, len(instrument.blocks)), dtype=np.int8),
    )
    posterior = forced_choice_answer_probabilities(straight, config, n_draws=64, seed=3)
    np.testing.assert_allclose(posterior, np.broadcast_to(config.priors, posterior.shape), atol=0.01)


def test_the_time_densities_integrate_to_one(small_2_0):
    config, _, responses = small_2_0
    instrument = responses.instrument
    seconds = np.arange(1.0, 8_000.0, 1.0)
    attentive = np.exp(_forced_choice_time_log_density(instrument, config, seconds))
    careless = np.exp(_forced_choice_careless_time(instrument, seconds))
    assert attentive.sum() == pytest.approx(1.0, abs=2e-3)
    assert careless.sum() == pytest.approx(1.0, abs=2e-3)


def test_bad_arguments_are_refused_by_name(small_2_0):
    config, _, responses = small_2_0
    with pytest.raises(ValueError, match=r"likelihood must be one of .*'probit'"):
        forced_choice_answer_probabilities(responses, config, likelihood="probit")
    with pytest.raises(ValueError, match="has no blocks"):
        agreement = load_instrument()
        forced_choice_answer_probabilities(Responses.from_records(agreement, [{"candidate_id": "x"}]), config)
