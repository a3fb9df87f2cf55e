"""F4 exactly once: a run cut short at any point around the create, with Shopify's search
lagging behind, never yields a second Shopify order and never loses one. Also: a preview
writes and sends nothing, and orders asked for by id that may not be exported are refused."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.sync.conftest import Harness
from tests.sync.orders_harness import AroundCreate, Crash, FakeTime, Orders, crash
from wholesync.hub.models import Order


@pytest.fixture
def orders(harness: Harness) -> Iterator[Orders]:
    shop = Orders(harness)
    shop.prepare()
    yield shop


def one_stocked_order(orders: Orders) -> tuple[int, str]:
    (variant,) = orders.variants(1)
    order_id = orders.place([(variant.upc, 1)])
    key = orders.order(order_id).export_key
    assert key is not None
    return order_id, key


def test_a_crash_after_the_create_is_found_by_search_after_the_lag(orders: Orders) -> None:
    orders.faults(search_lag=1.0)
    orders.harness.set("orders.search_lag_seconds", "2")
    order_id, key = one_stocked_order(orders)
    with pytest.raises(Crash):
        orders.export(transport=AroundCreate(after=crash))
    (created,) = orders.shopify_orders(key)
    left = orders.order(order_id)
    assert left.status == "approved" and left.shopify_order_gid is None
    assert left.export_attempted_at is not None

    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    result = orders.export(sleep=sleep)
    assert (result.counts["created"], result.counts["unchanged"]) == (0, 1)
    assert slept and sum(slept) <= 2.0  # the first search missed it, the one after the lag not
    order = orders.order(order_id)
    assert (order.status, order.shopify_order_gid) == ("processed", created["id"])
    assert order.shopify_order_name == created["name"]
    assert len(orders.shopify_orders(key)) == 1


def test_a_crash_before_the_create_waits_out_the_lag_then_creates_once(orders: Orders) -> None:
    order_id, key = one_stocked_order(orders)
    with pytest.raises(Crash):
        orders.export(transport=AroundCreate(before=crash))
    assert orders.shopify_orders(key) == []

    clock = FakeTime()
    first_search_only = orders.export(clock=clock.clock, sleep=clock.sleep)
    assert first_search_only.counts["created"] == 1
    (wait,) = clock.sleeps
    assert 9 < wait <= 10
    assert orders.order(order_id).status == "processed"
    assert len(orders.shopify_orders(key)) == 1


def test_a_lost_answer_to_the_create_is_not_sent_again(orders: Orders) -> None:
    order_id, key = one_stocked_order(orders)
    lost = AroundCreate(before=lambda: orders.faults(lost_response_rate=1.0))
    orders.export(transport=lost)
    order = orders.order(order_id)
    assert (order.status, order.error_code) == ("failed", "SHOPIFY_UNAVAILABLE")
    assert order.export_attempted_at is not None
    (created,) = orders.shopify_orders(key)  # it ran; only its answer was lost

    orders.faults(lost_response_rate=0.0)
    result = orders.export()
    assert (result.counts["created"], result.counts["unchanged"]) == (0, 1)
    order = orders.order(order_id)
    assert (order.status, order.shopify_order_gid) == ("processed", created["id"])
    assert len(orders.shopify_orders(key)) == 1


def test_orders_in_a_run_share_the_search_and_are_each_created_once(orders: Orders) -> None:
    variants = orders.variants(3)
    ids = [orders.place([(v.upc, 1)]) for v in variants]
    result = orders.export()
    assert result.counts["created"] == 3
    keys = [str(orders.order(i).export_key) for i in ids]
    assert sorted(o["sourceIdentifier"] for o in orders.shopify_orders()) == sorted(keys)
    assert orders.export().counts == {
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "archived": 0,
        "rejected": 0,
    }


def test_a_preview_reports_what_would_be_created_and_changes_nothing(orders: Orders) -> None:
    order_id, key = one_stocked_order(orders)
    bad_id = orders.place([("NOPE-SKU-9", 1)])
    before = orders.order(order_id)
    result = orders.export(preview=True)
    assert result.preview and result.counts["created"] == 1 and result.counts["rejected"] == 1
    create = next(r for r in result.records if r["action"] == "create")
    assert create["key"] == before.number
    assert create["diff"]["sourceIdentifier"] == [None, key]
    assert create["diff"]["lineItems"][1][0]["quantity"] == 1
    reject = next(r for r in result.records if r["action"] == "reject")
    assert reject["code"] == "VARIANT_NOT_FOUND" and "NOPE-SKU-9" in reject["message"]
    assert orders.shopify_orders() == []
    for order_id_ in (order_id, bad_id):
        after = orders.order(order_id_)
        assert (after.status, after.export_attempted_at, after.error_code) == (
            "approved",
            None,
            None,
        )
        assert orders.alerts(order_id_) == []


def test_orders_asked_for_by_id_that_may_not_be_exported_are_refused(orders: Orders) -> None:
    order_id, _ = one_stocked_order(orders)
    (variant,) = orders.variants(1)
    pending = orders.place([(variant.upc, 1)], status="pending")
    other = orders.place([(variant.upc, 1)])
    result = orders.export(order_ids=[order_id, pending, 999_999])
    assert (result.counts["created"], result.counts["rejected"]) == (1, 2)
    assert orders.order(other).status == "approved"  # not asked for
    assert orders.order(pending).status == "pending"
    again = orders.export(order_ids=[order_id], preview=True)
    (record,) = again.records
    assert record["code"] == "ALREADY_EXPORTED"
    assert orders.order(order_id).shopify_order_name in record["message"]


def test_pending_orders_export_when_the_tenant_says_so(orders: Orders) -> None:
    (variant,) = orders.variants(1)
    pending = orders.place([(variant.upc, 1)], status="pending")
    assert orders.export().counts["created"] == 0
    orders.harness.set("orders.exportable_statuses", '["pending"]')
    assert orders.export().counts["created"] == 1
    order: Order = orders.order(pending)
    assert order.status == "processed" and order.export_key is not None


def test_an_attempt_made_as_an_order_is_found_after_switching_to_drafts(orders: Orders) -> None:
    order_id, key = one_stocked_order(orders)
    with pytest.raises(Crash):
        orders.export(transport=AroundCreate(after=crash))
    orders.harness.set("orders.export_as", "draft_order")
    result = orders.export()
    assert (result.counts["created"], result.counts["unchanged"]) == (0, 1)
    order = orders.order(order_id)
    assert (order.status, order.shopify_kind) == ("processed", "order")
    drafts = orders.graphql("exported_drafts", {"query": f'tag:"{key}"'})["draftOrders"]["nodes"]
    assert drafts == [] and len(orders.shopify_orders(key)) == 1
