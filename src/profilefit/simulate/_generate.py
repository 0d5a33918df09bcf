"""Draw simulated candidates: profiles, latent traits, and their answers to an instrument.

The model, step by step (docs/simulation.md gives the reasons and sources):

1. A profile is drawn from the profile shares.
2. Latent traits are multivariate normal around the profile's mean with a shared,
   correlated covariance, so profiles overlap as people do.
3. A share of candidates respond carelessly.
4. Applicants answer from their traits plus a faking shift on desirable traits.
5. Agreement items follow a graded-response model: the chance of answering in
   category ``k`` or above is ``logistic(a * (s * theta - b_k))`` with the item's
   discrimination ``a``, keying sign ``s`` and thresholds ``b``.
6. Each situational scenario is a multinomial-logit choice: an option keyed to a
   profile is more attractive the more the candidate's traits point in that
   profile's direction.
7. Attention checks and completion times follow the candidate's care.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from profilefit._identity_cache import identity_cache
from profilefit.instrument import Instrument, load_instrument
from profilefit.scoring import Responses
from profilefit.simulate._config import SimulationConfig


@dataclass(frozen=True, eq=False)
class Simulation:
    """Simulated candidates: what they answered and, unlike real data, who they really are.

    Attributes
    ----------
    responses : Responses
        Their answers, as an assessment export would hold them.
    profiles : ndarray of str, shape (n,)
        The true profile of each candidate.
    traits : ndarray of shape (n, n_traits)
        The true latent traits.
    careless : ndarray of bool, shape (n,)
        Whether the candidate answered carelessly.
    config : SimulationConfig
    """

    responses: Responses
    profiles: NDArray[np.str_]
    traits: NDArray[np.float64]
    careless: NDArray[np.bool_]
    config: SimulationConfig


@dataclass(frozen=True, eq=False)
class ItemParameters:
    """Fixed graded-response parameters of every item and scenario option."""

    discrimination: NDArray[np.float64]  # (n_items,)
    thresholds: NDArray[np.float64]  # (n_items, n_points - 1)
    trait_index: NDArray[np.intp]  # (n_items,)
    sign: NDArray[np.float64]  # (n_items,): -1 for reverse-keyed items
    option_popularity: list[NDArray[np.float64]]  # per scenario, (n_options,)


def item_parameters(instrument: Instrument, config: SimulationConfig) -> ItemParameters:
    """Draw the fixed item parameters from ``config.item_seed`` (the same items every time)."""
    return _item_parameters(instrument, config)


@identity_cache(maxsize=8)
def _item_parameters(instrument: Instrument, config: SimulationConfig) -> ItemParameters:
    if tuple(config.traits) != instrument.scale_ids:
        raise ValueError(
            f"the simulation's traits {config.traits} must match the instrument's scales {list(instrument.scale_ids)}"
        )
    rng = np.random.default_rng(config.item_seed)
    n_items = len(instrument.items)
    n_thresholds = instrument.response_scale.n_points - 1
    base = np.interp(
        np.linspace(0, 1, n_thresholds), np.linspace(0, 1, len(config.thresholds)), np.asarray(config.thresholds)
    )
    discrimination = rng.uniform(config.discrimination_low, config.discrimination_high, n_items)
    offsets = rng.normal(0.0, config.threshold_jitter, (n_items, 1))
    trait_index = np.array([instrument.scale_ids.index(item.scale) for item in instrument.items], dtype=np.intp)
    sign = np.array([-1.0 if item.reverse else 1.0 for item in instrument.items])
    # Desirable statements are endorsed more readily and their reverse-keyed, undesirable
    # opposites less readily: the shift follows the keying.
    thresholds = base[None, :] - config.agree_shift * sign[:, None] + offsets
    popularity = [rng.normal(0.0, config.sjt_popularity_sd, len(s.options)) for s in instrument.scenarios]
    return ItemParameters(discrimination, thresholds, trait_index, sign, popularity)


def simulate(
    n: int,
    *,
    seed: int = 0,
    config: SimulationConfig | None = None,
    instrument: Instrument | None = None,
    id_prefix: str = "sim",
) -> Simulation:
    """Simulate ``n`` candidates answering an instrument.

    Parameters
    ----------
    n : int
        Number of candidates.
    seed : int, default=0
        Seed of everything random about these candidates; the same seed gives the same data.
    config : SimulationConfig, optional
        The generative assumptions; by default the reference simulation.
    instrument : Instrument, optional
        The questionnaire; by default the shipped customer-contact instrument.
    id_prefix : str, default="sim"
        Candidate ids are ``f"{id_prefix}-{seed}-{k:07d}"``.

    Returns
    -------
    Simulation

    Examples
    --------
    >>> from profilefit.simulate import simulate
    >>> sim = simulate(5, seed=1)
    >>> sim.responses.items.shape
    (5, 48)
    """
    config = config or SimulationConfig.reference()
    instrument = instrument or load_instrument()
    rng = np.random.default_rng(seed)
    profile_index = rng.choice(len(config.profile_ids), size=n, p=config.priors)
    chol = np.linalg.cholesky(config.correlation_matrix)
    traits = config.means[profile_index] + rng.standard_normal((n, len(config.traits))) @ chol.T
    careless = rng.random(n) < config.careless_share
    ids = np.array([f"{id_prefix}-{seed}-{k:07d}" for k in range(n)], dtype=np.str_)
    responses = answer(instrument, config, traits, careless, rng, ids)
    profiles = np.asarray(config.profile_ids, dtype=np.str_)[profile_index]
    return Simulation(responses, profiles, traits, careless, config)


def retest(simulation: Simulation, *, seed: int, instrument: Instrument | None = None) -> Simulation:
    """The same simulated people answering the same instrument a second time.

    Traits and carelessness stay; only the response noise is drawn anew. Used for
    classification consistency.
    """
    instrument = instrument or simulation.responses.instrument
    rng = np.random.default_rng(seed)
    responses = answer(
        instrument, simulation.config, simulation.traits, simulation.careless, rng, simulation.responses.candidate_ids
    )
    return Simulation(responses, simulation.profiles, simulation.traits, simulation.careless, simulation.config)


def answer(
    instrument: Instrument,
    config: SimulationConfig,
    traits: NDArray[np.float64],
    careless: NDArray[np.bool_],
    rng: np.random.Generator,
    candidate_ids: NDArray[np.str_],
) -> Responses:
    """Generate answers of people with given traits; see the module docstring for the model."""
    n = traits.shape[0]
    params = item_parameters(instrument, config)
    low, high = instrument.response_scale.min, instrument.response_scale.max
    responding = traits + config.shift  # applicants present themselves a little better

    # Graded-response items: P(answer >= low + k) for k = 1..n_points-1.
    theta = responding[:, params.trait_index] * params.sign  # (n, n_items)
    logits = params.discrimination[None, :, None] * (theta[:, :, None] - params.thresholds[None, :, :])
    at_least = 1.0 / (1.0 + np.exp(-logits))
    uniform = rng.random((n, len(instrument.items), 1))
    items = low + (uniform < at_least).sum(axis=2).astype(np.float64)

    choices = _situational_choices(instrument, config, params, responding, rng)
    checks = np.tile(np.array([c.expected for c in instrument.attention_checks], dtype=np.float64), (n, 1))
    missed = rng.random(checks.shape) < config.attention_error_rate
    checks[missed] = np.clip(checks[missed] + rng.choice([-1.0, 1.0], size=int(missed.sum())), low, high)

    per_item = np.exp(rng.normal(np.log(config.seconds_per_item), config.time_sigma, n))
    per_scenario = np.exp(rng.normal(np.log(config.seconds_per_scenario), config.time_sigma, n))
    n_agreement = len(instrument.items) + len(instrument.attention_checks)
    seconds = per_item * n_agreement + per_scenario * len(instrument.scenarios)

    rows = np.flatnonzero(careless)
    if rows.size:
        _careless_answers(instrument, rng, rows, items, choices, checks, seconds)
    return Responses(instrument, candidate_ids, items, choices, checks, np.round(seconds, 1))


def _situational_choices(
    instrument: Instrument,
    config: SimulationConfig,
    params: ItemParameters,
    responding: NDArray[np.float64],
    rng: np.random.Generator,
) -> NDArray[np.int16]:
    n = responding.shape[0]
    choices = np.empty((n, len(instrument.scenarios)), dtype=np.int16)
    directions = config.means / np.linalg.norm(config.means, axis=1, keepdims=True)
    pull = responding @ directions.T  # (n, n_profiles): how far each person leans toward each profile
    for column, scenario in enumerate(instrument.scenarios):
        try:
            keyed = [config.profile_ids.index(option.key) for option in scenario.options]
        except ValueError:
            raise ValueError(
                f"scenario {scenario.id!r} has an option keyed to something other than a profile "
                f"({[o.key for o in scenario.options]}); the simulation needs options keyed to {config.profile_ids}"
            ) from None
        utility = config.sjt_sensitivity * pull[:, keyed] + params.option_popularity[column][None, :]
        utility += rng.gumbel(size=utility.shape)
        choices[:, column] = utility.argmax(axis=1)
    return choices


def _careless_answers(
    instrument: Instrument,
    rng: np.random.Generator,
    rows: NDArray[np.intp],
    items: NDArray[np.float64],
    choices: NDArray[np.int16],
    checks: NDArray[np.float64],
    seconds: NDArray[np.float64],
) -> None:
    """Overwrite answers of careless responders: half at random, half straight-lined, all fast."""
    low, high = instrument.response_scale.min, instrument.response_scale.max
    k = rows.size
    straight = rng.random(k) < 0.5
    random_answers = rng.integers(low, high + 1, size=(k, items.shape[1])).astype(np.float64)
    line = rng.integers(low, high + 1, size=(k, 1)).astype(np.float64)
    items[rows] = np.where(straight[:, None], line, random_answers)
    for column, scenario in enumerate(instrument.scenarios):
        choices[rows, column] = rng.integers(0, len(scenario.options), size=k)
    if checks.shape[1]:
        checks[rows] = np.where(
            straight[:, None], line, rng.integers(low, high + 1, size=(k, checks.shape[1])).astype(np.float64)
        )
    n_agreement = items.shape[1] + checks.shape[1]
    seconds[rows] = rng.uniform(0.8, 2.0, k) * n_agreement + rng.uniform(5, 15, k) * len(instrument.scenarios)


def oracle_probabilities(traits: NDArray[np.float64], config: SimulationConfig) -> NDArray[np.float64]:
    """Bayes posterior of each profile given the true latent traits: the accuracy ceiling.

    With profile means ``mu_k``, shared covariance ``Sigma`` and shares ``pi_k``,
    ``P(k | theta)`` is proportional to ``pi_k * N(theta; mu_k, Sigma)``.

    Returns
    -------
    ndarray of shape (n, n_profiles)
    """
    precision = np.linalg.inv(config.correlation_matrix)
    centred = traits[:, None, :] - config.means[None, :, :]
    log_density = -0.5 * np.einsum("npi,ij,npj->np", centred, precision, centred)
    log_posterior = log_density + np.log(config.priors)[None, :]
    log_posterior -= log_posterior.max(axis=1, keepdims=True)
    posterior = np.exp(log_posterior)
    return posterior / posterior.sum(axis=1, keepdims=True)
