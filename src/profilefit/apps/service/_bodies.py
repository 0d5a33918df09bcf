"""Every JSON request body read by one rule before FastAPI reads it (docs/service.md, "Errors").

FastAPI's own reading keeps the last of two equal keys (``{"candidate_id": "a", "candidate_id": "b"}``
invites ``b``), reads ``NaN``, answers text that is not JSON with a bare "There was an error parsing the
body", and a body that is not ``application/json`` with a schema error. The route class of
:func:`checked_first` reads each body with :func:`~profilefit.core.rows.load_json_object`, the parser every
door of profilefit uses, after the key check and before FastAPI parses it (:func:`json_body`), and answers
as ``POST /v1/score`` does: 415 for another content
type (``application/json`` only: a ``+json`` type such as ``application/merge-patch+json`` means other
rules than this API's), 400 for bytes that are not UTF-8 (RFC 8259, 8.1: JSON exchanged between systems
is UTF-8; Python's parser would read UTF-16 and UTF-32 too), 422 for a repeated key (named, with its
place), ``NaN`` or ``Infinity``, or a body that is not an object.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ClassVar, cast

from fastapi import Request, Response
from fastapi.routing import APIRoute, APIRouter

from profilefit.apps.service._problems import NOT_UTF8, Problem, problem_responses
from profilefit.core.rows import NOT_FINITE, load_json_object
from profilefit.exceptions import JsonRowError

JSON = "application/json"


def require_json(request: Request, what: str = "the request body") -> None:
    """Refuse a body whose content type is not ``application/json`` (parameters aside): 415."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != JSON:
        raise Problem(415, f"send {what} as application/json", kind="unsupported-media-type")


