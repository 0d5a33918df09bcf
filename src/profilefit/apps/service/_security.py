"""API keys, signed links and the per-key rate limit.

Keys are compared as SHA-256 digests with :func:`hmac.compare_digest`, against every
stored digest, so neither the time taken nor the stored form gives a key away.
Invitation and report links carry an HMAC-SHA256 signature made with the service's
secret key; a link whose signature or expiry does not check out is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass

from profilefit.apps.service._settings import key_digest


def match_key(presented: str, digests: frozenset[str]) -> str | None:
    """The digest of ``presented`` when it is an accepted key, else ``None`` (constant time per stored key)."""
    digest = key_digest(presented)
    found = None
    for stored in digests:  # no early exit: every stored digest is compared
        if hmac.compare_digest(digest, stored):
            found = stored
    return found


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Signer:
    """Signs and checks short texts with HMAC-SHA256 under one secret; ``purpose`` keeps kinds of link apart."""

    secret: bytes

    def sign(self, purpose: str, payload: str) -> str:
        """``payload.signature`` for ``purpose``."""
        mac = hmac.new(self.secret, f"{purpose}\x00{payload}".encode(), hashlib.sha256).digest()
        return f"{payload}.{_b64(mac)}"

    def verify(self, purpose: str, token: str) -> str | None:
        """The payload of a token signed for ``purpose``, or ``None`` when the signature does not match."""
        payload, _, signature = token.rpartition(".")
        if not payload or not signature:
            return None
        expected = self.sign(purpose, payload).rpartition(".")[2]
        return payload if hmac.compare_digest(expected, signature) else None

    def invitation_token(self, invitation_id: str, expires_at: float) -> str:
        """The token of a candidate's link: invitation id and expiry (Unix seconds), signed."""
        return self.sign("take", f"{invitation_id}~{int(expires_at)}")

    def read_invitation_token(self, token: str, *, now: float | None = None) -> tuple[str, bool] | None:
        """``(invitation_id, expired)`` for a genuine token, ``None`` for a forged or malformed one."""
        payload = self.verify("take", token)
        if payload is None or "~" not in payload:
            return None
        invitation_id, _, expires = payload.partition("~")
        if not expires.isdigit():
            return None
        return invitation_id, (time.time() if now is None else now) >= int(expires)

    def report_signature(self, invitation_id: str) -> str:
        """The signature that opens one candidate's HTML report."""
        return self.sign("report", invitation_id).rpartition(".")[2]

    def check_report_signature(self, invitation_id: str, signature: str) -> bool:
        """Whether ``signature`` opens ``invitation_id``'s report."""
        return hmac.compare_digest(self.report_signature(invitation_id), signature)


class RateLimiter:
    """A token bucket per API key, in this process only: ``rate`` requests a second, bursts up to ``burst``.

    With several uvicorn workers each worker keeps its own buckets, so a key may make up
    to ``workers × rate`` requests a second in all (docs/service.md says so).
    """

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = float(rate)
        self.burst = max(float(burst), 1.0)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, *, now: float | None = None) -> float:
        """Spend one token of ``key``'s bucket; return 0 when allowed, else the seconds until a token is back."""
        if self.rate <= 0:
            return 0.0
        moment = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, moment))
            tokens = min(self.burst, tokens + (moment - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, moment)
                return 0.0
            self._buckets[key] = (tokens, moment)
            return (1.0 - tokens) / self.rate
