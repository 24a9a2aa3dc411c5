"""Payer notices: written with the receipt, delivered to a real SMTP server and a real HTTP SMS gateway."""

from __future__ import annotations

import email
import email.policy
import json
import random
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from delivery_servers import BUSY, REFUSED, sms_gateway, smtp_server
from server_process import free_port
from sqlalchemy import select, update
from waiting import wait_for
from xmltree import assert_trees_equal

from ereceipt.adapters.email import EmailChannel
from ereceipt.adapters.sms import SmsChannel
from ereceipt.core.delivery.notice_text import email_subject
from ereceipt.core.delivery.notices import NoticeDispatcher, RetryPolicy, resend
from ereceipt.core.delivery.outbox import (
    EMAIL,
    FAILED,
    PENDING,
    SENT,
    SMS,
    OutboxMessage,
    PayerNotice,
    write_receipt_events,
)
from ereceipt.core.errors import Conflict
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.issuing.requests import IssuedReceipt, IssueRequest, PaymentIn
from ereceipt.core.receipts.content import PayerInfo, PaymentMethod
from ereceipt.core.receipts.payer_contact import PayerContact
from ereceipt.core.receipts.receipt_pdf import lookup_url
from ereceipt.core.receipts.receipt_xml import RECEIPT_TAG, read_receipt
from ereceipt.core.signatures.pki import DevelopmentPKI
from ereceipt.core.signatures.verification import TrustStore, verify_signed_document
from ereceipt.core.storage.audit import AuditEvent
from ereceipt.core.storage.database import Database
from ereceipt.core.xml.parser import parse_xml
from ereceipt.settings import EmailSettings, SmsSettings

PUBLIC_URL = "https://bienlai.thads.example.invalid"
CONTACT = PayerContact("an.nguyen@example.invalid", "+84912345678")


def request(reference: str, amount: int = 100_000, contact: PayerContact | None = CONTACT) -> IssueRequest:
    payment = PaymentIn(
        source="counter",
        reference=reference,
        amount=amount,
        payer=PayerInfo(name="Nguyễn Văn Đức"),
        paid_at=datetime(2026, 11, 25, 2, 30, tzinfo=UTC),
        method=PaymentMethod.CASH,
        case_code="THA2501",
        contact=contact,
    )
    return IssueRequest(payment=payment, officer="can.bo.thu")


@pytest.fixture
def delivering(issuer: ReceiptIssuer) -> ReceiptIssuer:
    return ReceiptIssuer(issuer.database, issuer.signer, on_issued=write_receipt_events)


def notices(database: Database) -> list[PayerNotice]:
    with database.read() as session:
        return list(session.scalars(select(PayerNotice).order_by(PayerNotice.id)))


def dispatcher(database: Database, trust: TrustStore, **channels) -> NoticeDispatcher:
    def read_signed(signed_xml: bytes):
        report = verify_signed_document(signed_xml, trust, expected_root=RECEIPT_TAG)
        return read_receipt(report.signed_xml) if report.passed else None

    return NoticeDispatcher(
        database,
        channels,
        read_signed,
        lambda code: lookup_url(PUBLIC_URL, code),
        RetryPolicy(base_seconds=30, cap_seconds=3600, max_attempts=3),
        rng=random.Random(7),  # noqa: S311 (jitter, not secrets)
    )


def email_channel(port: int, **changes) -> EmailChannel:
    settings = EmailSettings(
        host="127.0.0.1",
        port=port,
        security="none",
        username="bienlai",
        password="s3cret",
        from_address="bien-lai@thads.example.invalid",
        timeout_seconds=5,
    )
    return EmailChannel(replace(settings, **changes), PUBLIC_URL)


def sms_channel(url: str, **changes) -> SmsChannel:
    settings = SmsSettings(url=url, username="thads", password="gateway-token", timeout_seconds=5)
    return SmsChannel(replace(settings, **changes))


def make_due_now(database: Database) -> None:
    with database.write() as session:
        session.execute(update(PayerNotice).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))


# Written in the issuing transaction


def test_issuing_writes_one_notice_per_channel_beside_the_event(delivering: ReceiptIssuer) -> None:
    first, second = delivering.issue_batch(
        [request("N-1"), request("N-2", contact=PayerContact(None, "+84912345678"))]
    )
    rows = notices(delivering.database)
    assert [(n.receipt_id, n.channel, n.recipient, n.status) for n in rows] == [
        (first.receipt_id, EMAIL, "an.nguyen@example.invalid", PENDING),
        (first.receipt_id, SMS, "+84912345678", PENDING),
        (second.receipt_id, SMS, "+84912345678", PENDING),
    ]
    with delivering.database.read() as session:
        events = session.scalars(select(OutboxMessage.message_id)).all()
    assert events == [f"receipt.issued.{first.receipt_id}", f"receipt.issued.{second.receipt_id}"]


