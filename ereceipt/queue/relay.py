"""The outbox relay: publishes outbox rows to RabbitMQ with publisher confirms (AMQP 0-9-1 and RabbitMQ's
confirm extension; at least once, never lost).

It publishes only ``receipt.issued`` events; rows of other kinds (the payer's e-mail and SMS
notices) are left to their own senders.

A batch of due rows is taken (locked against other relays on PostgreSQL) and published as a whole,
then the relay waits for the broker's confirms of all of them, which RabbitMQ gives for many
messages at once. A row is marked sent only after the broker confirmed it and, being
``mandatory``, routed it; a returned, refused or unconfirmed message leaves its row pending with a
growing delay before the next try. Waiting for each message's confirm before publishing the next
one would make every durable queue write on its own, and cost the relay and the broker more
CPU per event than signing the receipt.

The relay runs pika's asynchronous ``SelectConnection`` on its own thread: one step per callback,
each transition logged, a lost connection re-opened with growing back-off and jitter, and a batch
in hand abandoned (its rows' transaction rolled back) when the connection goes.
"""

from __future__ import annotations

import logging
import threading
from contextlib import suppress
from datetime import UTC, datetime

import pika
import pika.exceptions
from pika.spec import Basic
from sqlalchemy import select
from sqlalchemy.orm import Session

from ereceipt.core.backoff import Backoff
from ereceipt.core.delivery import outbox
from ereceipt.core.delivery.outbox import OutboxMessage
from ereceipt.core.errors import TransientOutage
from ereceipt.core.storage.database import Database, transient_errors

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
        confirm_timeout_seconds: float = 30.0,
    ) -> None:
        self.database, self.parameters, self.exchange = database, parameters, exchange
        self.batch, self.idle_seconds, self.retry_cap_seconds = batch, idle_seconds, retry_cap_seconds
        self.confirm_timeout_seconds = confirm_timeout_seconds
        self.stopping = threading.Event()
        self._connection: pika.SelectConnection | None = None
        self._channel = None
        self._batch: _Batch | None = None
        self._next_tag = 1  # the delivery tag of the channel's next publish (confirm mode counts from 1)
        self._opened = False

    def stop(self) -> None:
        """End ``run`` soon; safe from signal handlers and other threads. A batch in hand is abandoned
        (its rows stay pending and are published again later: at least once)."""
        self.stopping.set()
        connection = self._connection
        if connection is not None:
            with suppress(Exception):  # the loop may have ended already
                connection.ioloop.add_callback_threadsafe(self._close)

    def run(self) -> None:
        backoff = Backoff()
        while not self.stopping.is_set():
            self._opened = False
            self._connection = pika.SelectConnection(
                self.parameters,
                on_open_callback=self._on_connection_open,
                on_open_error_callback=self._on_connection_open_error,
                on_close_callback=self._on_connection_closed,
            )
            try:
                self._connection.ioloop.start()  # until the connection is closed
            except Exception:  # a defect in a step must not end the relay thread: start over
                log.exception("relay failed; reconnecting")
            finally:
                self._abandon("the connection closed")
                connection, self._connection, self._channel = self._connection, None, None
                connection.ioloop.close()  # its wake-up socket pair
            if self._opened:
                backoff.reset()
            if not self.stopping.is_set():
                delay = backoff.next()
                log.warning("relay reconnects in %.1f s", delay)
                self.stopping.wait(delay)

    # -- the connection -------------------------------------------------------------------------

    def _on_connection_open(self, connection) -> None:
        log.info("relay connected")
        self._opened = True
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_connection_open_error(self, connection, error) -> None:
        log.warning("relay cannot reach the broker (%r)", error)
        connection.ioloop.stop()

    def _on_connection_closed(self, connection, reason) -> None:
        if not self.stopping.is_set():
            log.warning("relay connection closed (%r)", reason)
        connection.ioloop.stop()

    def _on_channel_open(self, channel) -> None:
        self._channel, self._next_tag = channel, 1
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(self._on_confirm, callback=lambda _frame: self._next_batch())

    def _on_channel_closed(self, channel, reason) -> None:
        self._channel = None
        if not self.stopping.is_set():
            log.warning("relay channel closed (%r)", reason)
        self._close()

    def _close(self) -> None:
        connection = self._connection
        if connection is not None and not (connection.is_closing or connection.is_closed):
            connection.close()

    def _later(self, seconds: float, step) -> None:
        self._connection.ioloop.call_later(seconds, step)

    # -- a batch --------------------------------------------------------------------------------

    def _next_batch(self) -> None:
        if self._channel is None or not self._channel.is_open:
            return  # a step scheduled before the channel closed; the connection is going
        if self.stopping.is_set():
            self._close()
            return
        try:
            batch = _Batch.take(self.database, self.batch, self._next_tag)
        except TransientOutage as exc:
            log.warning("relay waits for the database: %s", exc.message)
            self._later(max(self.idle_seconds, 1.0), self._next_batch)
            return
        if batch is None:
            self._later(self.idle_seconds, self._next_batch)
            return
        self._batch, self._next_tag = batch, self._next_tag + len(batch.rows)
        for message in batch.rows:
            properties = pika.BasicProperties(
                message_id=message.message_id,
                type=message.kind,
                content_type=message.content_type,
                app_id="ereceipt",
                delivery_mode=pika.DeliveryMode.Persistent,
                timestamp=int(message.created_at.timestamp()),
            )
            self._channel.basic_publish(
                self.exchange, message.routing_key, message.body, properties, mandatory=True
            )
        batch.timer = self._connection.ioloop.call_later(self.confirm_timeout_seconds, self._timed_out)

    def _on_return(self, _channel, method, properties, _body) -> None:
        """A mandatory message no queue took; the broker says so before it confirms that message."""
        if self._batch is not None:
            self._batch.returned[properties.message_id] = (
                f"no queue took it ({method.reply_text} {method.reply_code})"
            )

    def _on_confirm(self, frame) -> None:
        batch = self._batch
        if batch is None:
            return  # no batch in flight: nothing to settle
        method = frame.method
        batch.settle(method.delivery_tag, method.multiple, isinstance(method, Basic.Ack))
        if batch.settled < len(batch.rows):
            return
        self._connection.ioloop.remove_timeout(batch.timer)
        self._batch = None
        try:
            sent = batch.finish(self.retry_cap_seconds)
        except TransientOutage as exc:
            log.warning(
                "relay could not mark a batch (%s); its events are published again later", exc.message
            )
            self._later(max(self.idle_seconds, 1.0), self._next_batch)
            return
        log.debug("relay published %d event(s), %d left pending", sent, len(batch.rows) - sent)
        # A full batch suggests more are due: go on at once; otherwise look again after a pause.
        self._later(0 if len(batch.rows) == self.batch else self.idle_seconds, self._next_batch)

    def _timed_out(self) -> None:
        log.warning("relay had no confirm within %.0f s; reconnecting", self.confirm_timeout_seconds)
        self._close()

    def _abandon(self, why: str) -> None:
        batch, self._batch = self._batch, None
        if batch is not None:
            log.warning("relay abandons %d unconfirmed event(s): %s", len(batch.rows), why)
            batch.abandon()


