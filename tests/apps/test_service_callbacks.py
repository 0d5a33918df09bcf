"""Completion callbacks that arrive: the outbox, the sender's retries, restarts and each organisation's key.

A real HTTP receiver on loopback plays the ATS: down (nothing listens), slow (answers after the
timeout), failing (500 a few times) and back. The sender's clock is a settable one, and each test
calls the sender's step itself, so retries hours apart take milliseconds.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from profilefit.apps.cli._main import build_parser
from profilefit.apps.cli._service_commands import serve_environment
from profilefit.apps.service import Settings, SmtpSettings, create_app, downgrade, purge_expired
from profilefit.apps.service._callbacks import FIRST_DELAY, MAX_DELAY
from profilefit.apps.service._idempotency import STALE_AFTER, Held
from profilefit.apps.service._problems import Problem
from profilefit.apps.service._settings import key_digest, read_callback_keys
from profilefit.apps.service._storage import Callback, IdempotencyKey, Invitation, StoredResult, utcnow
from profilefit.exceptions import MailError
from tests import service_support as support
from tests.apps.test_service_storage import database_urls
from tests.service_support import GH, Inbox, basic, free_port, send_test_body

SECOND_KEY = "second-organisation-key-0123456789"
CALLBACK_OPTIONS = {
    "callback_hosts": ("127.0.0.1",),
    "allow_http_callbacks": True,
    "callback_timeout": 0.3,
    "callback_poll_seconds": 0,  # no thread: each test steps the sender itself
    "rate_per_second": 0,
}


class Clock:
    """Now, as the service reads it; moved on by the test."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Receiver:
    """An ATS's callback endpoint on loopback: records every PATCH, can fail, be slow, or ask to wait."""

    def __init__(self, port: int) -> None:
        self.received: list[tuple[str, str | None, int]] = []  # path, Authorization, status answered
        self.failures_left: dict[str, int] = {}
        self.status = 200
        self.headers: dict[str, str] = {}
        self.slow = False
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_PATCH(self):
                if receiver.slow:
                    receiver.release.wait(5)
                status = receiver.status
                if receiver.failures_left.get(self.path, 0) > 0:
                    receiver.failures_left[self.path] -= 1
                    status = 500
                receiver.received.append((self.path, self.headers.get("Authorization"), status))
                try:
                    self.send_response(status)
                    for name, value in receiver.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender stopped waiting (the slow case)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def delivered(self, path: str) -> int:
        return sum(1 for got, _, status in self.received if got == path and 200 <= status < 300)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def receiver_at():
    started: list[Receiver] = []

    def start(port: int) -> Receiver:
        started.append(Receiver(port))
        return started[-1]

    yield start
    for receiver in started:
        receiver.close()


