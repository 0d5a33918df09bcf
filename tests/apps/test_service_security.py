"""Keys, signed links, the token bucket and the settings reader, as rules."""

from __future__ import annotations

import argparse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profilefit.apps.cli._service_commands import serve_environment
from profilefit.apps.service import Settings, SmtpSettings, create_app, key_digest
from profilefit.apps.service._security import RateLimiter, Signer, match_key
from tests import service_support as support

SIGNER = Signer(b"k" * 32)
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="."), min_size=1, max_size=40)


@given(payload=texts, purpose=st.sampled_from(["take", "report"]))
def test_property_a_signed_text_verifies_and_any_change_breaks_it(payload, purpose):
    """Rule: verify(sign(x)) == x; another purpose, key, payload or signature is refused."""
    token = SIGNER.sign(purpose, payload)
    assert SIGNER.verify(purpose, token) == payload
    assert SIGNER.verify("other", token) is None
    assert Signer(b"j" * 32).verify(purpose, token) is None
    body, _, signature = token.rpartition(".")
    assert SIGNER.verify(purpose, body + "x." + signature) is None
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert SIGNER.verify(purpose, body + "." + flipped) is None


@given(expires=st.integers(min_value=0, max_value=4_000_000_000), now=st.integers(min_value=0, max_value=4_000_000_000))
def test_property_invitation_tokens_expire_exactly_at_their_time(expires, now):
    """Rule: a token read at ``now`` is expired exactly when now >= its expiry."""
    token = SIGNER.invitation_token("abc123", expires)
    assert SIGNER.read_invitation_token(token, now=now) == ("abc123", now >= expires)


def test_malformed_tokens_are_refused():
    for token in ("", ".", "abc", "abc~12", "abc~x." + SIGNER.sign("take", "abc~x").rpartition(".")[2]):
        assert SIGNER.read_invitation_token(token) is None


def test_keys_match_only_themselves():
    digests = frozenset(key_digest(key) for key in ("alpha-key", "beta-key"))
    assert match_key("alpha-key", digests) == key_digest("alpha-key")
    assert match_key(" beta-key ", digests) == key_digest("beta-key")
    for wrong in ("alpha", "alpha-key2", "", key_digest("alpha-key")):
        assert match_key(wrong, digests) is None


@given(
    rate=st.floats(min_value=0.5, max_value=100),
    burst=st.integers(min_value=1, max_value=50),
    gaps=st.lists(st.floats(min_value=0, max_value=0.5), min_size=1, max_size=200),
)
def test_property_token_bucket_allows_at_most_burst_plus_rate_times_time(rate, burst, gaps):
    """Rule: over any run of requests, allowed <= burst + rate * elapsed, and a full bucket allows a burst."""
    limiter = RateLimiter(rate, burst)
    now, allowed = 0.0, 0
    for gap in gaps:
        now += gap
        allowed += limiter.take("key", now=now) == 0
    assert allowed <= burst + rate * now + 1e-9
    fresh = RateLimiter(rate, burst)
    assert all(fresh.take("other", now=0.0) == 0 for _ in range(burst))
    assert fresh.take("other", now=0.0) == pytest.approx(1 / rate)


