"""Fixtures for the integration center: two seeded tenants with users, the web app served on
loopback, signed-in HTTP clients, and a headless Chromium for the browser tests."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import require_service
from tests.secrets_scan import read_response, remember
from tests.web.api.conftest import Tenant, seed
from tests.web.harness import serving
from wholesync.hub.orders import create_order
from wholesync.hub.users import create_user
from wholesync.runtime.service import Runtime
from wholesync.web.app import create_app

CHROMIUM = os.environ.get("WHOLESYNC_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
PASSWORD = "correct horse battery staple"
ADMIN, OPERATOR, OTHER_ADMIN = "admin@acme.example", "operator@acme.example", "admin@other.example"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The integration center tests run on SQLite; the API and flow tests cover PostgreSQL."""
    return f"sqlite:///{tmp_path / 'hub.db'}"


@dataclass
class UiHub:
    """The app at ``url`` over two tenants: ``acme`` (with an admin and an operator) and
    ``other`` (with an admin)."""

    url: str
    runtime: Runtime
    acme: Tenant
    other: Tenant

    def client(self, email: str | None = ADMIN) -> SignedIn:
        """An HTTP client signed in as ``email`` (None: not signed in)."""
        client = httpx.Client(
            base_url=self.url,
            timeout=30,
            follow_redirects=False,
            event_hooks={"response": [read_response]},
        )
        signed = SignedIn(client)
        if email is not None:
            signed.sign_in(email)
        return signed


class SignedIn:
    """An httpx client that keeps its session cookie and sends the CSRF token with forms."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.csrf = ""

    def sign_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        self.csrf = token_of(self.http.get("/login"))
        response = self.post("/login", {"email": email, "password": password})
        if response.status_code == 303:
            self.csrf = token_of(self.http.get("/dashboard"))
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        """POST a form with the CSRF token (unless ``data`` names its own)."""
        return self.http.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)

    def close(self) -> None:
        self.http.close()


def token_of(response: httpx.Response) -> str:
    found = _CSRF.search(response.text)
    assert found, f"no CSRF token on {response.url} ({response.status_code})"
    return found.group(1)


@pytest.fixture
def ui(runtime: Runtime) -> Iterator[UiHub]:
    remember(PASSWORD)
    with runtime.sessions.begin() as session:
        acme, other = seed(session, "acme"), seed(session, "other")
        create_user(session, acme.id, ADMIN, "admin", PASSWORD)
        create_user(session, acme.id, OPERATOR, "operator", PASSWORD)
        create_user(session, other.id, OTHER_ADMIN, "admin", PASSWORD)
        for tenant in (acme, other):  # a draft order each, for the order pages
            tenant.ids["order"] = create_order(session, tenant.id, po_number="PO-SEED").id
    with serving(create_app(runtime)) as url:
        yield UiHub(url, runtime, acme, other)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        require_service(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


def sign_in(page: Page, ui: UiHub, email: str = ADMIN) -> None:
    """Sign in through the form, as a person would."""
    page.goto(f"{ui.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard.*"))


def shoot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as tests/artifacts/NAME.png (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