def complete(http: TestClient, callback: str, *, key: str = support.KEY, via_page: bool = False) -> str:
    """Invite a candidate with a callback URL and answer every page; return the invitation id.

    ``via_page``: by posting the candidate page's forms, as a browser does; otherwise by the service
    calls the page makes (save each page, submit, notify), which is quicker.
    """
    created = http.post(
        "/v1/invitations",
        json={"candidate_id": "cand-1", "language": "en", "callback_url": callback},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert created.status_code == 201, created.text
    service = http.app.state.service
    instrument = service.instrument
    answers = {item: "4" for item in instrument.item_ids}
    answers.update({check.id: str(check.expected or 2) for check in instrument.attention_checks})
    answers.update({scenario.id: scenario.options[0].id for scenario in instrument.scenarios})
    invitation_id = str(created.json()["invitation_id"])
    if via_page:
        support.fill_in(http, created.json()["test_url"], answers)
        return invitation_id
    with service.sessions() as session:
        invitation = service.load(session, invitation_id)
        for number in range(len(service.pages)):
            assert service.save_page(session, invitation, number, answers) == {}
        assert service.submit(session, invitation) is not None
    service.notify(invitation)
    return invitation_id


def rows(http: TestClient) -> dict[str, Callback]:
    with http.app.state.service.sessions() as session:
        return {row.invitation_id: row for row in session.scalars(sa.select(Callback))}


def app_for(tmp_path, clock, **overrides) -> TestClient:
    settings = support.settings(tmp_path, **{**CALLBACK_OPTIONS, **overrides})
    return TestClient(create_app(settings, artifact=support.artifact(), clock=clock))


def test_down_then_failing_then_back_each_callback_arrives_exactly_once(tmp_path, port, receiver_at, caplog):
    caplog.set_level("INFO", logger="profilefit.service.callbacks")
    clock = Clock()
    with app_for(tmp_path, clock) as http:
        sender = http.app.state.service.callbacks
        paths = [f"/take_home_tests/{n}" for n in range(3)]
        ids = [complete(http, f"http://127.0.0.1:{port}{path}", via_page=True) for path in paths]
        # Nothing listens: the try right after submission failed and the row waits, scheduled with jitter.
        pending = rows(http)
        assert {row.status for row in pending.values()} == {"pending"}
        for row in pending.values():
            assert row.attempts == 1 and row.last_outcome == "ConnectionRefusedError"
            wait = (row.next_attempt_at - clock.now).total_seconds()
            assert FIRST_DELAY.total_seconds() / 2 - 1 <= wait <= FIRST_DELAY.total_seconds()
        assert sender.step() == 0  # not due yet
        receiver = receiver_at(port)
        receiver.failures_left = {path: 2 for path in paths}  # back, but answering 500 twice
        for _ in range(6):
            clock.advance(MAX_DELAY.total_seconds())
            sender.step()
        assert {row.status for row in rows(http).values()} == {"delivered"}
        for path in paths:
            assert receiver.delivered(path) == 1  # exactly once, though tried four times
            assert [status for got, _, status in receiver.received if got == path] == [500, 500, 200]
        assert {row.attempts for row in rows(http).values()} == {4}
        clock.advance(MAX_DELAY.total_seconds())
        assert sender.step() == 0 and len(receiver.received) == 9  # delivered rows are never sent again
    for invitation_id in ids:  # every attempt is logged with the test's id; the URL is not
        assert caplog.text.count(f"callback for test {invitation_id}: attempt") == 4
    assert "take_home_tests" not in caplog.text and "cand-1" not in caplog.text


def test_a_slow_partner_counts_as_failed_and_is_tried_again(tmp_path, port, receiver_at):
    clock = Clock()
    receiver = receiver_at(port)
    receiver.slow = True  # answers only after the 0.3 s timeout has passed
    with app_for(tmp_path, clock) as http:
        complete(http, f"http://127.0.0.1:{port}/slow")
        [row] = rows(http).values()
        assert row.status == "pending" and row.last_outcome == "TimeoutError"
        receiver.slow = False
        receiver.release.set()
        clock.advance(FIRST_DELAY.total_seconds())
        assert http.app.state.service.callbacks.step() == 1
        [row] = rows(http).values()
        assert row.status == "delivered" and row.attempts == 2


def test_429_waits_as_long_as_retry_after_says(tmp_path, port, receiver_at):
    clock = Clock()
    receiver = receiver_at(port)
    receiver.status, receiver.headers = 429, {"Retry-After": "600"}
    with app_for(tmp_path, clock) as http:
        complete(http, f"http://127.0.0.1:{port}/busy")
        [row] = rows(http).values()
        assert row.status == "pending" and row.last_outcome == "429"
        assert row.next_attempt_at - clock.now == timedelta(seconds=600)  # no jitter on the partner's own wait
        clock.advance(599)
        assert http.app.state.service.callbacks.step() == 0
        receiver.status, receiver.headers = 204, {}
        clock.advance(1)
        assert http.app.state.service.callbacks.step() == 1
        assert rows(http)[row.invitation_id].status == "delivered"


@pytest.mark.parametrize("status", [400, 401, 404, 410])
def test_a_refusal_is_not_retried(tmp_path, port, receiver_at, caplog, status):
    clock = Clock()
    receiver = receiver_at(port)
    receiver.status = status
    with app_for(tmp_path, clock) as http:
        invitation_id = complete(http, f"http://127.0.0.1:{port}/gone")
        [row] = rows(http).values()
        assert row.status == "failed" and row.attempts == 1 and row.last_outcome == str(status)
        clock.advance(7 * 24 * 3600)
        assert http.app.state.service.callbacks.step() == 0 and len(receiver.received) == 1
    assert f"callback for test {invitation_id}: attempt 1 refused ({status})" in caplog.text


def test_after_the_deadline_the_row_is_marked_failed_and_logged(tmp_path, port, caplog):
    clock = Clock()
    with app_for(tmp_path, clock, callback_deadline_hours=72) as http:
        invitation_id = complete(http, f"http://127.0.0.1:{port}/never")
        sender = http.app.state.service.callbacks
        started = clock.now
        while (row := rows(http)[invitation_id]).status == "pending":
            clock.now = max(clock.now, row.next_attempt_at)
            assert sender.step() == 1
        assert row.status == "failed" and row.finished_at is not None
        assert row.finished_at - started == timedelta(hours=72)  # the last try is at the deadline itself
        waits = MAX_DELAY.total_seconds() / 2
        assert row.attempts >= 72 * 3600 / MAX_DELAY.total_seconds()  # tried at least hourly to the end
        assert row.attempts <= 10 + 72 * 3600 / waits
        print(f"attempts over 72 hours: {row.attempts}")
    assert f"callback for test {invitation_id}: attempt {row.attempts} failed" in caplog.text
    assert "deadline has passed" in caplog.text


def test_a_restarted_service_sends_what_was_left_pending(tmp_path, port, receiver_at):
    clock = Clock()
    with app_for(tmp_path, clock) as http:
        invitation_id = complete(http, f"http://127.0.0.1:{port}/after-restart")
        assert rows(http)[invitation_id].status == "pending"
    receiver = receiver_at(port)
    # A new app over the same database, an hour later, with its sender thread on as in `serve`.
    later = Clock(clock.now + timedelta(hours=1))
    with app_for(tmp_path, later, callback_poll_seconds=0.05) as http:
        service = http.app.state.service
        assert service.callbacks.running
        waited = time.monotonic()
        while rows(http)[invitation_id].status == "pending" and time.monotonic() - waited < 10:
            time.sleep(0.02)
        assert rows(http)[invitation_id].status == "delivered"
        assert receiver.delivered("/after-restart") == 1
    assert not service.callbacks.running  # stopped with the app


def test_organisation_keys_never_cross(tmp_path, port, receiver_at, caplog):
    receiver = receiver_at(port)
    settings = support.settings(tmp_path, **CALLBACK_OPTIONS).with_keys([support.KEY, SECOND_KEY])
    settings = settings.with_callback_keys([(support.KEY, "callback-key-of-a"), (SECOND_KEY, "callback-key-of-b")])
    with TestClient(create_app(settings, artifact=support.artifact())) as http:
        complete(http, f"http://127.0.0.1:{port}/a/1", key=support.KEY, via_page=True)
        complete(http, f"http://127.0.0.1:{port}/b/1", key=SECOND_KEY)
        complete(http, f"http://127.0.0.1:{port}/a/2", key=support.KEY)
    sent = {path: authorization for path, authorization, _ in receiver.received}
    assert sent == {
        "/a/1": basic("callback-key-of-a")["Authorization"],
        "/b/1": basic("callback-key-of-b")["Authorization"],
        "/a/2": basic("callback-key-of-a")["Authorization"],
    }
    assert "callback-key-of" not in caplog.text


def test_the_old_single_key_serves_one_organisation_with_a_warning_and_never_two(tmp_path, port, receiver_at, caplog):
    receiver = receiver_at(port)
    caplog.set_level("WARNING")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    with app_for(tmp_path / "one", Clock(), callback_key="the-single-key") as http:
        complete(http, f"http://127.0.0.1:{port}/one")
    assert "PROFILEFIT_CALLBACK_KEY is deprecated" in caplog.text
    caplog.clear()
    settings = support.settings(tmp_path / "two", **CALLBACK_OPTIONS, callback_key="the-single-key")
    with TestClient(create_app(settings.with_keys([support.KEY, SECOND_KEY]), artifact=support.artifact())) as http:
        complete(http, f"http://127.0.0.1:{port}/two", key=SECOND_KEY)
    assert "PROFILEFIT_CALLBACK_KEY is not sent: 2 organisations" in caplog.text
    assert receiver.received == [
        ("/one", basic("the-single-key")["Authorization"], 200),
        ("/two", None, 200),  # sent, but with no one else's key
    ]


def test_callback_keys_from_a_file(tmp_path):
    text = f"# organisation a\n{support.KEY}  callback-key-of-a\nsha256:{key_digest(SECOND_KEY)} callback-key-of-b\n"
    path = tmp_path / "callback-keys"
    path.write_text(text, encoding="utf-8")
    environ = {
        "PROFILEFIT_SECRET_KEY": "s" * 32,
        "PROFILEFIT_API_KEYS": f"{support.KEY},{SECOND_KEY}",
        "PROFILEFIT_CALLBACK_KEY_FILE": str(path),
    }
    settings = Settings.from_env(environ)
    assert settings.callback_key_for(key_digest(support.KEY)) == "callback-key-of-a"
    assert settings.callback_key_for(key_digest(SECOND_KEY)) == "callback-key-of-b"
    assert "callback-key" not in repr(settings)
    path.write_text("not-an-accepted-key-at-all callback\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"entry 1: its API key is not an accepted key; allowed: ") as caught:
        Settings.from_env(environ)
    assert "not-an-accepted" not in str(caught.value)
    with pytest.raises(ValueError, match=r"line 2: 3 field\(s\); allowed: API_KEY CALLBACK_KEY"):
        read_callback_keys("a b\na b c\n")


def test_the_outbox_row_commits_with_the_result_or_not_at_all(tmp_path, port, monkeypatch):
    with app_for(tmp_path, Clock()) as http:
        service = http.app.state.service
        created = http.post(
            "/v1/invitations",
            json={"candidate_id": "cand-1", "callback_url": f"http://127.0.0.1:{port}/once"},
            headers=support.AUTH,
        ).json()
        instrument = service.instrument
        answers = {item: "4" for item in instrument.item_ids}
        answers.update({check.id: str(check.expected or 2) for check in instrument.attention_checks})
        answers.update({scenario.id: scenario.options[0].id for scenario in instrument.scenarios})
        with service.sessions() as session:
            invitation = service.load(session, created["invitation_id"])
            for number in range(len(service.pages)):
                assert service.save_page(session, invitation, number, answers) == {}

        class Broken(Exception):
            pass

        def failing(role, version=None):
            raise Broken  # scoring fails after the link was claimed, inside the transaction

        with monkeypatch.context() as patched:
            patched.setattr(service, "screener_for", failing)
            with service.sessions() as session, pytest.raises(Broken):
                service.submit(session, service.load(session, created["invitation_id"]))
        assert rows(http) == {}  # no callback queued for a result that was not stored
        with service.sessions() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(StoredResult)) == 0
            assert service.submit(session, service.load(session, created["invitation_id"])) is not None
            assert session.scalar(sa.select(sa.func.count()).select_from(StoredResult)) == 1
        [row] = rows(http).values()
        assert row.invitation_id == created["invitation_id"] and row.status == "pending" and row.attempts == 0


def test_erasing_or_purging_the_candidate_drops_their_callback_and_idempotency_key(tmp_path, port):
    with app_for(tmp_path, Clock()) as http:
        service = http.app.state.service
        complete(http, f"http://127.0.0.1:{port}/erased")
        headers = {**support.AUTH, "Idempotency-Key": "erased-key"}
        first = http.post("/v1/invitations", json={"candidate_id": "cand-1"}, headers=headers).json()
        assert len(rows(http)) == 1
        assert http.delete("/v1/candidates/cand-1", headers=support.AUTH).status_code == 200
        assert rows(http) == {}
        with service.sessions() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 0
        again = http.post("/v1/invitations", json={"candidate_id": "cand-1"}, headers=headers).json()
        assert again["invitation_id"] != first["invitation_id"]  # the erased invitation is not answered again
        complete(http, f"http://127.0.0.1:{port}/purged")
        with service.sessions() as session:
            purge_expired(session, 1, now=utcnow() + timedelta(days=2))
            assert session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 0
        assert rows(http) == {}


# ---- idempotency keys ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def mailing(tmp_path_factory, inbox):
    """An app that e-mails through the loopback inbox, with a settable clock."""
    _, smtp_port = inbox
    clock = Clock()
    smtp = SmtpSettings(host="127.0.0.1", port=smtp_port, sender="tests@example.test", starttls=False)
    settings = support.settings(tmp_path_factory.mktemp("idempotency"), smtp=smtp, **CALLBACK_OPTIONS)
    with TestClient(
        create_app(settings.with_keys([support.KEY, SECOND_KEY]), artifact=support.artifact(), clock=clock)
    ) as http:
        yield http, clock


def mails_to(inbox, address: str) -> int:
    handler, _ = inbox
    return sum(1 for message in handler.messages if message["To"] == address)


def invitation_body(address: str, candidate: str = "cand-9") -> dict:
    return {"candidate_id": candidate, "language": "nb", "email": address}


def test_a_retried_invitation_gets_the_first_answer_and_sends_no_second_email(mailing, inbox):
    http, _ = mailing
    headers = {**support.AUTH, "Idempotency-Key": "invite-0001"}
    first = http.post("/v1/invitations", json=invitation_body("retry@example.test"), headers=headers)
    again = http.post("/v1/invitations", json=invitation_body("retry@example.test"), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()  # same invitation id, same link
    assert mails_to(inbox, "retry@example.test") == 1
    other = http.post("/v1/invitations", json=invitation_body("other@example.test"), headers=headers)
    assert other.status_code == 409 and other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"].endswith("#idempotency-key-reused")
    assert mails_to(inbox, "other@example.test") == 0
    # Keys are the organisation's own: another key's same Idempotency-Key is another request.
    elsewhere = {"Authorization": f"Bearer {SECOND_KEY}", "Idempotency-Key": "invite-0001"}
    theirs = http.post("/v1/invitations", json=invitation_body("retry@example.test"), headers=elsewhere)
    assert theirs.status_code == 201 and theirs.json()["invitation_id"] != first.json()["invitation_id"]
    without = http.post("/v1/invitations", json=invitation_body("retry@example.test"), headers=support.AUTH)
    assert without.json()["invitation_id"] != first.json()["invitation_id"]  # no key: a new invitation
    with http.app.state.service.sessions() as session:  # the table keeps digests, not the key or the address
        kept = " ".join(
            str(value) for row in session.execute(sa.select(IdempotencyKey)) for value in row[0].__dict__.values()
        )
    assert "invite-0001" not in kept and "retry@example.test" not in kept


def test_keys_expire_after_the_documented_time(mailing, inbox):
    http, clock = mailing
    headers = {**support.AUTH, "Idempotency-Key": "invite-expiring"}
    first = http.post("/v1/invitations", json=invitation_body("expiring@example.test"), headers=headers).json()
    clock.advance(23.9 * 3600)
    assert http.post("/v1/invitations", json=invitation_body("expiring@example.test"), headers=headers).json() == first
    clock.advance(0.2 * 3600)  # past 24 hours: the key is forgotten, the request is new
    later = http.post("/v1/invitations", json=invitation_body("expiring@example.test"), headers=headers).json()
    assert later["invitation_id"] != first["invitation_id"]
    assert mails_to(inbox, "expiring@example.test") == 2


def test_greenhouse_retries_of_send_test_send_one_email(mailing, inbox):
    http, _ = mailing
    callback = "http://127.0.0.1/integrations/testing_partners/take_home_tests/777"
    body = send_test_body("complex-case.en", "gh-retry@example.test", callback)
    answers = [http.post("/greenhouse/send_test", json=body, headers=GH) for _ in range(3)]  # no header: the url
    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.json()["partner_interview_id"] for answer in answers}) == 1
    assert mails_to(inbox, "gh-retry@example.test") == 1
    changed = send_test_body("complex-case.nb", "gh-retry@example.test", callback)
    refused = http.post("/greenhouse/send_test", json=changed, headers=GH)
    assert refused.status_code == 409 and refused.json()["type"].endswith("#idempotency-key-reused")
    keyed = {**GH, "Idempotency-Key": "gh-0001"}
    plain = send_test_body("complex-case.en", "gh-keyed@example.test")
    first, again = (http.post("/greenhouse/send_test", json=plain, headers=keyed) for _ in range(2))
    assert first.json() == again.json() and mails_to(inbox, "gh-keyed@example.test") == 1


