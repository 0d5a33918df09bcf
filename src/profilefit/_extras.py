"""The optional extras: which extra provides each optional library, and how to install one.

profilefit is installed from a checkout (it is not on a package index), so an install hint names
the checkout: ``pip install -e ".[io]"`` run in the profilefit folder. Every message about a missing
extra is written here, so the CLI, the batch layer and the service say the same thing.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from profilefit.exceptions import MissingExtraError

#: The extra that provides each optional top-level module.
EXTRA_OF = {
    "pyarrow": "io",
    "pandas": "io",
    "openpyxl": "io",
    "python_calamine": "io",
    "fastexcel": "io",
    "tqdm": "io",
    "dask": "dask",
    "distributed": "dask",
    "statsmodels": "evidence",
    "fastapi": "service",
    "uvicorn": "service",
    "sqlalchemy": "service",
    "alembic": "service",
    "multipart": "service",
    "python_multipart": "service",
}


def install_hint(extra: str) -> str:
    """How to install an extra from a profilefit checkout.

    Examples
    --------
    >>> install_hint("io")
    'in the profilefit folder (a clone of the repository), run: pip install -e ".[io]" (or pip install ".[io]")'
    """
    return (
        f'in the profilefit folder (a clone of the repository), run: pip install -e ".[{extra}]" '
        f'(or pip install ".[{extra}]")'
    )


def missing_extra(module: str, *, purpose: str) -> MissingExtraError:
    """The error for a missing optional module: what needs it, which extra provides it, and how to install that.

    Parameters
    ----------
    module : str
        The module that could not be imported (dotted names are reduced to the library).
    purpose : str
        What needs it, for example ``"batch scoring"`` or ``"reading Parquet"``.
    """
    top = module.partition(".")[0]
    extra = EXTRA_OF.get(top, "io")
    return MissingExtraError(
        f"{purpose} needs {top}, from the {extra!r} extra, which is not installed; {install_hint(extra)}"
    )


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
