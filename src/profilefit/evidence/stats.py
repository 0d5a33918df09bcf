"""The statistics every study shares, in one place: the four-fifths rule and the false discovery rate.

The audit, the item-bias analysis, the forecast and the validation studies all judge selection
rates against the four-fifths rule (29 CFR 1607.4(D)) and adjust families of tests with
Benjamini and Hochberg (1995); each takes them from here, so that they cannot drift apart.
The kinds of figure their JSON documents publish (a count, a share, a p-value, a ratio) are named here
too, so that every document's schema states the same bounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Annotated

import annotated_types
import numpy as np
from numpy.typing import ArrayLike, NDArray

#: A number of people or rows.
Count = Annotated[int, annotated_types.Ge(0)]
#: A share of a group, from 0 to 1 (a rate, a share of candidates).
Share = Annotated[float, annotated_types.Ge(0), annotated_types.Le(1)]
#: A p-value or an adjusted p-value (q), from 0 to 1.
Probability = Annotated[float, annotated_types.Ge(0), annotated_types.Le(1)]
#: A ratio of two rates (an impact ratio, a flag ratio): never negative.
Ratio = Annotated[float, annotated_types.Ge(0)]

#: The four-fifths rule: a group's selection rate below this share of the highest group's is
#: evidence of adverse impact (29 CFR 1607.4(D)). Exact, so that a ratio of exactly 4/5 is not below it.
FOUR_FIFTHS = Fraction(4, 5)


def benjamini_hochberg(p_values: ArrayLike | Sequence[float]) -> NDArray[np.float64]:
    """Benjamini–Hochberg (1995) adjusted p-values (q-values), which control the false discovery rate.

    A missing p-value (``nan``) stays ``nan`` and is not counted in the family. Equal to
    ``statsmodels``' ``multipletests(p, method="fdr_bh")`` and scipy's
    ``false_discovery_control(p, method="bh")`` on finite p-values (tests/test_dif_statistics.py).

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.5]).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.5]
    >>> benjamini_hochberg([0.01, float("nan"), 0.02]).tolist()
    [0.02, nan, 0.02]
    """
    p = np.asarray(p_values, dtype=np.float64).reshape(-1)
    q = np.full_like(p, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    m = finite.size
    if m == 0:
        return q
    order = finite[np.argsort(p[finite], kind="stable")]
    ranked = p[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    q[order] = np.minimum(ranked, 1.0)
    return q
