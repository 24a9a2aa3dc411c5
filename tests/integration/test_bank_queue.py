"""Bank notifications over real RabbitMQ into a real database: exactly one payment and one receipt each."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime

import pika
import pytest
from camt_builder import SCHEMAS, Tx, assert_valid, camt053, camt054
from cryptography import x509
from rabbitmq import amqp_parameters, broker, publish, queue_depth, topology
from sqlalchemy import func, select
from waiting import wait_for

from ereceipt.adapters.bank import BankNotifications
from ereceipt.adapters.camt_schemas import CamtSchemas
from ereceipt.adapters.camt_signature import sign_document
from ereceipt.core.intake.bank import BankIntake
from ereceipt.core.intake.tables import BankMessage, BankStatementLine, RefusedBankTransaction
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.receipts.content import VIETNAM, PaymentMethod
from ereceipt.core.receipts.receipt_xml import RECEIPT_TAG, read_receipt
from ereceipt.core.receipts.tables import Issuer, Payment, Receipt, ReceiptSeries
from ereceipt.core.signatures.verification import Indication, verify_signed_document
from ereceipt.core.storage.database import Database
from ereceipt.queue.consumer import Consumer, Delivery
from ereceipt.queue.topology import REASON_HEADER, Topology

__all__ = ["broker", "topology"]  # fixtures used by name
BIC = "BFTVVNVX"


class Running:
    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer
        self.thread = threading.Thread(target=consumer.run, name="test-consumer")
        self.thread.start()

    def stop(self) -> None:
        self.consumer.stop()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "consumer did not stop"


@pytest.fixture
def start_worker(topology: Topology, issuer: ReceiptIssuer) -> Iterator[Callable[..., Running]]:
    running: list[Running] = []

    def start(
        wrap: Callable[[Callable[[Delivery], object]], Callable[[Delivery], object]] | None = None,
        **checks,
    ):
        handler = BankNotifications(BankIntake(issuer.database, issuer), **checks)
        if wrap:
            consumer = Consumer(amqp_parameters(), topology, wrap(handler), prefetch=10)
        else:  # as the worker runs it: the messages in hand recorded together
            consumer = Consumer(
                amqp_parameters(), topology, handler, prefetch=10, handle_many=handler.handle_many, batch=10
            )
        running.append(Running(consumer))
        return running[-1]

    yield start
    for worker in running:
        worker.stop()


def count(database: Database, query) -> int:
    with database.read() as session:
        return session.scalar(query)


def payments(database: Database, status: str | None = None) -> int:
    query = select(func.count()).select_from(Payment).where(Payment.source == BIC)
    return count(database, query if status is None else query.where(Payment.status == status))


def receipts(database: Database) -> int:
    return count(database, select(func.count()).select_from(Receipt))


def settled(broker: pika.BlockingConnection, worker: Running, topology: Topology) -> None:
    """Stop the worker and check nothing was left unacknowledged (it would be back in the queue)."""
    worker.stop()
    assert queue_depth(broker, topology.payments_queue)[0] == 0


def dead_letters(broker: pika.BlockingConnection, topology: Topology) -> list[tuple[bytes, dict]]:
    channel = broker.channel()
    found = []
    while True:
        method, properties, body = channel.basic_get(topology.dead_letter_queue, auto_ack=True)
        if method is None:
            return found
        found.append((body, properties.headers or {}))


def test_matched_transfer_becomes_one_signed_bank_transfer_receipt(
    broker, topology, start_worker, issuer, trust
) -> None:
    message = camt054("N-1", [[Tx("FT26330001", "1015000", "NGUYEN VAN AN nop tien THA 2501")]])
    assert_valid(message)
    worker = start_worker()
    publish(broker, topology, message)
    wait_for(lambda: receipts(issuer.database) == 1, what="the receipt")
    settled(broker, worker, topology)
    with issuer.database.read() as session:
        receipt = session.scalar(select(Receipt))
        payment = session.get(Payment, receipt.payment_id)
    report = verify_signed_document(receipt.signed_xml, trust, expected_root=RECEIPT_TAG)
    assert report.indication is Indication.TOTAL_PASSED
    content = read_receipt(report.signed_xml)
    assert (content.amount, content.payment_method, content.collection.case_code) == (
        1_015_000,
        PaymentMethod.BANK_TRANSFER,
        "THA2501",
    )
    assert (payment.source, payment.external_reference, payment.status) == (BIC, "FT26330001", "RECEIPTED")


def test_duplicate_message_creates_nothing_new(broker, topology, start_worker, issuer) -> None:
    message = camt054("N-2", [[Tx("FT1", "500000", "THA2501"), Tx("FT2", "600000", "THA2502")]])
    worker = start_worker()
    publish(broker, topology, message, message_id="dup-1")
    publish(broker, topology, message, message_id="dup-1")
    publish(broker, topology, message, message_id="dup-2")  # the same transfers under another id
    wait_for(lambda: count(issuer.database, select(func.count()).select_from(BankMessage)) == 2)
    settled(broker, worker, topology)
    assert (payments(issuer.database), receipts(issuer.database)) == (2, 2)


def test_redelivery_after_commit_without_ack_creates_nothing_new(
    broker, topology, start_worker, issuer
) -> None:
    deliveries: list[bool] = []

    def lose_first_ack(handler):
        def handle(delivery: Delivery):
            handler(delivery)  # committed
            deliveries.append(delivery.redelivered)
            if len(deliveries) == 1:
                raise RuntimeError("worker died after the commit, before the ack")

        return handle

    worker = start_worker(lose_first_ack)
    publish(broker, topology, camt054("N-3", [[Tx("FT3", "700000", "THA2501")]]))
    wait_for(lambda: len(deliveries) == 2, what="the redelivery")
    settled(broker, worker, topology)
    assert deliveries == [False, True]
    assert (payments(issuer.database), receipts(issuer.database)) == (1, 1)


@pytest.mark.parametrize(
    ("body", "app_id", "reason"),
    [
        (b"<Document><unclosed>", BIC, "XML_REJECTED: malformed XML"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>', BIC, "SCHEMA_VIOLATION"),
        (camt054("N-4", [[Tx("FT4", "100", "THA2501")]]), None, "app_id must be the bank's BIC"),
    ],
)
def test_poison_message_is_dead_lettered_with_its_reason(
    broker, topology, start_worker, issuer, body, app_id, reason
) -> None:
    worker = start_worker()
    publish(broker, topology, body, app_id=app_id, message_id="poison-1")
    found: list = []
    wait_for(lambda: found.extend(dead_letters(broker, topology)) or found, what="the dead letter")
    settled(broker, worker, topology)
    ((dead_body, headers),) = found
    assert dead_body == body
    assert reason in headers[REASON_HEADER]
    assert payments(issuer.database) == 0


def test_message_of_500_transactions_gives_500_gapless_receipts(
    broker, topology, start_worker, issuer
) -> None:
    txs = [Tx(f"FT5-{i:04d}", "1000000", f"ND THA2503 GD {i}") for i in range(500)]
    message = camt054("N-5", [txs[:250], txs[250:]])
    assert_valid(message)
    worker = start_worker()
    publish(broker, topology, message)
    wait_for(lambda: receipts(issuer.database) == 500, timeout=120, what="500 receipts")
    settled(broker, worker, topology)
    with issuer.database.read() as session:
        numbers = list(session.scalars(select(Receipt.number).order_by(Receipt.number)))
    assert numbers == list(range(1, 501))


def test_debit_ignored_fraction_refused_unknown_case_held(broker, topology, start_worker, issuer) -> None:
    message = camt054(
        "N-6",
        [
            [Tx("FT6-D", "900000", "THA2501", credit=False)],
            [Tx("FT6-F", "100000.50", "THA2501"), Tx("FT6-U", "300000", "chuyen tien an uong")],
            [Tx("FT6-X", "999999999", "THA2502"), Tx("FT6-OK", "200000", "THA2502")],
        ],
    )
    assert_valid(message)
    worker = start_worker()
    publish(broker, topology, message, message_id="mixed-1")
    wait_for(lambda: count(issuer.database, select(func.count()).select_from(BankMessage)) == 1)
    settled(broker, worker, topology)
    with issuer.database.read() as session:
        stored = {p.external_reference: (p.status, p.hold_reason) for p in session.scalars(select(Payment))}
        refused = session.scalars(select(RefusedBankTransaction)).all()
    assert set(stored) == {"FT6-U", "FT6-X", "FT6-OK"}  # the debit and the fraction are no payments
    assert stored["FT6-OK"] == ("RECEIPTED", None)
    assert stored["FT6-U"] == ("HELD", "no case payment code in the transfer content")
    assert stored["FT6-X"][0] == "HELD"
    assert "more than the 7.500.000 đồng case THA2502 owes" in stored["FT6-X"][1]
    assert [(r.reference, r.message_id) for r in refused] == [("FT6-F", "mixed-1")]
    assert "not a positive whole number" in refused[0].reason
    assert receipts(issuer.database) == 1


def test_code_cut_short_by_the_bank_still_matches(broker, topology, start_worker, issuer) -> None:
    worker = start_worker()
    publish(broker, topology, camt054("N-7", [[Tx("FT7", "100000", "NGUYEN VAN AN CK THA250")]]))
    wait_for(lambda: payments(issuer.database) == 1)
    settled(broker, worker, topology)
    # THA250 starts THA2501, THA2502 and THA2503: ambiguous, so held rather than guessed.
    assert payments(issuer.database, "HELD") == 1


def test_signed_bank_message_is_receipted_and_a_tampered_one_dead_lettered(
    broker, topology, start_worker, issuer, dev_pki
) -> None:
    pinned = {BIC: x509.load_pem_x509_certificate(dev_pki.cert("bank-client").read_bytes())}
    key, certificate = dev_pki.key("bank-client").read_bytes(), dev_pki.cert("bank-client").read_bytes()
    worker = start_worker(certificates=pinned)
    signed = sign_document(camt054("N-8", [[Tx("FT8", "100000", "THA2501")]]), key, certificate)
    tampered = sign_document(camt054("N-9", [[Tx("FT9", "100000", "THA2501")]]), key, certificate)
    publish(broker, topology, signed, message_id="signed-1")
    publish(broker, topology, tampered.replace(b">FT9<", b">FT9X<"), message_id="tampered-1")
    publish(broker, topology, camt054("N-10", [[Tx("FT10", "100000", "THA2501")]]), message_id="bare-1")
    found: list = []
    wait_for(lambda: found.extend(dead_letters(broker, topology)) or len(found) == 2, what="2 dead letters")
    wait_for(lambda: receipts(issuer.database) == 1, what="the signed message's receipt")
    settled(broker, worker, topology)
    reasons = sorted(headers[REASON_HEADER] for _, headers in found)
    assert "does not verify" in reasons[0] and "carries no XML signature" in reasons[1]
    with issuer.database.read() as session:
        assert list(session.scalars(select(Payment.external_reference))) == ["FT8"]


def test_schema_violation_is_dead_lettered_when_schemas_are_configured(
    broker, topology, start_worker, issuer
) -> None:
    if not (SCHEMAS / "camt.054.001.08.xsd").is_file():
        pytest.skip(f"official ISO 20022 schemas are absent from {SCHEMAS} (see its README)")
    worker = start_worker(schemas=CamtSchemas(SCHEMAS))
    good = camt054("N-11", [[Tx("FT11", "100000", "THA2501")]])
    publish(broker, topology, good.replace(b"<Ntfctn><Id>", b"<Ntfctn><Bogus/><Id>"), message_id="bad-xsd")
    publish(broker, topology, good.replace(b"camt.054.001.08", b"camt.054.001.13"), message_id="no-xsd")
    publish(broker, topology, good, message_id="good")
    found: list = []
    wait_for(lambda: found.extend(dead_letters(broker, topology)) or len(found) == 2, what="2 dead letters")
    wait_for(lambda: receipts(issuer.database) == 1, what="the valid message's receipt")
    settled(broker, worker, topology)
    reasons = {properties: headers[REASON_HEADER] for properties, headers in found}
    assert any("SCHEMA_VIOLATION: camt.054.001.08 line 1" in r and "Bogus" in r for r in reasons.values())
    assert any("no schema for namespace" in r and "camt.054.001.13" in r for r in reasons.values())


def test_statement_and_notification_lines_are_stored_for_set_based_reconciliation(
    broker, topology, start_worker, issuer
) -> None:
    notification = camt054("N-12", [[Tx("FT12", "1015000", "THA2501"), Tx("FT13", "300000", "an uong")]])
    statement = camt053("S-12", [[Tx("FT12", "1015000", "THA2501"), Tx("FT13", "300000", "an uong")]])
    statement_again = camt053(
        "S-12b", [[Tx("FT14", "50000", "THA2502", credit=False)], [Tx("FT12", "1015000")]]
    )
    assert_valid(statement, kind="camt.053")
    worker = start_worker()
    publish(broker, topology, notification, message_id="n-12")
    publish(broker, topology, statement, message_id="s-12")
    publish(broker, topology, statement_again, message_id="s-12b")  # a line seen before, and a debit
    wait_for(lambda: count(issuer.database, select(func.count()).select_from(BankMessage)) == 3)
    settled(broker, worker, topology)
    line = BankStatementLine.__table__
    statement_lines, notification_lines = line.alias("s"), line.alias("n")
    reconciled = (
        select(
            statement_lines.c.account,
            statement_lines.c.booking_date,
            statement_lines.c.amount,
            statement_lines.c.reference,
            Payment.status,
            Receipt.number,
        )
        .join(
            notification_lines,
            (notification_lines.c.bic == statement_lines.c.bic)
            & (notification_lines.c.reference == statement_lines.c.reference)
            & (notification_lines.c.kind == "camt.054"),
        )
        .join(
            Payment,
            (Payment.source == statement_lines.c.bic)
            & (Payment.external_reference == statement_lines.c.reference),
        )
        .outerjoin(Receipt, Receipt.payment_id == Payment.id)
        .where(statement_lines.c.kind == "camt.053", statement_lines.c.bic == BIC)
        .order_by(statement_lines.c.reference)
    )
    with issuer.database.read() as session:
        rows = [tuple(row) for row in session.execute(reconciled)]
        stored = session.scalar(select(func.count()).select_from(line))
    day = date(2026, 11, 25)
    assert rows == [
        ("0123456789", day, 1_015_000, "FT12", "RECEIPTED", 1),
        ("0123456789", day, 300_000, "FT13", "HELD", None),
    ]
    assert stored == 4  # two lines of the notification, two of the statements (FT12 once, no debit)
    assert payments(issuer.database) == 2  # statements create no payments


def test_a_message_failing_inside_the_shared_transaction_does_not_hold_up_the_others(
    broker, topology, start_worker, issuer
) -> None:
    with (
        issuer.database.write() as session
    ):  # CTHADS-HN now has two active series: THA2503 cannot be receipted
        hanoi = session.scalar(select(Issuer).where(Issuer.code == "CTHADS-HN"))
        symbol = f"TH{datetime.now(VIETNAM).year % 100:02d}E"
        session.add(ReceiptSeries(issuer_id=hanoi.id, template_number="02BLTHA", series_symbol=symbol))
    for m in range(6):  # all in the queue before the worker starts, so that they are in hand together
        case = "THA2503" if m == 3 else "THA2501"
        publish(broker, topology, camt054(f"B-{m}", [[Tx(f"FTB{m}", "100000", case)]]), message_id=f"b-{m}")
    publish(broker, topology, b"<unreadable", message_id="b-poison")
    worker = start_worker()
    found: list = []
    wait_for(lambda: found.extend(dead_letters(broker, topology)) or len(found) == 2, what="2 dead letters")
    wait_for(lambda: receipts(issuer.database) == 5, what="the other five receipts")
    settled(broker, worker, topology)
    reasons = sorted(headers[REASON_HEADER] for _, headers in found)
    assert reasons[0].startswith("BAD_INPUT: issuer CTHADS-HN has several active series")
    assert reasons[1].startswith("XML_REJECTED")
    with issuer.database.read() as session:
        numbers = list(session.scalars(select(Receipt.number).order_by(Receipt.number)))
    assert numbers == [1, 2, 3, 4, 5] and payments(issuer.database) == 5
