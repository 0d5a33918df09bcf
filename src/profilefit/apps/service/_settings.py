"""Settings of the assessment service, read from keyword arguments or ``PROFILEFIT_*`` variables.

Every worker process of ``profilefit serve`` builds its own app, so everything a worker
needs travels in environment variables: :meth:`Settings.from_env` is the one reader.
API keys are kept only as SHA-256 digests; the plain keys are never stored.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

#: Most assessments one ``POST /v1/score/batch`` request may carry.
MAX_BATCH = 100
#: Default largest request body, in bytes (a batch of 100 full assessments is about 120 KB).
MAX_BODY_BYTES = 256 * 1024
#: Shortest API key accepted: shorter ones are refused at start (guessable within the rate limit's reach).
MIN_KEY_CHARS = 16
#: Shortest API key started without a warning (``secrets.token_urlsafe(32)`` gives 43 characters).
RECOMMENDED_KEY_CHARS = 32
#: The organisation named on the privacy notice when ``PROFILEFIT_ORGANISATION`` is unset.
DEFAULT_ORGANISATION = "the employer"
#: What the privacy notice names as the contact when none is set (in the page's language; see ``names``).
DEFAULT_PRIVACY_CONTACT = "the employer's data protection contact"
#: Greenhouse's hosts that receive the completion PATCH; other callback hosts must be allowed by name.
GREENHOUSE_CALLBACK_HOSTS = ("app.greenhouse.io", "app.eu.greenhouse.io")


def key_digest(key: str) -> str:
    """The SHA-256 hex digest under which an API key is kept."""
    return hashlib.sha256(key.strip().encode("utf-8")).hexdigest()


def read_callback_keys(text: str) -> list[tuple[str, str]]:
    """(API key, callback key) pairs from a file's text: one pair a line, separated by white space; ``#`` comments.

    Raises
    ------
    ValueError
        For a line without exactly two fields (named by its number, never its content).
    """
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 2:
            raise ValueError(f"callback key file, line {number}: {len(fields)} field(s); allowed: API_KEY CALLBACK_KEY")
        pairs.append((fields[0], fields[1]))
    return pairs


def read_keys(text: str) -> list[str]:
    """API keys from a file's text or a comma-separated variable: one per line or comma, ``#`` starts a comment."""
    keys = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        keys += [part.strip() for part in line.split(",") if part.strip()]
    return keys


