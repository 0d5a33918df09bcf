"""Evaluation of profile probabilities: accuracy, calibration, consistency and the ceiling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, log_loss, recall_score

#: Number of equal-width confidence bins of the expected calibration error.
ECE_BINS = 15


def expected_calibration_error(
    y_true: ArrayLike, probabilities: NDArray[np.float64], classes: Sequence[str], n_bins: int = ECE_BINS
) -> float:
    """Top-label expected calibration error.

    Candidates are binned by the probability of their top profile; ECE is the
    size-weighted mean, over bins, of ``|accuracy - mean confidence|``.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    >>> round(expected_calibration_error(["a", "a", "a", "b"], p, ["a", "b"]), 3)
    0.1
    """
    labels = np.asarray(classes)[probabilities.argmax(axis=1)]
    correct = labels == np.asarray(y_true)
    confidence = probabilities.max(axis=1)
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    error = 0.0
    for b in np.unique(bins):
        members = bins == b
        error += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(error)


def evaluate_probabilities(
    y_true: ArrayLike,
    probabilities: NDArray[np.float64],
    classes: Sequence[str],
    *,
    min_confidence: float,
    retest_probabilities: NDArray[np.float64] | None = None,
    oracle_probabilities: NDArray[np.float64] | None = None,
) -> dict[str, Any]:
    """All evaluation figures of one set of predicted probabilities.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True profiles.
    probabilities : ndarray of shape (n, n_classes)
        Predicted probabilities, columns in ``classes`` order.
    classes : sequence of str
    min_confidence : float
        Threshold below which a profile is reported as undetermined.
    retest_probabilities : ndarray of shape (n, n_classes), optional
        Predictions for the same people answering a second time: gives consistency.
    oracle_probabilities : ndarray of shape (n, n_classes), optional
        Bayes posteriors from the true latent traits: gives the ceiling.

    Returns
    -------
    dict
        ``accuracy``, ``macro_f1``, ``log_loss``, ``ece``, ``per_profile_recall``,
        ``confusion_matrix`` (rows true, columns predicted, in ``classes`` order),
        ``undetermined_share``, ``accuracy_when_determined`` and, when given,
        ``consistency`` and ``ceiling``.
    """
    y_true = np.asarray(y_true)
    classes = list(classes)
    predicted = np.asarray(classes)[probabilities.argmax(axis=1)]
    determined = probabilities.max(axis=1) >= min_confidence
    recalls = recall_score(y_true, predicted, labels=classes, average=None, zero_division=0)
    metrics: dict[str, Any] = {
        "n": int(y_true.size),
        "accuracy": round(float(accuracy_score(y_true, predicted)), 4),
        "macro_f1": round(float(f1_score(y_true, predicted, labels=classes, average="macro", zero_division=0)), 4),
        "log_loss": round(float(log_loss(y_true, probabilities, labels=classes)), 4),
        "ece": round(expected_calibration_error(y_true, probabilities, classes), 4),
        "per_profile_recall": {c: round(float(r), 4) for c, r in zip(classes, recalls, strict=True)},
        "confusion_matrix": {
            "labels": classes,
            "counts": confusion_matrix(y_true, predicted, labels=classes).tolist(),
        },
        "min_confidence": min_confidence,
        "undetermined_share": round(float(1 - determined.mean()), 4),
        "accuracy_when_determined": round(float((predicted == y_true)[determined].mean()), 4)
        if determined.any()
        else None,
    }
    if retest_probabilities is not None:
        again = np.asarray(classes)[retest_probabilities.argmax(axis=1)]
        metrics["consistency"] = round(float((again == predicted).mean()), 4)
    if oracle_probabilities is not None:
        oracle = np.asarray(classes)[oracle_probabilities.argmax(axis=1)]
        metrics["ceiling"] = {
            "accuracy": round(float(accuracy_score(y_true, oracle)), 4),
            "macro_f1": round(float(f1_score(y_true, oracle, labels=classes, average="macro", zero_division=0)), 4),
            "log_loss": round(float(log_loss(y_true, oracle_probabilities, labels=classes)), 4),
        }
        metrics["macro_f1_gap_to_ceiling"] = round(metrics["ceiling"]["macro_f1"] - metrics["macro_f1"], 4)
    return metrics


def format_metrics(metrics: dict[str, Any]) -> str:
    """The evaluation as the plain text ``profilefit train`` prints."""
    # Training on own labels evaluates out-of-fold predictions: the same candidates, cross-validated.
    cross_validated = "cross-validation" in str(metrics.get("evaluation", ""))
    lines = [
        f"{'cross-validated candidates' if cross_validated else 'held-out candidates       '} {metrics['n']}",
        f"accuracy                   {metrics['accuracy']:.4f}",
        f"macro-F1                   {metrics['macro_f1']:.4f}",
        f"log loss                   {metrics['log_loss']:.4f}",
        f"expected calibration error {metrics['ece']:.4f}",
        f"undetermined (p < {metrics['min_confidence']:.2f})    {metrics['undetermined_share']:.4f}",
    ]
    if metrics.get("accuracy_when_determined") is not None:
        lines.append(f"accuracy when determined   {metrics['accuracy_when_determined']:.4f}")
    if "consistency" in metrics:
        lines.append(f"consistency (retest)       {metrics['consistency']:.4f}")
    if "ceiling" in metrics:
        ceiling = metrics["ceiling"]
        lines.append(
            f"ceiling (true traits)      accuracy {ceiling['accuracy']:.4f}  macro-F1 {ceiling['macro_f1']:.4f}"
            f"  log loss {ceiling['log_loss']:.4f}"
        )
        lines.append(f"macro-F1 gap to ceiling    {metrics['macro_f1_gap_to_ceiling']:.4f}")
    lines.append(
        "per-profile recall         " + "  ".join(f"{k} {v:.3f}" for k, v in metrics["per_profile_recall"].items())
    )
    matrix = metrics["confusion_matrix"]
    width = max(len(label) for label in matrix["labels"]) + 1
    # Columns as wide as the longest name: names cut short can read alike ('empathiser', 'empathizer').
    column = max(8, width + 1)
    lines.append("confusion matrix (rows: true profile, columns: predicted)")
    lines.append(" " * width + "".join(f"{label:>{column}}" for label in matrix["labels"]))
    for label, row in zip(matrix["labels"], matrix["counts"], strict=True):
        lines.append(f"{label:<{width}}" + "".join(f"{count:>{column}}" for count in row))
    return "\n".join(lines)
