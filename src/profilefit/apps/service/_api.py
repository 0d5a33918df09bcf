"""The JSON API under ``/v1``: scoring, the instrument, roles, the model, invitations and erasure.

Scoring reads the raw body with :meth:`Screener.score <profilefit.core.screening.Screener.score>`
(strict JSON, the published assessment schema), so a result here is exactly the
result the library gives for the same answers. When the service serves two instrument
versions (1.2 and 2.0), an assessment is scored with the version whose questions it
answers (:meth:`AssessmentService.edition_for_answers`); one that answers questions of
both is refused. Every route needs an API key sent as ``Authorization: Bearer KEY``;
each key has its own rate limit.
"""

# No `from __future__ import annotations` here: route signatures use the service's roles and
# languages, which FastAPI can read only from annotations evaluated when the routes are made.
import inspect
import json
import re
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from sqlalchemy import text
from starlette.convertors import PathConvertor, register_url_convertor

from profilefit.apps.service._bodies import (
    JsonEnvelopeRoute,
    Pairs,
    checked_first,
    document_json_bodies,
    refuse_repeated_query,
    require_json,
    utf8_text,
)
from profilefit.apps.service._core import CURSOR_MAX_LENGTH, CURSOR_PATTERN, NO_ROLE, AssessmentService, Edition
from profilefit.apps.service._idempotency import HEADER as IDEMPOTENCY_HEADER
from profilefit.apps.service._idempotency import KEY_DESCRIPTION, KEY_PATTERN, Answered, unkeyed
from profilefit.apps.service._openapi import WHOLE_NUMBER_ID
from profilefit.apps.service._outbound import EMAIL_PATTERN, callback_allowed, callback_pattern
from profilefit.apps.service._problems import (
    DATABASE_RETRY_SECONDS,
    MAIL_RETRY_SECONDS,
    NOT_UTF8,
    Problem,
    field_problems,
    not_found,
    problem_responses,
)
from profilefit.apps.service._questionnaire import instrument_json
from profilefit.apps.service._security import RateLimiter, match_key
from profilefit.apps.service._settings import Settings
from profilefit.apps.service._storage import erasure_json
from profilefit.core.decisions import DecisionLog
from profilefit.core.fit import load_role
from profilefit.core.instrument import Instrument
from profilefit.core.rows import answered_keys, candidate_id_as_read, load_json_object, repeated_key_reason
from profilefit.core.schema import ID_BLANKS, ID_CONTROLS
from profilefit.core.schema import CandidateId as IdText
from profilefit.core.screening import NOTICE, ScreeningResult
from profilefit.exceptions import InvitationError, JsonRowError, MailError

JSON = "application/json"
_EMAIL = re.compile(EMAIL_PATTERN)


def _or_whole_number(schema: dict[str, Any]) -> None:
    """Publish a candidate id's text schema as text or a whole number, as every door reads an id."""
    text = {key: value for key, value in schema.items() if key not in ("title", "description")}
    for key in text:
        del schema[key]
    schema["anyOf"] = [text, WHOLE_NUMBER_ID]


# The assessment schema's id rule (printable, not only white space), so that the published API agrees with it.
CandidateId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        pattern=f"^[^{ID_CONTROLS}]*[^{ID_CONTROLS}{ID_BLANKS}][^{ID_CONTROLS}]*$",
        json_schema_extra=_or_whole_number,
    ),
]
#: A candidate id given in a path or query string, read as every door reads one (without surrounding spaces) and
#: then held to :data:`CandidateId`: a blank id, or one of direction controls alone, is 422, never an empty match.
CandidateIdParameter = Annotated[IdText, BeforeValidator(candidate_id_as_read)]


class _AnyText(PathConvertor):
    """Starlette's ``path``, a line break included (its ``.*`` stops at one): the rest of the path, as sent."""

    regex = r"[\s\S]*"


register_url_convertor("text", _AnyText())
bearer = HTTPBearer(auto_error=False, description="An API key issued by the operator (docs/service.md).")


class _Strict(BaseModel):
    # extra="forbid": a misspelt option ("langauge") is an error, not a silently ignored key.
    model_config = ConfigDict(extra="forbid", frozen=True)


class BatchRequest(_Strict):
    """Assessments to score in one request."""

    # list[Any], and published so: an item that is not an object is that assessment's problem, listed by its
    # index as any invalid assessment is, not a refusal of the whole batch (which the schema would promise).
    assessments: list[Any] = Field(
        description="Assessments, each a JSON object of the schema of POST /v1/score, at most 100; an item that "
        "is not a valid assessment (not an object, too) is listed among the problems by its index."
    )


