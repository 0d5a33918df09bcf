"""What a person's answers are pushed by when they present themselves: the pieces of a faking condition.

:class:`Presentation` holds the pushes; :func:`applicant_presentation` is the reference
simulation's average applicant; :func:`virtue_claim_answers` draws the answers to the virtue
claims. The named conditions and their calibration, which simulate people, are in ``_faking``
(docs/faking.md says what is sourced and what is assumed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from profilefit.core.identity_cache import identity_cache
from profilefit.core.instrument import Instrument

if TYPE_CHECKING:
    from profilefit.core.fit import RoleProfile

Condition = Literal["honest", "applicant", "directed", "maximal"]
CONDITIONS: tuple[Condition, ...] = ("honest", "applicant", "directed", "maximal")

#: How much a coach's description of the role adds to a statement's desirability, per unit of the
#: role's normalised weight (in desirability units, so a heavily weighted scale's statements gain
#: up to 2 points): our assumption, with its sensitivity in benchmarks/faking.py.
COACHING = 2.0
#: Push per unit of desirability of the average applicant, in logits: calibrated once so that the
#: generic desirability alone raises the eight observed scale scores by as much, on average, as the
#: published applicant shift of the reference simulation does (about .16 SD; tests/data/test_faking.py
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
    statement_shift : ndarray of shape (n_statements,)
        Desirability of marking each forced-choice statement *most* like oneself, block by block
        (empty for an agreement instrument); the push on the statement's utility is
        ``strength * factor * statement_shift`` in logits, converted to the utility's scale
        (docs/faking.md, "Faking on forced choice").
    """

    condition: Condition
    role: str | None
    strength: float
    trait_shift: bool
    item_shift: NDArray[np.float64]
    option_shift: list[NDArray[np.float64]]
    claim_shift: NDArray[np.float64]
    statement_shift: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))


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


def statement_desirability(instrument: Instrument) -> NDArray[np.float64]:
    """Desirability ratings of a forced-choice instrument's statements, block by block (empty without blocks)."""
    return _statement_desirability(instrument)


@identity_cache(maxsize=8)
def _statement_desirability(instrument: Instrument) -> NDArray[np.float64]:
    return np.array([statement.desirability or 0.0 for statement in instrument.statements], dtype=np.float64)


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
        np.zeros(len(instrument.statements)),
    )


def role_pull(role: RoleProfile, scale: str, reverse: bool) -> float:
    """How much a coach says agreeing with (or marking most) a statement raises the role's fit, 0 to 1 in size.

    The role's normalised weight of the statement's scale, signed by the statement's keying and the
    direction the role wants the scale; 0 for a scale the role does not weigh.
    """
    return role.pull(scale, reverse)


def coached_statements(instrument: Instrument, role: RoleProfile, values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Forced-choice statements' desirability plus what a coach says the role wants (as for agreement items)."""
    pull = np.array([role_pull(role, s.scale, s.reverse) for s in instrument.statements], dtype=np.float64)
    return np.clip(values + COACHING * pull, -4.0, 4.0)


def _coached(
    instrument: Instrument, role: RoleProfile, items: NDArray[np.float64], options: list[NDArray[np.float64]]
) -> tuple[NDArray[np.float64], list[NDArray[np.float64]]]:
    """Generic desirability plus what a coach says the role wants."""
    coached = items.copy()
    for k, item in enumerate(instrument.items):
        coached[k] += COACHING * role_pull(role, item.scale, item.reverse)
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
