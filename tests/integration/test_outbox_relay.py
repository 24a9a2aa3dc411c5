"""The outbox: events written in the issuing transaction, published with confirms on real RabbitMQ."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pika
import pytest
from rabbitmq import amqp_parameters, broker, topology
from sqlalchemy import select
from waiting import wait_for

from ereceipt.core.delivery.outbox import OutboxMessage, write_receipt_events
from ereceipt.core.errors import Conflict
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.issuing.requests import IssueRequest, PaymentIn
from ereceipt.core.receipts.content import PayerInfo, PaymentMethod
from ereceipt.queue.relay import OutboxRelay
from ereceipt.queue.topology import Topology

__all__ = ["broker", "topology"]  # fixtures used by name


def request(reference: str, amount: int = 100_000) -> IssueRequest:
    payment = PaymentIn(
        source="BFTVVNVX",
        reference=reference,
        amount=amount,
        payer=PayerInfo(name="Nguyễn Văn An"),
        paid_at=datetime(2026, 11, 25, 2, 30, tzinfo=UTC),
        method=PaymentMethod.BANK_TRANSFER,
        case_code="THA2501",
    )
    return IssueRequest(payment=payment, officer="ereceipt-bank-intake")


@pytest.fixture
def outboxed(issuer: ReceiptIssuer) -> ReceiptIssuer:
    return ReceiptIssuer(issuer.database, issuer.signer, on_issued=write_receipt_events)


def rows(issuer: ReceiptIssuer) -> list[OutboxMessage]:
    with issuer.database.read() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def events_queue(broker: pika.BlockingConnection, topology: Topology) -> str:
    channel = broker.channel()
    name = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(name, topology.events_exchange, routing_key="receipt.issued.#")
    return name


def test_issuing_writes_one_receipt_issued_event_per_receipt(outboxed: ReceiptIssuer) -> None:
    issued = outboxed.issue_batch([request("E-1"), request("E-2")])
    events = rows(outboxed)
    assert [e.message_id for e in events] == [f"receipt.issued.{r.receipt_id}" for r in issued]
    assert [e.body for e in events] == [r.signed_xml for r in issued]
    assert {e.routing_key for e in events} == {"receipt.issued.CCTHADS-BD"}
    assert all(e.sent_at is None for e in events)


def test_failed_issuing_leaves_no_event(outboxed: ReceiptIssuer) -> None:
    with pytest.raises(Conflict):
        outboxed.issue_batch([request("E-3"), request("E-4", amount=10**12)])
    assert rows(outboxed) == []


def test_relay_publishes_with_confirm_and_marks_sent(outboxed, broker, topology: Topology) -> None:
    (issued,) = outboxed.issue_batch([request("E-5")])
    queue = events_queue(broker, topology)
    relay = OutboxRelay(outboxed.database, amqp_parameters(), topology.events_exchange, idle_seconds=0.05)
    running = threading.Thread(target=relay.run)
    running.start()
    try:
        wait_for(lambda: rows(outboxed)[0].sent_at is not None, what="the event to be confirmed")
    finally:
        relay.stop()
        running.join(timeout=30)
    method, properties, body = broker.channel().basic_get(queue, auto_ack=True)
    assert method.routing_key == "receipt.issued.CCTHADS-BD"
    assert (properties.message_id, body) == (f"receipt.issued.{issued.receipt_id}", issued.signed_xml)


def running_relay(
    issuer: ReceiptIssuer, topology: Topology, **options
) -> tuple[OutboxRelay, threading.Thread]:
    relay = OutboxRelay(
        issuer.database, amqp_parameters(), topology.events_exchange, idle_seconds=0.05, **options
    )
    thread = threading.Thread(target=relay.run)
    thread.start()
    return relay, thread


def stopped(relay: OutboxRelay, thread: threading.Thread) -> None:
    relay.stop()
    thread.join(timeout=30)
    assert not thread.is_alive()


def test_relay_leaves_rows_of_other_kinds_to_their_senders(outboxed, broker, topology: Topology) -> None:
    now = datetime.now(UTC)
    with outboxed.database.write() as session:
        session.add(
            OutboxMessage(
                message_id="notice.email.1",
                kind="notice.email",
                routing_key="notice.email",
                content_type="message/rfc822",
                body=b"Subject: receipt",
                created_at=now,
                attempts=0,
                next_attempt_at=now,
            )
        )
    outboxed.issue_batch([request("E-7")])
    events_queue(broker, topology)
    relay, thread = running_relay(outboxed, topology)
    try:
        wait_for(lambda: rows(outboxed)[1].sent_at is not None, what="the event to be confirmed")
    finally:
        stopped(relay, thread)
    assert [(row.kind, row.sent_at is None, row.attempts) for row in rows(outboxed)] == [
        ("notice.email", True, 0),
        ("receipt.issued", False, 0),
    ]


def test_unroutable_event_stays_pending_with_the_error(outboxed, broker, topology: Topology) -> None:
    outboxed.issue_batch([request("E-6")])  # no queue is bound to the events exchange
    relay, thread = running_relay(outboxed, topology)
    try:
        wait_for(lambda: rows(outboxed)[0].attempts == 1, what="the event to be returned")
    finally:
        stopped(relay, thread)
    (event,) = rows(outboxed)
    assert (event.sent_at, event.attempts) == (None, 1)
    assert event.last_error == "no queue took it (NO_ROUTE 312)"
    assert event.next_attempt_at > event.created_at


def test_many_events_are_published_in_batches_each_once(outboxed, broker, topology: Topology) -> None:
    issued = outboxed.issue_batch([request(f"E-M{n}", amount=1_000) for n in range(230)])
    queue = events_queue(broker, topology)
    relay, thread = running_relay(outboxed, topology, batch=100)  # three batches: 100, 100, 30
    try:
        wait_for(lambda: all(row.sent_at is not None for row in rows(outboxed)), what="every confirm")
    finally:
        stopped(relay, thread)
    channel = broker.channel()
    received = []
    while (got := channel.basic_get(queue, auto_ack=True))[0] is not None:
        received.append(got[1].message_id)
    assert sorted(received) == sorted(f"receipt.issued.{r.receipt_id}" for r in issued)


def test_relay_abandons_a_batch_when_the_connection_goes_and_publishes_it_again(
    outboxed, broker, topology: Topology
) -> None:
    outboxed.issue_batch([request("E-8")])
    queue = events_queue(broker, topology)
    relay, thread = running_relay(outboxed, topology)
    try:
        wait_for(lambda: rows(outboxed)[0].sent_at is not None, what="the first event")
        # As if the broker dropped the connection: the relay must come back by itself.
        relay._connection.ioloop.add_callback_threadsafe(relay._close)
        outboxed.issue_batch([request("E-9")])
        wait_for(lambda: all(row.sent_at is not None for row in rows(outboxed)), what="the second event")
    finally:
        stopped(relay, thread)
    channel = broker.channel()
    assert channel.queue_declare(queue, passive=True).method.message_count == 2