class BatchItem(_Strict):
    """The result of the assessment at ``index``."""

    index: int
    result: ScreeningResult


class ItemProblem(_Strict):
    """A problem of the assessment at ``index``: the field, a JSON pointer into the request, and what is allowed."""

    index: int
    field: str
    pointer: str
    reason: str


class BatchSummary(_Strict):
    """Counts of one batch: received = scored + rejected."""

    received: int
    scored: int
    rejected: int


class BatchResponse(_Strict):
    """Results of the valid assessments and the problems of the others, by position in the request."""

    results: list[BatchItem]
    problems: list[ItemProblem]
    summary: BatchSummary


class InvitationRequest(_Strict):
    """Invite a candidate to the test page."""

    candidate_id: CandidateId = Field(description="Your id of the candidate; the result carries it.")
    role: str | None = Field(None, description="A role id from GET /v1/roles; default: the service's role.")
    language: str = Field("en", description="The page's first language (en, nb, sv, nl); the candidate can switch.")
    email: str | None = Field(None, max_length=320, description="Where to e-mail the link (needs SMTP settings).")
    callback_url: str | None = Field(None, max_length=2048, description="PATCHed when the candidate finishes.")

    @model_validator(mode="before")
    @classmethod
    def _null_is_not_given(cls, data: Any) -> Any:
        """``"candidate_id": null`` is a missing id, as the one reader takes null at POST /v1/score."""
        if isinstance(data, dict) and "candidate_id" in data and data["candidate_id"] is None:
            return {key: value for key, value in data.items() if key != "candidate_id"}
        return data

    @field_validator("candidate_id", mode="before")
    @classmethod
    def _as_every_door_reads_it(cls, value: Any) -> Any:
        """Read as POST /v1/score and every other door read an id: without surrounding spaces, 101 as "101"."""
        return candidate_id_as_read(value)


class InvitationState(BaseModel):
    """Where an invitation stands (``GET /v1/invitations/{invitation_id}``), with its result once completed."""

    invitation_id: str
    candidate_id: str
    role: str | None = Field(description="The role its fit is for; null: scored without a role.")
    language: str = Field(description="The language the candidate last used.")
    instrument_version: str = Field(description="The instrument version it was made with, which scores it.")
    status: Literal["sent", "started", "completed", "expired"]
    created_at: str
    expires_at: str
    completed_at: str | None
    pages_answered: int = Field(description="Pages of the questionnaire saved so far.")
    pages: int = Field(description="Pages of the questionnaire in all.")
    result: ScreeningResult | None = Field(description="Once completed: the ScreeningResult, as POST /v1/score gives.")
    report_url: str | None = Field(description="Once completed: the signed link to the HTML report.")


class InvitationPage(BaseModel):
    """A page of this API key's invitations, oldest first (``GET /v1/invitations``)."""

    invitations: list[InvitationState] = Field(description="Each as GET /v1/invitations/{invitation_id} gives it.")
    next_cursor: str | None = Field(
        description="Send as ``cursor`` for the next page, as given; null: this is the last page."
    )


#: The most invitations one page of ``GET /v1/invitations`` holds, and how many without ``limit``.
MAX_PAGE = 100
DEFAULT_PAGE = 50
#: What ``limit`` and ``cursor`` of ``GET /v1/invitations`` allow, as a problem of either says it.
PAGE_ALLOWED = {
    "limit": f"a whole number from 1 to {MAX_PAGE}",
    "cursor": "the next_cursor of a previous page, as it was given",
}


class ErasedCounts(BaseModel):
    """What an erasure deleted."""

    invitations: int
    answers: int
    results: int
    decision_log_lines: int = Field(
        description="Decision-log lines of the candidate that this API key's requests wrote, removed (0 without a log)."
    )


class ErasureRecord(BaseModel):
    """The record an erasure leaves (``DELETE /v1/candidates/{candidate_id}``); the id only as a keyed hash."""

    erasure_id: str = Field(description="A random id of this record (32 hex digits), which counts nothing.")
    reason: str
    erased_at: str
    deleted: ErasedCounts