def test_a_failed_first_request_releases_its_key(tmp_path):
    smtp_port = free_port()  # no mail server yet
    smtp = SmtpSettings(host="127.0.0.1", port=smtp_port, starttls=False, timeout=2)
    handler = Inbox()
    with TestClient(
        create_app(support.settings(tmp_path, smtp=smtp, **CALLBACK_OPTIONS), artifact=support.artifact())
    ) as http:
        headers = {**support.AUTH, "Idempotency-Key": "invite-when-mail-is-down"}
        down = http.post("/v1/invitations", json=invitation_body("late@example.test"), headers=headers)
        assert down.status_code == 503
        controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        try:
            up = http.post("/v1/invitations", json=invitation_body("late@example.test"), headers=headers)
        finally:
            controller.stop()
    assert up.status_code == 201 and up.json()["email_sent"]
    assert [message["To"] for message in handler.messages] == ["late@example.test"]


def test_a_key_whose_first_request_still_runs_is_409_until_that_request_is_stale(tmp_path):
    clock = Clock()
    with app_for(tmp_path, clock) as http:
        keys = http.app.state.service.idempotency
        reserved = {"owner": key_digest(support.KEY), "scope": "invitations", "key": "k-running"}
        held = keys.begin(**reserved, request=b"{}")
        assert isinstance(held, Held) and not held.taken_over
        with pytest.raises(Problem) as running:
            keys.begin(**reserved, request=b"{}")
        assert running.value.status == 409 and running.value.kind == "request-in-progress"
        # A trial: six concurrent requests, one got "Retry-After: 120" though the first was done in milliseconds.
        # A retry after as long again as the first has run (at least 1 s), never past its lease.
        assert running.value.headers == {"Retry-After": "1"}
        clock.advance(10.2)
        with pytest.raises(Problem) as later:
            keys.begin(**reserved, request=b"{}")
        assert later.value.headers == {"Retry-After": "11"}
        clock.advance(STALE_AFTER.total_seconds() - 20.5 - 10.2)
        with pytest.raises(Problem) as still:
            keys.begin(**reserved, request=b"{}")
        assert still.value.headers == {"Retry-After": "21"}
        clock.advance(20.5)  # the first request's process died: a retry takes over, with the same invitation id
        taken = keys.begin(**reserved, request=b"{}")
        assert isinstance(taken, Held) and taken.taken_over and taken.invitation_id == held.invitation_id


