"""Operational figures of the SOAP service in the Prometheus text exposition format (prometheus_client).

Under granian every worker process writes its figures to ``PROMETHEUS_MULTIPROC_DIR``, and
``/metrics`` adds them up, so the figures are the service's, not one worker's.

No label value comes from an unauthenticated party: each label series costs memory in every
worker and bytes in every scrape, so a value a sender may choose would let anyone grow them
without bound. The client label is a configured client's name once the endpoint has
authenticated it, and ``unknown`` for every request refused before that.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from ereceipt.core.errors import TransientOutage

REQUESTS = Counter(
    "ereceipt_soap_requests_total",
    "SOAP requests by operation, client and outcome",
    ["operation", "client", "outcome"],
)
DURATION = Histogram(
    "ereceipt_soap_request_duration_seconds",
    "Time to answer a SOAP request",
    ["operation", "client"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0),
)


UNKNOWN_CLIENT = "unknown"


def observe(operation: str | None, client: str | None, outcome: str, seconds: float) -> None:
    """Count one SOAP exchange. ``operation`` and ``client`` are None until the client is authenticated
    (then they are names from the configuration); ``outcome`` is ``ok`` or one of our fault codes."""
    REQUESTS.labels(operation or "-", client or UNKNOWN_CLIENT, outcome).inc()
    DURATION.labels(operation or "-", client or UNKNOWN_CLIENT).observe(seconds)


class _DatabaseGauge:
    """A gauge read from the database at each scrape: the same figure whichever process serves it."""

    def __init__(self, name: str, documentation: str, labels: tuple[str, ...], read: Callable[[], dict]):
        self.name, self.documentation, self.labels, self.read = name, documentation, labels, read

    def describe(self):  # registering must not read the database
        return [GaugeMetricFamily(self.name, self.documentation, labels=self.labels)]

    def collect(self):
        family = GaugeMetricFamily(self.name, self.documentation, labels=self.labels)
        try:
            figures = self.read()
        except TransientOutage as exc:  # the other figures are still worth a scrape
            logging.getLogger("ereceipt.metrics").warning("%s not read: %s", self.name, exc)
            figures = {}
        for values, number in sorted(figures.items()):
            family.add_metric(list(values), number)
        yield family


_DATABASE_GAUGES: dict[str, _DatabaseGauge] = {}


def add_database_gauge(
    name: str, documentation: str, labels: tuple[str, ...], read: Callable[[], dict[tuple, int]]
) -> None:
    """Expose figures kept in the database (payer notices, treasury reports), read at each scrape; the
    last registration of a name wins. ``labels`` may be empty: ``read`` then returns ``{(): n}``."""
    gauge = _DatabaseGauge(name, documentation, labels, read)
    previous = _DATABASE_GAUGES.pop(name, None)
    if previous is not None:
        REGISTRY.unregister(previous)
    REGISTRY.register(gauge)
    _DATABASE_GAUGES[name] = gauge


def exposition() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        for collector in _DATABASE_GAUGES.values():
            registry.register(collector)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
