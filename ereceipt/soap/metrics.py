"""Operational figures of the SOAP service in the Prometheus text exposition format (prometheus_client).

Under gunicorn every worker process writes its figures to ``PROMETHEUS_MULTIPROC_DIR``, and
``/metrics`` adds them up, so the figures are the service's, not one worker's.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

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


def observe(operation: str | None, client: str | None, outcome: str, seconds: float) -> None:
    REQUESTS.labels(operation or "-", client or "-", outcome).inc()
    DURATION.labels(operation or "-", client or "-").observe(seconds)


def exposition() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
