"""notifyOnlinePayment with the payer's optional e-mail and mobile (receipt-service-1.0.xsd)."""

from __future__ import annotations

from pathlib import Path

import pytest
from admin_site import build_site
from lxml import etree
from sqlalchemy import select

from ereceipt.adapters.portal import SERVICE_NS, PortalOperations
from ereceipt.core.delivery.outbox import PayerNotice
from ereceipt.settings import DEVELOPMENT_PORTAL, ClientAccess
from ereceipt.soap.endpoint import message_schema

PORTAL = ClientAccess(DEVELOPMENT_PORTAL, None, ("*",))


def notify(transaction: str, email: str | None = None, mobile: str | None = None) -> etree._Element:
    payer = "<Name>Nguyễn Văn An</Name><IdentityNumber>001085012345</IdentityNumber>"
    payer += f"<Email>{email}</Email>" if email is not None else ""
    payer += f"<Mobile>{mobile}</Mobile>" if mobile is not None else ""
    document = etree.fromstring(
        f'<notifyOnlinePayment xmlns="{SERVICE_NS}"><TransactionId>{transaction}</TransactionId>'
        f"<Amount>100000</Amount><Payer>{payer}</Payer><CaseCode>THA2501</CaseCode>"
        "<PaidAt>2026-11-25T09:30:00+07:00</PaidAt></notifyOnlinePayment>".encode()
    )
    message_schema().assertValid(document)  # the contract accepts the optional contact elements
    return document


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory):
    services, _ = build_site(Path(tmp_path_factory.mktemp("portal")))
    return services, PortalOperations(services.database, services.issuer(), services.verify_receipt)


def code_of(answer: etree._Element) -> str:
    return answer.findtext(f"{{{SERVICE_NS}}}Status/{{{SERVICE_NS}}}Code")


def test_a_request_without_contact_still_validates_and_issues(portal) -> None:
    _services, operations = portal
    assert code_of(operations.notify_online_payment(notify("DVC-C0"), PORTAL)) == "OK"


def test_contact_from_the_portal_becomes_notices_normalised(portal) -> None:
    services, operations = portal
    answer = operations.notify_online_payment(notify("DVC-C1", " An@Example.Invalid", "0912 345 678"), PORTAL)
    assert code_of(answer) == "OK"
    with services.database.read() as session:
        rows = session.execute(
            select(PayerNotice.channel, PayerNotice.recipient).order_by(PayerNotice.id.desc()).limit(2)
        ).all()
    assert sorted(rows) == [("EMAIL", "An@example.invalid"), ("SMS", "+84912345678")]


@pytest.mark.parametrize(
    ("email", "mobile", "message"),
    [("an.example.vn", None, "exactly one @"), (None, "0243 826 1234", "landline")],
)
def test_a_wrong_contact_is_rejected_with_the_reason(portal, email, mobile, message) -> None:
    _services, operations = portal
    answer = operations.notify_online_payment(notify("DVC-C2", email, mobile), PORTAL)
    assert code_of(answer) == "REJECTED"
    assert message in answer.findtext(f"{{{SERVICE_NS}}}Status/{{{SERVICE_NS}}}Message")
