"""Sign-in, sessions and the gate in front of every page: CSRF, rate limiting of failed
sign-ins, cookies, redirects and security headers."""

from __future__ import annotations

from sqlalchemy import event

from tests.web.ui.conftest import ADMIN, OPERATOR, PASSWORD, UiHub, token_of
from wholesync.hub.users import MAX_FAILURES_PER_EMAIL


def test_sign_in_sets_an_http_only_same_site_session_cookie(ui: UiHub) -> None:
    client = ui.client(None)
    response = client.sign_in(ADMIN)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    cookie = next(
        value for name, value in response.headers.multi_items() if name == "set-cookie"
    ).lower()
    assert "wholesync_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_a_page_without_a_session_sends_the_browser_to_sign_in(ui: UiHub) -> None:
    client = ui.client(None)
    response = client.get("/dashboard?flow=products")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/dashboard%3Fflow%3Dproducts"
    htmx = client.get("/dashboard", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login?next=")


def test_wrong_password_is_refused_and_says_so(ui: UiHub) -> None:
    client = ui.client(None)
    response = client.sign_in(ADMIN, "not the password")
    assert response.status_code == 401 and "LOGIN_FAILED" in response.text
    assert "wholesync_session" not in response.headers.get("set-cookie", "")


def test_repeated_failures_lock_the_email_out_even_with_the_right_password(ui: UiHub) -> None:
    client = ui.client(None)
    for _ in range(MAX_FAILURES_PER_EMAIL):
        assert client.sign_in(OPERATOR, "guess guess guess").status_code == 401
    locked = client.sign_in(OPERATOR, PASSWORD)
    assert locked.status_code == 429 and "LOGIN_RATE_LIMITED" in locked.text
    # Another user is not locked out by someone guessing this one's password.
    assert ui.client(None).sign_in(ADMIN).status_code == 303


def test_a_form_without_its_csrf_token_is_refused(ui: UiHub) -> None:
    client = ui.client(ADMIN)
    missing = client.http.post("/logout", data={})
    assert missing.status_code == 403 and "CSRF_FAILED" in missing.text
    forged = client.http.post("/logout", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    # The session survived both attempts; the real token signs out.
    assert client.get("/dashboard").status_code != 303
    assert client.post("/logout").status_code == 303
    assert client.get("/dashboard").status_code == 303


def test_the_login_form_needs_the_token_of_its_own_cookie(ui: UiHub) -> None:
    client = ui.client(None)
    token = token_of(client.get("/login"))
    client.http.cookies.clear()
    response = client.http.post(
        "/login", data={"csrf_token": token, "email": ADMIN, "password": PASSWORD}
    )
    assert response.status_code == 403 and "CSRF_FAILED" in response.text


def test_htmx_requests_may_send_the_token_as_a_header(ui: UiHub) -> None:
    client = ui.client(ADMIN)
    response = client.http.post("/logout", headers={"X-CSRF-Token": client.csrf})
    assert response.status_code == 303


def test_next_never_leaves_the_site(ui: UiHub) -> None:
    client = ui.client(None)
    client.csrf = token_of(client.get("/login"))
    response = client.post(
        "/login", {"email": ADMIN, "password": PASSWORD, "next": "//evil.example/"}
    )
    assert response.headers["location"] == "/dashboard"


def test_every_page_carries_the_security_headers(ui: UiHub) -> None:
    for response in (ui.client(None).get("/login"), ui.client(ADMIN).get("/no-such-page")):
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["cache-control"] == "no-store"
    assert ui.client(ADMIN).get("/no-such-page").status_code == 404


def test_assets_are_served_with_the_headers_but_no_session_lookup(ui: UiHub) -> None:
    client = ui.client(ADMIN)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(ui.runtime.engine, "before_cursor_execute", seen)
    try:
        asset = client.get("/static/vendor/htmx.min.js")
        page = client.get("/dashboard")
    finally:
        event.remove(ui.runtime.engine, "before_cursor_execute", seen)
    assert asset.status_code == 200 and asset.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in asset.headers
    assert page.status_code == 200
    lookups = [s for s in statements if "web_sessions" in s]
    assert len(lookups) == 1, "the page looks its session up; the asset does not"
