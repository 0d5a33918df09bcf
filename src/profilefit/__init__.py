"""profilefit: hire for complex-case customer support, fairly and explainably.

``profilefit.__version__`` is the installed version. The library logs diagnostics to the
``profilefit`` logger (with a ``NullHandler``, so nothing is printed unless the application
configures logging) and warns, with :mod:`warnings`, about what a caller should see.
"""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # Looked up on first use, so that importing profilefit reads no files.
    if name == "__version__":
        from importlib import metadata

        try:
            return metadata.version("profilefit")
        except metadata.PackageNotFoundError:  # a source tree that is not installed
            return "0+unknown"
    raise AttributeError(f"module 'profilefit' has no attribute {name!r}")
