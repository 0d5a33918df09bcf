"""POST /v1/invitations speaks as POST /v1/score does, and GET /v1/invitations lists one key's invitations.

Rules: a problem of an invitation's field says what the field allows in the project's words, never
pydantic's; a candidate id gets one verdict, and one reason, at every route (a whole number is its decimal
text, as the one reader reads it); a listing holds only the caller's own invitations, each once, in pages.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profilefit.apps.service import create_app
from profilefit.apps.service._api import PAGE_ALLOWED
from profilefit.core.schema import ID_ALLOWED, ID_REQUIRED
from tests import service_support as support

PROBLEM = "application/problem+json"
OTHER_KEY = "other-organisation-key-0123"
OTHER = {"Authorization": f"Bearer {OTHER_KEY}"}
#: pydantic's own words, which no problem of this API should carry.
PYDANTIC_WORDS = ("Input should", "Field required", "Extra inputs", "String should", "valid string")
RECASED = "not a field of this request as written; the field is 'language'"
MISSPELT = (
    "not a field of this request (check the spelling): the fields are candidate_id, role, language, email, callback_url"
)


@pytest.fixture(scope="module")
def http(tmp_path_factory):
    settings_ = support.settings(tmp_path_factory.mktemp("invitations"), rate_per_second=0)
    app = create_app(settings_.with_keys([support.KEY, OTHER_KEY]), artifact=support.artifact())
    with TestClient(app) as client:
        yield client


def invite(http: TestClient, body: Any, headers: dict[str, str] = support.AUTH) -> Any:
    return http.post(
        "/v1/invitations", content=json.dumps(body), headers={**headers, "Content-Type": "application/json"}
    )


def score(http: TestClient, candidate_id: Any) -> Any:
    body = json.dumps({"candidate_id": candidate_id, "tc1": 4})
    return http.post("/v1/score", content=body, headers={**support.AUTH, "Content-Type": "application/json"})


# ---- 1. the invitation's problems in the project's words ------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"candidate_id": ""}, "candidate_id", ID_ALLOWED),
        ({"candidate_id": "   "}, "candidate_id", ID_ALLOWED),
        ({"candidate_id": "x" * 129}, "candidate_id", ID_ALLOWED),
        ({"candidate_id": "c\u202egnp.exe"}, "candidate_id", ID_ALLOWED),
        ({"candidate_id": ["c-1"]}, "candidate_id", ID_ALLOWED),
        ({"candidate_id": True}, "candidate_id", ID_ALLOWED),
        ({"candidate_id": 1.5}, "candidate_id", ID_ALLOWED),
        ({}, "candidate_id", ID_REQUIRED),
        ({"candidate_id": None}, "candidate_id", ID_REQUIRED),
        ({"candidate_id": "c-1", "language": "de"}, "language", "allowed: 'en', 'nb', 'sv' or 'nl'"),
        ({"candidate_id": "c-1", "role": "boss"}, "role", "allowed: 'complex-case', 'none' or 'transactional'"),
        ({"candidate_id": "c-1", "Language": "nb"}, "Language", RECASED),
        ({"candidate_id": "c-1", "langauge": "nb"}, "langauge", MISSPELT),
        ({"candidate_id": "c-1", "email": 5}, "email", "allowed: an e-mail address such as name@example.org"),
        ({"candidate_id": "c-1", "email": "x" * 400}, "email", "allowed: an e-mail address such as name@example.org"),
        ({"candidate_id": "c-1", "callback_url": {}}, "callback_url", "allowed: an https URL on one of"),
    ],
)  # fmt: skip
def test_an_invitation_s_problem_names_the_field_and_what_it_allows_in_the_project_s_words(http, body, field, reason):
    """A trial: these were pydantic's words ("Input should be a valid string"), where /v1/score says what is allowed."""
    response = invite(http, body)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM, response.text
    problem = response.json()
    assert set(problem) == {"type", "title", "status", "detail", "errors"} and problem["status"] == 422
    [error] = problem["errors"]
    assert error["field"] == field and error["pointer"] == f"#/{field}", error
    assert error["reason"].startswith(reason), error
    assert not any(words in response.text for words in PYDANTIC_WORDS), response.text


def test_an_invitation_s_problems_are_listed_each_and_never_echo_the_value(http):
    secret = "kari.nordmann-private-value"
    response = invite(http, {"candidate_id": "", "language": secret, "role": secret, secret: 1})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["candidate_id", "role", "language", secret]
    assert secret not in json.dumps([error["reason"] for error in response.json()["errors"]])


