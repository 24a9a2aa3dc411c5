"""RabbitMQ for tests: a broker connection, and a topology of its own per test, deleted afterwards.

The broker comes from ERECEIPT_TEST_AMQP_URL (default guest@127.0.0.1:5672). Under CI=true an
unreachable broker fails the tests that need it; elsewhere they are skipped with what to start.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pika
import pika.exceptions
import pytest
from ci import unavailable

from ereceipt.queue.topology import Topology

AMQP_URL = os.environ.get("ERECEIPT_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def amqp_parameters(heartbeat: int = 10) -> pika.URLParameters:
    parameters = pika.URLParameters(AMQP_URL)
    parameters.heartbeat = heartbeat
    parameters.connection_attempts = 1
    return parameters


@pytest.fixture
def broker() -> Iterator[pika.BlockingConnection]:
    """The test's own connection. Without heartbeats: a BlockingConnection answers them only while it is
    used, and a test that waits minutes for a worker would otherwise find it closed by the broker
    (StreamLostError) when it finally looks at a queue."""
    try:
        connection = pika.BlockingConnection(amqp_parameters(heartbeat=0))
    except pika.exceptions.AMQPConnectionError as exc:
        message = f"RabbitMQ at {AMQP_URL} is unreachable ({exc!r}); start it or set ERECEIPT_TEST_AMQP_URL"
        unavailable(message)
    yield connection
    if connection.is_open:
        connection.close()


@pytest.fixture
def topology(broker: pika.BlockingConnection) -> Iterator[Topology]:
    suffix = uuid.uuid4().hex[:10]
    names = Topology(
        payments_exchange=f"test.bank.payments.{suffix}",
        payments_binding="#",
        payments_queue=f"test.ereceipt.bank.payments.{suffix}",
        dead_letter_exchange=f"test.ereceipt.dlx.{suffix}",
        dead_letter_queue=f"test.ereceipt.bank.payments.dead.{suffix}",
        events_exchange=f"test.ereceipt.events.{suffix}",
        delivery_limit=3,
    )
    channel = broker.channel()
    names.declare(channel)
    yield names
    cleanup = pika.BlockingConnection(amqp_parameters())
    names.delete(cleanup.channel())
    cleanup.close()


def publish(
    connection: pika.BlockingConnection,
    topology: Topology,
    body: bytes,
    *,
    message_id: str | None = None,
    app_id: str | None = "BFTVVNVX",
) -> None:
    channel = connection.channel()
    channel.confirm_delivery()
    properties = pika.BasicProperties(
        message_id=message_id or uuid.uuid4().hex,
        app_id=app_id,
        content_type="application/xml",
        delivery_mode=pika.DeliveryMode.Persistent,
    )
    channel.basic_publish(topology.payments_exchange, "camt054.BFTVVNVX", body, properties, mandatory=True)
    channel.close()


def queue_depth(connection: pika.BlockingConnection, queue: str) -> tuple[int, int]:
    """(ready messages, consumers) of a queue."""
    channel = connection.channel()
    result = channel.queue_declare(queue, passive=True)
    channel.close()
    return result.method.message_count, result.method.consumer_count