def test_the_contact_is_not_in_the_signed_receipt(delivering: ReceiptIssuer) -> None:
    issued = delivering.issue(request("N-3"))
    assert b"example.invalid" not in issued.signed_xml and b"912345678" not in issued.signed_xml


def test_a_payer_without_contact_gets_no_notice(delivering: ReceiptIssuer) -> None:
    delivering.issue(request("N-4", contact=None))
    assert notices(delivering.database) == []


def test_a_failed_issue_writes_no_notice(delivering: ReceiptIssuer) -> None:
    with pytest.raises(Conflict, match="still owes"):
        delivering.issue_batch([request("N-5"), request("N-6", amount=10**12)])
    assert notices(delivering.database) == []


def test_a_notice_write_that_fails_takes_the_receipt_with_it(delivering: ReceiptIssuer) -> None:
    def broken_hook(session, issued: list[IssuedReceipt]) -> None:
        write_receipt_events(session, issued)
        raise RuntimeError("disk full")

    broken = ReceiptIssuer(delivering.database, delivering.signer, on_issued=broken_hook)
    with pytest.raises(RuntimeError):
        broken.issue(request("N-7"))
    assert notices(delivering.database) == []
    assert delivering.issue(request("N-7")).content.number == 1  # the number came back too


def test_a_repeated_payment_writes_no_second_notice(delivering: ReceiptIssuer) -> None:
    delivering.issue(request("N-8"))
    again = delivering.issue(request("N-8"))
    assert not again.created
    assert len(notices(delivering.database)) == 2


def test_a_replacement_goes_where_the_receipt_it_replaces_went(delivering: ReceiptIssuer) -> None:
    original = delivering.issue(request("N-9"))
    replacement = delivering.replace(original.receipt_id, officer="phe.duyet", reason="sai tên người nộp")
    by_receipt = [(n.receipt_id, n.channel, n.recipient) for n in notices(delivering.database)]
    assert by_receipt[2:] == [
        (replacement.receipt_id, EMAIL, "an.nguyen@example.invalid"),
        (replacement.receipt_id, SMS, "+84912345678"),
    ]


def test_a_replacement_of_a_receipt_without_notices_has_none(delivering: ReceiptIssuer) -> None:
    original = delivering.issue(request("N-10", contact=None))
    delivering.replace(original.receipt_id, officer="phe.duyet", reason="sai tên người nộp")
    assert notices(delivering.database) == []


# E-mail over SMTP


