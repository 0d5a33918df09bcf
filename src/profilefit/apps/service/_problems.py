"""Errors as RFC 9457 problem details (``application/problem+json``), and nothing more.

A problem names the field and what was allowed, as the batch rejects file does, but
never echoes a value the caller sent, never carries a traceback, and is logged by its
type and route only: no candidate data reaches an error body or a log line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from profilefit.core.instrument import Instrument
from profilefit.core.rows import field_named
from profilefit.core.schema import describe_errors

PROBLEM_TYPE = "application/problem+json"
#: Problem ``type`` URIs are relative references into docs/service.md.
TYPE_BASE = "https://profilefit.invalid/docs/service#"
log = logging.getLogger("profilefit.service")
#: ``Retry-After`` of a 503 answered because the database did not answer.
DATABASE_RETRY_SECONDS = 30
#: ``Retry-After`` of a 503 answered because the mail server could not take an e-mail.
MAIL_RETRY_SECONDS = 60

#: The JSON Schema of a problem as this service writes it (RFC 9457 members plus ``errors``).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "pointer", "reason"],
                "properties": {
                    "index": {"type": "integer", "description": "position in a batch"},
                    "field": {"type": "string"},
                    "pointer": {"type": "string", "description": "JSON pointer into the request"},
                    "reason": {"type": "string", "description": "what is allowed"},
                },
            },
        },
    },
}

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


class Problem(Exception):
    """An error answered as problem details; ``errors`` lists ``{field, pointer, reason}`` records."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, errors, headers or {}
        self.kind = kind or _TITLES.get(status, "error").lower().replace(" ", "-")


