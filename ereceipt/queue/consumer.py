"""A RabbitMQ consumer that survives (AMQP 0-9-1 with pika; manual acknowledgement after commit).

The connection's I/O thread only receives and settles; the handler runs on a worker thread, and
the settlement goes back through ``add_callback_threadsafe`` so that heartbeats never starve.
A message is acknowledged only after its handler returned, which is after the database commit.
Permanent errors (``BadInput``, ``VerificationFailed``) dead-letter the message with the reason
in the ``x-ereceipt-reason`` header; transient ones (``TransientOutage``) keep it unacknowledged
and retry it with a growing delay; anything unexpected is returned to the queue, whose delivery
limit dead-letters it in the end. Lost connections are re-opened with growing back-off and jitter.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from ereceipt.core.backoff import Backoff
from ereceipt.core.errors import BadInput, TransientOutage, VerificationFailed
from ereceipt.queue.topology import REASON_HEADER, Topology

log = logging.getLogger("ereceipt.queue")


@dataclass(frozen=True)
class Delivery:
    body: bytes
    message_id: str | None
    app_id: str | None
    routing_key: str
    redelivered: bool
    properties: pika.BasicProperties


class Settle(Enum):
    ACK = "ack"
    DEAD_LETTER = "dead-letter"
    REQUEUE = "requeue"
    LEAVE = "leave"  # shutting down mid-retry: unacknowledged, the broker gives it to another consumer


class Consumer:
    def __init__(
        self,
        parameters: pika.ConnectionParameters,
        topology: Topology,
        handle: Callable[[Delivery], object],
        *,
        prefetch: int = 50,
        reconnect_max_seconds: float = 30.0,
        handle_many: Callable[[list[Delivery]], list[Exception | None]] | None = None,
        batch: int = 1,
    ) -> None:
        self.parameters, self.topology, self.handle, self.prefetch = parameters, topology, handle, prefetch
        self.reconnect_max_seconds = reconnect_max_seconds
        # Several deliveries in hand may be handled together (one database transaction); handle_many
        # returns, per delivery, None or its permanent error, and raises when the whole batch failed.
        self.handle_many, self.batch = handle_many, max(1, batch)
        self._left_unsettled = False
        self.stopping = threading.Event()
        self._connection: BlockingConnection | None = None
        self._channel: BlockingChannel | None = None

    def run(self) -> None:
        """Consume until ``stop()``; reconnects whenever the broker or the network goes away."""
        backoff = Backoff(cap=self.reconnect_max_seconds)
        while not self.stopping.is_set():
            try:
                self._consume(backoff)
            except pika.exceptions.AMQPError as exc:  # connection and channel errors alike
                delay = backoff.next()
                log.warning("broker connection lost (%r); reconnecting in %.1f s", exc, delay)
                self.stopping.wait(delay)
        log.info("consumer stopped")

    def stop(self) -> None:
        """Finish the message in hand, settle it and close; safe from signal handlers and other threads."""
        self.stopping.set()
        connection, channel = self._connection, self._channel
        if connection is not None and channel is not None:
            with contextlib.suppress(pika.exceptions.AMQPError):  # already closed
                connection.add_callback_threadsafe(channel.stop_consuming)

    def _consume(self, backoff: Backoff) -> None:
        connection = pika.BlockingConnection(self.parameters)
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ereceipt-consumer")
        try:
            channel = connection.channel()
            dead_letters = connection.channel()
            dead_letters.confirm_delivery()
            self.topology.declare(channel)
            channel.basic_qos(prefetch_count=self.prefetch)
            pending: deque[tuple[int, Delivery]] = deque()  # received, not yet handled
            self._left_unsettled = False  # a delivery of this channel left unacknowledged on purpose
            on_message = functools.partial(self._on_message, connection, dead_letters, executor, pending)
            channel.basic_consume(self.topology.payments_queue, on_message)
            self._connection, self._channel = connection, channel
            backoff.reset()
            log.info("consuming %s (prefetch %d)", self.topology.payments_queue, self.prefetch)
            if self.stopping.is_set():
                return
            channel.start_consuming()
        finally:
            # Wait for the message in hand; its settlement is queued as a callback on this connection.
            executor.shutdown(wait=True, cancel_futures=True)
            self._connection = self._channel = None
            if connection.is_open:
                connection.process_data_events(time_limit=0)
                connection.close()

    def _on_message(
        self, connection, dead_letters, executor, pending, channel, method, properties, body
    ) -> None:
        delivery = Delivery(
            body, properties.message_id, properties.app_id, method.routing_key, method.redelivered, properties
        )
        pending.append((method.delivery_tag, delivery))
        executor.submit(self._work, connection, channel, dead_letters, pending)

    def _work(self, connection, channel, dead_letters, pending: deque[tuple[int, Delivery]]) -> None:
        """Handle what has arrived (up to ``batch`` deliveries together), then settle each of them."""
        if self.stopping.is_set():
            return  # not started: left unacknowledged, it comes back
        taken = []
        while pending and len(taken) < self.batch:
            taken.append(pending.popleft())
        if not taken:
            return  # an earlier call took this delivery into its batch
        outcomes = self._handle_all([delivery for _, delivery in taken])
        settle = functools.partial(
            self._settle_all, channel, dead_letters, list(zip(taken, outcomes, strict=True))
        )
        try:
            connection.add_callback_threadsafe(settle)
        except pika.exceptions.AMQPError:
            log.warning("connection closed before %d message(s) were settled; they come back", len(taken))

    def _handle_all(self, deliveries: list[Delivery]) -> list[tuple[Settle, str | None]]:
        if len(deliveries) == 1 or self.handle_many is None:
            return [self._handle(delivery) for delivery in deliveries]
        backoff = Backoff(cap=self.reconnect_max_seconds)
        while True:
            try:
                errors = self.handle_many(deliveries)
                return [self._outcome(d, e) for d, e in zip(deliveries, errors, strict=True)]
            except TransientOutage as exc:
                delay = backoff.next()
                log.warning("%d messages wait %.1f s: %s", len(deliveries), delay, exc.message)
                if self.stopping.wait(delay):
                    return [(Settle.LEAVE, None)] * len(deliveries)
            except Exception as exc:  # one bad message must not poison the others
                log.warning(
                    "a batch of %d messages failed (%r); handling them one by one", len(deliveries), exc
                )
                return [self._handle(delivery) for delivery in deliveries]

    def _outcome(self, delivery: Delivery, error: Exception | None) -> tuple[Settle, str | None]:
        if error is None:
            return Settle.ACK, None
        reason = f"{getattr(error, 'code', 'ERROR')}: {getattr(error, 'message', str(error))}"
        log.error("message %s from %s refused: %s", delivery.message_id, delivery.app_id, reason)
        return Settle.DEAD_LETTER, reason

    def _handle(self, delivery: Delivery) -> tuple[Settle, str | None]:
        backoff = Backoff(cap=self.reconnect_max_seconds)
        while True:
            try:
                self.handle(delivery)
                return Settle.ACK, None
            except (BadInput, VerificationFailed) as exc:
                return self._outcome(delivery, exc)
            except TransientOutage as exc:
                delay = backoff.next()
                log.warning("message %s waits %.1f s: %s", delivery.message_id, delay, exc.message)
                if self.stopping.wait(delay):
                    return Settle.LEAVE, None
            except Exception:
                log.exception("message %s failed unexpectedly; returned to the queue", delivery.message_id)
                return Settle.REQUEUE, None

    def _settle_all(self, channel, dead_letters, items) -> None:
        """Settle a handled batch. Deliveries are handled in the order they came, one batch after the
        other, and every earlier one is settled by now (settlements run in order on the connection's
        thread), unless one was left for another consumer. So when every delivery of the batch is to
        be acknowledged, one ``multiple`` ack of the last settles them all, in one broker command
        rather than one each."""
        every_ack = all(outcome is Settle.ACK for _, (outcome, _) in items)
        if items and every_ack and channel.is_open and not self._left_unsettled:
            channel.basic_ack(items[-1][0][0], multiple=True)
            return
        for (tag, delivery), (outcome, reason) in items:
            if outcome is Settle.LEAVE:
                self._left_unsettled = True
            self._settle(channel, dead_letters, tag, delivery, outcome, reason)

    def _settle(self, channel, dead_letters, tag, delivery: Delivery, outcome: Settle, reason) -> None:
        if not channel.is_open:
            return
        if outcome is Settle.ACK:
            channel.basic_ack(tag)
        elif outcome is Settle.REQUEUE:
            channel.basic_nack(tag, requeue=True)
        elif outcome is Settle.DEAD_LETTER:
            try:
                self._publish_dead_letter(dead_letters, delivery, reason)
                channel.basic_ack(tag)
            except pika.exceptions.AMQPError as exc:
                log.error("dead letter with reason not confirmed (%r); the broker dead-letters it bare", exc)
                channel.basic_nack(tag, requeue=False)

    def _publish_dead_letter(self, dead_letters: BlockingChannel, delivery: Delivery, reason: str) -> None:
        original = delivery.properties
        headers = dict(original.headers or {})
        headers.update({REASON_HEADER: reason[:1000], "x-ereceipt-queue": self.topology.payments_queue})
        properties = pika.BasicProperties(
            content_type=original.content_type,
            message_id=original.message_id,
            app_id=original.app_id,
            timestamp=original.timestamp,
            headers=headers,
            delivery_mode=pika.DeliveryMode.Persistent,
        )
        dead_letters.basic_publish(
            self.topology.dead_letter_exchange,
            delivery.routing_key,
            delivery.body,
            properties,
            mandatory=True,
        )
