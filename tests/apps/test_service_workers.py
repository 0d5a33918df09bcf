"""``profilefit serve --workers 2`` on Linux: a listening socket per worker, scoring, a clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.service_support import free_port

pytestmark = [
    pytest.mark.slow,  # runs a server with two workers
    pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT workers are Linux only; elsewhere uvicorn's"),
]


def listening_sockets(port: int) -> int:
    """How many TCP sockets listen on ``port`` (state 0A in /proc/net/tcp)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if os.path.exists(table):
            with open(table, encoding="ascii") as rows:
                for row in list(rows)[1:]:
                    local, state = row.split()[1], row.split()[3]
                    count += state == "0A" and int(local.rsplit(":", 1)[1], 16) == port
    return count


def test_two_workers_each_listen_on_the_port_and_every_score_is_logged(tmp_path):
    port = free_port()
    env = {**os.environ, "PROFILEFIT_API_KEYS": "workers-test-key-0123456789"}
    command = [sys.executable, "-c", "import sys; from profilefit.apps.cli import main; sys.exit(main())"]
    server = subprocess.Popen(
        [*command, "serve", "--port", str(port), "--workers", "2", "--rate-limit", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while listening_sockets(port) < 2:  # each worker listens once its app has started
            assert server.poll() is None and time.monotonic() < deadline, "two workers did not start"
            time.sleep(0.3)
        headers = {"Authorization": "Bearer workers-test-key-0123456789", "Content-Type": "application/json"}

        def score(number: int) -> str:
            body = json.dumps({"candidate_id": f"w{number}"}).encode()
            request = urllib.request.Request(base + "/v1/score", body, headers)
            with urllib.request.urlopen(request, timeout=30) as response:
                return str(json.load(response)["candidate_id"])

        with ThreadPoolExecutor(8) as pool:
            assert sorted(pool.map(score, range(40))) == sorted(f"w{n}" for n in range(40))
        log = (tmp_path / "profilefit-decisions.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(log) == 40 and all(json.loads(line)["kind"] == "decision" for line in log)  # after the responses
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
    assert listening_sockets(port) == 0


@pytest.mark.parametrize(("given", "loop"), [([], "asyncio"), (["--loop", "uvloop"], "uvloop")])
def test_serve_runs_its_workers_on_the_event_loop_named(tmp_path, monkeypatch, given, loop):
    # asyncio by default: uvloop sends a loop turn's answers only when the turn ends (docs/performance.md).
    import uvicorn

    from profilefit.apps.cli import _service_commands as commands
    from profilefit.apps.cli._main import build_parser

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PROFILEFIT_API_KEYS", "workers-test-key-0123456789")
    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    monkeypatch.setattr(commands, "run_reuse_port", lambda config, workers: seen.update(loop=config.loop) or 0)
    for workers in ("1", "2"):
        seen.clear()
        monkeypatch.setattr(commands.os, "environ", dict(os.environ))  # run_serve hands its variables on by os.environ
        args = build_parser().parse_args(["serve", "--workers", workers, "--decision-log", "none", *given])
        assert commands.run_serve(args) == 0
        assert seen["loop"] == loop


def test_serve_refuses_an_event_loop_it_does_not_know(capsys):
    from profilefit.apps.cli._main import build_parser

    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["serve", "--loop", "trio"])
    assert stopped.value.code == 2 and "invalid choice: 'trio'" in capsys.readouterr().err
