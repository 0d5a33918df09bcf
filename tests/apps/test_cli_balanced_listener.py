"""``serve --workers N``: the shared listening socket gives each worker its share of new connections.

:class:`BalancedListener` is driven here by hand, as asyncio's accept loop drives it in each worker:
workers' listeners on one socket, a clock the test moves, real loopback connections. Per worker the
shared slots hold: connections taken lately (fading), when that was set, its loop's heartbeat.
"""

from __future__ import annotations

import asyncio
import math
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import given, settings
from hypothesis import strategies as st

from profilefit.apps.cli._service_commands import BALANCE_GRACE, HEARTBEAT, RECENT, BalancedListener, faded


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def workers_on_one_socket(
    clock: Clock, count: int = 2
) -> Iterator[tuple[list[BalancedListener], list[float], tuple[str, int], list[socket.socket]]]:
    """``count`` workers' listeners on one listening socket, their shared slots, its address, the clients."""
    bound = socket.socket()
    bound.bind(("127.0.0.1", 0))
    bound.listen(128)
    bound.setblocking(False)
    shares = [0.0, 0.0, 0.0] * count  # every worker listening, none has taken any, all beat at 0
    listeners = [BalancedListener(bound.dup(), shares, index, clock) for index in range(count)]
    address = bound.getsockname()
    bound.close()
    clients: list[socket.socket] = []
    accepted: list[socket.socket] = []
    for listener in listeners:  # keep what each accepts, to close it
        accept = listener.accept

        def keeping(accept=accept):  # type: ignore[no-untyped-def]
            connection, peer = accept()
            accepted.append(connection)
            return connection, peer

        listener.accept = keeping  # type: ignore[method-assign]
    try:
        yield listeners, shares, address, clients
    finally:
        for connection in [*accepted, *clients]:
            connection.close()
        for listener in listeners:
            listener.close()


def connect(address: tuple[str, int], clients: list[socket.socket]) -> None:
    clients.append(socket.create_connection(address, timeout=5))  # on loopback: waiting to be accepted


def try_accept(listener: BalancedListener) -> bool:
    try:
        listener.accept()
    except BlockingIOError:
        return False
    return True


