"""Completion callbacks that arrive: an outbox in the database, and a sender that retries until answered.

When a candidate finishes, :meth:`AssessmentService.submit` writes a
:class:`~profilefit.apps.service._storage.Callback` row in the same transaction as the result.
:class:`CallbackSender` delivers such rows: at once after the submission, then from a thread in
every worker, with exponential backoff and jitter, until the partner answers 2xx, refuses for good,
or the deadline passes. Rows live in the database, so a row left pending when a process stops is
sent after the next start, by whichever worker claims it first.

Every attempt is logged with the test's id (the invitation id, Greenhouse's ``partner_interview_id``),
the attempt's number and its outcome; never the URL, the credential or anything of the candidate.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from profilefit.apps.service._outbound import PartnerAnswer, callback_allowed, send_patch
from profilefit.apps.service._settings import Settings
from profilefit.apps.service._storage import Callback, Invitation, utcnow

log = logging.getLogger("profilefit.service.callbacks")

#: Now, as an aware datetime: the system clock in use, a settable one in tests.
Clock = Callable[[], datetime]
#: A callback attempt: URL, credential and timeout in, the partner's answer out.
Transport = Callable[..., PartnerAnswer]

#: The wait after the first failed attempt; each further failure doubles it, up to :data:`MAX_DELAY`.
FIRST_DELAY = timedelta(seconds=30)
#: The longest wait between two attempts (before jitter).
MAX_DELAY = timedelta(hours=1)
#: Statuses worth trying again: the partner timed out or asked us to slow down. Other 4xx refuse for good.
RETRYABLE_4XX = (408, 429)
#: Rows one step claims at most, so that one step stays short however large the backlog.
BATCH = 20


def backoff(failures: int, rng: random.Random) -> timedelta:
    """The wait after ``failures`` failed attempts: 30 s doubled per failure up to 1 h, times a jitter in [0.5, 1].

    Whole seconds, as the tables store times.

    The jitter spreads the retries of many callbacks that failed together (a partner's outage) so
    they do not all return at the same second.

    >>> import random
    >>> [round(backoff(n, random.Random(0)).total_seconds()) for n in (1, 2, 3, 9)]
    [28, 55, 111, 3320]
    """
    doublings = min(max(failures, 1) - 1, 20)  # 30 s * 2**20 is far past the cap already
    base = min(FIRST_DELAY * 2**doublings, MAX_DELAY)
    return timedelta(seconds=round(base.total_seconds() * rng.uniform(0.5, 1.0)))


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as a wait from ``now``; ``None`` when absent or unreadable.

    >>> retry_after("120", datetime(2026, 1, 1, tzinfo=UTC))
    datetime.timedelta(seconds=120)
    >>> retry_after("Thu, 01 Jan 2026 00:10:00 GMT", datetime(2026, 1, 1, tzinfo=UTC))
    datetime.timedelta(seconds=600)
    """
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - now, timedelta(0))


