"""A database outage under the bank consumer: the message is not acknowledged, comes back, and counts once.

PostgreSQL is reached through a TCP proxy that the test cuts and restores (the shared server itself
is never stopped): the real driver sees its connections drop and new ones refused.
"""

from __future__ import annotations

import threading

import pytest
from camt_builder import Tx, camt054
from rabbitmq import amqp_parameters, broker, publish, queue_depth, topology
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from tcp_proxy import TcpProxy
from waiting import wait_for

from ereceipt.adapters.bank import BankNotifications
from ereceipt.core.errors import TransientOutage
from ereceipt.core.intake.bank import BankIntake
from ereceipt.core.intake.tables import BankMessage
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.receipts.tables import Payment, Receipt
from ereceipt.core.storage.database import Database
from ereceipt.queue.consumer import Consumer, Delivery

__all__ = ["broker", "topology"]  # fixtures used by name


class Worker:
    """A consumer thread whose handler counts the outages it met."""

    def __init__(self, topology, database: Database, signer) -> None:
        handler = BankNotifications(BankIntake(database, ReceiptIssuer(database, signer)))
        self.outages, self.redelivered = 0, []

        def handle(delivery: Delivery):
            return handle_many([delivery])[0]

        def handle_many(deliveries: list[Delivery]):
            self.redelivered += [delivery.redelivered for delivery in deliveries]
            try:
                return handler.handle_many(deliveries)
            except TransientOutage:
                self.outages += 1
                raise

        self.consumer = Consumer(
            amqp_parameters(),
            topology,
            handle,
            prefetch=10,
            reconnect_max_seconds=1,
            handle_many=handle_many,
            batch=10,
        )
        self.thread = threading.Thread(target=self.consumer.run, name="test-consumer")
        self.thread.start()

    def stop(self) -> None:
        self.consumer.stop()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


def messages(database: Database) -> int:
    """Bank messages recorded whole: the last step of their handling before the acknowledgement."""
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(BankMessage))


def tally(database: Database) -> tuple[int, list[int]]:
    with database.read() as session:
        payments = session.scalar(select(func.count()).select_from(Payment))
        numbers = list(session.scalars(select(Receipt.number).order_by(Receipt.number)))
    return payments, numbers


@pytest.fixture
def behind_proxy(demo_database_url):
    if demo_database_url.kind != "postgresql":
        pytest.skip("the outage is a network one: PostgreSQL behind a TCP proxy")
    direct = Database.from_url(demo_database_url.url)
    url = make_url(demo_database_url.url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxied = Database.from_url(
        url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    )
    yield direct, proxied, proxy
    proxy.cut()
    proxied.dispose()
    direct.dispose()


def test_database_outage_leaves_the_message_unacknowledged_and_it_counts_once(
    broker, topology, behind_proxy, signer
) -> None:
    direct, proxied, proxy = behind_proxy
    worker = Worker(topology, proxied, signer)
    try:
        # Retried in place: the message stays in hand, unacknowledged, until the database is back.
        publish(broker, topology, camt054("O-1", [[Tx("FTO1", "100000", "THA2501")]]), message_id="o-1")
        wait_for(lambda: messages(direct) == 1, what="the first message, with the database up")
        proxy.cut()
        publish(broker, topology, camt054("O-2", [[Tx("FTO2", "200000", "THA2501")]]), message_id="o-2")
        wait_for(lambda: worker.outages >= 2, what="the outage to be met twice")
        assert queue_depth(broker, topology.payments_queue) == (0, 1)  # in hand, not acknowledged
        assert tally(direct) == (1, [1])
        proxy.restore()
        wait_for(lambda: messages(direct) == 2, what="the second message once the database is back")
        # Shut down during an outage: the message goes back to the queue for the next worker.
        proxy.cut()
        publish(broker, topology, camt054("O-3", [[Tx("FTO3", "300000", "THA2501")]]), message_id="o-3")
        wait_for(lambda: worker.outages >= 3, what="the second outage")
    finally:
        worker.stop()
    # It comes back, ready (a quorum queue returns a closed consumer's messages a moment later).
    wait_for(lambda: queue_depth(broker, topology.payments_queue) == (1, 0), what="the message back")
    assert tally(direct) == (2, [1, 2])
    proxy.restore()
    second = Worker(topology, proxied, signer)
    try:
        wait_for(lambda: messages(direct) == 3, what="the returned message to be processed")
        wait_for(lambda: queue_depth(broker, topology.payments_queue) == (0, 1), what="its acknowledgement")
    finally:
        second.stop()
    assert second.redelivered == [True]
    assert tally(direct) == (3, [1, 2, 3])  # each payment once, each receipt once, numbering gapless
    assert queue_depth(broker, topology.payments_queue) == (0, 0)
