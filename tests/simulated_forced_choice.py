"""A draft forced-choice instrument for the simulation's tests and benchmarks, until the real 2.0 file lands.

Built in memory from the shipped 1.2 instrument (its scales, scenarios and attention checks) and
:func:`~profilefit.core.thurstonian.balanced_design` (24 triplets on the eight scales, a third of the
statements reverse-keyed), with placeholder texts and desirability ratings matched within each block
(a block level between -0.5 and 1.5, each statement within a quarter point of it). Nothing here
reads a statement's text: the simulation must work on any forced-choice instrument.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from profilefit.core.fit import FitScores, ProfileLogits, RoleFitScorer, RoleProfile
from profilefit.core.instrument import Instrument, load_instrument
from profilefit.core.scoring import NormGroup, Responses, score_responses
from profilefit.core.screening import Screener
from profilefit.core.thurstonian import ThurstonianModel, balanced_design, score
from profilefit.core.validity import FLAG_IDS, ValidityFlags, validity_flags
from profilefit.data.simulate import ForcedChoiceSimulation, block_positions


@cache
def draft_instrument(n_blocks: int = 24, seed: int = 1) -> Instrument:
    """The draft 2.0 instrument (cached: one object, so the simulation's caches hit)."""
    base = load_instrument()
    design = balanced_design(n_traits=len(base.scales), n_blocks=n_blocks, seed=seed)
    rng = np.random.default_rng(seed)
    blocks = []
    for k, block in enumerate(design.blocks):
        level = rng.uniform(-0.5, 1.5)
        statements = []
        for j, statement in enumerate(block):
            rating = float(np.clip(np.round((level + rng.uniform(-0.25, 0.25)) * 4) / 4, -2.0, 2.0))
            statements.append(
                {
                    "id": f"s{k + 1:02d}{'abc'[j]}",
                    "scale": base.scale_ids[int(statement.trait[1:]) - 1],
                    "reverse": statement.keyed == -1,
                    "text": dict.fromkeys(base.languages, f"draft statement {k + 1}{'abc'[j]}"),
                    "desirability": rating,
                    "desirability_reason": "draft rating",
                }
            )
        blocks.append({"id": f"b{k + 1:02d}", "statements": statements})
    raw = base.model_dump(mode="json")
    raw.update(schema_version="2", format="forced_choice", version="2.0-draft", items=[], blocks=blocks)
    return Instrument.model_validate_json(json.dumps(raw))


def shipped_forced_choice() -> Instrument | None:
    """The shipped 2.0 instrument file, when it is in the package (``None`` before it lands)."""
    path = resources.files("profilefit.core.instrument").joinpath("data", "customer_contact_2.json")
    if not path.is_file():
        return None
    return Instrument.model_validate_json(path.read_text("utf-8"))


# ---- role fit and flags on 2.0, until the Screener scores forced choice ---------------------------


@dataclass(frozen=True, eq=False)
class ForcedChoiceScreening:
    """Role fit and validity flags of simulated 2.0 answers, built from public pieces.

    Scale scores are the engine's MAP estimates with the given parameters; percentiles come from a
    norm group of honest simulated applicants' estimates (:func:`honest_norms`); the fit is
    :class:`~profilefit.core.fit.RoleFitScorer` with the shipped model's profile logits (on standard
    units of the scales, which is what a norm percentile's probit is) and the scenario choices. The
    flags are the core's, every one of them, as the Screener computes them on 2.0
    (:func:`forced_choice_validity`).
    """

    role: RoleProfile
    instrument: Instrument
    model: ThurstonianModel
    norms: NormGroup
    scorer: RoleFitScorer

    @classmethod
    def build(
        cls, role: RoleProfile, instrument: Instrument, model: ThurstonianModel, norms: NormGroup, screener: Screener
    ) -> ForcedChoiceScreening:
        linear = screener.artifact.linear
        classes = [str(c) for c in linear.classes]
        rows = [classes.index(p) for p in screener.profile_ids]
        features = screener.instrument.feature_names
        scales = tuple(s for s in instrument.scale_ids if s in features)
        logits = ProfileLogits(
            scale_ids=scales,
            coef=linear.coef[rows][:, [features.index(s) for s in scales]],
            intercept=linear.intercept[rows],
        )
        scorer = RoleFitScorer(
            role,
            instrument.scale_ids,
            screener.profile_ids,
            profile_logits=logits,
            scenarios=[tuple(o.key for o in s.options) for s in instrument.scenarios],
        )
        return cls(role, instrument, model, norms, scorer)

    def fit(self, blocks: NDArray[np.integer], choices: NDArray[np.integer]) -> FitScores:
        """Fit of answers given as block codes (n, n_blocks) and scenario choices (n, n_scenarios)."""
        estimates = score(self.model, block_positions(blocks)).estimate
        return self.scorer.score(self.norms.percentiles(estimates, self.instrument.scale_ids), choices=choices)


def honest_norms(instrument: Instrument, model: ThurstonianModel, honest: ForcedChoiceSimulation) -> NormGroup:
    """A norm group of the attentive honest applicants' MAP estimates."""
    estimates = score(model, honest.positions).estimate[~honest.careless]
    return NormGroup.from_scores("honest simulated applicants, 2.0", instrument.scale_ids, estimates)


def forced_choice_validity(
    instrument: Instrument,
    blocks: NDArray[np.integer],
    checks: NDArray[np.float64],
    seconds: NDArray[np.float64],
    *,
    model: ThurstonianModel,
    choices: NDArray[np.integer] | None = None,
    role: RoleProfile | None = None,
) -> ValidityFlags:
    """Every validity flag of simulated 2.0 answers, as the Screener computes them.

    The answers go through :func:`~profilefit.core.validity.validity_flags` as the Screener sends them,
    with the role's pull of each statement when ``role`` is given (the ``idealised`` flag then also
    reads the role's order); scored with ``model``. Scenario choices default to the first option.
    Every flag of ``FLAG_IDS`` is computed, so ``.any`` is what sends a result to review.
    """
    n = blocks.shape[0]
    if choices is None:
        choices = np.zeros((n, len(instrument.scenarios)), dtype=np.int16)
    responses = Responses(
        instrument,
        np.array([f"sim{k}" for k in range(n)], dtype=np.str_),
        np.empty((n, 0)),
        np.asarray(choices, dtype=np.int16),
        np.asarray(checks, dtype=np.float64),
        np.asarray(seconds, dtype=np.float64),
        np.asarray(blocks, dtype=np.int8),
    )
    pull = None if role is None else np.array([role.pull(s.scale, s.reverse) for s in instrument.statements])
    return validity_flags(responses, score_responses(responses, model), pull)


def forced_choice_flags(
    instrument: Instrument,
    blocks: NDArray[np.integer],
    checks: NDArray[np.float64],
    seconds: NDArray[np.float64],
    *,
    model: ThurstonianModel,
    choices: NDArray[np.integer] | None = None,
    role: RoleProfile | None = None,
) -> dict[str, NDArray[np.bool_]]:
    """The core's validity flags of simulated 2.0 answers, by flag id (every id of ``FLAG_IDS``).

    :func:`forced_choice_validity`'s flags as a mapping; the arguments are the same.
    """
    flags = forced_choice_validity(instrument, blocks, checks, seconds, model=model, choices=choices, role=role)
    return {name: flags.flags[:, k] for k, name in enumerate(FLAG_IDS)}
