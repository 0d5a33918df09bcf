"""Idempotency keys: a retried request gets the first answer, and no second invitation or e-mail.

``POST /v1/invitations`` and Greenhouse's ``send_test`` take an ``Idempotency-Key`` header (the
IETF HTTPAPI draft's name). Greenhouse sends none, so for ``send_test`` without one the completion
``url`` is the key: Greenhouse makes one such URL for each test it sends. A key is kept for
``Settings.idempotency_hours`` per organisation and route:

- the same key with the same request: the first answer again (same ids; nothing sent);
- the same key with another request: 409 ``idempotency-key-reused``;
- the same key while the first request still runs: 409 ``request-in-progress`` with ``Retry-After``: as long as
  that request has run so far (at least 1 s), at most until it would be taken for dead (:data:`STALE_AFTER`).

Only a successful answer is kept: after an error (a mail server that was down) the key is released,
so a retry tries again. The answer is kept in the transaction that stores the invitation
(:class:`Answered`), so a process that dies at any moment leaves either no invitation (the key is
taken over once stale, and the retry makes it) or the invitation with its key (the retry gets it):
never an invitation that a retry would not find.

The invitation's id is reserved with the key when the key is first taken, and every request that
takes the key over makes its invitation with that id. A first request taken for dead may in fact be
alive (its mail server slow past :data:`STALE_AFTER`) and e-mail its link after the retry stored the
invitation; that link names the same id, so it opens the invitation stored, and no candidate is sent a
link to an invitation that never is.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
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


class Answered:
    """What ``make`` is given (:meth:`IdempotencyKeys.once`): the id its invitation must have, and the key's answer.

    ``make`` creates its invitation with :attr:`invitation_id` (``None``: an id of its own) and calls this
    object with the session that stores the invitation, before that session commits: the key's answer is
    then kept in the same transaction as the invitation.
    """

    def __init__(self, invitation_id: str | None, keep: Callable[[Session, str], None]) -> None:
        #: The id reserved with the key: the same for the first request and every retry that takes over.
        self.invitation_id = invitation_id
        self._keep = keep

    def __call__(self, session: Session, invitation_id: str) -> None:
        self._keep(session, invitation_id)


#: The :class:`Answered` of a request without an idempotency key: a new id, and nothing to keep.
unkeyed = Answered(None, lambda session, invitation_id: None)


@dataclass(frozen=True)
class Held:
    """A key this request now holds (:meth:`IdempotencyKeys.begin`).

    ``since`` is when it took the key (a later takeover moves the row's time past it); ``taken_over`` says
    whether it took the key from a request taken for dead, which may yet be running with ``invitation_id``.
    """

    invitation_id: str
    since: datetime
    taken_over: bool


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
        :class:`Answered`: the invitation id reserved with the key, which its invitation must have, and
        the call to make with the session that stores its invitation, before that session commits: the
        key's answer (the invitation's id) then commits with the invitation or not at all. A retry gets
        ``replay(invitation_id)``; should that invitation be gone (``None``), the request is made afresh,
        with a new id. When ``make`` fails, the key is released, so the error is not repeated to a retry
        that could succeed. Should another request with the key have stored its answer first (a retry
        that took over while this one was slow), its answer is given and this one's invitation is not
        stored: it had the same id, so a link this request e-mailed opens the invitation stored.

        Raises
        ------
        Problem
            409 when the key was used with another request, or its first request still runs.
        """
        reserved = {"owner": owner, "scope": scope, "key": key}
        held = self.begin(**reserved, request=request)
        if isinstance(held, str):
            again = replay(held)
            if again is not None:
                return again
            held = self._forget(**reserved, invitation_id=held)  # its invitation is gone: made afresh below
        digest = self._digest("key", scope, key)

        def keep(session: Session, invitation_id: str) -> None:
            try:
                session.flush()  # the invitation first: the key's answer refers to it
            except IntegrityError:
                # Its twin (the same reserved id) is stored: a retry that took the key over stored first.
                raise _Superseded from None
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
            return make(Answered(held.invitation_id, keep))
        except _Superseded:
            pass  # this request's session was not committed: nothing of it is stored
        except BaseException:
            self.release(**reserved, held=held)
            raise
        with self.sessions() as session:
            row = session.get(IdempotencyKey, (owner, scope, digest))
            first = None if row is None or row.invitation_id is None else replay(row.invitation_id)
        if first is None:
            raise _in_progress(1)
        return first

    def begin(self, *, owner: str, scope: str, key: str, request: bytes) -> str | Held:
        """Take ``key`` for this request: the invitation id of an earlier answer to repeat, else the key :class:`Held`.

        A new key reserves a new invitation id; a key taken over (its first request unfinished after
        :data:`STALE_AFTER`) keeps the one reserved with it.

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
                reserved_id = secrets.token_hex(16)  # as an invitation's own id is made
                session.add(
                    IdempotencyKey(
                        owner=owner,
                        scope=scope,
                        key_digest=identity[2],
                        request_digest=request_digest,
                        invitation_id=None,
                        reserved_id=reserved_id,
                        created_at=now,
                        expires_at=now + timedelta(hours=self.hours),
                    )
                )
                try:
                    session.commit()
                    return Held(reserved_id, now, taken_over=False)
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
            reserved_id = row.reserved_id or secrets.token_hex(16)  # none in a row from before migration 0006
            takeover = (
                update(IdempotencyKey)
                .where(
                    IdempotencyKey.owner == owner,
                    IdempotencyKey.scope == scope,
                    IdempotencyKey.key_digest == identity[2],
                    IdempotencyKey.invitation_id.is_(None),
                    IdempotencyKey.created_at <= now - STALE_AFTER,
                )
                .values(created_at=now, reserved_id=reserved_id)
                .execution_options(synchronize_session=False)
            )
            taken = getattr(session.execute(takeover), "rowcount", 0) == 1
            session.commit()
            if taken:
                return Held(reserved_id, now, taken_over=True)
            # The first request runs: a retry after as long again as it has run so far (1 s for one just begun,
            # which most often is done by then), never later than it would be taken for dead (its lease ends).
            ran, left = (now - row.created_at).total_seconds(), (row.created_at + STALE_AFTER - now).total_seconds()
            raise _in_progress(min(ran, left))

    def _forget(self, *, owner: str, scope: str, key: str, invitation_id: str) -> Held:
        """Forget the answer of a key whose invitation is gone and hold the key, so that the request is made again.

        The request gets a new id: the links of the invitation that is gone stay dead.

        Raises
        ------
        Problem
            409 ``request-in-progress`` when another request forgot it first (and makes it now).
        """
        now, reserved_id = self.clock(), secrets.token_hex(16)
        with self.sessions() as session:
            forgotten = session.execute(
                update(IdempotencyKey)
                .where(
                    IdempotencyKey.owner == owner,
                    IdempotencyKey.scope == scope,
                    IdempotencyKey.key_digest == self._digest("key", scope, key),
                    IdempotencyKey.invitation_id == invitation_id,
                )
                .values(invitation_id=None, reserved_id=reserved_id, created_at=now)
                .execution_options(synchronize_session=False)
            )
            session.commit()
        if getattr(forgotten, "rowcount", 0) != 1:
            raise _in_progress(1)
        return Held(reserved_id, now, taken_over=False)

    def release(self, *, owner: str, scope: str, key: str, held: Held) -> None:
        """Give up a key whose request failed, so that a retry runs again at once.

        Only while this request still holds it (no retry took it over since). A key this request took
        over stays, with its reserved invitation id, stale at once: the request it was taken from may
        still be running, and its invitation (whose link it may have e-mailed) must get that id and be
        stored. Otherwise the key is forgotten, and the same key may then carry another request.
        """
        with self.sessions() as session:
            still_held = (
                IdempotencyKey.owner == owner,
                IdempotencyKey.scope == scope,
                IdempotencyKey.key_digest == self._digest("key", scope, key),
                IdempotencyKey.invitation_id.is_(None),
                IdempotencyKey.created_at <= held.since,  # a later takeover moved it on: that request's now
            )
            if held.taken_over:
                stale = held.since - STALE_AFTER
                session.execute(
                    update(IdempotencyKey)
                    .where(*still_held)
                    .values(created_at=stale)
                    .execution_options(synchronize_session=False)
                )
            else:
                session.execute(delete(IdempotencyKey).where(*still_held))
            session.commit()


def _in_progress(wait: float) -> Problem:
    """409 ``request-in-progress``, with ``Retry-After`` the seconds ``wait`` rounded up (at least 1)."""
    return Problem(
        409,
        f"a request with this {HEADER} is still being processed; try again shortly",
        kind="request-in-progress",
        headers={"Retry-After": str(max(1, math.ceil(wait)))},
    )