def test_email_reaches_a_real_smtp_server_as_correct_mime(
    delivering: ReceiptIssuer, trust: TrustStore
) -> None:
    issued = delivering.issue(request("M-1", contact=PayerContact("an.nguyen@example.invalid", None)))
    with smtp_server() as (mailbox, port):
        tally = dispatcher(delivering.database, trust, EMAIL=email_channel(port)).send_due()
    assert (tally.sent, tally.retrying, tally.failed) == (1, 0, 0)
    assert mailbox.logins == [(b"bienlai", b"s3cret")]
    ((sender, recipients, raw),) = mailbox.messages
    assert (sender, recipients) == ("bien-lai@thads.example.invalid", ["an.nguyen@example.invalid"])
    assert raw.isascii()  # 7-bit: encoded words in headers, quoted-printable and base64 bodies
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == email_subject(issued.content)
    assert message["Subject"].startswith("Biên lai thu tiền số 0000001")
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n")[0]  # RFC 2047 in the header block
    assert message["From"].addresses[0].display_name == "Biên lai điện tử THADS"
    assert message["To"].addresses[0].display_name == "Nguyễn Văn Đức"
    assert message.get_content_type() == "multipart/mixed"
    body = message.get_body(preferencelist=("plain",))
    assert body.get_content_charset() == "utf-8"
    text = body.get_content()
    assert "Kính gửi Nguyễn Văn Đức," in text
    assert lookup_url(PUBLIC_URL, issued.content.lookup_code) in text
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(attachments) == {"bien-lai-TH26E-0000001.pdf", "bien-lai-TH26E-0000001.xml"}
    pdf, xml = attachments["bien-lai-TH26E-0000001.pdf"], attachments["bien-lai-TH26E-0000001.xml"]
    assert pdf.get_content_type() == "application/pdf" and pdf.get_content().startswith(b"%PDF-")
    assert xml.get_content_type() == "application/xml"
    assert xml.get_content() == issued.signed_xml
    assert_trees_equal(parse_xml(xml.get_content()), parse_xml(issued.signed_xml))
    (notice,) = notices(delivering.database)
    assert (notice.status, notice.attempts, notice.last_error) == (SENT, 1, None)
    assert notice.sent_at is not None


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_email_over_starttls_or_implicit_tls_checks_the_server_certificate(
    delivering: ReceiptIssuer, trust: TrustStore, dev_pki: DevelopmentPKI, security: str
) -> None:
    delivering.issue(request("M-T", contact=PayerContact("an.nguyen@example.invalid", None)))
    server_certificate = (dev_pki.cert("soap-server"), dev_pki.key("soap-server"))  # localhost, 127.0.0.1
    with smtp_server(tls=security, certificate=server_certificate) as (mailbox, port):
        untrusted = email_channel(port, security=security)  # the system CAs do not know the development CA
        assert dispatcher(delivering.database, trust, EMAIL=untrusted).send_due().retrying == 1
        assert "CERTIFICATE_VERIFY_FAILED" in notices(delivering.database)[0].last_error
        make_due_now(delivering.database)
        trusting = email_channel(port, security=security, ca_file=str(dev_pki.ca_cert))
        assert dispatcher(delivering.database, trust, EMAIL=trusting).send_due().sent == 1
    assert mailbox.logins == [(b"bienlai", b"s3cret")]  # over TLS: the untrusted try stopped before it
    assert len(mailbox.messages) == 1


def test_recipient_refused_with_550_is_permanent_and_not_retried(
    delivering: ReceiptIssuer, trust: TrustStore
) -> None:
    delivering.issue(request("M-2", contact=PayerContact(f"{REFUSED}@example.invalid", None)))
    with smtp_server() as (mailbox, port):
        sender = dispatcher(delivering.database, trust, EMAIL=email_channel(port))
        assert sender.send_due().failed == 1
        make_due_now(delivering.database)
        assert sender.send_due().handled == 0
    assert mailbox.refused == [f"{REFUSED}@example.invalid"] and mailbox.messages == []
    (notice,) = notices(delivering.database)
    assert (notice.status, notice.attempts) == (FAILED, 1)
    assert notice.last_error.startswith("recipient refused: 550")
    assert notice.failed_at is not None


def test_smtp_down_is_retried_later_with_back_off(delivering: ReceiptIssuer, trust: TrustStore) -> None:
    delivering.issue(request("M-3", contact=PayerContact("an.nguyen@example.invalid", None)))
    port = free_port()  # nothing listens there yet
    sender = dispatcher(delivering.database, trust, EMAIL=email_channel(port))
    before = datetime.now(UTC)
    assert sender.send_due().retrying == 1
    (notice,) = notices(delivering.database)
    assert notice.status == PENDING and "Connection refused" in notice.last_error
    assert before + timedelta(seconds=15) <= notice.next_attempt_at <= before + timedelta(seconds=31)
    assert sender.send_due().handled == 0  # not due yet
    make_due_now(delivering.database)
    with smtp_server(port) as (mailbox, _):
        assert sender.send_due().sent == 1
    assert len(mailbox.messages) == 1
    (notice,) = notices(delivering.database)
    assert (notice.status, notice.attempts) == (SENT, 2)


def test_smtp_4xx_is_transient(delivering: ReceiptIssuer, trust: TrustStore) -> None:
    delivering.issue(request("M-4", contact=PayerContact(f"{BUSY}@example.invalid", None)))
    with smtp_server() as (_, port):
        assert dispatcher(delivering.database, trust, EMAIL=email_channel(port)).send_due().retrying == 1
    (notice,) = notices(delivering.database)
    assert notice.status == PENDING and notice.last_error.startswith("recipient refused: 451")


def test_a_wrong_smtp_password_is_not_the_payers_fault(delivering: ReceiptIssuer, trust: TrustStore) -> None:
    delivering.issue(request("M-5", contact=PayerContact("an.nguyen@example.invalid", None)))
    with smtp_server() as (_, port):
        channel = email_channel(port, password="wrong")
        assert dispatcher(delivering.database, trust, EMAIL=channel).send_due().retrying == 1
    assert "log-in refused" in notices(delivering.database)[0].last_error


