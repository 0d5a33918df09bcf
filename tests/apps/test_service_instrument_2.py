"""The service on instrument 2.0: new invitations get the forced-choice blocks, older ones finish on 1.2.

Built on the two shipped reference models, as ``profilefit serve`` runs without a model of its own.
Every door decides alike: a 2.0 candidate's page answers score as ``Screener.score`` and POST
/v1/score score the same assessment; an invitation made before instrument versions were recorded
(migration 0004) completes and scores on 1.2.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from profilefit.apps.service import SmtpSettings, create_app
from profilefit.apps.service._core import reference_models
from profilefit.apps.service._questionnaire import answer_value, block_answer
from profilefit.apps.service._storage import Answer, make_engine, upgrade
from profilefit.core.instrument import BLOCK_ANSWERS, Instrument, load_instrument
from profilefit.core.screening import Screener
from tests import service_support as support
from tests.service_support import Inbox, free_port

INSTRUMENT_2 = load_instrument("customer-contact-2.0")


@pytest.fixture(scope="module")
def models():
    return reference_models()


@pytest.fixture(scope="module")
def screener_2(models):
    return Screener(models[1])


@pytest.fixture(scope="module")
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=True)
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def http(tmp_path_factory, inbox):
    folder = tmp_path_factory.mktemp("instrument-2")
    smtp = SmtpSettings(host="127.0.0.1", port=inbox[1], starttls=False)
    with TestClient(create_app(support.settings(folder, smtp=smtp))) as client:
        yield client


def service(http):
    return http.app.state.service


def invite(http, language="en", candidate="cand-2"):
    response = http.post(
        "/v1/invitations", json={"candidate_id": candidate, "language": language}, headers=support.AUTH
    )
    assert response.status_code == 201, response.text
    return response.json()


def status_of(http, invitation_id):
    return http.get(f"/v1/invitations/{invitation_id}", headers=support.AUTH).json()


def answers_2(draw_block=None) -> dict[str, Any]:
    answers: dict[str, Any] = {
        block: (draw_block(block) if draw_block else BLOCK_ANSWERS[k % 6])
        for k, block in enumerate(INSTRUMENT_2.block_ids)
    }
    answers.update({check.id: check.expected or 2 for check in INSTRUMENT_2.attention_checks})
    answers.update({scenario.id: scenario.options[1].id for scenario in INSTRUMENT_2.scenarios})
    return answers


def answers_1(instrument: Instrument) -> dict[str, Any]:
    answers: dict[str, Any] = {item: 1 + k % 6 for k, item in enumerate(instrument.item_ids)}
    answers.update({check.id: check.expected or 2 for check in instrument.attention_checks})
    answers.update({scenario.id: scenario.options[0].id for scenario in instrument.scenarios})
    return answers


def consent(http, link, lang="en"):
    token = support.token_of(link)
    page = http.post(f"/take/{token}/consent", data={"consent": "yes", "lang": lang})
    assert page.status_code == 200, page.text
    return token, page


def marks(answers, ids):
    posted = {}
    for question in ids:
        value = str(answers[question])
        if question in INSTRUMENT_2.block_ids:
            posted[f"{question}_most"], posted[f"{question}_least"] = value[0], value[1]
        else:
            posted[question] = value
    return posted


def test_the_service_serves_both_reference_models_and_invites_on_2_0(http):
    served = service(http)
    assert list(served.editions) == ["1.2", "2.0"] and served.current.version == "2.0"
    created = invite(http)
    assert status_of(http, created["invitation_id"])["instrument_version"] == "2.0"
    assert service(http).pages[0] == ["b01", "b02", "b03", "b04"]  # blocks come first, four to a page
    model = http.get("/v1/model", headers=support.AUTH).json()
    assert model["model_id"] == served.current.artifact.manifest.model_id
    assert model["served"] == {v: e.artifact.manifest.model_id for v, e in served.editions.items()}
    assert "customer-contact-2.0" in model["served"]["2.0"]


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_2_0_invitation_goes_from_invited_to_submitted_and_scores_as_every_other_door(http, models, data):
    """Rule: page answers of a 2.0 candidate score exactly as Screener.score and POST /v1/score score them."""
    answers = answers_2(lambda block: data.draw(st.sampled_from(BLOCK_ANSWERS), label=block))
    created = invite(http, language="nb")
    assert status_of(http, created["invitation_id"])["status"] == "sent"
    _, page = consent(http, created["test_url"], "nb")
    assert status_of(http, created["invitation_id"])["status"] == "started"
    pages = service(http).current.pages
    for number, ids in enumerate(pages):
        form = support.parse(page.text)
        assert set(form.radios) == set(marks(answers, ids)), number
        page = http.post(str(form.action), data={**marks(answers, ids), "lang": "nb"})
        assert page.status_code == 200, page.text
        if number < len(pages) - 1:
            assert status_of(http, created["invitation_id"])["pages_answered"] == number + 1
    assert "Takk" in page.text
    status = status_of(http, created["invitation_id"])
    assert status["status"] == "completed" and status["pages_answered"] == status["pages"] == len(pages)
    with service(http).sessions() as session:
        assessment = service(http).assessment(service(http).load(session, created["invitation_id"]))
    assert {key: assessment[key] for key in answers} == answers  # stored as sent: "ac" is most a, least c
    library = Screener(models[1], role="complex-case").score(assessment)
    assert library.model.instrument_version == "2.0"
    assert status["result"] == library.model_dump(mode="json")
    one = http.post("/v1/score", params={"role": "complex-case"}, json=assessment, headers=support.AUTH)
    assert one.status_code == 200 and one.json() == library.model_dump(mode="json")


def test_the_candidate_goes_back_finds_the_marks_saved_changes_one_and_comes_forward(http, models):
    """docs/service.md: every page but the first can go back one; what was marked is kept both ways."""
    created = invite(http, language="nb")
    token, page = consent(http, created["test_url"], "nb")
    pages = service(http).current.pages
    answers = answers_2()
    assert 'value="back"' not in page.text  # the first page has no way back
    for number in (0, 1):
        http.post(f"/take/{token}/page/{number}", data={**marks(answers, pages[number]), "lang": "nb"})
    third = http.get(f"/take/{token}")
    assert support.parse(third.text).action.endswith("/page/2")
    assert '<button type="submit" name="go" value="back" class="secondary">Forrige side</button>' in third.text
    # Half of page 3 marked, then back: the marks given are kept, page 2 comes with its saved marks.
    partial = dict(list(marks(answers, pages[2]).items())[:3])
    back = http.post(f"/take/{token}/page/2", data={**partial, "go": "back", "lang": "nb"}, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == f"/take/{token}/page/1"
    shown = http.get(back.headers["location"])
    assert shown.status_code == 200 and support.parse(shown.text).action.endswith("/page/1")
    assert Checked.of(shown.text) == marks(answers, pages[1])
    assert f'href="/take/{token}/page/1?lang=sv"' in shown.text  # another language stays on this page
    assert '<html lang="sv">' in http.get(f"/take/{token}/page/1?lang=sv").text
    # One block changed on page 2 and saved: on to page 3, the first unanswered one, its marks still there.
    block = next(question for question in pages[1] if question in INSTRUMENT_2.block_ids)
    answers[block] = next(answer for answer in BLOCK_ANSWERS if answer != answers[block])
    onward = http.post(f"/take/{token}/page/1", data={**marks(answers, pages[1])}, follow_redirects=False)
    assert onward.status_code == 303 and onward.headers["location"] == f"/take/{token}/page/2"
    again = http.get(onward.headers["location"])
    assert support.parse(again.text).action.endswith("/page/2") and Checked.of(again.text) == partial
    for number in range(2, len(pages)):
        page = http.post(f"/take/{token}/page/{number}", data=marks(answers, pages[number]))
    assert page.status_code == 200 and "Tack" in page.text  # the language chosen last (sv)
    status = status_of(http, created["invitation_id"])
    with service(http).sessions() as session:
        assessment = service(http).assessment(service(http).load(session, created["invitation_id"]))
    assert {key: assessment[key] for key in answers} == answers  # the changed block as changed
    assert status["result"] == Screener(models[1], role="complex-case").score(assessment).model_dump(mode="json")


def test_a_page_not_reached_cannot_be_opened_and_the_last_page_is_sent_only_by_the_candidate(http):
    created = invite(http)
    token, _ = consent(http, created["test_url"])
    pages = service(http).current.pages
    answers = answers_2()
    http.post(f"/take/{token}/page/0", data=marks(answers, pages[0]))
    for address in ("/page/2", "/page/99", "/page/x", "/page/-1", "/page/\u0662", "/page/0000002", "/page/1.0"):
        skipped = http.get(f"/take/{token}{address}", follow_redirects=False)
        assert skipped.status_code == 303 and skipped.headers["location"] == f"/take/{token}", address
    assert http.get(f"/take/{token}/page/0").status_code == 200  # gone back to
    assert http.get(f"/take/{token}/page/1").status_code == 200  # the page being answered
    # "Back" from the first page is a save like any other: there is no page before it.
    assert http.post(f"/take/{token}/page/0", data={"go": "back"}, follow_redirects=False).status_code == 400
    for number in range(1, len(pages) - 1):
        http.post(f"/take/{token}/page/{number}", data=marks(answers, pages[number]), follow_redirects=False)
    # The last page answered too, but left by "back": every page is answered, and nothing is sent until the
    # candidate sends it.
    last = len(pages) - 1
    back = http.post(f"/take/{token}/page/{last}", data={"go": "back", **marks(answers, pages[last])})
    assert back.status_code == 200 and support.parse(back.text).action.endswith(f"/page/{last - 1}")
    assert status_of(http, created["invitation_id"])["status"] == "started"
    onward = http.post(f"/take/{token}/page/{last - 1}", data=marks(answers, pages[last - 1]), follow_redirects=False)
    assert onward.headers["location"] == f"/take/{token}/page/{last}"  # answered, so shown again by its address
    reopened = http.get(f"/take/{token}")  # the link opened again: the last page, its marks checked
    assert support.parse(reopened.text).action.endswith(f"/page/{last}")
    assert Checked.of(reopened.text) == marks(answers, pages[last])
    assert status_of(http, created["invitation_id"])["status"] == "started"
    assert "Thank you" in http.post(f"/take/{token}/page/{last}", data=marks(answers, pages[last])).text
    assert status_of(http, created["invitation_id"])["status"] == "completed"


def _form(page_text):
    """The hidden fields of a page's form as a browser sends them (the language and the saved answers' digest)."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page_text))


