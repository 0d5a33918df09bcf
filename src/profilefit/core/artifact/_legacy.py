"""Legacy model files (joblib, payload format 2), read without unpickling the estimator.

Format 2 was a joblib pickle of a dict: ``"linear"`` (the classifier's classes, means, scales,
coefficients and intercepts as numpy arrays), ``"estimator_pickle"`` (the pickled scikit-learn
estimator, as bytes), ``"instrument_json"`` and ``"norms_json"``. The estimator is rebuilt from
the linear core, so its pickle is never loaded and no scikit-learn version has to match.

``joblib.load`` itself still unpickles the dict and its numpy arrays; the file's sha256 is checked
against the manifest first, but a manifest can be rewritten along with the file. Load and convert
only legacy files you trust; the format-3 files they convert to hold no code.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import joblib
import numpy as np

from profilefit.core.artifact._format import MODEL_SUFFIX, EstimatorParams, FittedState, LinearCore
from profilefit.core.instrument import Instrument
from profilefit.core.scoring import NormGroup
from profilefit.exceptions import LegacyModelWarning, ModelVersionError

LEGACY_SUFFIX = ".joblib"
LEGACY_PAYLOAD_FORMAT = 2


def parse_legacy(data: bytes, path: str | Path, *, seed: int | None) -> tuple[FittedState, Instrument, NormGroup]:
    """Read a legacy joblib model from its bytes (already checked against the manifest), warning to re-save it.

    The rebuilt estimator has the default constructor parameters with ``random_state=seed`` (the
    manifest's), and no temperature or solver iterations (they lived only in the pickle); its
    predictions are those of the linear core, as the original's were.

    Raises
    ------
    ModelVersionError
        If the payload is not format 2.
    """
    payload = joblib.load(io.BytesIO(data))
    if not isinstance(payload, dict) or payload.get("format") != LEGACY_PAYLOAD_FORMAT:
        found = payload.get("format", 1) if isinstance(payload, dict) else type(payload).__name__
        raise ModelVersionError(
            f"{path} has payload format {found}; profilefit reads legacy joblib models of format "
            f"{LEGACY_PAYLOAD_FORMAT} only. Retrain the model (`profilefit train --out DIR`)."
        )
    linear = payload["linear"]
    core = LinearCore(
        np.asarray(linear["classes"], dtype=np.str_),
        np.asarray(linear["mean"], dtype=np.float64),
        np.asarray(linear["scale"], dtype=np.float64),
        np.asarray(linear["coef"], dtype=np.float64),
        np.asarray(linear["intercept"], dtype=np.float64),
    )
    state = FittedState(
        core,
        EstimatorParams(random_state=seed),
        n_features_in=int(core.mean.size),
        feature_names_in=None,
        temperature=None,
        n_iter=None,
    )
    instrument = Instrument.model_validate_json(payload["instrument_json"])
    norms = NormGroup.model_validate_json(payload["norms_json"])
    new_name = Path(path).name.removesuffix(LEGACY_SUFFIX) + MODEL_SUFFIX
    warnings.warn(
        f"{path} is a legacy joblib model (payload format {LEGACY_PAYLOAD_FORMAT}); it was loaded from its "
        "linear core without unpickling its estimator. Re-save it in the pickle-free format: "
        f"profilefit model convert {path} --out {Path(path).with_name(new_name)}",
        LegacyModelWarning,
        stacklevel=3,
    )
    return state, instrument, norms
