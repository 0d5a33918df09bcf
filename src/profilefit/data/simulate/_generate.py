"""Draw simulated candidates: profiles, latent traits, and their answers to an instrument.

The model, step by step (docs/simulation.md gives the reasons and sources):

1. A profile is drawn from the profile shares.
2. Latent traits are multivariate normal around the profile's mean with correlated
   traits and a spread of the profile's own, so profiles overlap as people do and
   their covariances differ.
3. A share of candidates respond carelessly.
4. Applicants answer from their traits plus a faking shift on desirable traits,
   whose strength varies between people.
5. Agreement items follow a graded-response model: the chance of answering in
   category ``k`` or above is ``logistic(a * (s * theta - b_k))`` with the item's
   discrimination ``a``, keying sign ``s`` and thresholds ``b``.
6. Each situational scenario is a multinomial-logit choice: an option is more
   attractive the more the candidate's traits point along the option's own
   loadings, which lie near (not on) the direction of the profile it is keyed to.
7. Attention checks and completion times follow the candidate's care.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from profilefit.core.identity_cache import identity_cache
from profilefit.core.instrument import Instrument, load_instrument
from profilefit.core.scoring import NO_ANSWER, Responses, cronbach_alpha
from profilefit.data.simulate._config import SimulationConfig
from profilefit.data.simulate._presentation import Presentation, applicant_presentation, virtue_claim_answers

#: Careless responders take a uniform time per agreement item and per scenario in these ranges (seconds).
CARELESS_SECONDS_PER_ITEM = (0.8, 2.0)
CARELESS_SCENARIO_SECONDS = (5.0, 15.0)


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
    faking : ndarray of shape (n,), optional
        Each person's faking strength: the multiple of ``config.faking_shift`` added to the
        traits they answer from (``config.faking`` on average). ``None`` means everyone
        faked with ``config.faking``.
    """

    responses: Responses
    profiles: NDArray[np.str_]
    traits: NDArray[np.float64]
    careless: NDArray[np.bool_]
    config: SimulationConfig
    faking: NDArray[np.float64] | None = None


@dataclass(frozen=True, eq=False)
class ItemParameters:
    """Fixed graded-response parameters of every item and scenario option."""

    discrimination: NDArray[np.float64]  # (n_items,)
    thresholds: NDArray[np.float64]  # (n_items, n_points - 1)
    trait_index: NDArray[np.intp]  # (n_items,)
    sign: NDArray[np.float64]  # (n_items,): -1 for reverse-keyed items
    option_popularity: list[NDArray[np.float64]]  # per scenario, (n_options,)
    option_loadings: list[NDArray[np.float64]]  # per scenario, (n_options, n_traits)


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
    directions = config.means / np.linalg.norm(config.means, axis=1, keepdims=True)
    loadings = []
    for scenario in instrument.scenarios:
        try:
            keyed = [config.profile_ids.index(option.key) for option in scenario.options]
        except ValueError:
            raise ValueError(
                f"scenario {scenario.id!r} has an option keyed to something other than a profile "
                f"({[o.key for o in scenario.options]}); the simulation needs options keyed to {config.profile_ids}"
            ) from None
        # Each option is its own behaviour: near its profile's direction, never exactly on it.
        own = rng.normal(0.0, config.sjt_loading_sd, (len(keyed), len(config.traits)))
        loadings.append(directions[keyed] + own)
    return ItemParameters(discrimination, thresholds, trait_index, sign, popularity, loadings)


