"""The portal's operations built from three small fakes: a database, an issuer and a verifier.

What an operation asks of the receipt engine, and how it reports the engine's answer to the
portal, is visible without storage: the fake database refuses to be used, so each test also
shows which operations answer without reading anything.
"""

from __future__ import annotations

import base64

import pytest
from lxml import etree

from ereceipt.adapters.portal import PortalOperations
from ereceipt.core.errors import BadInput, Conflict, NotFound
from ereceipt.core.issuing.requests import IssueRequest
from ereceipt.core.receipts.content import PaymentMethod
from ereceipt.core.signatures.verification import Indication, SubIndication, VerificationReport
from ereceipt.settings import ClientAccess

ES = "urn:ereceipt:thads:service:1.0"
PORTAL = ClientAccess("VN/GOV/000000002/DVCQG", None, ("*",), True)


class UnusedDatabase:
    """Any unit of work is a failure of the test: the operation was to answer without storage."""

    def __getattr__(self, name: str):
        raise AssertionError(f"the database was used ({name})")


class FakeIssuer:
    """Remembers each request; answers with the error it was given."""

    def __init__(self, error: Exception) -> None:
        self.error, self.requests = error, []

    def issue(self, request: IssueRequest):
        self.requests.append(request)
        raise self.error


class FakeVerifier:
    def __init__(self, report: VerificationReport) -> None:
        self.report, self.given = report, []

    def __call__(self, data: bytes) -> VerificationReport:
        self.given.append(data)
        return self.report


FAILED = VerificationReport(Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE, "the digest does not match")


def element(xml: str) -> etree._Element:
    return etree.fromstring(f'<root xmlns="{ES}">{xml}</root>'.encode())[0]


def code(response: etree._Element) -> str:
    return response.findtext(f"{{{ES}}}Status/{{{ES}}}Code")


NOTICE = """<notifyOnlinePayment><TransactionId>DVC-1</TransactionId><Amount>1015000</Amount>
<Payer><Name>Nguyễn Văn An</Name><IdentityNumber>001085012345</IdentityNumber>
<Email>an@example.vn</Email></Payer><CaseCode>THA2501</CaseCode>
<PaidAt>2026-11-25T09:30:00+07:00</PaidAt></notifyOnlinePayment>"""


def operations(issuer=None, verifier=None) -> PortalOperations:
    return PortalOperations(
        UnusedDatabase(), issuer or FakeIssuer(NotFound("-")), verifier or FakeVerifier(FAILED)
    )


def test_a_payment_notice_asks_the_issuer_for_exactly_the_values_of_the_request() -> None:
    issuer = FakeIssuer(NotFound("no enforcement case with payment code THA2501"))
    operations(issuer).notify_online_payment(element(NOTICE), PORTAL)
    (request,) = issuer.requests
    payment = request.payment
    assert (payment.source, payment.reference, payment.amount) == ("portal", "DVC-1", 1_015_000)
    assert (payment.case_code, payment.method) == ("THA2501", PaymentMethod.ONLINE)
    assert (payment.payer.name, payment.payer.identity_number) == ("Nguyễn Văn An", "001085012345")
    assert payment.contact.email == "an@example.vn"
    assert payment.paid_at.isoformat() == "2026-11-25T09:30:00+07:00"
    assert request.officer == f"portal {PORTAL.client}"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("no such case"), "NOT_FOUND"),
        (Conflict("more than owed"), "AMOUNT_MISMATCH"),
        (BadInput("payer name missing"), "REJECTED"),
    ],
)
def test_the_issuers_refusal_is_a_status_for_the_portal_not_a_fault(error, status) -> None:
    response = operations(FakeIssuer(error)).notify_online_payment(element(NOTICE), PORTAL)
    assert code(response) == status
    assert response.findtext(f"{{{ES}}}Status/{{{ES}}}Message") == error.message


def test_an_amount_the_contract_does_not_allow_is_rejected_before_the_issuer() -> None:
    issuer = FakeIssuer(NotFound("-"))
    notice = element(NOTICE.replace(">1015000<", ">1.015.000<"))
    assert code(operations(issuer).notify_online_payment(notice, PORTAL)) == "REJECTED"
    assert issuer.requests == []


def test_a_receipt_that_fails_verification_is_reported_as_the_verifier_says_and_nothing_is_looked_up() -> (
    None
):
    verifier = FakeVerifier(FAILED)
    signed = base64.b64encode(b"<Receipt/>").decode()
    response = operations(verifier=verifier).verify_receipt(
        element(f"<verifyReceipt><SignedXml>{signed}</SignedXml></verifyReceipt>"), PORTAL
    )
    assert verifier.given == [b"<Receipt/>"]
    assert response.findtext(f"{{{ES}}}Indication") == "TOTAL_FAILED"
    assert response.findtext(f"{{{ES}}}SubIndication") == "HASH_FAILURE"
    assert response.find(f"{{{ES}}}Receipt") is None


def test_list_methods_names_only_what_the_client_may_call() -> None:
    reader = ClientAccess("VN/COM/000000777/BANKAPP", None, ("getReceipt", "listMethods"), True)
    response = operations().list_methods(element("<listMethods/>"), reader)
    assert [m.text for m in response.findall(f"{{{ES}}}Method")] == ["getReceipt", "listMethods"]
