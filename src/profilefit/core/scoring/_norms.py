"""Norms: where a scale score stands in a norm group.

A norm group is stored as the distinct scale scores it contains and how many
people had each, so percentiles are exact mid-rank percentiles of that group:
the share scoring below plus half the share scoring the same. Reports name the
norm group, because the group chosen can move a percentile by many points.
"""

from __future__ import annotations

import bisect
import json
import math
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from annotated_types import MinLen
from numpy.typing import NDArray
from pydantic import Field

from profilefit._frozen import FrozenModel

_TIE_TOLERANCE = 1e-9
#: Scores on multiples of 1/_GRID are looked up in a table (420 = lcm(1, ..., 7): every mean
#: of up to seven whole-number answers); batches smaller than _GRID_MIN_ROWS are searched.
_GRID = 420
_GRID_MIN_ROWS = 256
#: From this many scores of one scale on, searched in a scale with at least this many distinct norm values,
#: the scores are sorted before the search (:meth:`NormGroup._searched`): sorted keys walk a long array of
#: values in order (50,000 scores in 200,000 values: 4.2 ms sorted, 8.4 unsorted), but for a short one, as
#: the shipped norms' few hundred values per scale, the sort costs more than it saves (480: 3.6 against 3.1).
_SORTED_SEARCH_MIN = 2048
_SORTED_SEARCH_MIN_VALUES = 2048
#: From this many scores of one scale on (and unsorted), the search goes by buckets (:meth:`NormGroup._bucket_search`).
_BUCKET_MIN_ROWS = 256


class ScaleDistribution(FrozenModel):
    """Distinct scores of one scale in the norm group, with their counts."""

    values: Annotated[list[float], MinLen(1)]
    counts: Annotated[list[int], MinLen(1)]
    mean: float
    sd: float


