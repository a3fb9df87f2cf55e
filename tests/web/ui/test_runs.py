"""The runs pages over HTTP: the run list's filters, a run's records (filters, fix-it
messages, links to the hub and Shopify), the CSV export, live progress, previews' Apply, and
tenancy (another tenant's run or job is 404)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import select

from tests.web.ui.conftest import ADMIN, OPERATOR, UiHub
from wholesync.hub.models import ExternalRef, SyncRecord, SyncRun
from wholesync.runtime.models import Job

GID = "gid://shopify/Product/4242"


def add_run(ui: UiHub, records: Sequence[dict[str, Any]] = (), **fields: Any) -> int:
    """A run of acme with ``records``; ``fields`` override the run's defaults."""
    values: dict[str, Any] = {
        "flow": "products",
        "status": "succeeded",
        "trigger": "manual",
        "counts": {"created": 1, "rejected": 0},
        **fields,
    }
    with ui.runtime.sessions.begin() as session:
        run = SyncRun(tenant_id=ui.acme.id, **values)
        run.records = [
            SyncRecord(tenant_id=ui.acme.id, **{"entity": "product", **record})
            for record in records
        ]
        session.add(run)
        session.flush()
        return run.id


def run_ids(text: str) -> set[int]:
    return {int(part.split('"')[0]) for part in text.split('href="/runs/')[1:] if part[0].isdigit()}


def test_the_run_list_filters_by_flow_status_trigger_and_preview(ui: UiHub) -> None:
    failed = add_run(
        ui, flow="customers", status="failed", trigger="schedule", error="AUTH_FAILED: x"
    )
    preview = add_run(ui, status="partial", preview=True)
    client = ui.client(ADMIN)
    everything = client.get("/runs")
    assert everything.status_code == 200
    assert {failed, preview, ui.acme.ids["run"]} <= run_ids(everything.text)
    assert run_ids(client.get("/runs", params={"flow": "customers"}).text) == {failed}
    assert run_ids(client.get("/runs", params={"status": "partial"}).text) == {preview}
    assert run_ids(client.get("/runs", params={"trigger": "schedule"}).text) == {failed}
    assert run_ids(client.get("/runs", params={"kind": "preview"}).text) == {preview}
    real = run_ids(client.get("/runs", params={"kind": "real", "flow": "products"}).text)
    assert real == {ui.acme.ids["run"]}
    # An empty filter means "any"; an unknown value says what to choose.
    assert run_ids(client.get("/runs", params={"flow": "", "status": ""}).text) >= {failed}
    refused = client.get("/runs", params={"status": "exploded"})
    assert refused.status_code == 422 and "INVALID_FILTER" in refused.text
    assert "succeeded, partial, failed, running" in refused.text


def test_a_run_lists_its_records_with_fixes_and_links_filtered(ui: UiHub) -> None:
    with ui.runtime.sessions.begin() as session:
        session.add(
            ExternalRef(
                tenant_id=ui.acme.id,
                entity="product",
                hub_id=ui.acme.ids["product"],
                shopify_gid=GID,
            )
        )
    run = add_run(
        ui,
        [
            {"action": "update", "key": "linen-shirt", "shopify_gid": GID},
            {
                "action": "reject",
                "entity": "variant",
                "key": "LS-M",
                "code": "DUPLICATE_VARIANT_KEY",
                "message": "Give each variant its own SKU in Shopify.",
            },
            {
                "action": "reject",
                "entity": "customer",
                "key": "C1",
                "shopify_gid": "gid://shopify/Customer/77",
                "code": "INVALID_EMAIL",
                "message": "Correct the email in Shopify.",
            },
        ],
    )
    client = ui.client(ADMIN)
    page = client.get(f"/runs/{run}")
    assert page.status_code == 200
    assert f'href="/catalog/{ui.acme.ids["product"]}"' in page.text
    assert 'href="https://acme.myshopify.com/admin/products/4242"' in page.text
    assert f'href="/customers/{ui.acme.ids["customer"]}"' in page.text
    assert 'href="https://acme.myshopify.com/admin/customers/77"' in page.text
    # The variant's UPC finds its product in the catalog too.
    assert page.text.count(f'href="/catalog/{ui.acme.ids["product"]}"') == 2
    assert "Give each variant its own SKU in Shopify." in page.text
    rejected = client.get(f"/runs/{run}", params={"action": "reject"}).text
    assert "DUPLICATE_VARIANT_KEY" in rejected and "linen-shirt" not in rejected
    by_code = client.get(f"/runs/{run}", params={"code": "INVALID_EMAIL"}).text
    assert "Correct the email" in by_code and "Give each variant" not in by_code
    refused = client.get(f"/runs/{run}", params={"action": "explode"})
    assert refused.status_code == 422 and "INVALID_FILTER" in refused.text


