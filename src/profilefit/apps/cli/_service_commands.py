"""``profilefit serve``, ``export-results`` and ``purge-expired``: the assessment service's commands.

``serve`` turns its options into ``PROFILEFIT_*`` variables, brings the database schema
up to date once, and starts uvicorn; each worker builds its app from those variables
(:func:`profilefit.apps.service.app_from_env`). See docs/service.md.

With more than one worker on Linux, the workers share one listening socket and each takes a new
connection only while it has taken no more lately than the others (:class:`BalancedListener`;
docs/performance.md, "The service"); elsewhere they share one socket as uvicorn's ``--workers`` does.
"""

from __future__ import annotations

import argparse
import errno
import functools
import logging
import math
import os
import secrets
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from profilefit.apps.cli._exit import EXIT_OK, EXIT_USAGE

#: Where ``serve`` keeps a generated secret key when none is given.
DEFAULT_SECRET_FILE = "profilefit-service.secret"
DEFAULT_DATABASE = "sqlite:///profilefit-service.db"
DEFAULT_DECISION_LOG = "profilefit-decisions.jsonl"


def register(subparsers: Any) -> None:
    """Add the service's sub-commands."""
    serve = subparsers.add_parser(
        "serve",
        help="run the assessment service: HTTP API, candidate test page, Greenhouse adapter (needs [service])",
        description="Start the service on uvicorn. Needs at least one API key (--api-key-file or PROFILEFIT_API_KEYS). "
        "Storage defaults to a SQLite file; any SQLAlchemy URL works. See docs/service.md.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default: %(default)s)")
    serve.add_argument(
        "--loop",
        choices=("asyncio", "uvloop"),
        default="asyncio",
        help="the workers' event loop (default: %(default)s: under load its slowest answers wait about a tenth "
        "less than uvloop's, for the same CPU; docs/performance.md)",
    )
    serve.add_argument("--api-key-file", help="file of API keys, one per line (adds to PROFILEFIT_API_KEYS)")
    serve.add_argument(
        "--callback-key-file",
        help="file of each organisation's completion-callback key: lines 'API_KEY CALLBACK_KEY' (docs/service.md)",
    )
    serve.add_argument(
        "--secret-key-file",
        help=f"file holding the key that signs candidate links (default: {DEFAULT_SECRET_FILE}, made if missing)",
    )
    serve.add_argument("--database", help=f"SQLAlchemy URL (default: {DEFAULT_DATABASE})")
    serve.add_argument("--public-url", help="how candidates reach the service, for links (default: http://HOST:PORT)")
    serve.add_argument("--model", help="a model file (.model.json) with its manifest; default: the reference model")
    serve.add_argument("--role", help="the default role (default: complex-case)")
    serve.add_argument(
        "--decision-log",
        help=f"append a decision record per scored candidate (JSON Lines; default: {DEFAULT_DECISION_LOG}; "
        "'none' for no log)",
    )
    serve.add_argument("--rate-limit", type=float, help="requests per second per API key and worker (default: 50)")
    serve.add_argument("--max-body-bytes", type=int, help="largest request body (default: 262144)")
    serve.add_argument("--cors-origin", action="append", default=[], help="allow browser calls from this origin")
    serve.add_argument("--retention-days", type=float, help="days invitations and results are kept (default: 180)")
    serve.set_defaults(func=run_serve)

    export = subparsers.add_parser(
        "export-results",
        help="write the service's stored results as a batch results file (for audit, shortlist, validate)",
    )
    export.add_argument("--database", default=os.environ.get("PROFILEFIT_DATABASE_URL", DEFAULT_DATABASE))
    export.add_argument("-o", "--output", required=True, help="results file (.csv .jsonl .parquet .xlsx)")
    export.add_argument("--model", help="the model whose columns to write; default: the reference model")
    export.set_defaults(func=run_export)

    purge = subparsers.add_parser(
        "purge-expired", help="delete the service's invitations, answers and results older than the retention period"
    )
    purge.add_argument("--database", default=os.environ.get("PROFILEFIT_DATABASE_URL", DEFAULT_DATABASE))
    purge.add_argument(
        "--retention-days",
        type=float,
        default=float(os.environ.get("PROFILEFIT_RETENTION_DAYS", "180")),
        help="keep this many days (default: PROFILEFIT_RETENTION_DAYS or 180)",
    )
    purge.set_defaults(func=run_purge)


