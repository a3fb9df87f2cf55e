"""Customers, their addresses, search and validation."""
