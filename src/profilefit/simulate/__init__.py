"""A documented generative model of candidates, for training and evaluating without real labels."""

from profilefit.simulate._config import REFERENCE_SEED, SimulationConfig
from profilefit.simulate._generate import (
    ItemParameters,
    Simulation,
    answer,
    item_parameters,
    oracle_probabilities,
    retest,
    simulate,
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
    "item_parameters",
    "oracle_probabilities",
    "outcome_models",
    "retest",
    "select_hired",
    "simulate",
    "simulate_outcome",
]
