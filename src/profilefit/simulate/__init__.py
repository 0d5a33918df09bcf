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

__all__ = [
    "REFERENCE_SEED",
    "ItemParameters",
    "Simulation",
    "SimulationConfig",
    "answer",
    "item_parameters",
    "oracle_probabilities",
    "retest",
    "simulate",
]
