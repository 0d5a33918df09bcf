"""What the service keeps: invitations, answers, results, erasure records, the outbox and idempotency keys.

SQLAlchemy 2 models over any database SQLAlchemy speaks; SQLite by default, a
PostgreSQL URL unchanged. The schema is made by the Alembic migrations shipped in
``profilefit/apps/service/migrations`` (see :func:`upgrade`), never by ``create_all``, so a
database made by one release is brought up to date by the next.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    select,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker
from sqlalchemy.types import TypeDecorator

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("profilefit.service")

#: Invitation states, in the order a candidate goes through them.
STATUSES = ("sent", "started", "completed")


def utcnow() -> datetime:
    """Now, in UTC, to the second (what the tables store)."""
    return datetime.now(UTC).replace(microsecond=0)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored without zone and read back as UTC, the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Base of the service's tables."""


class Invitation(Base):
    """One candidate's invitation to take the assessment: the link, its state and its timing."""

    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: The SHA-256 digest of the API key that created the invitation: each key sees only its own.
    owner: Mapped[str] = mapped_column(String(64), index=True)
    candidate_id: Mapped[str] = mapped_column(String(128), index=True)
    role: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(3))
    #: The instrument version the invitation was made with ("1.2", "2.0"); it is completed and scored with it.
    instrument_version: Mapped[str] = mapped_column(String(16), default="1.2", server_default="1.2")
    source: Mapped[str] = mapped_column(String(32), default="api")
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    callback_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="sent")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    consented_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    page_opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    page_seconds: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    results: Mapped[list[StoredResult]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class Answer(Base):
    """One answered question of an invitation (item, attention check or scenario), as the text posted."""

    __tablename__ = "answers"

    invitation_id: Mapped[str] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), primary_key=True)
    question: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(8))
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StoredResult(Base):
    """The ScreeningResult of a completed invitation, with the model and role that produced it."""

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invitation_id: Mapped[str] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[str] = mapped_column(String(128), index=True)
    model_id: Mapped[str] = mapped_column(String(128))
    model_sha256: Mapped[str] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(64), nullable=True)
    fit_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    needs_review: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    result_json: Mapped[str] = mapped_column(Text)


#: Outbox states: waiting for (another) attempt, answered 2xx, given up (deadline passed or refused).
CALLBACK_STATES = ("pending", "delivered", "failed")


class Callback(Base):
    """A completion callback to send: written in the transaction that stores the result (an outbox row).

    Holds no candidate data: the test's id, the organisation (an API key's digest) and the URL the ATS
    gave. The credential is looked up by ``owner`` when the row is sent, so no secret is stored here.
    """

    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invitation_id: Mapped[str] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    owner: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(2048))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deadline_at: Mapped[datetime] = mapped_column(UtcDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    #: While set and in the future, one sender (thread or process) holds the row; others leave it alone.
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    #: The partner's last HTTP status, or the error's type (``TimeoutError``) when none came.
    last_outcome: Mapped[str | None] = mapped_column(String(64), nullable=True)


class IdempotencyKey(Base):
    """A request made with an idempotency key: which invitation it made, so a retry gets the same answer.

    The key and the request are kept only as keyed digests (HMAC with the service's secret), so a
    stored row names neither the key nor the e-mail address in the request.
    """

    __tablename__ = "idempotency_keys"

    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    #: ``None`` while the first request is still running.
    invitation_id: Mapped[str | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), nullable=True, index=True
    )
    #: The id the key's invitation gets, chosen when the key is first taken and kept by a retry that takes it
    #: over, so that the link a request taken for dead may have e-mailed opens the invitation stored. ``None``
    #: only in rows from before migration 0006 (a takeover sets it).
    reserved_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: When the request now running took the key (a takeover moves it on).
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class MailSend(Base):
    """One e-mail sent (or being sent) with an API key, for the per-key hourly limit; kept for an hour.

    It names the key's digest and the time only: no address, no invitation.
    """

    __tablename__ = "mail_sends"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Erasure(Base):
    """That a candidate's data was erased, when, why and how much; the candidate id is kept only as a keyed hash.

    ``candidate_hmac`` is HMAC-SHA256 of the id under a key derived from the service's secret key, which
    lives outside the database (see :func:`erasure_key`): whoever copies the table cannot test ids
    against it, as they could an unkeyed SHA-256.
    """

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: The id the API answers (``erasure_id``): random, as the row counter, shared by every API key, would let
    #: one organisation count another's erasures.
    public_id: Mapped[str | None] = mapped_column(
        String(32), unique=True, index=True, nullable=True, default=lambda: secrets.token_hex(16)
    )
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    candidate_hmac: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    reason: Mapped[str] = mapped_column(String(16))
    erased_at: Mapped[datetime] = mapped_column(UtcDateTime())
    invitations: Mapped[int] = mapped_column(Integer)
    answers: Mapped[int] = mapped_column(Integer)
    results: Mapped[int] = mapped_column(Integer)


