"""The candidate test page: consent, pages in four languages, resume, timing, single use, accessibility."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profilefit.apps.service._storage import utcnow
from profilefit.core.screening import Screener
from profilefit.pages.reports import isolate
from tests import service_support as support


@pytest.fixture(scope="module")
def http(tmp_path_factory):
    with support.client(tmp_path_factory.mktemp("page")) as client:
        yield client


def invite(http, **options):
    body = {"candidate_id": "cand-1", "language": "nb", **options}
    response = http.post("/v1/invitations", json=body, headers=support.AUTH)
    assert response.status_code == 201, response.text
    return response.json()


def answers_for(instrument, value=5):
    answers = {item: value for item in instrument.item_ids}
    # Instructed checks as asked; virtue claims ("I have never ...") with a modest "disagree".
    answers.update({check.id: check.expected or 2 for check in instrument.attention_checks})
    answers.update({scenario.id: scenario.options[0].id for scenario in instrument.scenarios})
    return answers


def service(http):
    return http.app.state.service


def test_consent_page_gives_the_privacy_notice_in_the_invitation_language(http):
    link = invite(http)["test_url"]
    page = http.get("/take/" + support.token_of(link))
    assert page.status_code == 200
    assert '<html lang="nb">' in page.text
    for words in ("Personvernerklæring", "art. 22", "Example Contact Centre AS", "privacy@example.test", "simulerte"):
        assert words in page.text
    assert "180 dager" in page.text  # the retention period
    form = support.parse(page.text)
    assert "consent" in form.labels and form.action.endswith("/consent")


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Describe yourself honestly"),
        ("nb", "Beskriv deg selv ærlig"),
        ("sv", "Beskriv dig själv ärligt"),
        ("nl", "Beschrijf jezelf eerlijk"),
    ],
)
def test_the_candidate_is_asked_to_answer_honestly_before_consenting(http, language, words):
    """A warning against faking (docs/faking.md, "A warning before the test"), in the invitation's language."""
    page = http.get("/take/" + support.token_of(invite(http, language=language)["test_url"]))
    assert page.status_code == 200
    before_notice = page.text.split('class="notice"')[0]
    assert words in before_notice and ("person" in before_notice or "mens" in before_notice)


@pytest.mark.parametrize(
    ("language", "starts", "contact"),
    [
        ("en", "The employer has invited you", "the employer's data protection contact"),
        ("nb", "Arbeidsgiveren har invitert deg", "arbeidsgiverens personvernkontakt"),
        ("sv", "Arbetsgivaren har bjudit in dig", "arbetsgivarens dataskyddskontakt"),
        ("nl", "De werkgever nodigt je uit", "de contactpersoon voor gegevensbescherming van de werkgever"),
    ],
)
def test_without_an_organisation_set_the_page_names_the_employer_in_its_own_language(
    unnamed, language, starts, contact
):
    """PROFILEFIT_ORGANISATION and PROFILEFIT_PRIVACY_CONTACT unset: the defaults in the page's language."""
    response = unnamed.post(
        "/v1/invitations", json={"candidate_id": "c-" + language, "language": language}, headers=support.AUTH
    )
    page = unnamed.get("/take/" + support.token_of(response.json()["test_url"]))
    text = re.sub(r"[\u2066-\u2069]", "", html.unescape(page.text))  # without the marks isolating the names
    assert starts in text and contact in text, text
    if language != "en":
        assert "the employer" not in text
    names = service(unnamed).names(language)
    assert (
        starts.startswith(names["Organisation"] + " ")
        and names["Organisation"].lower() == names["organisation"].lower()
    )


def test_a_set_organisation_is_named_as_given_in_every_language(http):
    for language in ("en", "nb", "sv", "nl"):
        names = service(http).names(language)
        assert names["organisation"] == names["Organisation"] == service(http).settings.organisation