class _Batch:
    """Due rows, locked in an open transaction while their messages wait for the broker's confirms.

    Delivery tags on a channel in confirm mode count its publishes from 1; only one batch is in
    flight on a channel at a time, so a batch's tags are consecutive from ``first``.
    """

    def __init__(self, session: Session, rows: list[OutboxMessage], first: int) -> None:
        self.session, self.rows, self.first = session, rows, first
        self.outcomes: dict[int, bool] = {}  # index in rows → confirmed (ack) or refused (nack)
        self.returned: dict[str, str] = {}  # message_id → why the broker returned it
        self.settled = 0
        self.timer = None

    @classmethod
    def take(cls, database: Database, limit: int, first: int) -> _Batch | None:
        session = Session(database.engine, expire_on_commit=False)
        try:
            with transient_errors():
                session.begin()
                if database.dialect == "sqlite":
                    session.connection()  # BEGIN IMMEDIATE, as every write there (core.database)
                rows = _due_events(session, limit, datetime.now(UTC))
        except BaseException:
            session.close()
            raise
        if not rows:
            session.close()
            return None
        return cls(session, rows, first)

    def settle(self, tag: int, multiple: bool, ack: bool) -> None:
        last = tag - self.first
        for index in range(0, last + 1) if multiple else (last,):
            if 0 <= index < len(self.rows) and index not in self.outcomes:
                self.outcomes[index] = ack
                self.settled += 1

    def finish(self, retry_cap_seconds: float) -> int:
        """Mark what was confirmed sent and the rest failed, and commit; how many were sent."""
        now, sent = datetime.now(UTC), []
        try:
            with transient_errors():
                for index, message in enumerate(self.rows):
                    error = self.returned.get(message.message_id)
                    if error is None and not self.outcomes[index]:
                        error = "NackError: the broker refused the message"
                    if error is None:
                        sent.append(message.id)
                    else:
                        log.warning("outbox message %s not accepted: %s", message.message_id, error)
                        outbox.mark_failed(self.session, message, error, now, retry_cap_seconds)
                outbox.mark_sent(self.session, sent, now)
                self.session.commit()
        finally:
            self.session.close()
        return len(sent)

    def abandon(self) -> None:
        with suppress(Exception):  # the database may be gone too; closing rolls back either way
            self.session.close()


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
