"""The AMQP 0-9-1 topology this project declares on RabbitMQ (quorum queues, dead-lettering).

Bank notifications arrive on the topic exchange ``bank.payments`` and wait in a quorum queue with
a delivery limit; what is refused or redelivered too often is dead-lettered, at least once, through
``ereceipt.dlx`` into ``ereceipt.bank.payments.dead``. Our own events go to ``ereceipt.events``.
Declaring is idempotent: ``ereceipt queue setup`` and every worker start run it.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from ereceipt.queue.broker_errors import broker_reason
from ereceipt.settings import QueueSettings

REASON_HEADER = "x-ereceipt-reason"


@dataclass(frozen=True)
class Topology:
    payments_exchange: str
    payments_binding: str
    payments_queue: str
    dead_letter_exchange: str
    dead_letter_queue: str
    events_exchange: str
    delivery_limit: int

    @classmethod
    def of(cls, settings: QueueSettings) -> Topology:
        return cls(
            settings.payments_exchange,
            settings.payments_binding,
            settings.payments_queue,
            settings.dead_letter_exchange,
            settings.dead_letter_queue,
            settings.events_exchange,
            settings.delivery_limit,
        )

    def declare(self, channel: BlockingChannel) -> None:
        for exchange in (self.payments_exchange, self.dead_letter_exchange, self.events_exchange):
            channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        channel.queue_declare(self.dead_letter_queue, durable=True, arguments={"x-queue-type": "quorum"})
        channel.queue_bind(self.dead_letter_queue, self.dead_letter_exchange, routing_key="#")
        channel.queue_declare(
            self.payments_queue,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": self.delivery_limit,
                "x-dead-letter-exchange": self.dead_letter_exchange,
                # At-least-once dead-lettering (RabbitMQ 3.10+) needs publishers refused when full.
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )
        channel.queue_bind(self.payments_queue, self.payments_exchange, routing_key=self.payments_binding)

    def delete(self, channel: BlockingChannel) -> None:
        """Remove everything declared (tests use a topology of their own each)."""
        for queue in (self.payments_queue, self.dead_letter_queue):
            channel.queue_delete(queue)
        for exchange in (self.payments_exchange, self.dead_letter_exchange, self.events_exchange):
            channel.exchange_delete(exchange)


def connection_parameters(settings: QueueSettings, role: str = "client") -> pika.URLParameters:
    parameters = pika.URLParameters(settings.url)
    parameters.heartbeat = settings.heartbeat_seconds
    parameters.blocked_connection_timeout = 60
    # A name per process, so that an operator can tell (and close) one worker's connection.
    name = f"ereceipt {role} {socket.gethostname()} {os.getpid()}"
    parameters.client_properties = {"connection_name": name}
    return parameters


def broker_status(settings: QueueSettings, timeout: float = 2.0) -> str:
    """``ok``, or why the broker cannot be reached now (for ``/readyz``; never raises)."""
    parameters = connection_parameters(settings)
    parameters.connection_attempts, parameters.socket_timeout = 1, timeout
    parameters.blocked_connection_timeout = timeout
    # pika logs a failed connection with a traceback; here the failure is the answer, not an error.
    logging.getLogger("pika").setLevel(logging.CRITICAL)
    try:
        pika.BlockingConnection(parameters).close()
    except pika.exceptions.AMQPError as exc:
        return f"RabbitMQ unreachable: {broker_reason(exc)}"
    return "ok"
