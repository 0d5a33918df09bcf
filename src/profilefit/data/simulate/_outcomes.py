"""Simulated hiring outcomes: what a contact centre measures after hiring, driven by the true traits.

Each outcome model (``profilefit/data/simulate/data/outcome_models.json``; docs/validation.md gives
the reasons and sources) works in three steps:

1. A trait composite ``c = sum_t w_t z_t`` of the candidates' *true* latent traits,
   standardised within the applicant pool that is passed in.
2. True performance ``T = rho c + sqrt(1 - rho^2) e``: ``rho`` (``true_validity``) is the
   correlation of the composite with true performance among applicants. The rest of performance
   is everything an assessment cannot see (training, team, luck).
3. The measured outcome ``Y = sqrt(r_yy) T + sqrt(1 - r_yy) e'`` with the criterion's reliability
   ``r_yy`` (supervisor ratings about .52, Viswesvaran, Ones & Schmidt 1996), put on the outcome's
   scale (numeric) or cut at the quantile that gives the base rate (yes/no).

The assessment measures the traits with error, and the fit score weighs them differently from the
outcome, so the fit's validity is lower than ``rho`` — as it must be: a simulated study whose
fit–outcome correlation exceeds what the literature allows would flatter the tool.

Range restriction: :func:`select_hired` picks who is hired, on the fit score plus noise (an
interview that partly disagrees with the screen); only they have outcomes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Annotated, Literal

import numpy as np
from annotated_types import Ge, Gt, Le, MinLen
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, model_validator
from scipy import stats

Correlation = Annotated[float, Ge(0), Le(1)]


class OutcomeModel(BaseModel):
    """How one simulated outcome depends on the latent traits.

    Parameters
    ----------
    description : str
        What the outcome is, in words.
    kind : {"numeric", "binary"}
        A number on a scale (a rating) or yes/no (retention).
    trait_weights : dict of trait to float
        Weights of the trait composite; traits not named weigh nothing.
    true_validity : float
        Correlation of the standardised composite with true performance among applicants.
    criterion_reliability : float
        Reliability of the measured outcome (1 = measured without error).
    mean, sd, minimum, maximum, decimals
        Scale of a numeric outcome: values are ``mean + sd * Y`` clipped to ``[minimum, maximum]``
        and rounded.
    base_rate : float
        Share of "yes" of a binary outcome among applicants.
    """

    # extra="forbid": a misspelt parameter would otherwise silently keep its default.
    model_config = ConfigDict(frozen=True, extra="forbid")

    description: str
    kind: Literal["numeric", "binary"]
    trait_weights: Annotated[dict[str, float], MinLen(1)]
    true_validity: Correlation
    criterion_reliability: Annotated[float, Gt(0), Le(1)]
    mean: float = 0.0
    sd: Annotated[float, Gt(0)] = 1.0
    minimum: float = -np.inf
    maximum: float = np.inf
    decimals: Annotated[int, Ge(0), Le(6)] = 2
    base_rate: Annotated[float, Gt(0), Le(1)] = 0.5

    @model_validator(mode="after")
    def _range_holds_mean(self) -> OutcomeModel:
        if not self.minimum <= self.mean <= self.maximum:
            raise ValueError(f"mean {self.mean} must lie between minimum {self.minimum} and maximum {self.maximum}")
        return self


@dataclass(frozen=True, eq=False)
class SimulatedOutcome:
    """An outcome drawn for ``n`` candidates.

    Attributes
    ----------
    performance : ndarray of float, shape (n,)
        True performance (standardised; what a perfectly reliable measure would show).
    observed : ndarray, shape (n,)
        The measured outcome: numbers on the model's scale, or booleans for a binary outcome.
    """

    performance: NDArray[np.float64]
    observed: NDArray[np.float64] | NDArray[np.bool_]


@lru_cache(maxsize=1)
def outcome_models() -> dict[str, OutcomeModel]:
    """The documented outcome models shipped with profilefit, by name.

    Examples
    --------
    >>> sorted(outcome_models())
    ['resolution_rating', 'retained_6m']
    >>> outcome_models()["resolution_rating"].criterion_reliability
    0.52
    """
    text = resources.files("profilefit.data.simulate").joinpath("data", "outcome_models.json").read_text("utf-8")
    return {name: OutcomeModel.model_validate(spec) for name, spec in json.loads(text)["models"].items()}


def simulate_outcome(
    traits: NDArray[np.float64], trait_names: tuple[str, ...] | list[str], model: OutcomeModel, *, seed: int
) -> SimulatedOutcome:
    """Draw one outcome for candidates with known true traits.

    Parameters
    ----------
    traits : ndarray of shape (n, n_traits)
        True latent traits, as :class:`~profilefit.data.simulate.Simulation` holds them.
    trait_names : sequence of str
        Column names of ``traits``.
    model : OutcomeModel
    seed : int

    Returns
    -------
    SimulatedOutcome

    Raises
    ------
    ValueError
        If the model weighs a trait that ``trait_names`` lacks, or fewer than two candidates are given.
    """
    names = list(trait_names)
    unknown = sorted(set(model.trait_weights) - set(names))
    if unknown:
        raise ValueError(f"outcome model weighs trait(s) {unknown}; the traits are {', '.join(names)}")
    traits = np.asarray(traits, dtype=np.float64)
    if traits.ndim != 2 or traits.shape[0] < 2 or traits.shape[1] != len(names):
        raise ValueError(f"traits must have shape (n >= 2, {len(names)}), got {traits.shape}")
    rng = np.random.default_rng(seed)
    weights = np.array([model.trait_weights.get(name, 0.0) for name in names])
    composite = traits @ weights
    composite = (composite - composite.mean()) / composite.std()
    rho, reliability = model.true_validity, model.criterion_reliability
    n = traits.shape[0]
    performance = rho * composite + np.sqrt(1.0 - rho**2) * rng.standard_normal(n)
    measured = np.sqrt(reliability) * performance + np.sqrt(1.0 - reliability) * rng.standard_normal(n)
    if model.kind == "binary":
        cut = float(stats.norm.ppf(1.0 - model.base_rate))
        return SimulatedOutcome(performance, measured > cut)
    values = np.round(np.clip(model.mean + model.sd * measured, model.minimum, model.maximum), model.decimals)
    return SimulatedOutcome(performance, values)


def select_hired(scores: NDArray[np.float64], *, share: float, noise: float = 1.0, seed: int) -> NDArray[np.bool_]:
    """Who is hired: the ``share`` of candidates highest on the score plus noise (direct range restriction).

    Parameters
    ----------
    scores : ndarray of float, shape (n,)
        The fit score; ``nan`` (an incomplete fit) is never hired.
    share : float
        Share of the candidates with a score who are hired, in (0, 1].
    noise : float, default=1.0
        SD of the noise added before ranking, in units of the scores' SD: 0 hires strictly by score;
        larger values mimic interviews that disagree with the screen.
    seed : int

    Returns
    -------
    ndarray of bool, shape (n,)

    Examples
    --------
    >>> hired = select_hired(np.array([10.0, 90.0, 50.0, np.nan]), share=0.34, noise=0.0, seed=1)
    >>> hired.tolist()
    [False, True, False, False]
    """
    if not 0.0 < share <= 1.0:
        raise ValueError(f"share must be in (0, 1], got {share}")
    if noise < 0.0:
        raise ValueError(f"noise must be 0 or more, got {noise}")
    scores = np.asarray(scores, dtype=np.float64)
    rng = np.random.default_rng(seed)
    known = ~np.isnan(scores)
    spread = float(np.std(scores[known])) if known.sum() > 1 else 1.0
    ranked = np.where(known, scores + noise * spread * rng.standard_normal(scores.shape), -np.inf)
    count = round(share * int(known.sum()))
    hired = np.zeros(scores.shape, dtype=bool)
    hired[np.argsort(-ranked, kind="stable")[:count]] = True
    return hired & known
