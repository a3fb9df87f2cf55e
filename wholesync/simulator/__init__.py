"""A Shopify Admin API simulator: a stand-in for Shopify in tests, benchmarks and the demo.

It imports nothing from the rest of Wholesync.
"""
