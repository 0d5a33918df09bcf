"""A documented generative model of candidates, for training and evaluating without real labels."""

from profilefit.simulate._answer_bayes import answer_probabilities
from profilefit.simulate._config import REFERENCE_SEED, SimulationConfig
from profilefit.simulate._generate import (
    ItemParameters,
    Simulation,
    answer,
    faking_strengths,
    item_parameters,
    oracle_probabilities,
    profile_log_densities,
    retest,
    simulate,
    situational_consistency,
)
from profilefit.simulate._outcomes import (
    OutcomeModel,
    SimulatedOutcome,
    outcome_models,
    select_hired,
    simulate_outcome,
)

__all__ = [
    "REFERENCE_SEED",
    "ItemParameters",
    "OutcomeModel",
    "SimulatedOutcome",
    "Simulation",
    "SimulationConfig",
    "answer",
    "answer_probabilities",
    "faking_strengths",
    "item_parameters",
    "oracle_probabilities",
    "outcome_models",
    "profile_log_densities",
    "retest",
    "select_hired",
    "simulate",
    "simulate_outcome",
    "situational_consistency",
]
