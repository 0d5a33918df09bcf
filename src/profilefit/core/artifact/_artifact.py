"""Model artifacts: a model file beside a JSON manifest that vouches for it.

The model file (``NAME.model.json``, format 3, :mod:`profilefit.core.artifact._format`) holds the
fitted classifier's numbers, the instrument and the norm group, and no code: any supported
scikit-learn reads it. The manifest (``NAME.manifest.json``) records the file's sha256, the
versions that wrote it, the seed and the evaluation. :func:`load_artifact` reads the file once,
hashes those bytes and refuses them if the checksum differs from the manifest *before* parsing
them; a pipe or device is refused outright. The scikit-learn that wrote a model is recorded and
reported (:func:`describe_artifact`), not refused.

Legacy ``.joblib`` models (payload format 2) still load, from their linear core and without
unpickling their estimator, with a :class:`LegacyModelWarning` asking to re-save them
(:func:`convert_artifact`, ``profilefit model convert``).

Scoring needs only the classifier's linear core (means, scales, coefficients, intercepts,
classes). Loading a model for scoring therefore does not import scikit-learn; the estimator is
rebuilt from the stored arrays the first time someone asks for it.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import stat
import threading
import warnings
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import joblib
import numpy as np
from pydantic import ConfigDict, Field

from profilefit._frozen import FrozenModel
from profilefit.core.artifact._format import (
    FORMAT,
    FORMAT_VERSION,
    MODEL_SUFFIX,
    FittedState,
    LinearCore,
    dump_model,
    parse_model,
)
from profilefit.core.artifact._legacy import LEGACY_PAYLOAD_FORMAT, LEGACY_SUFFIX, parse_legacy
from profilefit.core.instrument import Instrument
from profilefit.core.scoring import NormGroup
from profilefit.exceptions import LegacyModelWarning, ModelIntegrityError

if TYPE_CHECKING:
    from profilefit.core.classifier import ProfileClassifier

MANIFEST_SUFFIX = ".manifest.json"


class Manifest(FrozenModel):
    """What a model file is, who made it with what, and how well it did."""

    # extra="forbid": a hand-edited manifest with a misspelt key is refused, not half-trusted.
    model_config = ConfigDict(protected_namespaces=())

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
    """A loaded model: its linear core, the instrument it reads, its norm group and its manifest.

    ``estimator`` gives the :class:`~profilefit.core.classifier.ProfileClassifier` itself, rebuilt from
    the stored arrays (and scikit-learn imported) on first use. ``format_version`` is the file's:
    3, or 2 for a legacy joblib model.
    """

    linear: LinearCore
    instrument: Instrument
    norms: NormGroup
    manifest: Manifest
    state: FittedState = field(repr=False)
    format_version: int = FORMAT_VERSION
    _cache: dict[str, Any] = field(repr=False, default_factory=dict)
    _lock: threading.Lock = field(repr=False, default_factory=threading.Lock)

    @property
    def estimator(self) -> ProfileClassifier:
        """The fitted estimator (rebuilt from the stored arrays on first use)."""
        with self._lock:
            if "estimator" not in self._cache:
                self._cache["estimator"] = self.state.rebuild()
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
    """Where a model file's manifest lives: ``NAME.manifest.json`` beside ``NAME.model.json`` (or ``NAME.joblib``)."""
    path = Path(model_path)
    stem = path.name.removesuffix(MODEL_SUFFIX).removesuffix(LEGACY_SUFFIX)
    return path.with_name(stem + MANIFEST_SUFFIX)