def test_an_old_form_resent_never_overwrites_answers_saved_since(http):
    """A trial: a page refused for a problem, fixed and saved, then the browser's Back and "resend" put the old,
    refused answers back and took the newer ones away. An old form now saves nothing and shows the page as saved."""
    created = invite(http)
    token, page = consent(http, created["test_url"])
    pages = service(http).current.pages
    answers = answers_2()
    http.post(f"/take/{token}/page/0", data={**_form(page.text), **marks(answers, pages[0])})
    second = http.get(f"/take/{token}/page/1")
    old = {**_form(second.text), **marks(answers, pages[1])}
    del old[f"{pages[1][1]}_least"]  # one mark missing: the page comes back with a problem
    refused = http.post(f"/take/{token}/page/1", data=old)
    assert refused.status_code == 400
    fixed = {**_form(refused.text), **marks(answers, pages[1])}
    fixed[f"{pages[1][0]}_most"], fixed[f"{pages[1][0]}_least"] = "c", "a"  # and one block changed
    assert http.post(f"/take/{token}/page/1", data=fixed, follow_redirects=False).status_code == 303
    resent = http.post(f"/take/{token}/page/1", data=old, follow_redirects=False)  # Back, then "resend"
    assert resent.status_code == 200 and 'class="changed" role="status"' in resent.text  # saying why
    assert support.parse(resent.text).action.endswith("/page/1")
    assert Checked.of(resent.text) == {key: value for key, value in fixed.items() if key.endswith(("_most", "_least"))}
    with service(http).sessions() as session:
        stored = {a.question: a.value for a in service(http).load(session, created["invitation_id"]).answers}
    assert stored[pages[1][0]] == "ca" and all(question in stored for question in pages[1])
    # An old form that only answers what is not saved yet is not old: a form the browser restored after
    # "Previous page" with two blocks marked, then answered further, saves all four.
    third = http.get(f"/take/{token}/page/2")
    restored = _form(third.text)
    http.post(f"/take/{token}/page/2", data={**restored, **marks(answers, pages[2][:2]), "go": "back"})
    further = {**restored, **marks(answers, pages[2])}
    assert http.post(f"/take/{token}/page/2", data=further, follow_redirects=False).status_code == 303
    with service(http).sessions() as session:
        stored = {a.question for a in service(http).load(session, created["invitation_id"]).answers}
    assert set(pages[2]) <= stored
    # The same form sent twice (a double click) holds what the first post saved: it goes on as the first did.
    fourth = http.get(f"/take/{token}/page/3")
    form = {**_form(fourth.text), **marks(answers, pages[3])}
    first, again = (http.post(f"/take/{token}/page/3", data=form, follow_redirects=False) for _ in range(2))
    assert first.headers["location"] == again.headers["location"] == f"/take/{token}/page/4"