def _invitation_request(
    roles: tuple[str, ...], languages: tuple[str, ...], settings: Settings
) -> type[InvitationRequest]:
    """The invitation request with this service's roles, languages and callback hosts as the allowed values."""
    callback = callback_pattern(settings)
    role_type: Any = Literal[roles]
    language_type: Any = Literal[languages]
    return create_model(
        "InvitationRequest",
        __base__=InvitationRequest,
        email=(
            str | None,
            Field(None, max_length=320, pattern=_EMAIL.pattern, description="Where to e-mail the link."),
        ),
        callback_url=(str | None, Field(None, max_length=2048, pattern=callback, description="PATCHed when done.")),
        role=(role_type | None, Field(None, description=InvitationRequest.model_fields["role"].description)),
        language=(language_type, Field("en", description=InvitationRequest.model_fields["language"].description)),
    )


class InvitationCreated(_Strict):
    """A created invitation."""

    invitation_id: str
    candidate_id: str
    test_url: str = Field(description="The candidate's personal link: signed, expiring, single-use.")
    expires_at: str
    email_sent: bool


def _public_schema(schema: dict[str, Any], instrument: Instrument) -> dict[str, Any]:
    """The assessment's JSON Schema without what /v1/instrument hides: which scale an item is keyed to.

    ``/openapi.json`` needs no key, so every answered question reads alike ("an answer from 1 to 6"),
    whether it is an item, an attention check or a validity statement.
    """
    low, high = instrument.response_scale.min, instrument.response_scale.max
    neutral = f"an answer from {low} to {high}"
    answered = set(instrument.item_ids) | {check.id for check in instrument.attention_checks}
    properties = {
        name: {**field, "description": neutral} if name in answered else field
        for name, field in schema.get("properties", {}).items()
    }
    required = set(schema.get("required", ()))
    for name, field in properties.items():
        if name not in required and "anyOf" not in field:
            # The one reader takes null as "not given", which an optional field may be.
            properties[name] = {"anyOf": [field, {"type": "null"}]}
    if "candidate_id" in properties:
        # The one reader takes a whole number as its decimal text (an ATS's numeric ids): published so.
        properties["candidate_id"] = {"anyOf": [properties["candidate_id"], WHOLE_NUMBER_ID]}
    # Each version's schema has a title of its own: code generators name a class by it, and two bodies
    # titled alike in one anyOf made openapi-python-client leave POST /v1/score out of the client.
    title = f"Assessment {instrument.id} {instrument.version}"
    return {**schema, "title": title, "properties": properties}


