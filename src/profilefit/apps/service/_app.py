"""The app factory: :func:`create_app` builds the whole service from :class:`Settings`, no server needed."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import cast

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from profilefit.apps.service._api import PAGE_ALLOWED, DirectRoute, api_router, direct_routes, health_router
from profilefit.apps.service._callbacks import Clock
from profilefit.apps.service._core import AssessmentService
from profilefit.apps.service._greenhouse import greenhouse_router
from profilefit.apps.service._idempotency import HEADER as IDEMPOTENCY_HEADER
from profilefit.apps.service._limits import GUARDED_PREFIXES, FailedLogins, signed_link
from profilefit.apps.service._openapi import install as install_openapi
from profilefit.apps.service._outbound import callback_allowed_text
from profilefit.apps.service._problems import CANDIDATE_PREFIX, Problem, install_handlers, problem_response
from profilefit.apps.service._retention import RetentionJob
from profilefit.apps.service._security import Signer
from profilefit.apps.service._settings import (
    DEFAULT_ORGANISATION,
    DEFAULT_PRIVACY_CONTACT,
    RECOMMENDED_KEY_CHARS,
    Settings,
)
from profilefit.apps.service._storage import upgrade, utcnow
from profilefit.apps.service._take import error_page, take_router
from profilefit.core.artifact import ModelArtifact
from profilefit.core.schema import ID_ALLOWED

log = logging.getLogger("profilefit.service.access")
startup_log = logging.getLogger("profilefit.service")
_DEFAULT_HEADERS = ((b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"))

DESCRIPTION = """\
Score contact-centre candidates against the seven service-rep profiles and a role, invite
candidates to a test page, and connect an applicant-tracking system (Greenhouse's Assessment
Partner API is mounted at `/greenhouse`). Results support a human decision; they must not be
the sole basis for rejecting anyone. The reference model is trained on simulated candidates.
Errors are RFC 9457 problem details. See docs/service.md.
"""


def create_app(settings: Settings, *, artifact: ModelArtifact | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the service's ASGI app.

    Parameters
    ----------
    settings : Settings
    artifact : ModelArtifact, optional
        A loaded model to reuse (tests load it once); default: ``settings.model_path``.
    clock : callable, optional
        Now, as an aware datetime, for the callback outbox and sender and for the retention job
        (tests drive it); default: UTC now.

    Returns
    -------
    fastapi.FastAPI
        Serve it with any ASGI server (``profilefit serve`` runs uvicorn), or test it with
        ``fastapi.testclient.TestClient``. ``app.state.service`` is the
        :class:`~profilefit.apps.service._core.AssessmentService` behind it. While the app runs
        (between its ASGI lifespan's start and shutdown) a thread delivers completion callbacks.
    """
    from importlib.metadata import version as package_version

    if settings.migrate:
        upgrade(settings.database_url)
    service = AssessmentService(settings, artifact, clock=clock)
    warn_about(settings)
    retention = RetentionJob(service, clock=clock or utcnow)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # While the server runs: the sender delivers completion callbacks (their rows wait in the database),
        # and the retention job erases what is past its time.
        service.callbacks.start()
        retention.start()
        try:
            yield
        finally:
            retention.stop()
            await run_in_threadpool(service.callbacks.stop)

    app = FastAPI(
        lifespan=lifespan,
        title="profilefit assessment service",
        version=package_version("profilefit"),
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,  # FastAPI's docs page loads scripts from a CDN; /openapi.json serves any viewer
        redoc_url=None,
        # No 307 to the path without its trailing slash: it was sent before the key check, to an address
        # built from the request's Host header, and a client following it sent its POST body again. A path
        # with a trailing slash is an unknown route (404), as the document says.
        redirect_slashes=False,
    )
    app.state.service = service
    app.state.retention = retention

    async def candidate_error(request: Request, status: int) -> Response:
        # The page may read the invitation's language from the database: off the event loop.
        return await run_in_threadpool(error_page, service, request, status)

    async def refused_page(request: Request, wait: float) -> Response:
        page = await run_in_threadpool(error_page, service, request, 429)
        page.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return page

    install_handlers(app, page=candidate_error, patterns=readable_patterns(settings))
    app.include_router(health_router(service))
    v1 = api_router(service)
    app.include_router(v1)
    app.include_router(greenhouse_router(service))
    app.include_router(take_router(service))
    install_openapi(app)

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    # Per worker; tests drive its clock through create_app's.
    seconds = (lambda: clock().timestamp()) if clock is not None else None
    logins = FailedLogins(settings.login_failures_per_minute, 60.0, clock=seconds)
    app.state.failed_logins = logins
    app.add_middleware(
        Gate,
        limit=settings.max_body_bytes,
        logins=logins,
        signer=service.signer,
        page=refused_page,
        direct=direct_routes(v1.routes),  # included without a prefix: the same paths
        problems=cast("Callable[[Request, Problem], Awaitable[Response]]", app.exception_handlers[Problem]),
    )
    return app