def simulate(
    n: int,
    *,
    seed: int = 0,
    config: SimulationConfig | None = None,
    instrument: Instrument | None = None,
    id_prefix: str = "sim",
    presentation: Presentation | None = None,
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
    presentation : Presentation, optional
        How the candidates fake (:func:`profilefit.data.simulate.presentation`: honest, average
        applicant, directed at a role, or the maximal pattern); by default as the average
        applicant. The same seed gives the same people and the same response noise under every
        presentation.

    Returns
    -------
    Simulation

    Examples
    --------
    >>> from profilefit.data.simulate import simulate
    >>> sim = simulate(5, seed=1)
    >>> sim.responses.items.shape
    (5, 48)
    """
    config = config or SimulationConfig.reference()
    instrument = instrument or load_instrument()
    if instrument.format == "forced_choice":
        raise ValueError(
            f"instrument {instrument.id} {instrument.version} is forced choice: simulate it with "
            "profilefit.data.simulate.simulate_forced_choice"
        )
    people = draw_people(n, seed, config, id_prefix)
    responses = answer(
        instrument,
        config,
        people.traits,
        people.careless,
        people.rng,
        people.candidate_ids,
        faking=people.faking,
        presentation=presentation,
    )
    return Simulation(responses, people.profiles, people.traits, people.careless, config, people.faking)


@dataclass(frozen=True, eq=False)
class People:
    """Simulated people before they answer: who they are, and the generator their answers draw from."""

    candidate_ids: NDArray[np.str_]
    profiles: NDArray[np.str_]
    traits: NDArray[np.float64]
    careless: NDArray[np.bool_]
    faking: NDArray[np.float64]
    rng: np.random.Generator


def draw_people(n: int, seed: int, config: SimulationConfig, id_prefix: str = "sim") -> People:
    """Steps 1-4 of the model: profiles, traits, carelessness and faking strength, from ``seed``.

    Both formats draw people this way, so one seed gives the same people on instrument 1.2 and 2.0.
    """
    rng = np.random.default_rng(seed)
    profile_index = rng.choice(len(config.profile_ids), size=n, p=config.priors)
    chol = np.linalg.cholesky(config.correlation_matrix)
    spread = config.sds[profile_index] * (rng.standard_normal((n, len(config.traits))) @ chol.T)
    traits = config.means[profile_index] + spread
    careless = rng.random(n) < config.careless_share
    faking = faking_strengths(config, n, rng)
    ids = np.array([f"{id_prefix}-{seed}-{k:07d}" for k in range(n)], dtype=np.str_)
    profiles = np.asarray(config.profile_ids, dtype=np.str_)[profile_index]
    return People(ids, profiles, traits, careless, faking, rng)


def faking_strengths(config: SimulationConfig, n: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """Each person's faking strength: ``config.faking`` times a gamma factor of mean 1 and SD ``faking_sd``.

    A gamma factor is never negative (nobody fakes toward the undesirable end) and keeps the
    average shift at the published applicant-versus-incumbent difference.
    """
    if config.faking_sd == 0:
        return np.full(n, config.faking)
    shape = 1.0 / config.faking_sd**2
    return config.faking * rng.gamma(shape, 1.0 / shape, n)


def retest(simulation: Simulation, *, seed: int, instrument: Instrument | None = None) -> Simulation:
    """The same simulated people answering the same instrument a second time.

    Traits, carelessness and faking strength stay; only the response noise is drawn anew.
    Used for classification consistency.
    """
    instrument = instrument or simulation.responses.instrument
    rng = np.random.default_rng(seed)
    responses = answer(
        instrument,
        simulation.config,
        simulation.traits,
        simulation.careless,
        rng,
        simulation.responses.candidate_ids,
        faking=simulation.faking,
    )
    return Simulation(
        responses, simulation.profiles, simulation.traits, simulation.careless, simulation.config, simulation.faking
    )


def answer(
    instrument: Instrument,
    config: SimulationConfig,
    traits: NDArray[np.float64],
    careless: NDArray[np.bool_],
    rng: np.random.Generator,
    candidate_ids: NDArray[np.str_],
    *,
    faking: NDArray[np.float64] | None = None,
    presentation: Presentation | None = None,
) -> Responses:
    """Generate answers of people with given traits; see the module docstring for the model.

    ``faking`` is each person's faking strength (see :func:`faking_strengths`); by default
    everyone fakes with the config's average strength. ``presentation`` says how they fake
    (:func:`profilefit.data.simulate.presentation`); by default as the average applicant of the
    reference simulation: the published applicant-versus-incumbent shift of the traits.
    The same ``rng`` state gives the same response noise under every presentation, so one
    seed answered honestly and faked gives paired records of the same people.
    """
    n = traits.shape[0]
    params = item_parameters(instrument, config)
    low = instrument.response_scale.min
    presentation = presentation or applicant_presentation(instrument)
    strength = np.full(n, config.faking) if faking is None else np.asarray(faking, dtype=np.float64)
    push = strength * presentation.strength  # (n,): logit units per unit of desirability
    responding = traits
    if presentation.trait_shift:  # applicants present themselves better on the published traits
        responding = traits + strength[:, None] * config.unit_shift[None, :]

    # Graded-response items: P(answer >= low + k) for k = 1..n_points-1, plus the pull of desirability.
    theta = responding[:, params.trait_index] * params.sign  # (n, n_items)
    logits = params.discrimination[None, :, None] * (theta[:, :, None] - params.thresholds[None, :, :])
    if presentation.item_shift.any():
        logits = logits + (push[:, None] * presentation.item_shift[None, :])[:, :, None]
    at_least = _logistic(logits)
    uniform = rng.random((n, len(instrument.items), 1))
    items = low + (uniform < at_least).sum(axis=2).astype(np.float64)

    choices = _situational_choices(instrument, config, params, responding, rng, push, presentation)
    instructed = list(instrument.instructed_columns)
    checks = np.full((n, len(instrument.attention_checks)), np.nan)
    answered_checks = instructed_check_answers(instrument, config, n, rng)

    per_item = np.exp(rng.normal(np.log(config.seconds_per_item), config.time_sigma, n))
    per_scenario = np.exp(rng.normal(np.log(config.seconds_per_scenario), config.time_sigma, n))
    n_agreement = len(instrument.items) + len(instrument.attention_checks)
    seconds = per_item * n_agreement + per_scenario * len(instrument.scenarios)

    rows = np.flatnonzero(careless)
    line = np.empty((0, 1))
    if rows.size:
        line = _careless_answers(instrument, rng, rows, items, choices, answered_checks, seconds)
    checks[:, instructed] = answered_checks
    # Virtue claims come last, from the same generator, so that adding them left every earlier
    # draw (and the reference model trained on them) unchanged.
    claims = list(instrument.virtue_claim_columns)
    if claims:
        checks[:, claims] = virtue_claim_answers(instrument, presentation, push, rng, rows, line)
    # No forced-choice answers yet: every block of a 2.0 instrument is left unanswered here.
    blocks = np.full((n, len(instrument.blocks)), NO_ANSWER, dtype=np.int8)
    return Responses(instrument, candidate_ids, items, choices, checks, np.round(seconds, 1), blocks)


def instructed_check_answers(
    instrument: Instrument, config: SimulationConfig, n: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Attentive answers to the instructed checks, shape (n, n_instructed): as asked, bar a small error rate."""
    low, high = instrument.response_scale.min, instrument.response_scale.max
    expected = np.array(
        [instrument.attention_checks[k].expected for k in instrument.instructed_columns], dtype=np.float64
    )
    answered = np.tile(expected, (n, 1))
    missed = rng.random(answered.shape) < config.attention_error_rate
    answered[missed] = np.clip(answered[missed] + rng.choice([-1.0, 1.0], size=int(missed.sum())), low, high)
    return answered


def _logistic(logits: NDArray[np.float64]) -> NDArray[np.float64]:
    # Clipped so that an unbounded push (the maximal pattern) saturates without overflow warnings.
    result: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-np.clip(logits, -50.0, 50.0)))
    return result


