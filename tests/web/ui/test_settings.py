"""Settings pages over HTTP: each section saves and validates (a refused save keeps the input
and changes nothing), admins only, CSRF, tenants apart, secrets never shown, and the TOML
download and upload."""

from __future__ import annotations

import tomllib
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.web.ui.conftest import ADMIN, OPERATOR, OTHER_ADMIN, SignedIn, UiHub
from wholesync.hub.models import Tenant
from wholesync.sync.settings import TenantSettings
from wholesync.sync.tenants import set_setting, tenant_settings

Form = dict[str, Any]


class _FormReader(HTMLParser):
    """The fields of the page's first form whose action is ``action``, as a browser sends them."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.done = action, False, False
        self.fields: Form = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        at = {key: value or "" for key, value in attrs}
        if tag == "form" and not self.done:
            self.inside = at.get("action") == self.action
        if not self.inside:
            return
        name = at.get("name", "")
        if tag == "input" and at.get("type") == "checkbox":
            if "checked" in at:
                self.fields.setdefault(name, []).append(at["value"])
        elif tag == "input" and name:
            self.fields[name] = at.get("value", "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in at:
            self.fields[self._select] = at["value"]
        elif tag == "textarea":
            self._textarea = name
            self.fields[name] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_of(client: SignedIn, path: str) -> Form:
    response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    reader = _FormReader(path)
    reader.feed(response.text)
    assert reader.fields, f"no form posting to {path}"
    return reader.fields


def stored(ui: UiHub, tenant_id: int | None = None) -> TenantSettings:
    with ui.runtime.sessions() as session:
        return tenant_settings(session.get_one(Tenant, tenant_id or ui.acme.id))


def without(form: Form, *names: str) -> Form:
    return {key: value for key, value in form.items() if key not in names}


# section -> (valid changes, what they store, invalid changes, what the error says)
CASES: dict[str, tuple[Form, dict[str, Any], Form, str]] = {
    "sync": (
        {"sync_tag": "NuORDER Sync: True", "upc_key": "barcode"},
        {"sync_tag": "NuORDER Sync: True", "upc_key": "barcode"},
        {"active_metafield": "active"},
        "is not a metafield key of the form namespace.key",
    ),
    "pricing": (
        {"wholesale_price.source": "formula", "wholesale_price.formula": "price * 0.6"},
        {"wholesale_price.source": "formula", "wholesale_price.formula": "price * 0.6"},
        {"wholesale_price.formula": "price ** 2"},
        "a formula may use the name &#39;price&#39;",
    ),
    "custom-fields": (
        {"custom_fields.product": "season = meta.custom.season\r\n\r\nfit = meta.custom.fit"},
        {"custom_fields.product": {"season": "meta.custom.season", "fit": "meta.custom.fit"}},
        {"custom_fields.variant": "colour = meta.[["},
        "colour: &#39;meta.[[&#39; is not a valid JMESPath expression",
    ),
    "stock": (
        {"stock_master": "hub", "warehouse_map": "Main Street = MAIN"},
        {"stock_master": "hub", "warehouse_map": {"Main Street": "MAIN"}},
        {"warehouse_map": "Main Street MAIN"},
        "write each entry as name = value",
    ),
    "orders": (
        {
            "orders.exportable_statuses": ["pending", "approved"],
            "orders.tax_rates": "FR = 0.2",
            "orders.bypass_stock_check": "on",
            "orders.tags": "wholesale, b2b",
        },
        {
            "orders.exportable_statuses": ("pending", "approved"),
            "orders.tax_rates": {"FR": 0.2},
            "orders.bypass_stock_check": True,
            "orders.tags": ("wholesale", "b2b"),
        },
        {"orders.fulfillment": "fulfilled", "orders.fulfillment_location": ""},
        "orders created fulfilled need orders.fulfillment_location",
    ),
    "note": (
        {"orders.note_template": "PO {{ po_number }}\r\nTerms: {{ payment_terms }}"},
        {"orders.note_template": "PO {{ po_number }}\nTerms: {{ payment_terms }}"},
        {"orders.note_template": "{{ secret }}"},
        "unknown note field(s) [&#39;secret&#39;]",
    ),
    "erp": (
        {"erp_defaults.payment_terms": "Net 30", "erp_defaults.hold_code": ""},
        {"erp_defaults.payment_terms": "Net 30", "erp_defaults.hold_code": None},
        {"erp_defaults.sales_rep": "x" * 300},
        "String should have at most 255 characters",
    ),
    "schedules": (
        {"flows.products.schedule": "*/5 * * * *", "flows.customers_export.enabled": ["on"]},
        {"flows.products.schedule": "*/5 * * * *", "flows.customers_export.enabled": True},
        {"flows.inventory.schedule": "* * * * *"},
        "the most often allowed is every 5 minutes",
    ),
    "notifications": (
        {"notifications.alert_emails": "ops@acme.example, boss@acme.example"},
        {"notifications.alert_emails": ("ops@acme.example", "boss@acme.example")},
        {"notifications.digest_hour": "25"},
        "less than or equal to 23",
    ),
}


def _value(settings: TenantSettings, key: str) -> Any:
    value: Any = settings
    for part in key.split("."):
        value = getattr(value, part)
    return value


@pytest.mark.parametrize("slug", sorted(CASES))
def test_a_section_saves_valid_values(ui: UiHub, slug: str) -> None:
    changes, expected, _, _ = CASES[slug]
    client = ui.client(ADMIN)
    path = f"/settings/{slug}"

    response = client.post(path, {**form_of(client, path), **changes})

    assert response.status_code == 303, response.text[:500]
    assert response.headers["location"].startswith(f"{path}?notice=")
    settings = stored(ui)
    for key, value in expected.items():
        got = _value(settings, key)
        assert (float(got["FR"]) if key == "orders.tax_rates" else got) == (
            value["FR"] if key == "orders.tax_rates" else value
        ), key
    assert client.get(response.headers["location"]).status_code == 200


@pytest.mark.parametrize("slug", sorted(CASES))
def test_a_refused_save_keeps_the_input_and_changes_nothing(ui: UiHub, slug: str) -> None:
    changes, _, bad, message = CASES[slug]
    client = ui.client(ADMIN)
    path = f"/settings/{slug}"
    before = stored(ui)

    # A valid change alongside the bad one is not saved either: the section saves whole.
    response = client.post(path, {**form_of(client, path), **changes, **bad})

    assert response.status_code == 422
    assert "INVALID_SETTING" in response.text and "nothing was saved" in response.text
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    reader = _FormReader(path)
    reader.feed(response.text)
    for name, typed in bad.items():
        assert reader.fields.get(name, "").replace("\r\n", "\n") == typed.replace("\r\n", "\n")
    assert stored(ui) == before


def test_a_nul_character_is_refused_not_stored(ui: UiHub) -> None:
    client = ui.client(ADMIN)
    form = {**form_of(client, "/settings/note"), "orders.note_template": "PO\x00"}

    response = client.post("/settings/note", form)

    assert response.status_code == 422 and "NUL character" in response.text
    assert stored(ui) == TenantSettings()


def test_every_setting_is_on_a_section() -> None:
    from wholesync.web.ui.settings_sections import SECTIONS

    on_forms = {field.key for section in SECTIONS for field in section.fields}
    settable = set(TenantSettings().as_flat_dict())
    assert settable - on_forms == set()


def test_operators_get_403_and_no_settings_link(ui: UiHub) -> None:
    client = ui.client(OPERATOR)
    assert 'href="/settings"' not in client.get("/dashboard").text
    for path in ("/settings", "/settings/schedules", "/settings/export.toml"):
        response = client.get(path)
        assert response.status_code == 403
        assert "ADMIN_ONLY" in response.text
    refused = client.post("/settings/sync", {"sync_tag": "hacked"})
    assert refused.status_code == 403
    assert client.post("/settings/test-email").status_code == 403
    assert stored(ui).sync_tag == "wholesync"


def test_a_settings_post_without_the_csrf_token_is_refused(ui: UiHub) -> None:
    client = ui.client(ADMIN)
    form = without({**form_of(client, "/settings/sync"), "sync_tag": "csrf"}, "csrf_token")

    response = client.http.post("/settings/sync", data=form)

    assert response.status_code == 403
    assert "CSRF_FAILED" in response.text
    upload = client.http.post("/settings/import", files={"file": ("s.toml", b"upc_key = 'sku'")})
    assert upload.status_code == 403
    assert stored(ui).sync_tag == "wholesync"


def test_another_tenants_settings_are_never_shown_or_changed(ui: UiHub) -> None:
    other = ui.client(OTHER_ADMIN)
    saved = other.post(
        "/settings/sync", {**form_of(other, "/settings/sync"), "sync_tag": "Otherbrand only"}
    )
    assert saved.status_code == 303
    client = ui.client(ADMIN)

    for path in ("/settings", "/settings/sync", "/settings/export.toml"):
        assert "Otherbrand" not in client.get(path).text
    client.post("/settings/sync", {**form_of(client, "/settings/sync"), "buyer_tag": "acme-b"})

    assert stored(ui).buyer_tag == "acme-b"
    assert stored(ui, ui.other.id).sync_tag == "Otherbrand only"
    assert stored(ui, ui.other.id).buyer_tag == "wholesale-buyer"


def test_secrets_are_named_by_variable_never_shown(
    ui: UiHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T", "shpat_do-not-show-me")
    monkeypatch.setenv("S", "whsec_do-not-show-me")
    client = ui.client(ADMIN)

    text = client.get("/settings").text + client.get("/settings/export.toml").text

    assert "do-not-show-me" not in text
    assert 'from the environment variable <span class="code">T</span>' in text
    assert 'from the environment variable <span class="code">S</span>' in text


def test_settings_download_as_toml_and_upload_back(ui: UiHub) -> None:
    client = ui.client(ADMIN)
    with ui.runtime.sessions.begin() as session:
        set_setting(session, "acme", "sync_tag", "null")
    exported = client.get("/settings/export.toml")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == ('attachment; filename="wholesync-acme.toml"')
    data = tomllib.loads(exported.text)
    assert data["unset"] == ["sync_tag"] and data["upc_key"] == "sku"

    changed = exported.text.replace('upc_key = "sku"', 'upc_key = "barcode"')
    response = client.post("/settings/import", files={"file": ("acme.toml", changed.encode())})

    assert response.status_code == 303, response.text[:500]
    settings = stored(ui)
    assert settings.upc_key == "barcode" and settings.sync_tag is None
    assert client.get("/settings/export.toml").text == changed


def test_an_invalid_upload_names_each_key_and_changes_nothing(ui: UiHub) -> None:
    client = ui.client(ADMIN)
    before = stored(ui)
    text = client.get("/settings/export.toml").text
    bad = text.replace('upc_key = "sku"', 'upc_key = "ean"').replace(
        'schedule = "0 * * * *"', 'schedule = "* * * * *"', 1
    )

    response = client.post("/settings/import", files={"file": ("bad.toml", bad.encode())})
    broken = client.post("/settings/import", files={"file": ("x.toml", b"upc_key = ")})
    binary = client.post("/settings/import", files={"file": ("x.toml", b"\xff\xfe")})

    assert response.status_code == 422
    assert '<span class="code">upc_key</span>: Input should be' in response.text
    assert '<span class="code">flows.products.schedule</span>' in response.text
    assert "every 5 minutes" in response.text and "nothing changed" in response.text
    assert broken.status_code == 422 and "not valid TOML" in broken.text
    assert binary.status_code == 422 and "not UTF-8" in binary.text
    assert stored(ui) == before
