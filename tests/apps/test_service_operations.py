"""Operations: failed logins limited per address, e-mails limited per key, 503 when the database is gone.

Clocks are injected (no sleeps): the app's clock drives both the failed-login window and the e-mail hour.
"""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from profilefit.apps.service import SmtpSettings, create_app
from profilefit.apps.service._limits import FailedLogins
from profilefit.apps.service._problems import PROBLEM_TYPE
from profilefit.apps.service._storage import Invitation, MailSend
from tests import service_support as support
from tests.service_support import GH, Inbox, basic, free_port, send_test_body

WRONG = {"Authorization": "Bearer wrong-key-0123456789-abcdef"}


class Clock:
    """Now, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def app_client(tmp_path, clock: Clock, *, address: str = "203.0.113.7", **overrides) -> TestClient:
    app = create_app(support.settings(tmp_path, **overrides), artifact=support.artifact(), clock=clock)
    return TestClient(app, client=(address, 40000))


@pytest.fixture(scope="module")
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, SmtpSettings(host="127.0.0.1", port=controller.port, starttls=False)
    controller.stop()


# ---- failed logins ------------------------------------------------------------------------------


def test_failed_logins_past_the_limit_get_429_for_right_and_wrong_keys_alike(tmp_path):
    clock = Clock()
    http = app_client(tmp_path, clock, login_failures_per_minute=3)
    for _ in range(3):
        assert http.get("/v1/roles", headers=WRONG).status_code == 401
    for headers in (WRONG, support.AUTH, GH):  # a right key is refused too: the answer tells nothing about keys
        path = "/greenhouse/list_tests" if headers is GH else "/v1/roles"
        refused = http.get(path, headers=headers)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == PROBLEM_TYPE
        assert refused.json()["type"].endswith("#too-many-failed-logins")
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert http.get("/healthz").status_code == 200  # unguarded routes stay open
    clock.advance(60)
    assert http.get("/v1/roles", headers=support.AUTH).status_code == 200


def test_failures_count_per_address_and_across_the_api_and_greenhouse(tmp_path):
    clock = Clock()
    settings = support.settings(tmp_path, login_failures_per_minute=2)
    app = create_app(settings, artifact=support.artifact(), clock=clock)
    attacker, neighbour = TestClient(app, client=("198.51.100.1", 1)), TestClient(app, client=("198.51.100.2", 1))
    assert attacker.get("/v1/model", headers=WRONG).status_code == 401
    assert attacker.get("/greenhouse/list_tests", headers=basic("wrong-key-0123456789")).status_code == 401
    assert attacker.get("/v1/model", headers=support.AUTH).status_code == 429
    assert neighbour.get("/v1/model", headers=support.AUTH).status_code == 200
    assert neighbour.get("/v1/model").status_code == 401  # no key at all is a failure too
    assert neighbour.get("/v1/model", headers=support.AUTH).status_code == 200  # one failure: below the limit


def test_wrong_keys_get_the_same_answer_whatever_they_are(tmp_path):
    http = app_client(tmp_path, Clock(), login_failures_per_minute=0)  # 0: no limit
    answers = {
        http.get("/v1/roles", headers={"Authorization": f"Bearer {key}"}).text
        for key in ("x", support.KEY + "x", support.KEY[:-1], "wrong-key-0123456789-abcdef")
    }
    assert len(answers) == 1
    assert all(http.get("/v1/roles", headers=WRONG).status_code == 401 for _ in range(30))


def test_forged_candidate_links_are_limited_with_a_page(tmp_path):
    clock = Clock()
    http = app_client(tmp_path, clock, login_failures_per_minute=2)
    genuine = http.post("/v1/invitations", headers=support.AUTH, json={"candidate_id": "c-1"}).json()["test_url"]
    assert http.get("/take/" + support.token_of(genuine)).status_code == 200  # a genuine link is no failure
    assert http.get("/take/forged.token").status_code == 404
    assert http.get("/reports/abc?sig=forged").status_code in (403, 404)
    refused = http.get("/take/" + support.token_of(genuine))
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    clock.advance(61)
    assert http.get("/take/" + support.token_of(genuine)).status_code == 200


@settings(max_examples=50, deadline=None)
@given(
    limit=st.integers(1, 5),
    events=st.lists(st.tuples(st.sampled_from("ab"), st.floats(0, 30)), max_size=30),
)
def test_property_an_address_is_refused_exactly_when_its_window_holds_limit_failures(limit, events):
    """Rule: refused iff the address's failures since its window opened reach the limit; other addresses unaffected."""
    moment = [0.0]
    logins = FailedLogins(limit, 60.0, clock=lambda: moment[0])
    windows: dict[str, tuple[float, int]] = {}
    for address, step in events:
        moment[0] += step
        start, count = windows.get(address, (moment[0], 0))
        if moment[0] - start >= 60:
            start, count = moment[0], 0
        expected = count >= limit
        assert (logins.wait(address) > 0) == expected
        if not expected:
            logins.fail(address)
            windows[address] = (start, count + 1)