def test_transient_failures_end_as_failed_after_max_attempts(
    delivering: ReceiptIssuer, trust: TrustStore
) -> None:
    delivering.issue(request("M-6", contact=PayerContact("an.nguyen@example.invalid", None)))
    sender = dispatcher(delivering.database, trust, EMAIL=email_channel(free_port()))
    outcomes = []
    for _ in range(3):
        make_due_now(delivering.database)
        tally = sender.send_due()
        outcomes.append((tally.retrying, tally.failed))
    assert outcomes == [(1, 0), (1, 0), (0, 1)]
    (notice,) = notices(delivering.database)
    assert notice.status == FAILED and notice.last_error.startswith("gave up after 3 attempts")


# SMS through an HTTP gateway


def test_sms_gateway_gets_text_without_diacritics_and_the_credentials(
    delivering: ReceiptIssuer, trust: TrustStore
) -> None:
    issued = delivering.issue(request("S-1", contact=PayerContact(None, "+84912345678")))
    with sms_gateway() as (log, url):
        assert dispatcher(delivering.database, trust, SMS=sms_channel(url)).send_due().sent == 1
    (call,) = log.requests
    assert call["path"] == "/api/sms"
    assert call["headers"]["Authorization"] == "Basic dGhhZHM6Z2F0ZXdheS10b2tlbg=="  # thads:gateway-token
    assert call["headers"]["Content-Type"] == "application/json; charset=utf-8"
    code = "-".join(issued.content.lookup_code[i : i + 4] for i in range(0, 16, 4))
    assert call["json"] == {
        "to": "+84912345678",
        "from": "THADS",
        "text": f"THADS: bien lai TH26E so 0000001, 100.000 dong. Ma tra cuu {code} tai "
        f"{PUBLIC_URL}/tra-cuu?ma={code}",
    }
    assert call["json"]["text"].isascii()
    assert notices(delivering.database)[0].status == SENT


def test_sms_keeps_diacritics_when_not_switched_off(delivering: ReceiptIssuer, trust: TrustStore) -> None:
    delivering.issue(request("S-2", contact=PayerContact(None, "+84912345678")))
    with sms_gateway() as (log, url):
        channel = sms_channel(url, strip_diacritics=False, template="{payer} đã nộp {amount} đồng")
        assert dispatcher(delivering.database, trust, SMS=channel).send_due().sent == 1
    assert log.requests[0]["json"]["text"] == "Nguyễn Văn Đức đã nộp 100.000 đồng"


@pytest.mark.parametrize("status", [500, 503, 429])
def test_sms_gateway_overload_or_error_is_retried(
    delivering: ReceiptIssuer, trust: TrustStore, status: int
) -> None:
    delivering.issue(request("S-3", contact=PayerContact(None, "+84912345678")))
    with sms_gateway() as (log, url):
        log.answers.append((status, {"error": "busy"}))
        sender = dispatcher(delivering.database, trust, SMS=sms_channel(url))
        assert sender.send_due().retrying == 1
        assert (
            notices(delivering.database)[0].last_error
            == f'SMS gateway answered {status}: {{"error": "busy"}}'
        )
        make_due_now(delivering.database)
        assert sender.send_due().sent == 1
    assert len(log.requests) == 2
    assert (notices(delivering.database)[0].status, notices(delivering.database)[0].attempts) == (SENT, 2)


def test_sms_gateway_400_is_permanent(delivering: ReceiptIssuer, trust: TrustStore) -> None:
    delivering.issue(request("S-4", contact=PayerContact(None, "+84912345678")))
    with sms_gateway() as (log, url):
        log.answers.append((400, {"error": "invalid destination number"}))
        sender = dispatcher(delivering.database, trust, SMS=sms_channel(url))
        assert sender.send_due().failed == 1
        make_due_now(delivering.database)
        assert sender.send_due().handled == 0
    assert len(log.requests) == 1
    (notice,) = notices(delivering.database)
    assert notice.status == FAILED and "invalid destination number" in notice.last_error


def test_an_sms_over_the_length_limit_is_not_sent(delivering: ReceiptIssuer, trust: TrustStore) -> None:
    delivering.issue(request("S-5", contact=PayerContact(None, "+84912345678")))
    with sms_gateway() as (log, url):
        channel = sms_channel(url, max_length=40)
        assert dispatcher(delivering.database, trust, SMS=channel).send_due().failed == 1
    assert log.requests == []
    assert "over [sms] max_length 40" in notices(delivering.database)[0].last_error