def test_records_are_paginated(ui: UiHub) -> None:
    run = add_run(ui, [{"action": "update", "key": f"item-{n:03}"} for n in range(60)])
    client = ui.client(ADMIN)
    first = client.get(f"/runs/{run}").text
    assert "item-000" in first and "item-049" in first and "item-050" not in first
    assert "page=2" in first
    second = client.get(f"/runs/{run}", params={"page": 2}).text
    assert "item-050" in second and "item-059" in second and "item-000" not in second


def test_the_csv_export_has_every_record_and_defuses_formulas(ui: UiHub) -> None:
    run = add_run(
        ui,
        [
            {"action": "update", "key": '=HYPERLINK("http://evil")', "diff": {"title": ["a", "b"]}},
            {"action": "reject", "key": "+1", "code": "INVALID_PHONE", "message": "-2 is wrong"},
            {"action": "reject", "key": "@SUM(A1)", "code": "INVALID_EMAIL", "message": "plain"},
        ],
    )
    response = ui.client(ADMIN).get(f"/runs/{run}/records.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert f'filename="run-{run}-records.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["key"] for row in rows] == ['\'=HYPERLINK("http://evil")', "'+1", "'@SUM(A1)"]
    assert rows[1]["message"] == "'-2 is wrong" and rows[2]["message"] == "plain"
    assert rows[0]["diff"] == '{"title":["a","b"]}' and rows[1]["code"] == "INVALID_PHONE"
    filtered = ui.client(ADMIN).get(f"/runs/{run}/records.csv", params={"code": "INVALID_EMAIL"})
    assert [row["key"] for row in csv.DictReader(io.StringIO(filtered.text))] == ["'@SUM(A1)"]


def test_a_running_run_polls_its_progress_until_it_ends(ui: UiHub) -> None:
    run = add_run(
        ui, [{"action": "create", "key": "a"}, {"action": "create", "key": "b"}], status="running"
    )
    client = ui.client(ADMIN)
    page = client.get(f"/runs/{run}").text
    assert f'hx-get="/runs/{run}/progress"' in page and 'hx-trigger="every 1s"' in page
    fragment = client.get(f"/runs/{run}/progress")
    assert fragment.status_code == 200 and "created <strong>2</strong>" in fragment.text
    with ui.runtime.sessions.begin() as session:
        session.get_one(SyncRun, run).status = "succeeded"
    done = client.get(f"/runs/{run}/progress")
    assert done.headers["HX-Redirect"] == f"/runs/{run}"
    assert "hx-trigger" not in client.get(f"/runs/{run}").text


def jobs_of(ui: UiHub, tenant_id: int) -> list[Job]:
    with ui.runtime.sessions() as session:
        return list(session.scalars(select(Job).where(Job.tenant_id == tenant_id).order_by(Job.id)))


