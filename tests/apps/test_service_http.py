"""The serve protocol writes an answer's head with its body: the same bytes as uvicorn's, in fewer writes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("httptools")
pytest.importorskip("uvicorn")

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from profilefit.apps.service._http import CoalescingHttpToolsProtocol

#: The date and server headers uvicorn adds, fixed so that two runs write the same bytes.
DEFAULT_HEADERS = [(b"date", b"Mon, 07 Dec 2026 06:00:00 GMT"), (b"server", b"uvicorn")]


class Transport:
    """What uvicorn's protocol needs of a socket's transport, recording every write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed, "written after close"
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def set_protocol(self, protocol: Any) -> None:
        pass


def app_sending(status: int, headers: list[tuple[bytes, bytes]], parts: list[bytes], fail: bool = False) -> Any:
    """An ASGI app that reads the whole request, then answers with ``parts`` (or fails after the head)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if fail:
            raise RuntimeError("the app failed after the head")
        for index, part in enumerate(parts):
            await send({"type": "http.response.body", "body": part, "more_body": index < len(parts) - 1})

    return app


def exchange(protocol_class: type[HttpToolsProtocol], app: Any, request: bytes) -> Transport:
    """Serve one raw request with ``protocol_class`` over a recording transport; what it wrote."""

    async def run() -> Transport:
        config = Config(app, http=protocol_class, lifespan="off", access_log=False, log_level="critical")
        config.load()
        state = ServerState()
        state.default_headers = list(DEFAULT_HEADERS)
        protocol = protocol_class(config=config, server_state=state, app_state={}, _loop=asyncio.get_running_loop())
        transport = Transport()
        protocol.connection_made(transport)  # type: ignore[arg-type]
        protocol.data_received(request)
        for _ in range(200):  # every task of the exchange has run
            await asyncio.sleep(0)
            if not protocol.tasks:
                break
        await asyncio.sleep(0)
        return transport

    return asyncio.run(run())


def request_bytes(method: str, body: bytes, *, close: bool = False, expect: bool = False) -> bytes:
    head = [f"{method} /v1/score HTTP/1.1", "Host: example", f"Content-Length: {len(body)}"]
    head += ["Connection: close"] if close else []
    head += ["Expect: 100-continue"] if expect else []
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


def both(app: Any, request: bytes) -> tuple[Transport, Transport]:
    return exchange(CoalescingHttpToolsProtocol, app, request), exchange(HttpToolsProtocol, app, request)


def test_a_score_answer_is_one_write_with_uvicorns_bytes():
    body = b'{"candidate_id": "c-1"}'
    app = app_sending(200, [(b"content-type", b"application/json"), (b"content-length", b"15")], [b'{"profile":"x"}'])
    ours, theirs = both(app, request_bytes("POST", body))
    assert len(theirs.writes) == 2  # uvicorn's own: head, then body
    assert ours.writes == [b"".join(theirs.writes)]
    assert ours.writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and ours.writes[0].endswith(b'{"profile":"x"}')
    assert not ours.closed and not theirs.closed  # keep-alive, as uvicorn


def test_a_head_request_writes_its_head_when_the_answer_ends():
    app = app_sending(200, [(b"content-length", b"5")], [b"hello"])
    ours, theirs = both(app, request_bytes("HEAD", b""))
    assert ours.writes == theirs.writes and len(ours.writes) == 1 and b"hello" not in ours.writes[0]


def test_100_continue_goes_out_at_once_and_the_answer_in_one_write():
    app = app_sending(201, [(b"content-length", b"2")], [b"ok"])
    ours, theirs = both(app, request_bytes("POST", b"{}", expect=True))
    assert ours.writes[0] == b"HTTP/1.1 100 Continue\r\n\r\n" == theirs.writes[0]
    assert ours.writes[1:] == [b"".join(theirs.writes[1:])]


def test_connection_close_writes_the_answer_before_closing():
    app = app_sending(200, [(b"content-length", b"2")], [b"ok"])
    ours, theirs = both(app, request_bytes("GET", b"", close=True))
    assert ours.closed and theirs.closed
    assert ours.writes == [b"".join(theirs.writes)]


def test_an_app_that_fails_after_the_head_leaves_the_same_bytes_and_a_closed_connection():
    app = app_sending(200, [(b"content-length", b"2")], [], fail=True)
    ours, theirs = both(app, request_bytes("GET", b""))
    assert b"".join(ours.writes) == b"".join(theirs.writes) and ours.writes
    assert ours.closed and theirs.closed


parts_strategy = st.lists(st.binary(max_size=40), min_size=1, max_size=4)


@given(
    method=st.sampled_from(["GET", "POST", "HEAD", "DELETE"]),
    status=st.sampled_from([200, 201, 204, 400, 404, 413, 422, 500]),
    parts=parts_strategy,
    chunked=st.booleans(),
    close=st.booleans(),
    body=st.binary(max_size=64),
)
@settings(max_examples=60, deadline=None)
def test_property_the_same_bytes_as_uvicorn_in_no_more_writes(method, status, parts, chunked, close, body):
    """Rule: whatever the answer, the bytes on the wire are uvicorn's, the head never goes out alone
    while a body part follows, and the connection ends as uvicorn ends it."""
    if status == 204:
        parts = [b""]
    headers = [(b"content-type", b"application/octet-stream")]
    if not chunked:
        length = 0 if method == "HEAD" or status == 204 else sum(len(part) for part in parts)
        headers.append((b"content-length", str(length).encode()))
        if method == "HEAD":
            parts = [b""]
    app = app_sending(status, headers, parts)
    ours, theirs = both(app, request_bytes(method, b"" if method in ("GET", "HEAD") else body, close=close))
    assert b"".join(ours.writes) == b"".join(theirs.writes)
    assert len(ours.writes) <= len(theirs.writes)
    assert ours.closed == theirs.closed
    if len(theirs.writes) >= 2:  # a head and something after it: they travel together
        assert ours.writes[0] == theirs.writes[0] + theirs.writes[1]
