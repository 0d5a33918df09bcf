"""Every JSON request body of the service is read by one rule (docs/service.md, "Errors").

Rule: a key sent twice, anywhere in a body, is refused with 422 naming the key and where it is, never read
as its last value; so are NaN and Infinity, and a body that is not a JSON object. A body in another
content type gets 415, text that is not JSON 400 saying where, and a request without an accepted key 401
first, whatever its body holds. A batch leaves what is inside each assessment to that assessment.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests import service_support as support
from tests.service_support import GH, send_test_body

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def http(tmp_path_factory):
    with support.client(tmp_path_factory.mktemp("bodies"), rate_per_second=0) as client:
        yield client


def invitation(candidate_id: str = "inv-1") -> dict:
    return {"candidate_id": candidate_id, "language": "nb"}


def response_error() -> dict:
    return {"api_call": "test_status", "errors": ["x"], "partner_test_id": 1, "partner_interview_id": 2}


#: Each route with a JSON body: (path, headers, a valid body).
ROUTES = {
    "invitations": ("/v1/invitations", support.AUTH, invitation),
    "send_test": ("/greenhouse/send_test", GH, lambda: send_test_body("complex-case.en", "a@example.test")),
    "response_error": ("/greenhouse/response_error", GH, response_error),
}


def post(http, path: str, headers: dict, text: str | bytes, content_type: str = "application/json"):
    return http.post(path, content=text, headers={**headers, "Content-Type": content_type})


def with_repeated_key(body: dict, path: list[str], key: str) -> str:
    """``body`` as JSON text with ``key`` written twice in the object at ``path`` (the second value differs)."""

    def write(value, place: list[str]) -> str:
        if isinstance(value, dict):
            parts = [
                f"{json.dumps(k)}: {write(v, place[1:] if place and k == place[0] else ['-'])}"
                for k, v in value.items()
            ]
            if not place:  # this is the object: its key again, with another value
                parts.append(f"{json.dumps(key)}: {json.dumps('second')}")
            return "{" + ", ".join(parts) + "}"
        return json.dumps(value)

    return write(body, path)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(sorted(ROUTES)), data=st.data())
def test_property_a_key_sent_twice_anywhere_is_refused_naming_it_and_its_place(http, route, data):
    path, headers, make = ROUTES[route]
    body = make()
    objects = [[]] + [[key] for key, value in body.items() if isinstance(value, dict)]
    place = data.draw(st.sampled_from(objects), label="object")
    inner = body
    for key in place:
        inner = inner[key]
    key = data.draw(st.sampled_from(sorted(inner)), label="key")
    response = post(http, path, headers, with_repeated_key(body, place, key))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    [error] = response.json()["errors"]
    assert error["field"] == ".".join([*place, key])
    assert error["pointer"] == "#/" + "/".join([*place, key])
    assert f"key '{key}' appears more than once" in error["reason"]


def test_an_invitation_with_its_candidate_id_twice_is_not_made(http):
    text = '{"candidate_id": "inv-a", "candidate_id": "inv-b"}'
    response = post(http, "/v1/invitations", support.AUTH, text)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "candidate_id"
    made = post(http, "/v1/invitations", support.AUTH, json.dumps(invitation("inv-b")))
    assert made.status_code == 201 and made.json()["candidate_id"] == "inv-b"  # the route itself works


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize(
    ("text", "status", "reason"),
    [
        ('{"candidate_id": NaN}', 422, "NaN, Infinity"),
        ('{"candidate_id": "x\\ud800"}', 422, "a lone surrogate"),
        ("[1, 2]", 422, "expected a JSON object {...}, got an array"),
        ("null", 422, "expected a JSON object {...}, got null"),
        ('{"candidate_id": "c1",', 400, "not valid JSON ("),
        ('{"candidate_id": ' + "[" * 5000, 400, "not"),
        (b'{"candidate_id": "caf\xe9"}', 400, "not"),
    ],
)
def test_a_body_that_is_not_one_clean_json_object_is_refused_with_its_reason(http, route, text, status, reason):
    path, headers, _ = ROUTES[route]
    response = post(http, path, headers, text)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    [error] = response.json()["errors"]
    assert error["field"] == "(request)" and reason in error["reason"], error
    assert not error["reason"].isdigit() and error["field"] != "16"


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_in_another_content_type_is_415_and_a_missing_key_still_401(http, route, content_type):
    path, headers, make = ROUTES[route]
    text = json.dumps(make())
    response = post(http, path, headers, text, content_type)
    assert response.status_code == 415, response.text
    assert response.json()["type"].endswith("#unsupported-media-type")
    assert post(http, path, {}, text, content_type).status_code == 401


BROKEN_BODIES = ['{"candidate_id": "c1",', b'{"candidate_id": "caf\xe9"}', "[" * 5000, "not json at all"]


@pytest.fixture(scope="module")
def unlocked(tmp_path_factory):
    """A service that never locks an address out after failed logins: this test sends many on purpose."""
    with support.client(tmp_path_factory.mktemp("keys"), rate_per_second=0, login_failures_per_minute=0) as client:
        yield client


@pytest.mark.parametrize("route", [*sorted(ROUTES), "score", "batch"])
@pytest.mark.parametrize("text", BROKEN_BODIES)
def test_a_request_without_an_accepted_key_is_401_whatever_its_body(unlocked, route, text):
    http = unlocked
    path, headers, _ = ROUTES.get(route, (f"/v1/{route}".replace("/v1/batch", "/v1/score/batch"), support.AUTH, None))
    wrong = {"Authorization": "Bearer not-a-key"} if headers is support.AUTH else {"Authorization": "Basic eDo="}
    for sent in ({}, wrong):
        response = post(http, path, sent, text)
        assert response.status_code == 401, (sent, response.text)
        assert "www-authenticate" in response.headers
    assert post(http, path, headers, text).status_code in {400, 422}  # with the key: the body's own answer


@pytest.mark.parametrize(
    ("method", "path", "headers", "name"),
    [
        ("POST", "/v1/score?role=complex-case&role=transactional", support.AUTH, "role"),
        ("POST", "/v1/score/batch?role=complex-case&role=complex-case", support.AUTH, "role"),
        ("GET", "/v1/instrument?lang=en&lang=nb", support.AUTH, "lang"),
        ("GET", "/greenhouse/test_status?partner_interview_id=a&partner_interview_id=b", GH, "partner_interview_id"),
    ],
)
def test_a_query_parameter_given_twice_is_refused_naming_it(http, method, path, headers, name):
    """Rule: never read as one of its values (FastAPI would take the last)."""
    sent = {"candidate_id": "c1", "sj1": "b"}
    body = sent if "batch" not in path else {"assessments": [sent]}
    response = http.request(method, path, headers=headers, json=body if method == "POST" else None)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == name and "more than once" in error["reason"], error
    once = path.split("&")[0]
    assert http.request(method, once, headers=headers, json=body if method == "POST" else None).status_code != 422


def test_a_request_with_a_body_counts_once_against_its_key_s_rate_limit(tmp_path):
    """The key is checked before the body is read and again as the routes' dependency: one request, one token."""
    with support.client(tmp_path, rate_per_second=0.001, rate_burst=3) as limited:
        bodies = [invitation(f"once-{k}") for k in range(5)]
        codes = [limited.post("/v1/invitations", json=body, headers=support.AUTH).status_code for body in bodies]
        assert codes[:3] == [201, 201, 201] and codes[3:] == [429, 429], codes


