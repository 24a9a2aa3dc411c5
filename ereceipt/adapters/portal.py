"""The national public service portal's operations (receipt-service-1.0.xsd messages) as receipt-engine calls.

Each operation takes the verified request element and returns the response element. Outcomes
the portal must act on (not found, amount not owed, refused) are a Status in the response, not
faults; faults are left to the SOAP layer for technical errors.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from xml.sax.saxutils import escape

from lxml import etree
from sqlalchemy import select

from ereceipt.adapters.log_operations import OPERATIONS as LOG_OPERATIONS
from ereceipt.adapters.log_operations import LogOperations, add_receipt_log, receipt_log_text
from ereceipt.adapters.vietqr import vietqr_payload
from ereceipt.core.errors import BadInput, Conflict, NotFound
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.issuing.requests import IssueRequest, PaymentIn
from ereceipt.core.money import soap_amount
from ereceipt.core.receipts import lookup, store
from ereceipt.core.receipts.content import VIETNAM, PayerInfo, PaymentMethod, format_number
from ereceipt.core.receipts.lookup import ListedReceipt, ReceiptSummary
from ereceipt.core.receipts.payer_contact import PayerContact
from ereceipt.core.receipts.receipt_xml import read_receipt
from ereceipt.core.receipts.tables import EnforcementCase, Issuer, Receipt
from ereceipt.core.signatures.verification import VerificationReport
from ereceipt.core.storage import driver_sql
from ereceipt.core.storage.database import Database
from ereceipt.core.transparency.store import LatestCheckpoint, ReceiptLog, receipt_log
from ereceipt.core.xml.values import child_value
from ereceipt.settings import ClientAccess

SERVICE_NS = "urn:ereceipt:thads:service:1.0"
# Operations that change nothing: the endpoint refuses a replay of one when it is logged, after the work.
READ_ONLY = frozenset(
    {"getReceipt", "searchReceipts", "verifyReceipt", "getCaseBalance", "listMethods", *LOG_OPERATIONS}
)
OPERATIONS = (
    "getReceipt",
    "searchReceipts",
    "verifyReceipt",
    "getCaseBalance",
    "notifyOnlinePayment",
    "listMethods",
    *LOG_OPERATIONS,
)


def _q(name: str) -> str:
    return f"{{{SERVICE_NS}}}{name}"


def _text(element: etree._Element, name: str) -> str | None:
    return child_value(element, _q(name))


def _add(parent: etree._Element, name: str, value: object) -> etree._Element:
    child = etree.SubElement(parent, _q(name))
    if value is not None:
        child.text = str(value)
    return child


def _date(element: etree._Element, name: str) -> date | None:
    text = _text(element, name)
    return date.fromisoformat(text[:10]) if text else None


def _response(operation: str, code: str | None = "OK", message: str | None = None) -> etree._Element:
    response = etree.Element(_q(f"{operation}Response"), nsmap={None: SERVICE_NS})
    if code is None:
        return response
    status = _add(response, "Status", None)
    _add(status, "Code", code)
    if message:
        _add(status, "Message", message)
    return response


def _summary_fields(receipt: ReceiptSummary | ListedReceipt, *, signed: bool) -> list[tuple[str, str | None]]:
    """A Receipt's child elements in the XSD's order: (name, text)."""
    fields = [
        ("IssuerCode", receipt.issuer_code),
        ("IssuerName", receipt.issuer_name),
        ("TemplateNumber", receipt.template_number),
        ("SeriesSymbol", receipt.series_symbol),
        ("Number", format_number(receipt.number)),
        ("IssuedAt", receipt.issued_at.astimezone(VIETNAM).isoformat(timespec="seconds")),
        ("PayerName", receipt.payer_name),
        ("Amount", str(receipt.amount)),
        ("PaymentMethod", receipt.payment_method),
    ]
    if receipt.case_code:
        fields.append(("CaseCode", receipt.case_code))
    fields += (("State", receipt.status), ("LookupCode", receipt.lookup_code))
    if signed:
        fields.append(("SignedXml", base64.b64encode(receipt.signed_xml).decode()))
    return fields


def _summary(parent: etree._Element, receipt: ReceiptSummary | ListedReceipt, *, signed: bool) -> None:
    element = _add(parent, "Receipt", None)
    for name, text in _summary_fields(receipt, signed=signed):
        _add(element, name, text)


# Characters XML 1.0 cannot carry (lxml refuses them in element text), and those lxml writes as
# references in text.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPED = re.compile("[&<>\r]")
_CARRIAGE_RETURN = {"\r": "&#13;"}
_RECEIPT_ANSWER = f'<getReceiptResponse xmlns="{SERVICE_NS}"><Status><Code>OK</Code></Status><Receipt>'


def _receipt_elements(receipt: ReceiptSummary, log: ReceiptLog | None = None) -> etree._Element:
    response = _response("getReceipt")
    _summary(response, receipt, signed=True)
    if log is not None:
        add_receipt_log(response, log)
    return response


def _receipt_answer(receipt: ReceiptSummary, log: ReceiptLog | None = None) -> etree._Element | bytes:
    """getReceipt's answer for a receipt found, written as text: the bytes lxml writes for the
    elements ``_summary`` builds, at less cost (its Receipt carries the signed XML in
    base64, 8 KB or more of text that lxml checks as it is set and again as it is written; base64
    needs no escaping). A receipt with a character XML cannot carry gets the elements, which refuse
    it."""
    fields = _summary_fields(receipt, signed=True)
    texts = [text for _, text in fields[:-1]]  # the last is the base64
    if None in texts or _NOT_XML.search(joined := "\n".join(texts)):
        return _receipt_elements(receipt, log)
    if _ESCAPED.search(joined):
        texts = [escape(text, _CARRIAGE_RETURN) for text in texts]
    texts.append(fields[-1][1])
    written = "".join(f"<{name}>{text}</{name}>" for (name, _), text in zip(fields, texts, strict=True))
    after = "" if log is None else receipt_log_text(log)
    return f"{_RECEIPT_ANSWER}{written}</Receipt>{after}</getReceiptResponse>".encode()


def online_payment(request: etree._Element, client: ClientAccess) -> IssueRequest:
    """What a verified notifyOnlinePayment request asks for: each value read whole (``child_value``
    refuses an element whose text a comment or other node splits), so it is the value signed."""
    payer = request.find(_q("Payer"))
    payment = PaymentIn(
        source="portal",
        reference=_text(request, "TransactionId"),
        amount=soap_amount(_text(request, "Amount")),
        payer=PayerInfo(_text(payer, "Name"), _text(payer, "IdentityNumber"), _text(payer, "Address")),
        paid_at=datetime.fromisoformat(_text(request, "PaidAt").replace("Z", "+00:00")),
        method=PaymentMethod.ONLINE,
        case_code=_text(request, "CaseCode"),
    )
    contact = PayerContact.of(_text(payer, "Email"), _text(payer, "Mobile"))
    return IssueRequest(payment=replace(payment, contact=contact), officer=f"portal {client.client}")


class PortalOperations:
    """The operations over the receipt engine: the database they read, the issuer that records an
    online payment and issues its receipt, and the verifier of receipts given to ``verifyReceipt``.
    One instance per process; each call opens its own unit of work."""

    def __init__(
        self,
        database: Database,
        issuer: ReceiptIssuer,
        verify_receipt: Callable[[bytes], VerificationReport],
    ) -> None:
        self.database = database
        self.issuer = issuer
        self.verify = verify_receipt
        self.latest = LatestCheckpoint()  # the log's checkpoint, read at most a second ago
        # A handler answers with the response element, or (getReceipt) with its bytes.
        self.handlers: dict[str, Callable[[etree._Element, ClientAccess], etree._Element | bytes]] = {
            "getReceipt": self.get_receipt,
            "searchReceipts": self.search_receipts,
            "verifyReceipt": self.verify_receipt,
            "getCaseBalance": self.get_case_balance,
            "notifyOnlinePayment": self.notify_online_payment,
            "listMethods": self.list_methods,
            **LogOperations(database, self.latest).handlers,
        }

    def _describe(self, session, receipt: Receipt, parent: etree._Element, *, signed: bool) -> None:
        issuer = session.get(Issuer, receipt.issuer_id)
        case = session.get(EnforcementCase, receipt.case_id) if receipt.case_id else None
        summary = ReceiptSummary(
            issuer.code,
            issuer.name,
            receipt.series.template_number,
            receipt.series.series_symbol,
            receipt.number,
            receipt.issued_at,
            receipt.payer_name,
            receipt.amount,
            receipt.payment_method,
            case.payment_code if case else None,
            receipt.status,
            receipt.lookup_code,
            receipt.signed_xml,
        )
        _summary(parent, summary, signed=signed)

    def get_receipt(self, request: etree._Element, client: ClientAccess) -> etree._Element | bytes:
        # The busiest operation: by lookup code, one statement on the driver's connection.
        database = self.database
        # The receipt's log status comes on the same driver connection: a few stored rows, no XML parsed.
        code = _text(request, "LookupCode")
        log = None
        if code:
            with driver_sql.glance(database) as connection:
                found = [r for r in [lookup.summary_by_lookup_code(connection, code)] if r]
                if len(found) == 1:
                    log = receipt_log(connection, found[0].receipt_id, self.latest)
        else:
            with database.glance_connection() as connection:
                found = lookup.summaries_by_number(
                    connection,
                    int(_text(request, "Number")),
                    issuer_code=_text(request, "IssuerCode"),
                    series_symbol=_text(request, "SeriesSymbol"),
                    template_number=_text(request, "TemplateNumber"),
                )
            if len(found) == 1:
                with driver_sql.glance(database) as connection:
                    log = receipt_log(connection, found[0].receipt_id, self.latest)
        if len(found) != 1:
            return _response("getReceipt", "NOT_FOUND", "no such receipt")
        if client.signatures_required:  # signing needs the elements: text would only be parsed back
            return _receipt_elements(found[0], log)
        return _receipt_answer(found[0], log)

    def search_receipts(self, request: etree._Element, client: ClientAccess) -> etree._Element:
        page, size = int(_text(request, "Page") or 1), int(_text(request, "PageSize") or 20)
        with self.database.read() as session:
            found = lookup.search(
                session,
                case_code=_text(request, "CaseCode"),
                payer_id_number=_text(request, "PayerIdentityNumber"),
                issuer_code=_text(request, "IssuerCode"),
                date_from=_date(request, "DateFrom"),
                date_to=_date(request, "DateTo"),
                page=page,
                page_size=size,
                after=_text(request, "PageKey"),
            )
        response = _response("searchReceipts")
        _add(response, "Total", found.total)
        if found.capped:
            _add(response, "TotalCapped", "true")
        _add(response, "Page", page)
        _add(response, "PageSize", size)
        if found.next_key:
            _add(response, "NextPageKey", found.next_key)
        for receipt in found.rows:
            _summary(response, receipt, signed=False)
        return response

    def verify_receipt(self, request: etree._Element, client: ClientAccess) -> etree._Element:
        try:
            data = base64.b64decode(_text(request, "SignedXml") or "", validate=True)
        except ValueError:
            data = b""
        report = self.verify(data)
        response = _response("verifyReceipt")
        _add(response, "Indication", report.indication.value)
        if report.sub_indication:
            _add(response, "SubIndication", report.sub_indication.value)
        _add(response, "Message", report.message)
        if report.signer:
            _add(response, "Signer", report.signer)
        if report.signing_time:
            _add(response, "SigningTime", report.signing_time.isoformat())
        if report.passed:
            _add(response, "SignatureLevel", report.level)
        if report.time_stamp_time:
            _add(response, "TimeStampTime", report.time_stamp_time.isoformat())
        if report.passed:
            content = read_receipt(report.signed_xml)
            identity = report.identity  # of the signature that was verified
            with self.database.read() as session:
                stored = lookup.by_lookup_code(session, content.lookup_code)
                same = (
                    stored is not None and report.identity is not None and stored.identity_digest == identity
                )
                _add(response, "SameAsStored", "true" if same else "false")
                if same:
                    self._describe(session, stored, response, signed=False)
        return response

    def get_case_balance(self, request: etree._Element, client: ClientAccess) -> etree._Element:
        with self.database.read() as session:
            code = _text(request, "CaseCode") or ""
            case = session.scalar(select(EnforcementCase).where(EnforcementCase.payment_code == code.upper()))
            if case is None:
                return _response("getCaseBalance", "NOT_FOUND", f"no case with payment code {code}")
            paid = store.receipted_total(session, case.id)
            outstanding = max(case.amount_due - paid, 0)
            response = _response("getCaseBalance")
            for name, value in (
                ("CaseCode", case.payment_code),
                ("DecisionNumber", case.decision_number),
                ("AmountDue", case.amount_due),
                ("Paid", paid),
                ("Outstanding", outstanding),
            ):
                _add(response, name, value)
            issuer = case.issuer
            if issuer.bank_bin and issuer.bank_account and outstanding > 0:
                _add(
                    response,
                    "VietQr",
                    vietqr_payload(issuer.bank_bin, issuer.bank_account, outstanding, code),
                )
            return response

    def notify_online_payment(self, request: etree._Element, client: ClientAccess) -> etree._Element:
        try:
            issued = self.issuer.issue(online_payment(request, client))
        except NotFound as exc:
            return _response("notifyOnlinePayment", "NOT_FOUND", exc.message)
        except Conflict as exc:
            return _response("notifyOnlinePayment", "AMOUNT_MISMATCH", exc.message)
        except BadInput as exc:
            return _response("notifyOnlinePayment", "REJECTED", exc.message)
        response = _response("notifyOnlinePayment")
        with self.database.read() as session:
            self._describe(session, session.get(Receipt, issued.receipt_id), response, signed=True)
        return response

    def list_methods(self, request: etree._Element, client: ClientAccess) -> etree._Element:
        response = _response("listMethods", code=None)
        for name in OPERATIONS:
            if client.may_call(name):
                _add(response, "Method", name)
        return response
