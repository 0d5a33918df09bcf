"""Faking at the level of what is answered: desirability values, conditions and their calibration.

Every agreement statement, scenario option and virtue claim of the shipped instrument carries
a social-desirability value (``desirability``, -2 to +2, our judgement with its reason in the
instrument file). An applicant who fakes adds ``strength * desirability`` to the logit of each
answer: to each graded-response category boundary of a statement, and to the utility of each
scenario option. Four conditions (docs/faking.md says what is sourced and what is assumed):

``honest``
    Nobody fakes.
``applicant``
    The average applicant of the reference simulation: the published applicant-versus-incumbent
    differences of the traits (Birkeland et al. 2006), which is the same as a push of
    ``discrimination * published d`` on each statement; virtue claims get a push of the same size
    per unit of desirability as the generic desirability needs to reproduce that inflation.
``directed``
    An applicant coached for a named role: what looks good in any application plus what the
    role visibly wants (its weighted scales in the direction it prefers, the options of the
    profiles that suit it), with a strength calibrated so that the role's scales inflate by
    Speer et al.'s (2023) single-stimulus figure for context-desirable traits, d = .99.
``maximal``
    The ideal pattern: the directed desirability pushed without bound, so every rated answer
    lands at the end its desirability points to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from profilefit._identity_cache import identity_cache
from profilefit.instrument import Instrument
from profilefit.scoring import score_responses
from profilefit.simulate._config import SimulationConfig

if TYPE_CHECKING:
    from profilefit.fit import RoleProfile

Condition = Literal["honest", "applicant", "directed", "maximal"]
CONDITIONS: tuple[Condition, ...] = ("honest", "applicant", "directed", "maximal")

#: Speer et al. (2023): honest-to-faked increase on single-stimulus scales of traits desirable in
#: the context, d = .99 (.75 over all traits). The directed condition is calibrated to the first.
DIRECTED_TARGET_D = 0.99
#: How much a coach's description of the role adds to a statement's desirability, per unit of the
#: role's normalised weight (in desirability units, so a heavily weighted scale's statements gain
#: up to 2 points): our assumption, with its sensitivity in benchmarks/faking.py.
COACHING = 2.0
#: Push per unit of desirability of the average applicant, in logits: calibrated once so that the
#: generic desirability alone raises the eight observed scale scores by as much, on average, as the
#: published applicant shift of the reference simulation does (about .16 SD; tests/test_faking.py
#: re-measures it). It moves the virtue claims of the ``applicant`` condition.
APPLICANT_STRENGTH = 0.29
#: The maximal pattern: a push so large that every rated answer saturates.
UNBOUNDED = 1000.0
#: Honest answers to virtue claims: a graded-response item on a latent of its own (independent of
#: the eight traits), discriminating 1.5, with high thresholds because the virtues are improbable.
#: Our assumption: about 3 % of honest people strongly agree with one claim, about 10 % agree.
CLAIM_DISCRIMINATION = 1.5
CLAIM_THRESHOLDS = (-1.0, 0.0, 0.8, 1.6, 2.4)


@dataclass(frozen=True, eq=False)
class Presentation:
    """How simulated applicants present themselves, answer by answer.

    Attributes
    ----------
    condition : str
        ``"honest"``, ``"applicant"``, ``"directed"`` or ``"maximal"``.
    role : str or None
        The role a directed or maximal applicant fakes for.
    strength : float
        Logits of push per unit of desirability at a person's faking factor 1.
    trait_shift : bool
        Whether the published applicant shift of the traits applies (the ``applicant`` condition).
    item_shift : ndarray of shape (n_items,)
        Desirability of agreeing with each statement, as this applicant sees it; the push on the
        graded-response logits is ``strength * factor * item_shift``.
    option_shift : list of ndarray of shape (n_options,)
        Desirability of each scenario's options.
    claim_shift : ndarray of shape (n_virtue_claims,)
        Desirability of agreeing with each virtue claim.
    """

    condition: Condition
    role: str | None
    strength: float
    trait_shift: bool
    item_shift: NDArray[np.float64]
    option_shift: list[NDArray[np.float64]]
    claim_shift: NDArray[np.float64]


def desirability(instrument: Instrument) -> tuple[NDArray[np.float64], list[NDArray[np.float64]], NDArray[np.float64]]:
    """The instrument's desirability ratings: statements, options per scenario, virtue claims (0 where unrated)."""
    return _desirability(instrument)


