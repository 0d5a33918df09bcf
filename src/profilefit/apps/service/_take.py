"""The candidate's test page ``/take/{token}`` and the recruiter's report page ``/reports/{id}``.

Plain HTML forms rendered on the server through the one page environment of
:mod:`profilefit.pages` (autoescape on, strict undefined, the isolation filters), so
the page works without JavaScript and nothing a candidate or an ATS sent reaches the
page unescaped. Every response forbids caching and referrers (the token is in the
address) and carries a Content-Security-Policy allowing only our own style sheet:
the pages' base sheet followed by ``take.css``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError
from starlette.concurrency import run_in_threadpool

from profilefit.apps.service._core import AssessmentService, PageClosed
from profilefit.apps.service._problems import not_found
from profilefit.apps.service._questionnaire import answer_value, block_answer, questions
from profilefit.apps.service._storage import Invitation, utcnow
from profilefit.core.instrument import Instrument
from profilefit.core.screening import ScreeningResult
from profilefit.pages import BASE_STYLE, asset, capped, isolate, render_fragment

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
}
#: The report is self-contained with inline styles and SVG (see profilefit.pages.reports).
REPORT_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
}
log = logging.getLogger("profilefit.service")
#: What a page route does when the invitation it read is gone (erased while the request ran).
_GONE = (PageClosed, StaleDataError, ObjectDeletedError)


def render(
    service: AssessmentService,
    name: str,
    lang: str,
    status: int = 200,
    *,
    here: str = "",
    instrument: Instrument | None = None,
    heading: str = "",
    **context: Any,
) -> HTMLResponse:
    """One candidate page in ``lang``, with the page headers; ``here`` is what the language links point at.

    ``instrument`` gives the title: the invitation's instrument (default the service's current one). The
    browser's title names the page first (``heading``, as "Page 3 of 13 – Customer contact questionnaire"),
    and a page refused for its answers (400) starts with the language's "Error:", so a screen reader user
    hears at once that the same page came back, and why.
    """
    words = service.texts[lang]
    instrument_title = (instrument or service.instrument).title[lang]
    title = f"{heading} – {instrument_title}" if heading else instrument_title
    if status == 400:
        title = f"{words['title_error']}: {title}"
    html = render_fragment(
        f"apps/service/{name}",
        language=lang,
        lang=lang,
        here=here,
        t=words,
        title=title,
        instrument_title=instrument_title,
        heading=heading,
        organisation=service.names(lang)["organisation"],
        help_contact=service.settings.help_contact,
        languages=[(code, service.texts[code]["language_name"]) for code in service.languages],
        **context,
    )
    return HTMLResponse(html, status, headers=PAGE_HEADERS)


def message(
    service: AssessmentService, kind: str, lang: str, status: int, *, here: str = "", reference: str = ""
) -> HTMLResponse:
    """A page of one heading and one paragraph (``thanks``, ``used``, ``expired``, ``invalid``, ``error``, ...)."""
    words = service.texts[lang]
    names = {key: isolate(capped(value)) for key, value in service.names(lang).items()}
    body = words[f"{kind}_body"].format(**names, reference=reference)
    return render(service, "message.html", lang, status, here=here, heading=words[f"{kind}_heading"], body=body)


def page_language(service: AssessmentService, request: Request, posted: Any = None) -> str:
    """The language of an error page: asked for (``?lang=``, the form's ``lang``), the invitation's, or the first.

    Reads the invitation only when the token is genuine, and never fails: an error page must not need the database.
    """
    for wanted in (request.query_params.get("lang"), posted):
        if wanted in service.languages:
            return str(wanted)
    parts = request.url.path.split("/")
    if len(parts) > 2 and parts[1] == "take":
        try:
            read = service.signer.read_invitation_token(parts[2])
            if read is not None:
                with service.sessions() as session:
                    stored = session.scalar(select(Invitation.language).where(Invitation.id == read[0]))
                if stored in service.languages:
                    return str(stored)
        except Exception:  # the database is what failed: the page still comes, in the first language
            pass
    return service.languages[0]


def error_page(service: AssessmentService, request: Request, status: int, posted: Any = None) -> HTMLResponse:
    """The candidate's page for an error of ``status``: never JSON, never a traceback, in their language.

    4xx: "this link does not work" (404, 405, 422) or "something went wrong"; 503 and database
    errors: "briefly unavailable" with ``Retry-After``; other 5xx: "something went wrong". A 5xx
    page, and any other shown as "something went wrong" (413, 429), carries a short reference that its log line
    (ERROR for 5xx, WARNING for 4xx) carries too, so support can find it.
    """
    lang = page_language(service, request, posted)
    if status in (404, 405, 422):
        return message(service, "invalid", lang, status)
    reference = secrets.token_hex(4)
    # Every page that shows a reference has its log line, so support can find it (413 and 429 included).
    level = logging.ERROR if status >= 500 else logging.WARNING
    log.log(level, "%s %s: candidate page error %d, reference %s", request.method, _route(request), status, reference)
    page = message(service, "unavailable" if status == 503 else "error", lang, status, reference=reference)
    if status == 503:
        page.headers["Retry-After"] = "60"
    return page


def guarded(service: AssessmentService, request: Request, posted: Any, work: Callable[[], Response]) -> Response:
    """Run a page route's work; whatever fails, the candidate gets a page in their language.

    An invitation erased meanwhile: "this link does not work" (404). A database error: "briefly
    unavailable" (503). Anything else: "something went wrong" (500). Each is logged with its type,
    the route and a reference (never the token, the answers or the message, which can quote them).
    """
    try:
        return work()
    except _GONE:
        return message(service, "invalid", page_language(service, request, posted), 404)
    except SQLAlchemyError as error:
        log.error("%s %s: database error %s", request.method, _route(request), type(error).__name__)
        return error_page(service, request, 503, posted)
    except Exception as error:
        log.error("%s %s: unexpected %s", request.method, _route(request), type(error).__name__)
        return error_page(service, request, 500, posted)


def _route(request: Request) -> str:
    return str(getattr(request.scope.get("route"), "path", "(no route)"))


def take_router(service: AssessmentService) -> APIRouter:
    """Routes of the candidate page and the report page."""
    router = APIRouter(include_in_schema=False)
    css = asset(BASE_STYLE) + "\n" + asset("apps/service/take.css")
    settings = service.settings

    def page(name: str, lang: str, status: int = 200, *, here: str = "", **context: Any) -> HTMLResponse:
        return render(service, name, lang, status, here=here, **context)

    def said(kind: str, lang: str, status: int, *, here: str = "") -> HTMLResponse:
        return message(service, kind, lang, status, here=here)

    def language(request: Request, invitation: Invitation | None, session: Session | None = None) -> str:
        wanted = request.query_params.get("lang")
        if wanted in service.languages:
            if invitation is not None and session is not None and invitation.language != wanted:
                invitation.language = wanted
                session.commit()
            return str(wanted)
        return invitation.language if invitation is not None else service.languages[0]

    def opened(session: Session, request: Request, token: str) -> Invitation | HTMLResponse:
        """The invitation of a genuine, unexpired, unused token, or the page that says why not."""
        read = service.signer.read_invitation_token(token)
        invitation = service.load(session, read[0]) if read else None
        if read is None or invitation is None:
            return said("invalid", language(request, None), 404)
        if invitation.status == "completed":
            return said("used", language(request, invitation), 410)
        if read[1] or utcnow() >= invitation.expires_at:
            return said("expired", language(request, invitation), 410)
        return invitation

    def consent_page(token: str, invitation: Invitation, lang: str, error: str | None = None) -> HTMLResponse:
        words = service.texts[lang]
        instrument = service.edition(invitation).instrument
        low, high = (max(1, round(m)) for m in instrument.estimated_minutes_range())
        fill = {
            **{key: isolate(capped(value)) for key, value in service.names(lang).items()},
            "days": f"{settings.retention_days:g}",
            "minutes": f"{low}-{high}",
        }
        notice = [
            words[key].format(**fill)
            for key in (
                "notice_controller",
                "notice_purpose",
                "notice_data",
                "notice_recipients",
                "notice_decision",
                "notice_retention",
                "notice_rights",
            )
        ]
        return page(
            "consent.html",
            lang,
            400 if error else 200,
            here=f"/take/{token}",
            instrument=instrument,
            heading=words["intro_heading"],
            intro=words["intro"].format(**fill),
            notice=notice,
            action=f"/take/{token}/consent",
            error=error,
        )

    def question_page(
        token: str,
        invitation: Invitation,
        number: int,
        lang: str,
        problems: dict[str, str] | None = None,
        posted: dict[str, str] | None = None,
        *,
        notice: str = "",
    ) -> HTMLResponse:
        """Page ``number`` of the invitation's questions, its language links at the page's own address.

        The form carries a digest of the answers saved when it was made (``saved``), so that a form resent
        after newer answers were saved is told apart (:func:`_stale`).
        """
        words = service.texts[lang]
        edition = service.edition(invitation)
        pages = edition.pages
        ids = pages[number]
        shown = questions(edition.instrument, ids, lang)
        answers = {answer.question: answer.value for answer in invitation.answers}
        answers.update({key: value for key, value in (posted or {}).items() if key in ids})  # what was just chosen
        # A block's marks, saved ("ac") or just posted (b01_most=a, b01_least=c), as (most, least).
        marks: dict[str, tuple[str, str]] = {}
        for question in shown:
            if question.kind == "block":
                saved = answers.get(question.id, "")
                most, least = (saved[0], saved[1]) if len(saved) == 2 else ("", "")
                if posted is not None:
                    most = posted.get(f"{question.id}_most", "")
                    least = posted.get(f"{question.id}_least", "")
                marks[question.id] = (most, least)
        kinds = {question.kind for question in shown}
        if "block" in kinds:
            instruction = words["block_instruction"]
        elif "choice" in kinds:
            instruction = words["scenario_instruction"]
        elif edition.instrument.blocks:
            instruction = words["checks_instruction"]  # 2.0's agreement stem (docs/instrument.md, T-01)
        else:
            instruction = words["items_instruction"]
        last = number == len(pages) - 1
        # Blocks are numbered by their place among the blocks; other questions count on among themselves.
        others = [
            question_id for page in pages for question_id in page if question_id not in edition.instrument.block_ids
        ]
        numbers = {
            question.id: int(question.text) if question.kind == "block" else others.index(question.id) + 1
            for question in shown
        }
        labels = {
            question.id: words["block_legend"].format(
                number=numbers[question.id], blocks=len(edition.instrument.blocks)
            )
            if question.kind == "block"
            else f"{numbers[question.id]}."
            for question in shown
        }
        return page(
            "page.html",
            lang,
            400 if problems else 200,
            here=f"/take/{token}/page/{number}",
            instrument=edition.instrument,
            heading=words["progress"].format(page=number + 1, pages=len(pages)),
            progress=words["progress"].format(page=number + 1, pages=len(pages)),
            number=number + 1,
            pages=len(pages),
            questions=shown,
            # The name each question has on the page, which the error summary repeats.
            labels=labels,
            answers=answers,
            marks=marks,
            problems=problems or {},
            instruction=instruction,
            action=f"/take/{token}/page/{number}",
            button=words["finish" if last else "continue"],
            # Every page but the first can go back one; what was marked on this page is kept.
            back=words["back"] if number > 0 else None,
            saved=_saved_digest(invitation, ids),
            notice=notice,
            # Until when the link works: the date the invitation e-mail gives (UTC).
            saved_note=words["saved_note"].format(expires=invitation.expires_at.strftime("%Y-%m-%d")),
        )

    @router.get("/static/take.css")
    def style() -> Response:
        return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})

    @router.get("/take/{token}")
    def take(token: str, request: Request) -> Response:
        return guarded(service, request, None, lambda: show(token, request))

    @router.head("/take/{token}")
    def take_head(token: str, request: Request) -> Response:
        """The link's status without its page, and without starting a page's clock (mail scanners check links so)."""

        def work() -> Response:
            with service.sessions() as session:
                invitation = opened(session, request, token)
                if isinstance(invitation, Response):
                    return Response(status_code=invitation.status_code, headers=PAGE_HEADERS)
                return Response(status_code=200, headers=PAGE_HEADERS, media_type="text/html")

        return guarded(service, request, None, work)

    def show(token: str, request: Request) -> Response:
        with service.sessions() as session:
            invitation = opened(session, request, token)
            if isinstance(invitation, Response):
                return invitation
            lang = language(request, invitation, session)
            if invitation.consented_at is None:
                return consent_page(token, invitation, lang)
            number = service.next_page(invitation)
            pages = len(service.edition(invitation).pages)
            service.open_page(session, invitation)
            if number >= pages:
                # Every page answered but not sent (the candidate went back from the last page, or finishing
                # failed): the last page with its marks, so that the candidate is the one who sends.
                return question_page(token, invitation, pages - 1, lang)
            return question_page(token, invitation, number, lang)

    @router.post("/take/{token}/consent")
    async def consent(token: str, request: Request) -> Response:
        form = await request.form()
        posted = {key: value for key, value in form.items() if isinstance(value, str)}
        # Database work runs in the thread pool, so a slow database never holds the event loop.
        return await run_in_threadpool(
            guarded, service, request, posted.get("lang"), lambda: give_consent(token, request, posted)
        )

    def give_consent(token: str, request: Request, posted: dict[str, str]) -> Response:
        with service.sessions() as session:
            invitation = opened(session, request, token)
            if isinstance(invitation, Response):
                return invitation
            lang = _posted_language(service, posted.get("lang"), invitation)
            if posted.get("consent") != "yes":
                return consent_page(token, invitation, lang, service.texts[lang]["consent_required"])
            if invitation.consented_at is None:
                invitation.consented_at = utcnow()
                invitation.status = "started"
            invitation.language = lang
            session.commit()
        return RedirectResponse(f"/take/{token}", 303, headers=PAGE_HEADERS)

    @router.post("/take/{token}/page/{number}")
    async def answer(token: str, number: str, request: Request, background: BackgroundTasks) -> Response:
        posted = _answers(await request.form())
        return await run_in_threadpool(
            guarded,
            service,
            request,
            posted.get("lang"),
            lambda: save_answers(token, number, request, background, posted),
        )

    def save_answers(
        token: str, number_text: str, request: Request, background: BackgroundTasks, posted: dict[str, str]
    ) -> Response:
        number = int(number_text) if number_text.isascii() and number_text.isdigit() and len(number_text) < 6 else -1
        with service.sessions() as session:
            invitation = opened(session, request, token)
            if isinstance(invitation, Response):
                return thanks_again(session, request, token, posted) or invitation
            lang = _posted_language(service, posted.get("lang"), invitation)
            invitation.language = lang  # the page's language: its problems are told in it (save_page's words)
            edition = service.edition(invitation)
            pages = len(edition.pages)
            # Only a page the candidate has reached takes answers: a post to a later one saves nothing.
            if invitation.consented_at is None or not 0 <= number <= min(service.next_page(invitation), pages - 1):
                return RedirectResponse(f"/take/{token}", 303, headers=PAGE_HEADERS)
            if _stale(edition.instrument, edition.pages[number], invitation, posted):
                # A form made before answers saved since (the browser's Back to a page that came back with a
                # problem, then resent; another tab) would overwrite or take away the newer answers: nothing is
                # saved, and the page is shown as it stands, saying why.
                service.open_page(session, invitation)
                return question_page(token, invitation, number, lang, notice=service.texts[lang]["stale_notice"])
            try:
                problems = service.save_page(session, invitation, number, posted)
            except PageClosed as closed:
                # Submitted by the same candidate's other click: the thank-you page. Erased: the link is dead.
                if closed.completed:
                    return RedirectResponse(f"/take/{token}/done?lang={lang}", 303, headers=PAGE_HEADERS)
                return said("invalid", lang, 404)
            following = service.next_page(invitation)
            if posted.get("go") == "back" and number > 0:
                # Back one page: what was marked well here is kept (a missing mark is not a problem yet), and
                # this page is shown again, marks checked, when the candidate comes forward to it.
                return RedirectResponse(f"/take/{token}/page/{number - 1}", 303, headers=PAGE_HEADERS)
            if problems:
                return question_page(token, invitation, number, lang, problems, posted)
            if number + 1 < pages:
                # Each page at its own address, so that the browser's Back shows the page before (with its marks).
                return RedirectResponse(f"/take/{token}/page/{number + 1}", 303, headers=PAGE_HEADERS)
            if following < pages:  # the last page saved while an earlier one is unanswered: that one
                return RedirectResponse(f"/take/{token}", 303, headers=PAGE_HEADERS)
            return finish(session, token, invitation, lang, background)

    def thanks_again(session: Session, request: Request, token: str, posted: dict[str, str]) -> Response | None:
        """The thank-you page for a page posted again after the link was used (a double click on "Finish")."""
        read = service.signer.read_invitation_token(token)
        if read is None or service.state(session, read[0]) != "completed":
            return None
        invitation = service.load(session, read[0])
        assert invitation is not None
        lang = _posted_language(service, posted.get("lang"), invitation)
        return RedirectResponse(f"/take/{token}/done?lang={lang}", 303, headers=PAGE_HEADERS)

    def finish(
        session: Session, token: str, invitation: Invitation, lang: str, background: BackgroundTasks
    ) -> Response:
        if service.submit(session, invitation) is None:  # another submission of the same link was first
            if service.state(session, invitation.id) is None:
                return said("invalid", lang, 404)  # erased meanwhile
        else:
            background.add_task(service.notify, invitation)
        # The thank-you page at its own address: reloading it, or coming back to it, sends nothing again.
        return RedirectResponse(f"/take/{token}/done?lang={lang}", 303, headers=PAGE_HEADERS)

    @router.get("/take/{token}/done")
    def done(token: str, request: Request) -> Response:
        """The thank-you page again, in the language picked by its links; any other state goes to the link."""

        def work() -> Response:
            read = service.signer.read_invitation_token(token)
            with service.sessions() as session:
                invitation = service.load(session, read[0]) if read else None
                if invitation is None or invitation.status != "completed":
                    return RedirectResponse(_again(token, request), 303, headers=PAGE_HEADERS)
                return said("thanks", language(request, invitation), 200, here=f"/take/{token}/done")

        return guarded(service, request, None, work)

    @router.get("/take/{token}/consent")
    def back_to_the_link(token: str, request: Request) -> Response:
        """A form's address opened as a link (a language link on a page answered after a post, a reload): the link."""
        return RedirectResponse(_again(token, request), 303, headers=PAGE_HEADERS)

    @router.get("/take/{token}/page/{number}")
    def earlier_page(token: str, number: str, request: Request) -> Response:
        """A page the candidate has reached (gone back to, or a reload of one), its saved marks checked.

        Any other page number (one not reached yet, or not a number) leads back to the link, which shows the
        first unanswered page: a candidate can go back, never skip ahead.
        """

        def work() -> Response:
            wanted = int(number) if number.isascii() and number.isdigit() and len(number) < 6 else -1
            with service.sessions() as session:
                invitation = opened(session, request, token)
                if isinstance(invitation, Response):
                    return invitation
                reached = min(service.next_page(invitation), len(service.edition(invitation).pages) - 1)
                if invitation.consented_at is None or not 0 <= wanted <= reached:
                    return RedirectResponse(_again(token, request), 303, headers=PAGE_HEADERS)
                lang = language(request, invitation, session)
                service.open_page(session, invitation)
                return question_page(token, invitation, wanted, lang)

        return guarded(service, request, None, work)

    @router.get("/reports/{invitation_id}")
    def report(invitation_id: str, sig: str = "", lang: str = "en") -> Response:
        from profilefit.pages.reports import html_report, report_languages

        # A forged signature and a report that does not exist (yet) answer alike, as problem details like every
        # other error under /reports/ (429, 422): neither says whether the invitation exists.
        if not service.signer.check_report_signature(invitation_id, sig):
            raise not_found("report")
        with service.sessions() as session:
            invitation = service.load(session, invitation_id)
            if invitation is None or not invitation.results:
                raise not_found("report")
            result = ScreeningResult.model_validate_json(invitation.results[-1].result_json)
            instrument = service.edition(invitation).instrument
        language = lang if lang in report_languages() else "en"
        page = html_report(result, language=language, instrument=instrument)
        return HTMLResponse(page, headers=REPORT_HEADERS)

    return router


def _again(token: str, request: Request) -> str:
    """The candidate's link, keeping a language asked for (a code, so nothing else can ride along)."""
    wanted = request.query_params.get("lang", "")
    suffix = f"?lang={wanted}" if wanted.isascii() and wanted.isalpha() and len(wanted) <= 3 else ""
    return f"/take/{quote(token, safe='~.-_')}{suffix}"


def _answers(form: Any) -> dict[str, str]:
    """A page's posted fields; a question posted twice holds both answers, which no question allows.

    A browser sends one value per radio group. Two (``tc1=1&tc1=6``) are refused, as a repeated key is
    at every door, rather than read as the last one, which is what a form's mapping would give.
    """
    values: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(key, []).append(value)
    return {key: ",".join(texts) for key, texts in values.items()}


def _saved_digest(invitation: Invitation, ids: Sequence[str]) -> str:
    """A short digest of the page's answers as saved: what the page's form was made with."""
    page = set(ids)
    saved = sorted((answer.question, answer.value) for answer in invitation.answers if answer.question in page)
    return hashlib.sha256(json.dumps(saved).encode()).hexdigest()[:16]


def _stale(instrument: Instrument, ids: Sequence[str], invitation: Invitation, posted: dict[str, str]) -> bool:
    """Whether a page's post comes from a form made before the page's answers were saved anew, and would change them.

    Stale when it would change an answer saved since, or take one away; one that only answers what is not saved
    yet is not (a form the browser restored after "Previous page", answered further).

    A form posted twice (a double click) holds what the first post saved, and goes on; one resent after the
    candidate answered the page anew (the browser's Back to a page that came back with a problem, and "resend";
    a second tab) would put old answers back, or take newer ones away: it is stale. Answers saved on other pages
    meanwhile do not make a page's form stale. A post without the digest (a client of its own) is never stale.
    """
    made_with = posted.get("saved")
    if not made_with or made_with == _saved_digest(invitation, ids):
        return False
    stored = {answer.question: answer.value for answer in invitation.answers}
    for question_id in ids:
        if question_id in instrument.block_ids:
            text, problem = block_answer(posted.get(f"{question_id}_most", ""), posted.get(f"{question_id}_least", ""))
            sent = None if problem is not None else text
        else:
            sent = posted.get(question_id)
        saved = stored.get(question_id)
        if saved is not None and (sent is None or answer_value(instrument, question_id, sent) is None or saved != sent):
            return True
    return False


def _posted_language(service: AssessmentService, posted: Any, invitation: Invitation) -> str:
    return str(posted) if posted in service.languages else invitation.language
