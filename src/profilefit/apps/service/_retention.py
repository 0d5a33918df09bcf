"""The retention job: each worker of ``profilefit serve`` erases what is older than the documented periods.

Invitations, answers and results older than ``retention_days`` go from the database, decision-log
lines older than ``decision_log_days`` from the log, and SQLite's write-ahead log is emptied after
them. The job runs once when the app starts and then every ``retention_check_seconds``, in a
thread of its own, so no request waits for it. Several workers may run it at once: each deletion
is one transaction, and a run that finds nothing writes nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from profilefit.apps.service._core import AssessmentService
from profilefit.apps.service._storage import purge_expired, scrub, utcnow

log = logging.getLogger("profilefit.service")


@dataclass(frozen=True)
class RetentionRun:
    """What one run erased: invitations (with their answers and results) and decision-log lines."""

    invitations: int
    answers: int
    results: int
    decision_log_lines: int


class RetentionJob:
    """Erase, now and then, what the service has kept longer than its settings allow.

    Parameters
    ----------
    service : AssessmentService
    clock : callable, optional
        Returns "now" as an aware datetime; tests pass one that runs ahead. Default: UTC now.
    """

    def __init__(self, service: AssessmentService, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.service = service
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: How many runs have finished (tests wait on it).
        self.runs = 0

    def run_once(self) -> RetentionRun:
        """Erase what is past its period, once; return the counts."""
        settings = self.service.settings
        now = self.clock()
        with self.service.sessions() as session:
            record = purge_expired(session, settings.retention_days, now=now, record_empty=False)
        lines = 0
        if self.service.decision_log is not None:
            lines = self.service.decision_log.purge(now - timedelta(days=settings.decision_log_days))
        if record is not None:
            scrub(self.service.engine)
        done = RetentionRun(
            invitations=record.invitations if record else 0,
            answers=record.answers if record else 0,
            results=record.results if record else 0,
            decision_log_lines=lines,
        )
        if record is not None or lines:
            log.info(
                "retention: erased %d invitation(s), %d answer(s), %d result(s), %d decision-log line(s)",
                done.invitations,
                done.answers,
                done.results,
                done.decision_log_lines,
            )
        return done

    def start(self) -> None:
        """Run now and then every ``retention_check_seconds`` in a daemon thread, until :meth:`stop`."""
        interval = self.service.settings.retention_check_seconds
        if interval <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, args=(interval,), name="profilefit-retention", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after the run under way, if any."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _loop(self, interval: float) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception as error:  # a database that is down now may be up at the next run
                log.error("retention: run failed (%s); trying again in %g s", type(error).__name__, interval)
            self.runs += 1
            self._stop.wait(interval)
