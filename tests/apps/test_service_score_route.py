"""POST /v1/score served directly: the same bytes, errors and headers as FastAPI's own handler gives.

The service serves the route twice over: the Gate hands its requests to the route's handler past
FastAPI's routing and middleware, and the route class serves any that reach FastAPI's router (a
request with an Origin header). The reference app below takes neither shortcut.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.routing import APIRoute, request_response
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from profilefit.apps.service import MAX_BODY_BYTES, create_app
from profilefit.apps.service._app import Gate
from profilefit.core.screening import Screener
from tests import service_support as support
from tests.strategies import assessments

JSON_TYPE = {"Content-Type": "application/json"}


def _score_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute of POST /v1/score, also inside included routers (FastAPI versions differ here)."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute) and route.path == "/v1/score":
            found.append(route)
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found += _score_routes(inner.routes)
    return found


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    """This service as served, and the same service with /v1/score served by FastAPI's own handler."""
    direct, reference = (
        create_app(support.settings(tmp_path_factory.mktemp(name), rate_per_second=0), artifact=support.artifact())
        for name in ("direct", "reference")
    )
    routes = _score_routes(reference.router.routes)
    assert routes and all(type(route) is not APIRoute for route in routes)  # the direct route class is in use
    gates = [middleware for middleware in reference.user_middleware if middleware.cls is Gate]
    assert len(gates) == 1 and gates[0].kwargs["direct"]  # the Gate serves the route itself ...
    gates[0].kwargs["direct"] = None  # ... except in the reference app
    for route in routes:
        type(route).get_route_handler = APIRoute.get_route_handler  # type: ignore[method-assign]
        route.app = request_response(route.get_route_handler())
    with TestClient(direct) as fast, TestClient(reference) as slow:
        yield fast, slow


def _same(fast: TestClient, slow: TestClient, **request: Any) -> Any:
    a, b = fast.post("/v1/score", **request), slow.post("/v1/score", **request)
    assert (a.status_code, a.content) == (b.status_code, b.content)
    assert sorted(a.headers.items()) == sorted(b.headers.items())
    return a


@pytest.mark.parametrize(
    ("headers", "content", "params"),
    [
        ({}, b"{}", None),
        ({"Authorization": "Bearer wrong-key"}, b"{}", None),
        ({"Authorization": f"Basic {support.KEY}"}, b"{}", None),
        ({"Authorization": "Bearer "}, b"{}", None),
        ({"Authorization": support.KEY}, b"{}", None),
        ({**support.AUTH, "Content-Type": "text/plain"}, b"{}", None),
        ({**support.AUTH}, b"{}", None),
        ({**support.AUTH, **JSON_TYPE}, b"{}", {"role": "no-such-role"}),
        ({**support.AUTH, **JSON_TYPE}, b"{", None),
        ({**support.AUTH, **JSON_TYPE}, b"", None),
        ({**support.AUTH, **JSON_TYPE}, b"[1, 2]", None),
        ({**support.AUTH, **JSON_TYPE}, b"null", None),
        ({**support.AUTH, **JSON_TYPE}, b"\xff\xfe{", None),
        ({**support.AUTH, **JSON_TYPE}, b'{"candidate_id": "c1", "tc1": NaN}', None),
        ({**support.AUTH, **JSON_TYPE}, b'{"candidate_id": "c1", "tc1": 1, "tc1": 6}', None),
        ({**support.AUTH, **JSON_TYPE}, b'{"candidate_id": "c1", "tc1": 9, "age": 40}', None),
        ({**support.AUTH, **JSON_TYPE}, b'{"candidate_id": "c1", "no_such_question": 3}', None),
        ({**support.AUTH, "Content-Type": "application/vnd.ats+json"}, b'{"candidate_id": 12}', {"role": "none"}),
        ({**support.AUTH, **JSON_TYPE}, b" " * (MAX_BODY_BYTES + 1), None),
        ({**support.AUTH, **JSON_TYPE, "Origin": "https://ats.example"}, b'{"candidate_id": "c1", "sj1": "b"}', None),
    ],
)
def test_errors_and_edge_cases_are_those_of_fastapis_handler(apps, headers, content, params):
    _same(*apps, headers=headers, content=content, params=params)


def test_a_role_given_twice_is_refused_alike_by_both_paths(apps):
    """Not read as the last one (FastAPI's reading): 422 naming the parameter, whichever comes first."""
    body = json.dumps({"candidate_id": "c1", "sj1": "b", "completion_seconds": 600}).encode()
    headers = {**support.AUTH, **JSON_TYPE}
    for params in ([("role", "no-such-role"), ("role", "transactional")], [("role", "transactional")] * 2):
        response = _same(*apps, headers=headers, content=body, params=params)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "role", response.text


@given(assessment=assessments(Screener.load().instrument))
@hypothesis_settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_property_score_bytes_are_the_screeners_json(apps, assessment):
    """Rule: the response body is Screener.score(...).model_dump_json() of the same text, byte for byte."""
    body = json.dumps(assessment).encode()
    response = _same(*apps, headers={**support.AUTH, **JSON_TYPE}, content=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    service = apps[0].app.state.service  # type: ignore[attr-defined]
    assert response.content == service.screener_for(service.default_role).score(body).model_dump_json().encode()


def test_the_access_log_names_the_route_either_way(apps, caplog):
    """The access log line of a request served directly names its route, as the router's would."""
    body = json.dumps({"candidate_id": "c1", "sj1": "b", "completion_seconds": 600}).encode()
    for origin in ({}, {"Origin": "https://ats.example"}):  # served by the Gate; by FastAPI's router
        caplog.clear()
        with caplog.at_level("INFO", logger="profilefit.service.access"):
            _same(*apps, headers={**support.AUTH, **JSON_TYPE, **origin}, content=body)
        lines = [record.getMessage() for record in caplog.records if record.name == "profilefit.service.access"]
        assert len(lines) == 2 and all(line.startswith("POST /v1/score 200 ") for line in lines), lines


def test_a_streamed_body_over_the_limit_is_refused_alike(apps):
    """Without Content-Length (chunked), the limit holds as the body streams in, on both ways alike."""
    chunk = b" " * 65536
    chunks = MAX_BODY_BYTES // len(chunk) + 2

    def body():
        yield b'{"candidate_id": "c1", "pad": "'
        for _ in range(chunks):
            yield chunk
        yield b'"}'

    fast, slow = apps
    headers = {**support.AUTH, **JSON_TYPE}
    a = fast.post("/v1/score", headers=headers, content=body())
    b = slow.post("/v1/score", headers=headers, content=body())
    assert a.status_code == b.status_code == 413
    assert a.json() == b.json() and a.headers["content-type"] == b.headers["content-type"] == "application/problem+json"