def test_a_bad_page_limit_or_cursor_says_what_is_allowed(http):
    for query, field, reason in [
        ("limit=0", "limit", "allowed: a whole number from 1 to 100"),
        ("limit=abc", "limit", "allowed: a whole number from 1 to 100"),
        ("limit=1e3", "limit", "allowed: a whole number from 1 to 100"),
        ("cursor=anything", "cursor", "allowed: the next_cursor of a previous page, as it was given"),
        ("cursor=1.ab%0A", "cursor", "allowed: the next_cursor of a previous page, as it was given"),
    ]:
        response = http.get(f"/v1/invitations?{query}", headers=support.AUTH)
        assert response.status_code == 422, (query, response.text)
        assert response.json()["errors"] == [{"field": field, "pointer": f"#/{field}", "reason": reason}]


# ---- 2. one candidate id, one verdict, at every route ---------------------------------------------


def verdict(response: Any) -> tuple[str, Any]:
    """Accepted with the id as read, or refused with the candidate_id problem's reason."""
    if response.status_code in (200, 201):
        return "accepted", response.json()["candidate_id"]
    assert response.status_code == 422, response.text
    reasons = [error["reason"] for error in response.json()["errors"] if error["field"] == "candidate_id"]
    return "refused", reasons


CANDIDATE_IDS = st.one_of(
    st.text(max_size=140),
    st.text(alphabet=" \t\u00a0\u200b\u202e\x00", max_size=4),
    st.integers(),
    st.integers(min_value=10**125, max_value=10**130),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=3), max_size=2),
)


@given(candidate_id=CANDIDATE_IDS)
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_property_the_same_candidate_id_gets_the_same_verdict_at_every_route(http, candidate_id):
    """A trial: 101 was read as "101" by POST /v1/score and refused by POST /v1/invitations."""
    scored, invited = verdict(score(http, candidate_id)), verdict(invite(http, {"candidate_id": candidate_id}))
    assert scored == invited, (candidate_id, scored, invited)


@pytest.mark.parametrize(("sent", "read"), [(101, "101"), (101.0, "101"), (-7, "-7"), (" c-1 ", "c-1")])
def test_a_whole_number_id_is_its_decimal_text_at_both_routes(http, sent, read):
    assert score(http, sent).json()["candidate_id"] == read
    created = invite(http, {"candidate_id": sent})
    assert created.status_code == 201 and created.json()["candidate_id"] == read


