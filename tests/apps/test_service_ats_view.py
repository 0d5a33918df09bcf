"""What an ATS integrator's trial found: a generated client, ids with "/", health checks, trailing slashes.

Rules: every version's assessment schema in the document has a title of its own (openapi-python-client left
POST /v1/score out of the client when two had one title); a candidate whose id holds "/" can be erased; HEAD
answers the health checks; a path with a trailing slash is an unknown route, never a redirect.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests import service_support as support

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def http(tmp_path_factory):
    with support.client(tmp_path_factory.mktemp("ats"), rate_per_second=0) as client:
        yield client


def test_each_version_s_assessment_schema_has_a_title_of_its_own(http):
    body = http.get("/openapi.json").json()["paths"]["/v1/score"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    # Two versions served: an anyOf of their schemas; one: its schema (whose own anyOf requires an answer)
    versions = [schema] if "title" in schema else schema["anyOf"]
    titles = [version["title"] for version in versions]
    assert len(set(titles)) == len(titles) and all(title.startswith("Assessment customer-contact ") for title in titles)


@pytest.mark.parametrize("candidate_id", ["org/c-1", "a/b/c", "trailing/"])
def test_a_candidate_whose_id_holds_a_slash_can_be_erased(http, candidate_id):
    made = http.post("/v1/invitations", json={"candidate_id": candidate_id}, headers=support.AUTH)
    assert made.status_code == 201, made.text
    erased = http.delete(f"/v1/candidates/{quote(candidate_id, safe='')}", headers=support.AUTH)
    assert erased.status_code == 200, erased.text
    assert erased.json()["deleted"]["invitations"] == 1
    assert http.get(f"/v1/invitations/{made.json()['invitation_id']}", headers=support.AUTH).status_code == 404


def test_health_checks_answer_head_as_load_balancers_send_it(http):
    for path in ("/healthz", "/readyz"):
        answer = http.head(path)
        assert answer.status_code == 200 and answer.content == b"", path
    assert "head" not in http.get("/openapi.json").json()["paths"]["/healthz"]


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/v1/roles/"), ("POST", "/v1/invitations/"), ("POST", "/v1/score/")]
)
def test_a_trailing_slash_is_an_unknown_route_not_a_redirect(http, method, path):
    answer = http.request(
        method,
        path,
        headers={**support.AUTH, "Host": "evil.example"},
        json={"candidate_id": "c1"} if method == "POST" else None,
        follow_redirects=False,
    )
    assert answer.status_code == 404 and "location" not in answer.headers, answer.headers
    assert answer.headers["content-type"] == PROBLEM


def test_an_invited_id_is_read_as_every_door_reads_it_and_erased_so(http):
    """POST /v1/score strips an id's surrounding spaces; invitations kept them, so the ids an ATS got back differed."""
    made = http.post("/v1/invitations", json={"candidate_id": "  pad-77  "}, headers=support.AUTH).json()
    assert made["candidate_id"] == "pad-77"
    erased = http.delete(f"/v1/candidates/{quote(' pad-77 ', safe='')}", headers=support.AUTH).json()
    assert erased["deleted"]["invitations"] == 1


@pytest.mark.parametrize(("port", "status"), [("99999", 422), ("0", 422), ("65536", 422), ("443", 201), ("8443", 201)])
def test_a_callback_url_s_port_must_be_a_port(http, port, status):
    body = {"candidate_id": f"port-{port}", "callback_url": f"https://app.greenhouse.io:{port}/x"}
    answer = http.post("/v1/invitations", json=body, headers=support.AUTH)
    assert answer.status_code == status, answer.text


def test_a_query_parameter_in_another_case_is_refused_not_ignored(http):
    """?Role=transactional was ignored and the candidate scored for the default role."""
    body = {"candidate_id": "c1", "completion_seconds": 600}
    for path in ("/v1/score?Role=transactional", "/v1/score/batch?ROLE=transactional"):
        sent = body if "batch" not in path else {"assessments": [body]}
        answer = http.post(path, json=sent, headers=support.AUTH)
        assert answer.status_code == 422, answer.text
        [error] = answer.json()["errors"]
        assert "the parameter is 'role'" in error["reason"], error
    # Parameters no operation reads are ignored, given once or twice (cache-busting, tracing).
    assert http.get("/v1/roles?x=1&x=2", headers=support.AUTH).status_code == 200


