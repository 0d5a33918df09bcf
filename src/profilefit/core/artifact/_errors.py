"""What can go wrong when a model file is read (defined in :mod:`profilefit.exceptions`)."""

from profilefit.exceptions import LegacyModelWarning, ModelIntegrityError, ModelVersionError

__all__ = ["LegacyModelWarning", "ModelIntegrityError", "ModelVersionError"]