def test_the_published_invitation_schema_allows_a_whole_number_id_as_post_v1_score_s_does(http):
    document = http.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    invitation = schemas["InvitationRequest"]["properties"]["candidate_id"]
    [text, number] = invitation["anyOf"]
    assert text["type"] == "string" and text["maxLength"] == 128 and number["type"] == "integer"
    body = document["paths"]["/v1/score"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    scored = (body if "properties" in body else body["anyOf"][0])["properties"]["candidate_id"]
    assert scored["anyOf"][1] == number and scored["anyOf"][0]["pattern"] == text["pattern"]


# ---- 3. GET /v1/invitations -----------------------------------------------------------------------


def listed(http: TestClient, headers: dict[str, str], **query: Any) -> list[dict[str, Any]]:
    """Every invitation a key lists, page by page, with ``query``; asserts each page's size."""
    found: list[dict[str, Any]] = []
    cursor = None
    limit = query.get("limit", 50)
    for _ in range(1000):
        params = {**query, **({"cursor": cursor} if cursor else {})}
        response = http.get("/v1/invitations", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"invitations", "next_cursor"}
        assert len(page["invitations"]) <= limit and (page["next_cursor"] is None or len(page["invitations"]) == limit)
        found += page["invitations"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found
    raise AssertionError("the pages never ended")


def test_pages_list_every_invitation_of_the_key_once_and_no_other_key_s(tmp_path):
    """The isolation rule: one organisation (API key) never sees another's invitations, in any page."""
    settings_ = support.settings(tmp_path, rate_per_second=0).with_keys([support.KEY, OTHER_KEY])
    with TestClient(create_app(settings_, artifact=support.artifact())) as http:
        mine = [invite(http, {"candidate_id": f"mine-{k}"}).json()["invitation_id"] for k in range(7)]
        theirs = [invite(http, {"candidate_id": f"theirs-{k}"}, OTHER).json()["invitation_id"] for k in range(3)]
        invite(http, {"candidate_id": "mine-1"}, OTHER)  # the same candidate id at another organisation
        for limit in (1, 2, 3, 7, 100):
            ids = [item["invitation_id"] for item in listed(http, support.AUTH, limit=limit)]
            assert sorted(ids) == sorted(mine) and len(set(ids)) == len(ids), limit
        assert {item["candidate_id"] for item in listed(http, OTHER)} == {"theirs-0", "theirs-1", "theirs-2", "mine-1"}
        assert not {item["invitation_id"] for item in listed(http, OTHER)} & set(mine)
        # A cursor of one key's page, sent with another key, opens no page.
        first = http.get("/v1/invitations", params={"limit": 1}, headers=support.AUTH).json()
        refused = http.get("/v1/invitations", params={"cursor": first["next_cursor"]}, headers=OTHER)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "cursor"
        # The candidate filter is scoped too: mine-1 at this key is this key's one invitation of it.
        [one] = listed(http, support.AUTH, candidate_id=" mine-1 ")
        assert one["invitation_id"] == mine[1] and not set(theirs) & {one["invitation_id"]}


def test_each_listed_invitation_is_what_get_one_gives(http):
    created = invite(http, {"candidate_id": "listed-as-one", "language": "sv"}).json()
    [item] = listed(http, support.AUTH, candidate_id="listed-as-one")
    one = http.get(f"/v1/invitations/{created['invitation_id']}", headers=support.AUTH).json()
    assert item == one and item["status"] == "sent" and item["language"] == "sv"


def test_listing_needs_a_key_and_is_in_the_openapi_document(http):
    assert http.get("/v1/invitations").status_code == 401
    assert http.get("/v1/invitations", headers={"Authorization": "Bearer wrong"}).status_code == 401
    operation = http.get("/openapi.json").json()["paths"]["/v1/invitations"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {"limit", "cursor", "candidate_id"}
    assert {"200", "401", "422", "429", "503"} <= set(operation["responses"])
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("InvitationPage")
    assert operation["security"] and "reconciling" in operation["description"]


@pytest.mark.parametrize("query", ["limit=1&limit=2", "Limit=2", "cursor=1.a&cursor=2.b"])
def test_a_listing_parameter_given_twice_or_in_another_case_is_refused(http, query):
    response = http.get(f"/v1/invitations?{query}", headers=support.AUTH)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    "candidate_id",
    [101, 10**128 - 1, 10**128, 1 - 10**127, -(10**127), "c-1", "", "  ", True, 1.5, None, "x" * 128, "x" * 129],
)
def test_the_published_candidate_id_decides_as_both_routes_do(http, candidate_id):
    """A client validating against /openapi.json gets the routes' verdict, at the bounds of a whole-number id too."""
    jsonschema_rs = pytest.importorskip("jsonschema_rs")

    document = http.get("/openapi.json").json()
    published = document["components"]["schemas"]["InvitationRequest"]["properties"]["candidate_id"]
    valid = jsonschema_rs.Draft202012Validator(published).is_valid(candidate_id)
    assert valid is (verdict(invite(http, {"candidate_id": candidate_id}))[0] == "accepted"), candidate_id
    assert valid is (verdict(score(http, candidate_id))[0] == "accepted"), candidate_id


# ---- 4. a candidate id in a path or query string reads as in a body -------------------------------

PATH_IDS = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=140),
    st.text(alphabet=" \t\u00a0\u200b\u202e\u2066\x01", max_size=4),
)


@given(candidate_id=PATH_IDS)
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_property_erasure_and_the_listing_filter_read_an_id_as_an_invitation_does(http, candidate_id):
    """A trial: DELETE /v1/candidates/%20 and ?candidate_id=%E2%80%AE said 200 (erased; none listed)."""
    invited = verdict(invite(http, {"candidate_id": candidate_id}))[0]
    quoted = "".join(f"%{byte:02X}" for byte in candidate_id.encode("utf-8"))
    erased = http.delete(f"/v1/candidates/{quoted}x", headers=support.AUTH)  # x: the path never ends in "/"
    accepted = verdict(invite(http, {"candidate_id": candidate_id + "x"}))[0] == "accepted"
    assert erased.status_code == (200 if accepted else 422), (candidate_id, erased.text)
    filtered = http.get(f"/v1/invitations?candidate_id={quoted}", headers=support.AUTH)
    assert filtered.status_code == (200 if invited == "accepted" else 422), (candidate_id, filtered.text)
    if filtered.status_code == 422:
        [error] = filtered.json()["errors"]
        assert error == {"field": "candidate_id", "pointer": "#/candidate_id", "reason": ID_ALLOWED}


