"""The seven-profile classifier and its evaluation."""

from profilefit.core.classifier._estimator import ProfileClassifier
from profilefit.core.classifier._evaluate import evaluate_probabilities, format_metrics

__all__ = ["ProfileClassifier", "evaluate_probabilities", "format_metrics"]