def test_a_double_click_on_a_page_with_a_problem_shows_the_problem_both_times(http):
    """A review: the second post of a refused page was taken for an old form and lost its error summary."""
    created = invite(http)
    token, page = consent(http, created["test_url"])
    posted = {**_form(page.text), **marks(answers_2(), service(http).pages[0])}
    del posted["b02_least"]
    first, second = (http.post(f"/take/{token}/page/0", data=posted) for _ in range(2))
    assert first.status_code == second.status_code == 400
    assert 'class="error-summary"' in first.text and 'class="error-summary"' in second.text


def test_every_page_has_its_own_address_so_the_browser_s_back_shows_the_page_before(http):
    created = invite(http, language="sv")
    token, _ = consent(http, created["test_url"], "sv")
    pages = service(http).current.pages
    answers = answers_2()
    addresses = []
    for number in range(3):
        saved = http.post(f"/take/{token}/page/{number}", data=marks(answers, pages[number]), follow_redirects=False)
        addresses.append(saved.headers["location"])
    assert addresses == [f"/take/{token}/page/{k}" for k in (1, 2, 3)]
    back = http.get(addresses[1])  # what the browser's Back reloads: page 3 with its marks
    assert "<title>Sida 3 av " in back.text and Checked.of(back.text) == marks(answers, pages[2])
    # A post to a page not reached yet (a forged address) saves nothing and leads to the link.
    later = http.post(f"/take/{token}/page/9", data=marks(answers, pages[9]), follow_redirects=False)
    assert later.headers["location"] == f"/take/{token}"
    with service(http).sessions() as session:
        stored = {a.question for a in service(http).load(session, created["invitation_id"]).answers}
    assert not stored & set(pages[9])
    for number in range(3, len(pages)):
        saved = http.post(f"/take/{token}/page/{number}", data=marks(answers, pages[number]), follow_redirects=False)
    # The thank-you page at its own address: reloading it sends nothing again.
    assert saved.status_code == 303 and saved.headers["location"] == f"/take/{token}/done?lang=sv"
    assert "Tack" in http.get(saved.headers["location"]).text


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_property_whatever_the_way_back_and_forth_the_result_scores_the_last_marks_saved(http, models, data):
    """Rule: going back and forth changes nothing but what the candidate changed; the score is of the last marks."""
    created = invite(http, candidate="walker")
    token, page = consent(http, created["test_url"])
    pages = service(http).current.pages
    answers = answers_2()
    for _ in range(60):
        number = int(support.parse(page.text).action.rsplit("/", 1)[1])
        ids = pages[number]
        for question in ids:  # the candidate may change anything on the page shown
            if question in INSTRUMENT_2.block_ids and data.draw(st.booleans(), label="change"):
                answers[question] = data.draw(st.sampled_from(BLOCK_ANSWERS), label=question)
        back = number > 0 and data.draw(st.booleans(), label="back")
        going = {"go": "back"} if back else {}
        page = http.post(f"/take/{token}/page/{number}", data={**marks(answers, ids), **going})
        assert page.status_code == 200, page.text
        if "Thank you" in page.text:
            break
    else:
        for number in range(len(pages)):  # a long walk: finish it page by page
            page = http.post(f"/take/{token}/page/{number}", data=marks(answers, pages[number]))
        assert "Thank you" in page.text
    status = status_of(http, created["invitation_id"])
    with service(http).sessions() as session:
        assessment = service(http).assessment(service(http).load(session, created["invitation_id"]))
    assert {key: assessment[key] for key in answers} == answers
    assert status["result"] == Screener(models[1], role="complex-case").score(assessment).model_dump(mode="json")


