"""Building a service app for tests, and filling in the candidate page by posting its forms."""

from __future__ import annotations

import base64
import contextlib
import email
import fcntl
import hashlib
import re
import socket
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from profilefit.apps.service import Settings, create_app
from profilefit.core.artifact import load_artifact

KEY = "test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
_ARTIFACT = None


def artifact() -> Any:
    global _ARTIFACT
    if _ARTIFACT is None:
        _ARTIFACT = load_artifact()
    return _ARTIFACT


def settings(tmp_path: Path, **overrides: Any) -> Settings:
    options: dict[str, Any] = {
        "secret_key": b"s" * 32,
        "database_url": f"sqlite:///{tmp_path / 'service.db'}",
        "public_url": "http://testserver",
        "organisation": "Example Contact Centre AS",
        "privacy_contact": "privacy@example.test",
    }
    options.update(overrides)
    return Settings(**options).with_keys([KEY])


def client(tmp_path: Path, **overrides: Any) -> TestClient:
    return TestClient(create_app(settings(tmp_path, **overrides), artifact=artifact()))


class Form(HTMLParser):
    """The radio groups and form action of a test page, as a browser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.radios: dict[str, list[str]] = {}
        self.labels: set[str] = set()
        self.ids: set[str] = set()
        self.fieldsets = 0
        self.legends = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "form":
            self.action = found.get("action")
        elif tag == "input" and found.get("type") == "radio":
            self.radios.setdefault(str(found["name"]), []).append(str(found["value"]))
        elif tag == "label" and found.get("for"):
            self.labels.add(str(found["for"]))
        elif tag == "fieldset":
            self.fieldsets += 1
        elif tag == "legend":
            self.legends += 1


def parse(html: str) -> Form:
    form = Form()
    form.feed(html)
    return form


def token_of(link: str) -> str:
    match = re.search(r"/take/([^/?\s]+)", link)
    assert match, link
    return match.group(1)


def fill_in(http: TestClient, link: str, answers: dict[str, Any], *, lang: str | None = None) -> str:
    """Consent, then post every page with ``answers`` (question id -> value); return the last page's HTML."""
    path = "/take/" + token_of(link)
    page = http.get(path + (f"?lang={lang}" if lang else ""))
    assert page.status_code == 200, page.text
    form = parse(page.text)
    chosen = lang or re.search(r'<html lang="([a-z]+)"', page.text).group(1)  # type: ignore[union-attr]
    page = http.post(str(form.action), data={"consent": "yes", "lang": chosen})
    while True:
        assert page.status_code == 200, page.text
        form = parse(page.text)
        if not form.radios:
            return page.text
        data = {name: posted_value(answers, name) for name in form.radios}
        page = http.post(str(form.action), data={**data, "lang": chosen})


def posted_value(answers: dict[str, Any], name: str) -> str:
    """What a browser posts for one radio group: the answer, or one letter of a block's answer ("ac").

    A forced-choice block has two groups, ``ID_most`` and ``ID_least``: the first and the second letter.
    """
    if name in answers:
        return str(answers[name])
    block, _, mark = name.rpartition("_")
    return str(answers[block])[0 if mark == "most" else 1]


# ---- Greenhouse and e-mail ----------------------------------------------------------------------


def basic(key: str) -> dict[str, str]:
    # "Greenhouse will append a : (colon) to the API token and then Base64 encode the resulting string."
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


GH = basic(KEY)


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def send_test_body(test_id: str, email_address: str, callback: str | None = None) -> dict:
    # The documented request (the candidate block as in Greenhouse's example).
    candidate = {
        "first_name": "Harry",
        "last_name": "Potter",
        "resume_url": "https://hogwarts.example/resume",
        "phone_number": "123-456-7890",
        "email": email_address,
        "greenhouse_profile_url": "https://app.greenhouse.io/people/17681532?application_id=26234709",
    }
    if callback:
        candidate["url"] = callback
    return {"partner_test_id": test_id, "candidate": candidate}


@contextlib.contextmanager
def only_user_of(url: str) -> Iterator[None]:
    """Hold the database at ``url`` alone while the block runs, when it is a shared server (PostgreSQL).

    Tests on SQLite each have their own file. The PostgreSQL server CI starts is one database for every test
    worker: two tests that invite and score on it at once see each other's rows (an export of one result
    counted two). A lock file per database keeps them apart, across the workers' processes.
    """
    if url.startswith("sqlite"):
        yield
        return
    name = hashlib.sha256(url.encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"profilefit-test-db-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