def warn_about(settings: Settings) -> None:
    """Log a warning, once per app, for each setting a real deployment should not run without.

    The service still starts: a trial on a laptop needs none of them, but an operator must see what
    candidates and ATSs will miss.
    """
    if settings.smtp is None:
        startup_log.warning(
            "no SMTP settings (PROFILEFIT_SMTP_HOST): no invitation e-mail is sent, and Greenhouse's send_test "
            "answers 503"
        )
    if settings.organisation == DEFAULT_ORGANISATION:
        startup_log.warning(
            "PROFILEFIT_ORGANISATION is not set: the candidate's privacy notice names '%s' (in the page's language)",
            DEFAULT_ORGANISATION,
        )
    if settings.privacy_contact == DEFAULT_PRIVACY_CONTACT:
        startup_log.warning(
            "PROFILEFIT_PRIVACY_CONTACT is not set: the privacy notice tells candidates to contact '%s' (in the "
            "page's language) without saying how; GDPR Art. 13(1)(b) asks for the data protection officer's "
            "contact details",
            DEFAULT_PRIVACY_CONTACT,
        )
    if not settings.help_contact:
        startup_log.warning(
            "PROFILEFIT_HELP_CONTACT is not set: candidate pages name only the organisation to contact for help"
        )
    if settings.decision_log and settings.decision_log_days < 184:
        startup_log.warning(
            "PROFILEFIT_DECISION_LOG_DAYS=%g: decision-log lines are erased after less than six months, "
            "which the EU AI Act (Art. 26(6)) asks deployers to keep",
            settings.decision_log_days,
        )
    if settings.callback_key and not settings.callback_keys:
        if len(settings.api_key_digests) == 1:
            startup_log.warning(
                "PROFILEFIT_CALLBACK_KEY is deprecated: it serves one organisation only; give each organisation "
                "its callback key in PROFILEFIT_CALLBACK_KEY_FILE"
            )
        else:
            startup_log.warning(
                "PROFILEFIT_CALLBACK_KEY is not sent: %d organisations (API keys) would share it; give each its "
                "callback key in PROFILEFIT_CALLBACK_KEY_FILE",
                len(settings.api_key_digests),
            )
    elif settings.callback_keys and len(settings.callback_keys) < len(settings.api_key_digests):
        startup_log.warning(
            "%d organisation(s) have no callback key in PROFILEFIT_CALLBACK_KEY_FILE: their completion "
            "callbacks go without Authorization",
            len(settings.api_key_digests) - len(settings.callback_keys),
        )
    if settings.short_keys:
        startup_log.warning(
            "%d API key(s) shorter than %d characters; make keys with python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'",
            settings.short_keys,
            RECOMMENDED_KEY_CHARS,
        )


