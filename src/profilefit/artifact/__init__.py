"""Model artifacts: save and load a model with a manifest that vouches for it."""

from profilefit.artifact._artifact import (
    LinearCore,
    Manifest,
    ModelArtifact,
    ModelIntegrityError,
    ModelVersionError,
    current_versions,
    file_sha256,
    load_artifact,
    manifest_path,
    read_manifest,
    reference_model_path,
    save_artifact,
)

__all__ = [
    "LinearCore",
    "Manifest",
    "ModelArtifact",
    "ModelIntegrityError",
    "ModelVersionError",
    "current_versions",
    "file_sha256",
    "load_artifact",
    "manifest_path",
    "read_manifest",
    "reference_model_path",
    "save_artifact",
]
