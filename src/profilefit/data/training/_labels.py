"""Safeguards and figures for training on an organisation's own labels.

- Labels are normalised before they are counted: surrounding space removed, inner runs of space
  made one, case folded (``" Controller "`` and ``"controller"`` are one class, ``controller``).
- A class with fewer than :data:`MIN_CLASS_ROWS` rows is refused, with every class's count; one
  with fewer than :data:`WARN_CLASS_ROWS` gives a warning.
- The undetermined threshold scales with the number of classes K: the top probability must be
  :data:`UNDETERMINED_STEP` of the way from chance (1/K) to certainty,
  ``t = 1/K + 0.3 (1 - 1/K)``. For the seven reference profiles that is 0.40, the reference
  model's threshold; for two classes 0.65, for three 0.53.
- The evaluation is cross-validated (:func:`cross_validate`) and reports per-class precision,
  recall and F1 from the out-of-fold predictions, with their spread (standard deviation, lowest and
  highest) across the folds.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.model_selection import StratifiedKFold

from profilefit.core.classifier import ProfileClassifier
from profilefit.core.profiles import PROFILE_IDS
from profilefit.exceptions import TrainingDataError

#: A class with fewer rows than this is refused: its evaluation would be noise.
MIN_CLASS_ROWS = 10
#: A class with fewer rows than this trains, with a warning that its figures are uncertain.
WARN_CLASS_ROWS = 30
#: Share of the way from chance (1/K) to certainty that the top probability must reach.
UNDETERMINED_STEP = 0.3
#: What a result says when no profile is clear enough; never a class to learn.
RESERVED_LABEL = "undetermined"
#: What separates the words of a label: "Hard Worker", "hard-worker" and "hard_worker" are one class.
_SEPARATORS = re.compile(r"[\s_\-]+")


def normalise_label(label: str) -> str:
    """The class a label names: case folded, and each run of spaces, hyphens and underscores inside it one ``_``.

    So "Hard Worker", "hard-worker" and "HARD_WORKER" all name the built-in profile ``hard_worker``.

    Examples
    --------
    >>> normalise_label("  Hard   Worker ")
    'hard_worker'
    >>> normalise_label("CONTROLLER") == normalise_label("controller")
    True
    """
    return "_".join(part for part in _SEPARATORS.split(str(label).strip().casefold()) if part)


def undetermined_threshold(n_classes: int) -> float:
    """Top-profile probability below which a profile is undetermined, for ``n_classes`` classes.

    ``1/K + 0.3 (1 - 1/K)``: 30 % of the way from chance to certainty, so the rule means the same
    with two classes as with seven.

    Examples
    --------
    >>> round(undetermined_threshold(7), 4), round(undetermined_threshold(2), 4), round(undetermined_threshold(3), 4)
    (0.4, 0.65, 0.5333)
    """
    if n_classes < 2:
        raise ValueError(f"need at least two classes, got {n_classes}")
    chance = 1.0 / n_classes
    return round(chance + UNDETERMINED_STEP * (1.0 - chance), 6)


@dataclass(frozen=True)
class LabelCheck:
    """Labels after normalisation, their counts, and what the check found.

    Attributes
    ----------
    labels : ndarray of str
        The normalised label of every row, in row order.
    counts : dict of str to int
        Rows per class, largest first.
    merged : dict of str to list of str
        For each class written more than one way, the spellings found (with their row counts).
    warnings : list of str
        Sentences for the person training: merged spellings and small classes.
    """

    labels: NDArray[np.str_]
    counts: dict[str, int]
    merged: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _count_list(counts: dict[str, int]) -> str:
    return ", ".join(f"{label!r} {n}" for label, n in counts.items())


def check_labels(labels: Sequence[str], *, source: str, folds: int) -> LabelCheck:
    """Normalise labels, then refuse classes under :data:`MIN_CLASS_ROWS` and warn under :data:`WARN_CLASS_ROWS`.

    Parameters
    ----------
    labels : sequence of str
        One label per usable row, as the file holds it.
    source : str
        The data file, for messages.
    folds : int
        Cross-validation folds; every class needs at least this many rows as well.

    Returns
    -------
    LabelCheck

    Raises
    ------
    TrainingDataError
        With fewer than two classes, a class under :data:`MIN_CLASS_ROWS` rows (or under
        ``folds``; the message lists every class's count), or rows labelled ``undetermined``.
    """
    normalised = [normalise_label(label) for label in labels]
    counts = dict(sorted(Counter(normalised).items(), key=lambda item: (-item[1], item[0])))
    spellings: dict[str, Counter[str]] = {}
    for original, label in zip(labels, normalised, strict=True):
        spellings.setdefault(label, Counter())[str(original).strip()] += 1
    merged = {
        label: [f"{spelling!r} ({n})" for spelling, n in found.most_common()]
        for label, found in spellings.items()
        if len(found) > 1
    }
    if RESERVED_LABEL in counts:
        raise TrainingDataError(
            f"{source}: {counts[RESERVED_LABEL]} row(s) carry the label {RESERVED_LABEL!r}, which profilefit reports "
            "when no profile is clear enough; a model cannot learn it as a class. Remove those rows or give them "
            "the label of the profile they belong to"
        )
    if len(counts) < 2:
        raise TrainingDataError(f"{source}: need at least two different labels; found {_count_list(counts) or 'none'}")
    minimum = max(MIN_CLASS_ROWS, folds)
    too_small = {label: n for label, n in counts.items() if n < minimum}
    if too_small:
        raise TrainingDataError(
            f"{source}: every class needs at least {minimum} labelled rows (for training and {folds}-fold "
            f"evaluation); too few: {_count_list(too_small)}. All classes: {_count_list(counts)}. "
            "Label more candidates in these classes, or merge them with a related class."
        )
    warnings = [
        f"labels {', '.join(found)} were counted as one class, {label!r} (case, spaces, hyphens and "
        "underscores ignored)"
        for label, found in merged.items()
    ]
    own = [label for label in counts if label not in PROFILE_IDS]
    if own:
        described = []
        for label in own:
            # A British spelling of a built-in profile ('empathiser') is the likeliest misspelling.
            close = difflib.get_close_matches(label, PROFILE_IDS, n=1, cutoff=0.8)
            described.append(f"{label!r} {counts[label]}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        warnings.append(
            f"{', '.join(described)}: not among the built-in profiles "
            f"({', '.join(PROFILE_IDS)}). The built-in roles give fit only to a model whose classes all are, so "
            "this model's results have no fit score unless you score with --role FILE, a role that names these "
            "classes (docs/fit.md); if a label is a misspelt profile, correct it and train again"
        )
    warnings += [
        f"class {label!r} has only {n} rows (fewer than {WARN_CLASS_ROWS}): its precision and recall below are "
        "uncertain, and the model may rarely predict it"
        for label, n in counts.items()
        if n < WARN_CLASS_ROWS
    ]
    return LabelCheck(np.asarray(normalised, dtype=np.str_), counts, merged, warnings)


def cross_validate(
    features: NDArray[np.float64], labels: NDArray[np.str_], classes: list[str], folds: int, seed: int
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Out-of-fold probabilities (columns in ``classes`` order) and the fold that predicted each row.

    Stratified ``folds``-fold cross-validation with a fresh classifier per fold, so that each row is
    predicted by a model that did not see it.
    """
    probabilities = np.zeros((labels.size, len(classes)), dtype=np.float64)
    fold_of_row = np.zeros(labels.size, dtype=np.intp)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (train, test) in enumerate(splitter.split(features, labels)):
        estimator = ProfileClassifier(random_state=seed).fit(features[train], labels[train])
        columns = [classes.index(str(c)) for c in estimator.classes_]
        probabilities[np.ix_(test, columns)] = estimator.predict_proba(features[test])
        fold_of_row[test] = fold
    return probabilities, fold_of_row


def per_class_figures(
    y_true: NDArray[np.str_],
    predicted: NDArray[np.str_],
    classes: Sequence[str],
    fold_of_row: NDArray[np.intp],
) -> dict[str, dict[str, Any]]:
    """Precision, recall and F1 per class, pooled over all out-of-fold predictions, with their spread over folds.

    Parameters
    ----------
    y_true, predicted : ndarray of str, shape (n,)
        True labels and out-of-fold predicted labels (top profile).
    classes : sequence of str
    fold_of_row : ndarray of int, shape (n,)
        The fold in which each row was predicted.

    Returns
    -------
    dict
        For each class: ``support``, pooled ``precision``, ``recall`` and ``f1``, and for each of
        the three its ``<name>_fold_sd`` (standard deviation across folds, ddof 1) and
        ``<name>_fold_range`` ([lowest, highest]).
    """
    from sklearn.metrics import precision_recall_fscore_support

    labels = list(classes)
    pooled = precision_recall_fscore_support(y_true, predicted, labels=labels, zero_division=0)
    folds = sorted(set(fold_of_row.tolist()))
    per_fold = np.array(
        [
            precision_recall_fscore_support(
                y_true[fold_of_row == fold], predicted[fold_of_row == fold], labels=labels, zero_division=0
            )[:3]
            for fold in folds
        ]
    )  # shape (folds, 3 figures, classes)
    figures: dict[str, dict[str, Any]] = {}
    for k, label in enumerate(labels):
        entry: dict[str, Any] = {"support": int(pooled[3][k])}
        for m, name in enumerate(("precision", "recall", "f1")):
            values = per_fold[:, m, k]
            entry[name] = round(float(pooled[m][k]), 4)
            entry[f"{name}_fold_sd"] = round(float(np.std(values, ddof=1)) if len(values) > 1 else 0.0, 4)
            entry[f"{name}_fold_range"] = [round(float(values.min()), 4), round(float(values.max()), 4)]
        figures[label] = entry
    return figures


def format_per_class(figures: dict[str, dict[str, Any]], folds: int) -> str:
    """The per-class figures as the plain text ``profilefit train --data`` prints."""
    width = max(len("class"), *(len(label) for label in figures))
    lines = [
        f"per-class figures, cross-validated ({folds} folds; ± standard deviation across folds, [lowest, highest] F1)",
        f"{'class':<{width}}  {'rows':>5}  {'precision':>14}  {'recall':>14}  {'F1':>14}  F1 range",
    ]
    for label, entry in figures.items():
        cells = [f"{entry[name]:.3f} ± {entry[f'{name}_fold_sd']:.3f}" for name in ("precision", "recall", "f1")]
        low, high = entry["f1_fold_range"]
        lines.append(
            f"{label:<{width}}  {entry['support']:>5}  {cells[0]:>14}  {cells[1]:>14}  {cells[2]:>14}  "
            f"[{low:.3f}, {high:.3f}]"
        )
    return "\n".join(lines)