@pytest.mark.parametrize(("language", "asks"), [("en", "Questions or problems"), ("nb", "Spørsmål eller problemer")])
def test_the_help_contact_stands_at_the_foot_of_every_candidate_page(tmp_path, language, asks):
    """WCAG 3.2.6: where to ask for help, in the same place on every page, the error pages included."""
    contact = "rekruttering@example.no, 22 00 00 00 (9\u201315)"
    with support.client(tmp_path, help_contact=contact) as helped:
        token = support.token_of(invite(helped, language=language)["test_url"])
        pages = [helped.get(f"/take/{token}")]  # the consent page
        pages.append(helped.post(f"/take/{token}/consent", data={"lang": language}))  # refused: no tick
        pages.append(helped.post(f"/take/{token}/consent", data={"consent": "yes", "lang": language}))  # page 1
        pages.append(helped.post(f"/take/{token}/page/0", data={"lang": language}))  # refused: nothing marked
        pages.append(helped.get(f"/take/{token[:-3]}AAA?lang={language}"))  # a link that does not work
        assert [page.status_code for page in pages] == [200, 400, 200, 400, 404]
        for page in pages:
            foot = page.text.split("</main>", 1)[1]
            assert f'<footer class="help"><p>{asks}' in foot and html.escape(contact) in foot
    with support.client(tmp_path / "without") as plain:
        page = plain.get("/take/" + support.token_of(invite(plain, language=language)["test_url"]))
        assert 'class="help"' not in page.text


@pytest.fixture(scope="module")
def unnamed(tmp_path_factory):
    from profilefit.apps.service._settings import DEFAULT_ORGANISATION, DEFAULT_PRIVACY_CONTACT

    with support.client(
        tmp_path_factory.mktemp("unnamed"), organisation=DEFAULT_ORGANISATION, privacy_contact=DEFAULT_PRIVACY_CONTACT
    ) as client:
        yield client


