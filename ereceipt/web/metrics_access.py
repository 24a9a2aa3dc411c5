"""Who may read ``/metrics``: the client addresses of ``[server] metrics_allow`` (IPv4 and IPv6 networks).

The figures name the configured clients, operations, fault counts and queue sizes: useful to an
attacker mapping the service, so they are served only to the monitoring system's addresses. The
client address is the request's ``REMOTE_ADDR``, the one forwarded by a trusted proxy where the
application is set up to take it from one.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address

from flask import request

METRICS_REFUSED = "403 Forbidden: /metrics answers only the addresses of [server] metrics_allow.\n"


def address_allowed(address: str | None, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    """Whether ``address`` is in one of ``networks``; an IPv4 address mapped into IPv6 (as a
    dual-stack socket reports it) counts as the IPv4 address, and no address is never allowed."""
    try:
        client = ip_address(address or "")
    except ValueError:
        return False
    if isinstance(client, IPv6Address) and client.ipv4_mapped is not None:
        client = client.ipv4_mapped
    return any(client in network for network in networks)


def metrics_allowed(networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    """Whether the current request comes from one of ``networks``."""
    return address_allowed(request.remote_addr, networks)