@settings(max_examples=40, deadline=None)
@given(connections=st.integers(1, 30), order=st.lists(st.integers(0, 1), min_size=1, max_size=12))
def test_property_no_worker_takes_a_connection_while_it_has_taken_more_than_the_other(connections, order):
    # Within one instant (the clock never moves, nothing fades) a worker accepts only while it has taken
    # no more than the other; every waiting connection wakes both, the one that has taken fewer always
    # accepts, so every connection is taken and the split is even, whoever looks first.
    clock = Clock()
    with workers_on_one_socket(clock) as (workers, shares, address, clients):
        for _ in range(connections):
            connect(address, clients)
        taken, turn = 0, 0
        while taken < connections:
            first = order[turn % len(order)]
            turn += 1
            for index in (first, 1 - first):  # the other worker was woken too
                mine, theirs = shares[3 * index], shares[3 * (1 - index)]
                if try_accept(workers[index]):
                    assert mine <= theirs
                    taken += 1
                    break
                assert mine > theirs
            else:
                raise AssertionError("both workers refused a waiting connection")
        assert sorted(shares[0::3]) == [connections // 2, (connections + 1) // 2]


def test_a_burst_of_connections_splits_evenly_whoever_wakes_first():
    clock = Clock()
    with workers_on_one_socket(clock) as (workers, shares, address, clients):
        for _ in range(50):
            connect(address, clients)
        while sum(shares[0::3]) < 50:
            for worker in workers:  # each worker takes all it may, as one accept loop does
                while try_accept(worker):
                    pass
        assert shares[0::3] == [25, 25]


def test_connections_taken_long_ago_fade_so_an_idle_pool_is_no_load():
    # Worker 0 took 10 keep-alive connections a while ago (idle now), worker 1 took 2 just before: new
    # connections go to worker 0 until they have taken alike lately.
    clock = Clock()
    with workers_on_one_socket(clock) as (workers, shares, address, clients):
        clock.now = 5 * RECENT
        shares[0:3] = [10.0, 0.0, clock.now]
        shares[3:6] = [2.0, clock.now, clock.now]
        assert faded(10.0, 0.0, clock.now) == 10.0 * math.exp(-5)
        for _ in range(4):
            connect(address, clients)
        assert not try_accept(workers[1]) and try_accept(workers[0]) and try_accept(workers[0])  # 0.07 + 2
        assert not try_accept(workers[0]) and try_accept(workers[1])  # 2.07 against 2
        assert try_accept(workers[0])  # 2.07 against 3


def test_nothing_is_left_for_a_worker_whose_loop_has_not_turned_lately():
    # The other worker may be stuck, blocked in one long request, or dead and not yet replaced: after
    # the grace without a heartbeat, nothing waits for it, until its loop turns again.
    clock = Clock()
    with workers_on_one_socket(clock) as (workers, _, address, clients):
        for _ in range(7):
            connect(address, clients)
        assert try_accept(workers[0])
        assert not try_accept(workers[0])  # 1 against 0: left for the other
        clock.now += BALANCE_GRACE
        assert not try_accept(workers[0])  # its loop turned just within the grace
        clock.now += 0.002
        assert try_accept(workers[0]) and try_accept(workers[0])  # its loop has not turned
        workers[1].beat()  # it turns again
        assert not try_accept(workers[0])  # about 2.9 against 0: left for it again
        assert try_accept(workers[1]) and try_accept(workers[1]) and try_accept(workers[1])  # 3 against 2.9
        assert try_accept(workers[0])  # the seventh


def test_no_connection_is_left_for_a_worker_that_does_not_listen():
    # The supervisor marks a starting worker's slot (and a dead one's, for its replacement) until it
    # listens; a worker that closes its socket (stopping) marks its own.
    clock = Clock()
    with workers_on_one_socket(clock) as (workers, shares, address, clients):
        shares[3] = math.inf
        for _ in range(5):
            connect(address, clients)
        assert all(try_accept(workers[0]) for _ in range(5)) and shares[0] == 5
        workers[1].listen(128)  # asyncio makes each worker's socket listen when its server starts
        assert shares[3:6] == [0.0, clock.now, clock.now]
        connect(address, clients)
        assert not try_accept(workers[0]) and try_accept(workers[1])


def test_a_listening_worker_beats_while_its_event_loop_turns_and_leaves_when_it_closes():
    shares = [math.inf, 0.0, 0.0]
    bound = socket.socket()
    bound.bind(("127.0.0.1", 0))
    listener = BalancedListener(bound, shares, 0)

    async def serve_a_while() -> list[float]:
        server = await asyncio.get_running_loop().create_server(asyncio.Protocol, sock=listener)
        beats = [shares[0]]
        for _ in range(3):
            await asyncio.sleep(4 * HEARTBEAT)
            beats.append(shares[2])
        server.close()
        await server.wait_closed()
        await asyncio.sleep(4 * HEARTBEAT)
        beats.append(shares[2])
        return beats

    counted, *beats = asyncio.run(serve_a_while())
    assert counted == 0.0  # listening: it takes its share
    assert beats[0] < beats[1] < beats[2] == beats[3]  # seconds of the monotonic clock; none once closed
    assert abs(beats[2] - time.monotonic()) < 1
    assert shares[0] == math.inf  # closed: nothing more is left for it


def test_with_three_workers_a_connection_goes_to_one_that_has_taken_fewer_whichever_looks_first():
    clock = Clock()

    def arrive() -> list[bool]:
        connect(address, clients)
        return [try_accept(worker) for worker in workers]

    with workers_on_one_socket(clock, 3) as (workers, shares, address, clients):
        assert arrive() == [True, False, False]
        assert arrive() == [False, True, False]
        clock.now += 2 * BALANCE_GRACE
        for worker in workers:
            worker.beat()
        assert arrive() == [False, False, True]
        assert [round(value, 6) for value in shares[0::3]] == [1.0, 1.0, 1.0]
