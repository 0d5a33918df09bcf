"""Simulated answers to a forced-choice instrument (2.0): the same people as on 1.2, marking most and least.

The people are those of :func:`~profilefit.data.simulate.simulate` (same seed, same profiles,
traits, carelessness and faking strength). What changes is how they answer: each statement ``i``
of a block has a utility for person ``p``,

    t_pi = mu_i + lambda_i * eta_p[scale(i)] + e_pi,     e_pi ~ N(0, psi_i^2),

the statement of highest utility is marked *most* like them and the lowest *least*: the
Thurstonian model the engine scores with (docs/thurstonian.md). ``eta`` is the trait in units of
its population SD. The parameters come from the instrument by documented rules
(:func:`simulation_parameters`; docs/simulation.md, "Instrument 2.0"), and are the shipped
``.parameters.json`` file of the instrument.

Faking acts through the same :class:`Presentation` as on 1.2: the average applicant answers from
traits shifted by the published applicant differences; a directed or maximal applicant adds
``strength * factor * desirability`` (the coached desirability of marking the statement most) to
each statement's utility, converted from logits to the utility's scale (docs/faking.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from profilefit.core.identity_cache import identity_cache
from profilefit.core.instrument import BLOCK_ANSWERS, BLOCK_LABELS, Instrument
from profilefit.core.thurstonian import MISSING, ThurstonianModel, ThurstonianParameters
from profilefit.data.simulate._config import SimulationConfig, population_sd
from profilefit.data.simulate._generate import (
    CARELESS_SCENARIO_SECONDS,
    CARELESS_SECONDS_PER_ITEM,
    _situational_choices,
    draw_people,
    instructed_check_answers,
    item_parameters,
)
from profilefit.data.simulate._presentation import (
    Presentation,
    applicant_presentation,
    statement_desirability,
    virtue_claim_answers,
)

#: The normal-ogive scaling constant: a logistic curve of slope ``a`` is close to a normal ogive of
#: slope ``a / 1.702`` (Camilli 1994). It turns 1.2's logits (discriminations, faking pushes) into
#: probit units of a statement's own error SD.
LOGISTIC_SCALE = 1.702
#: The maximal pattern ranks a block's statements by desirability times this, plus the person's utility.
MAXIMAL_WEIGHT = 1e6
#: Careless responders spend this fraction of the too-fast threshold per block (uniform): they do
#: not read the statements.
CARELESS_BLOCK_SHARE = (0.3, 1.0)

#: Statement positions (most, least) of each code of :data:`BLOCK_ANSWERS`.
_POSITIONS = np.array(
    [[BLOCK_LABELS.index(answer[0]), BLOCK_LABELS.index(answer[1])] for answer in BLOCK_ANSWERS], dtype=np.int8
)
#: Code of each (most, least) pair, ``most * 3 + least``; -1 for the impossible pairs (most == least).
_CODES = np.full(len(BLOCK_LABELS) ** 2, MISSING, dtype=np.int8)
for _code, (_most, _least) in enumerate(_POSITIONS.tolist()):
    _CODES[_most * len(BLOCK_LABELS) + _least] = _code


def block_codes(positions: NDArray[np.integer]) -> NDArray[np.int8]:
    """Most/least positions, shape (n, n_blocks, 2), as answer codes 0-5 (:data:`BLOCK_ANSWERS`), -1 missing.

    A block counts as answered only when both marks are given; one mark alone is coded missing.

    Examples
    --------
    >>> import numpy as np
    >>> block_codes(np.array([[[0, 1], [2, 0], [-1, -1]]])).tolist()  # "ab", "ca", unanswered
    [[0, 4, -1]]
    """
    marks = np.asarray(positions)
    given = (marks >= 0).all(axis=-1)
    index = np.where(given, marks[..., 0] * len(BLOCK_LABELS) + marks[..., 1], 0)
    codes: NDArray[np.int8] = np.where(given, _CODES[index], np.int8(MISSING)).astype(np.int8)
    return codes


def block_positions(codes: NDArray[np.integer]) -> NDArray[np.intp]:
    """Answer codes (n, n_blocks) as most/least positions (n, n_blocks, 2), -1 for a missing block.

    The inverse of :func:`block_codes`; the engine's :func:`~profilefit.core.thurstonian.score` reads this form.
    """
    codes = np.asarray(codes)
    positions = _POSITIONS[np.where(codes >= 0, codes, 0)].astype(np.intp)
    positions[codes < 0] = MISSING
    return positions


def _unit_interval(key: str) -> float:
    """A number in [0, 1) fixed by ``key``: a statement keeps its loading when the file is reordered."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") / 2.0**64


