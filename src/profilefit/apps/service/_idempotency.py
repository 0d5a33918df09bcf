"""Idempotency keys: a retried request gets the first answer, and no second invitation or e-mail.

``POST /v1/invitations`` and Greenhouse's ``send_test`` take an ``Idempotency-Key`` header (the
IETF HTTPAPI draft's name). Greenhouse sends none, so for ``send_test`` without one the completion
``url`` is the key: Greenhouse makes one such URL for each test it sends. A key is kept for
``Settings.idempotency_hours`` per organisation and route:

- the same key with the same request: the first answer again (same ids; nothing sent);
- the same key with another request: 409 ``idempotency-key-reused``;
- the same key while the first request still runs: 409 ``request-in-progress`` with ``Retry-After``.

Only a successful answer is kept: after an error (a mail server that was down) the key is released,
so a retry tries again.
"""

from __future__ import annotations

import hashlib
import hmac
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
        make: Callable[[], T],
        replay: Callable[[str], T | None],
        made: Callable[[T], str],
    ) -> T:
        """Answer a request made with an idempotency key: ``make`` it the first time, ``replay`` it after.

        ``make`` runs only when the key is new (or its first request died); its answer's invitation
        id (``made``) is kept. A retry gets ``replay(invitation_id)``; should that invitation be gone
        (``None``), the request is made afresh. When ``make`` fails, the key is released, so the
        error is not repeated to a retry that could succeed.

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
        try:
            answer = make()
        except BaseException:
            self.release(**reserved)
            raise
        self.finish(**reserved, invitation_id=made(answer))
        return answer

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
                        raise _in_progress() from None
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
            raise _in_progress()

    def finish(self, *, owner: str, scope: str, key: str, invitation_id: str) -> None:
        """Keep the answer of a reserved key: the invitation a retry is answered with."""
        with self.sessions() as session:
            session.execute(
                update(IdempotencyKey)
                .where(
                    IdempotencyKey.owner == owner,
                    IdempotencyKey.scope == scope,
                    IdempotencyKey.key_digest == self._digest("key", scope, key),
                )
                .values(invitation_id=invitation_id)
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


def _in_progress() -> Problem:
    return Problem(
        409,
        f"a request with this {HEADER} is still being processed; try again shortly",
        kind="request-in-progress",
        headers={"Retry-After": "1"},
    )
