"""Overlapping the stages of a batch: read and validate ahead, write behind.

Reading (pyarrow), scoring (numpy) and writing (pyarrow) spend most of their time in
code that releases the GIL, so running them in three threads keeps two cores busy.
The queues between the stages hold at most a couple of chunks, so memory stays
bounded; order is kept, and an error in any stage reaches the caller.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

Item = TypeVar("Item")

_END = object()
_POLL_SECONDS = 0.1


def _put(channel: queue.Queue[Any], item: Any, stop: threading.Event) -> bool:
    """Put ``item`` unless ``stop`` is set first; return whether it was put."""
    while not stop.is_set():
        try:
            channel.put(item, timeout=_POLL_SECONDS)
            return True
        except queue.Full:
            continue
    return False


def prefetch(items: Iterable[Item], *, depth: int = 1) -> Iterator[Item]:
    """Iterate over ``items`` in a background thread, at most ``depth`` items ahead of the caller.

    Parameters
    ----------
    items : iterable
        Produced in the background thread (it must not share unlocked state with the caller).
    depth : int, default=1
        How many items may wait in the queue.

    Yields
    ------
    item
        The items, in order. An exception raised while producing them is raised here.
    """
    channel: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        iterator = iter(items)
        try:
            for item in iterator:
                if not _put(channel, (item, None), stop):
                    return
            _put(channel, (_END, None), stop)
        except BaseException as error:  # handed to the caller, who raises it
            _put(channel, (_END, error), stop)
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="profilefit-batch-reader", daemon=True)
    thread.start()
    try:
        while True:
            item, error = channel.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        thread.join()


class BackgroundSink:
    """Calls ``consume(item)`` for each :meth:`put` item in a background thread, in order.

    Parameters
    ----------
    consume : callable
        Runs in the background thread.
    depth : int, default=1
        How many items may wait.
    """

    def __init__(self, consume: Callable[[Any], None], *, depth: int = 1) -> None:
        self._consume = consume
        self._channel: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="profilefit-batch-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._channel.get()
            if item is _END:
                return
            if self._error is None:
                try:
                    self._consume(item)
                except BaseException as error:  # raised in the caller's thread by put or close
                    self._error = error
                    self._stop.set()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def put(self, item: Any) -> None:
        """Hand over one item; raises the error of an earlier item, if any."""
        self._raise()
        _put(self._channel, item, self._stop)
        self._raise()

    def close(self) -> None:
        """Wait until every item is consumed; raise the first error, if any."""
        self._channel.put(_END)
        self._thread.join()
        self._raise()
