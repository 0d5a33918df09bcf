"""Training the reference model on the simulation, or a model on an organisation's own labels."""

from profilefit.data.training._card import render_model_card
from profilefit.data.training._labels import MIN_CLASS_ROWS, WARN_CLASS_ROWS, normalise_label, undetermined_threshold
from profilefit.data.training._train import (
    DEFAULT_MIN_CONFIDENCE,
    REFERENCE_2_FILE,
    REFERENCE_2_INSTRUMENT,
    REFERENCE_SEED,
    TrainingReport,
    forced_choice_responses,
    honest_norm_group,
    read_labelled,
    reference_2_model_path,
    train_on_labels,
    train_reference,
    train_reference_forced_choice,
)
from profilefit.exceptions import TrainingDataError

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "MIN_CLASS_ROWS",
    "REFERENCE_2_FILE",
    "REFERENCE_2_INSTRUMENT",
    "REFERENCE_SEED",
    "WARN_CLASS_ROWS",
    "TrainingDataError",
    "TrainingReport",
    "forced_choice_responses",
    "honest_norm_group",
    "normalise_label",
    "read_labelled",
    "reference_2_model_path",
    "render_model_card",
    "train_on_labels",
    "train_reference",
    "train_reference_forced_choice",
    "undetermined_threshold",
]