def test_settings_from_environment(tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text(
        "# keys of two organisations\nfirst-organisation-key\nsecond-organisation-key  # comment\n", encoding="utf-8"
    )
    settings = Settings.from_env(
        {
            "PROFILEFIT_API_KEYS": "third-organisation-key, fourth-organisation-key",
            "PROFILEFIT_API_KEY_FILE": str(keys),
            "PROFILEFIT_SECRET_KEY": "s" * 20,
            "PROFILEFIT_RATE_PER_SECOND": "5",
            "PROFILEFIT_CORS_ORIGINS": "https://a.example,https://b.example",
            "PROFILEFIT_SMTP_HOST": "mail.example",
            "PROFILEFIT_SMTP_PASSWORD": "smtp-secret",
            "PROFILEFIT_RETENTION_DAYS": "30",
        }
    )
    assert settings.api_key_digests == {
        key_digest(k)
        for k in (
            "first-organisation-key",
            "second-organisation-key",
            "third-organisation-key",
            "fourth-organisation-key",
        )
    }
    assert settings.rate_per_second == 5 and settings.retention_days == 30
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.smtp is not None and settings.smtp.port == 587 and settings.smtp.starttls
    assert "smtp-secret" not in repr(settings) and "sssss" not in repr(settings)
    with pytest.raises(ValueError, match="secret_key"):
        Settings.from_env({"PROFILEFIT_API_KEYS": "k"})
    with pytest.raises(ValueError, match="PROFILEFIT_MAX_BATCH='many': allowed: a whole number"):
        Settings.from_env({"PROFILEFIT_SECRET_KEY": "s" * 20, "PROFILEFIT_MAX_BATCH": "many"})


def test_serve_options_become_the_workers_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = argparse.Namespace(
        host="0.0.0.0",
        port=9000,
        api_key_file="keys.txt",
        secret_key_file=None,
        database=None,
        public_url=None,
        model=None,
        role="transactional",
        decision_log=None,
        rate_limit=0.0,
        max_body_bytes=None,
        cors_origin=[],
        retention_days=90.0,
        callback_key_file=None,
    )
    env = serve_environment(args, {})
    assert env["PROFILEFIT_DATABASE_URL"] == "sqlite:///profilefit-service.db"
    assert env["PROFILEFIT_PUBLIC_URL"] == "http://0.0.0.0:9000" and env["PROFILEFIT_ROLE"] == "transactional"
    assert env["PROFILEFIT_RATE_PER_SECOND"] == "0.0" and env["PROFILEFIT_RETENTION_DAYS"] == "90.0"
    assert env["OPENBLAS_NUM_THREADS"] == "1"  # one BLAS thread per worker, unless the operator says otherwise
    assert serve_environment(args, {"OPENBLAS_NUM_THREADS": "4"})["OPENBLAS_NUM_THREADS"] == "4"
    secret = (tmp_path / "profilefit-service.secret").read_text(encoding="utf-8").strip()
    assert len(secret) >= 32 and env["PROFILEFIT_SECRET_KEY_FILE"] == "profilefit-service.secret"
    assert serve_environment(args, {})["PROFILEFIT_SECRET_KEY_FILE"] == "profilefit-service.secret"  # kept, not remade
    assert (tmp_path / "profilefit-service.secret").read_text(encoding="utf-8").strip() == secret


def test_an_api_key_shorter_than_16_characters_is_refused_and_one_shorter_than_32_warned_about(tmp_path, caplog):
    with pytest.raises(ValueError, match="API key of 9 characters is too short: allowed: at least 16") as refused:
        Settings.from_env({"PROFILEFIT_SECRET_KEY": "s" * 20, "PROFILEFIT_API_KEYS": "short-key"})
    assert "short-key" not in str(refused.value)
    settings = support.settings(tmp_path).with_keys(["a" * 43, "b" * 20])
    assert settings.short_keys == 1
    caplog.set_level("WARNING", logger="profilefit.service")
    create_app(settings, artifact=support.artifact())
    assert "1 API key(s) shorter than 32 characters" in caplog.text and "b" * 20 not in caplog.text


def test_start_warns_once_about_missing_smtp_and_organisation(tmp_path, caplog):
    from profilefit.apps.service._settings import DEFAULT_ORGANISATION

    caplog.set_level("WARNING", logger="profilefit.service")
    create_app(support.settings(tmp_path, organisation=DEFAULT_ORGANISATION), artifact=support.artifact())
    assert caplog.text.count("no SMTP settings (PROFILEFIT_SMTP_HOST)") == 1
    assert caplog.text.count("PROFILEFIT_ORGANISATION is not set") == 1
    caplog.clear()
    smtp = SmtpSettings(host="mail.example.test")
    create_app(support.settings(tmp_path, smtp=smtp, organisation="Example AS"), artifact=support.artifact())
    assert "SMTP" not in caplog.text and "PROFILEFIT_ORGANISATION" not in caplog.text


def test_start_warns_about_a_missing_privacy_contact_and_help_contact(tmp_path, caplog):
    """A trial: with the organisation set but no privacy contact, the notice said "contact the employer's data
    protection contact" with no way to reach them, and nothing at start said so."""
    from profilefit.apps.service._settings import DEFAULT_PRIVACY_CONTACT

    caplog.set_level("WARNING", logger="profilefit.service")
    create_app(support.settings(tmp_path, privacy_contact=DEFAULT_PRIVACY_CONTACT), artifact=support.artifact())
    assert caplog.text.count("PROFILEFIT_PRIVACY_CONTACT is not set") == 1
    assert caplog.text.count("PROFILEFIT_HELP_CONTACT is not set") == 1
    caplog.clear()
    create_app(support.settings(tmp_path, help_contact="hr@example.test"), artifact=support.artifact())
    assert "PRIVACY_CONTACT" not in caplog.text and "HELP_CONTACT" not in caplog.text
