"""Orders, draft orders, fulfillment orders and fulfillments."""
