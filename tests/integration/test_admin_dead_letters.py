"""The dead-letter screen against real RabbitMQ (a topology per test) and the real bank consumer.

Looking leaves every message on the queue; reprocessing after a fix republishes the message with
its properties and the consumer then receipts it; discarding keeps the message in the database
before it leaves the queue. Nothing disappears silently.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pika
import pytest
from admin_site import PASSWORD, build_site
from camt_builder import Tx, camt054
from rabbitmq import amqp_parameters, broker, publish, queue_depth, topology
from sqlalchemy import func, select
from waiting import wait_for

from ereceipt.adapters.bank import BankNotifications
from ereceipt.core.errors import BadInput
from ereceipt.core.intake.tables import DiscardedDeadLetter
from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.storage.audit import AuditEvent
from ereceipt.queue.consumer import Consumer
from ereceipt.queue.topology import REASON_HEADER, Topology

__all__ = ["broker", "topology"]  # fixtures used by name


class Worker:
    """The bank consumer, with a fault that can be switched off (the "fix")."""

    def __init__(self, services, topology: Topology) -> None:
        self.broken = True
        handler = BankNotifications(services.bank_intake())

        def handle(delivery):
            if self.broken:
                raise BadInput("camt.054 version not supported yet")
            return handler(delivery)

        self.consumer = Consumer(amqp_parameters(), topology, handle, prefetch=10)
        self.thread = threading.Thread(target=self.consumer.run, name="test-consumer")
        self.thread.start()

    def stop(self) -> None:
        self.consumer.stop()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


@pytest.fixture
def site(tmp_path: Path, broker, topology: Topology):
    queue = (
        f"[queue]\npayments_exchange = {topology.payments_exchange}\n"
        f"payments_queue = {topology.payments_queue}\n"
        f"dead_letter_exchange = {topology.dead_letter_exchange}\n"
        f"dead_letter_queue = {topology.dead_letter_queue}\n"
        f"events_exchange = {topology.events_exchange}\n"
        f"delivery_limit = {topology.delivery_limit}\n"
    )
    services, _ = build_site(tmp_path, queue)
    worker = Worker(services, topology)
    app = services.web_application()
    yield app, services, worker
    worker.stop()


def login(app, name: str):
    client = app.test_client()
    client.get("/admin/dang-nhap")
    answer = client.post(
        "/admin/dang-nhap", data={"username": name, "password": PASSWORD, "csrf_token": token(client)}
    )
    assert answer.status_code == 302
    return client


def token(client) -> str:
    with client.session_transaction() as session:
        return session["csrf"]


def dead_depth(broker, topology: Topology) -> int:
    return queue_depth(broker, topology.dead_letter_queue)[0]


def dead_letter_one(broker, topology: Topology, message_id: str, reference: str) -> bytes:
    body = camt054(message_id, [[Tx(reference, "1015000", "NGUYEN VAN AN nop tien THA2501")]])
    publish(broker, topology, body, message_id=message_id)
    wait_for(lambda: dead_depth(broker, topology) >= 1, what="the dead letter")
    return body


def keys(page: str) -> list[str]:
    import re

    return re.findall(r"/admin/thu-loi/([0-9a-f]+)/bo", page)


def test_the_list_shows_reasons_and_leaves_the_messages_on_the_queue(site, broker, topology) -> None:
    app, _, _ = site
    dead_letter_one(broker, topology, "N-1", "FT1")
    dead_letter_one(broker, topology, "N-2", "FT2")
    wait_for(lambda: dead_depth(broker, topology) == 2, what="two dead letters")
    page = login(app, "auditor").get("/admin/thu-loi")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert text.count("camt.054 version not supported yet") == 2
    assert "N-1" in text and "N-2" in text
    assert keys(text) == []  # an auditor reads and changes nothing
    assert dead_depth(broker, topology) == 2
    assert login(app, "admin").get("/admin/so-lieu.json").get_json()["dead_letters"] == 2
    assert login(app, "bd-approver").get("/admin/so-lieu.json").get_json()["dead_letters"] is None


def test_reprocess_after_the_fix_republishes_the_message_and_it_is_receipted(site, broker, topology) -> None:
    app, services, worker = site
    dead_letter_one(broker, topology, "N-3", "FT3")
    admin = login(app, "admin")
    (key,) = keys(admin.get("/admin/thu-loi").get_data(as_text=True))
    worker.broken = False  # the fix
    answer = admin.post(f"/admin/thu-loi/{key}/xu-ly-lai", data={"csrf_token": token(admin)})
    assert answer.status_code == 302
    assert "Đã xử lý lại thư N-3" in admin.get("/admin/thu-loi").get_data(as_text=True)

    def receipted() -> bool:
        with services.database.read() as session:
            return (
                session.scalar(
                    select(func.count()).select_from(Receipt).where(Receipt.payment_reference == "FT3")
                )
                == 1
            )

    wait_for(receipted, what="the reprocessed payment's receipt")
    assert dead_depth(broker, topology) == 0
    with services.database.read() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "dead_letter.reprocessed"))
    assert (event.actor, event.entity_id) == ("admin", "N-3")
    assert "not supported" in json.loads(event.details)["dead_reason"]


def test_a_reprocessed_message_keeps_its_properties_without_the_dead_letter_headers(
    site, broker, topology
) -> None:
    app, _, worker = site
    worker.stop()  # nobody consumes: the republished message waits in the payments queue
    channel = broker.channel()
    properties = pika.BasicProperties(
        message_id="N-4", app_id="BFTVVNVX", content_type="application/xml", timestamp=1_764_000_000,
        headers={REASON_HEADER: "XML_REJECTED: unreadable", "x-bank-batch": "B-77"},
        delivery_mode=pika.DeliveryMode.Persistent,
    )  # fmt: skip
    channel.basic_publish(topology.dead_letter_exchange, "camt054.BFTVVNVX", b"<broken", properties)
    wait_for(lambda: dead_depth(broker, topology) == 1, what="the dead letter")
    admin = login(app, "admin")
    (key,) = keys(admin.get("/admin/thu-loi").get_data(as_text=True))
    admin.post(f"/admin/thu-loi/{key}/xu-ly-lai", data={"csrf_token": token(admin)})
    method, again, body = channel.basic_get(topology.payments_queue, auto_ack=True)
    assert method.routing_key == "camt054.BFTVVNVX"
    assert body == b"<broken"
    assert (again.message_id, again.app_id, again.content_type) == ("N-4", "BFTVVNVX", "application/xml")
    assert again.timestamp == 1_764_000_000
    own = {name: value for name, value in again.headers.items() if name != "x-delivery-count"}  # the queue's
    assert own == {"x-bank-batch": "B-77"}
    assert dead_depth(broker, topology) == 0


def test_discard_keeps_body_properties_and_reasons_before_the_ack(site, broker, topology) -> None:
    app, services, _ = site
    body = dead_letter_one(broker, topology, "N-5", "FT5")
    admin = login(app, "admin")
    (key,) = keys(admin.get("/admin/thu-loi").get_data(as_text=True))
    refused = admin.post(f"/admin/thu-loi/{key}/bo", data={"csrf_token": token(admin)})
    assert refused.status_code == 400  # no reason given
    assert dead_depth(broker, topology) == 1
    admin.post(f"/admin/thu-loi/{key}/bo", data={"csrf_token": token(admin), "reason": "Ngân hàng gửi lại"})
    assert dead_depth(broker, topology) == 0
    with services.database.read() as session:
        kept = session.scalar(select(DiscardedDeadLetter))
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "dead_letter.discarded"))
    assert kept.body == body
    assert (kept.message_id, kept.app_id, kept.discarded_by) == ("N-5", "BFTVVNVX", "admin")
    assert kept.discard_reason == "Ngân hàng gửi lại"
    assert "not supported" in kept.dead_reason
    assert "not supported" in kept.properties["headers"][REASON_HEADER]
    assert event.entity_id == str(kept.id)


def test_a_message_the_broker_dead_lettered_shows_the_brokers_reason(site, broker, topology) -> None:
    app, _, worker = site
    worker.stop()
    publish(broker, topology, b"<x/>", message_id="N-6")
    channel = broker.channel()
    wait_for(lambda: queue_depth(broker, topology.payments_queue)[0] == 1, what="the message")
    method, _, _ = channel.basic_get(topology.payments_queue)
    channel.basic_nack(method.delivery_tag, requeue=False)
    wait_for(lambda: dead_depth(broker, topology) == 1, what="the dead letter")
    text = login(app, "auditor").get("/admin/thu-loi").get_data(as_text=True)
    assert "RabbitMQ: rejected" in text


def test_a_message_already_taken_is_not_found_and_nothing_is_acknowledged(site, broker, topology) -> None:
    app, _, _ = site
    dead_letter_one(broker, topology, "N-7", "FT7")
    admin = login(app, "admin")
    answer = admin.post(
        "/admin/thu-loi/0123456789abcdef01234567/bo", data={"csrf_token": token(admin), "reason": "x"}
    )
    assert answer.status_code == 302
    assert "không còn trong hàng đợi" in admin.get("/admin/thu-loi").get_data(as_text=True)
    assert dead_depth(broker, topology) == 1
