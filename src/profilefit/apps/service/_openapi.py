"""The OpenAPI document, completed: every status the service can answer, each with the content type it sends.

FastAPI documents what the routes declare; what the service's handlers and middleware add is
written in here, in one place, so the document cannot forget it:

- every error is ``application/problem+json`` (FastAPI's default 422 says ``application/json``);
- 413 on every operation (the body limit reads ``Content-Length`` before any route runs);
- 400 on operations with a JSON body (a body that is not UTF-8 or not JSON at all);
- 404 on operations with a path parameter (a value with ``/`` in it leads to no route);
- 401 and 429 on every operation that needs a key (429: the key's rate or the address's failed logins);
- ``Retry-After`` on 409 (request in progress), 429 and 503, ``WWW-Authenticate`` on 401;
- links from a created invitation or test to the operations that read or erase it (stateful tests follow them).

tests/apps/test_service_openapi_fuzz.py holds the service to this document with schemathesis.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from profilefit.apps.service._idempotency import STALE_AFTER
from profilefit.apps.service._problems import PROBLEM_SCHEMA, PROBLEM_TYPE, problem_responses

#: A candidate id as JSON Schema publishes a whole number the one reader takes (an ATS's numeric ids): read
#: as its decimal text (:func:`~profilefit.core.rows.candidate_id_as_read`), which is at most 128 characters.
WHOLE_NUMBER_ID: dict[str, Any] = {"type": "integer", "minimum": 1 - 10**127, "maximum": 10**128 - 1}

#: Operations that need an API key: their paths start so.
GUARDED = ("/v1/", "/greenhouse/")
_HEADERS = {
    "401": {
        "WWW-Authenticate": {
            "description": "The scheme to authenticate with (Bearer for /v1, Basic for /greenhouse).",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    "409": {
        "Retry-After": {
            "description": "On request-in-progress only: seconds to wait before sending again, as long as the first "
            "request with the Idempotency-Key has run so far (at least 1), at most until it would be taken for dead "
            f"({int(STALE_AFTER.total_seconds())} seconds after it began).",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": int(STALE_AFTER.total_seconds())},
        }
    },
    "429": {
        "Retry-After": {
            "description": "Seconds to wait before sending again.",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    "503": {
        "Retry-After": {
            "description": "Seconds to wait before sending again. Left out when no retry can help: Greenhouse's "
            "send_test on a service without an SMTP server (mail-not-configured).",
            "required": False,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}
#: (path, method, status) of a creating operation -> its links: name -> (path, method, parameter, source).
_LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, str, str]]] = {
    ("/v1/invitations", "post", "201"): {
        "GetInvitation": ("/v1/invitations/{invitation_id}", "get", "invitation_id", "$response.body#/invitation_id"),
        "EraseCandidate": ("/v1/candidates/{candidate_id}", "delete", "candidate_id", "$response.body#/candidate_id"),
    },
    ("/greenhouse/send_test", "post", "200"): {
        "GetTestStatus": (
            "/greenhouse/test_status",
            "get",
            "partner_interview_id",
            "$response.body#/partner_interview_id",
        ),
    },
}


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """Add to FastAPI's document what the handlers and middleware answer (see the module's docstring); in place."""
    paths = schema.get("paths", {})
    for path, operations in paths.items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            extra = [413]
            if "requestBody" in operation:
                extra.append(400)
            if "{" in path:  # a path parameter holding "/" (sent as %2F) leads to no route
                extra.append(404)
            if path.startswith(GUARDED):
                extra += [401, 429]
            for code in extra:
                responses.setdefault(str(code), problem_responses(code)[code])
            for code, response in responses.items():
                if code[0] in "45":  # every error is problem details, whatever FastAPI's default says
                    response["content"] = {PROBLEM_TYPE: {"schema": PROBLEM_SCHEMA}}
                if code in _HEADERS and path.startswith((*GUARDED, "/readyz")):
                    response["headers"] = _HEADERS[code]
    for (path, method, status), links in _LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        response["links"] = {}
        for name, (target, target_method, parameter, source) in links.items():
            target_operation = paths.get(target, {}).get(target_method)
            if target_operation is None:
                continue
            response["links"][name] = {
                "operationId": target_operation["operationId"],
                "parameters": {parameter: source},
            }
    components = schema.get("components", {}).get("schemas", {})
    _exact_id_bounds(components)
    text = repr(paths)
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{unused}'" not in text:
            components.pop(unused, None)
    return schema


def _exact_id_bounds(node: Any) -> None:
    """Put back :data:`WHOLE_NUMBER_ID`'s bounds where FastAPI's document model made them floats; in place.

    FastAPI reads a schema's ``minimum`` and ``maximum`` as floats: 10**128 - 1 was published as 1e+128,
    a number one more than the service reads as an id (129 digits).
    """
    if isinstance(node, dict):
        bounds = (float(WHOLE_NUMBER_ID["minimum"]), float(WHOLE_NUMBER_ID["maximum"]))
        if node.get("type") == "integer" and (node.get("minimum"), node.get("maximum")) == bounds:
            node.update(WHOLE_NUMBER_ID)
        for value in node.values():
            _exact_id_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _exact_id_bounds(value)


def install(app: FastAPI) -> None:
    """Serve the completed document at ``app.openapi_url``."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