class CallbackSender:
    """Delivers the outbox's completion callbacks; safe to run in several threads and processes at once.

    A row is claimed with one conditional update (pending, due, and not claimed by another sender
    whose claim still runs) before it is sent, so two senders never send the same row at the same
    time. A sender that dies while it holds a row leaves the claim to expire; the row is then
    sent again (delivery is at least once; Greenhouse's PATCH only asks it to read ``test_status``,
    so a second PATCH does no harm).

    Parameters
    ----------
    sessions : sessionmaker
        The service's session factory.
    settings : Settings
        Allow-list, credentials by organisation, timeout, deadline and poll interval.
    clock : callable, optional
        Now, as an aware datetime; default the system clock (to the second, as stored).
    transport : callable, optional
        Sends one attempt (default :func:`~profilefit.apps.service._outbound.send_patch`).
    rng : random.Random, optional
        The jitter's source.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        clock: Clock | None = None,
        transport: Transport | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions, self.settings = sessions, settings
        self.clock: Clock = clock or utcnow
        self.transport: Transport = transport or send_patch
        self.rng = rng or random.Random()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- the outbox -----------------------------------------------------------------

    def row_for(self, invitation: Invitation) -> Callback:
        """A new outbox row for an invitation's completion callback, due now (add it in the result's transaction)."""
        now = self.clock()
        return Callback(
            invitation_id=invitation.id,
            owner=invitation.owner,
            url=invitation.callback_url,
            status="pending",
            attempts=0,
            created_at=now,
            deadline_at=now + timedelta(hours=self.settings.callback_deadline_hours),
            next_attempt_at=now,
        )

    def step(self) -> int:
        """Send every callback due now (at most :data:`BATCH`); return how many attempts were made."""
        now = self.clock()
        with self.sessions() as session:
            due = list(
                session.scalars(
                    select(Callback.id)
                    .where(Callback.status == "pending", Callback.next_attempt_at <= now)
                    .order_by(Callback.next_attempt_at)
                    .limit(BATCH)
                )
            )
        return sum(self.attempt(row_id) for row_id in due)

    def deliver_for(self, invitation_id: str) -> int:
        """Try the pending callbacks of one invitation that are due now (right after its submission)."""
        now = self.clock()
        with self.sessions() as session:
            due = list(
                session.scalars(
                    select(Callback.id).where(
                        Callback.invitation_id == invitation_id,
                        Callback.status == "pending",
                        Callback.next_attempt_at <= now,
                    )
                )
            )
        return sum(self.attempt(row_id) for row_id in due)

    def attempt(self, row_id: int) -> bool:
        """Claim one row and send it once; record the outcome and the next attempt. ``False``: not claimed."""
        now = self.clock()
        lease = now + timedelta(seconds=self.settings.callback_timeout + 60)
        with self.sessions() as session:
            claim = (
                update(Callback)
                .where(
                    Callback.id == row_id,
                    Callback.status == "pending",
                    Callback.next_attempt_at <= now,
                    or_(Callback.claimed_until.is_(None), Callback.claimed_until <= now),
                )
                .values(claimed_until=lease)
                .execution_options(synchronize_session=False)
            )
            claimed = getattr(session.execute(claim), "rowcount", 0) == 1
            session.commit()
            if not claimed:
                return False
            row = session.get(Callback, row_id)
            if row is None:  # erased between the claim and now
                return False
            if not callback_allowed(row.url, self.settings):
                answer = PartnerAnswer(None, error="host-not-allowed")  # the allow-list changed since send_test
            else:
                key = self.settings.callback_key_for(row.owner)
                answer = self.transport(row.url, key=key, timeout=self.settings.callback_timeout)
            self._record(session, row, answer)
        return True

    def _record(self, session: Session, row: Callback, answer: PartnerAnswer) -> None:
        now = self.clock()
        row.attempts += 1
        row.last_outcome = answer.outcome[:64]
        row.claimed_until = None
        test = row.invitation_id
        status = answer.status
        if status is not None and 200 <= status < 300:
            row.status, row.finished_at = "delivered", now
            log.info("callback for test %s: attempt %d delivered (%d)", test, row.attempts, status)
        elif answer.error == "host-not-allowed" or (
            status is not None and status < 500 and status not in RETRYABLE_4XX
        ):
            row.status, row.finished_at = "failed", now
            log.error(
                "callback for test %s: attempt %d refused (%s); not retried: the partner's test_status still "
                "answers, see docs/service.md#callbacks",
                test,
                row.attempts,
                answer.outcome,
            )
        elif now >= row.deadline_at:
            row.status, row.finished_at = "failed", now
            log.error(
                "callback for test %s: attempt %d failed (%s) and the deadline has passed; marked failed, "
                "see docs/service.md#callbacks",
                test,
                row.attempts,
                answer.outcome,
            )
        else:
            wait = retry_after(answer.retry_after, now) if status in (429, 503) else None
            if wait is None:
                wait = backoff(row.attempts, self.rng)
            row.next_attempt_at = min(now + max(wait, timedelta(seconds=1)), row.deadline_at)
            log.warning(
                "callback for test %s: attempt %d failed (%s); next attempt at %s",
                test,
                row.attempts,
                answer.outcome,
                row.next_attempt_at.isoformat(),
            )
        session.commit()

    # ---- the thread in each worker --------------------------------------------------

    def start(self) -> None:
        """Start the sender thread (``callback_poll_seconds=0``: none); pending rows of earlier runs go first."""
        if self.settings.callback_poll_seconds <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="profilefit-callbacks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to stop and wait for it (at most one attempt's timeout and a little more)."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=self.settings.callback_timeout + 5)
        self._thread = None

    @property
    def running(self) -> bool:
        """Whether the sender thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                while self.step() >= BATCH and not self._stop.is_set():
                    pass  # a full batch: look again at once
            except Exception as error:
                # The database may be away for a moment; the rows wait in it. Type only: no data in the log.
                log.error("callback sender: %s; trying again", type(error).__name__)
            self._stop.wait(self.settings.callback_poll_seconds)