RUNNING_KEYS = itertools.count()


@given(ran=st.floats(min_value=0, max_value=STALE_AFTER.total_seconds() - 0.01))
@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_property_retry_after_of_a_running_key_is_as_long_as_it_ran_and_never_past_its_lease(tmp_path, ran):
    clock = Clock()
    with app_for(tmp_path, clock) as http:
        keys = http.app.state.service.idempotency
        reserved = {"owner": key_digest(support.KEY), "scope": "invitations", "key": f"k-{next(RUNNING_KEYS)}"}
        keys.begin(**reserved, request=b"{}")
        clock.advance(ran)
        with pytest.raises(Problem) as running:
            keys.begin(**reserved, request=b"{}")
        wait = int(running.value.headers["Retry-After"])
        left = STALE_AFTER.total_seconds() - ran
        assert wait == max(1, math.ceil(min(ran, left))) and 1 <= wait <= STALE_AFTER.total_seconds()


def test_the_document_declares_retry_after_on_409(tmp_path):
    with app_for(tmp_path, Clock()) as http:
        operation = http.get("/openapi.json").json()["paths"]["/v1/invitations"]["post"]
        assert operation["responses"]["409"]["headers"]["Retry-After"]["schema"]["maximum"] == 120


class Crash(Exception):
    """The worker's process dying at that moment (its key is not released: nothing runs after)."""