def test_an_invitation_made_before_the_migration_completes_and_scores_on_1_2(tmp_path, models):
    """A row written under revision 0003 (no version column) is 1.2's after 0004, and finishes on 1.2."""
    settings_ = support.settings(tmp_path)
    upgrade(settings_.database_url, "0003_callbacks")
    engine = make_engine(settings_.database_url)
    now = datetime.now(UTC).replace(tzinfo=None)
    owner = next(iter(settings_.api_key_digests))
    invitations = sa.Table("invitations", sa.MetaData(), autoload_with=engine)
    assert "instrument_version" not in invitations.c
    with engine.begin() as connection:
        connection.execute(
            invitations.insert().values(
                id="a" * 32,
                owner=owner,
                candidate_id="old-1",
                role="complex-case",
                language="en",
                source="api",
                status="sent",
                created_at=now,
                expires_at=now + timedelta(days=14),
                page_seconds={},
            )
        )
    engine.dispose()
    with TestClient(create_app(settings_)) as http:  # the app brings the schema to head (0004)
        served = service(http)
        with served.sessions() as session:
            invitation = served.load(session, "a" * 32)
            assert invitation.instrument_version == "1.2"
            link = served.link(invitation)
        old = load_instrument()
        thanks = support.fill_in(http, link, answers_1(old), lang="en")
        assert "Thank you" in thanks
        status = status_of(http, "a" * 32)
        assert status["instrument_version"] == "1.2" and status["status"] == "completed"
        assert status["pages"] == len(served.editions["1.2"].pages)
        with served.sessions() as session:
            assessment = served.assessment(served.load(session, "a" * 32))
        library = Screener(models[0], role="complex-case").score(assessment)
        assert library.model.instrument_version == "1.2"
        assert status["result"] == library.model_dump(mode="json")
        # and a new invitation on the same service is 2.0's
        assert status_of(http, invite(http)["invitation_id"])["instrument_version"] == "2.0"


