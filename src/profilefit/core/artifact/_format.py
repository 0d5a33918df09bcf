"""The model file, format 3: one JSON document of numbers and text, with no code in it.

A fitted :class:`~profilefit.core.classifier.ProfileClassifier` is written as its fitted arrays and
constructor parameters, beside the instrument it reads and its norm group. Any scikit-learn
that profilefit supports reads it, because nothing in it is unpickled: the estimator is rebuilt
by setting its fitted attributes. docs/model.md ("The model file format") describes every field.

Floats are written by Python's ``repr`` (what :func:`json.dumps` uses), the shortest text that
reads back as the same double, so a saved model predicts bit for bit as the fitted one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError, model_validator

from profilefit._frozen import FrozenModel
from profilefit.core.instrument import Instrument
from profilefit.core.scoring import NormGroup
from profilefit.exceptions import ModelIntegrityError, ModelVersionError

if TYPE_CHECKING:
    from profilefit.core.classifier import ProfileClassifier

#: The ``format`` field of every profilefit model file.
FORMAT = "profilefit-model"
#: The newest ``format_version`` this code writes and reads (1 and 2 were joblib pickles).
FORMAT_VERSION = 3
#: The name a model file ends with; its manifest ends with ``.manifest.json`` instead.
MODEL_SUFFIX = ".model.json"


@dataclass(frozen=True, eq=False)
class LinearCore:
    """What scoring needs of a fitted :class:`~profilefit.core.classifier.ProfileClassifier`.

    ``logits = ((x - mean) / scale) @ coef.T + intercept``, with missing ``x`` set to ``mean``.
    """

    classes: NDArray[np.str_]
    mean: NDArray[np.float64]
    scale: NDArray[np.float64]
    coef: NDArray[np.float64]
    intercept: NDArray[np.float64]

    @classmethod
    def of(cls, estimator: ProfileClassifier) -> LinearCore:
        """Take the linear core of a fitted estimator."""
        return cls(
            np.asarray([str(label) for label in estimator.classes_], dtype=np.str_),
            np.asarray(estimator.mean_, dtype=np.float64),
            np.asarray(estimator.scale_, dtype=np.float64),
            np.asarray(estimator.coef_, dtype=np.float64),
            np.asarray(estimator.intercept_, dtype=np.float64),
        )


class EstimatorParams(FrozenModel):
    """The constructor parameters of :class:`~profilefit.core.classifier.ProfileClassifier`."""

    C: float = 1.0
    calibration_fraction: float = 0.2
    max_iter: int = 2000
    random_state: int | None = None


class EstimatorSection(FrozenModel):
    """The ``estimator`` section of a model file: a fitted classifier as numbers."""

    type: Literal["profilefit.classifier.ProfileClassifier"] = "profilefit.classifier.ProfileClassifier"
    params: EstimatorParams
    classes: list[str]
    n_features_in: int
    feature_names_in: list[str] | None = None
    mean: list[float]
    scale: list[float]
    coef: list[list[float]]
    intercept: list[float]
    #: ``None`` in a file converted from a legacy joblib, which kept these only inside its pickle.
    temperature: float | None
    n_iter: list[int] | None

    @model_validator(mode="after")
    def _shapes_agree(self) -> EstimatorSection:
        n_classes, n_features = len(self.classes), self.n_features_in
        if len(self.mean) != n_features or len(self.scale) != n_features:
            raise ValueError(f"mean and scale need {n_features} values (n_features_in)")
        if len(self.intercept) != n_classes or len(self.coef) != n_classes:
            raise ValueError(f"coef and intercept need {n_classes} rows (one per class)")
        if any(len(row) != n_features for row in self.coef):
            raise ValueError(f"every coef row needs {n_features} values (n_features_in)")
        if self.feature_names_in is not None and len(self.feature_names_in) != n_features:
            raise ValueError(f"feature_names_in needs {n_features} names (n_features_in)")
        return self


@dataclass(frozen=True, eq=False)
class FittedState:
    """A fitted classifier as data: its linear core and the rest of its fitted attributes."""

    linear: LinearCore
    params: EstimatorParams
    n_features_in: int
    feature_names_in: NDArray[np.object_] | None
    temperature: float | None
    n_iter: NDArray[np.int32] | None

    @classmethod
    def of(cls, estimator: ProfileClassifier) -> FittedState:
        """Take the fitted state of an estimator."""
        names = getattr(estimator, "feature_names_in_", None)
        return cls(
            LinearCore.of(estimator),
            EstimatorParams.model_validate(estimator.get_params()),
            int(estimator.n_features_in_),
            None if names is None else np.asarray([str(name) for name in names], dtype=object),
            float(estimator.temperature_),
            np.asarray(estimator.n_iter_, dtype=np.int32),
        )

    @classmethod
    def from_section(cls, section: EstimatorSection) -> FittedState:
        """The state a model file's ``estimator`` section describes."""
        linear = LinearCore(
            np.asarray(section.classes, dtype=np.str_),
            np.asarray(section.mean, dtype=np.float64),
            np.asarray(section.scale, dtype=np.float64),
            np.asarray(section.coef, dtype=np.float64).reshape(len(section.classes), section.n_features_in),
            np.asarray(section.intercept, dtype=np.float64),
        )
        names = section.feature_names_in
        return cls(
            linear,
            section.params,
            section.n_features_in,
            None if names is None else np.asarray(names, dtype=object),
            section.temperature,
            None if section.n_iter is None else np.asarray(section.n_iter, dtype=np.int32),
        )

    def section(self) -> dict[str, Any]:
        """The ``estimator`` section of a model file (plain Python numbers, ready for JSON)."""
        core = self.linear
        return {
            "type": "profilefit.classifier.ProfileClassifier",
            "params": self.params.model_dump(),
            "classes": core.classes.tolist(),
            "n_features_in": self.n_features_in,
            "feature_names_in": None if self.feature_names_in is None else self.feature_names_in.tolist(),
            "mean": core.mean.tolist(),
            "scale": core.scale.tolist(),
            "coef": core.coef.tolist(),
            "intercept": core.intercept.tolist(),
            "temperature": self.temperature,
            "n_iter": None if self.n_iter is None else self.n_iter.tolist(),
        }

    def rebuild(self) -> ProfileClassifier:
        """A fitted :class:`~profilefit.core.classifier.ProfileClassifier` with exactly these attributes.

        Imports scikit-learn (about a second), which scoring never needs.
        """
        from profilefit.core.classifier import ProfileClassifier

        estimator = ProfileClassifier(**self.params.model_dump())
        core = self.linear
        estimator.classes_ = core.classes.copy()
        estimator.n_features_in_ = self.n_features_in
        if self.feature_names_in is not None:
            estimator.feature_names_in_ = self.feature_names_in.copy()
        estimator.mean_, estimator.scale_ = core.mean.copy(), core.scale.copy()
        estimator.coef_, estimator.intercept_ = core.coef.copy(), core.intercept.copy()
        # Already folded into coef_ and intercept_; nan when a legacy file did not say.
        estimator.temperature_ = float("nan") if self.temperature is None else self.temperature
        estimator.n_iter_ = np.zeros(1, dtype=np.int32) if self.n_iter is None else self.n_iter.copy()
        return estimator


