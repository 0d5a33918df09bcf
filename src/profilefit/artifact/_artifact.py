"""Model artifacts: a joblib file beside a JSON manifest that vouches for it.

The manifest records the file's sha256, the versions that wrote it, the seed and
the evaluation. :func:`load_artifact` refuses a file whose checksum differs from
its manifest *before* unpickling it (a joblib file can run code when loaded), and
refuses a scikit-learn version other than the one that wrote it, saying what to do.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any, Literal

import joblib
import numpy as np
import sklearn
from pydantic import BaseModel, ConfigDict, Field

from profilefit.classifier import ProfileClassifier
from profilefit.instrument import Instrument
from profilefit.scoring import NormGroup

MANIFEST_SUFFIX = ".manifest.json"


class ModelIntegrityError(RuntimeError):
    """The model file does not match its manifest's sha256."""


class ModelVersionError(RuntimeError):
    """The model was written by another scikit-learn version than the one installed."""


class Manifest(BaseModel):
    """What a model file is, who made it with what, and how well it did."""

    # extra="forbid": a hand-edited manifest with a misspelt key is refused, not half-trusted.
    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())

    schema_version: Literal["1"] = "1"
    model_id: str
    file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    created: str
    trained_on: Literal["simulation", "organisation data"]
    seed: int | None = None
    instrument_id: str
    instrument_version: str
    feature_names: list[str]
    profile_ids: list[str]
    min_confidence: float
    versions: dict[str, str]
    training: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class ModelArtifact:
    """A loaded model: the estimator, the instrument it reads, its norm group and its manifest."""

    estimator: ProfileClassifier
    instrument: Instrument
    norms: NormGroup
    manifest: Manifest


def current_versions() -> dict[str, str]:
    """Versions of profilefit, scikit-learn, numpy, joblib and Python running now."""
    try:
        profilefit_version = metadata.version("profilefit")
    except metadata.PackageNotFoundError:  # running from a source tree without installing
        profilefit_version = "0+unknown"
    return {
        "profilefit": profilefit_version,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "joblib": joblib.__version__,
        "python": platform.python_version(),
    }


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file, as 64 hex digits."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(model_path: str | Path) -> Path:
    """Where the manifest of a model file lives: ``name.joblib`` beside ``name.manifest.json``."""
    path = Path(model_path)
    return path.with_name(path.name.removesuffix(".joblib") + MANIFEST_SUFFIX)


def save_artifact(
    estimator: ProfileClassifier,
    instrument: Instrument,
    norms: NormGroup,
    path: str | Path,
    *,
    model_id: str,
    trained_on: Literal["simulation", "organisation data"],
    min_confidence: float,
    created: str,
    seed: int | None = None,
    training: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
) -> Manifest:
    """Write ``path`` (joblib) and its manifest; return the manifest.

    ``created`` is passed in rather than read from the clock so that retraining
    from the same seed reproduces the same manifest apart from what truly changed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "estimator": estimator,
        "instrument_json": instrument.model_dump_json(),
        "norms_json": norms.model_dump_json(),
    }
    joblib.dump(payload, path, compress=3)
    manifest = Manifest(
        model_id=model_id,
        file=path.name,
        sha256=file_sha256(path),
        created=created,
        trained_on=trained_on,
        seed=seed,
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        feature_names=list(instrument.feature_names),
        profile_ids=[str(label) for label in estimator.classes_],
        min_confidence=min_confidence,
        versions=current_versions(),
        training=training or {},
        metrics=metrics or {},
    )
    manifest_path(path).write_text(json.dumps(manifest.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8")
    return manifest


def read_manifest(model_path: str | Path) -> Manifest:
    """Read the manifest beside a model file."""
    path = manifest_path(model_path)
    if not path.exists():
        raise FileNotFoundError(f"{model_path}: no manifest at {path}; a model is only loaded with its manifest")
    return Manifest.model_validate_json(path.read_text(encoding="utf-8"))


def load_artifact(path: str | Path | None = None, *, allow_version_mismatch: bool = False) -> ModelArtifact:
    """Load a model after checking it against its manifest.

    Parameters
    ----------
    path : str or Path, optional
        A ``.joblib`` model file with its manifest beside it; by default the shipped
        reference model.
    allow_version_mismatch : bool, default=False
        Load even when the installed scikit-learn differs from the one that wrote the
        model. Predictions may then differ; use only to inspect an old model.

    Raises
    ------
    ModelIntegrityError
        If the file's sha256 differs from the manifest.
    ModelVersionError
        If scikit-learn versions differ and ``allow_version_mismatch`` is false.
    """
    path = Path(path) if path is not None else reference_model_path()
    manifest = read_manifest(path)
    actual = file_sha256(path)
    if actual != manifest.sha256:
        raise ModelIntegrityError(
            f"refusing to load {path}: its sha256 is {actual}, but its manifest says {manifest.sha256}. "
            "The file was changed or damaged after it was written. Restore the original file, "
            "or retrain with `profilefit train` to write a new model and manifest."
        )
    written_with = manifest.versions.get("scikit-learn", "unknown")
    if written_with != sklearn.__version__ and not allow_version_mismatch:
        raise ModelVersionError(
            f"{path} was written with scikit-learn {written_with}; scikit-learn {sklearn.__version__} is installed. "
            f"Either install the matching version (pip install 'scikit-learn=={written_with}') or retrain the model "
            "with this version (`profilefit train --out DIR`, or with --data for your own labels)."
        )
    payload = joblib.load(path)
    instrument = Instrument.model_validate_json(payload["instrument_json"])
    norms = NormGroup.model_validate_json(payload["norms_json"])
    return ModelArtifact(payload["estimator"], instrument, norms, manifest)


def reference_model_path() -> Path:
    """Path of the shipped reference model inside the installed package."""
    return Path(str(resources.files("profilefit.models").joinpath("reference", "profilefit-reference.joblib")))
