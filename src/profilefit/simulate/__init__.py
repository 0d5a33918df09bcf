"""A documented generative model of candidates, for training and evaluating without real labels."""

from profilefit.simulate._answer_bayes import answer_probabilities
from profilefit.simulate._config import REFERENCE_SEED, SimulationConfig
from profilefit.simulate._faking import (
    CONDITIONS,
    Presentation,
    calibrate_directed_strength,
    desirability,
    presentation,
    role_scale_inflation,
)
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
from profilefit.simulate._groups import GroupSimulation, population_sd, simulate_groups
from profilefit.simulate._outcomes import (
    OutcomeModel,
    SimulatedOutcome,
    outcome_models,
    select_hired,
    simulate_outcome,
)

__all__ = [
    "CONDITIONS",
    "REFERENCE_SEED",
    "GroupSimulation",
    "ItemParameters",
    "OutcomeModel",
    "Presentation",
    "SimulatedOutcome",
    "Simulation",
    "SimulationConfig",
    "answer",
    "answer_probabilities",
    "calibrate_directed_strength",
    "desirability",
    "faking_strengths",
    "item_parameters",
    "oracle_probabilities",
    "outcome_models",
    "population_sd",
    "presentation",
    "profile_log_densities",
    "retest",
    "role_scale_inflation",
    "select_hired",
    "simulate",
    "simulate_groups",
    "simulate_outcome",
    "situational_consistency",
]