class Gate:
    """ASGI middleware, the one layer around every request: access log, failed logins, body size.

    Plain ASGI rather than ``@app.middleware``, which costs a task and a queue per request; one layer
    rather than three, each of which wrapped ``send`` (or ``receive``) again. In order, outermost first:

    - **Access log**: one log line per request with the route's template, never the path (a path can
      hold a candidate's token or id; the template, ``/take/{token}``, cannot). Every answer gets
      ``Cache-Control: no-store`` and ``X-Content-Type-Options: nosniff`` unless it set them. An
      exception from anything inside ends here: a bare 500 problem, its type and route logged.
    - **Failed logins** (:class:`~profilefit.apps.service._limits.FailedLogins`): on the guarded routes,
      an address past the limit gets 429 (a candidate a page, an API client problem details); an
      answer of 401 or a candidate or report link with a forged signature counts one failure.
    - **Body size**: a request body over ``limit`` bytes is refused with 413, by its
      ``Content-Length`` header or as it streams (a candidate's page is refused while it streams,
      inside the app, so that the refusal is a page too).
    - **Direct routes** (``direct``, by method and path; ``POST /v1/score``): their requests go
      straight to the route's handler, past FastAPI's routing, middleware and exception layers, which
      cost about a sixth of a score's CPU. What those layers do for such a request is done here the
      same way: the route is recorded in the scope, and a :class:`Problem` is answered by the app's own
      handler (``problems``); any other exception ends in the bare 500 below, as it does through them.
      A request with an ``Origin`` header, or under a ``root_path``, takes the usual way (CORS answers
      it). tests/service/test_direct_route.py checks that both ways answer alike.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        logins: FailedLogins,
        signer: Signer,
        page: Callable[[Request, float], Awaitable[Response]],
        direct: Mapping[tuple[str, str], DirectRoute] | None = None,
        problems: Callable[[Request, Problem], Awaitable[Response]] | None = None,
    ) -> None:
        self.app, self.limit, self.logins, self.signer, self.page = app, limit, logins, signer, page
        self.direct = dict(direct or {}) if problems is not None else {}
        self.problems = problems
        self._too_large = f"the request body is larger than {limit} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        responded = False
        path: str = scope.get("path", "")
        guarded = self.logins.limit > 0 and path.startswith(GUARDED_PREFIXES)
        address = ""
        if guarded:
            client = scope.get("client")
            address = client[0] if client else "(unknown)"
        logins = self.logins

        async def sending(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                responded = True
                status = int(message["status"])
                if guarded and message["status"] == 401:
                    logins.fail(address)
                # Answers hold candidate data: never cached, never sniffed into another type.
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in _DEFAULT_HEADERS if name not in names]
                message = {**message, "headers": headers}
            await send(message)

        try:
            if guarded:
                wait = logins.wait(address)
                if wait > 0:
                    await self._refuse_login(scope, receive, sending, path, wait)
                    return
                if signed_link(path, scope.get("query_string", b""), self.signer) is False:
                    logins.fail(address)
            await self._limited(scope, receive, sending, path)
        except Exception as error:
            # Left alone, Starlette would answer and then re-raise for the server to log the traceback,
            # whose messages can quote candidate data. It ends here: a bare 500, type and route logged.
            status = 500
            route = getattr(scope.get("route"), "path", "(no route)")
            log.error("%s %s: unexpected %s", scope["method"], route, type(error).__name__)
            if not responded:
                await problem_response(Problem(500, "the service could not complete the request"))(scope, receive, send)
        finally:
            if log.isEnabledFor(logging.INFO):
                route = getattr(scope.get("route"), "path", "(no route)")
                elapsed = (time.perf_counter() - started) * 1000
                log.info("%s %s %d %.1f ms", scope["method"], route, status, elapsed)

    async def _refuse_login(self, scope: Scope, receive: Receive, send: Send, path: str, wait: float) -> None:
        answer: Response
        if path.startswith(CANDIDATE_PREFIX):
            answer = await self.page(Request(scope, receive), wait)
        else:
            answer = problem_response(
                Problem(
                    429,
                    "too many failed logins from this address: wait before trying again",
                    kind="too-many-failed-logins",
                    headers={"Retry-After": str(max(1, math.ceil(wait)))},
                )
            )
        await answer(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        limit = self.limit
        if not path.startswith(CANDIDATE_PREFIX):
            for name, value in scope.get("headers", ()):
                if name == b"content-length" and (not value.isdigit() or int(value) > limit):
                    await problem_response(Problem(413, self._too_large, kind="too-large"))(scope, receive, send)
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise Problem(413, self._too_large, kind="too-large")
            return message

        route = self.direct.get((scope["method"], path)) if self.direct else None
        if route is None or scope.get("root_path") or any(name == b"origin" for name, _ in scope["headers"]):
            await self.app(scope, limited, send)
            return
        scope["route"] = route  # as the router records it: the access log names the route
        request = Request(scope, limited)
        try:
            response = await route.handler(request)
        except Problem as problem:
            assert self.problems is not None  # direct routes are kept only with the problem handler
            response = await self.problems(request, problem)
        await response(scope, limited, send)


def app_from_env() -> FastAPI:
    """The app of one ``profilefit serve`` worker, configured by ``PROFILEFIT_*`` variables.

    Its log lines (route templates, problems by kind; never paths or candidate data) go to
    standard error unless the host program configured the ``profilefit.apps.service`` logger. BLAS
    runs on one thread in this process.
    """
    from threadpoolctl import threadpool_limits

    # One BLAS thread per worker process (see profilefit.apps.cli._service_commands): this process
    # serves one request at a time per core, and spinning BLAS threads would fight the others.
    threadpool_limits(limits=1)
    service_log = logging.getLogger("profilefit.service")
    if not service_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        service_log.addHandler(handler)
        service_log.setLevel(logging.INFO)
    return create_app(Settings.from_env())


def readable_patterns(settings: Settings) -> dict[str, str]:
    """What each field, parameter or header the service checks allows, in words (by its name)."""
    return {
        "callback_url": callback_allowed_text(settings),
        "url": callback_allowed_text(settings),
        "email": "an e-mail address such as name@example.org",
        # The words POST /v1/score gives: one id, one reason, at every route.
        "candidate_id": ID_ALLOWED.removeprefix("allowed: "),
        IDEMPOTENCY_HEADER: "1 to 255 visible ASCII characters, such as a UUID",
        "assessments": f"a JSON array of at most {settings.max_batch} assessments, each a JSON object",
        **PAGE_ALLOWED,
    }
