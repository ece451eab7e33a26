"""Loop test fixtures: one lab CA per module and its PEM file (tests/support/certs.py)."""

from tests.support.certs import ca_file, certs

__all__ = ["ca_file", "certs"]
