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
from scipy.special import gammaln, log_ndtr, logsumexp, ndtr

from profilefit.core.instrument import Instrument
from profilefit.core.scoring import Responses
from profilefit.core.thurstonian import ThurstonianModel
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

    Answers to a forced-choice instrument (2.0) go to :func:`forced_choice_answer_probabilities`
    (with ``n_draws``, ``seed`` and its default exact block likelihood).

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
    if instrument.format == "forced_choice":
        return forced_choice_answer_probabilities(responses, config, n_draws=n_draws, seed=seed)
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
    return _check_log_likelihood(instrument, config, responses) + _attentive_time_log_density(
        instrument, config, responses.seconds
    )


def _check_log_likelihood(
    instrument: Instrument, config: SimulationConfig, responses: Responses
) -> NDArray[np.float64]:
    """Log likelihood of an attentive candidate's instructed checks and virtue claims, shape (n,)."""
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
    return total


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


# ---- instrument 2.0: forced-choice blocks ---------------------------------------------------------

#: The likelihood of a block's answer: the exact probability of the ranking, or the TIRT product of pairwise probits.
BLOCK_LIKELIHOODS = ("exact", "pairwise")
#: Gauss-Legendre nodes of the bivariate normal orthant probability when some |rho| >= 0.75 (else 12).
_ORTHANT_NODES = 20
#: Newton steps of each profile's Gaussian approximation, from the engine's MAP.
_NEWTON_STEPS = 6
#: Quadrature nodes per lognormal part of an attentive forced-choice candidate's total time.
_FC_TIME_NODES = 24