def population_correlation(config: SimulationConfig) -> NDArray[np.float64]:
    """Correlation of the traits over the whole population: within-profile covariance plus profile means.

    ``sum_k pi_k (Sigma_k + m_k m_k')`` (the means are centred on the population), scaled to unit
    diagonal. This is the trait correlation of the people the simulation draws.
    """
    covariance = np.einsum("k,kij->ij", config.priors, config.covariances)
    covariance = covariance + np.einsum("k,ki,kj->ij", config.priors, config.means, config.means)
    sd = np.sqrt(np.diag(covariance))
    result: NDArray[np.float64] = covariance / np.outer(sd, sd)
    return result


def simulation_parameters(instrument: Instrument, config: SimulationConfig | None = None) -> ThurstonianParameters:
    """The Thurstonian parameters the simulation answers a forced-choice instrument with.

    Deterministic, from the instrument and the simulation config alone (no texts are read):

    - **loading**: each statement gets a discrimination ``a`` in the config's range
      (``discrimination_low``-``discrimination_high``, 0.9-1.9, as 1.2's items), placed by a hash of
      its id and ``item_seed``; as a normal-ogive slope ``a / 1.702`` in standardised form,
      ``|lambda| = (a / 1.702) / sqrt(1 + (a / 1.702)^2)`` (0.47-0.75), negative when reverse-keyed;
    - **uniqueness** ``psi^2 = 1 - lambda^2``: a statement's utility has variance 1;
    - **utility** ``mu = agree_shift * |lambda| * desirability``: a statement rated ``d`` is marked
      most as readily as if the person stood ``agree_shift * d`` SD higher on its trait, by everyone,
      honest or not (1.2 gave each forward-keyed item ``agree_shift``; its forward items are rated
      about +1 on average);
    - **trait correlation**: the population correlation of the config's traits
      (:func:`population_correlation`).

    Parameters
    ----------
    instrument : Instrument
        A forced-choice instrument whose scales are the config's traits.
    config : SimulationConfig, optional
        By default the reference simulation.

    Returns
    -------
    ThurstonianParameters
        ``source="simulation"``, for the instrument's id and version.

    Raises
    ------
    ValueError
        For an agreement instrument, or when its scales are not the config's traits.
    """
    config = config or SimulationConfig.reference()
    if instrument.format != "forced_choice":
        raise ValueError(f"instrument {instrument.id} {instrument.version} has no blocks; it is not forced choice")
    if tuple(config.traits) != instrument.scale_ids:
        raise ValueError(
            f"the simulation's traits {config.traits} must match the instrument's scales {list(instrument.scale_ids)}"
        )
    design = instrument.forced_choice_design()
    low, high = config.discrimination_low, config.discrimination_high
    discrimination = np.array(
        [low + (high - low) * _unit_interval(f"{config.item_seed}:{s.id}") for s in instrument.statements]
    )
    slope = discrimination / LOGISTIC_SCALE
    size = slope / np.sqrt(1.0 + slope**2)
    keys = np.array([-1.0 if s.reverse else 1.0 for s in instrument.statements])
    model = ThurstonianModel(
        design,
        utility=config.agree_shift * size * statement_desirability(instrument),
        loading=keys * size,
        uniqueness=1.0 - size**2,
        trait_correlation=population_correlation(config),
    )
    note = (
        f"Generating parameters of the simulation {config.name!r} (docs/simulation.md, 'Instrument 2.0'): "
        "loadings from the keying and a discrimination per statement in the 1.2 range, uniquenesses "
        "1 - loading^2, utilities from the desirability ratings, trait correlations of the simulated "
        "population. Regenerate with: python -m profilefit.data.simulate parameters"
    )
    return ThurstonianParameters.from_model(
        model, instrument=instrument.id, instrument_version=instrument.version, source="simulation", note=note
    )


@identity_cache(maxsize=8)
def simulation_model(instrument: Instrument, config: SimulationConfig) -> ThurstonianModel:
    """:func:`simulation_parameters` as a model of the instrument's design."""
    return simulation_parameters(instrument, config).to_model(instrument.forced_choice_design())