def test_sms_gateway_down_is_transient(delivering: ReceiptIssuer, trust: TrustStore) -> None:
    delivering.issue(request("S-6", contact=PayerContact(None, "+84912345678")))
    url = f"http://127.0.0.1:{free_port()}/api/sms"
    assert dispatcher(delivering.database, trust, SMS=sms_channel(url)).send_due().retrying == 1
    assert "unreachable" in notices(delivering.database)[0].last_error


# Channels off, cancellations, resending


def test_notices_of_a_channel_not_configured_stay_pending(
    delivering: ReceiptIssuer, trust: TrustStore
) -> None:
    delivering.issue(request("C-1"))
    with sms_gateway() as (_, url):
        assert dispatcher(delivering.database, trust, SMS=sms_channel(url)).send_due().sent == 1
    by_channel = {n.channel: n for n in notices(delivering.database)}
    assert by_channel[SMS].status == SENT
    assert (by_channel[EMAIL].status, by_channel[EMAIL].attempts) == (PENDING, 0)


def test_a_receipt_cancelled_before_delivery_is_not_sent(
    delivering: ReceiptIssuer, trust: TrustStore
) -> None:
    issued = delivering.issue(request("C-2", contact=PayerContact(None, "+84912345678")))
    delivering.cancel(issued.receipt_id, officer="phe.duyet", reason="nhầm người nộp")
    with sms_gateway() as (log, url):
        assert dispatcher(delivering.database, trust, SMS=sms_channel(url)).send_due().failed == 1
    assert log.requests == []
    assert "cancelled" in notices(delivering.database)[0].last_error


def test_resend_puts_a_failed_notice_back_to_a_corrected_address_audited(
    delivering: ReceiptIssuer, trust: TrustStore
) -> None:
    delivering.issue(request("R-1", contact=PayerContact(f"{REFUSED}@example.invalid", None)))
    with smtp_server() as (mailbox, port):
        sender = dispatcher(delivering.database, trust, EMAIL=email_channel(port))
        assert sender.send_due().failed == 1
        (notice,) = notices(delivering.database)
        with delivering.database.write() as session:
            resend(session, notice.id, actor="can.bo", recipient=" An.Nguyen@Example.Invalid ")
        with pytest.raises(Conflict, match="only a failed notice"), delivering.database.write() as session:
            resend(session, notice.id, actor="can.bo")
        assert sender.send_due().sent == 1
    assert mailbox.messages[0][1] == ["An.Nguyen@example.invalid"]
    with delivering.database.read() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "notice.resent")).one()
    assert (event.actor, event.entity, event.entity_id) == ("can.bo", "payer_notice", str(notice.id))
    details = json.loads(event.details)
    assert details["previous_recipient"] == f"{REFUSED}@example.invalid"
    assert details["recipient"] == "An.Nguyen@example.invalid"
    assert details["reason"].startswith("recipient refused: 550")


def test_the_dispatcher_runs_in_a_thread_until_stopped(delivering: ReceiptIssuer, trust: TrustStore) -> None:
    delivering.issue(request("W-1", contact=PayerContact(None, "+84912345678")))
    with sms_gateway() as (log, url):
        sender = replace(dispatcher(delivering.database, trust, SMS=sms_channel(url)), idle_seconds=0.05)
        running = threading.Thread(target=sender.run, name="notices-under-test")
        running.start()
        try:
            wait_for(lambda: log.requests, timeout=15, what="the SMS gateway's first request")
        finally:
            sender.stop()
            running.join(timeout=10)
    assert not running.is_alive()
    assert len(log.requests) == 1
    assert notices(delivering.database)[0].status == SENT


def test_the_dispatcher_thread_waits_out_a_database_outage(
    trust: TrustStore, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = Database.from_url("postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=2")
    sender = replace(
        dispatcher(unreachable, trust, SMS=sms_channel("http://127.0.0.1:9/sms")), idle_seconds=0.05
    )
    running = threading.Thread(target=sender.run, name="notices-under-test")
    with caplog.at_level("WARNING", logger="ereceipt.notices"):
        running.start()
        try:
            wait_for(lambda: "paused" in caplog.text, timeout=10, what="the dispatcher to pause")
            assert running.is_alive()
        finally:
            sender.stop()
            running.join(timeout=10)
    unreachable.dispose()
    assert not running.is_alive()
    assert "notice delivery paused (database unavailable" in caplog.text
