"""A problem's pointer points at the key as it was sent (RFC 6901); its field names the question.

Rules: whatever case or surrounding spaces a question's key is sent in, an invalid answer's ``pointer``
leads to that key in the request, at POST /v1/score and in a batch alike, and its ``field`` is the
question's id.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profilefit.apps.service import create_app
from tests import service_support as support

HEADERS = {**support.AUTH, "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def http(tmp_path_factory):
    # Both instrument versions, as `profilefit serve` serves them: tc1 is 1.2's, b01 2.0's.
    with TestClient(create_app(support.settings(tmp_path_factory.mktemp("pointers"), rate_per_second=0))) as client:
        yield client


def escaped(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def follow(document: Any, pointer: str) -> Any:
    """The value an RFC 6901 pointer (``#/a/0/b``) leads to in ``document``."""
    for part in pointer.removeprefix("#").split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


def spelt(question: str) -> st.SearchStrategy[str]:
    """``question`` in any case, with spaces around it or not."""
    cases = st.lists(st.booleans(), min_size=len(question), max_size=len(question)).map(
        lambda upper: "".join(c.upper() if u else c for c, u in zip(question, upper, strict=True))
    )
    return st.tuples(st.sampled_from(["", " ", "  "]), cases, st.sampled_from(["", " ", "\t"])).map("".join)


@given(data=st.data())
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_property_a_pointer_leads_to_the_key_as_sent_at_both_routes(http, data):
    """A trial: {"TC1": 0} was pointed at "#/tc1", a key the request does not hold."""
    question, bad = data.draw(st.sampled_from([("tc1", 0), ("tc1", "x"), ("b01", "zz"), ("b02", 7)]))
    key = data.draw(spelt(question))
    assessment = {"candidate_id": "c1", key: bad}
    response = http.post("/v1/score", content=json.dumps(assessment), headers=HEADERS)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == question and error["pointer"] == "#/" + escaped(key), error
    assert follow(assessment, error["pointer"]) == bad
    batch = {"assessments": [{"candidate_id": "ok", "tc1": 4}, assessment]}
    response = http.post("/v1/score/batch", content=json.dumps(batch), headers=HEADERS)
    [problem] = response.json()["problems"]
    assert problem["field"] == question and problem["pointer"] == f"#/assessments/1/{escaped(key)}", problem
    assert follow(batch, problem["pointer"]) == bad


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
@pytest.mark.parametrize("key", ["tc1", "TC1", " completion_seconds"])
def test_a_number_json_does_not_have_names_its_field(http, number, key):
    """A trial: {"tc1": NaN} and 1e400 were field "(assessment)", pointer "#"."""
    text = f'{{"candidate_id": "c1", "tc2": 3, {json.dumps(key)}: {number}}}'
    response = http.post("/v1/score", content=text, headers=HEADERS)
    [error] = response.json()["errors"]
    assert (error["field"], error["pointer"]) == (key.strip(), "#/" + key), error
    batch = f'{{"assessments": [{{"candidate_id": "ok", "tc1": 4}}, {text}]}}'
    [problem] = http.post("/v1/score/batch", content=batch, headers=HEADERS).json()["problems"]
    assert (problem["field"], problem["pointer"]) == (key.strip(), "#/assessments/1/" + key), problem


def test_a_key_sent_twice_in_a_batch_is_its_field_and_pointer_as_the_docs_show(http):
    batch = '{"assessments": [{"candidate_id": "a", "tc1": 5}, {"candidate_id": "b", "tc1": 1, "tc1": 6}]}'
    [problem] = http.post("/v1/score/batch", content=batch, headers=HEADERS).json()["problems"]
    assert problem == {
        "index": 1,
        "field": "tc1",
        "pointer": "#/assessments/1/tc1",
        "reason": "key 'tc1' appears more than once in this object",
    }