def erasure_key(secret_key: bytes) -> bytes:
    """The key of erasure records, derived from the service's link-signing secret (kept outside the database)."""
    return hmac.new(secret_key, b"profilefit erasure records/1", hashlib.sha256).digest()


def candidate_hmac(candidate_id: str, key: bytes) -> str:
    """How an erasure record names a candidate: HMAC-SHA256 of the id under ``key``, in hex.

    Without the key the value cannot be tested against guessed ids; an unkeyed SHA-256 of a short
    id can be reversed by trying every id in seconds.

    Examples
    --------
    >>> candidate_hmac("c-1", b"k" * 32) == candidate_hmac("c-1", b"k" * 32) != candidate_hmac("c-1", b"j" * 32)
    True
    """
    return hmac.new(key, candidate_id.encode("utf-8"), hashlib.sha256).hexdigest()


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or ``None`` (another database, or SQLite in memory)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.database.startswith("file:"):
        return None  # a SQLite URI: its options decide, we leave it alone
    return Path(parsed.database)


def owner_only(path: Path) -> None:
    """Make a SQLite database file readable and writable by its owner only (0600), before SQLite opens it.

    A missing folder is made 0700 and a missing file 0600; SQLite gives the ``-wal`` and ``-shm``
    files the mode of the database file. An existing file open to others is narrowed to 0600 and a
    warning logged: it holds candidates' answers.
    """
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = name.stat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if mode & 0o077:
            try:
                name.chmod(0o600)
            except OSError:  # another user's file: say so, do not fail the start
                log.warning("%s is readable by other users (mode %o) and could not be narrowed", name, mode)
            else:
                log.warning("%s was readable by other users (mode %o); narrowed to 0600", name, mode)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys on and a wait instead of 'database is locked'.

    A SQLite file is created owner-only (:func:`owner_only`), and ``secure_delete`` is on, so deleted
    rows are overwritten with zeros instead of lingering in free pages.
    """
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            owner_only(path)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        if path is not None:

            @event.listens_for(engine, "checkout")
            def _file_still_there(connection: Any, record: Any, proxy: Any) -> None:
                # An open connection keeps writing to a database file deleted under it, and all it writes is
                # lost when the process ends: every request answered 200 and 201 all the same. One stat per
                # checkout makes a file that is gone a database error (503), as docs/service.md promises.
                if not path.exists():
                    raise OperationalError(
                        "(connection checkout)", None, FileNotFoundError(f"the SQLite database file {path} is gone")
                    )

        return engine
    return create_engine(url, pool_pre_ping=True)


def scrub(engine: Engine) -> bool:
    """After an erasure on SQLite, move the WAL into the database and empty it; ``True`` when done.

    Until a checkpoint, the write-ahead log still holds earlier versions of the erased rows;
    ``wal_checkpoint(TRUNCATE)`` copies the current pages (zeroed by ``secure_delete``) back and
    truncates the log to nothing. It cannot finish while another connection reads; it is then
    logged and tried again by the next erasure or retention run. Other databases: nothing to do.
    """
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as connection:
        busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    if busy:
        log.warning("erased rows may remain in the SQLite write-ahead log until the next checkpoint (it was busy)")
    return not busy


def alembic_config(url: str) -> Any:
    """An Alembic configuration for the shipped migrations and ``url`` (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision`` (by default the newest)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Take the database at ``url`` down to ``revision`` (``"base"``: no tables of ours left)."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def sessions(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def erase_candidate(
    session: Session,
    candidate_id: str,
    *,
    owner: str | None = None,
    now: datetime | None = None,
    key: bytes | None = None,
) -> Erasure:
    """Delete every invitation, answer and result of a candidate, and record that it happened (GDPR Art. 17).

    With ``owner`` (an API key's digest) only that key's invitations of the candidate go;
    without it, the candidate's invitations of every key (the operator's erasure). With ``key``
    (see :func:`erasure_key`) the record names the candidate by :func:`candidate_hmac`; without
    it, not at all. The invitations are locked first, so a page being saved at the same moment
    either finishes before the erasure or finds its invitation gone.
    """
    statement = select(Invitation.id).where(Invitation.candidate_id == candidate_id)
    if owner is not None:
        statement = statement.where(Invitation.owner == owner)
    _lock(session, statement)
    invitation_ids = list(session.scalars(statement))
    record = _delete(session, invitation_ids, reason="request", now=now)
    record.candidate_hmac = None if key is None else candidate_hmac(candidate_id, key)
    record.owner = owner
    session.commit()
    return record