@dataclass(frozen=True, kw_only=True)
class SmtpSettings:
    """Where invitation e-mails go out: an SMTP server the organisation runs or rents."""

    host: str
    port: int = 587
    sender: str = "profilefit@localhost"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    timeout: float = 10.0


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Configuration of one service instance.

    Parameters
    ----------
    api_key_digests : frozenset of str
        SHA-256 digests of the accepted API keys (see :func:`key_digest` and :meth:`with_keys`).
    short_keys : int, default=0
        How many of those keys are shorter than ``RECOMMENDED_KEY_CHARS`` (warned about at start).
    secret_key : bytes
        Signs invitation links and report links (HMAC-SHA256). Every worker must share it.
    database_url : str, default="sqlite:///profilefit-service.db"
        A SQLAlchemy URL; ``postgresql+psycopg://user:pass@host/db`` works unchanged.
    public_url : str, default="http://127.0.0.1:8000"
        How candidates and recruiters reach this service; links in e-mails start with it.
    model_path : str or None
        A model file; default the shipped reference model.
    role : str or None, default="complex-case"
        The role used when an invitation names none; ``None`` (``"none"`` in the environment):
        results without role fit, as for a model on an organisation's own instrument.
    decision_log : str or None
        A JSON Lines decision log (see :class:`profilefit.core.screening.Screener`).
    max_body_bytes, max_batch : int
        Request-size limits.
    rate_per_second, rate_burst : float
        Per-key token bucket, per worker process; ``rate_per_second=0`` turns it off.
    login_failures_per_minute : int, default=20
        Failed logins (401, or a forged candidate or report link) one client address may have per minute, per
        worker process; past it the address gets 429 until the minute ends. ``0`` turns it off.
    emails_per_hour : int, default=500
        E-mails (invitations, Greenhouse tests) one API key may send in any hour, counted in the database
        across workers and restarts; past it, 429. ``0`` turns it off.
    cors_origins : tuple of str
        Origins allowed to call the API from a browser; empty (the default) sends no CORS headers.
    invitation_days : float, default=14
        How long an invitation link stays valid.
    retention_days : float, default=180
        How long invitations, answers and results are kept (see :func:`purge_expired`).
    decision_log_days : float, default=365
        How long decision-log lines are kept: the retention job removes older ones. The EU AI Act
        (Art. 26(6)) asks for at least six months; below 184 days the service warns at start.
    retention_check_seconds : float, default=3600
        How often each worker runs the retention job (once at start, then at this interval); ``0``: never.
    organisation, privacy_contact : str
        Named on the candidate's privacy notice (GDPR Art. 13).
    help_contact : str, default=""
        Where a candidate asks for help (an e-mail address, a phone number, opening hours): shown at the
        foot of every candidate page, the same place on each (WCAG 3.2.6). Empty: the pages name only the
        organisation to contact.
    smtp : SmtpSettings or None
        Without it, invitations are created but no e-mail is sent (``send_test`` refuses).
    callback_hosts : tuple of str
        Hosts the completion callback (PATCH) may go to.
    callback_keys : tuple of (str, str)
        Each organisation's callback credential: pairs of (API-key digest, key sent as the HTTP Basic
        user name with that organisation's completion callbacks). See :meth:`callback_key_for`.
    callback_key : str or None
        Deprecated single credential: used only while exactly one API key is accepted.
    callback_timeout : float, default=10
        Seconds one callback attempt may take before it counts as failed.
    callback_deadline_hours : float, default=72
        How long a callback is retried before it is marked failed.
    callback_poll_seconds : float, default=5
        How often the sender in each worker looks for callbacks due; ``0``: no sender thread
        (another process, or a test, calls :meth:`CallbackSender.step`).
    idempotency_hours : float, default=24
        How long an idempotency key is kept: a retry within it gets the first answer.
    allow_http_callbacks : bool, default=False
        Allow ``http://`` callback URLs (tests on loopback only).
    greenhouse_score_reviewed : bool, default=False
        Send Greenhouse a ``partner_score`` also for results that need human review. Off by default:
        Greenhouse lets its users sort and bulk-reject by score, and such a score is not safe to act on.
    migrate : bool, default=True
        Bring the database schema up to date when the app starts.
    """

    api_key_digests: frozenset[str] = frozenset()
    short_keys: int = 0
    secret_key: bytes = field(repr=False, default=b"")
    database_url: str = "sqlite:///profilefit-service.db"
    public_url: str = "http://127.0.0.1:8000"
    model_path: str | None = None
    role: str | None = "complex-case"
    decision_log: str | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    max_batch: int = MAX_BATCH
    rate_per_second: float = 50.0
    rate_burst: float = 100.0
    login_failures_per_minute: int = 20
    emails_per_hour: int = 500
    cors_origins: tuple[str, ...] = ()
    invitation_days: float = 14.0
    retention_days: float = 180.0
    decision_log_days: float = 365.0
    retention_check_seconds: float = 3600.0
    organisation: str = DEFAULT_ORGANISATION
    privacy_contact: str = DEFAULT_PRIVACY_CONTACT
    help_contact: str = ""
    smtp: SmtpSettings | None = None
    callback_hosts: tuple[str, ...] = GREENHOUSE_CALLBACK_HOSTS
    callback_keys: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    callback_key: str | None = field(default=None, repr=False)
    callback_timeout: float = 10.0
    callback_deadline_hours: float = 72.0
    callback_poll_seconds: float = 5.0
    idempotency_hours: float = 24.0
    allow_http_callbacks: bool = False
    greenhouse_score_reviewed: bool = False
    migrate: bool = True

    def __post_init__(self) -> None:
        if len(self.secret_key) < 16:
            raise ValueError("secret_key must be at least 16 bytes; set PROFILEFIT_SECRET_KEY or --secret-key-file")
        if self.max_batch < 1 or self.max_body_bytes < 1024:
            raise ValueError("max_batch must be at least 1 and max_body_bytes at least 1024")
        for name in ("login_failures_per_minute", "emails_per_hour"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}={getattr(self, name)!r}: allowed: 0 (no limit) or a positive whole number")
        # Zero days would erase every invitation at the next run; NaN compares false and is refused too.
        for name in ("retention_days", "decision_log_days"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}={getattr(self, name)!r}: allowed: a number of days above 0")
        if not self.retention_check_seconds >= 0:
            raise ValueError(f"retention_check_seconds={self.retention_check_seconds!r}: allowed: 0 (off) or more")
        if self.callback_timeout <= 0 or self.callback_deadline_hours <= 0 or self.callback_poll_seconds < 0:
            raise ValueError(
                "callback_timeout and callback_deadline_hours must be above 0 and callback_poll_seconds at least 0"
            )

    def callback_key_for(self, owner: str) -> str | None:
        """The credential sent with the completion callbacks of one organisation (an API key's digest).

        The organisation's own entry in ``callback_keys``; else the deprecated single ``callback_key``,
        but only while it cannot reach a second organisation (exactly one API key accepted); else
        ``None`` (the PATCH goes without ``Authorization``). One organisation's key never goes out
        with another's callback.
        """
        for digest, key in self.callback_keys:
            if digest == owner:
                return key
        if self.callback_key and self.api_key_digests == frozenset({owner}):
            return self.callback_key
        return None

    def with_callback_keys(self, pairs: Iterable[tuple[str, str]]) -> Settings:
        """The same settings with these (API key, callback key) pairs; the API key may be given as ``sha256:HEX``.

        Raises
        ------
        ValueError
            When an API key is not one of the accepted keys (the message gives the pair's position, not the key).
        """
        resolved = []
        for number, (api_key, callback_key) in enumerate(pairs, start=1):
            digest = api_key[len("sha256:") :].lower() if api_key.startswith("sha256:") else key_digest(api_key)
            if digest not in self.api_key_digests:
                raise ValueError(
                    f"callback key entry {number}: its API key is not an accepted key; allowed: a key from "
                    "PROFILEFIT_API_KEYS or the key file, or sha256:DIGEST of one"
                )
            resolved.append((digest, callback_key.strip()))
        return replace(self, callback_keys=tuple(resolved))

    def with_keys(self, keys: Iterable[str]) -> Settings:
        """The same settings accepting these plain API keys (kept only as digests).

        Raises
        ------
        ValueError
            When a key is shorter than ``MIN_KEY_CHARS``; the message names its length, not the key.
        """
        stripped = [key.strip() for key in keys if key.strip()]
        for key in stripped:
            if len(key) < MIN_KEY_CHARS:
                raise ValueError(
                    f"an API key of {len(key)} characters is too short: allowed: at least {MIN_KEY_CHARS} "
                    f"(recommended {RECOMMENDED_KEY_CHARS} or more, e.g. python -c 'import secrets; "
                    "print(secrets.token_urlsafe(32))')"
                )
        short = sum(len(key) < RECOMMENDED_KEY_CHARS for key in stripped)
        return replace(self, api_key_digests=frozenset(key_digest(k) for k in stripped), short_keys=short)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``PROFILEFIT_*`` variables (see docs/service.md for the list)."""
        env = os.environ if environ is None else environ
        keys = read_keys(env.get("PROFILEFIT_API_KEYS", ""))
        if env.get("PROFILEFIT_API_KEY_FILE"):
            keys += read_keys(_setting_file(env, "PROFILEFIT_API_KEY_FILE"))
        secret = env.get("PROFILEFIT_SECRET_KEY", "")
        if env.get("PROFILEFIT_SECRET_KEY_FILE"):
            secret = _setting_file(env, "PROFILEFIT_SECRET_KEY_FILE").strip()
        smtp = None
        if env.get("PROFILEFIT_SMTP_HOST"):
            smtp = SmtpSettings(
                host=env["PROFILEFIT_SMTP_HOST"],
                port=int(env.get("PROFILEFIT_SMTP_PORT", "587")),
                sender=env.get("PROFILEFIT_SMTP_SENDER", "profilefit@localhost"),
                username=env.get("PROFILEFIT_SMTP_USER") or None,
                password=env.get("PROFILEFIT_SMTP_PASSWORD") or None,
                starttls=env.get("PROFILEFIT_SMTP_STARTTLS", "1") not in ("0", "false", "no"),
            )
        defaults = cls.__dataclass_fields__
        number = {
            "max_body_bytes": int,
            "max_batch": int,
            "rate_per_second": float,
            "rate_burst": float,
            "login_failures_per_minute": int,
            "emails_per_hour": int,
            "invitation_days": float,
            "retention_days": float,
            "decision_log_days": float,
            "retention_check_seconds": float,
            "callback_timeout": float,
            "callback_deadline_hours": float,
            "callback_poll_seconds": float,
            "idempotency_hours": float,
        }
        options: dict[str, object] = {}
        for name, kind in number.items():
            variable = f"PROFILEFIT_{name.upper()}"
            if env.get(variable):
                try:
                    options[name] = kind(env[variable])
                except ValueError:
                    allowed = "a whole number" if kind is int else "a number"
                    raise ValueError(f"{variable}={env[variable]!r}: allowed: {allowed}") from None
        for name in ("database_url", "public_url", "model_path", "role", "decision_log", "organisation"):
            if env.get(f"PROFILEFIT_{name.upper()}"):
                options[name] = env[f"PROFILEFIT_{name.upper()}"]
        if str(options.get("role", "")).lower() == "none":
            options["role"] = None
        if env.get("PROFILEFIT_PRIVACY_CONTACT"):
            options["privacy_contact"] = env["PROFILEFIT_PRIVACY_CONTACT"]
        if env.get("PROFILEFIT_HELP_CONTACT", "").strip():
            options["help_contact"] = env["PROFILEFIT_HELP_CONTACT"].strip()
        if env.get("PROFILEFIT_CORS_ORIGINS"):
            options["cors_origins"] = tuple(read_keys(env["PROFILEFIT_CORS_ORIGINS"]))
        if env.get("PROFILEFIT_CALLBACK_HOSTS"):
            options["callback_hosts"] = tuple(read_keys(env["PROFILEFIT_CALLBACK_HOSTS"]))
        options["callback_key"] = env.get("PROFILEFIT_CALLBACK_KEY") or None
        options["migrate"] = env.get("PROFILEFIT_MIGRATE", "1") not in ("0", "false", "no")
        reviewed = env.get("PROFILEFIT_GREENHOUSE_SCORE_REVIEWED", "0").strip().lower()
        options["greenhouse_score_reviewed"] = reviewed in ("1", "true", "yes")
        assert set(options) <= set(defaults)
        settings = cls(secret_key=secret.encode("utf-8"), smtp=smtp, **options).with_keys(keys)  # type: ignore[arg-type]
        if env.get("PROFILEFIT_CALLBACK_KEY_FILE"):
            text = _setting_file(env, "PROFILEFIT_CALLBACK_KEY_FILE")
            settings = settings.with_callback_keys(read_callback_keys(text))
        return settings


def _setting_file(env: Mapping[str, str], name: str) -> str:
    """The text of the file a ``..._FILE`` setting names; a file that cannot be read is a ValueError naming both."""
    path = Path(env[name])
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{name}: no such file: {path}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{name}: {path} is not UTF-8 text") from None
    except OSError as error:
        raise ValueError(f"{name}: cannot read {path}: {error.strerror or error}") from None