@pytest.mark.parametrize(
    ("lang", "named", "message"),
    [
        ("en", "Group 2 of 24:", "Choose two different statements"),
        ("nb", "Gruppe 2 av 24:", "Velg to ulike påstander"),
        ("sv", "Grupp 2 av 24:", "Välj två olika påståenden"),
        ("nl", "Groep 2 van 24:", "Kies twee verschillende stellingen"),
    ],
)
def test_most_equal_to_least_is_refused_naming_the_block_in_the_candidates_language(http, lang, named, message):
    created = invite(http, language=lang)
    token, _ = consent(http, created["test_url"], lang)
    posted = marks(answers_2(), service(http).pages[0])
    posted["b02_least"] = posted["b02_most"]
    refused = http.post(f"/take/{token}/page/0", data={**posted, "lang": lang})
    assert refused.status_code == 400
    summary = re.search(r'<div class="error-summary".*?</div>', refused.text, re.S).group(0)
    assert f'<a href="#b02-most-a">{named} {message}' in summary
    assert "#b01" not in summary  # only the block with the problem
    assert 'id="q-b02" class="question block" aria-invalid="true"' in refused.text
    assert status_of(http, created["invitation_id"])["pages_answered"] == 0  # nothing saved


def test_a_block_with_one_mark_missing_is_refused_and_the_marks_given_stay_checked(http):
    created = invite(http)
    token, _ = consent(http, created["test_url"])
    posted = marks(answers_2(), service(http).pages[0])
    del posted["b03_least"]
    refused = http.post(f"/take/{token}/page/0", data={**posted, "lang": "en"})
    assert refused.status_code == 400 and "Group 3 of 24: Choose one statement that is most like you" in refused.text
    assert 'href="#b03-least-a"' in refused.text  # the summary leads to the mark still missing
    checked = Checked.of(refused.text)
    assert checked == {name: value for name, value in posted.items()}  # every mark given is shown again