def test_remembered_addresses_are_bounded():
    moment = [0.0]
    logins = FailedLogins(1, 60.0, clock=lambda: moment[0], max_addresses=100)
    for number in range(1_000):
        logins.fail(f"10.0.{number // 256}.{number % 256}")
    assert len(logins._counts) <= 100
    assert logins.wait("10.0.3.231") > 0  # the newest are kept


# ---- e-mails per key ----------------------------------------------------------------------------


def mail_sends(http: TestClient) -> int:
    with http.app.state.service.sessions() as session:  # type: ignore[attr-defined]
        return int(session.scalar(select(func.count(MailSend.id))) or 0)


def invitations(http: TestClient) -> int:
    with http.app.state.service.sessions() as session:  # type: ignore[attr-defined]
        return int(session.scalar(select(func.count(Invitation.id))) or 0)


def test_emails_per_key_are_limited_across_routes_workers_and_restarts(tmp_path, inbox):
    handler, smtp = inbox
    clock = Clock()
    http = app_client(tmp_path, clock, smtp=smtp, emails_per_hour=2)
    before = len(handler.messages)
    invite = {"candidate_id": "c-1", "email": "c1@example.test"}
    assert http.post("/v1/invitations", headers=support.AUTH, json=invite).status_code == 201
    clock.advance(600)
    test = send_test_body("complex-case.en", "c2@example.test")
    assert http.post("/greenhouse/send_test", headers=GH, json=test).status_code == 200
    kept = invitations(http)

    refused = http.post("/v1/invitations", headers=support.AUTH, json={**invite, "candidate_id": "c-3"})
    assert refused.status_code == 429
    assert refused.headers["content-type"] == PROBLEM_TYPE
    assert refused.json()["type"].endswith("#too-many-emails")
    assert int(refused.headers["Retry-After"]) == 3600 - 600  # until the first e-mail leaves the hour
    assert http.post("/greenhouse/send_test", headers=GH, json=test).status_code == 429
    assert len(handler.messages) - before == 2
    assert invitations(http) == kept  # a refused request keeps nothing
    assert http.post("/v1/invitations", headers=support.AUTH, json={"candidate_id": "c-4"}).status_code == 201

    # A second worker, or the service after a restart, reads the same count from the database.
    other = app_client(tmp_path, clock, smtp=smtp, emails_per_hour=2, migrate=False)
    assert other.post("/v1/invitations", headers=support.AUTH, json=invite).status_code == 429
    clock.advance(3000)  # the first e-mail is an hour old
    assert other.post("/v1/invitations", headers=support.AUTH, json=invite).status_code == 201
    assert len(handler.messages) - before == 3


def test_emails_that_are_not_sent_do_not_count(tmp_path):
    clock = Clock()
    down = SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False, timeout=2)
    http = app_client(tmp_path, clock, smtp=down, emails_per_hour=1)
    invite = {"candidate_id": "c-1", "email": "c1@example.test"}
    for _ in range(3):
        assert http.post("/v1/invitations", headers=support.AUTH, json=invite).status_code == 503
    assert mail_sends(http) == 0


def test_each_key_has_its_own_emails(tmp_path, inbox):
    _, smtp = inbox
    other_key = "second-organisation-0123456789"
    settings = support.settings(tmp_path, smtp=smtp, emails_per_hour=1).with_keys([support.KEY, other_key])
    http = TestClient(create_app(settings, artifact=support.artifact(), clock=Clock()))
    invite = {"candidate_id": "c-1", "email": "c1@example.test"}
    assert http.post("/v1/invitations", headers=support.AUTH, json=invite).status_code == 201
    assert http.post("/v1/invitations", headers=support.AUTH, json=invite).status_code == 429
    other = {"Authorization": f"Bearer {other_key}"}
    assert http.post("/v1/invitations", headers=other, json=invite).status_code == 201