@pytest.mark.parametrize(
    ("email", "crash"),
    [
        (True, "before-mail"),
        (True, "after-mail"),
        (True, "after-commit"),
        (False, "before-commit"),
        (False, "after-commit"),
    ],
)
def test_a_retry_after_a_crash_at_any_point_makes_no_second_invitation(tmp_path, inbox, monkeypatch, email, crash):
    _, smtp_port = inbox
    clock = Clock()
    smtp = SmtpSettings(host="127.0.0.1", port=smtp_port, sender="tests@example.test", starttls=False)
    address = f"crash-{crash}-{email}@example.test"
    body = invitation_body(address, candidate=f"crash-{crash}") if email else {"candidate_id": f"crash-{crash}"}
    headers = {**support.AUTH, "Idempotency-Key": f"crash-{crash}"}
    with app_for(tmp_path, clock, smtp=smtp) as http:
        service = http.app.state.service
        monkeypatch.setattr(service.idempotency, "release", lambda **reserved: None)  # the process is gone

        storing: list[bool] = []  # whether the transaction under way writes an invitation

        def before_flush(session, context, instances) -> None:
            if any(isinstance(row, Invitation) for row in session.new):
                storing.append(True)

        def before_commit(session) -> None:
            if crash == "before-commit" and storing:
                raise Crash

        def after_commit(session) -> None:
            if crash == "after-commit" and storing:
                raise Crash

        send = service.email_invitation

        def email_invitation(*args, **kwargs):
            if crash == "before-mail":
                raise Crash
            send(*args, **kwargs)
            if crash == "after-mail":
                raise Crash

        monkeypatch.setattr(service, "email_invitation", email_invitation)
        hooks = {"before_flush": before_flush, "before_commit": before_commit, "after_commit": after_commit}
        for name, hook in hooks.items():
            sa.event.listen(service.sessions, name, hook)
        try:
            assert http.post("/v1/invitations", json=body, headers=headers).status_code == 500
        finally:
            for name, hook in hooks.items():
                sa.event.remove(service.sessions, name, hook)
            monkeypatch.setattr(service, "email_invitation", send)
        clock.advance(STALE_AFTER.total_seconds())  # a retry later than the stale lock
        retry = http.post("/v1/invitations", json=body, headers=headers)
        assert retry.status_code == 201
        with service.sessions() as session:
            made = session.scalars(sa.select(Invitation.id).where(Invitation.candidate_id == body["candidate_id"]))
            assert list(made) == [retry.json()["invitation_id"]]
        assert retry.json()["email_sent"] is email
        if email:  # a second e-mail only when the first went and its invitation was never stored
            assert mails_to(inbox, address) == (2 if crash == "after-mail" else 1)
            # ... and then the retry made that invitation (the id reserved with the key): both links open it.
            handler, _ = inbox
            for message in handler.messages:
                if message["To"] == address:
                    text = message.get_payload(decode=True).decode("utf-8")
                    link = next(word for word in text.split() if "/take/" in word)
                    page = http.get(link.removeprefix("http://testserver"), follow_redirects=False)
                    assert page.status_code == 200, link


