"""Shared probe fixtures: one lab CA per module and its PEM file, handed to probes as --ca-file."""

from __future__ import annotations

import pytest

from tests.lab.certs import CertLab


@pytest.fixture(scope="module")
def lab() -> CertLab:
    return CertLab()


@pytest.fixture(scope="module")
def ca_file(lab: CertLab, tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(lab.write_ca_file(tmp_path_factory.mktemp("ca")))
