"""A documented generative model of candidates, for training and evaluating without real labels."""

from profilefit.data.simulate._answer_bayes import (
    BLOCK_LIKELIHOODS,
    answer_probabilities,
    forced_choice_answer_probabilities,
    orthant_probability,
)
from profilefit.data.simulate._config import REFERENCE_SEED, SimulationConfig
from profilefit.data.simulate._faking import (
    WARNED_TARGET_D,
    WARNING_REDUCTION_D,
    calibrate_directed_strength,
    presentation,
    role_scale_inflation,
)
from profilefit.data.simulate._forced_choice import (
    ForcedChoiceSimulation,
    block_codes,
    block_positions,
    idealised_block_share,
    population_correlation,
    simulate_forced_choice,
    simulation_model,
    simulation_parameters,
)
from profilefit.data.simulate._generate import (
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
from profilefit.data.simulate._groups import GroupSimulation, population_sd, simulate_groups
from profilefit.data.simulate._outcomes import (
    OutcomeModel,
    SimulatedOutcome,
    outcome_models,
    select_hired,
    simulate_outcome,
)
from profilefit.data.simulate._parameters_file import parameters_file, shipped_instrument_file, simulation_norms
from profilefit.data.simulate._presentation import (
    CONDITIONS,
    Presentation,
    coached_statements,
    desirability,
    role_pull,
    statement_desirability,
)

__all__ = [
    "BLOCK_LIKELIHOODS",
    "CONDITIONS",
    "REFERENCE_SEED",
    "WARNED_TARGET_D",
    "WARNING_REDUCTION_D",
    "ForcedChoiceSimulation",
    "GroupSimulation",
    "ItemParameters",
    "OutcomeModel",
    "Presentation",
    "SimulatedOutcome",
    "Simulation",
    "SimulationConfig",
    "answer",
    "answer_probabilities",
    "block_codes",
    "block_positions",
    "calibrate_directed_strength",
    "coached_statements",
    "desirability",
    "faking_strengths",
    "forced_choice_answer_probabilities",
    "idealised_block_share",
    "item_parameters",
    "oracle_probabilities",
    "orthant_probability",
    "outcome_models",
    "parameters_file",
    "population_correlation",
    "population_sd",
    "presentation",
    "profile_log_densities",
    "retest",
    "role_pull",
    "role_scale_inflation",
    "select_hired",
    "shipped_instrument_file",
    "simulate",
    "simulate_forced_choice",
    "simulate_groups",
    "simulate_outcome",
    "simulation_model",
    "simulation_norms",
    "simulation_parameters",
    "situational_consistency",
    "statement_desirability",
]