def forced_choice_answer_probabilities(
    responses: Responses,
    config: SimulationConfig,
    *,
    n_draws: int = 512,
    seed: int = 0,
    chunk_size: int = 128,
    likelihood: str = "exact",
) -> NDArray[np.float64]:
    """Bayes posterior of each profile given forced-choice answers (instrument 2.0).

    The 2.0 form of :func:`answer_probabilities`, for answers simulated by
    :func:`~profilefit.data.simulate.simulate_forced_choice`, with the same mixture of attentive and
    careless responders and the same integration over the responding traits ``r = theta + m*shift``.
    What changes is the block evidence. Given the traits, a block's three statement utilities are
    independent normals (``mu_i + lambda_i * eta``, variance ``psi_i^2``, with ``eta = r`` over the
    population SD: :func:`~profilefit.data.simulate.simulation_model`), and the answer (most ``a``,
    least ``c``, the third ``b`` in the middle) is the event ``t_a > t_b > t_c``:

    - ``"exact"`` (the default): ``P(t_a - t_b > 0, t_b - t_c > 0)``, a bivariate normal orthant
      probability; the two differences correlate ``-psi_b^2 / (s_ab * s_bc)``;
    - ``"pairwise"``: the product of the three pairwise probits, the approximation Thurstonian IRT
      scoring makes (it treats a block's three comparisons as independent given the traits).

    The Gaussian approximation of each profile's posterior (the proposal) uses the pairwise form,
    whose Newton steps are cheap; the importance weights use the chosen likelihood, so the proposal
    changes only the Monte Carlo error.

    Parameters
    ----------
    responses : Responses
        Answers of ``n`` candidates to a forced-choice instrument: blocks, scenario choices, checks, time.
    config : SimulationConfig
        The generative model the answers came from.
    n_draws : int, default=512
    seed : int, default=0
    chunk_size : int, default=128
    likelihood : {"exact", "pairwise"}, default="exact"

    Returns
    -------
    ndarray of shape (n, n_profiles)
        Columns in ``config.profile_ids`` order; rows sum to one.
    """
    from profilefit.core.thurstonian import score
    from profilefit.data.simulate._forced_choice import simulation_model  # imports this module's package

    instrument = responses.instrument
    if instrument.format != "forced_choice":
        raise ValueError(f"instrument {instrument.id} {instrument.version} has no blocks; use answer_probabilities")
    if likelihood not in BLOCK_LIKELIHOODS:
        raise ValueError(f"likelihood must be one of {BLOCK_LIKELIHOODS}, got {likelihood!r}")
    if n_draws < 1 or chunk_size < 1:
        raise ValueError(f"n_draws and chunk_size must be at least 1; got {n_draws}, {chunk_size}")
    if any(len(block.statements) != 3 for block in instrument.blocks):
        raise ValueError("the forced-choice Bayes classifier reads blocks of three statements (triplets)")
    model = simulation_model(instrument, config)
    params = item_parameters(instrument, config)
    population = np.sqrt(np.diag(_population_covariance(config)))
    ranked = ranked_statements(responses.blocks)  # (n, n_blocks, 3): most, middle, least; -1 blank
    start = score(model, responses.block_positions()).estimate * population[None, :]  # MAP, in r units
    rng = np.random.default_rng(seed)
    posterior = np.empty((len(responses), len(config.profile_ids)))
    attentive = (
        _check_log_likelihood(instrument, config, responses)
        + _forced_choice_time_log_density(instrument, config, responses.seconds)
        + np.log1p(-config.careless_share)
    )
    careless = _forced_choice_careless(instrument, responses) + np.log(max(config.careless_share, 1e-300))
    for first in range(0, len(responses), chunk_size):
        rows = slice(first, first + chunk_size)
        log_joint = _forced_choice_log_joint(
            config,
            params,
            model,
            population,
            ranked[rows],
            responses.choices[rows],
            start[rows],
            n_draws,
            rng,
            likelihood,
        )
        attentive_joint = log_joint.copy()
        log_joint = log_joint + attentive[rows, None]
        if config.careless_share > 0:
            log_joint = np.logaddexp(log_joint, careless[rows, None] + np.log(config.priors)[None, :])
        total = logsumexp(log_joint, axis=1, keepdims=True)
        impossible = ~np.isfinite(total[:, 0])  # as on 1.2: the profile evidence alone decides
        if impossible.any():
            log_joint[impossible] = attentive_joint[impossible]
            total[impossible] = logsumexp(log_joint[impossible], axis=1, keepdims=True)
        posterior[rows] = np.exp(log_joint - total)
    return posterior


def _population_covariance(config: SimulationConfig) -> NDArray[np.float64]:
    """Covariance of the traits over the whole population (the profiles' mixture)."""
    covariance = np.einsum("k,kij->ij", config.priors, config.covariances)
    result: NDArray[np.float64] = covariance + np.einsum("k,ki,kj->ij", config.priors, config.means, config.means)
    return result


def ranked_statements(blocks: NDArray[np.integer]) -> NDArray[np.intp]:
    """Statement indices of each answered triplet in rank order (most, middle, least), -1 for a blank block.

    ``blocks`` holds answer codes (n, n_blocks) of :data:`~profilefit.core.instrument.BLOCK_ANSWERS`;
    statements are numbered block by block, three to a block, as the instrument lists them.

    Examples
    --------
    >>> import numpy as np
    >>> ranked_statements(np.array([[0, -1, 5]])).tolist()  # "ab" (c in the middle), blank, "cb"
    [[[0, 2, 1], [-1, -1, -1], [8, 6, 7]]]
    """
    from profilefit.core.instrument import BLOCK_ANSWERS, BLOCK_LABELS

    order = np.array(
        [
            [
                BLOCK_LABELS.index(code[0]),
                3 - BLOCK_LABELS.index(code[0]) - BLOCK_LABELS.index(code[1]),
                BLOCK_LABELS.index(code[1]),
            ]
            for code in BLOCK_ANSWERS
        ],
        dtype=np.intp,
    )  # (6, 3) positions
    codes = np.asarray(blocks, dtype=np.intp)
    answered = codes >= 0
    start = 3 * np.arange(codes.shape[1])[None, :, None]
    ranked = start + order[np.where(answered, codes, 0)]
    return np.where(answered[..., None], ranked, -1)


