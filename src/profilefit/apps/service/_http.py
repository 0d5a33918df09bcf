"""uvicorn's httptools protocol, writing an answer's head together with its body: one ``write(2)``, not two.

uvicorn writes the head of an answer (status line and headers) when the app sends
``http.response.start`` and the body when it sends ``http.response.body``: two system calls and
two TCP segments per answer, and a client that may wake twice for it. ASGI has no message that
carries both, so :class:`CoalescingHttpToolsProtocol` gives each request-response cycle a view of
the connection's transport (:class:`_HeadWithBody`) that holds the head back until the first
body part, and writes both at once. Everything else passes straight through:

- a ``100 Continue`` (sent before the answer starts) is written at once;
- an answer that ends without a body part (``HEAD``, an empty body) writes its head when it ends;
- closing the connection writes a head still held back first, as uvicorn would have written it.

The protocol is uvicorn's own apart from that (``profilefit serve`` uses it when httptools is
installed; docs/performance.md, "The service"). It relies on uvicorn starting each cycle through
``HttpToolsProtocol._start_asgi_task``; with a uvicorn that does not, every write passes through
unchanged.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle


class _HeadWithBody:
    """One cycle's view of the transport: the answer's head waits for its first body part."""

    __slots__ = ("_cycle", "_held", "_on_response", "_state", "_transport")

    _START, _HELD, _PASSING = 0, 1, 2

    def __init__(self, transport: Any, cycle: RequestResponseCycle) -> None:
        self._transport, self._cycle = transport, cycle
        self._held = b""
        self._state = self._START
        self._on_response = cycle.on_response
        cycle.on_response = self._completed  # the answer ended: a head still held goes out first

    def write(self, data: bytes) -> None:
        if self._state == self._START and self._cycle.response_started:  # the answer's head
            self._held, self._state = bytes(data), self._HELD
            return
        if self._state == self._HELD:
            data, self._held, self._state = self._held + data, b"", self._PASSING
        self._transport.write(data)

    def flush(self) -> None:
        """Write a head still held back."""
        if self._state == self._HELD:
            held, self._held, self._state = self._held, b"", self._PASSING
            self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def _completed(self) -> None:
        self.flush()
        self._on_response()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol whose answers go out in one write: head and (first) body part together."""

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        cycle.transport = _HeadWithBody(cycle.transport, cycle)  # type: ignore[assignment]
        super()._start_asgi_task(cycle, app)
