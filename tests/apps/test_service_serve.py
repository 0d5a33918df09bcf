"""``profilefit serve``: with nothing but an API key it starts on SQLite and serves the API and the page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from examples import ats_client

from profilefit.apps.cli import main
from tests.service_support import free_port

pytestmark = pytest.mark.slow  # each runs a program, a browser or a server


def test_serve_refuses_to_start_without_an_api_key(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROFILEFIT_API_KEYS", raising=False)
    assert main(["serve", "--database", f"sqlite:///{tmp_path / 'db.sqlite'}"]) == 2
    assert "no API key" in capsys.readouterr().err


def test_serve_with_only_an_api_key_scores_and_serves_the_page(tmp_path, capsys):
    port = free_port()
    env = {**os.environ, "PROFILEFIT_API_KEYS": "serve-test-key-0123456789"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from profilefit.apps.cli import main; sys.exit(main())",
            "serve",
            "--port",
            str(port),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=2) as response:
                    assert json.load(response)["status"] == "ready"
                    break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        headers = {"Authorization": "Bearer serve-test-key-0123456789", "Content-Type": "application/json"}
        score = urllib.request.Request(
            base + "/v1/score", json.dumps({"candidate_id": "c1", "sj1": "b"}).encode(), headers
        )
        with urllib.request.urlopen(score, timeout=10) as response:
            assert json.load(response)["candidate_id"] == "c1"
        invite = urllib.request.Request(base + "/v1/invitations", json.dumps({"candidate_id": "c2"}).encode(), headers)
        with urllib.request.urlopen(invite, timeout=10) as response:
            link = json.load(response)["test_url"]
        assert link.startswith(base + "/take/")
        with urllib.request.urlopen(link, timeout=10) as response:
            assert "Privacy notice" in response.read().decode()
        assert ats_client.main(base, "serve-test-key-0123456789") == 0  # the example, against the real server
        printed = capsys.readouterr().out
        assert "ats-4 completed: profile" in printed and "erased ats-4: {'invitations': 1" in printed
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert (tmp_path / "profilefit-service.db").exists() and (tmp_path / "profilefit-service.secret").exists()
    decisions = (tmp_path / "profilefit-decisions.jsonl").read_text(encoding="utf-8").splitlines()
    kinds = [json.loads(line)["kind"] for line in decisions]
    assert kinds.count("decision") >= 2 and set(kinds) == {"decision", "erasure"}  # ats-4's erasure reached the log
    for name in ("profilefit-service.db", "profilefit-decisions.jsonl"):  # owner-only, whatever the umask
        assert (tmp_path / name).stat().st_mode & 0o077 == 0
    assert '"c1"' not in "".join(decisions)  # candidates appear only as keyed pseudonyms
    assert (tmp_path / "profilefit-decisions.jsonl.key").stat().st_mode & 0o077 == 0
    assert oct((tmp_path / "profilefit-service.secret").stat().st_mode & 0o777) == "0o600"
    token = link.rsplit("/", 1)[1]
    assert "profilefit: stopped (SIGTERM)" in output and "no output was written" not in output  # a service
    assert "GET /take/{token} 200" in output  # the route's template is logged ...
    assert token not in output and "c1" not in output  # ... never the token or a candidate id


@pytest.mark.parametrize(
    "variable", ["PROFILEFIT_SECRET_KEY_FILE", "PROFILEFIT_API_KEY_FILE", "PROFILEFIT_CALLBACK_KEY_FILE"]
)
def test_a_settings_file_that_cannot_be_read_is_named_with_its_setting(tmp_path, variable):
    from profilefit.apps.service import Settings

    env = {"PROFILEFIT_SECRET_KEY": "s" * 32, variable: str(tmp_path / "absent.txt")}
    with pytest.raises(ValueError, match=f"{variable}: no such file: .*absent.txt"):
        Settings.from_env(env)
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9")
    with pytest.raises(ValueError, match=f"{variable}: .*latin.txt is not UTF-8 text"):
        Settings.from_env({**env, variable: str(tmp_path / "latin.txt")})
