"""The threads that overlap reading, scoring and writing keep order and hand errors to the caller."""

from __future__ import annotations

import contextlib
import threading

import pytest

from profilefit.data.batch._pipeline import BackgroundSink, prefetch


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


def _blas_threads():
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_a_batch_runs_with_one_blas_thread_and_restores_the_setting_after(screener):
    from threadpoolctl import threadpool_limits

    from profilefit.data.batch import score_batch
    from profilefit.data.simulate import simulate

    records = simulate(30, seed=5).responses.to_records()
    seen = []

    def watched():
        for record in records:
            seen.append(_blas_threads())
            yield record

    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        batch = score_batch(screener, watched())
        after = _blas_threads()
    assert batch.summary.rows_scored == 30
    assert before and all(threads == 2 for threads in before)  # numpy's BLAS, as set for this test
    assert seen and all(threads == [1] * len(before) for threads in seen)
    assert after == before


def test_overlapping_batches_restore_the_setting_only_when_the_last_ends():
    from threadpoolctl import threadpool_limits

    from profilefit.data.batch._threads import single_blas_thread

    with threadpool_limits(limits=2, user_api="blas"):
        first, second = single_blas_thread(), single_blas_thread()
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)  # the first to start ends first: the second still runs
        assert set(_blas_threads()) == {1}
        second.__exit__(None, None, None)
        assert set(_blas_threads()) == {2}
