"""Probes: one module per kind, one signature — (endpoint, address, context) → typed observation."""
