"""Serve the simulator with uvicorn, in the foreground or on a background thread."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from wholesync.simulator.app import Simulator, create_app
from wholesync.simulator.clock import Clock, system_clock


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RunningSimulator:
    """A simulator serving on loopback from a daemon thread, for tests and the demo."""

    sim: Simulator
    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def graphql_url(self, version: str = "2026-07") -> str:
        return f"{self.url}/admin/api/{version}/graphql.json"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_in_thread(
    host: str = "127.0.0.1",
    port: int = 0,
    allow_http_callbacks: bool = True,
    seed: int = 0,
    clock: Clock = system_clock,
) -> RunningSimulator:
    port = port or free_port(host)
    url = f"http://{host}:{port}"
    sim = Simulator(clock=clock, allow_http_callbacks=allow_http_callbacks, seed=seed, base_url=url)
    server, thread, _ = serve_in_thread(create_app(sim), host, port, name="shopify-simulator")
    return RunningSimulator(sim=sim, server=server, thread=thread, url=url)


def serve_in_thread(
    app: ASGIApp, host: str, port: int, *, name: str
) -> tuple[uvicorn.Server, threading.Thread, int]:
    """Serve ``app`` from a daemon thread named ``name``; returns once it listens, with the
    port it bound (``port`` 0 takes any free one). RuntimeError when it cannot listen."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"{name} did not start on http://{host}:{port}")
        time.sleep(0.02)
    bound: int = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, bound