@pytest.mark.parametrize("path", ["/v1/candidates/kept/", "/v1/candidates/", "/v1/candidates//"])
def test_a_trailing_slash_erases_nothing_and_is_an_unknown_route(http, path):
    """A trial: DELETE /v1/candidates/kept/ said 200 with an erasure record; kept was still stored."""
    invite(http, {"candidate_id": "kept"})
    response = http.delete(path, headers=support.AUTH)
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM, response.text
    assert listed(http, support.AUTH, candidate_id="kept")


@pytest.mark.parametrize("path", ["/v1/candidates/%20", "/v1/candidates/%E2%80%AE", "/v1/candidates/%E2%80%8B%20"])
def test_a_blank_or_direction_control_id_is_not_erased_but_refused(http, path):
    response = http.delete(path, headers=support.AUTH)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"field": "candidate_id", "pointer": "#/candidate_id", "reason": ID_ALLOWED}]


def test_an_id_ending_in_a_slash_is_erased_when_sent_encoded(http):
    invite(http, {"candidate_id": "org/"})
    assert http.delete("/v1/candidates/org%2F", headers=support.AUTH).json()["deleted"]["invitations"] == 1


def test_the_published_filter_and_erasure_id_are_the_invitation_s_text_id(http):
    """A trial: the filter was published with maxLength 256 and refused ids over 128."""
    document = http.get("/openapi.json").json()
    text = document["components"]["schemas"]["InvitationRequest"]["properties"]["candidate_id"]["anyOf"][0]
    [query] = [p for p in document["paths"]["/v1/invitations"]["get"]["parameters"] if p["name"] == "candidate_id"]
    [path] = document["paths"]["/v1/candidates/{candidate_id}"]["delete"]["parameters"]
    for schema in (query["schema"]["anyOf"][0], path["schema"]):
        assert {key: schema[key] for key in ("maxLength", "minLength", "pattern")} == {
            key: text[key] for key in ("maxLength", "minLength", "pattern")
        }


# ---- 5. a cursor is tamper-evident and the key's own ----------------------------------------------

CURSOR_ALLOWED = [{"field": "cursor", "pointer": "#/cursor", "reason": "allowed: " + PAGE_ALLOWED["cursor"]}]


@pytest.fixture(scope="module")
def a_cursor(http):
    for k in range(3):
        invite(http, {"candidate_id": f"paged-{k}"})
    page = http.get("/v1/invitations", params={"limit": 1}, headers=support.AUTH).json()
    return page["next_cursor"], page["invitations"][0]["invitation_id"]


def test_a_cursor_given_opens_its_page_and_only_for_its_key(http, a_cursor):
    cursor, _ = a_cursor
    assert http.get("/v1/invitations", params={"cursor": cursor}, headers=support.AUTH).status_code == 200
    other = http.get("/v1/invitations", params={"cursor": cursor}, headers=OTHER)
    assert other.status_code == 422 and other.json()["errors"] == CURSOR_ALLOWED


@given(data=st.data())
@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_property_any_cursor_but_one_given_is_refused(http, a_cursor, data):
    """A trial: cursor=0.0, 1.0, 99999999999.f, 0.<another key's invitation id> listed pages (200)."""
    cursor, invitation_id = a_cursor
    seconds, place, signature = cursor.split(".")
    forged = data.draw(
        st.one_of(
            st.sampled_from(["0.0", "1.0", "99999999999.f", f"0.{invitation_id}", f"01796689283.{invitation_id}"]),
            st.builds(
                lambda n, i: f"{n}.{i}", st.integers(0, 10**11 - 1), st.from_regex(r"[0-9a-f]{1,32}", fullmatch=True)
            ),
            # the signature kept, the place changed; the place kept, the signature changed
            st.integers(0, 10**11 - 1).filter(lambda n: str(n) != seconds).map(lambda n: f"{n}.{place}.{signature}"),
            st.text("0123456789abcdef", min_size=1, max_size=32)
            .filter(lambda i: i != place)
            .map(lambda i: f"{seconds}.{i}.{signature}"),
            st.text("ABCDEFabcdef0123456789-_", min_size=43, max_size=43)
            .filter(lambda x: x != signature)
            .map(lambda x: f"{seconds}.{place}.{x}"),
            st.text(max_size=100),
        ).filter(lambda text: text != cursor)
    )
    response = http.get("/v1/invitations", params={"cursor": forged}, headers=support.AUTH)
    assert response.status_code == 422, (forged, response.text)
    assert response.json()["errors"] == CURSOR_ALLOWED