def test_workers_racing_for_the_last_emails_never_send_more_than_the_limit(tmp_path):
    """Rule: the slot is written before it is counted, so racing senders exceed the limit never (at worst refuse)."""
    from concurrent.futures import ThreadPoolExecutor

    from profilefit.apps.service._limits import MailQuota
    from profilefit.apps.service._problems import Problem

    http = app_client(tmp_path, Clock())
    service = http.app.state.service  # type: ignore[attr-defined]
    quota = MailQuota(service.sessions, 3, clock=Clock())
    barrier = threading.Barrier(8)

    def send(_: int) -> bool:
        barrier.wait()
        try:
            with quota.sending("owner-digest"):
                return True
        except Problem as refused:
            assert refused.status == 429
            return False

    with ThreadPoolExecutor(8) as pool:
        sent = sum(pool.map(send, range(8)))
    assert 1 <= sent <= 3
    assert mail_sends(http) == sent


def test_limit_settings_are_read_and_checked():
    from profilefit.apps.service import Settings

    env = {
        "PROFILEFIT_SECRET_KEY": "s" * 32,
        "PROFILEFIT_EMAILS_PER_HOUR": "40",
        "PROFILEFIT_LOGIN_FAILURES_PER_MINUTE": "5",
    }
    read = Settings.from_env(env)
    assert (read.emails_per_hour, read.login_failures_per_minute) == (40, 5)
    assert Settings.from_env({"PROFILEFIT_SECRET_KEY": "s" * 32}).emails_per_hour == 500
    with pytest.raises(ValueError, match="PROFILEFIT_EMAILS_PER_HOUR='many': allowed: a whole number"):
        Settings.from_env({**env, "PROFILEFIT_EMAILS_PER_HOUR": "many"})
    with pytest.raises(ValueError, match="emails_per_hour=-1"):
        Settings.from_env({**env, "PROFILEFIT_EMAILS_PER_HOUR": "-1"})


# ---- the database goes away ---------------------------------------------------------------------


def test_every_route_answers_503_with_retry_after_when_the_database_is_gone(tmp_path, inbox):
    _, smtp = inbox
    folder = tmp_path / "db"
    folder.mkdir()
    http = app_client(folder, Clock(), smtp=smtp)
    made = http.post("/v1/invitations", headers=support.AUTH, json={"candidate_id": "c-1"}).json()
    # The database file and its folder go away under the running service, whose pooled connections stay
    # open on the deleted files (writing to them answered 200 and 201, and lost it all at the next start).
    shutil.rmtree(folder)

    calls = [
        ("POST", "/v1/invitations", support.AUTH, {"candidate_id": "c-2"}),
        ("POST", "/v1/invitations", support.AUTH, {"candidate_id": "c-2", "email": "c2@example.test"}),
        ("GET", f"/v1/invitations/{made['invitation_id']}", support.AUTH, None),
        ("DELETE", "/v1/candidates/c-1", support.AUTH, None),
        ("POST", "/greenhouse/send_test", GH, send_test_body("complex-case.en", "c3@example.test")),
        ("GET", f"/greenhouse/test_status?partner_interview_id={made['invitation_id']}", GH, None),
        ("GET", "/readyz", {}, None),
    ]
    for method, path, headers, body in calls:
        answer = http.request(method, path, headers=headers, json=body)
        assert answer.status_code == 503, (method, path, answer.text)
        assert answer.headers["content-type"] == PROBLEM_TYPE, path
        assert int(answer.headers["Retry-After"]) >= 1, path
    page = http.get("/take/" + support.token_of(made["test_url"]))
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert "Retry-After" in page.headers
    # What needs no database goes on working.
    for path in ("/v1/roles", "/v1/model", "/v1/instrument", "/greenhouse/list_tests"):
        assert http.get(path, headers=GH if path.startswith("/greenhouse") else support.AUTH).status_code == 200


# ---- the OpenAPI document -----------------------------------------------------------------------