def api_router(service: AssessmentService) -> APIRouter:
    """The ``/v1`` routes over one service."""
    settings = service.settings
    limiter = RateLimiter(settings.rate_per_second, settings.rate_burst)
    instrument = service.instrument
    schemas = [
        _public_schema(
            edition.screener_for(NO_ROLE).assessment_model.model_json_schema(
                ref_template="#/components/schemas/{model}"
            ),
            edition.instrument,
        )
        for edition in reversed(service.editions.values())
    ]
    # Two versions served: a body is either's (the current one first); one version: its schema as before.
    assessment_schema = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
    assessment_body = {
        "requestBody": {"required": True, "content": {JSON: {"schema": assessment_schema}}},
    }

    async def authorised(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> str:
        known: str | None = getattr(request.state, "api_key_digest", None)
        if known is not None:  # checked before the body was read (checked_first): counted once
            return known
        challenge = {"WWW-Authenticate": 'Bearer realm="profilefit"'}
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Problem(401, "send an API key as 'Authorization: Bearer KEY'", kind="unauthorized", headers=challenge)
        digest = match_key(credentials.credentials, settings.api_key_digests)
        if digest is None:
            raise Problem(401, "the API key is not accepted", kind="unauthorized", headers=challenge)
        wait = limiter.take(digest)
        if wait > 0:
            retry = str(max(1, round(wait + 0.5)))
            raise Problem(
                429, "rate limit of this API key reached", kind="rate-limited", headers={"Retry-After": retry}
            )
        request.state.api_key_digest = digest
        return digest

    async def key_check(request: Request) -> None:
        await authorised(request, await bearer(request))

    role_enum: dict[str, Any] = {"json_schema_extra": {"enum": list(service.roles)}}
    language_enum: dict[str, Any] = {"json_schema_extra": {"enum": list(instrument.languages)}}
    version_enum: dict[str, Any] = {"json_schema_extra": {"enum": list(service.editions)}}
    invitation_model = _invitation_request(service.roles, service.languages, settings)

    # Every JSON body is read by the one strict rule first (_bodies); POST /v1/score reads its own.
    router = APIRouter(
        prefix="/v1",
        dependencies=[Depends(authorised)],
        responses=problem_responses(401, 429),
        route_class=checked_first(key_check),  # 401 before a body is read, whatever it holds
    )

    def role_screener(role: str | None, edition: Edition | None = None) -> Any:
        """The screener of a role (default the service's) for an instrument version (default the current one)."""
        if role is not None and role not in service.roles:
            reason = f"allowed: one of {', '.join(service.roles)}"
            raise Problem(422, "unknown role", errors=[{"field": "role", "pointer": "#/role", "reason": reason}])
        return service.screener_for(role or service.default_role, None if edition is None else edition.version)

    def edition_of(text: str | bytes, index: int | None = None) -> Edition:
        """The version an assessment's answers belong to; a :class:`Problem` (422) for answers of two versions."""
        return _edition_by_keys(_top_level_keys(text), index)

    def _edition_by_keys(keys: list[str], index: int | None = None) -> Edition:
        try:
            return service.edition_for_answers(keys)
        except InvitationError as error:
            entry: dict[str, Any] = {"field": error.field, "pointer": f"#/{error.field}", "reason": error.reason}
            if index is not None:
                entry = {"index": index, **entry, "pointer": f"#/assessments/{index}/{error.field}"}
            raise Problem(422, "the assessment is not valid", kind="invalid-assessment", errors=[entry]) from None

    async def score_directly(request: Request) -> Response:
        # What FastAPI's handler would do for this route, without its dependency solving (a tenth of a
        # request's CPU): the key check of every /v1 route, then the endpoint with its one query parameter
        # (the last one given, as FastAPI reads a single value). The route's signature still makes its OpenAPI.
        await key_check(request)
        return await score(request, request.query_params.get("role"))

    async def score(
        request: Request,
        role: Annotated[str | None, Query(description="Role for fit; default the service's.", **role_enum)] = None,
    ) -> Response:
        """One assessment in (the schema ``profilefit schema`` prints), its ScreeningResult out."""
        refuse_repeated_query(request, score_query)  # this route's class is its own (DirectRoute), not the router's
        require_json(request, "the assessment")
        role_screener(role)  # an unknown role is refused before the body is read
        body = utf8_text(await request.body())
        if body is None:  # UTF-16 or Latin-1 (which Python's parser would read, or call an assessment "not JSON")
            errors = [{"field": "(assessment)", "pointer": "#", "reason": NOT_UTF8}]
            raise Problem(422, "the assessment is not valid", kind="invalid-assessment", errors=errors)
        # Parsed once: the same parser Screener.score uses for text, whose record it then validates. Text
        # that parser refuses (repeated key, NaN, not an object) goes to the screener as text, which names why.
        try:
            sent: dict[str, Any] | str = load_json_object(body)
        except JsonRowError:
            sent = body
        edition = edition_of(body) if isinstance(sent, str) else _edition_by_keys(answered_keys(sent.items()))
        screener = role_screener(role, edition)
        try:
            with DecisionLog.written_for(request.state.api_key_digest):  # its line is this key's to erase
                result = screener.score(sent)
        except ValidationError as error:
            keys = list(sent) if isinstance(sent, dict) else _keys_as_sent(body)
            problems = field_problems(error, edition.instrument, sent_keys=keys)
            raise Problem(422, "the assessment is not valid", kind="invalid-assessment", errors=problems) from None
        return Response(result.model_dump_json(), media_type=JSON)

    # The operation's query parameters, read from its signature as FastAPI reads them for the document.
    score_query = frozenset(name for name in inspect.signature(score).parameters if name != "request")
    router.add_api_route(
        "/score",
        score,
        methods=["POST"],
        response_model=ScreeningResult,
        summary="Score one assessment",
        openapi_extra=assessment_body,
        responses=problem_responses(413, 415, 422),
        route_class_override=_direct_route(score_directly),
    )

    async def score_batch(
        batch: BatchRequest,
        request: Request,
        owner: Annotated[str, Depends(authorised)],
        role: Annotated[str | None, Query(description="Role for fit; default the service's.", **role_enum)] = None,
    ) -> Response:
        """Each valid assessment is scored exactly as POST /v1/score scores it; each invalid one gets its problems."""
        if len(batch.assessments) > settings.max_batch:
            reason = f"at most {settings.max_batch} assessments per request, got {len(batch.assessments)}"
            raise Problem(
                413,
                reason,
                kind="too-large",
                errors=[{"field": "assessments", "pointer": "#/assessments", "reason": reason}],
            )
        role_screener(role)  # an unknown role is refused for the whole batch
        repeated, texts = _assessment_texts(await request.body())
        if repeated is not None:  # the envelope itself: {"assessments": [...], "assessments": [...]}
            raise Problem(422, "the request is not valid", errors=[_field(repeated, repeated_key_reason(repeated))])
        # Scoring is CPU work: it leaves the event loop, so one batch never holds other requests.
        body = await run_in_threadpool(_score_items, role, texts, owner)
        return Response(body, media_type=JSON)

    router.add_api_route(
        "/score/batch",
        score_batch,
        methods=["POST"],
        response_model=BatchResponse,
        summary=f"Score up to {settings.max_batch} assessments",
        responses=problem_responses(400, 413, 415, 422),
        route_class_override=checked_first(key_check, JsonEnvelopeRoute),  # each assessment's keys decided apart
    )

    def _score_items(role: str | None, texts: list[str], owner: str) -> str:
        with DecisionLog.written_for(owner):  # its decision lines are this key's to erase
            return _scored(role, texts)

    def _scored(role: str | None, texts: list[str]) -> str:
        parts, problems = [], []
        for index, sent in enumerate(texts):
            try:
                edition = edition_of(sent, index)  # each assessment by its own answers, as POST /v1/score
            except Problem as problem:
                problems += problem.errors or []
                continue
            screener = role_screener(role, edition)
            try:
                validated = screener.validate(sent)  # the text POST /v1/score would read, by the same parser
            except ValidationError as error:
                problems += field_problems(error, edition.instrument, index=index, sent_keys=_keys_as_sent(sent))
                continue
            parts.append(f'{{"index":{index},"result":{screener.score(validated).model_dump_json()}}}')
        rejected = len({problem["index"] for problem in problems})
        summary = {"received": len(texts), "scored": len(parts), "rejected": rejected}
        return f'{{"results":[{",".join(parts)}],"problems":{json.dumps(problems)},"summary":{json.dumps(summary)}}}'

    @router.get(
        "/instrument", summary="The questions, options and scale in one language", responses=problem_responses(422)
    )
    def get_instrument(
        lang: Annotated[str, Query(description="Language code, e.g. nb.", **language_enum)] = "en",
        version: Annotated[
            str | None,
            Query(description="Instrument version; default the one new invitations use.", **version_enum),
        ] = None,
    ) -> dict[str, Any]:
        """What an ATS needs to build its own form; answers posted to /v1/score use the ids given here."""
        if version is not None and version not in service.editions:
            reason = f"allowed: one of {', '.join(service.editions)}"
            raise Problem(
                422, "unknown version", errors=[{"field": "version", "pointer": "#/version", "reason": reason}]
            )
        shown = service.editions[version].instrument if version is not None else instrument
        if lang not in shown.languages:
            reason = f"allowed: one of {', '.join(shown.languages)}"
            raise Problem(422, "unknown language", errors=[{"field": "lang", "pointer": "#/lang", "reason": reason}])
        return {**instrument_json(shown, lang), "versions": list(service.editions)}

    @router.get("/roles", summary="Roles fit can be computed for")
    def get_roles() -> dict[str, Any]:
        """The roles, their names and descriptions by language, and their fit-band cut-offs."""
        roles = []
        for role_id in service.roles:
            if role_id == NO_ROLE:
                continue
            role = load_role(role_id)
            roles.append(
                {
                    "id": role.id,
                    "name": role.name,
                    "description": role.description,
                    "bands": role.bands.model_dump(),
                }
            )
        return {"default": settings.role, "roles": roles}  # default null: results carry no role fit

    @router.get("/model", summary="The model: manifest and model-card figures")
    def get_model() -> dict[str, Any]:
        """The model new invitations are scored with: what it was trained on, its evaluation figures.

        ``served`` names the model of every instrument version served (the older one scores the
        invitations made with it).
        """
        manifest = service.artifact.manifest.model_dump(mode="json")
        served = {version: edition.artifact.manifest.model_id for version, edition in service.editions.items()}
        return {"notice": NOTICE, **manifest, "served": served}

    @router.post(
        "/invitations",
        status_code=201,
        response_model=InvitationCreated,
        responses=problem_responses(409, 422, 503),
    )
    def create_invitation(
        body: invitation_model,  # type: ignore[valid-type]
        owner: Annotated[str, Depends(authorised)],
        idempotency_key: Annotated[
            str | None, Header(alias=IDEMPOTENCY_HEADER, pattern=KEY_PATTERN, description=KEY_DESCRIPTION)
        ] = None,
    ) -> InvitationCreated:
        """Create a candidate's link to the test page; with ``email`` it is also e-mailed.

        With an ``Idempotency-Key``, a retry of the same request gets the first answer (the same
        invitation, no second e-mail); the same key with another request gets 409.
        """
        request = cast(InvitationRequest, body)
        if request.email is not None and not _EMAIL.match(request.email):
            raise Problem(422, "not an e-mail address", errors=[_field("email", "allowed: an e-mail address")])
        if request.callback_url is not None and not callback_allowed(request.callback_url, settings):
            hosts = ", ".join(settings.callback_hosts)
            raise Problem(422, "callback not allowed", errors=[_field("callback_url", f"allowed: https to {hosts}")])
        if idempotency_key is None:
            return invite(request, owner, unkeyed)
        return service.idempotency.once(
            owner=owner,
            scope="invitations",
            key=idempotency_key,
            request=request.model_dump_json().encode("utf-8"),
            make=lambda answered: invite(request, owner, answered),
            replay=lambda invitation_id: answer_again(invitation_id, request, owner),
        )

    def answer_again(invitation_id: str, request: InvitationRequest, owner: str) -> InvitationCreated | None:
        with service.sessions() as session:
            invitation = service.load(session, invitation_id, owner=owner)
            if invitation is None:
                return None
            return InvitationCreated(
                invitation_id=invitation.id,
                candidate_id=invitation.candidate_id,
                test_url=service.link(invitation),
                expires_at=invitation.expires_at.isoformat(),
                email_sent=request.email is not None,  # only a successful first answer is kept
            )

    def invite(request: InvitationRequest, owner: str, answered: Answered) -> InvitationCreated:
        if request.email and service.settings.smtp is None:  # no retry can help: say so, keep nothing
            reason = (
                "this service sends no e-mail (no SMTP server is set up: PROFILEFIT_SMTP_HOST); leave out email "
                "and send the test_url to the candidate yourself"
            )
            raise Problem(422, "the e-mail cannot be sent; nothing was kept", errors=[_field("email", reason)])
        if request.email:
            with service.mail_quota.sending(owner):  # a slot of the key's hourly e-mails; back if none is sent
                return make_invitation(request, owner, answered)
        return make_invitation(request, owner, answered)

    def make_invitation(request: InvitationRequest, owner: str, answered: Answered) -> InvitationCreated:
        """Make the invitation, e-mail its link if asked, then store it with the idempotency key's answer.

        The e-mail goes before anything is stored, so a failed one leaves nothing to remove; the invitation
        and the key's answer commit together, so a retry finds the invitation whenever it was stored. The
        invitation has the id reserved with the key, so should a retry that took the key over store first,
        the link e-mailed here opens that invitation.
        """
        try:
            # The address is never stored: it goes to the mail server from this request alone.
            created = service.new_invitation(
                owner=owner,
                candidate_id=request.candidate_id,
                role=request.role,
                language=request.language,
                callback_url=request.callback_url,
                invitation_id=answered.invitation_id,
            )
        except InvitationError as error:
            raise Problem(422, "the invitation is not valid", errors=[_field(error.field, error.reason)]) from None
        if request.email:
            try:
                service.email_invitation(created.invitation, created.link, request.email)
            except MailError as error:
                if error.refused:
                    reason = "the mail server refused this address"
                    raise Problem(
                        422, "the e-mail was not sent; nothing was kept", errors=[_field("email", reason)]
                    ) from None
                raise Problem(
                    503,
                    "the e-mail could not be sent; nothing was kept: send the request again later",
                    headers={"Retry-After": str(MAIL_RETRY_SECONDS)},
                ) from None
        with service.sessions() as session:
            session.add(created.invitation)
            answered(session, created.invitation.id)
            session.commit()
        return InvitationCreated(
            invitation_id=created.invitation.id,
            candidate_id=created.invitation.candidate_id,
            test_url=created.link,
            expires_at=created.invitation.expires_at.isoformat(),
            email_sent=request.email is not None,
        )

    # The answers are typed in the document (a generated client gets classes), not filtered through the models.
    @router.get(
        "/invitations/{invitation_id}",
        response_model=None,
        responses={200: {"model": InvitationState, "description": "The invitation"}, **problem_responses(404, 503)},
    )
    def get_invitation(
        invitation_id: Annotated[str, Field(max_length=64)], owner: Annotated[str, Depends(authorised)]
    ) -> dict[str, Any]:
        """Status of an invitation (sent, started, completed, expired) and, once completed, its result.

        Only the API key that created an invitation sees it; any other key gets 404.
        """
        with service.sessions() as session:
            invitation = service.load(session, invitation_id, owner=owner)
            if invitation is None:
                raise not_found("invitation")
            return service.status(invitation)

    @router.get(
        "/invitations",
        summary="List this API key's invitations, a page at a time",
        response_model=None,
        responses={
            200: {"model": InvitationPage, "description": "A page of invitations"},
            **problem_responses(422, 503),
        },
    )
    def list_invitations(
        owner: Annotated[str, Depends(authorised)],
        limit: Annotated[
            int, Query(ge=1, le=MAX_PAGE, description=f"Invitations per page, 1 to {MAX_PAGE}.")
        ] = DEFAULT_PAGE,
        cursor: Annotated[
            str | None,
            Query(
                max_length=CURSOR_MAX_LENGTH,
                pattern=CURSOR_PATTERN,
                description="The next_cursor of the previous page; leave out for the first page.",
            ),
        ] = None,
        candidate_id: Annotated[
            CandidateIdParameter | None,
            Query(description="Only this candidate's invitations (the id read as POST /v1/invitations reads it)."),
        ] = None,
    ) -> dict[str, Any]:
        """The invitations this API key made, oldest first, each as ``GET /v1/invitations/{invitation_id}`` gives it.

        For reconciling an ATS with the service: page with ``cursor`` until ``next_cursor`` is null. Only the
        key's own invitations are listed (those of another key never, as they are 404 to it one by one);
        erased and retention-deleted invitations are gone. ``candidate_id`` is read as every door reads an id,
        without surrounding spaces.
        """
        try:
            page, following = service.list_invitations(owner, limit=limit, cursor=cursor, candidate_id=candidate_id)
        except ValueError:  # the published pattern is checked first; a forged or another key's cursor is refused here
            raise Problem(
                422, "the request is not valid", errors=[_field("cursor", "allowed: " + PAGE_ALLOWED["cursor"])]
            ) from None
        return {"invitations": page, "next_cursor": following}

    @router.delete(
        # ``:text``: an id holding "/" (org/c-1, sent as org%2Fc-1) is one id, not two path segments, and one
        # with a line break at its edge (read without it) is the id, so every id an invitation accepted erases.
        "/candidates/{candidate_id:text}",
        summary="Erase a candidate's data (GDPR Art. 17)",
        response_model=None,
        responses={
            200: {"model": ErasureRecord, "description": "The erasure record"},
            **problem_responses(404, 422, 503),
        },
        dependencies=[Depends(no_trailing_slash)],  # before the id is read: /v1/candidates/ is no route, not a blank id
    )
    def erase(candidate_id: CandidateIdParameter, owner: Annotated[str, Depends(authorised)]) -> dict[str, Any]:
        """Delete the candidate's invitations, answers and results made with this API key, and their decision-log lines.

        An erasure record (the id only as a keyed hash) remains. Only what this key's requests made goes: other
        keys' invitations of the same id, and decision-log lines other keys' requests wrote, are not touched.
        """
        record, lines = service.erase(candidate_id, owner=owner)
        body = erasure_json(record)
        body["deleted"]["decision_log_lines"] = lines
        return body

    return document_json_bodies(router)


def no_trailing_slash(request: Request) -> None:
    """404 for a path ending in ``/`` as sent, as every route without a ``:path`` parameter answers it.

    A ``:text`` parameter takes ``tsx/`` as the id ``tsx/``, so ``DELETE /v1/candidates/tsx/`` erased nothing
    and said it had. An id that ends in ``/`` is sent encoded (``tsx%2F``): the raw path tells the two apart.
    """
    raw = request.scope.get("raw_path") or request.url.path.encode("utf-8")
    if raw.endswith(b"/"):
        raise HTTPException(404)  # the words of every unknown route


def health_router(service: AssessmentService) -> APIRouter:
    """``/healthz`` (the process runs) and ``/readyz`` (the model is loaded and the database answers)."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="Liveness")
    def healthz() -> dict[str, str]:
        """Always ``ok`` while the process serves requests."""
        return {"status": "ok"}

    @router.get("/readyz", summary="Readiness", responses=problem_responses(503))
    def readyz() -> dict[str, str]:
        """``ready`` when the database answers and holds the service's tables."""
        try:
            with service.engine.connect() as connection:
                connection.execute(text("SELECT count(*) FROM invitations WHERE 1 = 0"))
        except Exception:
            retry = {"Retry-After": str(DATABASE_RETRY_SECONDS)}
            raise Problem(
                503, "the database is not reachable or not migrated", kind="not-ready", headers=retry
            ) from None
        return {"status": "ready", "model_id": service.screener.model_info.model_id}

    # HEAD, as load balancers send it for health checks (405 before); the same answers without a body, left
    # out of the document (one operation per path and method there, each with its own id).
    router.add_api_route("/healthz", healthz, methods=["HEAD"], include_in_schema=False)
    router.add_api_route("/readyz", readyz, methods=["HEAD"], include_in_schema=False)
    return router


def _assessment_texts(body: bytes) -> tuple[str | None, list[str]]:
    """Each assessment of a batch body as JSON text, as it was sent; and the envelope's repeated key, if any.

    FastAPI's parser keeps the last of two equal keys (``{"tc1": 1, "tc1": 6}`` becomes ``{"tc1": 6}``) and
    reads ``NaN``. Written back pair by pair, each assessment is decided by the one JSON parser,
    :func:`~profilefit.core.rows.load_json_object`, exactly as POST /v1/score decides it: a repeated key,
    NaN and Infinity are refused, naming the reason.
    """
    envelope = json.loads(body, object_pairs_hook=Pairs)  # FastAPI has read it, so it is JSON
    keys = [key for key, _ in envelope]
    repeated = next((key for k, key in enumerate(keys) if key in keys[:k]), None)
    items = next(value for key, value in envelope if key == "assessments")  # BatchRequest requires it
    return repeated, [_json_text(item) for item in items]


def _json_text(value: Any) -> str:
    if isinstance(value, Pairs):
        return "{" + ", ".join(f"{json.dumps(key)}: {_json_text(part)}" for key, part in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json_text(part) for part in value) + "]"
    return json.dumps(value)  # NaN and Infinity as such, for the parser to refuse


def _keys_as_sent(text: str | bytes) -> list[str]:
    """Every key of a JSON object's text as it was written, in order, repeats kept; none for other text."""
    try:
        pairs = json.loads(text, object_pairs_hook=Pairs)
    except (ValueError, RecursionError):
        return []
    return [key for key, _ in pairs] if isinstance(pairs, Pairs) else []


def _top_level_keys(text: str | bytes) -> list[str]:
    """The keys a JSON object's text answers, in order; none for text that is not one (the screener names why).

    A key whose value is ``null`` or blank text answers nothing (an unanswered question, as the schema reads
    it), so it does not tell the instrument version: an ATS form template that sends every field, empty
    ones as ``null``, is read as the version it answers (:func:`~profilefit.core.rows.answered_keys`).
    """
    try:
        pairs = json.loads(text, object_pairs_hook=Pairs)
    except (ValueError, RecursionError):
        return []
    return answered_keys(pairs) if isinstance(pairs, Pairs) else []


class DirectRoute(APIRoute):
    """A route whose requests ``handler`` serves (class attribute); FastAPI documents it by its endpoint.

    The :class:`~profilefit.apps.service._app.Gate` can also hand such a route's requests to ``handler``
    itself, past FastAPI's routing and middleware (:func:`direct_routes`).
    """

    handler: Callable[[Request], Awaitable[Response]]

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = self.handler

        async def handle(request: Request) -> Response:
            return await handler(request)

        return handle


def _direct_route(handler: Callable[[Request], Awaitable[Response]]) -> type[DirectRoute]:
    """A :class:`DirectRoute` class whose requests ``handler`` serves."""
    return cast("type[DirectRoute]", type("DirectRoute", (DirectRoute,), {"handler": staticmethod(handler)}))


def direct_routes(routes: Iterable[Any]) -> dict[tuple[str, str], DirectRoute]:
    """The direct routes among ``routes``, by (method, path): the requests the Gate may serve itself."""
    return {
        (method, route.path): route
        for route in routes
        if isinstance(route, DirectRoute) and "{" not in route.path
        for method in route.methods or ()
    }


def _field(field: str, reason: str) -> dict[str, str]:
    return {"field": field, "pointer": f"#/{field}", "reason": reason}