def test_a_page_refused_for_one_block_keeps_the_blocks_answered_well_for_when_the_candidate_comes_back(http):
    """docs/service.md: progress is saved on every page, also on one shown again for a problem."""
    created = invite(http)
    token, _ = consent(http, created["test_url"])
    posted = marks(answers_2(), service(http).pages[0])
    del posted["b03_least"]
    assert http.post(f"/take/{token}/page/0", data={**posted, "lang": "en"}).status_code == 400
    again = http.get(f"/take/{token}")  # the link opened again later (a new session: nothing but the token)
    assert support.parse(again.text).action.endswith("/page/0")
    assert Checked.of(again.text) == {name: value for name, value in posted.items() if not name.startswith("b03")}
    assert status_of(http, created["invitation_id"])["status"] != "submitted"
    # Posted again with b03 right and b01 wrong: b01's stored answer goes, so the page is not done.
    posted["b03_least"] = "b" if posted["b03_most"] != "b" else "c"
    posted["b01_least"] = posted["b01_most"]
    assert http.post(f"/take/{token}/page/0", data={**posted, "lang": "en"}).status_code == 400
    third = http.get(f"/take/{token}")
    assert support.parse(third.text).action.endswith("/page/0")
    assert not any(name.startswith("b01") for name in Checked.of(third.text))


def test_coming_back_shows_the_saved_marks_and_continues_where_the_candidate_stopped(http):
    created = invite(http)
    token, _ = consent(http, created["test_url"])
    answers = answers_2()
    first = marks(answers, service(http).pages[0])
    assert http.post(f"/take/{token}/page/0", data={**first, "lang": "en"}).status_code == 200
    resumed = http.get(f"/take/{token}")
    assert support.parse(resumed.text).action.endswith("/page/1")  # the next page, not the first again
    # A page whose answers are partly stored (one block's answer lost) is shown with the saved marks checked.
    with service(http).sessions() as session:
        session.execute(
            sa.delete(Answer).where(Answer.invitation_id == created["invitation_id"], Answer.question == "b04")
        )
        session.commit()
    again = http.get(f"/take/{token}")
    assert support.parse(again.text).action.endswith("/page/0")
    expected = {name: value for name, value in first.items() if not name.startswith("b04")}
    assert Checked.of(again.text) == expected


def test_the_block_page_is_accessible_without_javascript(http):
    created = invite(http, language="sv")
    _, page = consent(http, created["test_url"], "sv")
    html = page.text
    assert "<script" not in html.lower() and not re.search(r"\son[a-z]+=", html)
    assert "script-src" not in page.headers["content-security-policy"]
    structure = Structure.of(html)
    # one fieldset per block, each with a legend naming it, and one fieldset (with its legend) per mark inside
    assert structure.legends[:3] == ["Grupp 1 av 24", "Stämmer bäst in på mig", "Stämmer sämst in på mig"]
    assert structure.fieldsets == structure.legends_count == 4 * 3
    # every radio has a label tied to it, and each statement labels one radio of each mark
    assert structure.radios and set(structure.radios) <= structure.labelled
    block = INSTRUMENT_2.blocks[0]
    for statement in block.statements:
        assert html.count(statement.text["sv"]) == 2
    assert "Välj i varje grupp med tre påståenden det som stämmer bäst in på dig" in html  # the instruction
    assert 'type="radio"' in html  # native radios: keyboard and screen reader as usual
    # None is `required`: the server checks the answers, and a browser would announce every one "invalid" first.
    assert not re.search(r"<input[^>]*\srequired", html)
    # Each radio's name says its mark as well as its statement (a screen reader's list of fields shows it alone).
    first = block.statements[0].text["sv"]
    assert f'<span class="visually-hidden">Stämmer bäst in på mig: </span><bdi dir="auto">{first}</bdi>' in html
    assert f'<span class="visually-hidden">Stämmer sämst in på mig: </span><bdi dir="auto">{first}</bdi>' in html
    assert "<title>Sida 1 av " in html