@dataclass(frozen=True, eq=False)
class ForcedChoiceSimulation:
    """Simulated candidates' answers to a forced-choice instrument, and who they really are.

    Attributes
    ----------
    instrument : Instrument
    candidate_ids : ndarray of str, shape (n,)
    blocks : ndarray of int8, shape (n, n_blocks)
        The answer to each block as a code 0-5 of :data:`~profilefit.core.instrument.BLOCK_ANSWERS`
        (most, then least), -1 unanswered: the block matrix of a 2.0 assessment.
    choices : ndarray of int16, shape (n, n_scenarios)
        Option chosen in each scenario, 0-based.
    checks : ndarray of float, shape (n, n_checks)
        Answers to the attention checks (instructed and virtue claims) on the response scale.
    seconds : ndarray of float, shape (n,)
        Completion time.
    profiles, traits, careless, faking, config
        As in :class:`~profilefit.data.simulate.Simulation`.
    """

    instrument: Instrument
    candidate_ids: NDArray[np.str_]
    blocks: NDArray[np.int8]
    choices: NDArray[np.int16]
    checks: NDArray[np.float64]
    seconds: NDArray[np.float64]
    profiles: NDArray[np.str_]
    traits: NDArray[np.float64]
    careless: NDArray[np.bool_]
    faking: NDArray[np.float64]
    config: SimulationConfig

    @property
    def positions(self) -> NDArray[np.intp]:
        """The answers as most/least positions, shape (n, n_blocks, 2), for the engine's ``score``."""
        return block_positions(self.blocks)

    @property
    def standardised_traits(self) -> NDArray[np.float64]:
        """The true traits in population-SD units: what Thurstonian scores estimate."""
        result: NDArray[np.float64] = self.traits / population_sd(self.config)[None, :]
        return result


def simulate_forced_choice(
    n: int,
    instrument: Instrument,
    *,
    seed: int = 0,
    config: SimulationConfig | None = None,
    id_prefix: str = "sim",
    presentation: Presentation | None = None,
    trait_shift: NDArray[np.float64] | None = None,
    statement_dif: Mapping[str, float] | None = None,
) -> ForcedChoiceSimulation:
    """Simulate ``n`` candidates answering a forced-choice instrument.

    The sibling of :func:`~profilefit.data.simulate.simulate` for instrument 2.0: the same seed gives
    the same people (profiles, traits, carelessness, faking strength) as on 1.2, and the same
    response noise under every presentation.

    Parameters
    ----------
    n : int
    instrument : Instrument
        Any forced-choice instrument whose scales are the config's traits.
    seed : int, default=0
    config : SimulationConfig, optional
        By default the reference simulation.
    id_prefix : str, default="sim"
    presentation : Presentation, optional
        :func:`~profilefit.data.simulate.presentation` of the same instrument; by default the
        average applicant.
    trait_shift : ndarray of shape (n_traits,), optional
        Added to every person's true traits (in the generator's units) before they answer: a
        group whose traits differ (:func:`~profilefit.data.simulate.simulate_groups`).
    statement_dif : dict of statement id to float, optional
        Planted DIF: each named statement's utility is lowered by the value (in the utility's probit
        units) for everyone simulated, so at equal traits it is marked most less readily and least
        more readily (positive: harder to endorse, as ``item_dif`` on an agreement item).

    Returns
    -------
    ForcedChoiceSimulation
    """
    config = config or SimulationConfig.reference()
    if instrument.format != "forced_choice":
        raise ValueError(f"instrument {instrument.id} {instrument.version} is not forced choice; use simulate")
    people = draw_people(n, seed, config, id_prefix)
    rng, careless = people.rng, people.careless
    presentation = presentation or applicant_presentation(instrument)
    if presentation.statement_shift.shape != (len(instrument.statements),):
        raise ValueError(
            f"the presentation has {presentation.statement_shift.size} statement shifts; the instrument has "
            f"{len(instrument.statements)} statements: make it with presentation(..., instrument) of this instrument"
        )
    push = people.faking * presentation.strength
    if trait_shift is not None:
        people = replace(people, traits=people.traits + np.asarray(trait_shift, dtype=np.float64)[None, :])
    responding = people.traits
    if presentation.trait_shift:
        responding = people.traits + people.faking[:, None] * config.unit_shift[None, :]

    model = simulation_model(instrument, config)
    lay = model.layout
    psi = np.sqrt(model.uniqueness)
    eta = responding / population_sd(config)[None, :]
    utility = model.utility + model.loading * eta[:, lay.statement_trait] + rng.standard_normal((n, psi.size)) * psi
    if presentation.condition == "maximal":
        # The ideal pattern: marked by desirability alone, in every block and whatever the person's
        # faking factor; their own utility only breaks ties (ratings differ by far more than 1e-3).
        utility = utility + MAXIMAL_WEIGHT * presentation.statement_shift[None, :]
    elif presentation.statement_shift.any():
        # A push in logits, as on an agreement item; in probit units of the statement's error SD it is
        # push / 1.702, and that error SD is psi on the utility's scale.
        shift = presentation.statement_shift * psi / LOGISTIC_SCALE
        utility = utility + push[:, None] * shift[None, :]
    for statement_id, delta in (statement_dif or {}).items():
        if statement_id not in instrument.statement_ids:
            raise ValueError(f"statement_dif names statement {statement_id!r}, which instrument 2.0 does not have")
        utility[:, instrument.statement_ids.index(statement_id)] -= delta
    per_block = utility.reshape(n, len(instrument.blocks), len(BLOCK_LABELS))
    positions = np.stack([per_block.argmax(axis=2), per_block.argmin(axis=2)], axis=2)
    blocks = block_codes(positions)

    params = item_parameters(instrument, config)
    choices = _situational_choices(instrument, config, params, responding, rng, push, presentation)
    instructed = list(instrument.instructed_columns)
    checks = np.full((n, len(instrument.attention_checks)), np.nan)
    answered_checks = instructed_check_answers(instrument, config, n, rng)

    timing = instrument.timing
    typical_block = (timing.block_seconds.low + timing.block_seconds.high) / 2
    per_block_seconds = np.exp(rng.normal(np.log(typical_block), config.time_sigma, n))
    per_item = np.exp(rng.normal(np.log(config.seconds_per_item), config.time_sigma, n))
    per_scenario = np.exp(rng.normal(np.log(config.seconds_per_scenario), config.time_sigma, n))
    seconds = (
        per_block_seconds * len(instrument.blocks)
        + per_item * len(instrument.attention_checks)
        + per_scenario * len(instrument.scenarios)
    )

    rows = np.flatnonzero(careless)
    line = np.empty((0, 1))
    if rows.size:
        line = _careless(instrument, rng, rows, blocks, choices, answered_checks, seconds)
    checks[:, instructed] = answered_checks
    claims = list(instrument.virtue_claim_columns)
    if claims:
        checks[:, claims] = virtue_claim_answers(instrument, presentation, push, rng, rows, line)
    return ForcedChoiceSimulation(
        instrument=instrument,
        candidate_ids=people.candidate_ids,
        blocks=blocks,
        choices=choices,
        checks=checks,
        seconds=np.round(seconds, 1),
        profiles=people.profiles,
        traits=people.traits,
        careless=careless,
        faking=people.faking,
        config=config,
    )


