"""The outbox relay: publishes outbox rows to RabbitMQ with publisher confirms (at least once, never lost).

It publishes only ``receipt.issued`` events; rows of other kinds (the payer's e-mail and SMS
notices) are left to their own senders.

A row is marked sent only after the broker confirmed it (and, being ``mandatory``, routed it); a
refused or unconfirmed publish leaves the row pending with a growing delay before the next try.
A lost broker connection is re-opened with growing back-off and jitter.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import pika
import pika.exceptions
from sqlalchemy import select
from sqlalchemy.orm import Session

from ereceipt.core import outbox
from ereceipt.core.database import Database
from ereceipt.core.errors import TransientOutage
from ereceipt.core.outbox import OutboxMessage
from ereceipt.queue.consumer import Backoff

log = logging.getLogger("ereceipt.relay")


class OutboxRelay:
    def __init__(
        self,
        database: Database,
        parameters: pika.ConnectionParameters,
        exchange: str,
        *,
        batch: int = 200,
        idle_seconds: float = 0.5,
        retry_cap_seconds: float = 300.0,
    ) -> None:
        self.database, self.parameters, self.exchange = database, parameters, exchange
        self.batch, self.idle_seconds, self.retry_cap_seconds = batch, idle_seconds, retry_cap_seconds
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        backoff = Backoff()
        while not self.stopping.is_set():
            try:
                connection = pika.BlockingConnection(self.parameters)
            except pika.exceptions.AMQPError as exc:
                delay = backoff.next()
                log.warning("relay cannot reach the broker (%r); retrying in %.1f s", exc, delay)
                self.stopping.wait(delay)
                continue
            try:
                channel = connection.channel()
                channel.confirm_delivery()
                backoff.reset()
                while not self.stopping.is_set():
                    if self.publish_due(channel) == 0:
                        connection.sleep(self.idle_seconds)  # keeps heartbeats flowing while idle
            except (pika.exceptions.AMQPError, TransientOutage) as exc:
                delay = backoff.next()
                log.warning("relay interrupted (%r); again in %.1f s", exc, delay)
                self.stopping.wait(delay)
            finally:
                if connection.is_open:
                    connection.close()

    def publish_due(self, channel) -> int:
        """Publish one batch of due rows; returns how many were confirmed."""
        with self.database.write() as session:
            now = datetime.now(UTC)
            sent = []
            for message in _due_events(session, self.batch, now):
                properties = pika.BasicProperties(
                    message_id=message.message_id,
                    type=message.kind,
                    content_type=message.content_type,
                    app_id="ereceipt",
                    delivery_mode=pika.DeliveryMode.Persistent,
                    timestamp=int(message.created_at.timestamp()),
                )
                try:
                    channel.basic_publish(
                        self.exchange, message.routing_key, message.body, properties, mandatory=True
                    )
                except (pika.exceptions.UnroutableError, pika.exceptions.NackError) as exc:
                    log.warning("outbox message %s not accepted: %r", message.message_id, exc)
                    outbox.mark_failed(session, message, repr(exc), now, self.retry_cap_seconds)
                    continue
                sent.append(message.id)
            outbox.mark_sent(session, sent, datetime.now(UTC))
            return len(sent)


def _due_events(session: Session, limit: int, now: datetime) -> list[OutboxMessage]:
    """Like ``outbox.due``, for this relay's own kind only: e-mail and SMS rows have their own senders."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.kind == outbox.RECEIPT_ISSUED,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))
