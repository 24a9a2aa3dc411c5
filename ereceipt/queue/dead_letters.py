"""The bank dead-letter queue seen and worked by hand (AMQP 0-9-1 basic.get / basic.ack, publisher confirms).

Messages are read with ``basic.get`` without acknowledgement and given back when the connection
closes, so looking changes nothing. Reprocessing republishes a message to the payments exchange
(same routing key, body and properties, without the dead-letter bookkeeping headers) with a
publisher confirm, and only then acknowledges the dead letter. Discarding calls the caller's
``keep`` (which stores the message in the database and commits) before acknowledging. A message
another officer holds at that moment is not found, so two officers never act on the same one.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pika
import pika.exceptions

from ereceipt.core.errors import NotFound, TransientOutage
from ereceipt.queue.broker_errors import broker_reason
from ereceipt.queue.topology import REASON_HEADER, Topology

BOOKKEEPING = (
    "x-death",
    "x-first-death",
    "x-last-death",
    "x-ereceipt-queue",
    REASON_HEADER,
    "x-delivery-count",
)
SCAN_LIMIT = 10_000  # dead letters looked through for the one asked for


class BrokerUnavailable(TransientOutage):
    """RabbitMQ cannot be reached or refused the operation."""

    code = "BROKER_UNAVAILABLE"


@dataclass(frozen=True)
class DeadLetter:
    key: str  # names this message on the screen: a digest of its id, routing key and body
    message_id: str | None
    app_id: str | None
    routing_key: str
    reason: str
    dead_at: datetime | None
    body: bytes
    properties: pika.BasicProperties

    def properties_record(self) -> dict:
        """The AMQP properties as JSON-safe values, for the database."""
        names = ("content_type", "content_encoding", "delivery_mode", "priority", "correlation_id")
        names += ("reply_to", "expiration", "message_id", "timestamp", "type", "user_id", "app_id")
        record = {name: getattr(self.properties, name) for name in names}
        record["headers"] = self.properties.headers or {}
        return _json_safe({key: value for key, value in record.items() if value not in (None, {})})


def _json_safe(value):
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def dead_reason(headers: dict | None) -> str:
    """Why the message died: our consumer's reason header, else the broker's own x-death record."""
    headers = headers or {}
    reason = headers.get(REASON_HEADER)
    if reason:
        return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    deaths = headers.get("x-death") or []
    if deaths:
        death = deaths[0]
        why, queue, count = death.get("reason"), death.get("queue"), death.get("count")
        return f"RabbitMQ: {_json_safe(why)} ở hàng đợi {_json_safe(queue)} (lần {count})"
    return "không rõ lý do (không có tiêu đề x-ereceipt-reason hay x-death)"


def _dead_at(properties: pika.BasicProperties) -> datetime | None:
    for death in (properties.headers or {}).get("x-death") or []:
        if isinstance(death.get("time"), datetime):
            return death["time"].astimezone(UTC)
    return datetime.fromtimestamp(properties.timestamp, UTC) if properties.timestamp else None


def _key(properties: pika.BasicProperties, routing_key: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (str(properties.message_id).encode(), routing_key.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()[:24]


class DeadLetterQueue:
    """The dead-letter queue of ``topology`` on the broker at ``parameters``; one connection per call."""

    def __init__(self, parameters: pika.ConnectionParameters, topology: Topology, timeout: float = 3.0):
        parameters.connection_attempts, parameters.socket_timeout = 1, timeout
        parameters.blocked_connection_timeout = timeout
        self.parameters, self.topology = parameters, topology

    def _connect(self) -> pika.BlockingConnection:
        logging.getLogger("pika").setLevel(logging.CRITICAL)  # the failure is reported, not logged twice
        try:
            return pika.BlockingConnection(self.parameters)
        except pika.exceptions.AMQPError as exc:
            raise BrokerUnavailable(f"RabbitMQ không kết nối được: {broker_reason(exc)}") from None

    def count(self) -> int:
        """Messages waiting in the dead-letter queue (0 when it has not been declared yet)."""
        connection = self._connect()
        try:
            result = connection.channel().queue_declare(self.topology.dead_letter_queue, passive=True)
            return result.method.message_count
        except pika.exceptions.ChannelClosedByBroker as exc:
            if exc.reply_code == 404:
                return 0
            raise BrokerUnavailable(f"RabbitMQ: {broker_reason(exc)}") from None
        except pika.exceptions.AMQPError as exc:
            raise BrokerUnavailable(f"RabbitMQ: {broker_reason(exc)}") from None
        finally:
            _close(connection)

    def browse(self, limit: int = 200) -> list[DeadLetter]:
        """Up to ``limit`` dead letters, left on the queue."""
        connection = self._connect()
        try:
            channel = connection.channel()
            return [letter for _, letter in self._get(channel, limit)]
        except pika.exceptions.ChannelClosedByBroker as exc:
            if exc.reply_code == 404:
                return []
            raise BrokerUnavailable(f"RabbitMQ: {broker_reason(exc)}") from None
        except pika.exceptions.AMQPError as exc:
            raise BrokerUnavailable(f"RabbitMQ: {broker_reason(exc)}") from None
        finally:
            _close(connection)  # every message read goes back to the queue

    def reprocess(self, key: str, *, before_ack: Callable[[DeadLetter], None] | None = None) -> DeadLetter:
        """Republish the dead letter ``key`` to the payments exchange (confirmed), then acknowledge it."""

        def republish(channel, letter: DeadLetter) -> None:
            headers = {k: v for k, v in (letter.properties.headers or {}).items() if k not in BOOKKEEPING}
            properties = pika.BasicProperties(
                content_type=letter.properties.content_type,
                content_encoding=letter.properties.content_encoding,
                delivery_mode=letter.properties.delivery_mode or pika.DeliveryMode.Persistent,
                priority=letter.properties.priority,
                correlation_id=letter.properties.correlation_id,
                message_id=letter.properties.message_id,
                timestamp=letter.properties.timestamp,
                type=letter.properties.type,
                app_id=letter.properties.app_id,
                headers=headers or None,
            )
            channel.confirm_delivery()
            channel.basic_publish(
                self.topology.payments_exchange, letter.routing_key, letter.body, properties, mandatory=True
            )
            if before_ack is not None:
                before_ack(letter)

        return self._take(key, republish)

    def discard(self, key: str, *, keep: Callable[[DeadLetter], None]) -> DeadLetter:
        """Hand the dead letter ``key`` to ``keep`` (which must store it durably), then acknowledge it."""
        return self._take(key, lambda channel, letter: keep(letter))

    def _take(self, key: str, act: Callable) -> DeadLetter:
        connection = self._connect()
        try:
            channel = connection.channel()
            for tag, letter in self._get(channel, SCAN_LIMIT):
                if letter.key == key:
                    act(connection.channel(), letter)
                    channel.basic_ack(tag)
                    return letter
            raise NotFound("thư lỗi này không còn trong hàng đợi (có thể người khác vừa xử lý)")
        except pika.exceptions.UnroutableError:
            raise BrokerUnavailable(
                "sàn giao dịch thanh toán không nhận thư (không có hàng đợi nào gắn)"
            ) from None
        except pika.exceptions.ChannelClosedByBroker as exc:
            if exc.reply_code == 404:
                raise NotFound("hàng đợi thư lỗi chưa được khai báo") from None
            raise BrokerUnavailable(f"RabbitMQ: {broker_reason(exc)}") from None
        except pika.exceptions.AMQPError as exc:
            raise BrokerUnavailable(f"RabbitMQ: {broker_reason(exc)}") from None
        finally:
            _close(connection)

    def _get(self, channel, limit: int):
        for _ in range(limit):
            method, properties, body = channel.basic_get(self.topology.dead_letter_queue, auto_ack=False)
            if method is None:
                return
            letter = DeadLetter(
                key=_key(properties, method.routing_key, body),
                message_id=properties.message_id,
                app_id=properties.app_id,
                routing_key=method.routing_key,
                reason=dead_reason(properties.headers),
                dead_at=_dead_at(properties),
                body=body,
                properties=properties,
            )
            yield method.delivery_tag, letter


def _close(connection: pika.BlockingConnection) -> None:
    try:
        if connection.is_open:
            connection.close()
    except pika.exceptions.AMQPError:
        pass
