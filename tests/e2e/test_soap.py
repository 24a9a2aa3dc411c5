"""The portal's SOAP service over real HTTP: zeep, built from the served WSDL, calls every operation.

Requests are signed with the development portal certificate (WS-Security, SHA-256, over the Body,
the Timestamp and the X-Road headers); zeep checks every answer's signature against the pinned
certificate of the service.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from server_process import Server, ereceipt, http
from zeep import Client

from ereceipt.soap.zeep_signature import XRoadSignature

PORTAL = {"xRoadInstance": "VN", "memberClass": "GOV", "memberCode": "000000002", "subsystemCode": "DVCQG"}
SERVICE = {
    "xRoadInstance": "VN",
    "memberClass": "GOV",
    "memberCode": "000000001",
    "subsystemCode": "ERECEIPT",
}


def xroad_headers(operation: str, message_id: str | None = None) -> dict:
    return {
        "client": {"objectType": "SUBSYSTEM", **PORTAL},
        "service": {"objectType": "SERVICE", **SERVICE, "serviceCode": operation, "serviceVersion": "v1"},
        "id": message_id or str(uuid.uuid4()),
        "userId": "VN001085012345",
        "protocolVersion": "4.0",
    }


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("soap")
    (home / "config.ini").write_text("[database]\nurl = sqlite:///var/e.sqlite3\n")
    done = ereceipt(home, "init", "--demo")
    assert done.returncode == 0, done.stderr
    yield home


@pytest.fixture(scope="module")
def server(home: Path) -> Iterator[Server]:
    access = (  # the portal, and a client behind an X-Road security server (which signs for it)
        "[access]\nVN/GOV/000000002/DVCQG = var/keys/portal-client.cert.pem | * | signed\n"
        "VN/GOV/000000003/SECSERVER = | getReceipt | unsigned\n"
    )
    server = Server(home, "[database]\nurl = sqlite:///var/e.sqlite3\n" + access)
    yield server
    output = server.stop()
    assert b"Traceback" not in output, output.decode()


@pytest.fixture(scope="module")
def client(home: Path, server: Server) -> Client:
    keys = home / "var" / "keys"
    signature = XRoadSignature(
        keys / "portal-client.key.pem",
        keys / "portal-client.cert.pem",
        service_certificate=keys / "soap-server.cert.pem",
    )
    return Client(f"{server.base}/soap?wsdl", wsse=signature)


def call(client: Client, operation: str, **arguments):
    return getattr(client.service, operation)(**arguments, _soapheaders=xroad_headers(operation))


@pytest.fixture(scope="module")
def paid(client: Client) -> dict:
    """A receipt issued through notifyOnlinePayment, for the reading operations."""
    answer = call(
        client,
        "notifyOnlinePayment",
        TransactionId="DVC-2026-000001",
        Amount=1_015_000,
        Payer={"Name": "Nguyễn Văn An", "IdentityNumber": "001085012345"},
        CaseCode="THA2501",
        PaidAt=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
    )
    assert answer.body.Status.Code == "OK", answer.body.Status.Message
    return answer.body.Receipt


def test_wsdl_names_the_configured_address(server: Server) -> None:
    status, body, _ = http(f"{server.base}/soap?wsdl")
    wsdl = etree.fromstring(body)
    addresses = wsdl.xpath("//*[local-name()='address']/@location")
    assert status == 200
    assert addresses == [f"{server.base}/soap", f"{server.base}/soap"]


def test_notify_online_payment_issues_a_signed_receipt(paid) -> None:
    assert paid.Number == "0000001"
    assert paid.Amount == 1_015_000
    assert paid.PaymentMethod == "ONLINE"
    assert paid.State == "ISSUED"
    assert b"<ds:Signature" in paid.SignedXml or b"Signature" in paid.SignedXml


def test_notify_online_payment_again_returns_the_same_receipt(client: Client, paid) -> None:
    again = call(
        client,
        "notifyOnlinePayment",
        TransactionId="DVC-2026-000001",
        Amount=1_015_000,
        Payer={"Name": "Nguyễn Văn An"},
        CaseCode="THA2501",
        PaidAt=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
    )
    assert again.body.Status.Code == "OK"
    assert (again.body.Receipt.Number, again.body.Receipt.LookupCode) == (paid.Number, paid.LookupCode)


@pytest.mark.parametrize(
    ("transaction", "amount", "case", "status"),
    [("DVC-X1", 999_000_000, "THA2502", "AMOUNT_MISMATCH"), ("DVC-X2", 1_000, "NOPE", "NOT_FOUND")],
)
def test_notify_online_payment_business_outcomes_are_statuses(
    client, transaction, amount, case, status
) -> None:
    answer = call(
        client,
        "notifyOnlinePayment",
        TransactionId=transaction,
        Amount=amount,
        Payer={"Name": "Trần Thị Bình"},
        CaseCode=case,
        PaidAt=datetime.now(UTC),
    )
    assert answer.body.Status.Code == status
    assert answer.body.Receipt is None


def test_get_receipt_by_lookup_code_and_by_number(client: Client, paid) -> None:
    by_code = call(client, "getReceipt", LookupCode=paid.LookupCode).body
    by_number = call(
        client, "getReceipt", IssuerCode="CCTHADS-BD", SeriesSymbol=paid.SeriesSymbol, Number=paid.Number
    ).body
    assert by_code.Status.Code == by_number.Status.Code == "OK"
    assert by_code.Receipt.SignedXml == by_number.Receipt.SignedXml == paid.SignedXml


@pytest.mark.parametrize("binding", ["ReceiptSoap11", "ReceiptSoap12"])
def test_an_unsigned_client_gets_the_receipt_the_portal_gets(server: Server, paid, binding: str) -> None:
    # Its answers are written as text (adapters.portal): zeep must read them as it reads the others.
    service = Client(f"{server.base}/soap?wsdl").bind("ReceiptService", binding)
    headers = {
        **xroad_headers("getReceipt", message_id=f"unsigned-{binding}"),
        "client": {
            "objectType": "SUBSYSTEM",
            **PORTAL,
            "memberCode": "000000003",
            "subsystemCode": "SECSERVER",
        },
    }
    answer = service.getReceipt(LookupCode=paid.LookupCode, _soapheaders=headers)
    assert answer.body.Status.Code == "OK"
    receipt = answer.body.Receipt
    assert (receipt.Number, receipt.PayerName, receipt.Amount) == (paid.Number, "Nguyễn Văn An", 1_015_000)
    assert (receipt.IssuedAt, receipt.CaseCode, receipt.SignedXml) == (
        paid.IssuedAt,
        "THA2501",
        paid.SignedXml,
    )
    assert (answer.header.id, answer.header.client.memberCode) == (f"unsigned-{binding}", "000000003")


def test_get_receipt_that_does_not_exist_is_not_found(client: Client) -> None:
    assert call(client, "getReceipt", LookupCode="0000-0000-0000-0000").body.Status.Code == "NOT_FOUND"


def test_search_receipts_pages_with_a_total(client: Client, paid) -> None:
    answer = call(client, "searchReceipts", PayerIdentityNumber="001085012345", Page=1, PageSize=10).body
    assert (answer.Status.Code, answer.Total, answer.Page) == ("OK", 1, 1)
    assert [receipt.LookupCode for receipt in answer.Receipt] == [paid.LookupCode]
    assert call(client, "searchReceipts", CaseCode="THA2502").body.Total == 0


def test_verify_receipt_reports_valid_and_tampered(client: Client, paid) -> None:
    valid = call(client, "verifyReceipt", SignedXml=paid.SignedXml).body
    assert (valid.Indication, valid.SubIndication) == ("TOTAL_PASSED", None)
    assert valid.Receipt.Number == paid.Number
    tampered = paid.SignedXml.replace(b">1015000<", b">9015000<")
    report = call(client, "verifyReceipt", SignedXml=tampered).body
    assert (report.Indication, report.SubIndication) == ("TOTAL_FAILED", "HASH_FAILURE")


def test_case_balance_has_outstanding_amount_and_vietqr(client: Client, paid) -> None:
    answer = call(client, "getCaseBalance", CaseCode="THA2501").body
    assert (answer.AmountDue, answer.Paid, answer.Outstanding) == (25_000_000, 1_015_000, 23_985_000)
    assert answer.VietQr.startswith("000201010212")
    assert "970436" in answer.VietQr and "THA2501" in answer.VietQr


def test_list_methods_names_every_operation(client: Client) -> None:
    assert call(client, "listMethods").body.Method == [
        "getReceipt",
        "searchReceipts",
        "verifyReceipt",
        "getCaseBalance",
        "notifyOnlinePayment",
        "listMethods",
        "getLogCheckpoint",
        "getInclusionProof",
        "getConsistencyProof",
    ]


def test_response_repeats_the_request_headers(client: Client) -> None:
    headers = xroad_headers("listMethods", message_id="echo-me-1")
    answer = client.service.listMethods(_soapheaders=headers)
    assert answer.header.id == "echo-me-1"
    assert answer.header.userId == headers["userId"]
    assert answer.header.service.serviceCode == "listMethods"


def test_soap_12_binding_works_too(client: Client) -> None:
    soap12 = client.bind("ReceiptService", "ReceiptSoap12")
    answer = soap12.getCaseBalance(CaseCode="THA2502", _soapheaders=xroad_headers("getCaseBalance"))
    assert answer.body.Outstanding == 7_500_000


def test_message_log_holds_every_exchange_in_an_intact_chain(home: Path, client: Client) -> None:
    call(client, "listMethods")
    result = ereceipt(home, "log", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert b"message log intact" in result.stdout


def test_metrics_count_requests_per_operation_and_client(server: Server, client: Client) -> None:
    call(client, "listMethods")
    status, body, headers = http(f"{server.base}/metrics")
    text = body.decode()
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain")
    assert (
        'ereceipt_soap_requests_total{client="VN/GOV/000000002/DVCQG",operation="listMethods",outcome="ok"}'
        in text
    )
    assert "ereceipt_soap_request_duration_seconds_bucket" in text


def test_signed_receipt_from_the_service_verifies_offline(home: Path, paid, tmp_path: Path) -> None:
    path = tmp_path / "receipt.xml"
    path.write_bytes(base64.b64decode(base64.b64encode(paid.SignedXml)))
    assert ereceipt(home, "verify", str(path)).returncode == 0


def test_search_receipts_goes_on_from_the_key_a_page_gives(client: Client) -> None:
    for n in range(3):
        answer = call(
            client,
            "notifyOnlinePayment",
            TransactionId=f"DVC-KEYS-{n}",
            Amount=10_000 + n,
            Payer={"Name": "Lê Thị Cúc", "IdentityNumber": "079190000321"},
            CaseCode="THA2501",
            PaidAt=datetime(2026, 11, 26, 9, n, tzinfo=UTC),
        )
        assert answer.body.Status.Code == "OK", answer.body.Status.Message
    seen, key = [], None
    for _ in range(3):
        page = call(
            client, "searchReceipts", PayerIdentityNumber="079190000321", PageSize=1, PageKey=key
        ).body
        assert (page.Status.Code, page.Total, page.TotalCapped) == ("OK", 3, None)
        seen += [receipt.Amount for receipt in page.Receipt]
        key = page.NextPageKey
    assert seen == [10_002, 10_001, 10_000] and key is None