def utf8_text(body: bytes) -> str | None:
    """The body as text when it is UTF-8 (a byte-order mark aside), else ``None``.

    A NUL character cannot stand raw in JSON text; in a body it is the mark of UTF-16 or UTF-32 whose
    characters are ASCII, which is valid UTF-8 byte by byte.

    Examples
    --------
    >>> utf8_text('{"a": "é"}'.encode("utf-8")), utf8_text('{"a": 1}'.encode("utf-16-le"))
    ('{"a": "é"}', None)
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def check_json_body(body: bytes, *, strict: bool = True) -> None:
    """Raise the :class:`Problem` a body that is not one clean JSON object gets; return for one that is.

    With ``strict`` off, keys repeated and ``NaN`` inside the object are left to the route (a batch
    decides each assessment apart); the text must still be JSON, and an object.
    """
    text = utf8_text(body)
    if text is None:
        raise _bad_request(NOT_UTF8)
    try:
        load_json_object(text)
    except JsonRowError as error:
        reason = str(error)
        if not strict and _inside(reason):
            return
        raise _problem(body, reason) from None


async def json_body(request: Request, route: object) -> None:
    r"""``route``'s JSON body read by :func:`check_json_body`, before FastAPI reads it (:func:`checked_first`).

    Routes without a body pass; a route of class :class:`JsonEnvelopeRoute` is checked with ``strict`` off.
    Run before FastAPI parses the body, so that no body reaches its parser unchecked: Python's ``json.loads``
    reads UTF-16 and UTF-32 by their byte-order marks, and answered ``\xff\xfe`` as "not valid JSON
    (Expecting value ...)" where every route says "not UTF-8 text" (:data:`~._problems.NOT_UTF8`).
    """
    if getattr(route, "body_field", None) is None:
        return
    require_json(request)
    check_json_body(await request.body(), strict=getattr(route, "strict_json", True))


def document_json_bodies(router: APIRouter) -> APIRouter:
    """Add the statuses :func:`json_body` can send (400, 415, 422) to each route of ``router`` that has a body."""
    for route in router.routes:
        if isinstance(route, APIRoute) and route.body_field is not None:
            route.responses = {**problem_responses(400, 415, 422), **route.responses}
    return router


class JsonEnvelopeRoute(APIRoute):
    """A route whose body is a batch: it must be a JSON object; what is inside is decided item by item."""

    strict_json: ClassVar[bool] = False


def refuse_repeated_query(request: Request, declared: frozenset[str]) -> None:
    """Refuse (422, naming it) a query parameter of the operation given more than once or in another case.

    ``declared`` are the operation's parameters. Read as one value, a repeated one would be its last
    (``?role=a&role=b``), and ``?Role=b`` would be ignored, scoring for the default role. Other parameters
    are ignored, as before.
    """
    seen: set[str] = set()
    by_case = {name.casefold(): name for name in declared}
    for name, _ in request.query_params.multi_items():
        if name in declared and name in seen:
            raise _invalid(name, name, "given more than once in the query string; give it once")
        if name not in declared and (meant := by_case.get(name.casefold())) is not None:
            raise _invalid(name, name, f"not a parameter of this operation as written; the parameter is {meant!r}")
        seen.add(name)


def query_names(route: APIRoute) -> frozenset[str]:
    """The query parameters a route declares (its endpoint's and its dependencies')."""
    names: set[str] = set()
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        names.update(field.alias for field in dependant.query_params)
        pending.extend(dependant.dependencies)
    return frozenset(names)


def checked_first(check: Callable[[Request], Awaitable[object]], route: type[APIRoute] = APIRoute) -> type[APIRoute]:
    """``route``'s class, whose requests pass ``check`` (a router's key check) before FastAPI reads their body.

    Then a query parameter of the route given twice, or in another case, is refused
    (:func:`refuse_repeated_query`): FastAPI would read ``?role=a&role=b`` as ``b``, and ignore ``?Role=b``;
    then the body is read by the one rule (:func:`json_body`).

    FastAPI reads and parses a route's JSON body before it solves any dependency, so a body that is not
    JSON was answered 400 ahead of the key: a caller without an accepted key learnt how its body was read,
    and one with a wrong key and a broken body fixed the body first. Through this class a request without
    an accepted key is 401 whatever it carries. ``check`` should leave what it found on ``request.state``
    so the key dependency the routes still declare (their OpenAPI security; the endpoints that read the
    key) does not count the request twice against the rate limit.
    """

    class CheckedFirst(route):  # type: ignore[valid-type,misc]
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()
            declared = query_names(self)

            async def handle(request: Request) -> Response:
                await check(request)
                refuse_repeated_query(request, declared)
                await json_body(request, self)  # the one body reader, ahead of FastAPI's
                return await handler(request)

            return handle

    CheckedFirst.__name__ = CheckedFirst.__qualname__ = f"CheckedFirst{route.__name__}"
    return cast("type[APIRoute]", CheckedFirst)


def _problem(body: bytes, reason: str) -> Problem:
    if _repeated(reason):
        path = _repeated_path(body)
        pointer = "/".join(part.replace("~", "~0").replace("/", "~1") for part in path)
        return _invalid(".".join(path) or "(request)", pointer, reason)
    if _inside(reason) or reason.startswith("expected a JSON object"):
        return _invalid("(request)", "", reason)
    return _bad_request(reason)


def _inside(reason: str) -> bool:
    """Whether JSON text was read but a key or value in it is refused: a repeated key, NaN, a lone surrogate."""
    return _repeated(reason) or reason == NOT_FINITE or reason.startswith("not valid text: a lone surrogate")


def _repeated(reason: str) -> bool:
    return reason.startswith("key ") and "appears more than once" in reason


def _bad_request(reason: str) -> Problem:
    return Problem(
        400,
        "the request body is not JSON text",
        kind="bad-request",
        errors=[{"field": "(request)", "pointer": "#", "reason": reason}],
    )


def _invalid(field: str, pointer: str, reason: str) -> Problem:
    errors = [{"field": field, "pointer": "#" + (f"/{pointer}" if pointer else ""), "reason": reason}]
    return Problem(422, "the request is not valid", kind="invalid-request", errors=errors)


class Pairs(list[tuple[str, Any]]):
    """A JSON object as its key-value pairs, in order, a repeated key kept."""


def _repeated_path(body: bytes) -> list[str]:
    """Where the first repeated key is: the keys (and array positions) down to it; empty when none is found."""
    try:
        value = json.loads(body, object_pairs_hook=Pairs)
    except (ValueError, RecursionError):
        return []
    return _find_repeated(value) or []


def _find_repeated(value: Any) -> list[str] | None:
    if isinstance(value, Pairs):
        seen: set[str] = set()
        for key, _ in value:
            if key in seen:
                return [key]
            seen.add(key)
        children: list[tuple[str, Any]] = list(value)
    elif isinstance(value, list):
        children = [(str(index), part) for index, part in enumerate(value)]
    else:
        return None
    for key, part in children:
        below = _find_repeated(part)
        if below is not None:
            return [key, *below]
    return None