def dump_model(state: FittedState, instrument: Instrument, norms: NormGroup) -> bytes:
    """The bytes of a format-3 model file.

    Raises
    ------
    ValueError
        If a fitted number is not finite (JSON has no NaN; a model with one would not score).
    """
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "estimator": state.section(),
        # Through their own JSON: the same text the instrument and norm files hold.
        "instrument": json.loads(instrument.model_dump_json()),
        "norms": json.loads(norms.model_dump_json()),
    }
    return (json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number a model file may hold")


def parse_model(data: bytes, path: str | Path) -> tuple[FittedState, Instrument, NormGroup]:
    """Read a format-3 model file from its bytes (already checked against the manifest).

    Raises
    ------
    ModelVersionError
        If the file is not a profilefit model file, or its ``format_version`` is newer than
        :data:`FORMAT_VERSION` (upgrade profilefit to read it).
    ModelIntegrityError
        If the file says it is format 3 but does not hold what format 3 holds.
    """
    try:
        document = json.loads(data.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise ModelVersionError(
            f"{path} is not a profilefit model file (format {FORMAT!r}, JSON): {error}. A legacy model ends "
            f"with .joblib; convert it with `profilefit model convert OLD.joblib --out NEW{MODEL_SUFFIX}`."
        ) from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelVersionError(f'{path} is not a profilefit model file: its "format" is not {FORMAT!r}')
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ModelVersionError(f'{path}: "format_version" must be a whole number, got {version!r}')
    if version > FORMAT_VERSION:
        raise ModelVersionError(
            f"{path} has model format version {version}; this profilefit reads versions up to {FORMAT_VERSION}. "
            "Upgrade profilefit (pip install --upgrade profilefit) to load it."
        )
    if version != FORMAT_VERSION:
        raise ModelVersionError(
            f"{path} has model format version {version} in a JSON file; versions before {FORMAT_VERSION} "
            "were joblib files, so this file was not written by profilefit."
        )
    try:
        # strict: a number written as text ("1.5") is a damaged file, not a number.
        section = EstimatorSection.model_validate(document.get("estimator"), strict=True)
        instrument = Instrument.model_validate_json(json.dumps(document.get("instrument")))
        norms = NormGroup.model_validate_json(json.dumps(document.get("norms")))
    except ValidationError as error:
        raise ModelIntegrityError(
            f"{path} says it is model format {FORMAT_VERSION} but does not hold what that format holds: "
            f"{error.title}, {error.error_count()} problem(s): {error.errors(include_url=False)[0]['msg']}"
        ) from error
    unknown = set(document) - {"format", "format_version", "estimator", "instrument", "norms"}
    if unknown:
        raise ModelIntegrityError(f"{path}: fields this format does not have: {sorted(unknown)}")
    return FittedState.from_section(section), instrument, norms