class NormGroup(FrozenModel):
    """Scale-score distributions of a reference group of candidates.

    Examples
    --------
    >>> import numpy as np
    >>> norms = NormGroup.from_scores("demo", ["a"], np.array([[1.0], [2.0], [3.0], [4.0]]))
    >>> float(norms.percentiles(np.array([[2.0]]))[0, 0])
    37.5
    """

    # extra="forbid": a norm file with a misspelt key is refused, not half-read.
    schema_version: Literal["1"] = "1"
    name: str
    description: str = ""
    n: int
    scales: dict[str, ScaleDistribution] = Field(default_factory=dict)

    @classmethod
    def from_scores(
        cls, name: str, scale_ids: tuple[str, ...] | list[str], scores: NDArray[np.float64], description: str = ""
    ) -> NormGroup:
        """Build a norm group from scale scores of shape (n, n_scales); ``nan`` scores are left out."""
        distributions = {}
        for column, scale_id in enumerate(scale_ids):
            column_scores = scores[:, column]
            column_scores = np.round(column_scores[~np.isnan(column_scores)], 9)
            if column_scores.size == 0:
                raise ValueError(f"norm group {name!r} has no score on scale {scale_id!r}")
            values, counts = np.unique(column_scores, return_counts=True)
            distributions[scale_id] = ScaleDistribution(
                values=values.tolist(),
                counts=counts.tolist(),
                mean=float(column_scores.mean()),
                sd=float(column_scores.std(ddof=1)) if column_scores.size > 1 else 0.0,
            )
        return cls(name=name, description=description, n=int(scores.shape[0]), scales=distributions)

    def percentiles(self, scores: NDArray[np.float64], scale_ids: tuple[str, ...] | None = None) -> NDArray[np.float64]:
        """Mid-rank percentiles (0–100) of scale scores of shape (n, n_scales); ``nan`` stays ``nan``."""
        scale_ids = tuple(scale_ids or self.scales)
        if scores.shape[0] < _GRID_MIN_ROWS:
            return self._searched(scores, scale_ids)
        # Scale means are fractions with small denominators, so almost every score sits on a
        # grid of 1/420 steps: look those up in a table, and search only the others.
        low, table = self._grid_table(scale_ids)
        steps = scores * _GRID
        index = np.rint(steps)
        on_grid = (np.abs(steps - index) < 1e-6) & (index >= low) & (index < low + table.shape[1])
        if not on_grid.any():  # Thurstonian estimates (2.0) never are: the search alone gives every value
            return self._searched(scores, scale_ids)
        position = np.where(on_grid, index - low, 0).astype(np.intp)
        result: NDArray[np.float64] = table[np.arange(len(scale_ids))[None, :], position]
        off_grid = ~on_grid & ~np.isnan(scores)
        if off_grid.any():
            rows = np.flatnonzero(off_grid.any(axis=1))
            searched = self._searched(scores[rows], scale_ids)
            result[rows] = np.where(off_grid[rows], searched, result[rows])
        result[np.isnan(scores)] = np.nan
        return result

    def percentiles_row(self, scores: list[float], scale_ids: tuple[str, ...]) -> list[float]:
        """:meth:`percentiles` of one candidate's scale scores, in plain Python (the same searched arithmetic).

        Each score is searched in its scale's stretch of the stacked array, as :meth:`_searched` searches
        it (a score far outside the norm values stays in its own scale's stretch), and the same float
        arithmetic follows.
        """
        values, cumulative, bases, offsets, totals, starts = self._stacked_lists(scale_ids)
        result = []
        for k, (score, base, offset, total) in enumerate(zip(scores, bases, offsets, totals, strict=True)):
            if score != score:  # nan stays nan
                result.append(math.nan)
                continue
            shifted = score + offset
            start, end = starts[k], starts[k + 1]
            below = cumulative[bisect.bisect_left(values, shifted - _TIE_TOLERANCE, start, end)] - base
            up_to = cumulative[bisect.bisect_right(values, shifted + _TIE_TOLERANCE, start, end)] - base
            result.append(100.0 * (below + 0.5 * (up_to - below)) / total)
        return result

    def _stacked_lists(
        self, scale_ids: tuple[str, ...]
    ) -> tuple[list[float], list[float], list[float], list[float], list[float], list[int]]:
        cache: dict[tuple[str, ...], Any] = self.__dict__.setdefault("_stacked_list_cache", {})
        if scale_ids not in cache:
            values, cumulative, bases, offsets, starts = self._stacked(tuple(scale_ids))
            totals = [self._totals[scale_id] for scale_id in scale_ids]
            listed = (values.tolist(), cumulative.tolist(), bases.tolist(), offsets.tolist(), totals, list(starts))
            cache[scale_ids] = listed
        lists: tuple[list[float], list[float], list[float], list[float], list[float], list[int]] = cache[scale_ids]
        return lists

    def _grid_table(self, scale_ids: tuple[str, ...]) -> tuple[float, NDArray[np.float64]]:
        cache: dict[tuple[str, ...], Any] = self.__dict__.setdefault("_grid_cache", {})
        if scale_ids not in cache:
            lowest = min(min(self.scales[s].values) for s in scale_ids)
            highest = max(max(self.scales[s].values) for s in scale_ids)
            low = (np.floor(lowest) - 1) * _GRID
            grid = np.arange(low, (np.ceil(highest) + 1) * _GRID + 1) / _GRID
            columns = np.repeat(grid[:, None], len(scale_ids), axis=1)
            cache[scale_ids] = (float(low), self._searched(columns, scale_ids).T.copy())
        grid_table: tuple[float, NDArray[np.float64]] = cache[scale_ids]
        return grid_table

    def _searched(self, scores: NDArray[np.float64], scale_ids: tuple[str, ...]) -> NDArray[np.float64]:
        values, cumulative, bases, offsets, starts = self._stacked(tuple(scale_ids))
        # The scales are stacked in one array, scale k's values shifted by k * offset, far enough apart that
        # they never interleave; each scale's scores are searched in its own stretch of it (a smaller search,
        # which stays in cache), which finds the very index a search of the whole array would. ``nan``
        # scores are not searched: they stay ``nan``.
        totals = np.array([self._totals[scale_id] for scale_id in scale_ids])
        result = np.full(scores.shape, np.nan)
        for k in range(len(scale_ids)):
            column = scores[:, k]
            present = ~np.isnan(column)
            if not present.any():
                continue
            shifted = column[present] + offsets[k]
            stretch = values[starts[k] : starts[k + 1]]
            sort = shifted.size >= _SORTED_SEARCH_MIN and stretch.size >= _SORTED_SEARCH_MIN_VALUES
            order = np.argsort(shifted) if sort else None
            if order is not None:  # sorted keys walk the values in order: about twice as fast, same indices
                shifted = shifted[order]
            keys = shifted - _TIE_TOLERANCE
            if order is None and shifted.size >= _BUCKET_MIN_ROWS:
                low = self._bucket_search(scale_ids, k, stretch, keys)
            else:
                low = np.searchsorted(stretch, keys, side="left")
            # Every value from ``low`` on is at least the score less the tolerance; when the first of them is
            # also above the score plus the tolerance, so are the rest, and the second search would give
            # ``low`` again. It is needed only where a norm value lies within the tolerance (ties): searched
            # there alone, the same keys, so the same indices.
            upper = shifted + _TIE_TOLERANCE
            high = low.copy()
            tied = np.flatnonzero(stretch.take(np.minimum(low, len(stretch) - 1)) <= upper)
            tied = tied[low[tied] < len(stretch)]
            if tied.size:
                high[tied] = np.searchsorted(stretch, upper[tied], side="right")
            if order is not None:
                low[order], high[order] = low.copy(), high.copy()
            below = cumulative[starts[k] + low]
            up_to = cumulative[starts[k] + high]
            below = below - bases[k]
            up_to = up_to - bases[k]
            result[present, k] = 100.0 * (below + 0.5 * (up_to - below)) / totals[k]
        return result

    def _bucket_search(
        self, scale_ids: tuple[str, ...], k: int, stretch: NDArray[np.float64], keys: NDArray[np.float64]
    ) -> NDArray[np.intp]:
        """``np.searchsorted(stretch, keys, side="left")``, the same indices, by equal-width buckets.

        The stretch's span is cut into four buckets per value; each bucket knows the index of its left
        edge. A key's bucket gives a first guess, moved on past at most two values below the key, and then
        checked: the index is right when the value before it is below the key and the value at it is not
        (the values are distinct and sorted, so exactly one index passes). Keys that fail, at a bucket's
        edge or in a crowded bucket, are searched as before. About a third of the binary search's time.
        """
        cache: dict[tuple[tuple[str, ...], int], Any] = self.__dict__.setdefault("_bucket_cache", {})
        if (scale_ids, k) not in cache:
            buckets = 4 * len(stretch)
            first, width = float(stretch[0]), float(stretch[-1] - stretch[0]) / buckets or 1.0
            edges = first + np.arange(buckets + 1) * width
            cache[(scale_ids, k)] = (first, 1.0 / width, np.searchsorted(stretch, edges, side="left"))
        first, per_width, edge_index = cache[(scale_ids, k)]
        last = len(stretch) - 1
        bucket = np.clip((keys - first) * per_width, 0, len(edge_index) - 1).astype(np.intp)
        low = edge_index.take(bucket)
        for _ in range(2):
            low += (low <= last) & (stretch.take(np.minimum(low, last)) < keys)
        above = (low > last) | (stretch.take(np.minimum(low, last)) >= keys)
        below = (low == 0) | (stretch.take(np.maximum(low - 1, 0)) < keys)
        wrong = np.flatnonzero(~(above & below))
        if wrong.size:
            low[wrong] = np.searchsorted(stretch, keys[wrong], side="left")
        return low

    @cached_property
    def _totals(self) -> dict[str, float]:
        return {scale_id: float(sum(d.counts)) for scale_id, d in self.scales.items()}

    def _stacked(
        self, scale_ids: tuple[str, ...]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], list[int]]:
        """The scales' norm values stacked in one sorted array, and what :meth:`_searched` needs to read it.

        Scale k's values are shifted by ``offsets[k]``; with them come the cumulative counts, each scale's
        count before it (``bases``), the offsets, and where each scale's values start (and where the last ends).
        """
        cache: dict[tuple[str, ...], Any] = self.__dict__.setdefault("_stacked_cache", {})
        if scale_ids not in cache:
            span = max(max(abs(v) for v in self.scales[s].values) for s in scale_ids) * 4 + 10.0
            offsets = np.arange(len(scale_ids)) * span
            values, counts, bases, starts = [], [], [], [0]
            running = 0.0
            for k, scale_id in enumerate(scale_ids):
                distribution = self.scales[scale_id]
                values.append(np.asarray(distribution.values, dtype=np.float64) + offsets[k])
                counts.append(np.asarray(distribution.counts, dtype=np.float64))
                bases.append(running)
                starts.append(starts[-1] + len(distribution.values))
                running += float(sum(distribution.counts))
            cumulative = np.concatenate([[0.0], np.cumsum(np.concatenate(counts))])
            cache[scale_ids] = (np.concatenate(values), cumulative, np.asarray(bases), offsets, starts)
        stacked: tuple[
            NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], list[int]
        ] = cache[scale_ids]
        return stacked

    def stens(self, scores: NDArray[np.float64], scale_ids: tuple[str, ...] | None = None) -> NDArray[np.float64]:
        """Standard tens (1–10, mean 5.5, SD 2) against this group's mean and SD, rounded and clipped."""
        scale_ids = scale_ids or tuple(self.scales)
        means = np.array([self.scales[s].mean for s in scale_ids])
        sds = np.array([self.scales[s].sd or 1.0 for s in scale_ids])
        return np.clip(np.round(5.5 + 2.0 * (scores - means) / sds), 1, 10)

    def save(self, path: str | Path) -> None:
        """Write the norm group as JSON."""
        Path(path).write_text(json.dumps(self.model_dump(mode="json"), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> NormGroup:
        """Read a norm group written by :meth:`save`."""
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))


def bundled_norms() -> NormGroup:
    """The norm group that ships with profilefit: simulated applicants (see docs/simulation.md)."""
    text = resources.files("profilefit").joinpath("data", "norms_customer_contact.json").read_text("utf-8")
    return NormGroup.model_validate_json(text)