@identity_cache(maxsize=8)
def _desirability(
    instrument: Instrument,
) -> tuple[NDArray[np.float64], list[NDArray[np.float64]], NDArray[np.float64]]:
    items = np.array([item.desirability or 0.0 for item in instrument.items])
    options = [np.array([option.desirability or 0.0 for option in s.options]) for s in instrument.scenarios]
    claims = np.array([instrument.attention_checks[k].desirability or 0.0 for k in instrument.virtue_claim_columns])
    return items, options, claims


def applicant_presentation(instrument: Instrument) -> Presentation:
    """The reference simulation's average applicant (see the module docstring)."""
    items, options, claims = desirability(instrument)
    return Presentation(
        "applicant",
        None,
        APPLICANT_STRENGTH,
        True,
        np.zeros_like(items),
        [np.zeros_like(o) for o in options],
        claims,
    )


def presentation(
    condition: Condition,
    instrument: Instrument,
    *,
    role: RoleProfile | None = None,
    strength: float | None = None,
    rating_error_sd: float = 0.0,
    rating_seed: int = 0,
) -> Presentation:
    """How applicants answer under one faking condition.

    Parameters
    ----------
    condition : {"honest", "applicant", "directed", "maximal"}
    instrument : Instrument
        Answers without a desirability rating count as neutral (0).
    role : RoleProfile, optional
        The role a ``directed`` or ``maximal`` applicant fakes for (required for those).
    strength : float, optional
        Push per unit of desirability for ``directed``; by default
        :func:`calibrate_directed_strength` for the role.
    rating_error_sd : float, default=0
        SD of the difference between the desirability an applicant acts on and our rating of
        it: the sensitivity of everything built on the ratings to their error.
    rating_seed : int, default=0
        Seed of that rating error.

    Returns
    -------
    Presentation
    """
    items, options, claims = desirability(instrument)
    if condition == "honest":
        return Presentation(
            "honest", None, 0.0, False, np.zeros_like(items), [np.zeros_like(o) for o in options], claims
        )
    if condition == "applicant":
        return applicant_presentation(instrument)
    if role is None:
        raise ValueError(f"the {condition!r} condition fakes for a role; pass role=")
    items, options = _coached(instrument, role, items, options)
    if rating_error_sd > 0:
        rng = np.random.default_rng(rating_seed)
        items = items + rng.normal(0.0, rating_error_sd, items.shape)
        options = [o + rng.normal(0.0, rating_error_sd, o.shape) for o in options]
        claims = claims + rng.normal(0.0, rating_error_sd, claims.shape)
    if condition == "maximal":
        push = UNBOUNDED
    elif strength is not None:
        push = float(strength)
    else:
        push = calibrate_directed_strength(instrument, role)
    return Presentation(condition, role.id, push, False, items, options, claims)


def _coached(
    instrument: Instrument, role: RoleProfile, items: NDArray[np.float64], options: list[NDArray[np.float64]]
) -> tuple[NDArray[np.float64], list[NDArray[np.float64]]]:
    """Generic desirability plus what a coach says the role wants."""
    top = max(need.weight for need in role.scales.values())
    coached = items.copy()
    for k, item in enumerate(instrument.items):
        need = role.scales.get(item.scale)
        if need is not None:
            toward = (-1.0 if item.reverse else 1.0) * (-1.0 if need.direction == "lower" else 1.0)
            coached[k] += COACHING * toward * need.weight / top
    suitability = np.array(list(role.profiles.values()))
    centre, spread = suitability.mean(), max(float(np.ptp(suitability)), 1e-9)
    coached_options = []
    for scenario, values in zip(instrument.scenarios, options, strict=True):
        pull = np.array([(role.profiles.get(o.key, centre) - centre) / spread for o in scenario.options])
        coached_options.append(values + COACHING * pull)
    return np.clip(coached, -4.0, 4.0), coached_options


def _claim_thresholds(n_boundaries: int) -> NDArray[np.float64]:
    """``CLAIM_THRESHOLDS`` spread over a response scale's category boundaries (5 on a 1-6 scale)."""
    spread = np.interp(np.linspace(0, 1, n_boundaries), np.linspace(0, 1, len(CLAIM_THRESHOLDS)), CLAIM_THRESHOLDS)
    return np.asarray(spread, dtype=np.float64)


