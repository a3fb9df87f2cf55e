"""Retries against the simulator's fault knobs over HTTP: 503s, dropped connections, slow
answers and a refused connection. Sleeps are recorded, not slept, so the tests are fast."""

from __future__ import annotations

import pytest

from tests.shopify.conftest import RecordingSleep, Shop, ShopFactory
from wholesync.shopify import ShopifyClient, StaticToken, UnavailableError
from wholesync.shopify.retry import status_failure
from wholesync.simulator.server import free_port

SUBSCRIPTION = {"topic": "PRODUCTS_UPDATE", "subscription": {"uri": "https://example.com/hook"}}


@pytest.fixture
def shop(make_shop: ShopFactory) -> Shop:
    return make_shop(products=3)


def backoff_ok(waits: list[float]) -> bool:
    """Attempt n waits between d/2 and d, d = min(30, 0.5 * 2**(n - 1))."""
    ceilings = [min(30.0, 0.5 * 2**n) for n in range(len(waits))]
    return all(c / 2 <= w <= c for w, c in zip(waits, ceilings, strict=True))


@pytest.mark.parametrize("faults", [{"error_rate": 0.5}, {"reset_rate": 0.3}])
def test_calls_succeed_through_flaky_answers(shop: Shop, faults: dict[str, float]) -> None:
    sleep = RecordingSleep()
    client = shop.client(sleep=sleep, max_retries=40)
    shop.faults(**faults)
    for _ in range(30):
        assert client.execute("shop")["shop"]["myshopifyDomain"] == shop.domain
    assert client.retries > 0 and len(sleep.calls) == client.retries
    assert all(wait <= 30.0 for wait in sleep.calls)


def test_it_gives_up_after_the_bound(shop: Shop) -> None:
    sleep = RecordingSleep()
    client = shop.client(sleep=sleep, max_retries=4)
    shop.faults(error_rate=1.0)
    with pytest.raises(UnavailableError) as caught:
        client.execute("shop")
    assert caught.value.code == "SHOPIFY_UNAVAILABLE"
    assert "HTTP 503" in str(caught.value)
    assert client.calls == 5 and len(sleep.calls) == 4
    assert backoff_ok(sleep.calls)


def test_a_mutation_is_not_repeated_when_its_outcome_is_unknown(shop: Shop) -> None:
    sleep = RecordingSleep()
    client = shop.client(sleep=sleep)
    shop.faults(reset_rate=1.0)
    with pytest.raises(UnavailableError) as caught:
        client.execute("webhook_subscription_create", SUBSCRIPTION)
    assert caught.value.outcome_unknown
    assert sleep.calls == []


def test_a_mutation_marked_idempotent_is_retried(shop: Shop) -> None:
    sleep = RecordingSleep()
    client = shop.client(sleep=sleep, max_retries=40)
    shop.faults(reset_rate=0.5)
    data = client.execute("webhook_subscription_create", SUBSCRIPTION, idempotent=True)
    assert data["webhookSubscriptionCreate"]["userErrors"] == []


def test_a_mutation_refused_with_503_is_retried(shop: Shop) -> None:
    """A 503 means Shopify did nothing, so even a mutation may go again."""
    sleep = RecordingSleep()
    client = shop.client(sleep=sleep, max_retries=40)
    shop.faults(error_rate=0.5)
    for n in range(5):
        variables = {"topic": "PRODUCTS_UPDATE", "subscription": {"uri": f"https://e.com/{n}"}}
        created = client.execute("webhook_subscription_create", variables)
        assert created["webhookSubscriptionCreate"]["userErrors"] == []
    listed = client.execute("webhook_subscription_list", {"first": 50})
    assert len(listed["webhookSubscriptions"]["nodes"]) == 5
    assert client.retries > 0


def test_slow_answers_time_out_and_are_retried(shop: Shop) -> None:
    sleep = RecordingSleep()
    client = shop.client(sleep=sleep, max_retries=2, timeout=0.2)
    shop.faults(latency=1.0)
    with pytest.raises(UnavailableError) as caught:
        client.execute("shop")
    assert "ReadTimeout" in str(caught.value)
    assert len(sleep.calls) == 2


def test_a_refused_connection_is_retried_even_for_a_mutation() -> None:
    """Nothing was sent, so repeating cannot apply anything twice."""
    sleep = RecordingSleep()
    client = ShopifyClient(
        "nowhere.myshopify.com",
        StaticToken("shpat_x"),
        base_url=f"http://127.0.0.1:{free_port()}",
        sleep=sleep,
        max_retries=3,
    )
    with pytest.raises(UnavailableError) as caught:
        client.execute("webhook_subscription_create", SUBSCRIPTION)
    assert not caught.value.outcome_unknown
    assert "ConnectError" in str(caught.value)
    assert len(sleep.calls) == 3 and backoff_ok(sleep.calls)


@pytest.mark.parametrize(
    ("status", "ambiguous"), [(429, False), (503, False), (502, True), (504, True), (500, True)]
)
def test_only_a_refusal_lets_a_mutation_go_again(status: int, ambiguous: bool) -> None:
    """A gateway error may hide a mutation that ran (an order created twice is the cost)."""
    failure = status_failure(status)
    assert failure is not None and failure.ambiguous is ambiguous


def test_before_send_is_called_just_before_every_attempt_that_goes_out(shop: Shop) -> None:
    """The order export stamps its attempt there: refused attempts and waits come before it."""
    client = shop.client(sleep=RecordingSleep(), max_retries=40)
    shop.faults(error_rate=0.5)
    sent: list[int] = []
    for n in range(5):
        variables = {"topic": "PRODUCTS_UPDATE", "subscription": {"uri": f"https://e.com/{n}"}}
        client.execute(
            "webhook_subscription_create", variables, before_send=lambda: sent.append(client.calls)
        )
    assert client.retries > 0
    assert sent == list(range(client.calls))