def serve_environment(args: argparse.Namespace, environ: dict[str, str]) -> dict[str, str]:
    """The ``PROFILEFIT_*`` variables that configure the workers, from the options and ``environ``."""
    env = dict(environ)
    options = {
        "PROFILEFIT_API_KEY_FILE": args.api_key_file,
        "PROFILEFIT_CALLBACK_KEY_FILE": args.callback_key_file,
        "PROFILEFIT_DATABASE_URL": args.database,
        "PROFILEFIT_MODEL_PATH": args.model,
        "PROFILEFIT_ROLE": args.role,
        "PROFILEFIT_DECISION_LOG": args.decision_log,
        "PROFILEFIT_RATE_PER_SECOND": None if args.rate_limit is None else str(args.rate_limit),
        "PROFILEFIT_RATE_BURST": None if args.rate_limit is None else str(max(2 * args.rate_limit, 1)),
        "PROFILEFIT_MAX_BODY_BYTES": None if args.max_body_bytes is None else str(args.max_body_bytes),
        "PROFILEFIT_RETENTION_DAYS": None if args.retention_days is None else str(args.retention_days),
        "PROFILEFIT_CORS_ORIGINS": ",".join(args.cors_origin) or None,
        "PROFILEFIT_PUBLIC_URL": args.public_url,
    }
    env.update({name: value for name, value in options.items() if value is not None})
    env.setdefault("PROFILEFIT_DATABASE_URL", DEFAULT_DATABASE)
    env.setdefault("PROFILEFIT_DECISION_LOG", DEFAULT_DECISION_LOG)
    if env["PROFILEFIT_DECISION_LOG"].lower() == "none":
        del env["PROFILEFIT_DECISION_LOG"]
    # One BLAS thread per worker: a score is a handful of tiny matrix products, and BLAS threads
    # that spin beside other workers cost more than half the throughput (docs/performance.md).
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(variable, "1")
    env.setdefault("PROFILEFIT_PUBLIC_URL", f"http://{args.host}:{args.port}")
    if args.secret_key_file:
        env["PROFILEFIT_SECRET_KEY_FILE"] = args.secret_key_file
    elif not env.get("PROFILEFIT_SECRET_KEY") and not env.get("PROFILEFIT_SECRET_KEY_FILE"):
        secret = Path(DEFAULT_SECRET_FILE)
        if not secret.exists():
            secret.touch(mode=0o600)
            secret.write_text(secrets.token_urlsafe(48) + "\n", encoding="utf-8")
            print(f"profilefit serve: made a new link-signing key in {secret} (keep it; every worker reads it)")
        env["PROFILEFIT_SECRET_KEY_FILE"] = str(secret)
    return env


def run_serve(args: argparse.Namespace) -> int:
    """Check the configuration, migrate the database once, then run uvicorn until stopped."""
    try:
        import uvicorn

        from profilefit.apps.service import AssessmentService, Settings, upgrade
    except ImportError as error:
        from profilefit._extras import install_hint

        print(f"profilefit serve: needs the 'service' extra ({error}); {install_hint('service')}", file=sys.stderr)
        return EXIT_USAGE
    # Every file the service makes (database, its WAL, the decision log, keys) is its owner's alone.
    os.umask(0o077)
    env = serve_environment(args, dict(os.environ))
    settings = Settings.from_env(env)
    if not settings.api_key_digests:
        print("profilefit serve: no API key; give --api-key-file or set PROFILEFIT_API_KEYS", file=sys.stderr)
        return EXIT_USAGE
    upgrade(settings.database_url)
    env["PROFILEFIT_MIGRATE"] = "0"  # done once here, not by every worker at once
    # Load the model and bind the role once here, so a role that does not fit the model is one clear
    # message (ValueError, exit 2) instead of every worker failing at start.
    AssessmentService(settings).engine.dispose()
    if settings.decision_log:
        from profilefit.core.decisions import DecisionLog

        # Make the log's pseudonym key (if it comes from a key file) here, once, before the workers race to.
        DecisionLog(settings.decision_log).pseudonym("")
    os.environ.update(env)
    options: dict[str, Any] = {
        "factory": True,
        "host": args.host,
        "port": args.port,
        "access_log": False,  # uvicorn's log prints paths, which hold candidate tokens; the app logs routes
        "proxy_headers": True,
        "loop": args.loop,
    }
    if args.workers > 1 and sys.platform == "linux":
        return run_workers(uvicorn.Config("profilefit.apps.service:app_from_env", **options), args.workers)
    uvicorn.run("profilefit.apps.service:app_from_env", workers=args.workers, **options)
    return EXIT_OK


