"""Bulk operations: run a query over the whole shop and serve its JSONL."""
