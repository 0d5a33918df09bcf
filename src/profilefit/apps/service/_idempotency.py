"""Idempotency keys: a retried request gets the first answer, and no second invitation or e-mail.

``POST /v1/invitations`` and Greenhouse's ``send_test`` take an ``Idempotency-Key`` header (the
IETF HTTPAPI draft's name). Greenhouse sends none, so for ``send_test`` without one the completion
``url`` is the key: Greenhouse makes one such URL for each test it sends. A key is kept for
``Settings.idempotency_hours`` per organisation and route:

- the same key with the same request: the first answer again (same ids; nothing sent);
- the same key with another request: 409 ``idempotency-key-reused``;
- the same key while the first request still runs: 409 ``request-in-progress`` with ``Retry-After``.

Only a successful answer is kept: after an error (a mail server that was down) the key is released,
so a retry tries again. The answer is kept in the transaction that stores the invitation
(:data:`Answered`), so a process that dies at any moment leaves either no invitation (the key is
taken over once stale, and the retry makes it) or the invitation with its key (the retry gets it):
never an invitation that a retry would not find.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from profilefit.apps.service._callbacks import Clock
from profilefit.apps.service._problems import Problem
from profilefit.apps.service._storage import IdempotencyKey, utcnow

T = TypeVar("T")

#: The request header (draft-ietf-httpapi-idempotency-key-header).
HEADER = "Idempotency-Key"
#: What a key may be: 1 to 255 visible ASCII characters.
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
#: The header's description in the OpenAPI document.
KEY_DESCRIPTION = (
    "Any unique value (a UUID) per request; a retry with the same key and body gets the first answer, "
    "with another body 409. Kept for 24 hours by default (PROFILEFIT_IDEMPOTENCY_HOURS)."
)
#: A first request still unfinished after this long is taken to have died (its process stopped); a retry takes over.
STALE_AFTER = timedelta(minutes=2)

#: What ``make`` calls with the session that stores its invitation, before committing it: the key's answer is
#: then kept in the same transaction as the invitation (:meth:`IdempotencyKeys.once`).
Answered = Callable[[Session, str], None]


def unkeyed(session: Session, invitation_id: str) -> None:
    """The :data:`Answered` of a request without an idempotency key: nothing to keep."""


class _Superseded(Exception):
    """Another request with the same key (a retry that took a stale key over) stored its answer first."""


class IdempotencyKeys:
    """Reserve, finish and release idempotency keys in the database (shared by every worker).

    Parameters
    ----------
    sessions : sessionmaker
    secret : bytes
        Keys and requests are kept as HMAC-SHA256 digests under it, so the table holds no request content.
    hours : float
        How long a key is kept.
    clock : callable, optional
        Now, as an aware datetime.
    """

    def __init__(self, sessions: sessionmaker[Session], secret: bytes, hours: float, *, clock: Clock | None = None):
        self.sessions, self.hours = sessions, hours
        self._secret = secret
        self.clock: Clock = clock or utcnow

    def _digest(self, *parts: str | bytes) -> str:
        mac = hmac.new(self._secret, digestmod=hashlib.sha256)
        for part in parts:
            data = part.encode("utf-8") if isinstance(part, str) else part
            mac.update(len(data).to_bytes(8, "big") + data)  # length-prefixed: parts cannot run into each other
        return mac.hexdigest()

    def once(
        self,
        *,
        owner: str,
        scope: str,
        key: str,
        request: bytes,
        make: Callable[[Answered], T],
        replay: Callable[[str], T | None],
    ) -> T:
        """Answer a request made with an idempotency key: ``make`` it the first time, ``replay`` it after.

        ``make`` runs only when the key is new (or its first request died). It is given an
        :data:`Answered` to call with the session that stores its invitation, before that session
        commits: the key's answer (the invitation's id) then commits with the invitation or not at all.
        A retry gets ``replay(invitation_id)``; should that invitation be gone (``None``), the request
        is made afresh. When ``make`` fails, the key is released, so the error is not repeated to a
        retry that could succeed. Should another request with the key have stored its answer first (a
        retry that took over while this one was slow), its answer is given and this one's invitation
        is not stored.

        Raises
        ------
        Problem
            409 when the key was used with another request, or its first request still runs.
        """
        reserved = {"owner": owner, "scope": scope, "key": key}
        earlier = self.begin(**reserved, request=request)
        if earlier is not None:
            again = replay(earlier)
            if again is not None:
                return again
            self._forget(**reserved, invitation_id=earlier)  # its invitation is gone: made afresh below
        digest = self._digest("key", scope, key)

        def answered(session: Session, invitation_id: str) -> None:
            kept = session.execute(
                update(IdempotencyKey)
                .where(
                    IdempotencyKey.owner == owner,
                    IdempotencyKey.scope == scope,
                    IdempotencyKey.key_digest == digest,
                    IdempotencyKey.invitation_id.is_(None),
                )
                .values(invitation_id=invitation_id)
                .execution_options(synchronize_session=False)
            )
            if getattr(kept, "rowcount", 0) != 1:
                raise _Superseded

        try:
            return make(answered)
        except _Superseded:
            pass  # this request's session was not committed: nothing of it is stored
        except BaseException:
            self.release(**reserved)
            raise
        with self.sessions() as session:
            row = session.get(IdempotencyKey, (owner, scope, digest))
            first = None if row is None or row.invitation_id is None else replay(row.invitation_id)
        if first is None:
            raise _in_progress(1)
        return first

    def begin(self, *, owner: str, scope: str, key: str, request: bytes) -> str | None:
        """Reserve ``key`` for this request; return the invitation id of an earlier answer to repeat, else ``None``.

        Raises
        ------
        Problem
            409 when the key was used with another request, or its first request still runs.
        """
        now = self.clock()
        identity = (owner, scope, self._digest("key", scope, key))
        request_digest = self._digest("request", scope, request)
        with self.sessions() as session:
            session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
            session.commit()
            row = session.get(IdempotencyKey, identity)
            if row is None:
                session.add(
                    IdempotencyKey(
                        owner=owner,
                        scope=scope,
                        key_digest=identity[2],
                        request_digest=request_digest,
                        invitation_id=None,
                        created_at=now,
                        expires_at=now + timedelta(hours=self.hours),
                    )
                )
                try:
                    session.commit()
                    return None
                except IntegrityError:  # another request with this key was a moment earlier
                    session.rollback()
                    row = session.get(IdempotencyKey, identity, populate_existing=True)
                    if row is None:
                        raise _in_progress(1) from None
            if row.request_digest != request_digest:
                raise Problem(
                    409,
                    f"this {HEADER} was used with a different request; use a new key for a new request",
                    kind="idempotency-key-reused",
                )
            if row.invitation_id is not None:
                return row.invitation_id
            takeover = (
                update(IdempotencyKey)
                .where(
                    IdempotencyKey.owner == owner,
                    IdempotencyKey.scope == scope,
                    IdempotencyKey.key_digest == identity[2],
                    IdempotencyKey.invitation_id.is_(None),
                    IdempotencyKey.created_at <= now - STALE_AFTER,
                )
                .values(created_at=now)
                .execution_options(synchronize_session=False)
            )
            taken = getattr(session.execute(takeover), "rowcount", 0) == 1
            session.commit()
            if taken:
                return None
            # Until the first request is done, or taken for dead: a retry sooner gets this answer again.
            raise _in_progress((row.created_at + STALE_AFTER - now).total_seconds())

    def _forget(self, *, owner: str, scope: str, key: str, invitation_id: str) -> None:
        """Forget the answer of a key whose invitation is gone, so that the request is made again."""
        with self.sessions() as session:
            session.execute(
                update(IdempotencyKey)
                .where(
                    IdempotencyKey.owner == owner,
                    IdempotencyKey.scope == scope,
                    IdempotencyKey.key_digest == self._digest("key", scope, key),
                    IdempotencyKey.invitation_id == invitation_id,
                )
                .values(invitation_id=None)
            )
            session.commit()

    def release(self, *, owner: str, scope: str, key: str) -> None:
        """Forget a reserved key whose request failed, so that a retry runs again."""
        with self.sessions() as session:
            session.execute(
                delete(IdempotencyKey).where(
                    IdempotencyKey.owner == owner,
                    IdempotencyKey.scope == scope,
                    IdempotencyKey.key_digest == self._digest("key", scope, key),
                    IdempotencyKey.invitation_id.is_(None),
                )
            )
            session.commit()


def _in_progress(wait: float) -> Problem:
    """409 ``request-in-progress``, with ``Retry-After`` the seconds until a retry can be answered (at least 1)."""
    return Problem(
        409,
        f"a request with this {HEADER} is still being processed; try again shortly",
        kind="request-in-progress",
        headers={"Retry-After": str(max(1, math.ceil(wait)))},
    )
