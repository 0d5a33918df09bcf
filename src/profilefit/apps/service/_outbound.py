"""What the service sends out: invitation e-mails over SMTP, and the completion callback (HTTP PATCH).

Neither is logged with its content: a failure is logged by kind, never with the
address, the link or the candidate.
"""

from __future__ import annotations

import base64
import http.client
import logging
import re
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

from profilefit.apps.service._settings import Settings, SmtpSettings
from profilefit.exceptions import MailError

log = logging.getLogger("profilefit.service")

#: What the service accepts as an e-mail address: no specials outside quotes, no control or line-break
#: characters (so no header injection), no white space of any script (Python's e-mail package strips it,
#: so an address of a no-break space would go out empty), a dot in the domain. Plain classes, not \s: JSON
#: Schema regexes (ECMA) and Python disagree on what \s matches.
_ATOM = r"""[^@ "(),:;<>\[\\\]\x00-\x1f\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"""
EMAIL_PATTERN = "^" + _ATOM + "{1,64}@" + _ATOM + r"{1,200}\." + _ATOM + "{2,63}$"


def send_mail(smtp: SmtpSettings, *, to: str, subject: str, body: str) -> None:
    """Hand one plain-text e-mail to the SMTP server.

    Raises
    ------
    MailError
        When the server cannot be reached or refuses the message (the reason is the error's type only).
    """
    try:
        message = EmailMessage()
        message["From"] = smtp.sender
        message["To"] = to  # refuses line breaks, so no header can be injected
        message["Subject"] = subject
        # RFC 5322 requires Date; spam filters mark mail without Message-ID, and the id lets a bounce be matched.
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
        message.set_content(body)
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as server:
            if smtp.starttls:
                server.starttls(context=ssl.create_default_context())
            if smtp.username:
                server.login(smtp.username, smtp.password or "")
            server.send_message(message)
    except (OSError, ValueError, smtplib.SMTPException) as error:
        log.warning("invitation e-mail not sent: %s", type(error).__name__)
        refused = isinstance(error, ValueError | smtplib.SMTPRecipientsRefused | smtplib.SMTPNotSupportedError)
        raise MailError(type(error).__name__, refused=refused) from None


#: A TCP port, 1 to 65535, without leading zeros (a callback to :99999 could never be made).
_PORT = r"(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"


def callback_pattern(settings: Settings) -> str:
    """The completion callback URLs allowed, as a regular expression the OpenAPI schema publishes."""
    schemes = "https?" if settings.allow_http_callbacks else "https"
    hosts = "|".join(re.escape(host) for host in settings.callback_hosts)
    return rf"^{schemes}://({hosts})(:{_PORT})?(/[^ \x00-\x1f\x7f-\x9f\u2028\u2029]*)?$"


def callback_allowed_text(settings: Settings) -> str:
    """What a completion callback URL may be, in words: ``an https URL on one of app.greenhouse.io, ...``."""
    schemes = "http or https" if settings.allow_http_callbacks else "https"
    return f"an {schemes} URL on one of {', '.join(settings.callback_hosts)}"


def callback_allowed(url: str, settings: Settings) -> bool:
    """Whether the completion callback may go to ``url``: https (or http when allowed) to a listed host.

    Both the published pattern and the parsed host must agree, so the schema and the service decide alike.
    """
    parts = urlsplit(url)
    schemes = ("https", "http") if settings.allow_http_callbacks else ("https",)
    listed = parts.scheme in schemes and (parts.hostname or "") in settings.callback_hosts
    return listed and re.match(callback_pattern(settings), url) is not None


@dataclass(frozen=True)
class PartnerAnswer:
    """What one completion callback attempt got: the HTTP status and ``Retry-After``, or the error's type."""

    status: int | None
    retry_after: str | None = None
    error: str | None = None

    @property
    def outcome(self) -> str:
        """The status as text, or the error's type: what the outbox row and the log keep."""
        return str(self.status) if self.status is not None else str(self.error)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could lead the credential off the allow-list: it is an answer, not a place to follow.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def send_patch(url: str, *, key: str | None, timeout: float) -> PartnerAnswer:
    """Send the empty PATCH that tells the ATS a test is complete, with ``key`` as the HTTP Basic user name.

    Never raises for a network or HTTP failure: the answer says what happened, for the sender to
    decide whether to try again. The caller checks the URL against the allow-list first.
    """
    request = urllib.request.Request(url, method="PATCH", data=b"")
    if key:
        credentials = base64.b64encode(f"{key}:".encode()).decode("ascii")
        request.add_header("Authorization", f"Basic {credentials}")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return PartnerAnswer(int(response.status))
    except urllib.error.HTTPError as error:
        answer = PartnerAnswer(int(error.code), retry_after=error.headers.get("Retry-After"))
        error.close()
        return answer
    except (OSError, ValueError, http.client.HTTPException) as error:
        # urllib wraps a refused connection or a connect timeout in URLError; the cause says more.
        cause = error.reason if isinstance(error, urllib.error.URLError) else error
        return PartnerAnswer(None, error=type(cause).__name__ if isinstance(cause, BaseException) else "URLError")
