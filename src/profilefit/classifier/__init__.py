"""The seven-profile classifier and its evaluation."""

from profilefit.classifier._estimator import ProfileClassifier

__all__ = ["ProfileClassifier"]