def test_the_check_page_of_2_0_asks_on_the_agreement_scale_with_its_own_stem(http):
    created = invite(http)
    token, _ = consent(http, created["test_url"])
    answers = answers_2()
    for number in (0, 1):
        page = http.post(
            f"/take/{token}/page/{number}", data={**marks(answers, service(http).pages[number]), "lang": "en"}
        )
    assert "How much do you agree or disagree with each statement?" in page.text
    assert set(support.parse(page.text).radios) == {"chk1", "chk2", "vc1", "vc2"}
    assert support.parse(page.text).radios["chk1"] == [str(v) for v in range(1, 7)]


def test_the_consent_page_and_the_instrument_state_2_0s_length(http):
    created = invite(http, language="nl")
    page = http.get("/take/" + support.token_of(created["test_url"]))
    low, high = (max(1, round(m)) for m in INSTRUMENT_2.estimated_minutes_range())
    assert f"{low}-{high} minuten" in page.text and INSTRUMENT_2.length_text() == f"about {low}-{high} minutes"


def test_score_picks_the_version_from_the_answers_and_refuses_a_mix(http):
    one = http.post("/v1/score", json={"candidate_id": "v2", "b01": "ac", "sj1": "b"}, headers=support.AUTH)
    assert one.status_code == 200 and one.json()["model"]["instrument_version"] == "2.0"
    old = http.post("/v1/score", json={"candidate_id": "v1", "tc1": 5, "sj1": "b"}, headers=support.AUTH)
    assert old.status_code == 200 and old.json()["model"]["instrument_version"] == "1.2"
    mixed = http.post("/v1/score", json={"candidate_id": "v3", "tc1": 5, "b01": "ac"}, headers=support.AUTH)
    assert mixed.status_code == 422
    [problem] = mixed.json()["errors"]
    assert (
        "two instrument versions" in problem["reason"] and "'tc1'" in problem["reason"] and "'b01'" in problem["reason"]
    )
    bad = http.post("/v1/score", json={"candidate_id": "v4", "b01": "aa"}, headers=support.AUTH)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "b01"
    # A field of the other version left empty (null, blank) answers nothing: a form template that sends every
    # field is read as the version it answers, at /v1/score and in a batch, as the library and score-one read it.
    for empty in (None, "", "  "):
        template = {"candidate_id": "v5", "b01": "ac", "b02": "ba", "tc1": empty}
        sent = http.post("/v1/score", json=template, headers=support.AUTH)
        assert sent.status_code == 200 and sent.json()["model"]["instrument_version"] == "2.0", sent.text
        library = Screener.load("reference-2.0").score(template)
        assert sent.json()["fit"]["score"] == library.fit.score and sent.json()["profile"] == library.profile
        older = http.post("/v1/score", json={"candidate_id": "v6", "tc1": 5, "b01": empty}, headers=support.AUTH)
        assert older.status_code == 200 and older.json()["model"]["instrument_version"] == "1.2", older.text
        listed = http.post("/v1/score/batch", json={"assessments": [template]}, headers=support.AUTH).json()
        assert listed["summary"]["scored"] == 1
        assert listed["results"][0]["result"]["model"]["instrument_version"] == "2.0"
    batch = http.post(
        "/v1/score/batch",
        json={
            "assessments": [
                {"candidate_id": "r0", "b01": "ba"},
                {"candidate_id": "r1", "tc1": 2},
                {"candidate_id": "r2", "tc1": 2, "b02": "cb"},
            ]
        },
        headers=support.AUTH,
    ).json()
    assert batch["summary"] == {"received": 3, "scored": 2, "rejected": 1}
    versions = [item["result"]["model"]["instrument_version"] for item in batch["results"]]
    assert versions == ["2.0", "1.2"] and batch["problems"][0]["index"] == 2
    assert batch["problems"][0]["pointer"].startswith("#/assessments/2/")