def problem_body(status: int, detail: str, *, kind: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON object of a problem."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        if len(errors) > MAX_ERRORS_LISTED:  # an answer many times the request's size helps nobody
            more = len(errors) - MAX_ERRORS_LISTED
            errors = [*errors[:MAX_ERRORS_LISTED], {"field": "...", "pointer": "#", "reason": f"and {more:,} more"}]
        body["errors"] = errors
    return body


def problem_response(problem: Problem) -> Response:
    """The HTTP response of a problem."""
    body = problem_body(problem.status, problem.detail, kind=problem.kind, errors=problem.errors)
    return Response(json.dumps(body), problem.status, headers=problem.headers, media_type=PROBLEM_TYPE)


def field_problems(
    error: ValidationError, instrument: Instrument, *, index: int | None = None, sent_keys: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Field, JSON pointer and reason of each problem of an assessment; the values are left out.

    The ``field`` names the question (``tc1``); the ``pointer`` (RFC 6901) points at the key as it was sent,
    one of ``sent_keys`` (the assessment's keys in order) that names the field by the one rule
    (:func:`~profilefit.core.rows.field_named`): ``{"TC1": 0}`` is ``#/TC1``, which a client can follow.
    """
    records = []
    for record in describe_errors(error, instrument):
        field = str(record["field"])
        pointer = (
            ""
            if field == "(assessment)"
            else _pointer(
                [_as_sent(part, sent_keys, instrument) if k == 0 else part for k, part in enumerate(field.split("."))]
            )
        )
        entry: dict[str, Any] = {"field": field, "pointer": "#" + pointer, "reason": _without_input(record["reason"])}
        if index is not None:
            entry = {"index": index, **entry, "pointer": f"#/assessments/{index}{pointer}"}
        records.append(entry)
    return records


def _as_sent(field: str, sent_keys: Sequence[str], instrument: Instrument) -> str:
    """The first key sent that names ``field`` (the key itself when it was sent so), else ``field``."""
    if field in sent_keys:
        return field
    return next((key for key in sent_keys if field_named(instrument, key) == field), field)


def _pointer(parts: Sequence[str]) -> str:
    """An RFC 6901 pointer's tail (``/a/b``) to ``parts``, with ``~`` and ``/`` escaped."""
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _without_input(reason: str) -> str:
    # pydantic's own messages do not quote the input, except JSON parse errors, which can; cut those.
    return reason if "input" not in reason.lower() else reason.split(",")[0]


def schema_problems(
    items: Sequence[Mapping[str, Any]], allowed: Mapping[str, str], fields: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Field, JSON pointer and reason of each of FastAPI's validation errors, in the words POST /v1/score uses.

    pydantic's own words ("Input should be a valid string", "Extra inputs are not permitted") say what
    went wrong in Python's terms; an ATS needs what the field allows. ``allowed`` says it in words by the
    field's name (``candidate_id`` as :data:`~profilefit.core.schema.ID_ALLOWED`, so an id gets one reason
    at every route); ``fields`` are the body's fields, named to a key that is not one. The value sent is
    never echoed.
    """
    records = []
    for item in items:
        location = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path", "header")]
        name = location[-1] if location else ""
        records.append(
            {
                "field": ".".join(location) or "(request)",
                "pointer": "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in location),
                "reason": _schema_reason(item, name, allowed, fields),
            }
        )
    return records


def _schema_reason(item: Mapping[str, Any], name: str, allowed: Mapping[str, str], fields: Sequence[str]) -> str:
    kind = str(item.get("type", ""))
    context = item.get("ctx") or {}
    if kind == "extra_forbidden":
        meant = {field.casefold(): field for field in fields}.get(name.strip().casefold())
        if meant is not None:
            return f"not a field of this request as written; the field is {meant!r}"
        listed = f": the fields are {', '.join(fields)}" if fields else ""
        return f"not a field of this request (check the spelling){listed}"
    if name in allowed:
        return ("required; " if kind == "missing" else "") + f"allowed: {allowed[name]}"
    if kind == "missing":
        return "required"
    if kind in ("literal_error", "enum"):
        return f"allowed: {context.get('expected', item.get('msg'))}"
    if kind == "string_type":
        return "allowed: text (a JSON string)"
    if kind == "string_too_long":
        return f"allowed: text of at most {context.get('max_length')} characters"
    if kind == "string_too_short":
        return f"allowed: text of at least {context.get('min_length')} characters"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "allowed: a whole number"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = "ge" if kind == "greater_than_equal" else "le"
        return f"allowed: a number {'from' if bound == 'ge' else 'up to'} {context.get(bound)}"
    if kind in ("bool_type", "bool_parsing"):
        return "allowed: true or false"
    if kind in _JSON_KINDS:
        return f"allowed: {_JSON_KINDS[kind]}"
    return _without_input(str(item.get("msg", "invalid")))


#: What a value of the wrong JSON kind should have been, by pydantic's error type, in JSON's words.
_JSON_KINDS = {
    "dict_type": "a JSON object {...}",
    "model_type": "a JSON object {...}",
    "model_attributes_type": "a JSON object {...}",
    "list_type": "a JSON array [...]",
    "tuple_type": "a JSON array [...]",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a number",
}


def _body_fields(request: Request) -> list[str]:
    """The fields of the route's JSON body model, by their names in JSON; none when it has no model."""
    body = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(body, "field_info", None), "annotation", None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def _route(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", "(no route)")


#: The problems one error answer lists at most; a last entry counts the rest.
MAX_ERRORS_LISTED = 100

#: FastAPI's detail for a body it could not read (not UTF-8, nested too deeply).
_FASTAPI_UNPARSED = "There was an error parsing the body"

#: Why a body that is not UTF-8 is refused.
NOT_UTF8 = (
    "not UTF-8 text (UTF-16, UTF-32 and one-byte encodings are not read): JSON sent between systems is UTF-8 "
    "(RFC 8259, section 8.1); send the body encoded as UTF-8"
)

#: Where the candidate's pages live: their errors are pages, not problem details.
CANDIDATE_PREFIX = "/take/"


def install_handlers(
    app: FastAPI,
    *,
    page: Callable[[Request, int], Awaitable[Response]] | None = None,
    patterns: Mapping[str, str] | None = None,
) -> None:
    """Answer every error of ``app`` as problem details; under ``/take/``, with ``page(request, status)`` when given.

    A candidate who meets an error sees a page in their language, never JSON. ``patterns`` says in words
    what a field allows (by the field's, parameter's or header's name): a problem of that field then reads
    ``allowed: ...`` (:func:`schema_problems`), never pydantic's words or a quoted expression.
    """
    readable = dict(patterns or {})

    def candidate(request: Request) -> bool:
        return page is not None and request.url.path.startswith(CANDIDATE_PREFIX)

    @app.exception_handler(Problem)
    async def _problem(request: Request, problem: Problem) -> Response:
        if problem.status >= 500:
            log.warning("%s %s: %s", request.method, _route(request), problem.kind)
        if page is not None and candidate(request):
            return await page(request, problem.status)
        return problem_response(problem)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        if isinstance(error.__cause__, Problem):
            # FastAPI turns whatever stops its reading of a body into 400 "error parsing the body": the 413 the
            # Gate raises while a body without Content-Length (chunked) streams past the limit is answered as such.
            return await _problem(request, error.__cause__)
        headers = dict(error.headers or {})
        if error.status_code == 405:  # RFC 9110: a 405 names every method the address takes
            headers["Allow"] = ", ".join(allowed_methods(request))
        if page is not None and candidate(request):
            shown = await page(request, error.status_code)
            shown.headers.update({"Allow": headers["Allow"]} if "Allow" in headers else {})
            return shown
        detail = error.detail if isinstance(error.detail, str) else _TITLES.get(error.status_code, "error")
        if error.status_code == 400 and detail == _FASTAPI_UNPARSED:  # FastAPI's words for a body it cannot read
            unread = isinstance(error.__cause__, UnicodeDecodeError)
            reason = (
                NOT_UTF8 if unread else "not JSON text: bytes that are not UTF-8, or JSON nested too deeply to read"
            )
            errors = [{"field": "(request)", "pointer": "#", "reason": reason}]
            return problem_response(Problem(400, "the request body is not JSON text", errors=errors))
        return problem_response(Problem(error.status_code, detail, headers=headers))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        if page is not None and candidate(request):
            return await page(request, 422)
        unparsed = [item for item in error.errors() if item.get("type") == "json_invalid"]
        if unparsed:  # FastAPI could not read the body as JSON: say where, as POST /v1/score does
            item = unparsed[0]
            position = next((part for part in item.get("loc", ()) if isinstance(part, int)), None)
            problem = (item.get("ctx") or {}).get("error", "not JSON")
            where = "" if position is None else f" at character {position}"
            reason = f"not valid JSON ({problem}{where})"
            errors = [{"field": "(request)", "pointer": "#", "reason": reason}]
            return problem_response(Problem(400, "the request body is not JSON text", errors=errors))
        problems = schema_problems(error.errors(), readable, _body_fields(request))
        return problem_response(Problem(422, "the request does not match the API's schema", errors=problems))

    @app.exception_handler(SQLAlchemyError)
    async def _database(request: Request, error: SQLAlchemyError) -> Response:
        # A database that is down, locked or unreachable is a pause, not a fault of the request: 503.
        log.error("%s %s: database error %s", request.method, _route(request), type(error).__name__)
        if page is not None and candidate(request):
            return await page(request, 503)
        retry = {"Retry-After": str(DATABASE_RETRY_SECONDS)}
        detail = "the database is not available: send the request again later"
        return problem_response(Problem(503, detail, kind="database-unavailable", headers=retry))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        # Type and route only: a message or traceback could quote candidate data.
        log.error("%s %s: unexpected %s", request.method, _route(request), type(error).__name__)
        if page is not None and candidate(request):
            return await page(request, 500)
        return problem_response(Problem(500, "the service could not complete the request"))


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app serves at the request's path, sorted.

    Starlette's 405 names only the methods of the first route whose path matched, so ``PUT /v1/invitations``
    said ``Allow: POST`` though ``GET /v1/invitations`` is served too (RFC 9110, 15.5.6: the methods the
    resource supports).
    """
    # Each method asked of the app's routes (BaseRoute.matches, which included routers answer too).
    methods = set()
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            methods.add(method)
    return sorted(methods)


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for problem details with these status codes."""
    content = {PROBLEM_TYPE: {"schema": PROBLEM_SCHEMA}}
    return {code: {"description": _TITLES.get(code, "problem details"), "content": content} for code in codes}


def not_found(what: str) -> HTTPException:
    """A 404 naming what was not found (never the id that was asked for)."""
    return HTTPException(404, f"no such {what}")
