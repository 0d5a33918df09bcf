"""A small driver for headless Chromium over the DevTools protocol on a pipe: no packages beyond the standard library.

Chromium started with ``--remote-debugging-pipe`` reads protocol messages (JSON, each
ended by a NUL byte) on file descriptor 3 and writes its answers and events on 4.
That is all the browser tests need: open a page at a given window size, wait for it
to load, evaluate JavaScript, take a screenshot.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

#: Flags that start Chromium here and in CI: headless, as root in a container, nothing fetched.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)
TIMEOUT = 30.0


def find_chromium() -> str | None:
    """The Chromium executable: ``$CHROMIUM``, else ``chromium`` or ``chromium-browser`` on the path."""
    candidates = [os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser")]
    return next((path for path in candidates if path), None)


class BrowserError(RuntimeError):
    """Chromium answered with an error, went away, or did not answer in time."""


class Chromium:
    """One headless Chromium process with a fresh profile; use as a context manager."""

    def __init__(self, executable: str) -> None:
        self._profile = tempfile.mkdtemp(prefix="profilefit-chromium-")
        to_browser_read, to_browser_write = os.pipe()
        from_browser_read, from_browser_write = os.pipe()
        # The child must find the pipe ends on descriptors 3 and 4; park them high first so
        # that moving one cannot overwrite the other.
        parked_read, parked_write = os.dup(to_browser_read), os.dup(from_browser_write)

        def place_pipes() -> None:
            os.dup2(parked_read, 3)
            os.dup2(parked_write, 4)

        self._process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self._profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=place_pipes,  # only moves descriptors: safe in the forked child
            close_fds=False,
        )
        for fd in (to_browser_read, from_browser_write, parked_read, parked_write):
            os.close(fd)
        self._out = to_browser_write
        self._in = from_browser_read
        self._buffer = b""
        self._events: list[dict[str, Any]] = []
        self._next_id = 0

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Ask the browser to quit, then make sure it has, and remove its profile."""
        with contextlib.suppress(BrowserError, OSError):
            self.call("Browser.close")
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for fd in (self._out, self._in):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self._profile, ignore_errors=True)

    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise BrowserError("Chromium did not answer in time")
            chunk = os.read(self._in, 1 << 16)
            if not chunk:
                raise BrowserError("Chromium closed the pipe")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode("utf-8") + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            answer = self._message(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            if "method" in answer:
                self._events.append(answer)

    def wait_for(self, method: str, session: str) -> dict[str, Any]:
        """Wait for one event of a page (such as ``Page.loadEventFired``)."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            for k, event in enumerate(self._events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return self._events.pop(k)
            self._events.append(self._message(deadline))

    def open(self, path: Path, *, width: int, height: int = 900) -> Page:
        """Open a file in a new tab of ``width`` by ``height`` CSS pixels and wait until it has loaded."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session,
        )
        self.call("Page.enable", {}, session)
        self._events = [e for e in self._events if e.get("sessionId") != session]
        self.call("Page.navigate", {"url": path.resolve().as_uri()}, session)
        self.wait_for("Page.loadEventFired", session)
        return Page(self, target, session)


class Page:
    """One open tab."""

    def __init__(self, browser: Chromium, target: str, session: str) -> None:
        self._browser, self._target, self._session = browser, target, session

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its value (JSON-serialisable values only)."""
        answer = self._browser.call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, self._session
        )
        if "exceptionDetails" in answer:
            raise BrowserError(f"script failed: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def screenshot(self, path: Path) -> tuple[int, int]:
        """Save a PNG of the whole page (not only the window) and return its width and height in pixels."""
        metrics = self._browser.call("Page.getLayoutMetrics", {}, self._session)
        size = metrics["cssContentSize"]
        # The content's own width, so that a page wider than the window shows it; capped for huge pages.
        width, height = int(min(size["width"], 4000)), int(min(size["height"], 12000))
        data = self._browser.call(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            },
            self._session,
        )["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return width, height

    def emulate(self, *, font_size: int | None = None, media: str | None = None) -> None:
        """Set the default font size (as a reader who enlarges text does) and the CSS media (``print``)."""
        if font_size is not None:
            self._browser.call(
                "Page.setFontSizes", {"fontSizes": {"standard": font_size, "fixed": font_size}}, self._session
            )
        if media is not None:
            self._browser.call("Emulation.setEmulatedMedia", {"media": media}, self._session)

    def close(self) -> None:
        """Close the tab."""
        self._browser.call("Target.closeTarget", {"targetId": self._target})


def require_chromium(environ: Mapping[str, str] = os.environ, finder: Callable[[], str | None] = find_chromium) -> str:
    """The Chromium to drive; without one, skip the test, except in CI (``CI=true``), where it fails."""
    executable = finder()
    if executable is None:
        message = "Chromium is not installed (apt-get install chromium); .ci/run installs it"
        if environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: in CI the browser tests must run")
        pytest.skip(message)
    return executable
