"""The optional libraries batch scoring uses, imported only when a batch runs.

Core profilefit (load a model, score one candidate) needs none of them. Reading
and writing exports needs the ``io`` extra; running on a Dask cluster needs the
``dask`` extra. A missing library gives an error that names the extra to install
(:func:`profilefit._extras.require`, which the results file's columns use too).
"""

from __future__ import annotations

from profilefit._extras import require
from profilefit.exceptions import MissingExtraError

__all__ = ["MissingExtraError", "require"]
