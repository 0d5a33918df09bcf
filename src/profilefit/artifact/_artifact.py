"""Model artifacts: a joblib file beside a JSON manifest that vouches for it.

The manifest records the file's sha256, the versions that wrote it, the seed and
the evaluation. :func:`load_artifact` reads the file once, hashes those bytes, and
refuses them if the checksum differs from the manifest *before* unpickling them from
memory (a joblib file can run code when loaded); a pipe or device is refused outright. It
refuses a scikit-learn version other than the one that wrote it, saying what to do.

Scoring needs only the classifier's linear core (means, scales, coefficients,
intercepts, classes), which the file stores as plain numpy arrays beside the pickled
scikit-learn estimator. Loading a model for scoring therefore does not import
scikit-learn; the estimator is unpickled the first time someone asks for it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import platform
import stat
import threading
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import joblib
import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from profilefit.instrument import Instrument
from profilefit.scoring import NormGroup

if TYPE_CHECKING:
    from profilefit.classifier import ProfileClassifier

#: Version of the joblib payload's layout.
PAYLOAD_FORMAT = 2

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
class LinearCore:
    """What scoring needs of a fitted :class:`~profilefit.classifier.ProfileClassifier`.

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


@dataclass(frozen=True, eq=False)
class ModelArtifact:
    """A loaded model: its linear core, the instrument it reads, its norm group and its manifest.

    ``estimator`` gives the scikit-learn estimator itself, unpickled (and scikit-learn
    imported) on first use.
    """

    linear: LinearCore
    instrument: Instrument
    norms: NormGroup
    manifest: Manifest
    _estimator_pickle: bytes = field(repr=False, default=b"")
    _cache: dict[str, Any] = field(repr=False, default_factory=dict)
    _lock: threading.Lock = field(repr=False, default_factory=threading.Lock)

    @property
    def estimator(self) -> ProfileClassifier:
        """The fitted scikit-learn estimator (loaded on first use)."""
        with self._lock:
            if "estimator" not in self._cache:
                # The file's sha256 was checked against the manifest before this payload was read.
                self._cache["estimator"] = pickle.loads(self._estimator_pickle)
            estimator: ProfileClassifier = self._cache["estimator"]
            return estimator


def current_versions() -> dict[str, str]:
    """Versions of profilefit, scikit-learn, numpy, joblib and Python running now."""
    try:
        profilefit_version = metadata.version("profilefit")
    except metadata.PackageNotFoundError:  # running from a source tree without installing
        profilefit_version = "0+unknown"
    return {
        "profilefit": profilefit_version,
        "scikit-learn": _installed_scikit_learn(),
        "numpy": np.__version__,
        "joblib": joblib.__version__,
        "python": platform.python_version(),
    }


def _installed_scikit_learn() -> str:
    # Read from the package metadata: importing scikit-learn takes about a second.
    try:
        return metadata.version("scikit-learn")
    except metadata.PackageNotFoundError:
        return "not installed"


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
    core = LinearCore.of(estimator)
    payload = {
        "format": PAYLOAD_FORMAT,
        "linear": {name: getattr(core, name) for name in ("classes", "mean", "scale", "coef", "intercept")},
        "estimator_pickle": pickle.dumps(estimator, protocol=4),
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
    return Manifest.model_validate_json(read_regular_file(path))


def read_regular_file(path: str | Path) -> bytes:
    """All bytes of a regular file, read once; a pipe, a device or a folder is refused without blocking.

    Raises
    ------
    ModelIntegrityError
        If ``path`` is not a regular file (a FIFO could hand a check and a load different bytes).
    """
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise ModelIntegrityError(f"refusing to load {path}: it is not a regular file (a pipe, device or folder)")
        return stream.read()


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
    # One read: the bytes that are hashed are the bytes that are unpickled, so a file changed
    # (or a pipe fed) between a check and a load cannot run code the check never saw.
    data = read_regular_file(path)
    actual = hashlib.sha256(data).hexdigest()
    if actual != manifest.sha256:
        raise ModelIntegrityError(
            f"refusing to load {path}: its sha256 is {actual}, but its manifest says {manifest.sha256}. "
            "The file was changed or damaged after it was written. Restore the original file, "
            "or retrain with `profilefit train` to write a new model and manifest."
        )
    written_with = manifest.versions.get("scikit-learn", "unknown")
    installed = _installed_scikit_learn()
    if written_with != installed and not allow_version_mismatch:
        raise ModelVersionError(
            f"{path} was written with scikit-learn {written_with}; scikit-learn {installed} is installed. "
            f"Either install the matching version (pip install 'scikit-learn=={written_with}') or retrain the model "
            "with this version (`profilefit train --out DIR`, or with --data for your own labels)."
        )
    payload = joblib.load(io.BytesIO(data))
    if not isinstance(payload, dict) or payload.get("format") != PAYLOAD_FORMAT:
        found = payload.get("format", 1) if isinstance(payload, dict) else type(payload).__name__
        raise ModelVersionError(
            f"{path} has payload format {found}; this profilefit reads format {PAYLOAD_FORMAT}. "
            "Retrain the model with this version (`profilefit train --out DIR`)."
        )
    instrument = Instrument.model_validate_json(payload["instrument_json"])
    norms = NormGroup.model_validate_json(payload["norms_json"])
    linear = LinearCore(**payload["linear"])
    return ModelArtifact(linear, instrument, norms, manifest, payload["estimator_pickle"])


def reference_model_path() -> Path:
    """Path of the shipped reference model inside the installed package."""
    return Path(str(resources.files("profilefit.models").joinpath("reference", "profilefit-reference.joblib")))
