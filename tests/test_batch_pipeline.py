"""The threads that overlap reading, scoring and writing keep order and hand errors to the caller."""

from __future__ import annotations

import contextlib
import threading

import pytest

from profilefit.batch._pipeline import BackgroundSink, prefetch


def test_prefetch_keeps_order_and_runs_in_another_thread():
    seen = []

    def produce():
        for k in range(50):
            seen.append(threading.current_thread().name)
            yield k

    assert list(prefetch(produce())) == list(range(50))
    assert set(seen) == {"profilefit-batch-reader"}


def test_prefetch_raises_the_producers_error_after_the_items_before_it():
    def produce():
        yield 1
        yield 2
        raise ValueError("row 3 is unreadable")

    items = prefetch(produce())
    assert [next(items), next(items)] == [1, 2]
    with pytest.raises(ValueError, match="row 3"):
        next(items)


def test_stopping_early_closes_the_producer():
    closed = threading.Event()

    def produce():
        try:
            k = 0
            while True:
                yield k
                k += 1
        finally:
            closed.set()

    items = prefetch(produce())
    assert next(items) == 0
    items.close()
    assert closed.wait(5)


def test_background_sink_consumes_in_order_and_reports_errors():
    consumed = []
    sink = BackgroundSink(consumed.append)
    for k in range(20):
        sink.put(k)
    sink.close()
    assert consumed == list(range(20))

    def fail(item):
        raise OSError(f"disk full at {item}")

    failing = BackgroundSink(fail)
    with pytest.raises(OSError, match="disk full at 0"):
        try:
            for k in range(100):
                failing.put(k)
        finally:
            with contextlib.suppress(OSError):  # close() raises the same error again; the thread ends
                failing.close()