def _careless(
    instrument: Instrument,
    rng: np.random.Generator,
    rows: NDArray[np.intp],
    blocks: NDArray[np.int8],
    choices: NDArray[np.int16],
    checks: NDArray[np.float64],
    seconds: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Overwrite careless responders' answers: half mark at random, half give one answer code to every block.

    The second half is the forced-choice form of straight-lining (marking the same positions in every
    block). All answer fast. Returns each one's straight-lined answer to the agreement checks
    (``nan`` for those answering at random), as the agreement simulation does.
    """
    low, high = instrument.response_scale.min, instrument.response_scale.max
    k = rows.size
    straight = rng.random(k) < 0.5
    random_codes = rng.integers(0, len(BLOCK_ANSWERS), size=(k, blocks.shape[1]))
    one_code = rng.integers(0, len(BLOCK_ANSWERS), size=(k, 1))
    blocks[rows] = np.where(straight[:, None], one_code, random_codes).astype(np.int8)
    for column, scenario in enumerate(instrument.scenarios):
        choices[rows, column] = rng.integers(0, len(scenario.options), size=k)
    line = rng.integers(low, high + 1, size=(k, 1)).astype(np.float64)
    if checks.shape[1]:
        checks[rows] = np.where(
            straight[:, None], line, rng.integers(low, high + 1, size=(k, checks.shape[1])).astype(np.float64)
        )
    fast = instrument.timing.min_seconds_per_block * rng.uniform(*CARELESS_BLOCK_SHARE, k)
    seconds[rows] = (
        fast * len(instrument.blocks)
        + rng.uniform(*CARELESS_SECONDS_PER_ITEM, k) * len(instrument.attention_checks)
        + rng.uniform(*CARELESS_SCENARIO_SECONDS, k) * len(instrument.scenarios)
    )
    result: NDArray[np.float64] = np.where(straight[:, None], line, np.nan)
    return result


def idealised_block_share(instrument: Instrument, blocks: NDArray[np.integer]) -> NDArray[np.float64]:
    """Share of answered blocks in which the most desirable statement was marked most, shape (n,).

    Counted over the blocks with one statement rated more desirable than the other two (a tie at the
    top says nothing); ``nan`` when none of those was answered. An honest person marks it most in
    about a third of them, more when desirability pulls; a maximal faker in all.
    """
    rating = statement_desirability(instrument).reshape(len(instrument.blocks), len(BLOCK_LABELS))
    top = rating.argmax(axis=1)
    ordered = np.sort(rating, axis=1)
    clear = ordered[:, -1] > ordered[:, -2]
    codes = np.asarray(blocks)
    most = np.where(codes >= 0, _POSITIONS[np.where(codes >= 0, codes, 0), 0], -1)
    counted = (codes >= 0) & clear[None, :]
    hits = (most == top[None, :]) & counted
    n_counted = counted.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share: NDArray[np.float64] = np.where(n_counted > 0, hits.sum(axis=1) / n_counted, np.nan)
    return share
