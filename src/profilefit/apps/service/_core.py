"""The service's own work, behind every door: invite, save a page, submit, report the status.

The HTTP API, the candidate page and the Greenhouse adapter all call these methods,
so a candidate is invited, scored and stored by one rule whichever ATS asked. Scoring
is :meth:`Screener.score <profilefit.core.screening.Screener.score>`, unchanged.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, selectinload

from profilefit.apps.service._callbacks import CallbackSender, Clock
from profilefit.apps.service._idempotency import IdempotencyKeys
from profilefit.apps.service._limits import MailQuota
from profilefit.apps.service._outbound import send_mail
from profilefit.apps.service._questionnaire import answer_value, block_answer, page_ids
from profilefit.apps.service._security import Signer
from profilefit.apps.service._settings import DEFAULT_ORGANISATION, DEFAULT_PRIVACY_CONTACT, Settings
from profilefit.apps.service._storage import (
    Answer,
    Erasure,
    Invitation,
    StoredResult,
    erase_candidate,
    erasure_key,
    make_engine,
    scrub,
    sessions,
    utcnow,
)
from profilefit.core.artifact import ModelArtifact, load_artifact
from profilefit.core.decisions import DecisionLog
from profilefit.core.fit import builtin_roles, load_role
from profilefit.core.instrument import Instrument
from profilefit.core.rows import field_named
from profilefit.core.screening import Screener, ScreeningResult
from profilefit.exceptions import InvitationError
from profilefit.pages import catalogue, domain_file, isolate

#: Longest time one page can add to ``completion_seconds``: a page left open overnight counts this much.
MAX_PAGE_SECONDS = 1800.0


class PageClosed(Exception):
    """The invitation was submitted (``completed``) or erased while a page of it was being saved."""

    def __init__(self, *, completed: bool) -> None:
        super().__init__("completed" if completed else "erased")
        self.completed = completed


@dataclass(frozen=True)
class NewInvitation:
    """A created invitation: its id, the candidate's link and when the link expires."""

    invitation: Invitation
    link: str


#: The candidate-facing texts' strings domain in the page catalogue (``service/data/strings.json``).
DOMAIN = "profilefit.apps.service"


def texts() -> dict[str, dict[str, str]]:
    """The candidate-facing texts (page, privacy notice, e-mail) by language, from the page catalogue."""
    return {language: catalogue(language).strings(DOMAIN) for language in domain_file(DOMAIN)["languages"]}


#: The role id of a result without role fit (for a model on an organisation's own instrument).
NO_ROLE = "none"

#: The instrument version recorded for invitations made before versions were recorded (migration 0004).
FIRST_VERSION = "1.2"


def reference_models() -> tuple[ModelArtifact, ...]:
    """The shipped reference models the service serves by default: instrument 1.2's, then 2.0's.

    2.0's (``models/reference-2``) is the one new invitations use; 1.2's finishes and scores
    the invitations made with it.
    """
    return load_artifact("reference-1.2"), load_artifact("reference-2.0")


class Edition:
    """One instrument version the service serves: its model, its instrument, its pages and its screeners.

    Screeners are built once per role and shared (Screener is thread-safe).
    """

    def __init__(self, artifact: ModelArtifact, decision_log: DecisionLog | None) -> None:
        self.artifact = artifact
        self.decision_log = decision_log
        self._lock = threading.Lock()
        self._screeners: dict[str, Screener] = {NO_ROLE: Screener(artifact, role=None, decision_log=decision_log)}
        self.instrument: Instrument = self._screeners[NO_ROLE].instrument
        self.version: str = self.instrument.version
        self.pages: list[list[str]] = page_ids(self.instrument)

    def screener_for(self, role: str) -> Screener:
        """The screener of one role; ``"none"``: no fit."""
        with self._lock:
            if role not in self._screeners:
                self._screeners[role] = Screener(self.artifact, role=role, decision_log=self.decision_log)
            return self._screeners[role]

    def own_ids(self, others: list[Edition]) -> set[str]:
        """Answer ids only this version has (its items or its blocks): a body holding one is this version's."""
        instrument = self.instrument
        mine = {*instrument.item_ids, *instrument.block_ids, *instrument.scenario_ids, *instrument.check_ids}
        for other in others:
            theirs = other.instrument
            mine -= {*theirs.item_ids, *theirs.block_ids, *theirs.scenario_ids, *theirs.check_ids}
        return mine


