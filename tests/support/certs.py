"""Fixtures of the packages whose servers speak TLS in-process (tests/login, tests/loop): one lab CA per module
and its PEM file, trusted by the client side. Each package's conftest hands them on."""

from __future__ import annotations

import pytest

from tests.lab.certs import CertLab


@pytest.fixture(scope="module")
def certs() -> CertLab:
    return CertLab()


@pytest.fixture(scope="module")
def ca_file(certs: CertLab, tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(certs.write_ca_file(tmp_path_factory.mktemp("ca")))