class SlowMailer:
    """A mail server whose first message hangs until the test lets it go; records every link it carries."""

    def __init__(self, *, later_fail: bool = False) -> None:
        self.links: list[str] = []  # of the e-mails that went
        self.first_sending = threading.Event()
        self.let_go = threading.Event()
        self.later_fail = later_fail

    def __call__(self, smtp, *, to: str, subject: str, body: str) -> None:
        link = next(word for word in body.split() if "/take/" in word)
        if not self.first_sending.is_set():
            self.first_sending.set()
            assert self.let_go.wait(30), "the test never let the first e-mail go"
        elif self.later_fail:
            raise MailError("the mail server is down")
        self.links.append(link)


@pytest.mark.parametrize("greenhouse", [False, True])
def test_a_retry_that_takes_over_a_slow_first_request_leaves_no_emailed_link_dead(tmp_path, monkeypatch, greenhouse):
    """The interleaving of the review: the first request is slow at its mail server (past the stale time),
    a retry with its key takes over, e-mails and stores; then the first e-mail goes and the first request
    finds itself superseded. Every link e-mailed opens the invitation stored, and both answers name it."""
    clock = Clock()
    mailer = SlowMailer()
    monkeypatch.setattr("profilefit.apps.service._core.send_mail", mailer)
    smtp = SmtpSettings(host="127.0.0.1", port=1, sender="tests@example.test", starttls=False)
    if greenhouse:
        path, headers = "/greenhouse/send_test", {**GH, "Idempotency-Key": "slow-smtp"}
        body = send_test_body("complex-case.en", "slow@example.test")
    else:
        path, headers = "/v1/invitations", {**support.AUTH, "Idempotency-Key": "slow-smtp"}
        body = invitation_body("slow@example.test", candidate="cand-slow")
    with app_for(tmp_path, clock, smtp=smtp) as http:
        answers: dict[str, object] = {}
        first = threading.Thread(target=lambda: answers.update(first=http.post(path, json=body, headers=headers)))
        first.start()
        assert mailer.first_sending.wait(30)
        clock.advance(STALE_AFTER.total_seconds() + 1)  # the first request is taken for dead
        retry = http.post(path, json=body, headers=headers)
        mailer.let_go.set()
        first.join(30)
        slow = answers["first"]
        assert retry.status_code == slow.status_code == (200 if greenhouse else 201), (retry.text, slow.text)
        key = "partner_interview_id" if greenhouse else "invitation_id"
        assert slow.json()[key] == retry.json()[key]  # the ATS is told of one invitation, by both answers
        with http.app.state.service.sessions() as session:
            stored = list(session.scalars(sa.select(Invitation.id)))
        assert stored == [retry.json()[key]]
        assert len(mailer.links) == 2  # two e-mails went (no mail server can take one back) ...
        for link in mailer.links:  # ... and each one's link opens the invitation that is stored
            page = http.get(link.removeprefix("http://testserver"), follow_redirects=False)
            assert page.status_code == 200, (link, page.status_code)


