"""Per-worker latency of ``POST /v1/score``: why p99 is what it is (docs/performance.md, "The service").

Usage::

    python benchmarks/service_workers.py                 # 50 clients, 3 levels of 5 s, decision log on
    python benchmarks/service_workers.py --nice -10      # the clients' process at a higher priority (root)
    python benchmarks/service_workers.py --loops asyncio,uvloop --rounds 3 --levels 2   # the event loops compared

It starts ``profilefit serve`` as ``benchmarks/service.py`` does (two workers, each on its own
``SO_REUSEPORT`` socket, the decision log on), runs the same clients, and after each level asks
``ss`` (Linux, iproute2) which worker process holds each client's connection, before the clients
close them. It prints the overall p50 and p99, then for each worker how many connections the kernel
gave it, its scores per second and its latency percentiles, and its p99 over its mean latency (the
spread that the connections' split does not explain). With ``--loops`` it starts ``serve`` on each
event loop named in turn, ``--rounds`` times, and ends with the means over every level of each.
Traffic goes to loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import service  # this folder's benchmarks/service.py

PERCENTILES = (1, 10, 25, 50, 75, 90, 95, 99)


async def client(
    port: int, bodies: list[bytes], start: int, until: float, latencies: list[float], done: asyncio.Event
) -> int:
    """One keep-alive connection sending assessments until ``until``; it stays open until ``done``; its port."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    local_port = int(writer.get_extra_info("sockname")[1])
    k = start
    try:
        while time.perf_counter() < until:
            seconds, _ = await service.score_once(reader, writer, bodies[k % len(bodies)])
            k += 1
            latencies.append(seconds)
        await done.wait()
    finally:
        writer.close()
    return local_port


def owners(port: int) -> dict[int, str]:
    """The worker process id holding each established connection to ``port``, by the client's port."""
    listed = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    found = {}
    for line in listed.splitlines():
        if "pid=" in line:
            peer = line.split()[3]
            found[int(peer.rsplit(":", 1)[1])] = line.split("pid=")[1].split(",")[0]
    return found


async def run_level(
    port: int, bodies: list[bytes], clients: int, seconds: float
) -> tuple[list[list[float]], list[str]]:
    """Each client's latencies and the worker that served it."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    done = asyncio.Event()
    until = time.perf_counter() + seconds
    tasks = [asyncio.create_task(client(port, bodies, 37 * c, until, latencies[c], done)) for c in range(clients)]
    await asyncio.sleep(seconds + 0.5)  # every client has had its last answer; the connections are still open
    held = owners(port)
    done.set()
    ports = await asyncio.gather(*tasks)
    return latencies, [held.get(local, "?") for local in ports]


def run_server(
    bodies: list[bytes], args: argparse.Namespace, loop: str | None
) -> list[tuple[float, float, float, float]]:
    """Start ``serve`` (on ``loop``), print every level; per level the rate, p99, the worst worker's
    p99 over its mean, and the server's CPU milliseconds per score."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        port = service.free_port()
        server = service.start_server(Path(folder), port, args.workers, decision_log=True, loop=loop)
        try:
            asyncio.run(service.run_level(port, bodies, 10, 3.0))  # warm-up: every worker has scored
            for _ in range(args.levels):
                before = service.server_cpu_seconds(server.pid)
                latencies, workers = asyncio.run(run_level(port, bodies, args.clients, args.seconds))
                every = np.concatenate([np.asarray(each) for each in latencies]) * 1000
                cpu = (service.server_cpu_seconds(server.pid) - before) * 1000 / max(every.size, 1)
                p50, p99 = np.percentile(every, [50, 99])
                print(
                    f"all: n={every.size} rate={every.size / args.seconds:.0f}/s p50={p50:.1f} p99={p99:.1f} "
                    f"server CPU {cpu:.3f} ms/score"
                )
                spread = 0.0
                for worker in sorted(set(workers)):
                    mine = [c for c, owner in enumerate(workers) if owner == worker]
                    values = np.concatenate([np.asarray(latencies[c]) for c in mine]) * 1000
                    shown = ", ".join(
                        f"p{q}={v:.1f}" for q, v in zip(PERCENTILES, np.percentile(values, PERCENTILES), strict=True)
                    )
                    ratio = float(np.percentile(values, 99) / values.mean())
                    spread = max(spread, ratio)
                    print(
                        f"  worker {worker}: {len(mine)} connections, {values.size / args.seconds:.0f}/s, "
                        f"{shown}, max={values.max():.1f}, p99/mean={ratio:.2f}"
                    )
                rows.append((every.size / args.seconds, float(p99), spread, cpu))
        finally:
            server.terminate()
            server.wait(timeout=30)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50, help="clients per level (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per level (default: %(default)s)")
    parser.add_argument("--levels", type=int, default=3, help="levels per server start (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="uvicorn workers (default: cores)")
    parser.add_argument("--nice", type=int, help="run the clients at this niceness (below 0 needs root)")
    parser.add_argument(
        "--loops",
        help="compare the workers' event loops, e.g. asyncio,uvloop: each round starts each in turn "
        "(default: serve's own loop, one round)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="rounds of --loops (default: %(default)s)")
    args = parser.parse_args()
    if shutil.which("ss") is None:
        raise SystemExit("needs ss (iproute2, Linux) to tell which worker holds a connection")
    bodies = service.assessments(200)
    if args.nice is not None:
        os.setpriority(os.PRIO_PROCESS, 0, args.nice)
    print(
        f"cores: {os.cpu_count()}, uvicorn workers: {args.workers}, {args.clients} clients, {args.seconds:g} s a level"
    )
    print("load average before (1, 5, 15 min): " + ", ".join(f"{value:.2f}" for value in os.getloadavg()))
    if args.nice is not None:
        print(f"clients' niceness: {os.getpriority(os.PRIO_PROCESS, 0)}")
    loops: list[str | None] = list(args.loops.split(",")) if args.loops else [None]
    found: dict[str | None, list[tuple[float, float, float, float]]] = {loop: [] for loop in loops}
    for round_number in range(args.rounds if args.loops else 1):
        for loop in loops:
            if loop is not None:
                print(f"round {round_number + 1}, loop {loop}:")
            found[loop] += run_server(bodies, args, loop)
    print("load average after (1, 5, 15 min): " + ", ".join(f"{value:.2f}" for value in os.getloadavg()))
    if args.loops:
        print("\nevery level of every round, mean (median):")
        for loop, rows in found.items():
            rate, p99, spread, cpu = (np.asarray(column) for column in zip(*rows, strict=True))
            print(
                f"  {loop}: {len(rows)} levels, {rate.mean():,.0f}/s, p99 {p99.mean():.1f} ({np.median(p99):.1f}) ms, "
                f"worst worker's p99/mean {spread.mean():.2f}, server CPU {cpu.mean():.3f} ms/score"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