def test_the_openapi_document_lists_the_body_statuses_on_each_route_with_a_body(http):
    paths = http.get("/openapi.json").json()["paths"]
    for path, _, _ in ROUTES.values():
        assert {"400", "415", "422"} <= set(paths[path]["post"]["responses"]), path
    assert "415" not in paths["/v1/roles"]["get"]["responses"]


def test_a_batch_leaves_a_repeated_key_inside_one_assessment_to_that_assessment(http):
    text = '{"assessments": [{"candidate_id": "c1", "sj1": "b"}, {"candidate_id": "c2", "candidate_id": "c3"}]}'
    response = post(http, "/v1/score/batch", support.AUTH, text)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["summary"]["received"] == 2
    assert body["summary"]["rejected"] == 1 and [problem["index"] for problem in body["problems"]] == [1]
    assert "appears more than once" in body["problems"][0]["reason"], body["problems"]
    surrogate = '{"assessments": [{"candidate_id": "x\\ud800"}, {"candidate_id": "z", "sj1": "b"}]}'
    one_bad = post(http, "/v1/score/batch", support.AUTH, surrogate)
    assert one_bad.status_code == 200 and one_bad.json()["summary"]["received"] == 2, one_bad.text
    assert [problem["index"] for problem in one_bad.json()["problems"]] == [0]
    broken = post(http, "/v1/score/batch", support.AUTH, '{"assessments": [')
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["errors"][0]["reason"]


