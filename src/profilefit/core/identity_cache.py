"""Caching on object identity, for derived tables of frozen models.

Frozen pydantic models that hold lists are not hashable, so ``functools.lru_cache``
cannot key on them. Instruments and configs are immutable, so a result computed
from one object stays right for as long as that object lives.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

Result = TypeVar("Result")


def identity_cache(maxsize: int = 16) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Cache a function of immutable objects on the identity of its positional arguments."""

    def decorate(func: Callable[..., Result]) -> Callable[..., Result]:
        entries: OrderedDict[tuple[int, ...], tuple[tuple[Any, ...], Result]] = OrderedDict()

        @functools.wraps(func)
        def cached(*args: Any) -> Result:
            key = tuple(id(arg) for arg in args)
            hit = entries.get(key)
            if hit is not None:
                return hit[1]
            result = func(*args)
            # Holding the arguments keeps their ids from being reused by new objects.
            entries[key] = (args, result)
            while len(entries) > maxsize:
                entries.popitem(last=False)
            return result

        return cached

    return decorate