def test_openapi_documents_every_error_as_problem_details_with_its_headers(tmp_path):
    spec = app_client(tmp_path, Clock()).get("/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            assert "413" in responses, where
            if path.startswith(("/v1/", "/greenhouse/")):
                assert {"401", "429"} <= set(responses), where
                assert responses["429"]["headers"]["Retry-After"]["required"], where
            if "requestBody" in operation:
                assert {"400", "422"} <= set(responses), where
            for code, response in responses.items():
                if code[0] in "45":
                    assert list(response["content"]) == [PROBLEM_TYPE], (where, code)
                if code == "503":  # declared, not required: send_test's mail-not-configured sends none
                    assert response["headers"]["Retry-After"]["required"] is False, where
    database = {
        ("post", "/v1/invitations"),
        ("get", "/v1/invitations/{invitation_id}"),
        ("delete", "/v1/candidates/{candidate_id}"),
        ("post", "/greenhouse/send_test"),
        ("get", "/greenhouse/test_status"),
        ("get", "/readyz"),
    }
    for method, path in database:
        assert "503" in spec["paths"][path][method]["responses"], (method, path)
    links = spec["paths"]["/v1/invitations"]["post"]["responses"]["201"]["links"]
    assert links["GetInvitation"]["parameters"] == {"invitation_id": "$response.body#/invitation_id"}
    status = spec["paths"]["/greenhouse/send_test"]["post"]["responses"]["200"]["links"]["GetTestStatus"]
    assert status["operationId"] == spec["paths"]["/greenhouse/test_status"]["get"]["operationId"]


def test_what_schemathesis_found_stays_fixed(tmp_path, inbox):
    """Each request here was accepted (or refused) against the published schema before the fix."""
    _, smtp = inbox
    http = app_client(tmp_path, Clock(), smtp=smtp, login_failures_per_minute=0)
    # An empty candidate.url next to an allowed url: refused, naming the field.
    body = send_test_body("complex-case.en", "c@example.test")
    body = {**body, "candidate": {**body["candidate"], "url": ""}, "url": "https://app.greenhouse.io/x"}
    refused = http.post("/greenhouse/send_test", headers=GH, json=body)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "candidate.url"
    # An address of a no-break space went out empty and came back as the mail server's refusal.
    # Now the published pattern refuses it, before any mail server is asked.
    invite = {"candidate_id": "c-1", "email": "\u00a0@example.test"}
    refused = http.post("/v1/invitations", headers=support.AUTH, json=invite)
    assert refused.status_code == 422 and refused.json()["detail"] == "the request does not match the API's schema"
    # A body that is not UTF-8: the 400 FastAPI sends, now documented.
    broken = http.post("/v1/invitations", headers={**support.AUTH, "Content-Type": "application/json"}, content=b"\x80")
    assert broken.status_code == 400 and broken.headers["content-type"] == PROBLEM_TYPE
    # A JSON true is not Greenhouse's id 1.
    report = {"api_call": "send_test", "partner_interview_id": True}
    assert http.post("/greenhouse/response_error", headers=GH, json=report).status_code == 422
    # A numeric candidate id and a null optional field are read as the published schema now says.
    score = http.get("/openapi.json").json()["paths"]["/v1/score"]["post"]["requestBody"]["content"]
    properties = score["application/json"]["schema"]["properties"]
    assert {"type": "integer"}.items() <= properties["candidate_id"]["anyOf"][1].items()
    assert {"type": "null"} in properties["schema_version"]["anyOf"]


def test_the_email_table_keeps_only_the_last_hour(tmp_path, inbox):
    _, smtp = inbox
    clock = Clock()
    other_key = "second-organisation-0123456789"
    settings = support.settings(tmp_path, smtp=smtp).with_keys([support.KEY, other_key])
    http = TestClient(create_app(settings, artifact=support.artifact(), clock=clock))
    invite = {"candidate_id": "c-1", "email": "c1@example.test"}
    for _ in range(3):
        assert http.post("/v1/invitations", headers=support.AUTH, json=invite).status_code == 201
    assert mail_sends(http) == 3
    clock.advance(3600)
    other = {"Authorization": f"Bearer {other_key}"}
    assert http.post("/v1/invitations", headers=other, json=invite).status_code == 201
    assert mail_sends(http) == 1  # the first key's rows went with the other key's e-mail
