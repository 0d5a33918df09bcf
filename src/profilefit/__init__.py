"""profilefit: hire for complex-case customer support, fairly and explainably.

The front door holds what most callers need, loaded on first use so that ``import profilefit``
stays quick and reads no files::

    import profilefit

    screener = profilefit.Screener.load()         # the shipped reference model
    result = screener.score(answers)                  # one candidate, typed result
    batch = profilefit.score_batch(screener, table)   # many candidates

Everything else lives in the floor folders (docs/architecture.md): ``profilefit.core``,
``profilefit.data``, ``profilefit.pages``, ``profilefit.evidence`` and ``profilefit.apps``. Every
error the library raises on purpose is a :class:`profilefit.exceptions.ProfilefitError`, with two
exceptions that come from the input itself: an assessment that breaks the schema raises pydantic's
``ValidationError`` (every field with its value; :func:`profilefit.core.schema.describe_errors` makes
records of it), and an assessment that is neither a mapping nor JSON text a ``TypeError``.
``profilefit.__version__`` is the installed version. The library logs diagnostics to the
``profilefit`` logger (with a ``NullHandler``, so nothing is printed unless the application
configures logging) and warns, with :mod:`warnings`, about what a caller should see.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from profilefit import _moved

logging.getLogger(__name__).addHandler(logging.NullHandler())
_moved.install()

#: Name at the front door -> the module it lives in.
_FRONT_DOOR = {
    "Screener": "profilefit.core.screening",
    "ScreeningResult": "profilefit.core.screening",
    "Instrument": "profilefit.core.instrument",
    "load_instrument": "profilefit.core.instrument",
    "RoleProfile": "profilefit.core.fit",
    "load_role": "profilefit.core.fit",
    "builtin_roles": "profilefit.core.fit",
    "assessment_model": "profilefit.core.schema",
    "score_batch": "profilefit.data.batch",
    "score_file": "profilefit.data.batch",
    "ProfilefitError": "profilefit.exceptions",
}

__all__ = [
    "Instrument",
    "ProfilefitError",
    "RoleProfile",
    "Screener",
    "ScreeningResult",
    "__version__",
    "assessment_model",
    "builtin_roles",
    "load_instrument",
    "load_role",
    "score_batch",
    "score_file",
]

if TYPE_CHECKING:  # what a type checker and an editor see; at run time each is loaded on first use
    __version__: str
    from profilefit.core.fit import RoleProfile, builtin_roles, load_role
    from profilefit.core.instrument import Instrument, load_instrument
    from profilefit.core.schema import assessment_model
    from profilefit.core.screening import Screener, ScreeningResult
    from profilefit.data.batch import score_batch, score_file
    from profilefit.exceptions import ProfilefitError


def __getattr__(name: str) -> Any:
    if name in _FRONT_DOOR:
        value = getattr(importlib.import_module(_FRONT_DOOR[name]), name)
        globals()[name] = value
        return value
    if name == "__version__":
        from profilefit._version import installed_version

        return installed_version()
    raise AttributeError(f"module 'profilefit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*__all__, "__doc__", "__file__", "__name__", "__path__"})
