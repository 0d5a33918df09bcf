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
from profilefit.simulate._groups import GroupSimulation, population_sd, simulate_groups

__all__ = [
    "REFERENCE_SEED",
    "GroupSimulation",
    "ItemParameters",
    "Simulation",
    "SimulationConfig",
    "answer",
    "item_parameters",
    "oracle_probabilities",
    "population_sd",
    "retest",
    "simulate",
    "simulate_groups",
]