def test_a_failed_retry_that_took_over_leaves_the_key_to_the_slow_first_request(tmp_path, monkeypatch):
    """The retry that took the key over fails (its mail server is down): the first request, still running,
    stores its invitation when its e-mail has gone, so that e-mail's link works, and a later retry gets it."""
    clock = Clock()
    mailer = SlowMailer(later_fail=True)
    monkeypatch.setattr("profilefit.apps.service._core.send_mail", mailer)
    smtp = SmtpSettings(host="127.0.0.1", port=1, sender="tests@example.test", starttls=False)
    headers = {**support.AUTH, "Idempotency-Key": "slow-then-down"}
    body = invitation_body("slow-down@example.test", candidate="cand-slow-down")
    with app_for(tmp_path, clock, smtp=smtp) as http:
        answers: dict[str, object] = {}
        first = threading.Thread(
            target=lambda: answers.update(first=http.post("/v1/invitations", json=body, headers=headers))
        )
        first.start()
        assert mailer.first_sending.wait(30)
        clock.advance(STALE_AFTER.total_seconds() + 1)
        assert http.post("/v1/invitations", json=body, headers=headers).status_code == 503  # released
        mailer.let_go.set()
        first.join(30)
        slow = answers["first"]
        assert slow.status_code == 201, slow.text
        [link] = mailer.links
        assert http.get(link.removeprefix("http://testserver"), follow_redirects=False).status_code == 200
        again = http.post("/v1/invitations", json=body, headers=headers)
        assert again.status_code == 201 and again.json()["invitation_id"] == slow.json()["invitation_id"]
        assert mailer.links == [link]  # the later retry was answered from the key: no third e-mail


RETRIES = itertools.count()


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(sends=st.lists(st.booleans(), min_size=1, max_size=6), greenhouse=st.booleans())
def test_property_any_sequence_of_retries_with_one_key_sends_one_email(mailing, inbox, sends, greenhouse):
    """Rule: whatever mix of retries (True) and changed requests (False) reuse a key, one e-mail goes out."""
    http, _ = mailing
    number = next(RETRIES)
    address = f"prop-{number}@example.test"
    key = f"property-{number}"
    if greenhouse:
        path, headers = "/greenhouse/send_test", {**GH, "Idempotency-Key": key}
        same, changed = send_test_body("complex-case.en", address), send_test_body("complex-case.sv", address)
    else:
        path, headers = "/v1/invitations", {**support.AUTH, "Idempotency-Key": key}
        same, changed = invitation_body(address), invitation_body(address, candidate="cand-other")
    first = http.post(path, json=same, headers=headers)
    assert first.status_code in (200, 201)
    for retry in sends:
        answer = http.post(path, json=same if retry else changed, headers=headers)
        if retry:
            assert answer.status_code == first.status_code and answer.json() == first.json()
        else:
            assert answer.status_code == 409
    assert mails_to(inbox, address) == 1


def test_the_documented_reset_sends_a_failed_callback_again(tmp_path, port, receiver_at):
    """The SQLite statement of docs/service.md#callbacks, as an operator would run it."""
    clock = Clock()
    receiver = receiver_at(port)
    receiver.status = 401  # the organisation's callback key was wrong
    with app_for(tmp_path, clock) as http:
        invitation_id = complete(http, f"http://127.0.0.1:{port}/fixed")
        assert rows(http)[invitation_id].status == "failed"
        receiver.status = 200  # the key is fixed
        with http.app.state.service.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "UPDATE callbacks SET status = 'pending', next_attempt_at = datetime('now'), "
                    "deadline_at = datetime('now', '+72 hours'), finished_at = NULL WHERE invitation_id = :id"
                ),
                {"id": invitation_id},
            )
        clock.now = utcnow() + timedelta(seconds=1)
        assert http.app.state.service.callbacks.step() == 1
        row = rows(http)[invitation_id]
        assert row.status == "delivered" and row.attempts == 2
        assert row.deadline_at - clock.now > timedelta(hours=71)


