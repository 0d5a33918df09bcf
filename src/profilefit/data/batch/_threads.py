"""One BLAS thread while a batch runs.

The scorer's matrix products are small (tens of columns), and OpenBLAS, the BLAS
numpy ships with, keeps its extra threads spinning after each one. In a batch that
spinning takes the second core from the reader and writer threads: on the 2-core
benchmark machine a 1M-row run used 12.9 CPU-seconds with the default BLAS threads
and 7.0-9.3 with one (docs/performance.md). So batch runs hold BLAS at one thread.

The limit is process-wide (BLAS has no per-thread setting). Several batches running at
once in one process share it: the first to start sets it, the last to finish restores
what was there before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_active = 0
_limiter: Any = None


@contextmanager
def single_blas_thread() -> Iterator[None]:
    """Hold BLAS libraries at one thread for the duration of the block (re-entrant, thread-safe)."""
    global _active, _limiter
    with _lock:
        if _active == 0:
            from threadpoolctl import threadpool_limits

            _limiter = threadpool_limits(limits=1, user_api="blas")
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                _limiter.restore_original_limits()
                _limiter = None