def _write_model(data: bytes, path: Path, manifest: Manifest) -> Manifest:
    """Write a model file's bytes, then its manifest naming their sha256; return that manifest."""
    if not path.name.endswith(MODEL_SUFFIX):
        raise ValueError(
            f"{path}: a model file's name ends with {MODEL_SUFFIX} (its manifest then ends with {MANIFEST_SUFFIX})"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    manifest = manifest.model_copy(update={"file": path.name, "sha256": hashlib.sha256(data).hexdigest()})
    manifest_path(path).write_text(json.dumps(manifest.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8")
    return manifest


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
    """Write ``path`` (``NAME.model.json``, format 3) and its manifest; return the manifest.

    ``created`` is passed in rather than read from the clock so that retraining
    from the same seed reproduces the same manifest apart from what truly changed.

    Raises
    ------
    ValueError
        If ``path`` does not end with ``.model.json``, or a fitted number is not finite.
    """
    data = dump_model(FittedState.of(estimator), instrument, norms)
    manifest = Manifest(
        model_id=model_id,
        file=Path(path).name,
        sha256=hashlib.sha256(data).hexdigest(),
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
    return _write_model(data, Path(path), manifest)


def convert_artifact(source: str | Path, out: str | Path) -> Manifest:
    """Re-save a model (a legacy ``.joblib`` one, typically) as ``out`` (``NAME.model.json``), with its manifest.

    The source is checked against its manifest and loaded as :func:`load_artifact` does: a legacy
    estimator pickle is never unpickled, the numbers come from its linear core, so the converted
    model predicts exactly as the source did. The new manifest keeps the source's (model id,
    versions that trained it, seed, metrics), naming the new file and its sha256. Convert only
    legacy files you trust: reading one unpickles its numpy arrays.

    Returns
    -------
    Manifest
        The manifest written beside ``out``.
    """
    with warnings.catch_warnings():
        # The warning asks for exactly this conversion.
        warnings.simplefilter("ignore", LegacyModelWarning)
        artifact = load_artifact(source)
    data = dump_model(artifact.state, artifact.instrument, artifact.norms)
    return _write_model(data, Path(out), artifact.manifest)


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
        A model file (``NAME.model.json``, or a legacy ``NAME.joblib``) with its manifest
        beside it, or the name of a shipped model (:data:`SHIPPED_MODELS`: ``"reference-2.0"``
        for instrument 2.0); by default the shipped reference model of instrument 1.2.
    allow_version_mismatch : bool, default=False
        No longer needed, and ignored: a model file holds no code, so a scikit-learn other than
        the one that wrote it loads it (see :func:`describe_artifact`). Accepted so that
        callers written for earlier versions keep working.

    Raises
    ------
    ModelIntegrityError
        If the file's sha256 differs from the manifest, or it lacks what its format holds.
    ModelVersionError
        If the file's format is newer than this profilefit reads, or not a profilefit format.

    Warns
    -----
    LegacyModelWarning
        For a legacy ``.joblib`` model: it loads (its estimator pickle is never unpickled);
        re-save it with ``profilefit model convert``.
    """
    del allow_version_mismatch  # kept for compatibility; see the docstring
    path = model_file(path)
    manifest = read_manifest(path)
    # One read: the bytes that are hashed are the bytes that are parsed, so a file changed
    # (or a pipe fed) between a check and a load cannot be what is read.
    data = read_regular_file(path)
    actual = hashlib.sha256(data).hexdigest()
    if actual != manifest.sha256:
        raise ModelIntegrityError(
            f"refusing to load {path}: its sha256 is {actual}, but its manifest says {manifest.sha256}. "
            "The file was changed or damaged after it was written. Restore the original file, "
            "or retrain with `profilefit train` to write a new model and manifest."
        )
    if path.name.endswith(LEGACY_SUFFIX):
        state, instrument, norms = parse_legacy(data, path, seed=manifest.seed)
        return ModelArtifact(state.linear, instrument, norms, manifest, state, LEGACY_PAYLOAD_FORMAT)
    state, instrument, norms = parse_model(data, path)
    return ModelArtifact(state.linear, instrument, norms, manifest, state, FORMAT_VERSION)


def describe_artifact(path: str | Path | None = None) -> str:
    """What a model file is and what wrote it, as the lines ``profilefit model info`` prints.

    The model is loaded (and so checked against its manifest). The scikit-learn that wrote it is
    reported beside the installed one: a difference is a fact worth knowing, not an error, because
    the model predicts with its own numpy arithmetic.
    """
    path = Path(path) if path is not None else reference_model_path()
    artifact = load_artifact(path)
    manifest = artifact.manifest
    written = manifest.versions
    installed = _installed_scikit_learn()
    sklearn_written = written.get("scikit-learn", "unknown")
    same = "the same" if sklearn_written == installed else "differs; the model file holds no code, so it loads alike"
    file_format = (
        f"{FORMAT} {artifact.format_version}"
        if artifact.format_version == FORMAT_VERSION
        else f"legacy joblib (payload format {artifact.format_version}); re-save with `profilefit model convert`"
    )
    temperature = artifact.state.temperature
    lines = [
        f"file                 {path}",
        f"format               {file_format}",
        f"sha256               {manifest.sha256} (matches the manifest)",
        f"model id             {manifest.model_id}",
        f"trained on           {manifest.trained_on}, created {manifest.created}, seed {manifest.seed}",
        f"instrument           {manifest.instrument_id} {manifest.instrument_version}, "
        f"{artifact.state.n_features_in} features",
        f"profiles             {', '.join(manifest.profile_ids)}",
        f"temperature          {'not recorded' if temperature is None else repr(temperature)}",
        "written with         " + ", ".join(f"{name} {version}" for name, version in written.items()),
        f"installed            scikit-learn {installed} ({same})",
    ]
    return "\n".join(lines)


#: The shipped reference models by name: ``reference`` (and ``reference-1.2``) reads instrument 1.2,
#: ``reference-2.0`` the forced-choice instrument 2.0. Folder and file inside ``profilefit.models``.
SHIPPED_MODELS = {
    "reference": ("reference", "profilefit-reference"),
    "reference-1.2": ("reference", "profilefit-reference"),
    "reference-2.0": ("reference-2", "profilefit-reference-2"),
}


def model_file(path: str | Path | None) -> Path:
    """The model file a ``--model`` value names: a path, a shipped model's name, or (``None``) the 1.2 reference.

    A name is read as a file when a file of that name exists in the working folder.
    """
    if path is None:
        return reference_model_path()
    file = Path(path)
    return reference_model_path(str(path)) if str(path) in SHIPPED_MODELS and not file.exists() else file


def reference_model_path(name: str = "reference") -> Path:
    """Path of a shipped reference model inside the installed package (:data:`SHIPPED_MODELS`).

    Examples
    --------
    >>> reference_model_path("reference-2.0").name
    'profilefit-reference-2.model.json'
    """
    if name not in SHIPPED_MODELS:
        raise ValueError(f"no shipped model named {name!r}; allowed: {', '.join(SHIPPED_MODELS)}")
    folder, stem = SHIPPED_MODELS[name]
    return Path(str(resources.files("profilefit.models").joinpath(folder, stem + MODEL_SUFFIX)))
