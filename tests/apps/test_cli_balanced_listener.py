"""``serve --workers N``: the shared listening socket gives each worker its share of the connections.

:class:`BalancedListener` is driven here by hand, as asyncio's accept loop drives it in each worker:
two listeners on one socket, a clock the test moves, real loopback connections.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import given, settings
from hypothesis import strategies as st

from profilefit.apps.cli._service_commands import BALANCE_GRACE, HEARTBEAT, NOT_ACCEPTING, BalancedListener


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def workers_on_one_socket(
    clock: Clock, count: int = 2
) -> Iterator[tuple[list[BalancedListener], list[int], tuple[str, int]]]:
    """``count`` workers' listeners on one listening socket, their shared slots, and its address."""
    bound = socket.socket()
    bound.bind(("127.0.0.1", 0))
    bound.listen(128)
    bound.setblocking(False)
    shares = [0, 0] * count  # per worker: the connections it holds, how often it has looked
    listeners = [BalancedListener(bound.dup(), shares, index, clock) for index in range(count)]
    address = bound.getsockname()
    bound.close()
    clients: list[socket.socket] = []
    try:
        yield listeners, shares, address
    finally:
        for listener in listeners:
            for held in listener._held:
                held.close()
            listener.close()
        for client in clients:
            client.close()


def connect(address: tuple[str, int], clients: list[socket.socket]) -> None:
    client = socket.create_connection(address, timeout=5)  # on loopback, waiting to be accepted on return
    clients.append(client)


def try_accept(listener: BalancedListener) -> bool:
    try:
        listener.accept()
    except BlockingIOError:
        return False
    return True


@settings(max_examples=40, deadline=None)
@given(
    connections=st.integers(1, 30),
    order=st.lists(st.integers(0, 1), min_size=1, max_size=12),
    closed=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 40)), max_size=6),
)
def test_property_no_worker_takes_a_connection_while_it_holds_more_than_the_other(connections, order, closed):
    # Within the grace (the clock never moves) a worker accepts only while it holds no more than the
    # other last said it holds; every waiting connection wakes both workers, and the one holding fewer
    # always accepts, so every connection is taken, and without closed ones the split is even.
    clock, clients = Clock(), []
    with workers_on_one_socket(clock) as (workers, shares, address):
        try:
            for _ in range(connections):
                connect(address, clients)
            taken, turn = 0, 0
            while taken < connections:
                first = order[turn % len(order)]
                turn += 1
                for index in (first, 1 - first):  # the other worker was woken too
                    mine, said = workers[index].held, shares[2 * (1 - index)]
                    if try_accept(workers[index]):
                        assert mine <= said
                        taken += 1
                        for who, which in closed:  # a client goes away now and then
                            if who == index and which == taken and workers[who].held:
                                workers[who]._held[0].close()
                        break
                    assert mine > said
                else:
                    raise AssertionError("both workers refused a waiting connection")
            if not closed:
                assert sorted(worker.held for worker in workers) == [connections // 2, (connections + 1) // 2]
        finally:
            for client in clients:
                client.close()


def test_a_burst_of_connections_splits_evenly_whoever_wakes_first():
    clock, clients = Clock(), []
    with workers_on_one_socket(clock) as (workers, shares, address):
        try:
            for _ in range(50):
                connect(address, clients)
            while sum(worker.held for worker in workers) < 50:
                for worker in workers:  # each worker takes all it may, as one accept loop does
                    while try_accept(worker):
                        pass
            assert [worker.held for worker in workers] == [25, 25] and shares[0::2] == [25, 25]
        finally:
            for client in clients:
                client.close()


def test_closed_connections_no_longer_count():
    clock, clients = Clock(), []
    with workers_on_one_socket(clock) as (workers, shares, address):
        try:
            for _ in range(4):
                connect(address, clients)
            assert try_accept(workers[0]) and try_accept(workers[1]) and try_accept(workers[0])
            assert not try_accept(workers[0])  # 2 against 1
            for held in list(workers[0]._held):
                held.close()
            assert try_accept(workers[0])  # 0 against 1: its closed connections are gone from its count
            assert shares[0] == 1
        finally:
            for client in clients:
                client.close()


def test_nothing_is_left_for_a_worker_whose_loop_has_not_turned_lately():
    # The other worker may be busy with one long request, stuck, or dead and not yet replaced: after
    # the grace without a heartbeat, nothing waits for it, until its loop turns again.
    clock, clients = Clock(), []
    with workers_on_one_socket(clock) as (workers, _, address):
        try:
            for _ in range(7):
                connect(address, clients)
            assert try_accept(workers[0])
            assert not try_accept(workers[0])  # 1 against 0: left for the other
            clock.now += BALANCE_GRACE
            assert not try_accept(workers[0])  # its loop turned just within the grace
            clock.now += 0.002
            assert try_accept(workers[0]) and try_accept(workers[0])  # 3 against 0: its loop has not turned
            workers[1].beat()  # it turns again
            assert not try_accept(workers[0])  # left for it again
            assert try_accept(workers[1]) and try_accept(workers[1]) and try_accept(workers[1])  # 3 against 3
            assert try_accept(workers[0])  # the seventh
        finally:
            for client in clients:
                client.close()


def test_no_connection_is_left_for_a_worker_that_does_not_listen_yet():
    # The supervisor marks a starting worker's slot (and a dead one's, for its replacement) until it listens.
    clock, clients = Clock(), []
    with workers_on_one_socket(clock) as (workers, shares, address):
        try:
            shares[2] = NOT_ACCEPTING
            for _ in range(5):
                connect(address, clients)
            assert all(try_accept(workers[0]) for _ in range(5)) and shares[0] == 5
            workers[1].listen(128)  # asyncio makes each worker's socket listen when its server starts
            assert shares[2] == 0
            connect(address, clients)
            assert not try_accept(workers[0]) and try_accept(workers[1])
        finally:
            for client in clients:
                client.close()


def test_a_listening_worker_beats_while_its_event_loop_turns():
    shares = [0, 0]
    bound = socket.socket()
    bound.bind(("127.0.0.1", 0))
    listener = BalancedListener(bound, shares, 0)

    async def serve_a_while() -> list[int]:
        server = await asyncio.get_running_loop().create_server(asyncio.Protocol, sock=listener)
        beats = []
        for _ in range(3):
            await asyncio.sleep(5 * HEARTBEAT)
            beats.append(shares[1])
        server.close()
        await server.wait_closed()
        await asyncio.sleep(5 * HEARTBEAT)
        beats.append(shares[1])
        return beats

    beats = asyncio.run(serve_a_while())
    assert beats[0] < beats[1] < beats[2] == beats[3]  # milliseconds of the monotonic clock; none once closed
    assert abs(beats[2] - time.monotonic() * 1000) < 1000
    assert shares[0] == NOT_ACCEPTING  # closed: nothing more is left for it


def test_with_three_workers_a_connection_goes_to_a_worker_holding_fewer_whichever_looks_first():
    clock, clients = Clock(), []

    def arrive(workers: list[BalancedListener]) -> list[bool]:
        connect(address, clients)
        return [try_accept(worker) for worker in workers]

    with workers_on_one_socket(clock, 3) as (workers, shares, address):
        try:
            assert arrive(workers) == [True, False, False]  # [1, 0, 0]
            assert arrive(workers) == [False, True, False]  # [1, 1, 0]
            clock.now += 2 * BALANCE_GRACE
            for worker in workers:
                worker.beat()
            assert arrive(workers) == [False, False, True]
            assert shares[0::2] == [1, 1, 1]
        finally:
            for client in clients:
                client.close()
