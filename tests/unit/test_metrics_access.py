"""Who may read /metrics: ``[server] metrics_allow`` as networks, and client addresses checked in them."""

from ipaddress import ip_network
from pathlib import Path

import pytest

from ereceipt.config import ip_networks, load_settings
from ereceipt.core.errors import ConfigurationError
from ereceipt.web.metrics_access import address_allowed

LOOPBACK = (ip_network("127.0.0.1/32"), ip_network("::1/128"))


def write_empty(tmp_path: Path) -> Path:
    path = tmp_path / "config.ini"
    path.write_text("")
    return path


def test_by_default_only_this_machine_may_read_metrics(tmp_path: Path) -> None:
    allowed = ip_networks(load_settings(write_empty(tmp_path), environ={}).server.metrics_allow)
    assert allowed == LOOPBACK


def test_addresses_and_networks_are_separated_by_commas_or_spaces(tmp_path: Path) -> None:
    path = tmp_path / "config.ini"
    path.write_text("[server]\nmetrics_allow = 10.20.0.0/16, 192.0.2.7  2001:db8::/32\n")
    assert ip_networks(load_settings(path, environ={}).server.metrics_allow) == (
        ip_network("10.20.0.0/16"),
        ip_network("192.0.2.7/32"),
        ip_network("2001:db8::/32"),
    )
    assert ip_networks(()) == ()


def test_a_wrong_entry_fails_at_start_naming_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "config.ini"
    path.write_text("[server]\nmetrics_allow = 127.0.0.1, 10.0.0.0/33\n")
    with pytest.raises(ConfigurationError, match=r"\[server\] metrics_allow.*10\.0\.0\.0/33"):
        load_settings(path, environ={})


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),  # a dual-stack socket's IPv4 client
        ("127.0.0.2", False),
        ("10.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("", False),
        (None, False),
        ("not an address", False),
    ],
)
def test_client_address_is_checked_against_the_networks(address: str | None, allowed: bool) -> None:
    assert address_allowed(address, LOOPBACK) is allowed
