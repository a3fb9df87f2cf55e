"""Wholesync: an open connector between a Shopify store and a B2B wholesale hub."""

__version__ = "0.1.0"