#: The exit status of a uvicorn worker that could not start (its app).
STARTUP_FAILURE = 3

#: How long (seconds) since a worker's event loop last turned before the others stop leaving it
#: connections (it is stuck, blocked in one long request, or dead and not yet replaced).
BALANCE_GRACE = 0.1

#: How often (seconds) a worker's event loop says it is turning.
HEARTBEAT = 0.025

#: The time constant (seconds) over which a worker's count of connections it took fades: what is
#: balanced is the connections taken lately, not those held (an idle keep-alive pool is no load).
RECENT = 1.0


def listening_socket(host: str, port: int) -> socket.socket:
    """The bound TCP socket that every worker accepts from (each makes it listen once its app has started)."""
    family, kind, protocol, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    listener = socket.socket(family, kind, protocol)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
    except OSError:
        listener.close()
        raise
    return listener


class BalancedListener(socket.socket):
    """The workers' shared listening socket: each worker takes its share of the new connections.

    ``shares`` is shared memory with three slots per worker: how many connections it has taken lately
    (a count that fades with the time constant :data:`RECENT`), when that count was last set, and when
    its event loop last turned (a heartbeat every :data:`HEARTBEAT` seconds, from when it listens).
    Every worker is woken for each waiting connection, and asyncio's accept loop calls :meth:`accept`.
    A worker that has taken more lately than another worker whose loop turned within
    :data:`BALANCE_GRACE` seconds refuses the connection (``BlockingIOError``, which asyncio reads as
    "none waiting"), and that worker takes it when its loop next polls. A worker whose loop has not
    turned (stuck, blocked, or dead and not yet replaced), or that does not listen (starting, or
    stopping), is left nothing. How busy a worker is does not count: a rule that left nothing to a
    worker whose heartbeat came late split bursts of new connections unevenly under load (14/36).

    Connections taken long ago do not count: an idle keep-alive pool is no load, and balancing by
    connections held sent every new connection to a busy worker holding fewer. Without this the first
    worker awake takes every waiting connection, and with ``SO_REUSEPORT`` the kernel's hash gave one
    worker up to 34 of 50 (docs/performance.md). uvloop accepts in libuv and never calls
    :meth:`accept`, so with ``--loop uvloop`` the first worker awake takes them.
    """

    def __init__(
        self, listener: socket.socket, shares: Any, index: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(listener.family, listener.type, listener.proto, fileno=listener.detach())
        self._shares, self._slot, self._clock = shares, 3 * index, clock

    def taken(self, now: float) -> float:
        """How many connections this worker has taken lately, as of ``now``."""
        return faded(self._shares[self._slot], self._shares[self._slot + 1], now)

    def beat(self) -> None:
        """Say that this worker's event loop is turning."""
        self._shares[self._slot + 2] = self._clock()

    def listen(self, backlog: int = socket.SOMAXCONN) -> None:
        super().listen(backlog)
        now = self._clock()
        self._shares[self._slot : self._slot + 3] = [0.0, now, now]  # from now on it gets its share
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # listening outside an event loop: no heartbeat
            return

        def beat_again() -> None:
            if self.fileno() != -1:  # until the server closes it
                self.beat()
                loop.call_later(HEARTBEAT, beat_again)

        loop.call_later(HEARTBEAT, beat_again)

    def close(self) -> None:
        if self.fileno() != -1:  # a worker stopping: nothing more is left for it
            self._shares[self._slot] = math.inf
        super().close()

    def accept(self) -> tuple[socket.socket, Any]:
        shares, slot, now = self._shares, self._slot, self._clock()
        mine = self.taken(now)
        for other in range(0, len(shares), 3):
            if (
                other != slot
                and shares[other + 2] >= now - BALANCE_GRACE
                and faded(shares[other], shares[other + 1], now) < mine
            ):
                raise BlockingIOError(errno.EAGAIN, "left for a worker that has taken fewer connections lately")
        connection, address = super().accept()
        shares[slot], shares[slot + 1] = mine + 1.0, now
        return connection, address


def faded(count: float, since: float, now: float) -> float:
    """A count set at ``since``, faded to ``now`` with the time constant :data:`RECENT`."""
    return count * math.exp(-(now - since) / RECENT) if count != math.inf else math.inf


def balanced_worker(config: Any, shares: Any, index: int, sockets: list[socket.socket]) -> None:
    """Worker ``index``: uvicorn's server on the shared socket, taking its share of new connections."""
    import uvicorn

    server = uvicorn.Server(config)
    listener = BalancedListener(sockets[0], shares, index)
    server.run(sockets=[listener])
    if not server.started:  # the app did not start (uvicorn logged why): the same on every restart
        sys.exit(STARTUP_FAILURE)


def run_workers(config: Any, workers: int) -> int:
    """Run ``workers`` uvicorn worker processes on one listening socket, balanced, until stopped.

    A worker that dies is started again in its place; one that could not start stops them all (exit
    status 2), as does a socket that cannot be bound. SIGINT or SIGTERM stops the workers gracefully
    (uvicorn finishes their open requests).
    """
    import multiprocessing

    from uvicorn._subprocess import get_subprocess

    log = logging.getLogger("uvicorn.error")
    try:
        listener = listening_socket(config.host, config.port)
    except OSError as error:
        log.error("cannot listen on %s:%s: %s", config.host, config.port, error)
        return EXIT_USAGE
    config.workers = workers  # as uvicorn's own supervisor sets it for its workers
    # Per worker: connections taken lately, when that was set, its heartbeat (see BalancedListener).
    shares = multiprocessing.get_context("spawn").RawArray("d", [math.inf, 0.0, 0.0] * workers)

    def start(index: int) -> Any:
        shares[3 * index] = math.inf  # nothing is left for it until it listens (nor for a dead one's replacement)
        target = functools.partial(balanced_worker, config, shares, index)
        process = get_subprocess(config, target=target, sockets=[listener])
        process.start()
        return process

    stop = threading.Event()
    # SIGHUP too (a closed terminal): the workers are stopped with the supervisor, never left serving unsupervised.
    hang_up = (signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ()
    for number in (signal.SIGINT, signal.SIGTERM, *hang_up):
        signal.signal(number, lambda *_: stop.set())
    processes = [start(index) for index in range(workers)]
    failed = False
    while not stop.wait(0.5):
        for index, process in enumerate(processes):
            if process.is_alive():
                continue
            if process.exitcode == STARTUP_FAILURE:
                log.error("worker %s could not start; stopping", process.pid)
                failed = True
                stop.set()
                break
            log.info("worker %s exited (%s); starting another", process.pid, process.exitcode)
            processes[index] = start(index)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
            process.join()
    listener.close()
    return EXIT_USAGE if failed else EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    """Write the stored results in the batch results format."""
    from profilefit.apps.service import export_results
    from profilefit.core.screening import Screener
    from profilefit.exceptions import MissingExtraError

    try:
        count = export_results(args.database, args.output, screener=Screener.load(args.model))
    except MissingExtraError as error:
        print(f"profilefit export-results: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {count} result(s) to {args.output}")
    return EXIT_OK


def run_purge(args: argparse.Namespace) -> int:
    """Delete what is past the retention period and print the erasure record."""
    from profilefit.apps.service import purge_database

    record = purge_database(args.database, args.retention_days)
    print(
        f"purged {record.invitations} invitation(s), {record.answers} answer(s), {record.results} result(s) "
        f"older than {args.retention_days:g} days (erasure record {record.id})"
    )
    return EXIT_OK
