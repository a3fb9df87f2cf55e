"""The demo's integration center: the web app served from a thread of the demo's process, a
check that its sign-in works, and the job workers and busy merchant that keep it moving."""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from types import FrameType

import httpx
from fastapi import FastAPI

from wholesync.commands.common import console, fail
from wholesync.commands.demo_merchant import BusyMerchant
from wholesync.runtime.service import Runtime
from wholesync.simulator.server import serve_in_thread
from wholesync.web.ui.guard import LOGIN_CSRF_COOKIE

HOST = "127.0.0.1"


def check_port(port: int, option: str) -> None:
    """Exit with PORT_IN_USE before any work when ``port`` is taken (0: any free port)."""
    if not port:
        return
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            fail(
                "PORT_IN_USE",
                f"Port {port} on {HOST} is in use (another demo still running?). Stop it, or "
                f"choose another port: wholesync demo {option} {port + 1} (0 takes any free one).",
            )


@contextmanager
def serving(app: FastAPI, port: int) -> Iterator[str]:
    """Serve ``app`` on loopback from a daemon thread; yields its base URL."""
    try:
        server, thread, bound = serve_in_thread(app, HOST, port, name="integration-center")
    except RuntimeError:
        fail("PORT_IN_USE", f"The integration center could not listen on {HOST}:{port}.")
    try:
        yield f"http://{HOST}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def check_sign_in(url: str, email: str, password: str) -> str | None:
    """Sign in as a browser would; what went wrong, or None when the dashboard answered."""
    with httpx.Client(base_url=url, timeout=30) as browser:
        form = browser.get("/login")
        if form.status_code != 200 or 'name="password"' not in form.text:
            return f"the sign-in page answered HTTP {form.status_code}"
        token = browser.cookies.get(LOGIN_CSRF_COOKIE, "")
        fields = {"email": email, "password": password, "csrf_token": token}
        answer = browser.post("/login", data=fields)
        if answer.status_code != 303:
            return f"signing in as {email} answered HTTP {answer.status_code}"
        home = browser.get(answer.headers["location"])
        if home.status_code != 200:
            return f"{answer.headers['location']} answered HTTP {home.status_code} after sign-in"
    return None


def keep_serving(runtime: Runtime, control_url: str, every: float) -> None:
    """Run the job workers and the scheduler, and a busy merchant in the store, until Ctrl-C
    (or SIGTERM); then let running jobs finish and stop."""
    merchant = BusyMerchant(control_url, every=every, report=_show_action)
    consumer = runtime.consumer(workers=max(runtime.settings.worker_threads, 1), periodic=True)
    consumer.start()
    # The consumer's signal handlers only flag its own loop, which the demo does not run.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    merchant.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        console.print("\nStopping: the merchant first, then the jobs in flight...")
    finally:
        merchant.stop()
        consumer.stop(graceful=True)
    made = sorted(merchant.done.items())
    done = ", ".join(f"{count} {kind}{'s' if count != 1 else ''}" for kind, count in made)
    console.print(f"The merchant made {done or 'no changes'}.", highlight=False)


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _show_action(kind: str, what: str) -> None:
    console.print(f"[dim]{datetime.now():%H:%M:%S} {kind}: {what}[/]", highlight=False)
