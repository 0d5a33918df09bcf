"""Model artifacts: save and load a model with a manifest that vouches for it."""

from profilefit.core.artifact._artifact import (
    SHIPPED_MODELS,
    Manifest,
    ModelArtifact,
    convert_artifact,
    current_versions,
    describe_artifact,
    file_sha256,
    load_artifact,
    manifest_path,
    model_file,
    read_manifest,
    reference_model_path,
    save_artifact,
)
from profilefit.core.artifact._format import FORMAT_VERSION, MODEL_SUFFIX, LinearCore
from profilefit.exceptions import LegacyModelWarning, ModelIntegrityError, ModelVersionError

__all__ = [
    "FORMAT_VERSION",
    "MODEL_SUFFIX",
    "SHIPPED_MODELS",
    "LegacyModelWarning",
    "LinearCore",
    "Manifest",
    "ModelArtifact",
    "ModelIntegrityError",
    "ModelVersionError",
    "convert_artifact",
    "current_versions",
    "describe_artifact",
    "file_sha256",
    "load_artifact",
    "manifest_path",
    "model_file",
    "read_manifest",
    "reference_model_path",
    "save_artifact",
]
