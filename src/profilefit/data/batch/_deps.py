"""The optional libraries batch scoring uses, imported only when a batch runs.

Core profilefit (load a model, score one candidate) needs none of them. Reading
and writing exports needs the ``io`` extra; running on a Dask cluster needs the
``dask`` extra. A missing library gives an error that names the extra to install.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from profilefit._extras import missing_extra
from profilefit.exceptions import MissingExtraError

__all__ = ["MissingExtraError", "require"]


def require(module: str, *, purpose: str = "batch scoring") -> ModuleType:
    """Import an optional module, or raise :class:`MissingExtraError` naming the extra that provides it.

    Parameters
    ----------
    module : str
        Dotted module name, for example ``"pyarrow.csv"``.
    purpose : str, default="batch scoring"
        What needs the module, for the message.

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    MissingExtraError
        If the module (or the library it belongs to) is not installed.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise missing_extra(module, purpose=purpose) from error
