"""What can go wrong when a model file is read, in one place."""

from __future__ import annotations


class ModelIntegrityError(RuntimeError):
    """The model file does not match its manifest's sha256, or is not a regular file."""


class ModelVersionError(RuntimeError):
    """The model file's format is newer than this profilefit reads, or not a profilefit model format at all.

    (Until format 3 this also meant "written by another scikit-learn"; format 3 files hold no code, so a
    scikit-learn version difference is recorded and reported, never refused.)
    """


class LegacyModelWarning(UserWarning):
    """A legacy ``.joblib`` model was loaded; re-save it with ``profilefit model convert``."""
