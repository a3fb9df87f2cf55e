"""Metafields on every owner type, and their value types."""
