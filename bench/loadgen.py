"""A small HTTP/1.1 load generator on raw asyncio streams, for benchmarks on loopback.

Requests are prepared as bytes beforehand, so the generator spends its CPU on sending and
reading, not on building requests: on a 2-core machine it must leave the server its share.
Two modes:

- ``closed``: N connections each send their next request as soon as the last one is answered
  (maximum sustained throughput);
- ``open``: requests are due at a fixed rate whatever the answers; latency is measured from
  when a request was due, not when it went out, so a stalled server cannot hide its queue
  (no coordinated omission).

Both pause the generator's own garbage collector while they run: a full collection of the
benchmark's heap (the seeded shop the bodies came from) takes about 100 ms, and would show up
as server latency.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Outcome:
    """What a load run saw."""

    sent: int = 0
    ok: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def request_bytes(path: str, host: str, headers: dict[str, str], body: bytes) -> bytes:
    """One keep-alive POST, ready to write."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


@contextmanager
def _collector_paused() -> Iterator[None]:
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def _record(outcome: Outcome, status: int, latency: float) -> None:
    outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
    if status == 200:
        outcome.ok += 1
    outcome.latencies.append(latency)


async def closed_loop(
    host: str, port: int, requests: Iterator[bytes], *, connections: int, seconds: float
) -> Outcome:
    """Keep ``connections`` busy for ``seconds``; count the answers."""
    outcome = Outcome()
    deadline = time.perf_counter() + seconds

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                writer.write(next(requests))
                outcome.sent += 1
                _record(outcome, await _read_response(reader), time.perf_counter() - started)
        finally:
            writer.close()

    with _collector_paused():
        started = time.perf_counter()
        await asyncio.gather(*(connection() for _ in range(connections)))
        outcome.seconds = time.perf_counter() - started
    return outcome


async def open_loop(
    host: str,
    port: int,
    requests: Iterator[bytes],
    *,
    rate: float,
    seconds: float,
    connections: int,
    clock: Callable[[], float] = time.perf_counter,
) -> Outcome:
    """Offer ``rate`` requests per second for ``seconds`` over a pool of ``connections``."""
    outcome = Outcome()
    total = int(rate * seconds)
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await asyncio.open_connection(host, port))

    async def one(due: float, payload: bytes) -> None:
        reader, writer = await pool.get()
        writer.write(payload)
        status = await _read_response(reader)
        _record(outcome, status, clock() - due)
        pool.put_nowait((reader, writer))

    with _collector_paused():
        start = clock()
        tasks = []
        for index in range(total):
            due = start + index / rate
            delay = due - clock()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(due, next(requests))))
            outcome.sent += 1
        await asyncio.gather(*tasks)
        outcome.seconds = clock() - start
    while not pool.empty():
        pool.get_nowait()[1].close()
    return outcome
