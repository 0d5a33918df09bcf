"""The /v1 API: authentication, limits, problem details, and scoring equal to Screener.score."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from profilefit.apps.service import create_app, key_digest
from profilefit.core.screening import Screener
from tests import service_support as support
from tests.strategies import assessments

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def http(tmp_path_factory):
    with support.client(tmp_path_factory.mktemp("api"), rate_per_second=0) as client:
        yield client


@pytest.fixture(scope="module")
def reference():
    return Screener(support.artifact())


def test_health_and_readiness_need_no_key(http):
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": f"Basic {support.KEY}"},
        {"Authorization": "Bearer "},
    ],
)
def test_no_valid_key_gives_401_problem(http, headers):
    response = http.post("/v1/score", json={"candidate_id": "c1"}, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_keys_are_kept_only_as_digests(tmp_path):
    settings = support.settings(tmp_path)
    assert support.KEY not in repr(settings)
    assert settings.api_key_digests == frozenset({key_digest(support.KEY)})


@given(assessment=assessments(Screener.load().instrument))
@hypothesis_settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_property_api_score_equals_screener_score(http, reference, assessment):
    """Rule: POST /v1/score returns exactly Screener.score of the same assessment (same JSON)."""
    response = http.post(
        "/v1/score", content=json.dumps(assessment), headers={**support.AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == reference.score(assessment).model_dump(mode="json")


@given(batch=st.lists(assessments(Screener.load().instrument), min_size=1, max_size=5))
@hypothesis_settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_property_batch_results_equal_single_scores(http, batch):
    """Rule: every result of POST /v1/score/batch equals POST /v1/score of the same assessment."""
    response = http.post("/v1/score/batch", json={"assessments": batch}, headers=support.AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["summary"] == {"received": len(batch), "scored": len(batch), "rejected": 0}
    for item in body["results"]:
        single = http.post("/v1/score", json=batch[item["index"]], headers=support.AUTH).json()
        assert item["result"] == single


def test_invalid_assessment_names_fields_and_never_echoes_values(http):
    secret = "very-private-candidate-answer"
    answers = http.post("/v1/score", json={"candidate_id": "c1", "tc1": 9, "tc2": secret}, headers=support.AUTH)
    demographic = http.post("/v1/score", json={"candidate_id": "c1", "ethnicity": secret}, headers=support.AUTH)
    for response, fields in ((answers, {"tc1", "tc2"}), (demographic, {"ethnicity"})):
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert {error["field"] for error in body["errors"]} == fields
        assert secret not in response.text and "Traceback" not in response.text
        for error in body["errors"]:
            assert error["pointer"].startswith("#/") and error["reason"]


def test_range_problem_says_what_is_allowed(http):
    response = http.post("/v1/score", json={"candidate_id": "c1", "tc1": 9}, headers=support.AUTH)
    assert response.status_code == 422
    assert response.json()["type"].endswith("#invalid-assessment")
    [error] = response.json()["errors"]
    assert error == {"field": "tc1", "pointer": "#/tc1", "reason": error["reason"]}
    wrong = http.post("/v1/invitations", json={"candidate_id": "c1", "language": "xx"}, headers=support.AUTH)
    assert wrong.status_code == 422 and wrong.json()["type"].endswith("#invalid-request")
    assert "1 to 6" in error["reason"]


def test_malformed_json_and_wrong_media_type(http):
    broken = http.post("/v1/score", content=b"{not json", headers={**support.AUTH, "Content-Type": "application/json"})
    assert broken.status_code == 422 and broken.headers["content-type"] == PROBLEM
    form = http.post("/v1/score", content=b"a=b", headers={**support.AUTH, "Content-Type": "text/plain"})
    assert form.status_code == 415 and form.headers["content-type"] == PROBLEM


def test_body_over_the_limit_is_refused(tmp_path):
    with support.client(tmp_path, max_body_bytes=2048) as http:
        big = {"candidate_id": "c" * 100, "padding": "x" * 4000}
        response = http.post("/v1/score", json=big, headers=support.AUTH)
        assert response.status_code == 413 and response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/v1/score", support.AUTH),
        ("/v1/score/batch", support.AUTH),
        ("/v1/invitations", support.AUTH),
        ("/greenhouse/send_test", support.GH),
        ("/greenhouse/response_error", support.GH),
    ],
)
def test_a_chunked_body_over_the_limit_is_413_at_every_route(tmp_path, path, headers):
    """A trial: without Content-Length, /v1/invitations and /v1/score/batch answered 400 "not UTF-8"."""

    def chunks():  # a generator body: sent with Transfer-Encoding: chunked, no Content-Length
        yield b'{"candidate_id": "c1", "padding": "'
        for _ in range(8):
            yield b"x" * 1024
        yield b'"}'

    with support.client(tmp_path, max_body_bytes=2048) as http:
        response = http.post(path, content=chunks(), headers={**headers, "Content-Type": "application/json"})
        assert response.request.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in response.request.headers
        assert response.status_code == 413, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"].endswith("#too-large")


def test_rate_limit_per_key_gives_429_with_retry_after(tmp_path):
    with support.client(tmp_path, rate_per_second=0.001, rate_burst=3) as http:
        codes = [http.get("/v1/roles", headers=support.AUTH).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        limited = http.get("/v1/roles", headers=support.AUTH)
        assert limited.headers["content-type"] == PROBLEM and int(limited.headers["retry-after"]) >= 1


def test_batch_scores_valid_items_and_lists_problems_by_index(http, reference):
    items = [{"candidate_id": "a", "tc1": 5}, {"candidate_id": "b", "tc1": 0}, {"candidate_id": "c", "sj1": "z"}]
    response = http.post("/v1/score/batch", json={"assessments": items}, headers=support.AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["summary"] == {"received": 3, "scored": 1, "rejected": 2}
    assert [item["index"] for item in body["results"]] == [0]
    assert body["results"][0]["result"] == reference.score(items[0]).model_dump(mode="json")
    assert {(p["index"], p["field"]) for p in body["problems"]} == {(1, "tc1"), (2, "sj1")}
    assert body["problems"][0]["pointer"] == "#/assessments/1/tc1"


def test_batch_over_the_documented_maximum_is_refused(tmp_path):
    with support.client(tmp_path, max_batch=2) as http:
        items = [{"candidate_id": str(k)} for k in range(3)]
        response = http.post("/v1/score/batch", json={"assessments": items}, headers=support.AUTH)
        assert response.status_code == 413 and response.json()["errors"][0]["field"] == "assessments"


def test_instrument_in_norwegian_without_keys(http):
    body = http.get("/v1/instrument?lang=nb", headers=support.AUTH).json()
    assert body["language"] == "nb" and body["response_scale"]["labels"][0] == "Helt uenig"
    assert len(body["items"]) == 48 and "scale" not in body["items"][0] and "reverse" not in body["items"][0]
    assert all("expected" not in check for check in body["attention_checks"])
    wrong = http.get("/v1/instrument?lang=xx", headers=support.AUTH)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "lang"


def test_roles_and_model(http, reference):
    roles = http.get("/v1/roles", headers=support.AUTH).json()
    assert roles["default"] == "complex-case"
    assert {"complex-case", "transactional"} <= {role["id"] for role in roles["roles"]}
    model = http.get("/v1/model", headers=support.AUTH).json()
    assert model["model_id"] == reference.model_info.model_id and model["trained_on"] == "simulation"
    assert "simulated" in model["notice"]


def test_role_query_picks_the_role(http):
    response = http.post("/v1/score?role=transactional", json={"candidate_id": "c1", "tc1": 5}, headers=support.AUTH)
    assert response.json()["fit"]["role"] == "transactional"
    wrong = http.post("/v1/score?role=nope", json={"candidate_id": "c1"}, headers=support.AUTH)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "role"


def test_unknown_route_and_method_are_problems(http):
    assert http.get("/v1/nothing", headers=support.AUTH).headers["content-type"] == PROBLEM
    assert http.put("/v1/score", headers=support.AUTH).status_code == 405


def test_openapi_lists_the_contract(http):
    spec = http.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ("/v1/score", "/v1/score/batch", "/v1/instrument", "/v1/roles", "/v1/model", "/healthz", "/readyz"):
        assert path in paths
    assert "tc1" in json.dumps(paths["/v1/score"]["post"]["requestBody"])
    assert "ScreeningResult" in spec["components"]["schemas"]


def test_cors_is_off_unless_configured(http, tmp_path):
    preflight = {"Origin": "https://ats.example", "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in http.options("/v1/score", headers=preflight).headers
    with support.client(tmp_path, cors_origins=("https://ats.example",)) as allowed:
        assert (
            allowed.options("/v1/score", headers=preflight).headers["access-control-allow-origin"]
            == "https://ats.example"
        )


def test_errors_and_logs_hold_no_candidate_data(tmp_path, caplog):
    with support.client(tmp_path) as http:
        caplog.set_level("DEBUG")
        secret = "candidate-secret-4711"
        http.post("/v1/score", json={"candidate_id": secret, "tc1": 99}, headers=support.AUTH)
        http.post("/v1/score", json={"candidate_id": secret}, headers={"Authorization": "Bearer " + secret})
        assert secret not in caplog.text
        assert "/v1/score" in caplog.text  # the route is logged, not its data


def test_answers_are_not_cached_or_sniffed(http):
    response = http.get("/v1/roles", headers=support.AUTH)
    assert response.headers["cache-control"] == "no-store" and response.headers["x-content-type-options"] == "nosniff"
    assert http.get("/docs").status_code == 404  # no page that loads scripts from a CDN


def _without_null_defaults(schema):
    # OpenAPI output drops `"default": null`; everything else must be the same.
    if isinstance(schema, dict):
        return {k: _without_null_defaults(v) for k, v in schema.items() if not (k == "default" and v is None)}
    if isinstance(schema, list):
        return [_without_null_defaults(v) for v in schema]
    return schema


def _without_descriptions(schema):
    if isinstance(schema, dict):
        return {k: _without_descriptions(v) for k, v in schema.items() if k != "description"}
    if isinstance(schema, list):
        return [_without_descriptions(v) for v in schema]
    return schema


def test_the_public_openapi_names_no_scale_an_item_is_keyed_to(http):
    """/openapi.json needs no key; like /v1/instrument it must not tell which scale an item scores into."""
    spec = http.get("/openapi.json").json()
    text = json.dumps(spec)
    instrument = http.app.state.service.instrument
    assert not [scale for scale in instrument.scale_ids if scale in text]
    body = spec["paths"]["/v1/score"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    answered = [*instrument.item_ids, *(check.id for check in instrument.attention_checks)]
    # items, attention checks and validity statements read alike
    assert {body["properties"][name]["description"] for name in answered} == {"an answer from 1 to 6"}


def test_openapi_publishes_the_schemas_profilefit_schema_prints(http):
    from profilefit.core.screening import json_schemas

    published = json_schemas()
    spec = http.get("/openapi.json").json()
    body = spec["paths"]["/v1/score"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    # The same schema, but for descriptions (the public one names no scale, see the next test) and for what
    # the one reader also takes, which the public one says: null for an optional field, a whole-number id.
    public = _without_descriptions(_without_null_defaults(body))
    core = _without_descriptions(_without_null_defaults(published["assessment"]))
    # The title names the instrument and version: code generators name a class by it (docs/service.md).
    assert public["title"] == "Assessment customer-contact 1.2"
    assert {k: v for k, v in public.items() if k not in ("properties", "title")} == {
        k: v for k, v in core.items() if k not in ("properties", "title")
    }
    assert set(public["properties"]) == set(core["properties"])
    for name, field in core["properties"].items():
        widened = public["properties"][name]
        if name == "candidate_id":
            assert widened["anyOf"][0] == field and widened["anyOf"][1]["type"] == "integer"
        elif name in core["required"] or "anyOf" in field:
            assert widened == field, name
        else:
            assert widened == {"anyOf": [field, {"type": "null"}]}, name
    result = spec["components"]["schemas"]["ScreeningResult"]
    assert result["required"] == published["result"]["required"]
    assert set(result["properties"]) == set(published["result"]["properties"])


def test_each_api_key_sees_and_erases_only_its_own_invitations(tmp_path):
    other = {"Authorization": "Bearer other-organisation-key"}
    settings = support.settings(tmp_path).with_keys([support.KEY, "other-organisation-key"])
    with TestClient(create_app(settings, artifact=support.artifact())) as http:
        mine = http.post("/v1/invitations", json={"candidate_id": "shared-id"}, headers=support.AUTH).json()
        theirs = http.post("/v1/invitations", json={"candidate_id": "shared-id"}, headers=other).json()
        assert http.get(f"/v1/invitations/{mine['invitation_id']}", headers=other).status_code == 404
        erased = http.delete("/v1/candidates/shared-id", headers=other).json()
        assert erased["deleted"]["invitations"] == 1  # only the other key's own invitation
        assert http.get(f"/v1/invitations/{mine['invitation_id']}", headers=support.AUTH).status_code == 200
        assert http.get(f"/v1/invitations/{theirs['invitation_id']}", headers=other).status_code == 404


def test_an_unexpected_error_is_a_bare_500_and_its_message_is_logged_nowhere(tmp_path, caplog, monkeypatch):
    secret = "candidate-secret-in-an-exception"
    with support.client(tmp_path) as http:

        def broken(*args, **kwargs):
            raise ValueError(secret)

        monkeypatch.setattr(http.app.state.service.screener, "score", broken)
        caplog.set_level("DEBUG")
        response = http.post("/v1/score", json={"candidate_id": "c1"}, headers=support.AUTH)  # nothing re-raised
    assert response.status_code == 500 and response.headers["content-type"] == PROBLEM
    assert secret not in response.text and "Traceback" not in response.text
    assert secret not in caplog.text and "Traceback" not in caplog.text
    assert "unexpected ValueError" in caplog.text


METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


@pytest.mark.parametrize(
    "path", ["/v1/invitations", "/v1/invitations/abc", "/v1/score", "/v1/score/batch", "/v1/candidates/x", "/healthz"]
)
def test_a_405_allows_every_method_the_address_takes(http, path):
    """A trial: PUT, PATCH and DELETE /v1/invitations said "Allow: POST", though GET /v1/invitations is served."""
    answers = {method: http.request(method, path, headers=support.AUTH) for method in METHODS}
    taken = sorted(method for method, response in answers.items() if response.status_code != 405)
    for method, response in answers.items():
        if response.status_code == 405:
            assert response.headers["allow"] == ", ".join(taken), (method, path)
