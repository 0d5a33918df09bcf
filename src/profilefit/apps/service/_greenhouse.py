"""Greenhouse's Assessment Partner API, as an adapter over the service (mounted at ``/greenhouse``).

Greenhouse calls four partner endpoints (developers.greenhouse.io/assessment.html):
``GET list_tests``, ``POST send_test``, ``GET test_status?partner_interview_id=…`` and
``POST response_error``, with HTTP Basic authentication whose user name is the
organisation's API key and whose password is empty. When a candidate finishes, the
partner PATCHes the ``url`` Greenhouse sent with ``send_test`` (Greenhouse deprecated polling on
2019-10-01), and Greenhouse then asks ``test_status``. The PATCH goes through the outbox
(:mod:`profilefit.apps.service._callbacks`), retried until Greenhouse answers; a retried
``send_test`` is recognised by that ``url`` (:mod:`profilefit.apps.service._idempotency`).

The adapter only translates: invitations, e-mail, scoring and storage are the
service's (:class:`~profilefit.apps.service._core.AssessmentService`), so another ATS's
contract is another module of this shape.
"""

# No `from __future__ import annotations`: send_test's body names this service's tests, which FastAPI
# reads only from annotations evaluated when the route is made.
import logging
from typing import Annotated, Any, Literal, cast
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, create_model

from profilefit.apps.service._bodies import checked_first, document_json_bodies
from profilefit.apps.service._core import NO_ROLE, AssessmentService
from profilefit.apps.service._idempotency import HEADER as IDEMPOTENCY_HEADER
from profilefit.apps.service._idempotency import KEY_DESCRIPTION, KEY_PATTERN, Answered, unkeyed
from profilefit.apps.service._outbound import EMAIL_PATTERN, callback_allowed, callback_allowed_text, callback_pattern
from profilefit.apps.service._problems import MAIL_RETRY_SECONDS, Problem, problem_responses
from profilefit.apps.service._security import match_key
from profilefit.core.fit import load_role
from profilefit.core.screening import NOTICE
from profilefit.exceptions import MailError

log = logging.getLogger("profilefit.service")
#: The note test_status sends in place of a score for a result that needs human review.
SCORE_WITHHELD = (
    "No score: this result needs human review (see the validity flags and the report) before it is used "
    "in a decision. Do not sort or reject candidates by its absence."
)
basic = HTTPBasic(auto_error=False, description="User name: the organisation's API key; password: empty.")


class _Lenient(BaseModel):
    # extra="ignore": Greenhouse may add fields to its requests; the contract must not break on them.
    model_config = ConfigDict(extra="ignore")


class PartnerTest(BaseModel):
    """One test Greenhouse can offer: here, one role in one language."""

    partner_test_id: str
    partner_test_name: str


class Candidate(_Lenient):
    """The candidate as Greenhouse describes them in ``send_test``."""

    first_name: str | None = None
    last_name: str | None = None
    email: str = Field(max_length=320, pattern=EMAIL_PATTERN)
    resume_url: str | None = None
    phone_number: str | None = None
    greenhouse_profile_url: str | None = None
    url: str | None = Field(None, description="Where to PATCH on completion (Greenhouse's example puts it here).")


class SendTest(_Lenient):
    """Greenhouse's ``send_test`` request."""

    partner_test_id: str | int
    candidate: Candidate
    url: str | None = Field(None, description="Where to PATCH on completion (Greenhouse's table lists it here).")


class SendTestResponse(BaseModel):
    """Greenhouse's ``send_test`` response: the id of this candidate's test."""

    partner_interview_id: str


class TestStatus(BaseModel):
    """Greenhouse's ``test_status`` response; Greenhouse stops polling once ``partner_status`` is ``complete``."""

    partner_status: str
    partner_profile_url: str | None = None
    partner_score: float | None = None
    metadata: dict[str, str | float | bool] | None = None


class ResponseError(_Lenient):
    """What Greenhouse reports when one of our responses did not validate."""

    api_call: str
    errors: list[str] = Field(default_factory=list)
    # Strict: a JSON true is not the id 1, as the published schema (string or integer) says.
    partner_test_id: StrictStr | StrictInt | None = None
    partner_test_name: str | None = None
    partner_interview_id: StrictStr | StrictInt | None = None
    candidate_email: str | None = None


def test_id(role: str, language: str) -> str:
    """A partner_test_id: the role and the page's first language, ``complex-case.nb``."""
    return f"{role}.{language}"