def virtue_claim_answers(
    instrument: Instrument,
    presentation: Presentation,
    push: NDArray[np.float64],
    rng: np.random.Generator,
    careless_rows: NDArray[np.intp],
    line: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Answers to the virtue claims, shape (n, n_claims); careless responders straight-line or answer at random."""
    n = push.shape[0]
    low, high = instrument.response_scale.min, instrument.response_scale.max
    k = len(instrument.virtue_claim_columns)
    base = _claim_thresholds(high - low)
    latent = rng.standard_normal((n,))
    logits = CLAIM_DISCRIMINATION * (latent[:, None, None] - base[None, None, :])
    logits = logits + (push[:, None] * presentation.claim_shift[None, :])[:, :, None]
    at_least = 1.0 / (1.0 + np.exp(-np.clip(logits, -50.0, 50.0)))
    answers = low + (rng.random((n, k, 1)) < at_least).sum(axis=2).astype(np.float64)
    if careless_rows.size:
        at_random = rng.integers(low, high + 1, size=(careless_rows.size, k)).astype(np.float64)
        answers[careless_rows] = np.where(np.isnan(line), at_random, line)
    return answers


def calibrate_directed_strength(
    instrument: Instrument,
    role: RoleProfile,
    *,
    target_d: float = DIRECTED_TARGET_D,
    n: int = 4000,
    seed: int = 20261206,
) -> float:
    """The push per unit of desirability at which the role's scales inflate by ``target_d``.

    Inflation is the mean, over the role's weighted scales, of the shift of attentive
    applicants' scale scores in the direction the role prefers, in SD of their honest scores;
    the same people answer honestly and faked with the same response noise. Found by bisection.
    """
    return _calibrated(instrument, role, round(target_d, 6), n, seed)


@identity_cache(maxsize=16)
def _calibrated(instrument: Instrument, role: RoleProfile, target_d: float, n: int, seed: int) -> float:
    low, high = 0.0, 4.0
    for _ in range(30):
        middle = (low + high) / 2
        if role_scale_inflation(instrument, role, middle, n=n, seed=seed) < target_d:
            low = middle
        else:
            high = middle
        if high - low < 1e-3:
            break
    return round((low + high) / 2, 3)


def role_scale_inflation(
    instrument: Instrument, role: RoleProfile, strength: float, *, n: int = 4000, seed: int = 20261206
) -> float:
    """Mean inflation of the role's weighted scales (in honest SD) under directed faking at ``strength``."""
    from profilefit.simulate._generate import simulate  # _generate imports this module

    config = SimulationConfig.reference(careless_share=0.0, faking_sd=0.0, faking=1.0)
    honest = simulate(
        n, seed=seed, config=config, instrument=instrument, presentation=presentation("honest", instrument)
    )
    directed = presentation("directed", instrument, role=role, strength=strength)
    faked = simulate(n, seed=seed, config=config, instrument=instrument, presentation=directed)
    before = score_responses(honest.responses).scales
    after = score_responses(faked.responses).scales
    shifts = []
    for scale_id, need in role.scales.items():
        column = instrument.scale_ids.index(scale_id)
        sign = -1.0 if need.direction == "lower" else 1.0
        shifts.append(sign * (after[:, column] - before[:, column]).mean() / before[:, column].std())
    return float(np.mean(shifts))


def claim_answer_probabilities(instrument: Instrument, config: SimulationConfig) -> NDArray[np.float64]:
    """Chance of each answer to each virtue claim of an attentive average applicant, shape (n_claims, n_points).

    The claims' own latent is integrated out by Gauss-Hermite quadrature, and the person's faking
    factor over quantiles of its gamma distribution (:func:`profilefit.simulate.faking_strengths`).
    """
    from scipy.stats import gamma

    low, high = instrument.response_scale.min, instrument.response_scale.max
    base = _claim_thresholds(high - low)
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    weights = weights / weights.sum()
    if config.faking_sd == 0:
        factors = np.array([config.faking])
    else:
        shape = 1.0 / config.faking_sd**2
        factors = config.faking * gamma.ppf((np.arange(64) + 0.5) / 64, shape, scale=1.0 / shape)
    claims = applicant_presentation(instrument).claim_shift
    push = APPLICANT_STRENGTH * factors[:, None, None] * claims[None, :, None]  # (factors, claims, 1)
    logits = CLAIM_DISCRIMINATION * (nodes[None, None, :, None] - base) + push[..., None]  # (f, c, nodes, k)
    at_least = 1.0 / (1.0 + np.exp(-np.clip(logits, -50.0, 50.0)))
    bounds = np.concatenate([np.ones((*at_least.shape[:3], 1)), at_least, np.zeros((*at_least.shape[:3], 1))], axis=3)
    categories = bounds[..., :-1] - bounds[..., 1:]  # (f, c, nodes, n_points)
    result: NDArray[np.float64] = np.einsum("fcnk,n->ck", categories, weights) / factors.size
    return result