def purge_expired(
    session: Session, retention_days: float, *, now: datetime | None = None, record_empty: bool = True
) -> Erasure | None:
    """Delete invitations created more than ``retention_days`` ago, with their answers and results.

    One erasure record with reason ``"retention"`` counts what went; with ``record_empty=False``
    a run that found nothing writes no record and returns ``None`` (the hourly job in ``serve``).
    """
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    statement = select(Invitation.id).where(Invitation.created_at < cutoff)
    _lock(session, statement)
    invitation_ids = list(session.scalars(statement))
    if not invitation_ids and not record_empty:
        session.rollback()
        return None
    record = _delete(session, invitation_ids, reason="retention", now=now)
    session.commit()
    return record


def _lock(session: Session, ids: Any) -> None:
    # A write that changes nothing takes the write lock on SQLite and the rows' locks on PostgreSQL,
    # so what is read next cannot change under us before the commit.
    session.execute(
        update(Invitation)
        .where(ids.whereclause)
        .values(status=Invitation.status)
        .execution_options(synchronize_session=False)
    )


def purge_database(url: str, retention_days: float) -> Erasure:
    """:func:`purge_expired` on the database at ``url`` (what ``profilefit purge-expired`` runs)."""
    engine = make_engine(url)
    try:
        with sessions(engine)() as session:
            record = purge_expired(session, retention_days)
        scrub(engine)
        assert record is not None  # record_empty: always a record
        return record
    finally:
        engine.dispose()


def _delete(session: Session, invitation_ids: list[str], *, reason: str, now: datetime | None) -> Erasure:
    counts = {"invitations": len(invitation_ids), "answers": 0, "results": 0}
    for start in range(0, len(invitation_ids), 500):
        chunk = invitation_ids[start : start + 500]
        counts["answers"] += _count_deleted(session, delete(Answer).where(Answer.invitation_id.in_(chunk)))
        counts["results"] += _count_deleted(session, delete(StoredResult).where(StoredResult.invitation_id.in_(chunk)))
        session.execute(delete(Invitation).where(Invitation.id.in_(chunk)))
    record = Erasure(reason=reason, erased_at=now or utcnow(), **counts)
    session.add(record)
    session.flush()
    return record


def _count_deleted(session: Session, statement: Any) -> int:
    return int(getattr(session.execute(statement), "rowcount", 0) or 0)


def erasure_json(record: Erasure) -> dict[str, Any]:
    """An erasure record as the API returns it."""
    return {
        "erasure_id": record.public_id,
        "reason": record.reason,
        "erased_at": record.erased_at.isoformat(),
        "deleted": {"invitations": record.invitations, "answers": record.answers, "results": record.results},
    }


def result_of(stored: StoredResult) -> dict[str, Any]:
    """The stored result as the JSON object it was."""
    value: dict[str, Any] = json.loads(stored.result_json)
    return value