def _situational_choices(
    instrument: Instrument,
    config: SimulationConfig,
    params: ItemParameters,
    responding: NDArray[np.float64],
    rng: np.random.Generator,
    push: NDArray[np.float64],
    presentation: Presentation,
) -> NDArray[np.int16]:
    n = responding.shape[0]
    choices = np.empty((n, len(instrument.scenarios)), dtype=np.int16)
    for column in range(len(instrument.scenarios)):
        utility = option_utilities(config, params, column, responding)
        shift = presentation.option_shift[column]
        if shift.any():
            utility = utility + np.clip(push[:, None] * shift[None, :], -50.0, 50.0)
        utility += rng.gumbel(size=utility.shape)
        choices[:, column] = utility.argmax(axis=1)
    return choices


def option_utilities(
    config: SimulationConfig, params: ItemParameters, scenario: int, responding: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Systematic attraction of each option of one scenario, shape (..., n_options), before the Gumbel noise."""
    pull = responding @ params.option_loadings[scenario].T
    result: NDArray[np.float64] = config.sjt_sensitivity * pull + params.option_popularity[scenario]
    return result


def _careless_answers(
    instrument: Instrument,
    rng: np.random.Generator,
    rows: NDArray[np.intp],
    items: NDArray[np.float64],
    choices: NDArray[np.int16],
    checks: NDArray[np.float64],
    seconds: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Overwrite answers of careless responders: half at random, half straight-lined, all fast.

    Returns each careless responder's straight-lined answer, ``nan`` for those who answered at random.
    """
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
    n_agreement = len(instrument.items) + len(instrument.attention_checks)
    seconds[rows] = rng.uniform(*CARELESS_SECONDS_PER_ITEM, k) * n_agreement + rng.uniform(
        *CARELESS_SCENARIO_SECONDS, k
    ) * len(instrument.scenarios)
    result: NDArray[np.float64] = np.where(straight[:, None], line, np.nan)
    return result


def oracle_probabilities(traits: NDArray[np.float64], config: SimulationConfig) -> NDArray[np.float64]:
    """Bayes posterior of each profile given the true latent traits: the accuracy ceiling.

    With profile means ``mu_k``, profile covariances ``Sigma_k`` (which differ between
    profiles when ``config.profile_sds`` says so) and shares ``pi_k``, ``P(k | theta)`` is
    proportional to ``pi_k * N(theta; mu_k, Sigma_k)``.

    Returns
    -------
    ndarray of shape (n, n_profiles)
    """
    log_posterior = profile_log_densities(traits, config) + np.log(config.priors)[None, :]
    log_posterior -= log_posterior.max(axis=1, keepdims=True)
    posterior = np.exp(log_posterior)
    result: NDArray[np.float64] = posterior / posterior.sum(axis=1, keepdims=True)
    return result


def profile_log_densities(traits: NDArray[np.float64], config: SimulationConfig) -> NDArray[np.float64]:
    """Log density of traits under each profile's normal distribution, shape (..., n_profiles).

    Constants shared by all profiles are left out; the log-determinant, which differs
    between profiles of different spread, is kept.
    """
    whitening = np.linalg.inv(np.linalg.cholesky(config.covariances))  # (n_profiles, n_traits, n_traits)
    log_det = 2 * np.log(np.diagonal(np.linalg.cholesky(config.covariances), axis1=1, axis2=2)).sum(axis=1)
    result = np.empty((*traits.shape[:-1], len(config.profile_ids)))
    for k, (mean, whiten) in enumerate(zip(config.means, whitening, strict=True)):
        standard = (traits - mean) @ whiten.T
        result[..., k] = -0.5 * ((standard * standard).sum(axis=-1) + log_det[k])
    return result


def situational_consistency(responses: Responses) -> dict[str, float]:
    """Internal consistency of each situational score: KR-20 over the scenarios that offer its behaviour.

    A situational score counts how often a candidate chose the option keyed to one behaviour
    (docs/scoring.md). Its items are the scenarios that offer such an option, each scored 1
    when that option was chosen; KR-20 is Cronbach's alpha of those 0/1 items. Candidates who
    left any of them blank are left out.

    Returns
    -------
    dict of str to float
        One value per situational key, in ``instrument.situational_keys`` order (``nan`` for a
        key offered in fewer than two scenarios).
    """
    instrument = responses.instrument
    result = {}
    for key in instrument.situational_keys:
        offered = [
            (column, [k for k, option in enumerate(scenario.options) if option.key == key])
            for column, scenario in enumerate(instrument.scenarios)
        ]
        offered = [(column, keyed) for column, keyed in offered if keyed]
        if len(offered) < 2:
            result[key] = float("nan")
            continue
        columns = [column for column, _ in offered]
        chosen = np.column_stack([np.isin(responses.choices[:, column], keyed) for column, keyed in offered])
        answered = np.all(responses.choices[:, columns] >= 0, axis=1)
        result[key] = cronbach_alpha(chosen[answered].astype(np.float64))
    return result