def test_the_openapi_document_lists_409_and_the_idempotency_header(mailing):
    http, _ = mailing
    paths = http.get("/openapi.json").json()["paths"]
    for path in ("/v1/invitations", "/greenhouse/send_test"):
        operation = paths[path]["post"]
        assert "application/problem+json" in operation["responses"]["409"]["content"]
        [header] = [p for p in operation["parameters"] if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key" and not header.get("required", False)


@pytest.fixture(scope="module")
def scripted(tmp_path_factory):
    """An app, a clock and a receiver whose answers each example scripts (one invitation per example)."""
    port = free_port()
    receiver = Receiver(port)
    clock = Clock()
    with app_for(tmp_path_factory.mktemp("scripted"), clock) as http:
        yield http, clock, receiver, port
    receiver.close()


ANSWERS = st.sampled_from([500, 502, 503, 408, 429, 200, 204, 404])


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(script=st.lists(ANSWERS, min_size=1, max_size=8))
def test_property_a_callback_is_sent_until_the_first_2xx_or_refusal_and_never_after(scripted, script):
    """Rule: whatever the partner answers, the row is sent up to its first 2xx or refusal, then never again."""
    http, clock, receiver, port = scripted
    service = http.app.state.service
    path = f"/scripted/{next(RETRIES)}"
    created = http.post(
        "/v1/invitations",
        json={"candidate_id": "cand-s", "callback_url": f"http://127.0.0.1:{port}{path}"},
        headers=support.AUTH,
    ).json()
    receiver.failures_left.clear()
    answers = iter(script)
    with service.sessions() as session:
        session.add(service.callbacks.row_for(service.load(session, created["invitation_id"])))
        session.commit()
    for _ in range(len(script) + 3):
        receiver.status = next(answers, 200)
        clock.advance(MAX_DELAY.total_seconds() + 1)
        service.callbacks.step()
    final = next((n for n, status in enumerate(script) if status < 300 or status == 404), None)
    sent = [status for got, _, status in receiver.received if got == path]
    row = rows(http)[created["invitation_id"]]
    if final is None:  # every scripted answer asked for a retry; the receiver then answers 200
        assert sent == [*script, 200] and row.status == "delivered"
    else:
        assert sent == script[: final + 1]
        assert row.status == ("failed" if script[final] == 404 else "delivered")
    assert row.attempts == len(sent)


def test_concurrent_retries_with_one_key_send_one_email(mailing, inbox):
    http, _ = mailing
    headers = {**support.AUTH, "Idempotency-Key": "invite-concurrent"}
    body = invitation_body("concurrent@example.test")
    answers: list = []

    def post() -> None:
        answers.append(http.post("/v1/invitations", json=body, headers=headers))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mails_to(inbox, "concurrent@example.test") == 1
    created = [answer for answer in answers if answer.status_code == 201]
    assert created and len({answer.json()["invitation_id"] for answer in created}) == 1
    busy = [answer for answer in answers if answer.status_code != 201]
    limit = STALE_AFTER.total_seconds()  # at most the time until the first request would be taken for dead
    assert all(answer.status_code == 409 and 1 <= int(answer.headers["retry-after"]) <= limit for answer in busy)
    final = http.post("/v1/invitations", json=body, headers=headers)
    assert final.status_code == 201 and final.json() == created[0].json()


def test_outbox_and_idempotency_on_every_database(tmp_path, port, receiver_at):
    """The claims and keys on SQLite and, when PROFILEFIT_TEST_POSTGRES_URL names one, on PostgreSQL."""
    for url in database_urls(tmp_path):
        clock = Clock()
        with app_for(tmp_path, clock, database_url=url) as http:
            service = http.app.state.service
            invitation_id = complete(http, f"http://127.0.0.1:{port}/db/{url.split(':')[0]}")
            assert rows(http)[invitation_id].status == "pending"
            receiver = receiver_at(port)
            clock.advance(FIRST_DELAY.total_seconds())
            assert service.callbacks.step() == 1 and service.callbacks.step() == 0
            assert rows(http)[invitation_id].status == "delivered"
            headers = {**support.AUTH, "Idempotency-Key": "db-key"}
            body = {"candidate_id": "cand-db"}
            first, again = (http.post("/v1/invitations", json=body, headers=headers) for _ in range(2))
            assert first.status_code == again.status_code == 201 and first.json() == again.json()
            assert http.post("/v1/invitations", json={"candidate_id": "x"}, headers=headers).status_code == 409
            receiver.close()
            service.engine.dispose()
        downgrade(url)


def test_serve_passes_the_callback_key_file_to_its_workers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["serve", "--callback-key-file", "callback-keys.txt"])
    assert serve_environment(args, {})["PROFILEFIT_CALLBACK_KEY_FILE"] == "callback-keys.txt"