def greenhouse_router(service: AssessmentService) -> APIRouter:
    """The four Assessment Partner endpoints over one service."""
    settings = service.settings

    async def organisation(
        request: Request, credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)]
    ) -> str:
        known: str | None = getattr(request.state, "api_key_digest", None)
        if known is not None:  # checked before the body was read (checked_first)
            return known
        challenge = {"WWW-Authenticate": 'Basic realm="profilefit"'}
        if credentials is None:
            raise Problem(401, "send the organisation's API key as the HTTP Basic user name", headers=challenge)
        digest = match_key(credentials.username, settings.api_key_digests)
        if digest is None:
            raise Problem(401, "the API key is not accepted", headers=challenge)
        request.state.api_key_digest = digest
        return digest

    async def key_check(request: Request) -> None:
        await organisation(request, await basic(request))

    router = APIRouter(
        prefix="/greenhouse",
        tags=["greenhouse"],
        # After the key: a repeated key or NaN in a body is refused, not read as its last value (_bodies).
        dependencies=[Depends(organisation)],
        responses=problem_responses(401, 413, 422),
        route_class=checked_first(key_check),  # 401 before a body is read, whatever it holds
    )

    def tests() -> list[PartnerTest]:
        offered = []
        for role_id in service.roles:
            if role_id == NO_ROLE and len(service.roles) > 1:
                continue  # with roles to offer, each test is one of them
            for language in service.languages:
                title = (
                    service.instrument.title[language]
                    if role_id == NO_ROLE
                    else load_role(role_id).text("name", language)
                )
                name = f"{title} – {service.texts[language]['language_name']}"
                offered.append(PartnerTest(partner_test_id=test_id(role_id, language), partner_test_name=name))
        return offered

    @router.get("/list_tests", response_model=list[PartnerTest], summary="Greenhouse: the tests offered")
    def list_tests() -> list[PartnerTest]:
        """Every role in every language of the candidate page."""
        return tests()

    offered = [test.partner_test_id for test in tests()]
    offered_type: Any = Literal[tuple(offered)]
    # The allowed callback URLs are published (the schema's pattern) but checked in send_test, so that a
    # refused one gets its own clear error and a log line.
    allowed_url: dict[str, Any] = {"json_schema_extra": {"pattern": callback_pattern(settings)}}
    candidate_model = create_model(
        "Candidate",
        __base__=Candidate,
        url=(str | None, Field(None, description=Candidate.model_fields["url"].description, **allowed_url)),
    )
    send_model = create_model(
        "SendTest",
        __base__=SendTest,
        partner_test_id=(offered_type, Field(description="A partner_test_id from list_tests.")),
        candidate=(candidate_model, ...),
        url=(str | None, Field(None, description=SendTest.model_fields["url"].description, **allowed_url)),
    )

    @router.post(
        "/send_test",
        response_model=SendTestResponse,
        summary="Greenhouse: invite and e-mail a candidate",
        responses=problem_responses(409, 503),
    )
    def send_test(
        body: send_model,
        owner: Annotated[str, Depends(organisation)],
        idempotency_key: Annotated[
            str | None, Header(alias=IDEMPOTENCY_HEADER, pattern=KEY_PATTERN, description=KEY_DESCRIPTION)
        ] = None,
    ) -> SendTestResponse:
        """Create the invitation and e-mail the candidate their link; answer with its partner_interview_id.

        A retry (the same ``Idempotency-Key``, or without one the same completion ``url``, which
        Greenhouse makes once per test sent) gets the first partner_interview_id and no second e-mail.
        """
        request = cast(SendTest, body)
        role, _, language = str(request.partner_test_id).rpartition(".")
        if test_id(role, language) not in {test.partner_test_id for test in tests()}:
            reason = "allowed: a partner_test_id from list_tests"
            raise Problem(
                422,
                "unknown test",
                errors=[{"field": "partner_test_id", "pointer": "#/partner_test_id", "reason": reason}],
            )
        callback = request.url or request.candidate.url
        # Each URL sent must be allowed (an empty one too), not only the one that is used.
        refused = [
            (where, pointer)
            for where, pointer, url in (
                ("url", "#/url", request.url),
                ("candidate.url", "#/candidate/url", request.candidate.url),
            )
            if url is not None and not callback_allowed(url, settings)
        ]
        if refused:
            # Refused, not dropped: a callback that would silently never arrive is worse than an error now.
            log.warning("send_test for test %s refused: completion callback host not allowed", request.partner_test_id)
            where, pointer = refused[0]
            reason = f"allowed: {callback_allowed_text(settings)}"
            raise Problem(
                422,
                "the completion callback URL is not allowed",
                errors=[{"field": where, "pointer": pointer, "reason": reason}],
            )
        key = f"header:{idempotency_key}" if idempotency_key else (f"url:{callback}" if callback else None)
        if key is None:
            return limited(request, owner, role, language, callback, unkeyed)

        def replay(invitation_id: str) -> SendTestResponse | None:
            with service.sessions() as session:
                found = service.load(session, invitation_id, owner=owner) is not None
            return SendTestResponse(partner_interview_id=invitation_id) if found else None

        return service.idempotency.once(
            owner=owner,
            scope="send_test",
            key=key,
            request=request.model_dump_json().encode("utf-8"),
            make=lambda answered: limited(request, owner, role, language, callback, answered),
            replay=replay,
        )

    def limited(
        request: SendTest, owner: str, role: str, language: str, callback: str | None, answered: Answered
    ) -> SendTestResponse:
        with service.mail_quota.sending(owner):  # a slot of the key's hourly e-mails; back if none is sent
            return send(request, owner, role, language, callback, answered)

    def send(
        request: SendTest, owner: str, role: str, language: str, callback: str | None, answered: Answered
    ) -> SendTestResponse:
        """Make the invitation, e-mail the candidate, then store it with the idempotency key's answer.

        As ``POST /v1/invitations`` does: a failed e-mail leaves nothing to remove, the invitation and the
        key's answer commit together, and the invitation has the id reserved with the key (a retry that took
        the key over makes the same one). The address goes from the request to the mail server only.
        """
        application = _application_id(request.candidate.greenhouse_profile_url)
        created = service.new_invitation(
            owner=owner,
            candidate_id=f"greenhouse-application-{application}" if application else "greenhouse-pending",
            role=role,
            language=language,
            callback_url=callback,
            source="greenhouse",
            invitation_id=answered.invitation_id,
        )
        invitation = created.invitation
        if not application:
            invitation.candidate_id = f"greenhouse-{invitation.id}"
        try:
            service.email_invitation(invitation, created.link, request.candidate.email)
        except MailError as error:
            if settings.smtp is None:  # no retry can help until the operator sets a mail server up
                detail = (
                    "this service is not set up to send e-mail (no PROFILEFIT_SMTP_HOST), so the test cannot "
                    "be sent; nothing was kept"
                )
                raise Problem(503, detail, kind="mail-not-configured") from None
            if error.refused:
                reason = "the mail server refused this address"
                field = {"field": "candidate.email", "pointer": "#/candidate/email", "reason": reason}
                raise Problem(422, "the test e-mail was not sent", errors=[field]) from None
            retry = {"Retry-After": str(MAIL_RETRY_SECONDS)}
            detail = "the test e-mail could not be sent; try again later"
            raise Problem(503, detail, kind="mail-failed", headers=retry) from None
        with service.sessions() as session:
            session.add(invitation)
            answered(session, invitation.id)
            session.commit()
        return SendTestResponse(partner_interview_id=invitation.id)

    @router.get(
        "/test_status",
        response_model=TestStatus,
        response_model_exclude_none=True,
        summary="Greenhouse: status",
        responses=problem_responses(404, 503),
    )
    def test_status(
        partner_interview_id: Annotated[str, Query(max_length=64)], owner: Annotated[str, Depends(organisation)]
    ) -> TestStatus:
        """``complete`` with the fit score, the report link and a summary once the candidate has finished.

        A result that needs human review carries a note instead of a score, unless the operator set
        ``PROFILEFIT_GREENHOUSE_SCORE_REVIEWED=true``.
        """
        with service.sessions() as session:
            invitation = service.load(session, partner_interview_id, owner=owner)
            if invitation is None:
                raise Problem(404, "no such partner_interview_id")
            status = service.status(invitation)
        result = status["result"]
        if result is None:
            return TestStatus(partner_status=status["status"])
        fit = result.get("fit") or {}
        metadata: dict[str, str | float | bool] = {
            "Role": status["role"],
            "Fit band": fit.get("band") or ("incomplete" if fit else "n/a"),
            "Profile": result["profile"],
            "Needs human review": "yes" if result["needs_human_review"] else "no",
            "Validity flags": ", ".join(flag["flag"] for flag in result["flags"]) or "none",
            "Completed At": status["completed_at"],
            "Model": f"{result['model']['model_id']} (trained on {result['model']['trained_on']})",
            "Notice": NOTICE,
        }
        score = fit.get("score")
        if result["needs_human_review"] and not settings.greenhouse_score_reviewed:
            # Greenhouse lets its users sort and bulk-reject by score: a result that needs review must be read.
            score = None
            metadata["Note"] = SCORE_WITHHELD
            if fit.get("band"):  # a band sorts and filters as a score does: left out with it (the report has both)
                metadata["Fit band"] = "not given: needs human review (see the report)"
        return TestStatus(
            partner_status="complete",
            partner_profile_url=status["report_url"],
            partner_score=score,
            metadata=metadata,
        )

    @router.post("/response_error", summary="Greenhouse: a response of ours did not validate")
    def response_error(report: ResponseError) -> dict[str, int]:
        """Logged by call and count (no candidate e-mail, no texts); answered with status 200."""
        call = report.api_call if report.api_call in ("list_tests", "send_test", "test_status") else "(unknown)"
        log.warning("Greenhouse reports %d error(s) in our %s response", len(report.errors), call)
        return {"status": 200}

    return document_json_bodies(router)


def _application_id(profile_url: str | None) -> str | None:
    """The ``application_id`` in a Greenhouse profile URL, when it has a numeric one."""
    if not profile_url:
        return None
    values = parse_qs(urlsplit(profile_url).query).get("application_id", [])
    return values[0] if values and values[0].isdigit() and len(values[0]) <= 20 else None