def _block_log_likelihood(
    model: ThurstonianModel,
    eta: NDArray[np.float64],
    ranked: NDArray[np.intp],
    likelihood: str,
) -> NDArray[np.float64]:
    """Log probability of the observed rankings at traits ``eta`` (n, S, T), summed over blocks: (n, S)."""
    trait = model.layout.statement_trait
    means = model.utility + model.loading * eta[:, :, trait]  # (n, S, n_statements)
    answered = ranked[:, :, 0] >= 0  # (n, B)
    index = np.where(answered[..., None], ranked, 0)
    psi2 = model.uniqueness[index]  # (n, B, 3)
    picked = np.take_along_axis(means, index.reshape(index.shape[0], 1, -1), axis=2)
    picked = picked.reshape(means.shape[0], means.shape[1], *index.shape[1:])  # (n, S, B, 3)
    if likelihood == "pairwise":
        total = np.zeros(picked.shape[:3])
        for i, j in ((0, 1), (0, 2), (1, 2)):
            sd = np.sqrt(psi2[:, :, i] + psi2[:, :, j])[:, None, :]
            total += log_ndtr((picked[..., i] - picked[..., j]) / sd)
    else:
        s1 = np.sqrt(psi2[:, :, 0] + psi2[:, :, 1])
        s2 = np.sqrt(psi2[:, :, 1] + psi2[:, :, 2])
        rho = -psi2[:, :, 1] / (s1 * s2)  # (n, B)
        h = (picked[..., 0] - picked[..., 1]) / s1[:, None, :]
        k = (picked[..., 1] - picked[..., 2]) / s2[:, None, :]
        total = np.log(np.maximum(orthant_probability(h, k, rho[:, None, :]), 1e-300))
    result: NDArray[np.float64] = (total * answered[:, None, :]).sum(axis=2)
    return result


