"""The answer-level Bayes classifier: the posterior over profiles given what a candidate answered.

The true-trait ceiling (:func:`~profilefit.data.simulate.oracle_probabilities`) sees traits no
assessment shows. This yardstick sees only the export — agreement answers, scenario
choices, attention checks and completion time — and knows the simulation's own
generative model exactly: its item parameters, option loadings, faking and careless
responding. It is the best any classifier of these answers can do on average, so the
gap between it and the trained model is what better modelling could still win.

For profile ``k`` and answers ``x``,

``P(k | x)  ∝  pi_k * [ (1 - c) * p(x | k, attentive) + c * p(x | careless) ]``

where careless answers do not depend on the profile. The attentive likelihood
integrates over the latent traits and the person's faking strength:

``p(x | k, attentive) = ∫∫ p(items, choices | theta + m*shift) N(theta; mu_k, Sigma_k) p(m) dtheta dm``

It is computed by importance sampling, per candidate, in the space of the traits the
candidate *answers from* (``r = theta + m*shift``):

1. Each scale's item likelihood, computed exactly on a fine grid of its trait, is read as a
   normal observation of that trait. With each profile's normal distribution (the spread of
   faking included) this gives one Gaussian approximation of the posterior per profile; one
   Newton step adds the scenario choices.
2. Draws come from an equal mixture of multivariate Student-t components at those
   approximations, slightly widened (heavy tails, so no region is missed). Each draw is
   weighted against the whole mixture (a deterministic mixture), so every profile's
   integral uses every draw; the faking strength of each draw comes from its prior.
3. The exact likelihood (items interpolated along the grid, scenario choices, profile
   density) over the proposal density, averaged, gives ``p(items, choices | k)``.

With 512 draws two runs with different seeds differ by about 0.004 per probability on
average (docs/simulation.md, section 9).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln, logsumexp

from profilefit.core.instrument import Instrument
from profilefit.core.scoring import Responses
from profilefit.data.simulate._config import SimulationConfig
from profilefit.data.simulate._faking import claim_answer_probabilities
from profilefit.data.simulate._generate import (
    CARELESS_SCENARIO_SECONDS,
    CARELESS_SECONDS_PER_ITEM,
    ItemParameters,
    faking_strengths,
    item_parameters,
    profile_log_densities,
)

#: Quadrature nodes for the density of the total completion time of an attentive candidate.
_TIME_NODES = 48


def answer_probabilities(
    responses: Responses,
    config: SimulationConfig,
    *,
    n_draws: int = 512,
    grid_points: int = 81,
    seed: int = 0,
    chunk_size: int = 256,
) -> NDArray[np.float64]:
    """Bayes posterior of each profile given the observed answers, integrating over the latent traits.

    Parameters
    ----------
    responses : Responses
        Answers of ``n`` candidates to the instrument the simulation was run on: agreement
        answers (``nan`` for blank), scenario choices, attention checks and completion time.
    config : SimulationConfig
        The generative model the answers came from; its item parameters are used as they are.
    n_draws : int, default=512
        Importance-sampling draws per candidate.
    grid_points : int, default=81
        Points of the grid of each trait, from -5.5 to 6 SD.
    seed : int, default=0
        Seed of the draws: the same seed gives the same posteriors.
    chunk_size : int, default=256
        Candidates handled at once (memory grows with ``chunk_size * n_draws``).

    Returns
    -------
    ndarray of shape (n, n_profiles)
        Columns in ``config.profile_ids`` order; rows sum to one.

    Examples
    --------
    >>> from profilefit.data.simulate import SimulationConfig, answer_probabilities, simulate
    >>> config = SimulationConfig.reference()
    >>> sim = simulate(3, seed=1, config=config)
    >>> answer_probabilities(sim.responses, config, n_draws=64).sum(axis=1).round(6).tolist()
    [1.0, 1.0, 1.0]
    """
    if n_draws < 1 or grid_points < 3 or chunk_size < 1:
        raise ValueError(
            "n_draws, grid_points and chunk_size must be at least 1, 3 and 1; "
            f"got {n_draws}, {grid_points}, {chunk_size}"
        )
    instrument = responses.instrument
    params = item_parameters(instrument, config)
    grid = np.linspace(-5.5, 6.0, grid_points)
    item_table = _item_log_likelihood_table(instrument, params, grid)
    codes = _answer_codes(responses)
    rng = np.random.default_rng(seed)
    posterior = np.empty((len(responses), len(config.profile_ids)))
    attentive = _attentive_extras(instrument, config, responses) + np.log1p(-config.careless_share)
    careless = _careless_log_likelihood(instrument, responses) + np.log(max(config.careless_share, 1e-300))
    for start in range(0, len(responses), chunk_size):
        rows = slice(start, start + chunk_size)
        log_joint = _attentive_log_joint(
            config, params, grid, item_table, codes[rows], responses.choices[rows], n_draws, rng
        )  # (chunk, n_profiles): log pi_k p(items, choices | k, attentive)
        attentive_joint = log_joint.copy()
        log_joint = log_joint + attentive[rows, None]
        if config.careless_share > 0:
            careless_joint = careless[rows, None] + np.log(config.priors)[None, :]
            log_joint = np.logaddexp(log_joint, careless_joint)
        total = logsumexp(log_joint, axis=1, keepdims=True)
        # Answers neither model can produce (say, a total time of one second): the time and
        # checks then say nothing either way, and the profile evidence alone decides.
        impossible = ~np.isfinite(total[:, 0])
        if impossible.any():
            log_joint[impossible] = attentive_joint[impossible]
            total[impossible] = logsumexp(log_joint[impossible], axis=1, keepdims=True)
        posterior[rows] = np.exp(log_joint - total)
    return posterior


def _answer_codes(responses: Responses) -> NDArray[np.intp]:
    """Answers as category codes 1..n_points, 0 for blank."""
    codes = responses.answer_codes
    if codes is None:
        raise ValueError(
            "the answer-level Bayes classifier needs whole-number answers on the response scale "
            f"{responses.instrument.response_scale.min}..{responses.instrument.response_scale.max}"
        )
    return codes.astype(np.intp)


def _item_log_likelihood_table(
    instrument: Instrument, params: ItemParameters, grid: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Log probability of each answer code of each item at each grid point, shape (n_items, n_points + 1, G).

    Code 0 (blank) has log probability 0, so blanks carry no evidence.
    """
    n_points = instrument.response_scale.n_points
    theta = params.sign[:, None, None] * grid[None, None, :]  # (n_items, 1, G)
    logits = params.discrimination[:, None, None] * (theta - params.thresholds[:, :, None])
    at_least = 1.0 / (1.0 + np.exp(-logits))  # (n_items, n_points - 1, G)
    n_items, _, size = at_least.shape
    bounds = np.concatenate([np.ones((n_items, 1, size)), at_least, np.zeros((n_items, 1, size))], axis=1)
    categories = np.maximum(bounds[:, :-1] - bounds[:, 1:], 1e-300)  # (n_items, n_points, G)
    table = np.zeros((n_items, n_points + 1, size))
    table[:, 1:, :] = np.log(categories)
    return table


