"""Limits that protect the service and the people it writes to: failed logins per address, e-mails per key.

Failed logins are counted in memory, per worker process: a request answered 401 (a missing or wrong
API key, on ``/v1`` or ``/greenhouse``), or a candidate or report link whose signature does not check,
counts one failure against the client's address. Once an address has ``limit`` failures within
``window`` seconds, every request from it to those routes gets 429 with ``Retry-After`` until the
window ends, whether its key is right or wrong, so the answer never tells whether a key exists.
With several workers each keeps its own count, so an address can fail up to ``workers × limit``
times per window in all (docs/service.md).

E-mails are counted in the database (table ``mail_sends``), so the limit per API key holds across
workers and restarts: a slot is taken before the message goes and given back if it does not go.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from profilefit.apps.service._callbacks import Clock
from profilefit.apps.service._problems import CANDIDATE_PREFIX, Problem
from profilefit.apps.service._security import Signer
from profilefit.apps.service._storage import MailSend, utcnow

#: Routes whose failures count and which a blocked address cannot use.
GUARDED_PREFIXES = ("/v1/", "/greenhouse/", CANDIDATE_PREFIX, "/reports/")
#: The e-mail limit's window.
MAIL_WINDOW = timedelta(hours=1)


class FailedLogins:
    """Failures per client address in a fixed window, in this process only.

    Parameters
    ----------
    limit : int
        Failures an address may have per window; ``0`` turns the limit off.
    window : float, default=60
        Seconds; the window starts at an address's first failure.
    clock : callable, optional
        Seconds on a monotonic clock (tests drive it); default :func:`time.monotonic`.
    max_addresses : int, default=100_000
        Addresses remembered at most (about 100 bytes each); past it, ended windows are forgotten first,
        then the oldest, so a flood of addresses cannot exhaust memory.
    """

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        *,
        clock: Callable[[], float] | None = None,
        max_addresses: int = 100_000,
    ) -> None:
        self.limit, self.window, self.max_addresses = limit, float(window), max_addresses
        self.clock = clock or time.monotonic
        self._counts: dict[str, tuple[float, int]] = {}  # address -> (window start, failures)
        self._lock = threading.Lock()

    def wait(self, address: str) -> float:
        """Seconds until ``address`` may try again; 0 when it may now."""
        if self.limit <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            start, failures = self._counts.get(address, (now, 0))
            if now - start >= self.window:
                self._counts.pop(address, None)
                return 0.0
            return start + self.window - now if failures >= self.limit else 0.0

    def fail(self, address: str) -> None:
        """Count one failure of ``address``."""
        if self.limit <= 0:
            return
        now = self.clock()
        with self._lock:
            start, failures = self._counts.get(address, (now, 0))
            if now - start >= self.window:
                start, failures = now, 0
            self._counts[address] = (start, failures + 1)
            if len(self._counts) > self.max_addresses:
                self._forget(now)

    def _forget(self, now: float) -> None:
        ended = [address for address, (start, _) in self._counts.items() if now - start >= self.window]
        for address in ended:
            del self._counts[address]
        while len(self._counts) > self.max_addresses:  # dicts keep insertion order: the oldest go first
            del self._counts[next(iter(self._counts))]


def signed_link(path: str, query: bytes, signer: Signer) -> bool | None:
    """Whether a candidate or report link's signature checks; ``None`` for paths that carry none."""
    parts = path.split("/")
    if path.startswith(CANDIDATE_PREFIX) and len(parts) > 2 and parts[2]:
        return signer.read_invitation_token(parts[2]) is not None
    if path.startswith("/reports/") and len(parts) > 2:
        signature = Request({"type": "http", "query_string": query}).query_params.get("sig", "")
        return signer.check_report_signature(parts[2], signature)
    return None


class MailQuota:
    """At most ``per_hour`` e-mails per API key in any hour, counted in the database (every worker shares it).

    Parameters
    ----------
    sessions : sessionmaker
    per_hour : int
        ``0`` turns the limit off (nothing is recorded).
    clock : callable, optional
        Now, as an aware datetime.
    """

    def __init__(self, sessions: sessionmaker[Session], per_hour: int, *, clock: Clock | None = None) -> None:
        self.sessions, self.per_hour = sessions, per_hour
        self.clock: Clock = clock or utcnow

    @contextmanager
    def sending(self, owner: str) -> Iterator[None]:
        """Take one of ``owner``'s e-mail slots for the block that sends; give it back if the block raises.

        The slot is written and committed first, then counted, so two workers racing for the last slot
        cannot both have it (at worst both are refused).

        Raises
        ------
        Problem
            429 ``too-many-emails`` with ``Retry-After`` (seconds until the oldest e-mail of the hour
            leaves the window) when the key has sent ``per_hour`` e-mails within the last hour.
        """
        if self.per_hour <= 0:
            yield
            return
        now = self.clock()
        since = now - MAIL_WINDOW
        with self.sessions() as session:
            # Every key's rows older than the hour go: the table holds the last hour's e-mails at most.
            session.execute(delete(MailSend).where(MailSend.sent_at <= since))
            slot = MailSend(owner=owner, sent_at=now)
            session.add(slot)
            session.commit()
            slot_id = slot.id
            earlier = (MailSend.owner == owner, MailSend.sent_at > since, MailSend.id < slot_id)
            taken = session.scalar(select(func.count(MailSend.id)).where(*earlier)) or 0
            if taken >= self.per_hour:
                oldest = session.scalar(select(func.min(MailSend.sent_at)).where(*earlier))
                session.execute(delete(MailSend).where(MailSend.id == slot_id))
                session.commit()
                wait = (oldest + MAIL_WINDOW - now).total_seconds() if oldest is not None else 3600.0
                raise Problem(
                    429,
                    f"this API key has sent {self.per_hour} e-mails within the last hour, its limit; "
                    "nothing was kept: send the request again later",
                    kind="too-many-emails",
                    headers={"Retry-After": str(max(1, math.ceil(wait)))},
                )
        try:
            yield
        except BaseException:
            with self.sessions() as session:
                session.execute(delete(MailSend).where(MailSend.id == slot_id))
                session.commit()
            raise
