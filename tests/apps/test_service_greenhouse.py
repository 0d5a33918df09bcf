"""Greenhouse's Assessment Partner API, tested as Greenhouse documents it (developers.greenhouse.io/assessment.html).

Also the end-to-end path: send_test → e-mail on a real SMTP server on loopback → the link
in it → the page filled in by posting its forms → the PATCH callback → test_status complete.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from profilefit.apps.service import SmtpSettings, create_app
from profilefit.apps.service._storage import Invitation
from tests import service_support as support
from tests.service_support import GH, Inbox, basic, free_port, send_test_body

STATUS_KEYS = {"partner_status", "partner_profile_url", "partner_score", "metadata"}


class Callbacks(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, str, str | None]]] = []

    def do_PATCH(self):
        Callbacks.received.append((self.command, self.path, self.headers.get("Authorization")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def callback_server():
    server = HTTPServer(("127.0.0.1", 0), Callbacks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def http(tmp_path_factory, inbox):
    _, port = inbox
    smtp = SmtpSettings(host="127.0.0.1", port=port, sender="tests@example.test", starttls=False)
    with support.client(
        tmp_path_factory.mktemp("greenhouse"),
        smtp=smtp,
        callback_hosts=("127.0.0.1",),
        allow_http_callbacks=True,
        callback_key="greenhouse-callback-key",
    ) as client:
        yield client


def test_every_endpoint_needs_the_api_key_as_basic_user_name(http):
    for method, path in (
        ("GET", "list_tests"),
        ("POST", "send_test"),
        ("GET", "test_status"),
        ("POST", "response_error"),
    ):
        for headers in ({}, basic("wrong"), support.AUTH):
            response = http.request(method, f"/greenhouse/{path}", headers=headers)
            assert response.status_code == 401, (path, headers)
            assert response.headers["www-authenticate"].startswith("Basic")


def test_list_tests_is_a_list_of_id_and_name(http):
    tests = http.get("/greenhouse/list_tests", headers=GH).json()
    assert isinstance(tests, list)
    service = http.app.state.service
    roles = [role for role in service.roles if role != "none"]  # "none" (no fit) is not offered to Greenhouse
    assert len(tests) == len(roles) * len(service.languages)
    for test in tests:
        assert set(test) == {"partner_test_id", "partner_test_name"}
        assert isinstance(test["partner_test_id"], str) and isinstance(test["partner_test_name"], str)
    assert "complex-case.nb" in {test["partner_test_id"] for test in tests}


def test_send_test_answers_with_a_string_partner_interview_id_and_mails_the_link(http, inbox):
    handler, _ = inbox
    before = len(handler.messages)
    response = http.post(
        "/greenhouse/send_test", json=send_test_body("transactional.sv", "hp@example.test"), headers=GH
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"partner_interview_id"} and isinstance(body["partner_interview_id"], str)
    [message] = handler.messages[before:]
    assert message["To"] == "hp@example.test" and "/take/" in message.get_payload(decode=True).decode()
    status = http.get("/greenhouse/test_status", params=body, headers=GH).json()
    assert set(status) <= STATUS_KEYS and status["partner_status"] != "complete"


def test_the_invitation_mail_ends_with_the_help_contact_when_one_is_set(tmp_path, inbox):
    from profilefit.apps.service import Settings

    handler, port = inbox
    smtp = SmtpSettings(host="127.0.0.1", port=port, sender="tests@example.test", starttls=False)
    assert Settings.from_env(
        {"PROFILEFIT_SECRET_KEY": "s" * 32, "PROFILEFIT_HELP_CONTACT": " hr@x.test "}
    ).help_contact == ("hr@x.test")
    with support.client(tmp_path, smtp=smtp, help_contact="hr@example.test, 22 00 00 00") as helped:
        before = len(handler.messages)
        sent = helped.post(
            "/greenhouse/send_test", json=send_test_body("complex-case.nb", "kh@example.test"), headers=GH
        )
        assert sent.status_code == 200, sent.text
        [message] = handler.messages[before:]
        text = message.get_payload(decode=True).decode()
        assert text.rstrip().endswith(
            "Spørsmål eller problemer med spørreskjemaet? \u2068hr@example.test, 22 00 00 00\u2069"
        )


def test_send_test_refuses_an_unknown_test_or_a_missing_email(http):
    unknown = http.post("/greenhouse/send_test", json=send_test_body("no-such.xx", "a@example.test"), headers=GH)
    assert unknown.status_code == 422
    body = send_test_body("complex-case.en", "a@example.test")
    del body["candidate"]["email"]
    assert http.post("/greenhouse/send_test", json=body, headers=GH).status_code == 422


def test_send_test_fails_cleanly_when_mail_cannot_go_out(tmp_path):
    smtp = SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False, timeout=2)
    with support.client(tmp_path, smtp=smtp) as http:
        response = http.post(
            "/greenhouse/send_test", json=send_test_body("complex-case.en", "a@example.test"), headers=GH
        )
        assert response.status_code == 503 and response.headers["content-type"] == "application/problem+json"
        assert "a@example.test" not in response.text
        with http.app.state.service.sessions() as session:  # no half-made invitation is left behind
            assert session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


def test_unknown_partner_interview_id_is_404(http):
    assert http.get("/greenhouse/test_status", params={"partner_interview_id": "nope"}, headers=GH).status_code == 404


def test_an_organisation_sees_only_its_own_tests(tmp_path, inbox):
    _, port = inbox
    smtp = SmtpSettings(host="127.0.0.1", port=port, starttls=False)
    settings = support.settings(tmp_path, smtp=smtp).with_keys([support.KEY, "second-organisation"])
    with TestClient(create_app(settings, artifact=support.artifact())) as http:
        body = send_test_body("complex-case.en", "b@example.test")
        interview = http.post("/greenhouse/send_test", json=body, headers=GH).json()["partner_interview_id"]
        query = {"partner_interview_id": interview}
        assert (
            http.get("/greenhouse/test_status", params=query, headers=basic("second-organisation")).status_code == 404
        )
        assert http.get("/greenhouse/test_status", params=query, headers=GH).status_code == 200


def test_response_error_is_acknowledged_and_the_candidate_email_is_not_logged(http, caplog):
    caplog.set_level("INFO")
    documented = {
        "api_call": "test_status",
        "errors": ["partner_status is 'complete' but partner_profile url is missing"],
        "partner_test_id": 12345,
        "partner_test_name": "Personality Test",
        "partner_interview_id": 299506,
        "candidate_email": "hpotter@hogwarts.edu",
    }
    response = http.post("/greenhouse/response_error", json=documented, headers=GH)
    assert response.status_code == 200 and response.json() == {"status": 200}
    assert "hpotter" not in caplog.text and "test_status" in caplog.text


def test_end_to_end_send_test_mail_page_callback_status(http, inbox, callback_server):
    """send_test → e-mail on loopback SMTP → link → every page posted in nb → PATCH callback → complete."""
    handler, _ = inbox
    before = len(handler.messages)
    callback = f"{callback_server}/integrations/testing_partners/take_home_tests/12345"
    sent = http.post(
        "/greenhouse/send_test", json=send_test_body("complex-case.nb", "kari@example.test", callback), headers=GH
    )
    interview = sent.json()["partner_interview_id"]
    [message] = handler.messages[before:]
    text = message.get_payload(decode=True).decode("utf-8")
    assert "spørreskjema" in text  # written in the test's language
    link = next(word for word in text.split() if "/take/" in word)
    instrument = http.app.state.service.instrument
    answers = {item: 5 for item in instrument.item_ids}
    answers.update({check.id: check.expected or 2 for check in instrument.attention_checks})
    answers.update({scenario.id: scenario.options[1].id for scenario in instrument.scenarios})
    Callbacks.received.clear()
    thanks = support.fill_in(http, link, answers)
    assert "Takk" in thanks
    assert Callbacks.received == [
        (
            "PATCH",
            "/integrations/testing_partners/take_home_tests/12345",
            basic("greenhouse-callback-key")["Authorization"],
        )
    ]
    status = http.get("/greenhouse/test_status", params={"partner_interview_id": interview}, headers=GH).json()
    # filled in within seconds, the result needs review: a note instead of a score
    assert set(status) == STATUS_KEYS - {"partner_score"} and status["partner_status"] == "complete"
    assert status["metadata"]["Needs human review"] == "yes" and "No score" in status["metadata"]["Note"]
    assert all(isinstance(value, str | int | float | bool) for value in status["metadata"].values())  # not nested
    report = http.get(status["partner_profile_url"].removeprefix("http://testserver"))
    assert report.status_code == 200 and "greenhouse-application-26234709" in report.text
    result = http.get(f"/v1/invitations/{interview}", headers=support.AUTH).json()["result"]
    assert result["needs_human_review"] and status["metadata"]["Profile"] == result["profile"]
    assert result["candidate_id"] == "greenhouse-application-26234709"
    with http.app.state.service.sessions() as session:
        assert http.app.state.service.load(session, interview).email is None  # the address is not kept


def test_status_of_a_result_with_an_incomplete_fit_says_so(http):
    body = send_test_body("complex-case.en", "partial@example.test")
    interview = http.post("/greenhouse/send_test", json=body, headers=GH).json()["partner_interview_id"]
    service = http.app.state.service
    with service.sessions() as session:  # only the first page answered, then submitted: too few answers for a fit
        invitation = service.load(session, interview)
        service.save_page(session, invitation, 0, {key: "4" for key in service.pages[0]})
        assert service.submit(session, invitation) is not None
    status = http.get("/greenhouse/test_status", params={"partner_interview_id": interview}, headers=GH)
    assert status.status_code == 200 and status.json()["metadata"]["Fit band"] == "incomplete"


def _status_of_a_result_that_needs_review(http, email_address):
    """test_status of a candidate who failed every attention check (so the result needs human review)."""
    body = send_test_body("complex-case.en", email_address)
    interview = http.post("/greenhouse/send_test", json=body, headers=GH).json()["partner_interview_id"]
    service = http.app.state.service
    instrument = service.instrument
    with service.sessions() as session:
        invitation = service.load(session, interview)
        for index, page in enumerate(service.pages):
            answers = {}
            for key in page:
                check = next((check for check in instrument.attention_checks if check.id == key), None)
                wrong = check is not None and check.expected is not None
                answers[key] = str(1 if wrong and check.expected != 1 else 6 if wrong else 4)
                scenario = next((scenario for scenario in instrument.scenarios if scenario.id == key), None)
                if scenario is not None:
                    answers[key] = scenario.options[0].id
            service.save_page(session, invitation, index, answers)
        assert service.submit(session, invitation) is not None
    return http.get("/greenhouse/test_status", params={"partner_interview_id": interview}, headers=GH).json()


def test_status_of_a_result_that_needs_review_has_a_note_and_no_score(http):
    """Greenhouse lets users bulk-reject by score: a result that needs review must be read, not sorted."""
    status = _status_of_a_result_that_needs_review(http, "review@example.test")
    assert status["partner_status"] == "complete" and "partner_score" not in status
    assert status["metadata"]["Needs human review"] == "yes" and "No score" in status["metadata"]["Note"]


def test_status_of_a_result_that_needs_review_has_a_score_only_when_turned_on(tmp_path, inbox):
    _, port = inbox
    smtp = SmtpSettings(host="127.0.0.1", port=port, sender="tests@example.test", starttls=False)
    with support.client(tmp_path, smtp=smtp, greenhouse_score_reviewed=True) as http:
        status = _status_of_a_result_that_needs_review(http, "review-on@example.test")
    assert 0 <= status["partner_score"] <= 100 and "Note" not in status["metadata"]


def test_the_reviewed_score_setting_is_read_from_the_environment():
    from profilefit.apps.service import Settings

    env = {"PROFILEFIT_SECRET_KEY": "s" * 32}
    assert not Settings.from_env(env).greenhouse_score_reviewed
    assert Settings.from_env({**env, "PROFILEFIT_GREENHOUSE_SCORE_REVIEWED": "true"}).greenhouse_score_reviewed


def test_status_of_a_result_that_needs_no_review_has_its_score(http, monkeypatch):
    service = http.app.state.service
    status_of = service.status

    def reviewed(invitation):
        status = status_of(invitation)
        return {**status, "result": {**status["result"], "needs_human_review": False}}

    monkeypatch.setattr(service, "status", reviewed)
    status = _status_of_a_result_that_needs_review(http, "no-review@example.test")
    assert set(status) == STATUS_KEYS and 0 <= status["partner_score"] <= 100 and "Note" not in status["metadata"]


@pytest.mark.parametrize("where", ["url", "candidate.url"])
def test_send_test_refuses_a_callback_host_outside_the_allow_list(http, inbox, caplog, where):
    """Dropping it silently and answering 200 would leave Greenhouse waiting for a PATCH that never comes."""
    handler, _ = inbox
    before = len(handler.messages)
    body = send_test_body("complex-case.en", "elsewhere@example.test")
    callback = "https://callbacks.example.org/take_home_tests/1"
    if where == "url":
        body["url"] = callback
    else:
        body["candidate"]["url"] = callback
    caplog.set_level("WARNING")
    response = http.post("/greenhouse/send_test", json=body, headers=GH)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == where and "127.0.0.1" in error["reason"]
    assert len(handler.messages) == before  # no e-mail for a test that was refused
    assert "complex-case.en" in caplog.text and "elsewhere@example.test" not in caplog.text


def test_the_invitation_email_has_a_date_and_a_message_id(http, inbox):
    """RFC 5322 requires Date; mail without Message-ID is marked by spam filters."""
    from email.utils import parsedate_to_datetime

    handler, _ = inbox
    before = len(handler.messages)
    http.post("/greenhouse/send_test", json=send_test_body("complex-case.en", "dated@example.test"), headers=GH)
    [message] = handler.messages[before:]
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@example.test>")


def test_without_a_mail_server_nothing_says_try_again_later(tmp_path):
    """No retry can send an e-mail a service has no SMTP server for: no Retry-After, and the answer says why."""
    with support.client(tmp_path) as http:  # no SMTP settings
        sent = http.post("/greenhouse/send_test", json=send_test_body("complex-case.en", "a@example.test"), headers=GH)
        assert sent.status_code == 503 and "retry-after" not in sent.headers
        assert sent.json()["type"].endswith("#mail-not-configured") and "PROFILEFIT_SMTP_HOST" in sent.json()["detail"]
        invited = http.post(
            "/v1/invitations", json={"candidate_id": "c-1", "email": "a@example.test"}, headers=support.AUTH
        )
        assert invited.status_code == 422 and "retry-after" not in invited.headers
        [error] = invited.json()["errors"]
        assert error["field"] == "email" and "sends no e-mail" in error["reason"] and "test_url" in error["reason"]
        with http.app.state.service.sessions() as session:  # nothing was kept
            assert session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
        plain = http.post("/v1/invitations", json={"candidate_id": "c-1"}, headers=support.AUTH)
        assert plain.status_code == 201 and plain.json()["email_sent"] is False