@pytest.mark.parametrize("email", [ADMIN, OPERATOR])
def test_admins_and_operators_may_run_preview_and_apply(ui: UiHub, email: str) -> None:
    client = ui.client(email)
    ran = client.post("/dashboard/run", {"flow": "customers"})
    assert ran.status_code == 303 and ran.headers["location"].startswith("/jobs?id=")
    previewed = client.post("/dashboard/preview", {"flow": "products"})
    assert previewed.status_code == 303
    preview = add_run(ui, preview=True)
    applied = client.post(f"/runs/{preview}/apply")
    assert applied.status_code == 303
    jobs = [(job.flow, job.preview, job.trigger) for job in jobs_of(ui, ui.acme.id)]
    assert jobs == [
        ("customers", False, "manual"),
        ("products", True, "manual"),
        ("products", False, "manual"),
    ]
    watched = client.get(ran.headers["location"])
    assert watched.status_code == 200 and 'hx-get="/jobs/progress?id=' in watched.text


def test_runs_that_cannot_start_say_why(ui: UiHub) -> None:
    client = ui.client(ADMIN)
    unknown = client.post("/dashboard/run", {"flow": "teleport"})
    assert unknown.status_code == 404 and "UNKNOWN_FLOW" in unknown.text
    off = client.post("/dashboard/preview", {"flow": "stock_export"})
    assert off.status_code == 409 and "FLOW_DISABLED" in off.text
    assert "Shopify is the stock master" in off.text
    real = client.post(f"/runs/{ui.acme.ids['run']}/apply")
    assert real.status_code == 409 and "NOT_APPLICABLE" in real.text
    assert jobs_of(ui, ui.acme.id) == []


def test_another_tenants_runs_and_jobs_are_not_found(ui: UiHub) -> None:
    run = ui.other.ids["run"]
    job = ui.runtime.request_run(ui.other.id, "products")
    client = ui.client(ADMIN)
    for path in (f"/runs/{run}", f"/runs/{run}/progress", f"/runs/{run}/records.csv"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/runs/{run}/apply").status_code == 404
    assert client.get("/jobs", params={"id": job.id}).status_code == 404
    assert client.get("/jobs/progress", params={"id": job.id}).status_code == 404
    assert jobs_of(ui, ui.acme.id) == [] and len(jobs_of(ui, ui.other.id)) == 1


def test_a_watched_job_polls_until_done_then_opens_its_run(ui: UiHub) -> None:
    job = ui.runtime.request_run(ui.acme.id, "products")
    client = ui.client(OPERATOR)
    waiting = client.get("/jobs/progress", params={"id": job.id})
    assert "Waiting for a worker" in waiting.text and 'hx-trigger="every 1s"' in waiting.text
    run = add_run(ui)
    with ui.runtime.sessions.begin() as session:
        done = session.get_one(Job, job.id)
        done.status, done.run_id = "succeeded", run
    finished = client.get("/jobs/progress", params={"id": job.id})
    assert finished.headers["HX-Redirect"] == f"/runs/{run}"
    opened = client.get("/jobs", params={"id": job.id})
    assert opened.status_code == 303 and opened.headers["location"] == f"/runs/{run}"
    listed = client.get("/jobs").text
    assert f'href="/jobs?id={job.id}"' in listed and f'href="/runs/{run}"' in listed


def test_a_job_that_did_not_run_shows_why_and_stops_polling(ui: UiHub) -> None:
    job = ui.runtime.request_run(ui.acme.id, "customers")
    with ui.runtime.sessions.begin() as session:
        cancelled = session.get_one(Job, job.id)
        cancelled.status = "cancelled"
        cancelled.error = "FLOW_DISABLED: customers is off: the flow is disabled."
    client = ui.client(ADMIN)
    for response in (
        client.get("/jobs", params={"id": job.id}),
        client.get("/jobs/progress", params={"id": job.id}),
    ):
        assert response.status_code == 200
        assert "FLOW_DISABLED: customers is off" in response.text
        assert "hx-trigger" not in response.text
