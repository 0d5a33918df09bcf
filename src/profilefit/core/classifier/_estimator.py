"""The profile classifier: a calibrated, explainable multinomial logistic model."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

#: Below this many training rows (or with a class too small to split) no
#: calibration split is made and the temperature stays 1.
_MIN_ROWS_FOR_CALIBRATION = 200


class ProfileClassifier(ClassifierMixin, BaseEstimator):
    """Multinomial logistic regression on standardised scores, with temperature calibration.

    Missing features (a scale with too few answers) are replaced by the training
    mean. A share of the training rows is held back to fit one temperature that
    scales the logits so that the probabilities are calibrated. Because the model
    stays linear in the standardised features, every prediction splits exactly into
    per-feature contributions (:meth:`contributions`).

    Parameters
    ----------
    C : float, default=1.0
        Inverse L2 regularisation strength of the logistic regression.
    calibration_fraction : float, default=0.2
        Share of training rows held back to fit the temperature.
    max_iter : int, default=2000
        Iterations of the logistic-regression solver.
    random_state : int or None, default=None
        Seed of the calibration split.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a data frame with string column names.
    mean_ : ndarray of shape (n_features,)
        Training mean of each feature; also the value a missing feature takes.
    scale_ : ndarray of shape (n_features,)
        Training standard deviation of each feature (1 where it is constant).
    coef_ : ndarray of shape (n_classes, n_features)
        Calibrated coefficients on standardised features.
    intercept_ : ndarray of shape (n_classes,)
    temperature_ : float
        Calibration temperature already folded into ``coef_`` and ``intercept_``.
    n_iter_ : ndarray of shape (1,)
        Solver iterations of the logistic regression.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (50, 2)), rng.normal(2, 1, (50, 2))]
    >>> y = np.array(["a"] * 50 + ["b"] * 50)
    >>> model = ProfileClassifier(random_state=0).fit(X, y)
    >>> round(float(model.predict_proba(X[:1]).sum()), 6)
    1.0
    """

    def __init__(
        self,
        *,
        C: float = 1.0,
        calibration_fraction: float = 0.2,
        max_iter: int = 2000,
        random_state: int | None = None,
    ) -> None:
        self.C = C
        self.calibration_fraction = calibration_fraction
        self.max_iter = max_iter
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, X: ArrayLike, y: ArrayLike) -> ProfileClassifier:
        """Fit the classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Scale and situational scores; ``nan`` for missing.
        y : array-like of shape (n_samples,)
            Profile labels.

        Returns
        -------
        self : ProfileClassifier
        """
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype=np.float64)
        X = np.asarray(X, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise ValueError(f"need at least two classes to fit; got 1 class: {self.classes_.tolist()}")
        if not 0 <= self.calibration_fraction < 1:
            raise ValueError(f"calibration_fraction must be in [0, 1), got {self.calibration_fraction}")

        # A feature nobody has (a scale or scenario column missing from the data) is read as 0 here, so
        # numpy has no empty slice to warn about: its mean is 0 and its scale 1.
        present = np.where(np.isnan(X).all(axis=0), 0.0, X)
        mean = np.nanmean(present, axis=0)
        self.mean_ = np.where(np.isnan(mean), 0.0, mean)
        scale = np.nanstd(present, axis=0)
        self.scale_ = np.where((scale > 0) & ~np.isnan(scale), scale, 1.0)
        Z = self._standardise(X)

        fit_rows, calibration_rows = self._calibration_split(y_index)
        model = LogisticRegression(C=self.C, max_iter=self.max_iter)
        model.fit(Z[fit_rows], y_index[fit_rows])
        self.n_iter_ = model.n_iter_
        coef = np.zeros((self.classes_.size, Z.shape[1]))
        intercept = np.zeros(self.classes_.size)
        if self.classes_.size == 2:  # scikit-learn keeps one row for two classes
            coef[1], intercept[1] = model.coef_[0], model.intercept_[0]
        else:
            coef[model.classes_], intercept[model.classes_] = model.coef_, model.intercept_

        self.temperature_ = 1.0
        if calibration_rows.size:
            logits = Z[calibration_rows] @ coef.T + intercept
            self.temperature_ = _fit_temperature(logits, y_index[calibration_rows])
        self.coef_ = coef / self.temperature_
        self.intercept_ = intercept / self.temperature_
        return self

    def _calibration_split(self, y_index: NDArray[np.intp]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        rows = np.arange(y_index.size)
        smallest_class = np.bincount(y_index).min()
        if self.calibration_fraction == 0 or y_index.size < _MIN_ROWS_FOR_CALIBRATION or smallest_class < 10:
            return rows, rows[:0]
        splitter = StratifiedShuffleSplit(
            n_splits=1, test_size=self.calibration_fraction, random_state=self.random_state
        )
        fit_rows, calibration_rows = next(splitter.split(rows.reshape(-1, 1), y_index))
        return fit_rows, calibration_rows

    def _standardise(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        filled = np.where(np.isnan(X), self.mean_, X)
        return (filled - self.mean_) / self.scale_

    def decision_function(self, X: ArrayLike) -> NDArray[np.float64]:
        """Calibrated logits, shape (n_samples, n_classes)."""
        logits = self._logits(X)
        if self.classes_.size == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    def _logits(self, X: ArrayLike) -> NDArray[np.float64]:
        check_is_fitted(self)
        data = np.asarray(validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64))
        result: NDArray[np.float64] = self._standardise(data) @ self.coef_.T + self.intercept_
        return result

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Calibrated probability of each class, shape (n_samples, n_classes); rows sum to one."""
        probabilities: NDArray[np.float64] = softmax(self._logits(X), axis=1)
        return probabilities

    def predict_log_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Log of :meth:`predict_proba`."""
        result: NDArray[np.float64] = log_softmax(self._logits(X), axis=1)
        return result

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """The most probable class of each row."""
        winners = self._logits(X).argmax(axis=1)
        result: NDArray[Any] = self.classes_[winners]
        return result

    def contributions(self, X: ArrayLike, towards: ArrayLike, against: ArrayLike) -> NDArray[np.float64]:
        """How much each feature moved each row toward one class and away from another.

        The log-odds of ``towards`` over ``against`` equal the sum of the returned
        contributions plus the difference of intercepts. Contributions are measured
        from an average training candidate (a feature at its training mean adds 0).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        towards, against : array-like of shape (n_samples,)
            Class labels per row.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        data = np.asarray(validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64))
        index = {label: k for k, label in enumerate(self.classes_.tolist())}
        top = np.array([index[label] for label in np.asarray(towards).tolist()], dtype=np.intp)
        second = np.array([index[label] for label in np.asarray(against).tolist()], dtype=np.intp)
        result: NDArray[np.float64] = self._standardise(data) * (self.coef_[top] - self.coef_[second])
        return result


def _fit_temperature(logits: NDArray[np.float64], y_index: NDArray[np.intp]) -> float:
    """The temperature that minimises the log loss of ``softmax(logits / T)``."""

    def log_loss_at(log_t: float) -> float:
        log_p = log_softmax(logits / np.exp(log_t), axis=1)
        return float(-log_p[np.arange(y_index.size), y_index].mean())

    found = minimize_scalar(log_loss_at, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(found.x))
