"""A server worker builds its SOAP endpoint and loads the service's key before its first request."""

from __future__ import annotations

import logging
from pathlib import Path

from admin_site import build_site

from ereceipt.app.server import warm_up
from ereceipt.soap import wsse


def test_the_endpoint_is_built_and_the_service_key_loaded_before_any_request(tmp_path: Path) -> None:
    services, _ = build_site(tmp_path, "")
    wsse.signing_material.cache_clear()
    warm_up(services)
    assert "_built_soap_endpoint" in vars(services)  # warm_up built it
    endpoint = services.soap_endpoint()
    assert wsse.signing_material.cache_info().currsize == 1
    misses = wsse.signing_material.cache_info().misses
    wsse.signing_material(endpoint.service_key, endpoint.service_certificate)
    assert wsse.signing_material.cache_info().misses == misses  # the first answer will not load it


def test_a_broken_soap_configuration_is_a_warning_not_a_dead_worker(tmp_path: Path, caplog) -> None:
    services, _ = build_site(tmp_path, "")
    (tmp_path / "var" / "keys" / "soap-server.key.pem").write_bytes(b"not a key")
    with caplog.at_level(logging.WARNING, logger="ereceipt.web"):
        warm_up(services)  # does not raise: the pages still serve, SOAP requests get faults
    assert any("the SOAP endpoint could not be prepared" in r.getMessage() for r in caplog.records)