@pytest.mark.parametrize(
    ("body", "headers", "field", "allowed"),
    [
        ({"candidate_id": "c1", "callback_url": "http://evil.example/x"}, {}, "callback_url", "URL on one of"),
        ({"candidate_id": "c1", "email": "not-an-address"}, {}, "email", "an e-mail address such as"),
        ({"candidate_id": "c1"}, {"Idempotency-Key": "with space"}, "Idempotency-Key", "visible ASCII characters"),
        ({"candidate_id": "   "}, {}, "candidate_id", "not only spaces"),
    ],
)
def test_a_field_checked_by_a_pattern_is_refused_in_words_not_by_quoting_the_expression(
    http, body, headers, field, allowed
):
    response = http.post("/v1/invitations", json=body, headers={**support.AUTH, **headers})
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == field and allowed in error["reason"], error
    assert "pattern" not in error["reason"] and "^" not in error["reason"]


def test_an_error_answer_lists_at_most_a_hundred_problems_and_counts_the_rest(http):
    body = {"candidate_id": "c1", **{f"unknown_{k}": 1 for k in range(2_000)}}
    response = http.post("/v1/score", json=body, headers=support.AUTH)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert len(errors) == 101 and errors[-1]["reason"].startswith("and ") and errors[-1]["reason"].endswith(" more")
    assert len(response.content) < len(json.dumps(body)) * 2


#: Every route that reads a JSON body, POST /v1/score (its own reader) and the batch included.
EVERY_BODY = {
    **ROUTES,
    "score": ("/v1/score", support.AUTH, lambda: {"candidate_id": "c-1", "tc1": 5}),
    "batch": ("/v1/score/batch", support.AUTH, lambda: {"assessments": [{"candidate_id": "c-1", "tc1": 5}]}),
}


@pytest.mark.parametrize("route", sorted(EVERY_BODY))
@pytest.mark.parametrize("content_type", ["application/merge-patch+json", "application/problem+json"])
def test_a_json_body_of_another_json_media_type_is_415(http, route, content_type):
    """A trial: application/merge-patch+json was read as application/json (another type, other rules)."""
    path, headers, make = EVERY_BODY[route]
    response = post(http, path, headers, json.dumps(make()), content_type)
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == PROBLEM


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    route=st.sampled_from(sorted(EVERY_BODY)),
    encoding=st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "latin-1", "cp1252"]),
    name=st.text(alphabet="abcøéü", min_size=1, max_size=8),
)
def test_property_a_body_that_is_not_utf8_is_refused_saying_so(http, route, encoding, name):
    """Rule (RFC 8259, 8.1): a body is UTF-8; Python's parser also reads UTF-16 and UTF-32, which were accepted."""
    path, headers, make = EVERY_BODY[route]
    body = make()
    if "candidate_id" in body:
        body["candidate_id"] = "c-" + name
    text = json.dumps(body, ensure_ascii=False)
    sent = text.encode(encoding)
    if sent.decode("utf-8", errors="replace") == text:  # the same bytes as UTF-8 (ASCII in a one-byte encoding)
        return
    response = post(http, path, headers, sent)
    assert response.status_code == (422 if route == "score" else 400), response.text
    assert response.headers["content-type"] == PROBLEM
    [error] = response.json()["errors"]
    assert error["reason"].startswith("not UTF-8 text"), error


