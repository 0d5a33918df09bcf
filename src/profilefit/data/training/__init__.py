"""Training the reference model on the simulation, or a model on an organisation's own labels."""

from profilefit.data.training._card import render_model_card
from profilefit.data.training._labels import MIN_CLASS_ROWS, WARN_CLASS_ROWS, normalise_label, undetermined_threshold
from profilefit.data.training._train import (
    DEFAULT_MIN_CONFIDENCE,
    REFERENCE_SEED,
    TrainingReport,
    read_labelled,
    train_on_labels,
    train_reference,
)
from profilefit.exceptions import TrainingDataError

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "MIN_CLASS_ROWS",
    "REFERENCE_SEED",
    "WARN_CLASS_ROWS",
    "TrainingDataError",
    "TrainingReport",
    "normalise_label",
    "read_labelled",
    "render_model_card",
    "train_on_labels",
    "train_reference",
    "undetermined_threshold",
]
