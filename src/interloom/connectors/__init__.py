"""Connectors: one module per kind of source or sink, each declaring its spec."""