def test_every_query_parameter_the_document_declares_is_refused_when_repeated(http):
    """Rule: the parameters the repeated-parameter check reads are those the OpenAPI document declares."""
    spec = http.get("/openapi.json").json()
    body = {"candidate_id": "c1", "completion_seconds": 600}
    checked = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query" or "{" in path:
                    continue
                name, checked = parameter["name"], checked + 1
                sent = {"assessments": [body]} if path.endswith("/batch") else body
                kwargs = {"json": sent} if method == "post" else {}
                auth = support.basic(support.KEY) if path.startswith("/greenhouse/") else support.AUTH
                answer = http.request(method.upper(), f"{path}?{name}=a&{name}=b", headers=auth, **kwargs)
                assert answer.status_code == 422, (method, path, answer.text)
                assert [error["field"] for error in answer.json()["errors"]] == [name], (method, path, answer.text)
    assert checked >= 3  # /v1/score's role, the batch's role, /v1/instrument's version at least


def test_the_invitation_and_erasure_answers_are_typed_in_the_document_as_they_are_sent(http):
    """A generated client got an untyped dict for both; now classes, whose fields are exactly those sent."""
    from profilefit.apps.service._api import ErasedCounts, ErasureRecord, InvitationState

    spec = http.get("/openapi.json").json()
    for path, method, model in (
        ("/v1/invitations/{invitation_id}", "get", InvitationState),
        ("/v1/candidates/{candidate_id}", "delete", ErasureRecord),
    ):
        declared = spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        assert declared == {"$ref": f"#/components/schemas/{model.__name__}"}, declared
    made = http.post("/v1/invitations", json={"candidate_id": "typed-1"}, headers=support.AUTH).json()
    state = http.get(f"/v1/invitations/{made['invitation_id']}", headers=support.AUTH).json()
    assert set(state) == set(InvitationState.model_fields)
    InvitationState.model_validate(state)
    erased = http.delete("/v1/candidates/typed-1", headers=support.AUTH).json()
    assert set(erased) == set(ErasureRecord.model_fields) and set(erased["deleted"]) == set(ErasedCounts.model_fields)
    ErasureRecord.model_validate(erased)


def test_docs_service_md_quotes_what_the_service_answers(http, tmp_path):
    """The page's example answers went stale once (a fit of 12.4 where the service said 11.8, bands, pages)."""
    import re
    from pathlib import Path

    page = (Path(__file__).parents[2] / "docs" / "service.md").read_text(encoding="utf-8")
    score = http.post(
        "/v1/score", json={"candidate_id": "c-17", "tc1": 5, "tc4": 6, "sj1": "b"}, headers=support.AUTH
    ).json()
    assert f'"score":{score["fit"]["score"]},' in page and f'"confidence":{str(score["confidence"])[:5]}…' in page
    roles = http.get("/v1/roles", headers=support.AUTH).json()
    bands = next(role["bands"] for role in roles["roles"] if role["id"] == "complex-case")
    assert f'"bands":{{"strong":{bands["strong"]},"possible":{bands["possible"]}}}' in page
    # The page's invitation is on 2.0, as a service with the shipped models makes it (the fixture's is 1.2).
    from fastapi.testclient import TestClient

    from profilefit.apps.service import create_app

    with TestClient(create_app(support.settings(tmp_path))) as shipped:
        made = shipped.post("/v1/invitations", json={"candidate_id": "docs-1", "language": "nb"}, headers=support.AUTH)
        state = shipped.get(f"/v1/invitations/{made.json()['invitation_id']}", headers=support.AUTH).json()
    assert state["instrument_version"] == "2.0" and re.search(rf'"pages_answered":0,"pages":{state["pages"]},', page)


@pytest.mark.parametrize(
    ("sent", "valid"),
    [
        ({"candidate_id": "e-1"}, False),
        ({"candidate_id": "e-1", "completion_seconds": 30, "tc1": None, "sj1": None}, False),
        ({"candidate_id": "e-1", "sj1": "b"}, True),
        ({"candidate_id": "e-1", "tc1": None, "chk1": 2}, True),
    ],
)
def test_the_published_schema_refuses_a_record_answering_nothing_as_the_route_does(http, sent, valid):
    """A client that builds bodies from /openapi.json never sends one the service refuses for answering nothing."""
    from profilefit.core.schema import NO_ANSWERS

    jsonschema_rs = pytest.importorskip("jsonschema_rs")  # schemathesis' validator, of the service's test tools

    document = http.get("/openapi.json").json()
    schema = document["paths"]["/v1/score"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    validator = jsonschema_rs.Draft202012Validator({**schema, "components": document.get("components", {})})
    assert validator.is_valid(sent) is valid
    answer = http.post("/v1/score", json=sent, headers=support.AUTH)
    if valid:
        assert answer.status_code == 200, answer.text
        return
    assert answer.status_code == 422 and answer.headers["content-type"] == PROBLEM
    assert answer.json()["errors"] == [{"field": "(assessment)", "pointer": "#", "reason": NO_ANSWERS}]
    assert "422" in document["paths"]["/v1/score"]["post"]["responses"]
    batch = http.post("/v1/score/batch", json={"assessments": [sent]}, headers=support.AUTH).json()
    assert batch["summary"] == {"received": 1, "scored": 0, "rejected": 1}
    assert batch["problems"] == [
        {"index": 0, "field": "(assessment)", "pointer": "#/assessments/0", "reason": NO_ANSWERS}
    ]