def orthant_probability(
    h: NDArray[np.float64], k: NDArray[np.float64], rho: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``P(X <= h, Y <= k)`` for standard normals with correlation ``rho`` (|rho| < 1), elementwise.

    ``Phi(h) Phi(k) + (1 / 2 pi) * integral from 0 to asin(rho) of exp(-(h^2 - 2 h k sin t + k^2) / (2 cos^2 t)) dt``
    (Sheppard's formula as Genz 2004 writes it), the integral by Gauss-Legendre; node by node, so
    memory stays at the size of ``h``.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(orthant_probability(np.array(0.0), np.array(0.0), np.array(-0.5))), 6)  # 1/4 + asin(-0.5)/(2 pi)
    0.166667
    """
    # Genz (2004): 12 nodes are accurate to double precision for |rho| < 0.75, 20 beyond.
    nodes, weights = np.polynomial.legendre.leggauss(12 if np.abs(rho).max(initial=0.0) < 0.75 else _ORTHANT_NODES)
    top = np.arcsin(rho)
    hh, kk = h * h + k * k, h * k
    integral = np.zeros(np.broadcast_shapes(h.shape, k.shape, rho.shape))
    for node, weight in zip(nodes, weights, strict=True):
        t = 0.5 * top * (node + 1.0)
        s = np.sin(t)
        integral += weight * np.exp(-(hh - 2.0 * kk * s) / (2.0 * (1.0 - s * s)))
    result: NDArray[np.float64] = ndtr(h) * ndtr(k) + 0.5 * top * integral / (2.0 * np.pi)
    return result


def _pairwise_parts(
    model: ThurstonianModel, ranked: NDArray[np.intp]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each candidate's comparisons as rows ``z = a . eta - g`` won (TIRT form): ``a`` (n, 3B, T), ``g`` (n, 3B).

    Blank blocks get zero rows (no evidence).
    """
    n, n_blocks = ranked.shape[:2]
    n_traits = len(model.design.traits)
    trait = model.layout.statement_trait
    answered = ranked[:, :, 0] >= 0
    index = np.where(answered[..., None], ranked, 0)
    a = np.zeros((n, n_blocks, 3, n_traits))
    g = np.zeros((n, n_blocks, 3))
    rows = np.arange(n)[:, None]
    cols = np.arange(n_blocks)[None, :]
    for pair, (i, j) in enumerate(((0, 1), (0, 2), (1, 2))):
        winner, loser = index[:, :, i], index[:, :, j]
        sd = np.sqrt(model.uniqueness[winner] + model.uniqueness[loser])
        which = np.full(winner.shape, pair, dtype=np.intp)
        np.add.at(a, (rows, cols, which, trait[winner]), model.loading[winner] / sd)
        np.add.at(a, (rows, cols, which, trait[loser]), -model.loading[loser] / sd)
        g[:, :, pair] = (model.utility[loser] - model.utility[winner]) / sd
    a *= answered[:, :, None, None]
    g *= answered[:, :, None]
    return a.reshape(n, 3 * n_blocks, n_traits), g.reshape(n, 3 * n_blocks)


def _forced_choice_log_joint(
    config: SimulationConfig,
    params: ItemParameters,
    model: ThurstonianModel,
    population: NDArray[np.float64],
    ranked: NDArray[np.intp],
    choices: NDArray[np.int16],
    start: NDArray[np.float64],
    n_draws: int,
    rng: np.random.Generator,
    likelihood: str,
) -> NDArray[np.float64]:
    """``log pi_k + log p(blocks, choices | k, attentive)`` for a chunk, shape (chunk, n_profiles)."""
    n, n_traits = ranked.shape[0], len(config.traits)
    centre, chol = _forced_choice_components(config, params, model, population, ranked, choices, start)
    n_components = centre.shape[1]
    component = np.arange(n_draws) % n_components
    normal = rng.standard_normal((n, n_draws, n_traits))
    scale = np.sqrt(_DF / rng.chisquare(_DF, (n, n_draws, 1)))
    responding = centre[:, component] + scale * (chol[:, component] @ normal[..., None])[..., 0]
    log_proposal = _mixture_log_density(responding, centre, chol)
    log_blocks = _block_log_likelihood(model, responding / population, ranked, likelihood)
    log_choices = _choice_log_likelihood(config, params, responding, choices)
    faking = faking_strengths(config, n * n_draws, rng).reshape(n, n_draws)
    traits = responding - faking[:, :, None] * config.unit_shift
    log_profiles = profile_log_densities(traits, config) - 0.5 * n_traits * np.log(2 * np.pi)
    log_weights = log_profiles + (log_blocks + log_choices - log_proposal)[:, :, None]
    result: NDArray[np.float64] = logsumexp(log_weights, axis=1) - np.log(n_draws) + np.log(config.priors)[None, :]
    return result


def _forced_choice_components(
    config: SimulationConfig,
    params: ItemParameters,
    model: ThurstonianModel,
    population: NDArray[np.float64],
    ranked: NDArray[np.intp],
    choices: NDArray[np.int16],
    start: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """One proposal component per profile: the Laplace approximation of its posterior of ``r``.

    Newton's method on ``log N(r; profile, faking spread included) + pairwise block log likelihood
    + scenario log likelihood``, all concave in ``r``, started at the engine's MAP; the covariance
    is the inverse curvature at the end, widened a little.
    """
    a, g = _pairwise_parts(model, ranked)  # in eta units
    a = a / population[None, None, :]  # in r units: eta = r / population
    n_traits = a.shape[2]
    faking_variance = (config.faking * config.faking_sd) ** 2
    prior_covariance = config.covariances + faking_variance * np.outer(config.unit_shift, config.unit_shift)
    prior_precision = np.linalg.inv(prior_covariance)  # (K, T, T)
    prior_mean = config.means + config.shift  # (K, T)
    n_profiles = prior_mean.shape[0]
    points = np.repeat(start[:, None, :], n_profiles, axis=1)  # (n, K, T)
    precision = np.broadcast_to(prior_precision, (start.shape[0], n_profiles, n_traits, n_traits))
    for _ in range(_NEWTON_STEPS):
        z = np.einsum("nct,nkt->nkc", a, points) - g[:, None, :]
        ratio = np.exp(norm_logpdf(z) - log_ndtr(z))  # phi / Phi
        weight = ratio * (z + ratio)  # minus the second derivative of log Phi
        gradient = np.einsum("nkc,nct->nkt", ratio, a) - np.einsum(
            "ktu,nku->nkt", prior_precision, points - prior_mean[None]
        )
        choice_gradient, choice_curvature = _choice_gradient_and_curvature(config, params, points, choices)
        precision = prior_precision[None] + np.einsum("nkc,nct,ncu->nktu", weight, a, a) + choice_curvature
        step = np.linalg.solve(precision, (gradient + choice_gradient)[..., None])[..., 0]
        points = points + step
    chol = np.asarray(np.linalg.cholesky(_WIDEN**2 * np.linalg.inv(precision)), dtype=np.float64)
    return points, chol


def norm_logpdf(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """Log density of the standard normal."""
    result: NDArray[np.float64] = -0.5 * z * z - 0.5 * np.log(2 * np.pi)
    return result


def _forced_choice_time_log_density(
    instrument: Instrument, config: SimulationConfig, seconds: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Log density of an attentive candidate's total time on 2.0: three log-normal paces times their counts.

    Blocks at the instrument's typical block time, checks at ``seconds_per_item``, scenarios at
    ``seconds_per_scenario``, each pace log-normal with ``time_sigma``: the last part's density in
    closed form, the others by Gauss-Hermite quadrature.
    """
    timing = instrument.timing
    typical_block = (timing.block_seconds.low + timing.block_seconds.high) / 2
    parts = [
        (count, median)
        for count, median in (
            (len(instrument.blocks), typical_block),
            (len(instrument.attention_checks), config.seconds_per_item),
            (len(instrument.scenarios), config.seconds_per_scenario),
        )
        if count > 0
    ]
    sigma = config.time_sigma
    if sigma == 0 or len(parts) < 2:  # a point or one log-normal: no evidence about the profile either way
        return np.zeros(seconds.shape)
    observed = np.where(np.isnan(seconds), 1.0, seconds)
    nodes, weights = np.polynomial.hermite.hermgauss(_FC_TIME_NODES)
    weights = weights / np.sqrt(np.pi)
    *integrated, (last_count, last_median) = parts
    spent = np.zeros(1)
    log_weight = np.zeros(1)
    for count, median in integrated:
        pace = np.exp(np.log(median) + sigma * np.sqrt(2) * nodes)
        spent = (spent[:, None] + count * pace[None, :]).ravel()
        log_weight = (log_weight[:, None] + np.log(weights)[None, :]).ravel()
    rest = (observed[:, None] - spent[None, :]) / last_count
    with np.errstate(divide="ignore", invalid="ignore"):
        log_rest = np.log(rest)
        log_density = (
            -0.5 * ((log_rest - np.log(last_median)) / sigma) ** 2
            - log_rest
            - np.log(sigma * np.sqrt(2 * np.pi) * last_count)
        )
    log_density = np.where(rest > 0, log_density, -np.inf)
    result = logsumexp(log_density + log_weight[None, :], axis=1)
    return np.where(np.isnan(seconds), 0.0, result)


def _forced_choice_careless(instrument: Instrument, responses: Responses) -> NDArray[np.float64]:
    """Log likelihood of a careless responder's 2.0 answers, shape (n,).

    Half mark every block at random (one of six answers) and answer the checks at random; half give
    one answer to every block and one point to every check (the simulation's forced-choice
    straight-lining). Scenarios at random; time the sum of three uniforms.
    """
    from profilefit.core.instrument import BLOCK_ANSWERS

    n_codes, n_points = len(BLOCK_ANSWERS), instrument.response_scale.n_points
    blocks = responses.blocks.astype(np.intp)
    answered_blocks = blocks >= 0
    n_blocks = answered_blocks.sum(axis=1)
    checks = responses.checks
    answered_checks = ~np.isnan(checks)
    n_checks = answered_checks.sum(axis=1)
    log_random = -n_blocks * np.log(n_codes) - n_checks * np.log(n_points)
    top = np.max(np.where(answered_blocks, blocks, -1), axis=1, initial=-1)
    bottom = np.min(np.where(answered_blocks, blocks, n_codes), axis=1, initial=n_codes)
    same_blocks = (top == bottom) | (n_blocks == 0)
    first = np.nanmax(checks, axis=1, initial=-np.inf, where=answered_checks)
    last = np.nanmin(checks, axis=1, initial=np.inf, where=answered_checks)
    same_checks = (first == last) | (n_checks == 0)
    log_straight = np.where(
        same_blocks & same_checks,
        -np.log(n_codes) * (n_blocks > 0) - np.log(n_points) * (n_checks > 0),
        -np.inf,
    )
    log_answers = np.logaddexp(log_random, log_straight) - np.log(2)
    options = np.array([len(s.options) for s in instrument.scenarios], dtype=np.float64)
    log_choices = -((responses.choices >= 0) * np.log(options)[None, :]).sum(axis=1)
    return log_answers + log_choices + _forced_choice_careless_time(instrument, responses.seconds)


def _forced_choice_careless_time(instrument: Instrument, seconds: NDArray[np.float64]) -> NDArray[np.float64]:
    """Log density of a careless responder's total time on 2.0: a sum of up to three uniforms, exactly.

    For uniforms on ``[l_i, l_i + w_i]`` the density of the sum at ``s`` is
    ``sum over subsets S of (-1)^|S| (s - sum l - sum_S w)_+^(m-1) / ((m-1)! prod w)`` (``m`` parts).
    """
    from itertools import combinations
    from math import factorial

    from profilefit.data.simulate._forced_choice import CARELESS_BLOCK_SHARE

    block_low = instrument.timing.min_seconds_per_block * CARELESS_BLOCK_SHARE[0]
    block_high = instrument.timing.min_seconds_per_block * CARELESS_BLOCK_SHARE[1]
    parts = [
        (count * low, count * (high - low))
        for count, (low, high) in (
            (len(instrument.blocks), (block_low, block_high)),
            (len(instrument.attention_checks), CARELESS_SECONDS_PER_ITEM),
            (len(instrument.scenarios), CARELESS_SCENARIO_SECONDS),
        )
        if count > 0 and high > low
    ]
    if not parts:
        return np.zeros(seconds.shape)
    offset = sum(low for low, _ in parts)
    widths = [width for _, width in parts]
    m = len(widths)
    # Exports round time to 0.1 s, which can put a total just outside the support.
    support_high = offset + sum(widths)
    s = np.clip(seconds, np.minimum(seconds + 0.05, offset), np.maximum(seconds - 0.05, support_high)) - offset
    density = np.zeros(seconds.shape)
    for size in range(m + 1):
        for subset in combinations(widths, size):
            above = s - sum(subset)
            density += (-1) ** size * np.where(above > 0, np.maximum(above, 0.0) ** (m - 1), 0.0)
    density = np.maximum(density, 0.0) / (factorial(m - 1) * float(np.prod(widths)))
    with np.errstate(divide="ignore"):
        return np.where(np.isnan(seconds), 0.0, np.log(density))