def test_no_consent_no_test(http):
    token = support.token_of(invite(http)["test_url"])
    refused = http.post(f"/take/{token}/consent", data={"lang": "nb"})
    assert refused.status_code == 400 and 'role="alert"' in refused.text
    assert support.parse(refused.text).radios == {}
    page = http.post(f"/take/{token}/page/0", data={"tc1": "5"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == f"/take/{token}"


def test_whole_test_in_norwegian_scores_the_answers_posted(http):
    created = invite(http)
    instrument = service(http).instrument
    answers = answers_for(instrument)
    thanks = support.fill_in(http, created["test_url"], answers)
    assert "Takk" in thanks
    assert not re.search(r"\b\d{1,3}(\.\d)?\s*(%|poeng|/ ?100)", thanks)  # no score on the thank-you page
    status = http.get(f"/v1/invitations/{created['invitation_id']}", headers=support.AUTH).json()
    assert status["status"] == "completed" and status["pages_answered"] == status["pages"]
    with service(http).sessions() as session:
        invitation = service(http).load(session, created["invitation_id"])
        seconds = service(http).assessment(invitation)["completion_seconds"]
    expected = Screener(support.artifact()).score({"candidate_id": "cand-1", "completion_seconds": seconds, **answers})
    assert status["result"] == expected.model_dump(mode="json")


def test_every_question_and_attention_check_is_asked_once_with_labels_and_legends(http):
    link = invite(http, language="en")["test_url"]
    token = support.token_of(link)
    http.post(f"/take/{token}/consent", data={"consent": "yes", "lang": "en"})
    instrument = service(http).instrument
    answers = answers_for(instrument)
    asked: list[str] = []
    page = http.get(f"/take/{token}")
    while True:
        form = support.parse(page.text)
        if not form.radios:
            break
        assert form.fieldsets == form.legends == len(form.radios)
        for name, values in form.radios.items():
            assert all(f"{name}-{value}" in form.labels for value in values)  # every radio has its label
        asked += list(form.radios)
        assert len(form.radios) <= 8  # short pages
        page = http.post(str(form.action), data={**{n: str(answers[n]) for n in form.radios}, "lang": "en"})
    expected = {*instrument.item_ids, *instrument.check_ids, *instrument.scenario_ids}
    assert sorted(asked) == sorted(expected)


def test_progress_is_saved_and_the_candidate_resumes(http):
    token = support.token_of(invite(http, language="sv")["test_url"])
    http.post(f"/take/{token}/consent", data={"consent": "yes", "lang": "sv"})
    first = support.parse(http.get(f"/take/{token}").text)
    http.post(str(first.action), data={name: "4" for name in first.radios})
    again = http.get(f"/take/{token}")
    assert "Sida 2 av" in again.text
    assert set(support.parse(again.text).radios).isdisjoint(first.radios)


@pytest.mark.parametrize(
    ("language", "until"), [("en", "link until"), ("nb", "lenken til og med"), ("nl", "terugkomen tot")]
)
def test_every_question_page_says_until_when_the_link_works(http, language, until):
    """The date the invitation e-mail gives: a candidate who comes back later knows whether they still can."""
    created = invite(http, language=language)
    token = support.token_of(created["test_url"])
    http.post(f"/take/{token}/consent", data={"consent": "yes", "lang": language})
    page = http.get(f"/take/{token}").text
    expires = created["expires_at"][:10]
    assert f"{until} {expires}." in page, page[-600:]


def test_a_page_with_a_missing_answer_is_shown_again_with_errors(http):
    token = support.token_of(invite(http, language="en")["test_url"])
    http.post(f"/take/{token}/consent", data={"consent": "yes", "lang": "en"})
    form = support.parse(http.get(f"/take/{token}").text)
    names = list(form.radios)
    posted = {name: "3" for name in names[1:]}
    posted[names[2]] = "99"
    page = http.post(str(form.action), data=posted)
    assert page.status_code == 400
    assert 'role="alert"' in page.text and 'aria-invalid="true"' in page.text
    # Each problem links to its question's first radio, which the link then puts in focus.
    assert f'href="#{names[0]}-1"' in page.text and f'href="#{names[2]}-1"' in page.text
    assert f'id="{names[1]}-3" name="{names[1]}" value="3" checked' in page.text  # what was given stays chosen


def test_page_time_adds_up_to_completion_seconds(http):
    token = support.token_of(invite(http, language="en")["test_url"])
    http.post(f"/take/{token}/consent", data={"consent": "yes", "lang": "en"})
    form = support.parse(http.get(f"/take/{token}").text)
    svc = service(http)
    with svc.sessions() as session:
        invitation = svc.load(session, svc.signer.read_invitation_token(token)[0])
        invitation.page_opened_at = utcnow() - timedelta(seconds=75)  # as if the candidate read for 75 s
        session.commit()
    http.post(str(form.action), data={name: "4" for name in form.radios})
    with svc.sessions() as session:
        invitation = svc.load(session, invitation.id)
        assert 75 <= invitation.page_seconds["0"] < 80
        assert svc.assessment(invitation)["completion_seconds"] == pytest.approx(invitation.page_seconds["0"], abs=0.1)


def test_a_head_request_gives_the_link_s_status_and_starts_no_clock(http):
    """Mail scanners check a link with HEAD before the candidate opens it: it answered 405 "link does not work"."""
    created = invite(http)
    token = support.token_of(created["test_url"])
    head = http.head(f"/take/{token}")
    assert head.status_code == 200 and head.text == "" and head.headers["cache-control"] == "no-store"
    assert http.head(f"/take/{token[:-3]}{'AAA' if not token.endswith('AAA') else 'BBB'}").status_code == 404
    with service(http).sessions() as session:
        invitation = service(http).load(session, created["invitation_id"])
        assert invitation.page_opened_at is None and invitation.consented_at is None


def test_the_link_works_once(http):
    created = invite(http)
    support.fill_in(http, created["test_url"], answers_for(service(http).instrument))
    used = http.get("/take/" + support.token_of(created["test_url"]))
    assert used.status_code == 410 and "brukt" in used.text


def test_expired_and_forged_links_are_refused(tmp_path):
    with support.client(tmp_path, invitation_days=-1) as http:
        token = support.token_of(invite(http)["test_url"])
        assert http.get(f"/take/{token}").status_code == 410
        forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
        assert http.get(f"/take/{forged}").status_code == 404
        assert http.get("/take/not-a-token").status_code == 404


def test_the_candidate_switches_language(http):
    token = support.token_of(invite(http)["test_url"])
    page = http.get(f"/take/{token}?lang=nl")
    assert '<html lang="nl">' in page.text and "Privacyverklaring" in page.text
    assert f'href="/take/{token}?lang=sv"' in page.text
    assert '<html lang="nl">' in http.get(f"/take/{token}").text  # the choice is kept


def test_everything_is_escaped_and_isolated(tmp_path):
    hostile = '<script>alert("x")</script> & \u202eCo שלום'
    with support.client(tmp_path, organisation=hostile) as http:
        token = support.token_of(invite(http)["test_url"])
        page = http.get(f"/take/{token}")
        assert "<script>" not in page.text and "&lt;script&gt;" in page.text
        escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; \u202eCo שלום"
        assert f'<bdi dir="auto">{escaped}</bdi>' in page.text  # a right-to-left name cannot reorder the page
        assert f"\u2068{escaped}\u2069 har invitert deg" in page.text  # nor the sentence it stands in


@given(text=st.text(alphabet=st.sampled_from("ab\u2066\u2067\u2068\u2069\u202e"), max_size=12))
def test_property_an_isolated_name_is_balanced(text):
    """Rule: isolate(x) opens with FSI, ends with PDI, and every isolate inside closes before the end."""
    wrapped = isolate(text)
    depth = 0
    for char in wrapped[:-1]:
        depth += char in "\u2066\u2067\u2068"
        depth -= char == "\u2069"
        assert depth >= 1 or char == wrapped[0]
    assert wrapped[0] == "\u2068" and wrapped[-1] == "\u2069" and depth == 1


def test_pages_forbid_caching_referrers_and_foreign_content(http):
    token = support.token_of(invite(http)["test_url"])
    headers = http.get(f"/take/{token}").headers
    assert headers["cache-control"] == "no-store" and headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "script-src" not in headers["content-security-policy"]  # no scripts at all
    assert http.get("/static/take.css").headers["content-type"].startswith("text/css")


def test_report_link_is_signed(http):
    created = invite(http)
    support.fill_in(http, created["test_url"], answers_for(service(http).instrument))
    status = http.get(f"/v1/invitations/{created['invitation_id']}", headers=support.AUTH).json()
    report = http.get(status["report_url"].removeprefix("http://testserver"))
    assert report.status_code == 200 and "cand-1" in report.text and 'lang="nb"' in report.text
    assert http.get(f"/reports/{created['invitation_id']}?sig=forged").status_code == 404


def test_a_report_link_that_does_not_check_is_a_problem_as_its_siblings_are(http):
    """A trial: a forged sig= answered 404 text/plain "not found", where every other error there is problem details."""
    created = invite(http)
    support.fill_in(http, created["test_url"], answers_for(service(http).instrument))
    report_url = http.get(f"/v1/invitations/{created['invitation_id']}", headers=support.AUTH).json()["report_url"]
    path, _, query = report_url.removeprefix("http://testserver").partition("?")
    signature = dict(part.split("=") for part in query.split("&"))["sig"]
    forged = http.get(f"{path}?sig={signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}")
    unfinished = invite(http)["invitation_id"]  # signed, but no result yet
    missing = http.get(f"/reports/{unfinished}?sig={service(http).signer.report_signature(unfinished)}")
    for answer in (forged, missing):
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["cache-control"] == "no-store"
    assert forged.json() == missing.json()  # neither says whether the invitation exists
    assert forged.json()["type"].endswith("#not-found")


def test_submitting_writes_the_decision_log_without_answers(tmp_path):
    log = tmp_path / "decisions.jsonl"
    with support.client(tmp_path, decision_log=str(log)) as http:
        created = invite(http)
        support.fill_in(http, created["test_url"], answers_for(service(http).instrument))
    [line] = log.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["model_id"] == support.artifact().manifest.model_id and len(record["input_sha256"]) == 64
    assert "cand-1" not in line and '"tc1"' not in line  # no candidate id, no answers


def test_of_two_submissions_at_once_exactly_one_scores(http):
    created = invite(http)
    svc = service(http)
    answers = answers_for(svc.instrument)
    with svc.sessions() as session:
        invitation = svc.load(session, created["invitation_id"])
        for number, ids in enumerate(svc.pages):
            svc.save_page(session, invitation, number, {key: str(answers[key]) for key in ids})
    with svc.sessions() as first, svc.sessions() as second:  # both read the link before either submits
        one, two = svc.load(first, created["invitation_id"]), svc.load(second, created["invitation_id"])
        assert svc.submit(first, one) is not None
        assert svc.submit(second, two) is None
    status = http.get(f"/v1/invitations/{created['invitation_id']}", headers=support.AUTH).json()
    assert status["status"] == "completed"
    with svc.sessions() as session:
        assert len(svc.load(session, created["invitation_id"]).results) == 1