def not_utf8(data: bytes) -> bool:
    try:
        return "\x00" in data.decode("utf-8")
    except UnicodeDecodeError:
        return True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(sorted(EVERY_BODY)), sent=st.binary(min_size=1, max_size=12).filter(not_utf8))
@example(route="invitations", sent=b"\xff\xfe")
@example(route="batch", sent=b"\xfe\xff\x00{")
@example(route="invitations", sent=b"\x00\x00\xfe\xff")
def test_property_any_body_that_is_not_utf8_is_refused_saying_so_whether_or_not_it_is_json(http, route, sent):
    """A trial: \xff\xfe to /v1/invitations and /v1/score/batch was "not valid JSON (Expecting value ...)"."""
    path, headers, _ = EVERY_BODY[route]
    response = post(http, path, headers, sent)
    assert response.status_code == (422 if route == "score" else 400), response.text
    [error] = response.json()["errors"]
    assert error["reason"].startswith("not UTF-8 text"), (sent, error)


# ---- a value of the wrong JSON kind, in the project's words -------------------------------------------------

PYDANTIC_WORDS = ("Input should", "valid dictionary", "valid list", "Field required")
KINDS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2))


@given(items=st.lists(st.one_of(KINDS, st.just({"candidate_id": "ok", "tc1": 4})), min_size=1, max_size=6))
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_property_a_batch_item_that_is_not_an_object_is_that_item_s_problem(http, items):
    """A trial: one "x" among the assessments refused the whole batch with "Input should be a valid dictionary".

    An item that is not an object is an invalid assessment: listed by its index, as an object with a bad value
    is, and the others scored.
    """
    response = post(http, "/v1/score/batch", support.AUTH, json.dumps({"assessments": items}))
    assert response.status_code == 200, response.text
    body = response.json()
    objects = [index for index, item in enumerate(items) if isinstance(item, dict)]
    assert [result["index"] for result in body["results"]] == objects
    others = [index for index, item in enumerate(items) if not isinstance(item, dict)]
    assert [problem["index"] for problem in body["problems"]] == others
    for problem in body["problems"]:
        assert problem["field"] == "(assessment)" and problem["pointer"] == f"#/assessments/{problem['index']}"
        assert problem["reason"].startswith("expected a JSON object")
    assert body["summary"] == {"received": len(items), "scored": len(objects), "rejected": len(others)}


@pytest.mark.parametrize(
    ("route", "body", "field", "reason"),
    [
        ("/v1/score/batch", {"assessments": {}}, "assessments", "allowed: a JSON array of at most 100 assessments"),
        ("/v1/score/batch", {"assessments": "x"}, "assessments", "allowed: a JSON array of at most 100 assessments"),
        ("/greenhouse/send_test", {"partner_test_id": "complex-case.en", "candidate": "x"}, "candidate",
         "allowed: a JSON object"),
        ("/greenhouse/response_error", {"api_call": "test_status", "errors": "x"}, "errors", "allowed: a JSON array"),
    ],
)  # fmt: skip
def test_a_value_of_the_wrong_kind_says_what_is_allowed_in_the_project_s_words(http, route, body, field, reason):
    """A trial: these were "Input should be a valid dictionary" and "... a valid list"."""
    headers = support.AUTH if route.startswith("/v1") else GH
    response = post(http, route, headers, json.dumps(body))
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == field and error["pointer"] == f"#/{field}" and error["reason"].startswith(reason), error
    assert not any(words in response.text for words in PYDANTIC_WORDS), response.text
