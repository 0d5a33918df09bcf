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

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from profilefit.core.identity_cache import identity_cache
from profilefit.core.instrument import Instrument, load_instrument
from profilefit.core.scoring import score_responses
from profilefit.data.simulate._config import SimulationConfig
from profilefit.data.simulate._generate import simulate
from profilefit.data.simulate._presentation import (
    APPLICANT_STRENGTH,
    CLAIM_DISCRIMINATION,
    UNBOUNDED,
    Condition,
    Presentation,
    _claim_thresholds,
    _coached,
    applicant_presentation,
    coached_statements,
    desirability,
    statement_desirability,
)

if TYPE_CHECKING:
    from profilefit.core.fit import RoleProfile

#: Speer et al. (2023): honest-to-faked increase on single-stimulus scales of traits desirable in
#: the context, d = .99 (.75 over all traits). The directed condition is calibrated to the first.
DIRECTED_TARGET_D = 0.99
#: Moon et al. (2025), a meta-analysis of 34 studies: a warning before the test lowers applicants' faking by
#: d = .31 on average (95 % CI .23-.39; .36 for warnings that address the ability, the motivation and the
#: opportunity to fake; the candidate page's addresses the motivation and the opportunity), least in real
#: recruitment settings.
WARNING_REDUCTION_D = 0.31
#: The directed applicant who read the warning: calibrated, as ``directed`` is, to inflate the role's scales by
#: Speer's d less the warning's average effect.
WARNED_TARGET_D = round(DIRECTED_TARGET_D - WARNING_REDUCTION_D, 6)


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
        :func:`calibrate_directed_strength` for the role, on the instrument itself for an agreement
        instrument and on the shipped agreement instrument for a forced-choice one (the same
        applicants meet both formats; the strength is never tuned on forced choice).
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
    statements = statement_desirability(instrument)
    if condition == "honest":
        return Presentation(
            "honest",
            None,
            0.0,
            False,
            np.zeros_like(items),
            [np.zeros_like(o) for o in options],
            claims,
            np.zeros_like(statements),
        )
    if condition == "applicant":
        return applicant_presentation(instrument)
    if role is None:
        raise ValueError(f"the {condition!r} condition fakes for a role; pass role=")
    items, options = _coached(instrument, role, items, options)
    statements = coached_statements(instrument, role, statements)
    if rating_error_sd > 0:
        rng = np.random.default_rng(rating_seed)
        items = items + rng.normal(0.0, rating_error_sd, items.shape)
        options = [o + rng.normal(0.0, rating_error_sd, o.shape) for o in options]
        claims = claims + rng.normal(0.0, rating_error_sd, claims.shape)
        # Drawn last, so that an agreement instrument's draws (and figures) stay as they were.
        statements = statements + rng.normal(0.0, rating_error_sd, statements.shape)
    if condition == "maximal":
        push = UNBOUNDED
    elif strength is not None:
        push = float(strength)
    elif instrument.format == "forced_choice":
        # Not recalibrated on forced choice: the strength that gives d = .99 on the agreement
        # instrument 1.2, so that 2.0 meets the same applicants (docs/faking.md).
        push = calibrate_directed_strength(load_instrument(), role)
    else:
        push = calibrate_directed_strength(instrument, role)
    return Presentation(condition, role.id, push, False, items, options, claims, statements)


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
    factor over quantiles of its gamma distribution (:func:`profilefit.data.simulate.faking_strengths`).
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
