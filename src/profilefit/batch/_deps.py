"""The optional libraries batch scoring uses, imported only when a batch runs.

Core profilefit (load a model, score one candidate) needs none of them. Reading
and writing exports needs the ``io`` extra; running on a Dask cluster needs the
``dask`` extra. A missing library gives an error that names the extra to install.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: The extra that provides each optional top-level module.
_EXTRA_OF = {
    "pyarrow": "io",
    "pandas": "io",
    "openpyxl": "io",
    "python_calamine": "io",
    "tqdm": "io",
    "dask": "dask",
    "distributed": "dask",
}


class MissingExtraError(ImportError):
    """An optional library that batch scoring needs is not installed; the message says which extra adds it."""


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
        top = module.partition(".")[0]
        extra = _EXTRA_OF.get(top, "io")
        raise MissingExtraError(
            f'{purpose} needs {top}, which is not installed; install it with: pip install "profilefit[{extra}]"'
        ) from error