def _attentive_log_joint(
    config: SimulationConfig,
    params: ItemParameters,
    grid: NDArray[np.float64],
    item_table: NDArray[np.float64],
    codes: NDArray[np.intp],
    choices: NDArray[np.int16],
    n_draws: int,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """``log pi_k + log p(items, choices | k, attentive)`` for a chunk, shape (chunk, n_profiles).

    Draws of the responding traits come from an equal mixture of Student-t components, one
    per profile at its Gaussian approximation (:func:`_gaussian_components`); each is weighted
    by the exact likelihood over the mixture density.
    """
    n, n_traits = codes.shape[0], len(config.traits)
    # Item log likelihood of each trait's scale along the grid, (n, n_traits, G).
    per_item = item_table[np.arange(codes.shape[1])[None, :], codes, :]  # (n, n_items, G)
    membership = np.eye(n_traits)[params.trait_index]  # (n_items, n_traits)
    per_trait = np.swapaxes(np.swapaxes(per_item, 1, 2) @ membership, 1, 2)

    centre, chol = _gaussian_components(config, params, grid, per_trait, choices)  # (n, K, T), (n, K, T, T)
    n_components = centre.shape[1]

    # Deterministic mixture: draw s comes from component s mod K, and is weighted against
    # the whole mixture, so each profile's integral uses every draw.
    component = np.arange(n_draws) % n_components
    normal = rng.standard_normal((n, n_draws, n_traits))
    scale = np.sqrt(_DF / rng.chisquare(_DF, (n, n_draws, 1)))
    responding = centre[:, component] + scale * (chol[:, component] @ normal[..., None])[..., 0]
    log_proposal = _mixture_log_density(responding, centre, chol)

    log_items = _interpolated(per_trait, grid, responding).sum(axis=2)  # (n, n_draws)
    log_choices = _choice_log_likelihood(config, params, responding, choices)
    faking = faking_strengths(config, n * n_draws, rng).reshape(n, n_draws)
    traits = responding - faking[:, :, None] * config.unit_shift
    log_profiles = profile_log_densities(traits, config) - 0.5 * n_traits * np.log(2 * np.pi)
    log_weights = log_profiles + (log_items + log_choices - log_proposal)[:, :, None]
    return logsumexp(log_weights, axis=1) - np.log(n_draws) + np.log(config.priors)[None, :]


#: Degrees of freedom of the Student-t proposal components: heavy tails, so no region is missed.
_DF = 10.0


def _gaussian_components(
    config: SimulationConfig,
    params: ItemParameters,
    grid: NDArray[np.float64],
    per_trait: NDArray[np.float64],
    choices: NDArray[np.int16],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Location and Cholesky factor of one proposal component per profile: a Gaussian approximation.

    Each scale's item likelihood is approximated by a normal observation of its responding
    trait; combined with a profile's normal distribution (faking spread included) it gives
    that profile's approximate posterior. One Newton step then adds the scenario choices
    (a concave multinomial-logit likelihood), and the result is widened a little to cover
    what the approximation leaves out.
    """
    n_traits = per_trait.shape[1]
    # Normal approximation of each trait's likelihood: moments under a weak prior, prior removed.
    log_weak = per_trait - 0.5 * (grid / _WEAK_PRIOR_SD) ** 2
    weak = np.exp(log_weak - logsumexp(log_weak, axis=2, keepdims=True))
    mean = (weak * grid).sum(axis=2)
    variance = np.maximum((weak * grid**2).sum(axis=2) - mean**2, 1e-6)
    precision = np.maximum(1.0 / variance - 1.0 / _WEAK_PRIOR_SD**2, 1e-6)  # (n, T)
    observed = mean / variance / precision  # the observation whose normal likelihood gives those moments

    faking_variance = (config.faking * config.faking_sd) ** 2
    prior_covariance = config.covariances + faking_variance * np.outer(config.unit_shift, config.unit_shift)
    prior_precision = np.linalg.inv(prior_covariance)  # (K, T, T)
    prior_mean = config.means + config.shift  # (K, T)
    posterior_precision = prior_precision[None] + precision[:, None, :, None] * np.eye(n_traits)  # (n, K, T, T)
    information = (prior_precision @ prior_mean[:, :, None])[None, :, :, 0] + (precision * observed)[:, None, :]
    centre = np.linalg.solve(posterior_precision, information[..., None])[..., 0]
    gradient, curvature = _choice_gradient_and_curvature(config, params, centre, choices)
    posterior_precision = posterior_precision + curvature
    centre = centre + np.linalg.solve(posterior_precision, gradient[..., None])[..., 0]
    chol = np.asarray(np.linalg.cholesky(_WIDEN**2 * np.linalg.inv(posterior_precision)), dtype=np.float64)
    return centre, chol


def _choice_gradient_and_curvature(
    config: SimulationConfig, params: ItemParameters, points: NDArray[np.float64], choices: NDArray[np.int16]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Gradient and negative Hessian of the scenario log likelihood at ``points`` (n, K, T)."""
    n_traits = points.shape[-1]
    gradient = np.zeros(points.shape)
    curvature = np.zeros((*points.shape, n_traits))
    sensitivity = config.sjt_sensitivity
    for column, (loadings, popularity) in enumerate(zip(params.option_loadings, params.option_popularity, strict=True)):
        chosen = choices[:, column].astype(np.intp)
        answered = (chosen >= 0)[:, None, None]
        utility = sensitivity * (points @ loadings.T) + popularity  # (n, K, n_options)
        probability = np.exp(utility - logsumexp(utility, axis=2, keepdims=True))
        expected = probability @ loadings  # (n, K, T)
        gradient += answered * sensitivity * (loadings[np.maximum(chosen, 0)][:, None, :] - expected)
        second = np.einsum("nko,ot,ou->nktu", probability, loadings, loadings)
        curvature += answered[..., None] * sensitivity**2 * (second - expected[..., :, None] * expected[..., None, :])
    return gradient, curvature


#: SD of the weak prior used to read a scale's likelihood as a normal observation.
_WEAK_PRIOR_SD = 3.0
#: Proposal components are this much wider than the Gaussian approximation.
_WIDEN = 1.1


def _mixture_log_density(
    points: NDArray[np.float64], centre: NDArray[np.float64], chol: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Log density of an equal mixture of multivariate Student-t components at ``points`` (n, S, T)."""
    n_components, n_traits = centre.shape[1], centre.shape[2]
    whitening = np.linalg.inv(chol)  # (n, K, T, T)
    deviation = points[:, None, :, :] - centre[:, :, None, :]  # (n, K, S, T)
    standard = deviation @ np.swapaxes(whitening, 2, 3)
    mahalanobis = (standard * standard).sum(axis=3)  # (n, K, S)
    log_det = 2 * np.log(np.diagonal(chol, axis1=2, axis2=3)).sum(axis=2)  # (n, K)
    log_t = (
        gammaln((_DF + n_traits) / 2)
        - gammaln(_DF / 2)
        - 0.5 * n_traits * np.log(_DF * np.pi)
        - 0.5 * log_det[:, :, None]
        - 0.5 * (_DF + n_traits) * np.log1p(mahalanobis / _DF)
    )
    result: NDArray[np.float64] = logsumexp(log_t, axis=1) - np.log(n_components)
    return result


def _interpolated(
    per_trait: NDArray[np.float64], grid: NDArray[np.float64], points: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Item log likelihood of each trait at continuous points, linear between grid points, shape (n, S, T)."""
    step = grid[1] - grid[0]
    position = np.clip((points - grid[0]) / step, 0, grid.size - 1 - 1e-9)
    below = position.astype(np.intp)
    fraction = position - below
    table = np.moveaxis(per_trait, 1, 2)  # (n, G, T)
    low = np.take_along_axis(table, below, axis=1)
    high = np.take_along_axis(table, below + 1, axis=1)
    result: NDArray[np.float64] = low + fraction * (high - low)
    return result


def _choice_log_likelihood(
    config: SimulationConfig, params: ItemParameters, responding: NDArray[np.float64], choices: NDArray[np.int16]
) -> NDArray[np.float64]:
    """Log probability of the observed scenario choices at each draw, shape (n, n_draws); blanks add 0."""
    if not params.option_loadings:
        return np.zeros(responding.shape[:2])
    sizes = np.array([len(p) for p in params.option_popularity])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    loadings = np.concatenate(params.option_loadings)  # (n_options_total, n_traits)
    popularity = np.concatenate(params.option_popularity)
    # Utilities stay far inside exp's range (|u| < 50), so no max is subtracted.
    utility = config.sjt_sensitivity * (responding @ loadings.T) + popularity  # (n, n_draws, n_options_total)
    log_total = np.log(np.add.reduceat(np.exp(utility), starts, axis=2))  # (n, n_draws, n_scenarios)
    answered = choices >= 0
    picked = np.take_along_axis(utility, (starts + np.where(answered, choices, 0))[:, None, :], axis=2)
    result: NDArray[np.float64] = ((picked - log_total) * answered[:, None, :]).sum(axis=2)
    return result


def _attentive_extras(instrument: Instrument, config: SimulationConfig, responses: Responses) -> NDArray[np.float64]:
    """Log likelihood of an attentive candidate's attention checks and completion time, shape (n,)."""
    low, high = instrument.response_scale.min, instrument.response_scale.max
    total = np.zeros(len(responses))
    error = config.attention_error_rate
    for column in instrument.instructed_columns:  # virtue claims say nothing about the profile
        expected = float(instrument.attention_checks[column].expected or 0)  # instructed: never None
        given = responses.checks[:, column]
        at_edge = expected in (low, high)
        hit = 1 - error + (error / 2 if at_edge else 0.0)
        near = np.where(np.abs(given - expected) == 1, error / 2, 0.0)
        probability = np.where(given == expected, hit, near)
        with np.errstate(divide="ignore"):
            total += np.where(np.isnan(given), 0.0, np.log(probability))
    claims = list(instrument.virtue_claim_columns)
    if claims:
        # Virtue claims do not depend on the profile, but they are evidence of care or carelessness.
        table = np.log(claim_answer_probabilities(instrument, config))  # (n_claims, n_points)
        given = responses.checks[:, claims]
        index = np.clip(np.nan_to_num(given, nan=low) - low, 0, high - low).astype(np.intp)
        picked = np.take_along_axis(table[None, :, :], index[:, :, None], axis=2)[:, :, 0]
        total += np.where(np.isnan(given), 0.0, picked).sum(axis=1)
    return total + _attentive_time_log_density(instrument, config, responses.seconds)


def _attentive_time_log_density(
    instrument: Instrument, config: SimulationConfig, seconds: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Log density of the total time: log-normal time per item times items plus per scenario times scenarios."""
    n_agreement = len(instrument.items) + len(instrument.attention_checks)
    n_scenarios = len(instrument.scenarios)
    sigma = config.time_sigma
    observed = np.where(np.isnan(seconds), 1.0, seconds)
    if sigma == 0 or n_scenarios == 0:  # the sum is (nearly) one log-normal or a point: time carries no evidence
        return np.zeros(seconds.shape)
    nodes, weights = np.polynomial.hermite.hermgauss(_TIME_NODES)
    per_item = np.exp(np.log(config.seconds_per_item) + sigma * np.sqrt(2) * nodes)  # (nodes,)
    rest = (observed[:, None] - n_agreement * per_item[None, :]) / n_scenarios  # per-scenario time left
    with np.errstate(divide="ignore", invalid="ignore"):
        log_rest = np.log(rest)
        log_density = (
            -0.5 * ((log_rest - np.log(config.seconds_per_scenario)) / sigma) ** 2
            - log_rest
            - np.log(sigma * np.sqrt(2 * np.pi) * n_scenarios)
        )
    log_density = np.where(rest > 0, log_density, -np.inf)
    result = logsumexp(log_density + np.log(weights / np.sqrt(np.pi))[None, :], axis=1)
    return np.where(np.isnan(seconds), 0.0, result)


def _careless_log_likelihood(instrument: Instrument, responses: Responses) -> NDArray[np.float64]:
    """Log likelihood of the answers of a careless responder (half random, half straight-lined), shape (n,)."""
    n_points = instrument.response_scale.n_points
    agreement = np.concatenate([responses.items, responses.checks], axis=1)
    answered = ~np.isnan(agreement)
    n_answered = answered.sum(axis=1)
    log_random = -n_answered * np.log(n_points)
    first = np.nanmax(agreement, axis=1, initial=-np.inf, where=answered)
    last = np.nanmin(agreement, axis=1, initial=np.inf, where=answered)
    straight = (first == last) | (n_answered == 0)
    log_straight = np.where(straight, -np.log(n_points) * (n_answered > 0), -np.inf)
    log_agreement = np.logaddexp(log_random, log_straight) - np.log(2)
    options = np.array([len(s.options) for s in instrument.scenarios], dtype=np.float64)
    log_choices = -((responses.choices >= 0) * np.log(options)[None, :]).sum(axis=1)
    return log_agreement + log_choices + _careless_time_log_density(instrument, responses.seconds)


def _careless_time_log_density(instrument: Instrument, seconds: NDArray[np.float64]) -> NDArray[np.float64]:
    """Log density of the total time of a careless responder: a sum of two uniform times (a trapezoid)."""
    n_agreement = len(instrument.items) + len(instrument.attention_checks)
    a_low, a_high = (n_agreement * t for t in CARELESS_SECONDS_PER_ITEM)
    b_low, b_high = (len(instrument.scenarios) * t for t in CARELESS_SCENARIO_SECONDS)
    # Exports round time to 0.1 s, which can put a total just outside the support.
    seconds = np.clip(seconds, np.minimum(seconds + 0.05, a_low + b_low), np.maximum(seconds - 0.05, a_high + b_high))
    if b_high == b_low:  # no scenarios: one uniform
        density = np.where((seconds >= a_low + b_low) & (seconds <= a_high + b_low), 1.0 / (a_high - a_low), 0.0)
    else:
        overlap = np.minimum(seconds - b_low, a_high) - np.maximum(seconds - b_high, a_low)
        density = np.maximum(overlap, 0.0) / ((a_high - a_low) * (b_high - b_low))
    with np.errstate(divide="ignore"):
        return np.where(np.isnan(seconds), 0.0, np.log(density))
