"""Service benchmark: latency and throughput of ``POST /v1/score`` over loopback (docs/performance.md).

Usage::

    python benchmarks/service.py                    # 1, 10 and 50 clients, with and without the log
    python benchmarks/service.py --seconds 5        # a quicker look
    python benchmarks/service.py --baseline OLD     # OLD/src (another checkout) side by side, interleaved
    python benchmarks/service.py --instrument 2.0   # forced-choice assessments (the target is for 1.2's)

It starts ``profilefit serve`` on 127.0.0.1 with uvicorn workers = cores (rate limit off, a
throwaway SQLite file and key; with the decision log as ``serve`` has it, and without it:
``--log-only`` or ``--no-decision-log`` runs one of the two), waits until ``/readyz`` answers, warms
up, then for each level of concurrency runs that many clients for ``--seconds``. Each client holds
one keep-alive HTTP/1.1 connection and sends full assessments (every item, scenario and check
answered, 200 different simulated candidates) one after another. It prints p50 and p99 latency and
scores per second per level, and, measured in this same run, single-thread in-process
``Screener.score`` calls per second, so the price of HTTP is a ratio read side by side. The clients
run in this process (one asyncio loop) on the same cores as the server, as an ATS on the same host
would; a column says how much of one core they used themselves, and the last one how much CPU time
the server's processes spent per score. On a shared machine the figures move with the neighbours'
load (the script prints the load average before and after). Traffic goes to loopback only, and every
loop is bounded in time.

Each configuration (this code with and without the decision log; with ``--baseline OLD`` also the
server of another checkout's ``OLD/src``, with and without the log) runs ``--rounds`` times, the
configurations interleaved, so that all meet the same spells of a shared machine's load; every
round's rate is printed, and the best round of each level counts (neighbours' work removes
throughput, never adds it). The last lines print ratios to the baseline, and the target line.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from profilefit.core.instrument import BLOCK_ANSWERS, load_instrument
from profilefit.core.screening import Screener

LEVELS = (1, 10, 50)
#: The instrument versions a run can send (``--instrument``), and the shipped model that scores each.
INSTRUMENTS = {"1.2": None, "2.0": "customer-contact-2.0"}
MODELS = {"1.2": None, "2.0": "reference-2.0"}
#: Issue 22, part 6: with the decision log on, at 50 clients.
TARGETS = {"p99 at 50 clients (ms)": 30.0, "scores/s": 2500.0}
KEY = "benchmark-key-not-secret"


def assessments(n: int, *, seed: int = 2026, version: str = "1.2") -> list[bytes]:
    """``n`` full assessments as JSON bodies: random answers to every question (valid, varied).

    ``version`` "2.0": the forced-choice instrument, a random two-letter answer to every block.
    """
    instrument = load_instrument(INSTRUMENTS[version])
    rng = np.random.default_rng(seed)
    bodies = []
    low, high = instrument.response_scale.min, instrument.response_scale.max
    for k in range(n):
        record: dict[str, object] = {"candidate_id": f"bench-{k:04d}", "completion_seconds": 720.0}
        record.update({item: int(rng.integers(low, high + 1)) for item in instrument.item_ids})
        record.update({block: BLOCK_ANSWERS[int(rng.integers(len(BLOCK_ANSWERS)))] for block in instrument.block_ids})
        record.update({check.id: check.expected or 2 for check in instrument.attention_checks})
        for scenario in instrument.scenarios:
            record[scenario.id] = scenario.options[int(rng.integers(len(scenario.options)))].id
        bodies.append(json.dumps(record).encode())
    return bodies


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    folder: Path, port: int, workers: int, decision_log: bool, source: Path | None = None, loop: str | None = None
) -> subprocess.Popen[bytes]:
    """``profilefit serve`` of this code, or of the package in ``source`` (a checkout's ``src``) when given.

    ``loop``: the workers' event loop (``serve --loop``); by default ``serve``'s own default.
    """
    env = {**os.environ, "PROFILEFIT_API_KEYS": KEY, "PROFILEFIT_SECRET_KEY": "benchmark-secret-" + "x" * 32}
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source.resolve()), *filter(None, [os.environ.get("PYTHONPATH")])])
    command = [
        sys.executable,
        "-c",
        "import sys; from profilefit.apps.cli import main; sys.exit(main())",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--rate-limit",
        "0",
        "--database",
        f"sqlite:///{folder / 'bench.db'}",
        "--decision-log",
        str(folder / "decisions.jsonl") if decision_log else "none",
        *(["--loop", loop] if loop else []),
    ]
    server = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if server.poll() is not None:
                raise SystemExit("profilefit serve exited; is the service extra installed?") from None
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("profilefit serve did not become ready within 120 s")


async def score_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes) -> tuple[float, bool]:
    """One ``POST /v1/score`` of ``body`` on a keep-alive connection: seconds until the whole answer, and 200 or not."""
    request = (
        b"POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY.encode() + b"\r\n"
        b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    sent = time.perf_counter()
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return time.perf_counter() - sent, head.startswith(b"HTTP/1.1 200")


async def client(port: int, bodies: list[bytes], start: int, until: float, latencies: list[float]) -> int:
    """One keep-alive connection sending assessments until ``until``; return the number of errors."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    errors, k = 0, start
    try:
        while time.perf_counter() < until:
            seconds, ok = await score_once(reader, writer, bodies[k % len(bodies)])
            k += 1
            latencies.append(seconds)
            errors += not ok
    finally:
        writer.close()
    return errors


async def run_level(
    port: int, bodies: list[bytes], clients: int, seconds: float
) -> tuple[list[float], int, float, float]:
    """Latencies, errors, elapsed seconds, and the CPU seconds the clients themselves used."""
    latencies: list[float] = []
    started, cpu = time.perf_counter(), time.process_time()
    until = started + seconds
    errors = await asyncio.gather(*(client(port, bodies, 37 * c, until, latencies) for c in range(clients)))
    return latencies, sum(errors), time.perf_counter() - started, time.process_time() - cpu


def library_calls_per_second(bodies: list[bytes], seconds: float, version: str = "1.2") -> float:
    screener = Screener.load(MODELS[version])
    for body in bodies[:50]:
        screener.score(body)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        screener.score(bodies[count % len(bodies)])
        count += 1
    return count / (time.perf_counter() - started)


Level = tuple[int, int, float, float, float, float, float]  # clients, requests, errors, p50, p99, rate, CPU ms


def server_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by the server process and its children (Linux /proc; else 0)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:  # fields[1] is the parent's id
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def run_configuration(
    bodies: list[bytes], workers: int, seconds: float, decision_log: bool, source: Path | None
) -> tuple[list[Level], list[float]]:
    """Start one server, warm it up, run every level; its levels and the clients' CPU share per level."""
    levels, cpu_shares = [], []
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        server = start_server(Path(folder), port, workers, decision_log, source)
        try:
            asyncio.run(run_level(port, bodies, 10, 3.0))  # warm-up: every worker has scored
            for clients in LEVELS:
                before = server_cpu_seconds(server.pid)
                latencies, errors, elapsed, cpu = asyncio.run(run_level(port, bodies, clients, seconds))
                used = (server_cpu_seconds(server.pid) - before) * 1000 / max(len(latencies), 1)
                p50, p99 = np.percentile(np.asarray(latencies) * 1000, [50, 99])
                level = (clients, len(latencies), errors, float(p50), float(p99), len(latencies) / elapsed, used)
                levels.append(level)
                cpu_shares.append(cpu / elapsed)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return levels, cpu_shares


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per level (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per configuration (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="uvicorn workers (default: cores)")
    parser.add_argument("--baseline", type=Path, help="another checkout: also serve OLD/src's code, interleaved")
    parser.add_argument(
        "--no-decision-log", action="store_true", help="only without the decision log (default: with and without)"
    )
    parser.add_argument("--log-only", action="store_true", help="only with the decision log, as serve runs")
    parser.add_argument(
        "--instrument",
        choices=sorted(INSTRUMENTS),
        default="1.2",
        help="the instrument version of the assessments sent (default: %(default)s, which the target is for)",
    )
    args = parser.parse_args()
    bodies = assessments(200, version=args.instrument)
    print(f"cores: {os.cpu_count()}, uvicorn workers: {args.workers}, {args.seconds:g} s per level, loopback")
    print(f"assessments of instrument {args.instrument}")
    print("load average before (1, 5, 15 min): " + ", ".join(f"{value:.2f}" for value in os.getloadavg()))
    library = library_calls_per_second(bodies, min(args.seconds, 5.0), args.instrument)
    print(f"in-process Screener.score, one thread: {library:,.0f} calls/s")
    logs = [False] if args.no_decision_log else [True] if args.log_only else [True, False]
    sources: list[tuple[str, Path | None]] = [("this code", None)]
    if args.baseline is not None:
        sources.insert(0, ("baseline", args.baseline / "src"))
    configurations = [(name, source, log) for name, source in sources for log in logs]
    runs: dict[int, list[list[Level]]] = {k: [] for k in range(len(configurations))}
    cpu: dict[int, list[list[float]]] = {k: [] for k in range(len(configurations))}
    for round_number in range(args.rounds):
        for k, (_, source, log) in enumerate(configurations):
            levels, shares = run_configuration(bodies, args.workers, args.seconds, log, source)
            runs[k].append(levels)
            cpu[k].append(shares)
        print(f"round {round_number + 1} of {args.rounds} done")
    best: dict[tuple[int, int], Level] = {}
    for k, (name, _, log) in enumerate(configurations):
        print(f"\n{name}, {'with' if log else 'without'} decision log (best of {args.rounds} rounds per level):")
        header = ("clients", 8), ("requests", 9), ("errors", 7), ("p50 ms", 8), ("p99 ms", 8), ("scores/s", 9)
        columns = " ".join(f"{title:>{width}}" for title, width in header)
        print(columns, f"{'vs lib':>7} {'client CPU':>10} {'server CPU ms/score':>19}  every round: scores/s (p99 ms)")
        for position, clients in enumerate(LEVELS):
            levels = [run[position] for run in runs[k]]
            chosen = max(range(len(levels)), key=lambda r: levels[r][5])
            level = best[k, clients] = levels[chosen]
            _, requests, errors, p50, p99, rate, used = level
            every = ", ".join(f"{other[5]:,.0f} ({other[4]:.1f})" for other in levels)
            print(
                f"{clients:>8} {requests:>9} {errors:>7} {p50:>8.2f} {p99:>8.2f} {rate:>9,.0f} "
                f"{rate / library:>7.2f} {cpu[k][chosen][position]:>9.0%} {used:>19.3f}   {every}"
            )
    print("\nload average after (1, 5, 15 min): " + ", ".join(f"{value:.2f}" for value in os.getloadavg()))
    if args.baseline is not None:
        print("this code / baseline (scores/s of the best round; its p99; least server CPU per score):")
        for log in logs:
            old = configurations.index(("baseline", args.baseline / "src", log))
            new = configurations.index(("this code", None, log))
            ratios = ", ".join(
                f"{c} clients {best[new, c][5] / best[old, c][5]:.2f}; {best[new, c][4] / best[old, c][4]:.2f}; "
                f"{min(run[p][6] for run in runs[new]) / min(run[p][6] for run in runs[old]):.2f}"
                for p, c in enumerate(LEVELS)
            )
            print(f"  {'with' if log else 'without'} decision log: {ratios}")
    if True in logs and args.instrument == "1.2":
        k = configurations.index(("this code", None, True))
        rates = [best[k, c][5] for c in LEVELS]
        rate, p99 = best[k, 50][5], best[k, 50][4]
        met = rate >= TARGETS["scores/s"] and p99 < TARGETS["p99 at 50 clients (ms)"]
        growing = all(a < b for a, b in itertools.pairwise(rates))
        print(
            f"target, with the decision log at 50 clients: >= 2,500 scores/s and p99 < 30 ms: "
            f"{'met' if met else 'NOT met'} ({rate:,.0f}/s, p99 {p99:.1f} ms); "
            f"throughput growing with clients: {'yes' if growing else 'no'} ({' < '.join(f'{r:,.0f}' for r in rates)})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
