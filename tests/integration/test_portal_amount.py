"""notifyOnlinePayment reads its Amount as the XSD integer it is, not relying on the schema check before."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from admin_site import build_site
from lxml import etree
from sqlalchemy import func, select

from ereceipt.adapters.portal import SERVICE_NS, PortalOperations
from ereceipt.core.receipts.tables import Receipt
from ereceipt.settings import DEVELOPMENT_PORTAL, ClientAccess

PORTAL = ClientAccess(DEVELOPMENT_PORTAL, None, ("*",))


def notify(transaction: str, amount: str) -> etree._Element:
    return etree.fromstring(
        f'<notifyOnlinePayment xmlns="{SERVICE_NS}"><TransactionId>{transaction}</TransactionId>'
        f"<Amount>{escape(amount)}</Amount><Payer><Name>Nguyễn Văn An</Name></Payer>"
        "<CaseCode>THA2501</CaseCode><PaidAt>2026-11-25T09:30:00+07:00</PaidAt></notifyOnlinePayment>".encode()
    )


def status(answer: etree._Element) -> tuple[str, str | None]:
    return (
        answer.findtext(f"{{{SERVICE_NS}}}Status/{{{SERVICE_NS}}}Code"),
        answer.findtext(f"{{{SERVICE_NS}}}Status/{{{SERVICE_NS}}}Message"),
    )


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory):
    services, _ = build_site(Path(tmp_path_factory.mktemp("portal")))
    return services, PortalOperations(services.database, services.issuer(), services.verify_receipt)


def receipts(services) -> int:
    with services.database.read() as session:
        return session.scalar(select(func.count(Receipt.id)))


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1.000", "field 'Amount': \"1.000\" is not a whole number of đồng in digits"),
        ("１０００", "field 'Amount': \"１０００\" is not a whole number of đồng in digits"),
        ("1_000", "field 'Amount': \"1_000\" is not a whole number of đồng in digits"),
        ("-0", "field 'Amount': \"-0\" is not more than 0 đồng"),
    ],
)
def test_an_amount_that_is_not_an_xsd_integer_is_rejected_naming_the_field(portal, amount, message) -> None:
    services, operations = portal
    before = receipts(services)
    answer = operations.notify_online_payment(notify(f"DVC-A-{amount}", amount), PORTAL)
    assert status(answer) == ("REJECTED", message)
    assert receipts(services) == before


def test_an_amount_with_xml_whitespace_and_a_plus_sign_is_the_integer_it_denotes(portal) -> None:
    _services, operations = portal
    answer = operations.notify_online_payment(notify("DVC-A-OK", "\n  +100000\t"), PORTAL)
    assert status(answer)[0] == "OK"
    assert answer.findtext(f"{{{SERVICE_NS}}}Receipt/{{{SERVICE_NS}}}Amount") == "100000"