class AssessmentService:
    """The instrument versions served (their models and screeners), the database, the signer and the channels.

    By default the service serves both shipped reference models: instrument 2.0's for new
    invitations and 1.2's for the invitations made before 2.0 (each invitation records the
    version it was made with). A model given as ``artifact`` or ``settings.model_path`` (an
    organisation's own) is the one version served, as before.

    Parameters
    ----------
    settings : Settings
    artifact : ModelArtifact, optional
        The one model; by default ``settings.model_path``, or the two reference models when that is unset.
    clock : callable, optional
        Now, as an aware datetime, for the callback sender (tests drive it; default the system's).
    """

    def __init__(
        self, settings: Settings, artifact: ModelArtifact | None = None, *, clock: Clock | None = None
    ) -> None:
        self.settings = settings
        if artifact is not None:
            artifacts: tuple[ModelArtifact, ...] = (artifact,)
        elif settings.model_path:
            artifacts = (load_artifact(settings.model_path),)
        else:
            artifacts = reference_models()
        # One decision log object for every screener: one lock and one pseudonym key per process.
        self.decision_log = DecisionLog(settings.decision_log) if settings.decision_log else None
        editions = [Edition(model, self.decision_log) for model in artifacts]
        #: The versions served, by instrument version; the last is the one new invitations get.
        self.editions: dict[str, Edition] = {edition.version: edition for edition in editions}
        # Each version with the answer ids only it has, once: edition_for_answers reads them on every score.
        self._own_ids = [
            (edition, edition.own_ids([other for other in editions if other is not edition])) for edition in editions
        ]
        self.current: Edition = editions[-1]
        self.artifact = self.current.artifact
        self.instrument: Instrument = self.current.instrument
        self.default_role = settings.role or NO_ROLE
        if self.default_role not in self.roles:
            raise ValueError(
                f"role {settings.role!r} does not fit this model's instrument {self.instrument.id!r} "
                f"(its scales: {', '.join(self.instrument.scale_ids)}); give a role file for it, or 'none'"
            )
        self.screener = self.screener_for(self.default_role)
        self.signer = Signer(settings.secret_key)
        self.erasure_key = erasure_key(settings.secret_key)
        self.engine = make_engine(settings.database_url)
        self.sessions = sessions(self.engine)
        self.callbacks = CallbackSender(self.sessions, settings, clock=clock)
        self.idempotency = IdempotencyKeys(self.sessions, settings.secret_key, settings.idempotency_hours, clock=clock)
        self.mail_quota = MailQuota(self.sessions, settings.emails_per_hour, clock=clock)
        self.pages = self.current.pages
        self.texts = texts()

    @cached_property
    def roles(self) -> tuple[str, ...]:
        """Roles candidates can be invited for: the configured one, then the built-in roles that fit the model.

        ``"none"`` (:data:`NO_ROLE`) means a result without role fit.
        """
        fitting = [NO_ROLE]
        for role_id in (self.settings.role, *builtin_roles()):
            if role_id is None or role_id == NO_ROLE:
                continue
            role = load_role(role_id)
            # A role is offered only when it fits every version served: an old invitation finishes with it too.
            if all(
                set(role.scales) <= set(edition.instrument.scale_ids)
                and set(edition.screener_for(NO_ROLE).profile_ids) <= set(role.profiles)
                for edition in self.editions.values()
            ):
                fitting.append(role_id)
        first = [self.settings.role or NO_ROLE] if (self.settings.role or NO_ROLE) in fitting else []
        return tuple(dict.fromkeys(first + fitting))

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages of the instrument that the candidate page also speaks."""
        return tuple(lang for lang in self.instrument.languages if lang in self.texts)

    def names(self, lang: str) -> dict[str, str]:
        """The organisation and the privacy contact as a candidate reads them in ``lang``.

        The settings as given; where left at their defaults (no ``PROFILEFIT_ORGANISATION`` or
        ``PROFILEFIT_PRIVACY_CONTACT``), the language's own words for them, so that a Norwegian page does not
        name "the employer" in English. ``Organisation`` is the form that starts a sentence (the default
        capitalised; a set name as it is). Not escaped or isolated: each caller does that for its medium.
        """
        words, settings = self.texts[lang], self.settings
        default = settings.organisation == DEFAULT_ORGANISATION
        organisation = words["default_organisation"] if default else settings.organisation
        contact = settings.privacy_contact
        if contact == DEFAULT_PRIVACY_CONTACT:
            contact = words["default_contact"]
        start = organisation[:1].upper() + organisation[1:] if default else organisation
        return {"organisation": organisation, "Organisation": start, "contact": contact}

    def screener_for(self, role: str, version: str | None = None) -> Screener:
        """The screener of one role (built once, shared) for an instrument version (default: the current one)."""
        return (self.current if version is None else self.editions[version]).screener_for(role)

    def edition(self, invitation: Invitation) -> Edition:
        """The instrument version an invitation was made with, which completes and scores it.

        An invitation recorded as a version the service no longer serves (a row from before
        migration 0004 on a service that serves an organisation's own model) belongs to the
        one model that service has always served.
        """
        found = self.editions.get(invitation.instrument_version or FIRST_VERSION)
        if found is not None:
            return found
        if len(self.editions) == 1:
            return self.current
        raise InvitationError(
            "instrument_version",
            f"invitation made with instrument {invitation.instrument_version}; "
            f"this service serves {', '.join(self.editions)}",
        )

    def edition_for_answers(self, answers: Iterable[str]) -> Edition:
        """The version an assessment belongs to, from its keys: the one whose own questions (items, blocks) it has.

        A key names a question by the library's one rule (:func:`~profilefit.core.rows.field_named`: without
        surrounding spaces or regard to case), so ``TC1`` is 1.2's ``tc1`` here as in ``Screener.score``.
        Answers with no question of one version only (no items and no blocks) are the current version's.

        Raises
        ------
        InvitationError
            When the answers hold questions of two versions, naming one of each as it was sent.
        """
        keys = list(answers)
        found: dict[str, str] = {}
        for edition, own in self._own_ids:
            hit = next((key for key in keys if field_named(edition.instrument, key) in own), None)
            if hit is not None:
                found[edition.version] = hit
        if len(found) > 1:
            named = "; ".join(f"{key!r} is a question of version {version}" for version, key in found.items())
            raise InvitationError(
                next(iter(found.values())),
                f"answers of two instrument versions in one assessment ({named}); "
                "send each assessment with the questions of one version only",
            )
        return self.editions[next(iter(found))] if found else self.current

    # ---- invitations -------------------------------------------------------------

    def new_invitation(
        self,
        *,
        owner: str,
        candidate_id: str,
        role: str | None = None,
        language: str = "en",
        email: str | None = None,
        callback_url: str | None = None,
        source: str = "api",
        invitation_id: str | None = None,
    ) -> NewInvitation:
        """An invitation and its signed, expiring link, not stored yet; ``owner`` is the digest of the caller's API key.

        The caller adds it to a session and commits (with the idempotency key's answer, :mod:`._idempotency`),
        after e-mailing the link if it does: an e-mail that fails leaves nothing to remove. ``invitation_id``
        is the id reserved with the request's idempotency key (by default a new one), so a request and a retry
        that took its key over make, and link to, the same invitation.

        Raises
        ------
        InvitationError
            For a role or language the service does not offer.
        """
        role = role or self.default_role
        if role not in self.roles:
            raise InvitationError("role", f"allowed: one of {', '.join(self.roles)}")
        if language not in self.languages:
            raise InvitationError("language", f"allowed: one of {', '.join(self.languages)}")
        now = utcnow()
        invitation = Invitation(
            id=invitation_id or secrets.token_hex(16),
            owner=owner,
            candidate_id=candidate_id,
            role=role,
            language=language,
            instrument_version=self.current.version,
            source=source,
            email=email,
            callback_url=callback_url,
            status="sent",
            created_at=now,
            expires_at=now + timedelta(days=self.settings.invitation_days),
            page_seconds={},
        )
        return NewInvitation(invitation, self.link(invitation))

    def link(self, invitation: Invitation) -> str:
        """The candidate's link to the test page."""
        token = self.signer.invitation_token(invitation.id, invitation.expires_at.timestamp())
        return f"{self.settings.public_url.rstrip('/')}/take/{token}"

    def report_url(self, invitation_id: str, language: str = "en") -> str:
        """The signed link to a completed candidate's HTML report."""
        signature = self.signer.report_signature(invitation_id)
        return f"{self.settings.public_url.rstrip('/')}/reports/{invitation_id}?sig={signature}&lang={language}"

    def email_invitation(self, invitation: Invitation, link: str, address: str | None = None) -> None:
        """E-mail the candidate their link, in their language, to ``address`` (default: the invitation's).

        Raises
        ------
        profilefit.apps.service._outbound.MailError
            When no SMTP server is configured or it refuses the message.
        """
        from profilefit.exceptions import MailError

        address = address or invitation.email
        if self.settings.smtp is None or not address:
            raise MailError("no SMTP server configured" if self.settings.smtp is None else "no e-mail address")
        words = self.texts[invitation.language]
        low, high = (max(1, round(m)) for m in self.edition(invitation).instrument.estimated_minutes_range())
        names = {key: isolate(value) for key, value in self.names(invitation.language).items()}
        body = words["mail_body"].format(
            organisation=names["organisation"],
            Organisation=names["Organisation"],
            link=link,
            minutes=f"{low}-{high}",
            expires=invitation.expires_at.strftime("%Y-%m-%d"),
        )
        if self.settings.help_contact:  # where to ask, as at the foot of every page
            body += "\n" + words["help_line"] + " " + isolate(self.settings.help_contact) + "\n"
        subject = words["mail_subject"].format(organisation=names["organisation"], Organisation=names["Organisation"])
        send_mail(self.settings.smtp, to=address, subject=subject, body=body)

    def load(self, session: Session, invitation_id: str, *, owner: str | None = None) -> Invitation | None:
        """An invitation with its answers and results, or ``None``; with ``owner``, only if that key made it."""
        statement = (
            select(Invitation)
            .where(Invitation.id == invitation_id)
            .options(selectinload(Invitation.answers), selectinload(Invitation.results))
        )
        if owner is not None:
            statement = statement.where(Invitation.owner == owner)
        return session.scalars(statement).first()

    def list_invitations(
        self, owner: str, *, limit: int, cursor: str | None = None, candidate_id: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of ``owner``'s invitations, as :meth:`status` gives each, oldest first; and the next page's cursor.

        Only the invitations ``owner`` (an API key's digest) made are read: no other key's ever reach a page,
        whatever the cursor holds. The order is by creation time, then id, and a cursor is the place after
        the page's last invitation, signed for ``owner`` (:func:`invitation_cursor`), so a page never repeats or
        skips one that was there when paging began; one made in the second of a page's last invitation, while
        paging, may fall before the cursor. ``candidate_id`` keeps only that candidate's invitations. The next cursor is
        ``None`` after the last page.

        Raises
        ------
        ValueError
            For a cursor that is not one this method gave ``owner``.
        """
        statement = (
            select(Invitation)
            .where(Invitation.owner == owner)
            .order_by(Invitation.created_at, Invitation.id)
            .limit(limit + 1)  # one more than asked tells whether a next page exists
            .options(selectinload(Invitation.answers), selectinload(Invitation.results))
        )
        if candidate_id is not None:
            statement = statement.where(Invitation.candidate_id == candidate_id)
        if cursor is not None:
            after, after_id = read_invitation_cursor(self.signer, owner, cursor)
            statement = statement.where(
                or_(Invitation.created_at > after, and_(Invitation.created_at == after, Invitation.id > after_id))
            )
        with self.sessions() as session:
            found = list(session.scalars(statement))
            page = [self.status(invitation) for invitation in found[:limit]]
            following = invitation_cursor(self.signer, owner, found[limit - 1]) if len(found) > limit else None
        return page, following

    # ---- erasure --------------------------------------------------------------------

    def erase(self, candidate_id: str, *, owner: str | None) -> tuple[Erasure, int]:
        """Erase a candidate everywhere the service keeps them; the record and the decision-log lines removed.

        The database rows go first (:func:`erase_candidate`, the record keyed by :attr:`erasure_key`),
        then the candidate's decision-log lines, then SQLite's write-ahead log is emptied
        (:func:`scrub`). With ``owner`` (an API key's digest) only the lines that key's requests wrote
        go (every line the service writes names its key's pseudonym, :meth:`DecisionLog.written_for`),
        so that one organisation cannot erase another's records; lines that name no key (written before
        lines were attributed) stay for the operator's erasure or the log's retention period. Without ``owner`` (the
        operator's erasure), every line of the id. Without a decision log, 0.
        """
        with self.sessions() as session:
            record = erase_candidate(session, candidate_id, owner=owner, key=self.erasure_key)
        lines = 0
        if self.decision_log is not None:
            lines = self.decision_log.erase(candidate_id, reason="erasure request (GDPR Art. 17)", writer=owner)
        scrub(self.engine)
        return record, lines

    # ---- the candidate's answers --------------------------------------------------

    def next_page(self, invitation: Invitation) -> int:
        """The first page with an unanswered question (``len(pages)`` when all are answered)."""
        answered = {answer.question for answer in invitation.answers}
        pages = self.edition(invitation).pages
        for number, ids in enumerate(pages):
            if not set(ids) <= answered:
                return number
        return len(pages)

    def open_page(self, session: Session, invitation: Invitation) -> None:
        """Start the clock of the page being shown, unless it already runs."""
        if invitation.page_opened_at is None:
            invitation.page_opened_at = utcnow()
            session.commit()

    def save_page(
        self, session: Session, invitation: Invitation, number: int, posted: dict[str, str]
    ) -> dict[str, str]:
        """Check and store the answers of one page; return the problems by question id (empty when saved).

        Every question on the page must be answered with an allowed value; when some are not, the
        others are stored all the same (a candidate who leaves and comes back finds them), and the page
        is not done. A forced-choice
        block is posted as two fields, ``ID_most`` and ``ID_least`` (a letter each, see
        :func:`~profilefit.apps.service._questionnaire.block_answer`): both must be marked and
        differ, and the block is stored as its two-letter answer, most then least. The page's
        time (since it was shown, at most :data:`MAX_PAGE_SECONDS`) is added to the
        invitation's ``page_seconds``.

        Saving is idempotent and serialised per invitation: the invitation's row is locked
        first (a write that changes nothing), then its answers are read again and updated
        in place, so the same page posted twice at once (a double click) stores the same
        answers once, and an erasure waits for the save or the save for the erasure.

        Raises
        ------
        PageClosed
            When the invitation was submitted or erased since it was read.
        """
        words = self.texts[invitation.language]
        instrument = self.edition(invitation).instrument
        blocks = set(instrument.block_ids)
        values: dict[str, str] = {}
        problems: dict[str, str] = {}
        for question_id in self.edition(invitation).pages[number]:
            if question_id in blocks:
                text, problem = block_answer(
                    posted.get(f"{question_id}_most", ""), posted.get(f"{question_id}_least", "")
                )
                if problem is not None:
                    problems[question_id] = words[problem]
                    continue
            else:
                text = posted.get(question_id, "")
            if answer_value(instrument, question_id, text) is None:
                problems[question_id] = words["error_missing"] if not text else words["error_invalid"]
            else:
                values[question_id] = text
        if not values and problems:
            return problems
        self._lock_open(session, invitation)
        now = utcnow()
        existing = {answer.question: answer for answer in invitation.answers}
        for question_id, text in values.items():
            if question_id in existing:
                existing[question_id].value, existing[question_id].answered_at = text, now
            else:
                invitation.answers.append(Answer(question=question_id, value=text, answered_at=now))
        if problems:
            # The page is shown again with its problems; what was answered well is kept (progress is saved on
            # every page), and the page's time goes on until it is saved whole. A question refused now loses
            # an answer stored before: the page is never done while its last post was refused.
            for question_id in problems:
                if question_id in existing:
                    session.delete(existing[question_id])
                    invitation.answers.remove(existing[question_id])
            session.commit()
            return problems
        opened = invitation.page_opened_at or now
        seconds = min(max((now - opened).total_seconds(), 0.0), MAX_PAGE_SECONDS)
        page_seconds = dict(invitation.page_seconds or {})
        page_seconds[str(number)] = page_seconds.get(str(number), 0.0) + seconds
        invitation.page_seconds = page_seconds
        invitation.page_opened_at = None
        session.commit()
        return {}

    def _lock_open(self, session: Session, invitation: Invitation) -> None:
        """Lock an invitation that is still open and read it again; raise :class:`PageClosed` if it is not."""
        locked = session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.status != "completed")
            .values(status=Invitation.status)
            .execution_options(synchronize_session=False)
        )
        if getattr(locked, "rowcount", 0) != 1:
            session.rollback()
            raise PageClosed(completed=self.state(session, invitation.id) == "completed")
        session.expire(invitation)  # read under the lock: what another request saved meanwhile counts

    def state(self, session: Session, invitation_id: str) -> str | None:
        """The stored status of an invitation (``sent``, ``started``, ``completed``), or ``None`` once erased."""
        return session.scalar(select(Invitation.status).where(Invitation.id == invitation_id))

    def assessment(self, invitation: Invitation) -> dict[str, Any]:
        """The invitation's answers as an assessment, with ``completion_seconds`` from the page times."""
        instrument = self.edition(invitation).instrument
        answers = {
            answer.question: answer_value(instrument, answer.question, answer.value) for answer in invitation.answers
        }
        seconds = sum((invitation.page_seconds or {}).values())
        return {
            "candidate_id": invitation.candidate_id,
            "completion_seconds": round(min(seconds, 86_400.0), 1),
            **{key: value for key, value in answers.items() if value is not None},
        }

    def submit(self, session: Session, invitation: Invitation) -> ScreeningResult | None:
        """Score a fully answered invitation, store the result, queue its callback and close the link.

        The link is claimed first with one conditional update, in the same transaction as the
        result: of two submissions at once (a double click, two tabs) exactly one scores and
        stores; the other gets ``None``. When the invitation has a callback URL, its outbox row
        (:class:`~profilefit.apps.service._storage.Callback`) is written in that transaction too, so
        a stored result always has its callback queued; :meth:`notify` then tries it at once.
        """
        now = utcnow()
        claim = (
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.status != "completed")
            .values(status="completed", completed_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(session.execute(claim), "rowcount", 0) != 1:
            session.rollback()
            return None
        try:
            screener = self.screener_for(invitation.role, self.edition(invitation).version)
            with DecisionLog.written_for(invitation.owner):  # its decision line is the inviting key's to erase
                result = screener.score(self.assessment(invitation))
            invitation.results.append(
                StoredResult(
                    candidate_id=invitation.candidate_id,
                    model_id=result.model.model_id,
                    model_sha256=result.model.sha256,
                    role=result.fit.role if result.fit else None,
                    fit_score=result.fit.score if result.fit else None,
                    needs_review=result.needs_human_review,
                    created_at=now,
                    result_json=result.model_dump_json(),
                )
            )
            invitation.status, invitation.completed_at = "completed", now
            if invitation.callback_url:
                # The outbox row commits with the result or not at all: no result without its callback.
                session.add(self.callbacks.row_for(invitation))
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return result

    def notify(self, invitation: Invitation) -> None:
        """Try the invitation's pending completion callback now; the sender retries it if this fails."""
        if invitation.callback_url:
            self.callbacks.deliver_for(invitation.id)

    def status(self, invitation: Invitation) -> dict[str, Any]:
        """Where an invitation stands, with its result once completed."""
        expired = invitation.status != "completed" and utcnow() >= invitation.expires_at
        body: dict[str, Any] = {
            "invitation_id": invitation.id,
            "candidate_id": invitation.candidate_id,
            "role": invitation.role,
            "language": invitation.language,
            "instrument_version": self.edition(invitation).version,
            "status": "expired" if expired else invitation.status,
            "created_at": invitation.created_at.isoformat(),
            "expires_at": invitation.expires_at.isoformat(),
            "completed_at": invitation.completed_at.isoformat() if invitation.completed_at else None,
            "pages_answered": self.next_page(invitation),
            "pages": len(self.edition(invitation).pages),
            "result": None,
            "report_url": None,
        }
        if invitation.results:
            body["result"] = json.loads(invitation.results[-1].result_json)
            body["report_url"] = self.report_url(invitation.id, invitation.language)
        return body


#: A cursor of :meth:`AssessmentService.list_invitations`: the creation second and id of a page's last invitation.
#: A cursor: the place (creation second and invitation id), then its HMAC-SHA256 signature (43 base64url
#: characters) under the service's secret and the listing key's digest.
CURSOR_PATTERN = r"^[0-9]{1,11}\.[0-9a-f]{1,32}\.[A-Za-z0-9_-]{43}$"
CURSOR_MAX_LENGTH = 11 + 1 + 32 + 1 + 43
_CURSOR = re.compile(CURSOR_PATTERN)


def _cursor_purpose(owner: str) -> str:
    # The key's digest in the purpose: a cursor one key was given opens no page for another.
    return f"invitations-cursor:{owner}"


def invitation_cursor(signer: Signer, owner: str, invitation: Invitation) -> str:
    """The cursor of the place after ``invitation`` in ``owner``'s listing (:meth:`AssessmentService.list_invitations`).

    Signed with the service's secret for ``owner`` alone, as report links are: a cursor edited, made up, or
    given to another API key is refused (:func:`read_invitation_cursor`), so the only places a key can page
    from are those its own pages gave. It holds the creation second and the invitation's id, which only its
    own key can read anything by.
    """
    return signer.sign(_cursor_purpose(owner), f"{int(invitation.created_at.timestamp())}.{invitation.id}")


def read_invitation_cursor(signer: Signer, owner: str, cursor: str) -> tuple[datetime, str]:
    """The creation time and id a cursor :func:`invitation_cursor` gave ``owner`` holds; ``ValueError`` otherwise."""
    if not _CURSOR.fullmatch(cursor):  # fullmatch: "$" would let a trailing new line pass
        raise ValueError("not a cursor this service gave")
    place = signer.verify(_cursor_purpose(owner), cursor)
    if place is None:
        raise ValueError("not a cursor this service gave this API key")
    seconds, _, invitation_id = place.partition(".")
    return datetime.fromtimestamp(int(seconds), UTC), invitation_id
