"""The candidate page in headless Chromium: a real browser answers the whole test in nb at 390 px.

Against a real ``profilefit serve`` on loopback, invited through Greenhouse's send_test with the
e-mail caught by a real SMTP server on loopback: every answer is given by clicking the option's
label (so each label must belong to its radio), every page is sent with the page's own button,
and no page may be wider than the window. At 1280 px the six answer options sit in one row.
Without Chromium the test skips, except in CI, where it fails (tests/pages/test_pages_in_browser.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from aiosmtpd.controller import Controller

from profilefit.core.instrument import load_instrument
from tests.chromium import Chromium, require_chromium
from tests.service_support import Inbox, basic, free_port, send_test_body

pytestmark = pytest.mark.slow  # each runs a program, a browser or a server

KEY = "browser-test-key"


@pytest.fixture(scope="module")
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, inbox):
    folder = tmp_path_factory.mktemp("browser")
    port = free_port()
    env = {
        **os.environ,
        "PROFILEFIT_API_KEYS": KEY,
        "PROFILEFIT_ORGANISATION": "Eksempel Kundesenter AS",
        "PROFILEFIT_SMTP_HOST": "127.0.0.1",
        "PROFILEFIT_SMTP_PORT": str(inbox[1]),
        "PROFILEFIT_SMTP_STARTTLS": "0",
    }
    command = [sys.executable, "-c", "import sys; from profilefit.apps.cli import main; sys.exit(main())"]
    process = subprocess.Popen(
        [*command, "serve", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/readyz", timeout=2).close()
            break
        except (urllib.error.URLError, ConnectionError):
            assert process.poll() is None and time.monotonic() < deadline, "profilefit serve did not start"
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=30)


def api(base: str, method: str, path: str, body: object = None, *, greenhouse: bool = False) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", basic(KEY)["Authorization"] if greenhouse else f"Bearer {KEY}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


class Tab:
    """One tab of a given size, navigated and clicked through the DevTools protocol."""

    def __init__(self, browser: Chromium, width: int, height: int) -> None:
        self.browser = browser
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}
        browser.call("Emulation.setDeviceMetricsOverride", metrics, self.session)
        browser.call("Page.enable", {}, self.session)

    def go(self, url: str) -> None:
        self.browser.call("Page.navigate", {"url": url}, self.session)
        self.browser.wait_for("Page.loadEventFired", self.session)

    def run(self, expression: str) -> object:
        answer = self.browser.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, self.session)
        return answer["result"].get("value")

    def click_and_wait(self, selector: str) -> None:
        self.run(f"document.querySelector({json.dumps(selector)}).click()")
        self.browser.wait_for("Page.loadEventFired", self.session)


def test_greenhouse_send_test_mail_and_a_real_browser_at_390_px_to_test_status(server, inbox):
    """send_test → the e-mail on a loopback SMTP server → its link → every page answered in nb → complete."""
    browser_path = require_chromium()
    instrument = load_instrument()
    answers = {item: str(1 + k % 6) for k, item in enumerate(instrument.item_ids)}
    answers.update({check.id: str(check.expected or 2) for check in instrument.attention_checks})
    answers.update({s.id: s.options[-1].id for s in instrument.scenarios})
    handler, _ = inbox
    sent = api(
        server, "POST", "/greenhouse/send_test", send_test_body("complex-case.nb", "kari@example.test"), greenhouse=True
    )
    [message] = handler.messages
    link = next(word for word in message.get_payload(decode=True).decode("utf-8").split() if "/take/" in word)
    with Chromium(browser_path) as browser:
        tab = Tab(browser, 390, 844)
        tab.go(link)
        assert tab.run("document.documentElement.lang") == "nb"
        assert tab.run("document.documentElement.scrollWidth") <= 390
        tab.run("document.querySelector('label[for=consent]').click()")
        tab.click_and_wait("button[type=submit]")
        pages = 0
        while tab.run("document.querySelectorAll('input[type=radio]').length"):
            pages += 1
            assert tab.run("document.documentElement.scrollWidth") <= 390, f"page {pages} is wider than the phone"
            names = tab.run(
                "Array.from(new Set(Array.from(document.querySelectorAll('input[type=radio]'), r => r.name)))"
            )
            for name in names:
                tab.run(f"document.querySelector('label[for=\"{name}-{answers[name]}\"]').click()")
            checked = tab.run("Array.from(document.querySelectorAll('input:checked'), r => r.name + '=' + r.value)")
            assert sorted(checked) == sorted(f"{name}={answers[name]}" for name in names)
            tab.click_and_wait("button[type=submit]")
        assert pages == 12 and "Takk" in tab.run("document.body.innerText")
    interview = sent["partner_interview_id"]
    status = api(server, "GET", f"/greenhouse/test_status?partner_interview_id={interview}", greenhouse=True)
    assert status["partner_status"] == "complete"
    result = api(server, "GET", f"/v1/invitations/{interview}")["result"]
    # a score goes to Greenhouse only for a result that needs no human review
    expected = None if result["needs_human_review"] else result["fit"]["score"]
    assert result["candidate_id"] == "greenhouse-application-26234709" and status.get("partner_score") == expected
    assert "failed_attention_check" not in {flag["flag"] for flag in result["flags"]}


def test_at_1280_px_the_answer_options_sit_in_one_row(server):
    browser_path = require_chromium()
    invitation = api(server, "POST", "/v1/invitations", {"candidate_id": "browser-2", "language": "nb"})
    with Chromium(browser_path) as browser:
        tab = Tab(browser, 1280, 900)
        tab.go(invitation["test_url"])
        tab.run("document.getElementById('consent').click()")
        tab.click_and_wait("button[type=submit]")
        tops = tab.run(
            "Array.from(document.querySelector('fieldset').querySelectorAll('input[type=radio]'),"
            " r => Math.round(r.getBoundingClientRect().top))"
        )
        assert len(tops) == 6 and len(set(tops)) == 1
        assert tab.run("document.documentElement.scrollWidth") <= 1280
