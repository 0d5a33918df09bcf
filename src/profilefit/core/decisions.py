"""A JSON Lines decision log that names candidates only by a keyed pseudonym.

Each line is one record: ``kind`` ``"decision"`` (a scored candidate), ``"review"`` (what a
person decided about a result) or ``"erasure"`` (one candidate's lines were removed). A
candidate appears only as ``candidate``: HMAC-SHA256 of the candidate id under the
organisation's secret key, so that one candidate's lines can be found and erased later
from the id alone, while the log itself names nobody. A log that several organisations
write to (the service, one per API key) also names who wrote each line, as ``organisation``:
a keyed pseudonym of the writer (:meth:`DecisionLog.written_for`), so that an erasure can
reach one organisation's lines and leave another's.

Appends are safe across threads (a lock) and processes (``flock`` on the file, and one
``write`` per batch of lines on a file opened for appending). Lines are formatted before any
lock is taken; the file stays open between appends, and each append holds the locks only for
its one ``write``. A line is in the file (handed to the operating system) when ``append``
returns: it survives the crash of the writing process, not the loss of the machine's power
(docs/decision-log.md, "Durability").
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic_core import to_json

from profilefit.exceptions import DecisionLogError

try:  # POSIX; on other systems appends are serialised within the process only
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

#: Not inherited by programs the process starts (POSIX; Windows handles are not inherited by default).
_CLOSE_ON_EXEC = getattr(os, "O_CLOEXEC", 0)

#: Environment variable holding the organisation's secret key for pseudonyms.
KEY_ENVIRONMENT = "PROFILEFIT_DECISION_LOG_KEY"

# Who the lines appended in this context are written for (DecisionLog.written_for). A context variable,
# so that threads and tasks scoring for different organisations at once through one shared screener
# each name their own; None: nobody (the library, the command line).
_WRITER: ContextVar[str | None] = ContextVar("profilefit_decision_log_writer", default=None)


def as_line(record: dict[str, Any]) -> bytes:
    r"""One record as one JSON line, UTF-8: compact, keys in the record's order, non-ASCII kept as is.

    pydantic-core's encoder writes the same bytes as ``json.dumps(record, ensure_ascii=False,
    separators=(",", ":"))`` for the log's records (text, integers, floats, booleans, null) in a fifth
    of the time; a float may be written in another form of the same number (``0.00001`` for
    ``1e-05``), which every JSON reader reads as the same float.

    Examples
    --------
    >>> as_line({"kind": "review", "note": "très bien", "score": 0.5}).decode("utf-8")
    '{"kind":"review","note":"très bien","score":0.5}\n'
    """
    return to_json(record) + b"\n"


def now() -> str:
    """The time of a record: UTC, ISO 8601, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class DecisionLog:
    """An append-only JSON Lines decision log, with keyed pseudonyms for candidates.

    Parameters
    ----------
    path : str or Path
        The log file (created on the first write).
    key : str or bytes, optional
        The organisation's secret for pseudonyms. By default the environment variable
        :data:`KEY_ENVIRONMENT`, else a key file beside the log (``NAME.key``, created with
        owner-only permissions on first use). Keep the key apart from the log in production:
        whoever holds both can test whether a given id is in the log.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> log = DecisionLog(pathlib.Path(tempfile.mkdtemp()) / "decisions.jsonl", key="secret")
    >>> log.pseudonym("cand-1") == log.pseudonym("cand-1") != log.pseudonym("cand-2")
    True
    """

    def __init__(self, path: str | Path, *, key: str | bytes | None = None) -> None:
        self.path = Path(path)
        self._key = key.encode("utf-8") if isinstance(key, str) else key
        self._lock = threading.Lock()
        # The open append descriptor: (descriptor, device and inode of its file, process id).
        self._appender: tuple[int, tuple[int, int], int] | None = None

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        """Close the file kept open for appends (the next append opens it again)."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ did not finish
            return
        with lock:  # not while another thread writes with the descriptor
            appender, self._appender = self._appender, None
            if appender is not None and appender[2] == os.getpid():
                with contextlib.suppress(OSError):
                    os.close(appender[0])

    # ---- pseudonyms ---------------------------------------------------------------

    def _secret(self) -> bytes:
        if self._key is None:
            from_environment = os.environ.get(KEY_ENVIRONMENT)
            self._key = from_environment.encode("utf-8") if from_environment else self._key_file()
        return self._key

    def _key_file(self) -> bytes:
        path = self.path.with_name(self.path.name + ".key")
        if not path.exists():
            # Written whole under a private name, then linked into place: link fails if another
            # process got there first, so no process ever reads a key file that is still empty.
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(descriptor, "wb") as stream:
                    stream.write(secrets.token_hex(32).encode("ascii") + b"\n")
                    stream.flush()
                    os.fsync(stream.fileno())
                with contextlib.suppress(FileExistsError):
                    os.link(draft, path)
            finally:
                draft.unlink(missing_ok=True)
        key = path.read_bytes().strip()
        if not key:  # never written so by profilefit: pseudonyms under an empty key would protect nobody
            raise DecisionLogError(f"{path}: the decision log's key file is empty; restore the key or remove the file")
        return key

    def pseudonym(self, candidate_id: str) -> str:
        """The candidate's keyed pseudonym: HMAC-SHA256 of the id (as the schema reads it), in hex."""
        return hmac.digest(self._secret(), candidate_id.strip().encode("utf-8"), "sha256").hex()  # one C call

    def organisation_pseudonym(self, writer: str) -> str:
        """How a line names the organisation that wrote it: HMAC-SHA256 of ``writer`` under the log's key, in hex.

        Domain-separated from the candidates' pseudonyms (a NUL byte, which no candidate id may hold), so
        that an organisation's pseudonym is never a candidate's.
        """
        return hmac.digest(self._secret(), b"organisation\x00" + writer.encode("utf-8"), "sha256").hex()

    @staticmethod
    @contextlib.contextmanager
    def written_for(writer: str) -> Iterator[None]:
        """Within the block, every decision and review line appended (to any log) names ``writer``.

        ``writer`` is the organisation's identity as its caller knows it (the service: the digest of the
        API key); a line holds only :meth:`organisation_pseudonym` of it, never ``writer`` itself. Lines
        appended in other threads or tasks are not affected.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> log = DecisionLog(pathlib.Path(tempfile.mkdtemp()) / "decisions.jsonl", key="secret")
        >>> with DecisionLog.written_for("org-a"):
        ...     _ = log.review("c-1", reviewer="K. Berg", decision="invite")
        >>> _ = log.review("c-1", reviewer="K. Berg", decision="hold")
        >>> [record.get("organisation") == log.organisation_pseudonym("org-a") for record in log.records("c-1")]
        [True, False]
        """
        token = _WRITER.set(writer)
        try:
            yield
        finally:
            _WRITER.reset(token)

    def _attributed(self, records: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        """``records`` naming the writer of this context (:meth:`written_for`), if any; erasure lines never do."""
        writer = _WRITER.get()
        if writer is None:
            return records
        organisation = self.organisation_pseudonym(writer)
        return (
            record if record.get("kind") == "erasure" else {**record, "organisation": organisation}
            for record in records
        )

    # ---- writing ------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self, mode: str) -> Iterator[Any]:
        if not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, mode=0o700)
        if mode != "r" and not self.path.exists():
            # Owner-only from the first byte: the log is personal data (pseudonymised, GDPR Recital 26).
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        with self._lock, self.path.open(mode, encoding="utf-8") as stream:
            if fcntl is not None:
                fcntl.flock(stream.fileno(), fcntl.LOCK_EX)
            try:
                yield stream
            finally:
                if fcntl is not None:
                    stream.flush()
                    fcntl.flock(stream.fileno(), fcntl.LOCK_UN)

    def _descriptor(self) -> int:
        """The log opened for appending, kept open; opened again if the file was removed or replaced.

        Called with ``self._lock`` held. A descriptor inherited from a parent process is not used:
        its ``flock`` would be the parent's.
        """
        if self._appender is not None:
            descriptor, identity, pid = self._appender
            try:
                status = os.stat(self.path)
            except FileNotFoundError:
                status = None
            if pid == os.getpid() and status is not None and (status.st_dev, status.st_ino) == identity:
                return descriptor
            if pid == os.getpid():
                os.close(descriptor)
            self._appender = None
        if not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, mode=0o700)
        # Owner-only from the first byte: the log is personal data (pseudonymised, GDPR Recital 26).
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _CLOSE_ON_EXEC, 0o600)
        status = os.fstat(descriptor)
        self._appender = (descriptor, (status.st_dev, status.st_ino), os.getpid())
        return descriptor

    def _write(self, blocks: Iterable[bytes]) -> None:
        """Write blocks at the end of the log, under the thread lock and an exclusive ``flock``."""
        with self._lock:
            descriptor = self._descriptor()
            if fcntl is not None:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
            try:
                for block in blocks:
                    view = memoryview(block)
                    while view:  # one write(2) unless the kernel takes less (a full disk, a signal)
                        view = view[os.write(descriptor, view) :]
            finally:
                if fcntl is not None:
                    fcntl.flock(descriptor, fcntl.LOCK_UN)

    def append(self, records: Iterable[dict[str, Any]]) -> int:
        """Append records, one JSON line each, in one write; return how many.

        The lines are formatted before any lock is taken; the locks are held for the write alone.
        """
        lines = [as_line(record) for record in self._attributed(records)]
        if lines:
            self._write([b"".join(lines)])
        return len(lines)

    def append_file(self, staged: Path) -> None:
        """Append the lines of a staged file (written by a batch run that has now succeeded)."""
        with staged.open("rb") as stream:
            self._write(iter(lambda: stream.read(1 << 20), b""))

    def review(self, candidate_id: str, *, reviewer: str, decision: str, note: str | None = None) -> dict[str, Any]:
        """Append what a person decided about a candidate's result (human oversight, EU AI Act Art. 14)."""
        reviewer, decision = reviewer.strip(), decision.strip()
        if not reviewer or not decision:
            raise DecisionLogError("a review needs the reviewer and the decision, both non-empty")
        record = {
            "kind": "review",
            "time": now(),
            "candidate": self.pseudonym(candidate_id),
            "reviewer": reviewer,
            "decision": decision,
            "note": note,
        }
        self.append([record])
        return record

    # ---- reading and erasing ------------------------------------------------------

    def records(self, candidate_id: str | None = None) -> list[dict[str, Any]]:
        """All records, or those of one candidate (found by pseudonym)."""
        if not self.path.exists():
            return []
        wanted = None if candidate_id is None else self.pseudonym(candidate_id)
        found = []
        with self._locked("r") as stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise DecisionLogError(f"{self.path}, line {number}: not a JSON record ({error.msg})") from None
                if wanted is None or record.get("candidate") == wanted:
                    found.append(record)
        return found

    def erase(
        self, candidate_id: str, *, reason: str = "erasure request (GDPR Art. 17)", writer: str | None = None
    ) -> int:
        """Remove every line of one candidate; append an ``erasure`` record; return how many lines went.

        With ``writer``, only the candidate's lines written for that organisation (:meth:`written_for`)
        go: a line of another organisation, or one that names none (written before lines were
        attributed, or by the library), stays. The erasure record holds the time, the count and the
        reason, not the pseudonym, so the log keeps no trace of whom it was about. The file is
        rewritten in place under its lock, so a writer in another process waits and then appends to
        the rewritten file.
        """
        wanted = self.pseudonym(candidate_id)
        if writer is None:
            return self._rewrite(lambda record: record.get("candidate") == wanted, reason)
        organisation = self.organisation_pseudonym(writer)
        return self._rewrite(
            lambda record: record.get("candidate") == wanted and record.get("organisation") == organisation, reason
        )

    def purge(self, before: datetime, *, reason: str = "retention period ended") -> int:
        """Remove every decision and review line written before ``before``; return how many went.

        Erasure lines stay (they name nobody). One ``erasure`` line records the count and the reason.
        Nothing is rewritten, and no line added, when no line is old enough.
        """
        cutoff = before.astimezone(UTC).isoformat(timespec="milliseconds")

        def old(record: dict[str, Any]) -> bool:
            # ISO 8601 times in UTC of one width compare as text in time order.
            return record.get("kind") != "erasure" and str(record.get("time", "")) < cutoff

        return self._rewrite(old, reason, when_none=False)

    def _rewrite(self, remove: Any, reason: str, *, when_none: bool = True) -> int:
        """Rewrite the log without the lines ``remove`` picks, then append an erasure line with the count.

        In place under the lock, so a writer in another process waits and then appends to the rewritten
        file; the file is flushed to disk before the lock is released.
        """
        if not self.path.exists():
            return 0
        with self._locked("r+") as stream:
            kept, removed = [], 0
            for line in stream:
                try:
                    gone = bool(remove(json.loads(line)))
                except (json.JSONDecodeError, AttributeError):
                    gone = False
                if gone:
                    removed += 1
                else:
                    kept.append(line)
            if removed == 0 and not when_none:
                return 0
            record = {"kind": "erasure", "time": now(), "lines_removed": removed, "reason": reason}
            kept.append(as_line(record).decode("utf-8"))
            stream.seek(0)
            stream.writelines(kept)
            stream.truncate()
            stream.flush()
            os.fsync(stream.fileno())
        return removed

    # ---- staging for batches ------------------------------------------------------

    @contextlib.contextmanager
    def staged(self) -> Iterator[_Stage]:
        """A stage for a batch run: lines go to a temporary file, appended only if the block ends well."""
        stage = _Stage(self)
        try:
            yield stage
        except BaseException:
            stage.discard()
            raise
        stage.commit()


class _Stage:
    """Decision lines of a batch run, held in a temporary file next to the log until the run succeeds."""

    def __init__(self, log: DecisionLog) -> None:
        self.log = log
        log.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = log.path.with_name(f"{log.path.name}.{os.getpid()}.{secrets.token_hex(4)}.partial")
        self._stream = self.path.open("wb")

    def add(self, records: Iterable[dict[str, Any]]) -> None:
        self._stream.writelines(as_line(record) for record in records)

    def commit(self) -> None:
        self._stream.close()
        try:
            self.log.append_file(self.path)
        finally:
            self.path.unlink(missing_ok=True)

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self._stream.close()
        self.path.unlink(missing_ok=True)


__all__ = ["KEY_ENVIRONMENT", "DecisionLog", "DecisionLogError", "as_line"]
