"""Model artifacts: save and load a model with a manifest that vouches for it."""

from profilefit.artifact._artifact import (
    Manifest,
    ModelArtifact,
    convert_artifact,
    current_versions,
    describe_artifact,
    file_sha256,
    load_artifact,
    manifest_path,
    read_manifest,
    reference_model_path,
    save_artifact,
)
from profilefit.artifact._errors import LegacyModelWarning, ModelIntegrityError, ModelVersionError
from profilefit.artifact._format import FORMAT_VERSION, MODEL_SUFFIX, LinearCore

__all__ = [
    "FORMAT_VERSION",
    "MODEL_SUFFIX",
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
    "read_manifest",
    "reference_model_path",
    "save_artifact",
]
