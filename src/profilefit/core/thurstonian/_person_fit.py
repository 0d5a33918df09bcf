"""The person-fit line of a set of parameters, set by simulating people who answer as the model says.

Person fit (:func:`~profilefit.core.thurstonian.fit_over_chance`) depends on the parameters: with weaker
loadings attentive people's marks are explained less well, so a line set on one set of parameters flags
more attentive people scored with another. The usual remedy in person-fit research is to set the line
from the statistic's distribution under the fitted model, by simulation: draw people from the
parameters, let them answer as the model says, score them with the same parameters, and take the share
of them that may be flagged. ``profilefit calibrate`` does it for the parameters it writes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from profilefit.core.thurstonian._answers import simulate_answers
from profilefit.core.thurstonian._model import ThurstonianModel
from profilefit.core.thurstonian._score import score

#: The share of people answering as the model says whose marks may be flagged: what the reference line
#: (``FC_PERSON_FIT``, 0.005) flags among people drawn from the shipped 2.0 parameters' own trait distribution
#: (1.77-1.82 % of 100,000 in each of three seeds), so the shipped parameters get back about their line.
PERSON_FIT_FALSE_ALARM = 0.018


@dataclass(frozen=True)
class PersonFitLine:
    """A person-fit line and what it does on people simulated from the parameters it was set for.

    Attributes
    ----------
    line : float
        The ``false_alarm`` quantile of the person fit of people answering as the model says.
    false_alarm : float
        The share of them below the line.
    random_flagged : float
        The share of people marking every block at random below the line (what the line catches).
    n_people : int
        People simulated for each of the two shares.
    """

    line: float
    false_alarm: float
    random_flagged: float
    n_people: int


def random_marks(model: ThurstonianModel, n_people: int, rng: np.random.Generator) -> np.ndarray:
    """Most and least marks given at random in every block, shape (n_people, n_blocks, 2)."""
    sizes = np.array(model.design.block_sizes)
    most = (rng.random((n_people, sizes.size)) * sizes).astype(np.intp)
    # The least-like mark: one of the other statements of the block, each as likely.
    least = (most + 1 + (rng.random((n_people, sizes.size)) * (sizes - 1)).astype(np.intp)) % sizes
    return np.stack([most, least], axis=2)


def person_fit_line(
    model: ThurstonianModel,
    *,
    false_alarm: float = PERSON_FIT_FALSE_ALARM,
    n_people: int = 50_000,
    seed: int = 0,
) -> PersonFitLine:
    """The person fit below which ``false_alarm`` of people answering as ``model`` says fall.

    People are drawn from the model's trait distribution, mark every block as their utilities say
    (:func:`~profilefit.core.thurstonian.simulate_answers`) and are scored by MAP with the same model; the
    line is the ``false_alarm`` quantile of their person fit. The same number of people marking every
    block at random are scored too, to tell what the line catches. The line holds what it promises only
    as far as the model describes real answers: parameters calibrated on an organisation's applicants
    describe them better than the simulation's, which is why ``profilefit calibrate`` sets it.

    Parameters
    ----------
    model : ThurstonianModel
    false_alarm : float, default 0.018
        Strictly between 0 and 0.5.
    n_people : int, default 50,000
        At least 1,000: the line is a low quantile.
    seed : int, default 0

    Returns
    -------
    PersonFitLine

    Examples
    --------
    >>> from profilefit.core.thurstonian import balanced_design, example_model, person_fit_line
    >>> found = person_fit_line(example_model(balanced_design(n_traits=4, n_blocks=12)), n_people=2_000)
    >>> 0.0 < found.line < 0.2 and found.random_flagged > found.false_alarm
    True
    """
    if not 0.0 < false_alarm < 0.5:
        raise ValueError(f"false_alarm must be strictly between 0 and 0.5, got {false_alarm}")
    if n_people < 1_000:
        raise ValueError(f"n_people must be at least 1,000 for a low quantile, got {n_people}")
    rng = np.random.default_rng(seed)
    honest = simulate_answers(model, n_people, seed=rng).answers
    fit = score(model, honest, standard_errors=False, person_fit=True).person_fit
    at_random = score(model, random_marks(model, n_people, rng), standard_errors=False, person_fit=True).person_fit
    assert fit is not None and at_random is not None
    line = float(np.quantile(fit, false_alarm))
    return PersonFitLine(
        line=line,
        false_alarm=float(np.mean(fit < line)),
        random_flagged=float(np.mean(at_random < line)),
        n_people=n_people,
    )