def test_the_instrument_shows_2_0_blocks_without_any_scoring_key(http):
    shown = http.get("/v1/instrument", params={"lang": "nb"}, headers=support.AUTH)
    assert shown.status_code == 200
    body = shown.json()
    assert body["version"] == "2.0" and body["format"] == "forced_choice" and body["versions"] == ["1.2", "2.0"]
    assert [block["id"] for block in body["blocks"]] == list(INSTRUMENT_2.block_ids)
    assert body["block_answers"] == list(BLOCK_ANSWERS)
    assert [s["label"] for s in body["blocks"][0]["statements"]] == ["a", "b", "c"]
    text = shown.text
    for secret in (*INSTRUMENT_2.scale_ids, *INSTRUMENT_2.statement_ids, "reverse", "desirability", "expected"):
        assert secret not in text, secret
    older = http.get("/v1/instrument", params={"version": "1.2"}, headers=support.AUTH).json()
    assert older["version"] == "1.2" and "blocks" not in older and older["items"]
    spec = http.get("/openapi.json").text
    assert not [scale for scale in INSTRUMENT_2.scale_ids if scale in spec]


def test_greenhouse_send_test_invites_on_2_0_and_the_mail_states_its_length(http, inbox):
    handler, _ = inbox
    before = len(handler.messages)
    body = support.send_test_body("complex-case.nb", "ola@example.test")
    sent = http.post("/greenhouse/send_test", json=body, headers=support.GH)
    assert sent.status_code == 200, sent.text
    status = status_of(http, sent.json()["partner_interview_id"])
    assert status["instrument_version"] == "2.0" and status["pages"] == len(INSTRUMENT_2.blocks) // 4 + 2 + 5
    [message] = handler.messages[before:]
    text = message.get_payload(decode=True).decode("utf-8")
    low, high = (max(1, round(m)) for m in INSTRUMENT_2.estimated_minutes_range())
    assert f"{low}-{high} minutter" in text


class Checked(HTMLParser):
    """The checked radios of a page, by name."""

    def __init__(self) -> None:
        super().__init__()
        self.checked: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("type") == "radio" and "checked" in found:
            self.checked[str(found["name"])] = str(found["value"])

    @classmethod
    def of(cls, html: str) -> dict[str, str]:
        parser = cls()
        parser.feed(html)
        return parser.checked


class Structure(HTMLParser):
    """Fieldsets, legend texts, radios and the ids labels point at."""

    def __init__(self) -> None:
        super().__init__()
        self.fieldsets = 0
        self.legends: list[str] = []
        self.legends_count = 0
        self.radios: list[str] = []
        self.labelled: set[str] = set()
        self._legend: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "fieldset":
            self.fieldsets += 1
        elif tag == "legend":
            self.legends_count += 1
            self._legend = []
        elif tag == "input" and found.get("type") == "radio":
            self.radios.append(str(found["id"]))
        elif tag == "label" and found.get("for"):
            self.labelled.add(str(found["for"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "legend" and self._legend is not None:
            self.legends.append(" ".join("".join(self._legend).split()))
            self._legend = None

    def handle_data(self, data: str) -> None:
        if self._legend is not None:
            self._legend.append(data)

    @classmethod
    def of(cls, html: str) -> Structure:
        parser = cls()
        parser.feed(html)
        return parser


MARKS = st.one_of(st.sampled_from(["a", "b", "c", "", "d", "A", " a", "ab", "١"]), st.text(max_size=2))


@settings(max_examples=200, deadline=None)
@given(most=MARKS, least=MARKS)
def test_the_page_saves_a_block_only_as_the_one_rule_reads_its_two_marks(screener_2, most, least):
    """Rule: two marks the page stores are the two-letter answer the schema reads, and nothing else is stored."""
    text, problem = block_answer(most, least)
    saved = None if problem is not None else answer_value(INSTRUMENT_2, "b01", text)
    try:
        read = screener_2.assessment_model.model_validate({"candidate_id": "c1", "b01": most + least}).b01
    except ValidationError:
        read = None
    if saved is not None:
        assert saved == read == most + least and most != least
    if read is not None and most in ("a", "b", "c") and least in ("a", "b", "c"):
        assert saved == read  # what the rule accepts from two single letters, the page accepts too
