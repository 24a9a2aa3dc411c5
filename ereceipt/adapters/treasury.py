"""The state treasury's collection service (Treasury.wsdl: WSDL 1.1 document/literal, X-Road 4.0, WSS).

``TreasuryClient`` is a zeep client built from our own copy of the contract: requests are signed
with xmlsec (RSA/ECDSA-SHA256 over the Body, the Timestamp and the X-Road headers) and answers
are checked against the treasury's pinned certificate. Every failure is one of three typed errors:
``TreasuryUnavailable`` (transport: refused, timed out, HTTP error without a SOAP answer),
``TreasuryFault`` (a SOAP fault) and ``TreasuryBadAnswer`` (an answer we cannot trust or read).

``ReportSender`` sends the stored reports of ``treasury_report`` (store and forward): a report is
marked sent only on the treasury's acknowledgement; a failure sets the next attempt with
exponential back-off and full jitter, and a report that failed ``failing_after_attempts`` times
is shown on the admin page and in ``/metrics``.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path

import requests
from lxml import etree
from sqlalchemy import delete, insert, select, update
from zeep import Client, Settings
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault, SignatureVerificationFailed, TransportError, ValidationError
from zeep.transports import Transport

from ereceipt.core.backoff import backoff_seconds
from ereceipt.core.errors import ConfigurationError, EReceiptError, XMLRejected
from ereceipt.core.storage.database import Database
from ereceipt.core.treasury.tables import PENDING, REJECTED, SENT, TreasuryReport, TreasuryStatementLine
from ereceipt.core.xml.parser import parse_xml
from ereceipt.core.xml.values import refuse_hidden_nodes
from ereceipt.soap.contract import TREASURY_SERVICE, WSDL_FOLDER
from ereceipt.soap.zeep_signature import XRoadSignature

log = logging.getLogger("ereceipt.treasury")
WSDL_NS = "urn:ereceipt:thads:treasury:wsdl:1.0"
SERVICE_NS = "urn:ereceipt:thads:treasury:service:1.0"
BINDING = f"{{{WSDL_NS}}}TreasurySoap11Binding"


class TreasuryError(EReceiptError):
    """Base of the treasury client's errors."""

    code = "TREASURY"


class TreasuryUnavailable(TreasuryError):
    """Transport: the treasury could not be reached, did not answer in time, or answered HTTP without SOAP."""

    code = "TREASURY_UNAVAILABLE"


class TreasuryFault(TreasuryError):
    """The treasury answered with a SOAP fault."""

    code = "TREASURY_FAULT"


class TreasuryBadAnswer(TreasuryError):
    """The answer is unsigned, wrongly signed, not per the contract, or says something impossible."""

    code = "TREASURY_BAD_ANSWER"


class _ContractTransport(Transport):
    """Loads the WSDL and its XSDs from our package, never from the network; posts with a timeout.

    An answer's bytes pass the hardened parser before zeep parses them, and an answer holding a
    comment or processing instruction is refused: zeep's parser drops comments, so what zeep reads
    could differ from what another reader of the same bytes (or the signature) sees.
    """

    def post(self, address, message, headers):
        response = super().post(address, message, headers)
        if response.status_code == 200 or "xml" in response.headers.get("Content-Type", ""):
            try:
                refuse_hidden_nodes(parse_xml(response.content))
            except XMLRejected as exc:
                raise TreasuryBadAnswer(f"the treasury's answer is refused: {exc.message}") from None
        return response

    def load(self, url: str) -> bytes:
        try:
            return TREASURY_SERVICE.document(url.rsplit("/", 1)[-1])
        except KeyError:
            raise TreasuryBadAnswer(f"the treasury contract refers to an unknown document {url!r}") from None


class _TreasurySignature(XRoadSignature):
    """WS-Security as for the portal; a SOAP fault is not signed by the treasury, so it is not checked."""

    def verify(self, envelope):
        soap = etree.QName(envelope).namespace
        body = envelope.find(f"{{{soap}}}Body")
        if body is not None and body.find(f"{{{soap}}}Fault") is not None:
            return envelope
        return super().verify(envelope)


@dataclass(frozen=True)
class XRoadIdentity:
    instance: str
    member_class: str
    member_code: str
    subsystem: str

    def as_client(self) -> dict:
        return {
            "objectType": "SUBSYSTEM",
            "xRoadInstance": self.instance,
            "memberClass": self.member_class,
            "memberCode": self.member_code,
            "subsystemCode": self.subsystem,
        }

    def __str__(self) -> str:
        return f"{self.instance}/{self.member_class}/{self.member_code}/{self.subsystem}"


@dataclass(frozen=True)
class StatementLine:
    reference: str
    amount: int
    receipt_number: str | None
    issuer_code: str | None


class TreasuryClient:
    def __init__(
        self,
        url: str,
        *,
        key: Path,
        certificate: Path,
        treasury_certificate: Path,
        client: XRoadIdentity,
        treasury: XRoadIdentity,
        timeout: float,
    ) -> None:
        self.client_id, self.treasury_id = client, treasury
        transport = _ContractTransport(timeout=timeout, operation_timeout=timeout)
        settings = Settings(strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        signature = _TreasurySignature(key, certificate, service_certificate=treasury_certificate)
        wsdl = str(resources.files("ereceipt").joinpath(WSDL_FOLDER, TREASURY_SERVICE.wsdl))
        try:
            self._zeep = Client(wsdl, transport=transport, wsse=signature, settings=settings)
        except OSError as exc:
            raise TreasuryBadAnswer(f"cannot read the treasury contract: {exc}") from None
        self._service = self._zeep.create_service(BINDING, url)
        self.url = url

    def _headers(self, operation: str) -> dict:
        return {
            "client": self.client_id.as_client(),
            "service": {
                **self.treasury_id.as_client(),
                "objectType": "SERVICE",
                "serviceCode": operation,
                "serviceVersion": "v1",
            },
            "id": str(uuid.uuid4()),
            "protocolVersion": "4.0",
        }

    def _call(self, operation: str, **arguments):
        try:
            answer = getattr(self._service, operation)(**arguments, _soapheaders=self._headers(operation))
            return answer.body  # the answer's X-Road headers repeat ours; the body is the response element
        except Fault as fault:
            code = f"{fault.code or ''} {' '.join(str(s) for s in fault.subcodes or [])}".strip()
            raise TreasuryFault(f"treasury fault {code}: {fault.message}", fault_code=code) from None
        except requests.exceptions.Timeout:
            raise TreasuryUnavailable(f"the treasury at {self.url} did not answer in time") from None
        except requests.exceptions.RequestException as exc:
            raise TreasuryUnavailable(
                f"the treasury at {self.url} is unreachable: {type(exc).__name__}"
            ) from None
        except TransportError as exc:
            raise TreasuryUnavailable(f"the treasury answered HTTP {exc.status_code} without SOAP") from None
        except SignatureVerificationFailed as exc:
            raise TreasuryBadAnswer(
                f"the treasury's answer is not signed by its pinned certificate: {exc}"
            ) from None
        except (ValidationError, ZeepError, etree.LxmlError, ValueError) as exc:
            raise TreasuryBadAnswer(f"the treasury's answer does not follow the contract: {exc}") from None

    def submit_report(self, report_id: str, issuer_code: str, account: str, day: date, signed: bytes) -> str:
        """Send one signed report; the treasury's acknowledgement id, or a typed error."""
        answer = self._call(
            "submitCollectionReport",
            ReportId=report_id,
            IssuerCode=issuer_code,
            Account=account,
            Day=day,
            SignedReport=signed,
        )
        if answer.Status != "ACCEPTED":
            raise TreasuryFault(f"the treasury refused report {report_id}: {answer.Message or answer.Status}")
        if not answer.AcknowledgementId:
            raise TreasuryBadAnswer(f"the treasury accepted report {report_id} without an acknowledgement id")
        return str(answer.AcknowledgementId)

    def collection_statement(self, account: str, day: date) -> list[StatementLine]:
        answer = self._call("getCollectionStatement", Account=account, Day=day)
        if answer.Account != account or answer.Day != day:
            raise TreasuryBadAnswer(f"asked for {account} on {day}, the treasury answered another statement")
        lines = [
            StatementLine(line.PaymentReference, int(line.Amount), line.ReceiptNumber, line.IssuerCode)
            for line in answer.Line or []
        ]
        if len(lines) != int(answer.TotalCount) or sum(line.amount for line in lines) != int(
            answer.TotalAmount
        ):
            raise TreasuryBadAnswer("the treasury's statement lines do not add up to its totals")
        return lines


def client_from_settings(settings) -> TreasuryClient:
    treasury, soap = settings.treasury, settings.soap
    for name in ("client_key", "client_certificate", "treasury_certificate"):
        if not getattr(treasury, name).is_file():
            raise ConfigurationError(
                f"[treasury] {name} {getattr(treasury, name)} does not exist", setting=f"[treasury] {name}"
            )
    return TreasuryClient(
        treasury.url,
        key=treasury.client_key,
        certificate=treasury.client_certificate,
        treasury_certificate=treasury.treasury_certificate,
        client=XRoadIdentity(soap.xroad_instance, soap.member_class, soap.member_code, soap.subsystem_code),
        treasury=XRoadIdentity(
            treasury.xroad_instance, treasury.member_class, treasury.member_code, treasury.subsystem_code
        ),
        timeout=treasury.timeout_seconds,
    )


def backoff(attempts: int, cap_seconds: float, rng: random.Random | None = None) -> timedelta:
    """The wait before resending a report after ``attempts`` failures: at most 10 s, 20 s, ... ``cap_seconds``
    (see ``core.backoff``)."""
    return timedelta(seconds=backoff_seconds(attempts, base=5, cap=cap_seconds, rng=rng))


@dataclass(frozen=True)
class SendResult:
    sent: int = 0
    failed: int = 0
    rejected: int = 0


class ReportSender:
    """Sends due reports of ``treasury_report``, oldest first."""

    def __init__(self, database: Database, client: TreasuryClient, *, max_backoff_seconds: int) -> None:
        self.database, self.client, self.cap = database, client, max_backoff_seconds

    def send_due(self, now: datetime | None = None, limit: int = 100) -> SendResult:
        now = now or datetime.now(UTC)
        with self.database.read() as session:
            due = session.execute(
                select(
                    TreasuryReport.id,
                    TreasuryReport.report_id,
                    TreasuryReport.issuer_code,
                    TreasuryReport.account,
                    TreasuryReport.day,
                    TreasuryReport.document,
                    TreasuryReport.attempts,
                )
                .where(TreasuryReport.status == PENDING, TreasuryReport.next_attempt_at <= now)
                .order_by(TreasuryReport.next_attempt_at, TreasuryReport.id)
                .limit(limit)
            ).all()
        sent = failed = rejected = 0
        for row_id, report_id, issuer_code, account, day, document, attempts in due:
            try:
                acknowledgement = self.client.submit_report(report_id, issuer_code, account, day, document)
            except TreasuryError as exc:
                permanent = isinstance(exc, TreasuryFault) and "Client" in exc.fields.get("fault_code", "")
                values = {
                    "attempts": attempts + 1,
                    "last_error": exc.message[:400],
                    "next_attempt_at": datetime.now(UTC) + backoff(attempts + 1, self.cap),
                }
                if permanent:  # the treasury says the request itself is wrong: sending it again cannot help
                    values["status"] = REJECTED
                    rejected += 1
                else:
                    failed += 1
                log.warning(
                    "treasury report %s not sent (attempt %d): %s", report_id, attempts + 1, exc.message
                )
            else:
                values = {
                    "status": SENT,
                    "attempts": attempts + 1,
                    "acknowledgement_id": acknowledgement,
                    "sent_at": datetime.now(UTC),
                    "last_error": None,
                }
                sent += 1
            with self.database.write() as session:
                session.execute(
                    update(TreasuryReport)
                    .where(TreasuryReport.id == row_id, TreasuryReport.status == PENDING)
                    .values(**values)
                )
        return SendResult(sent, failed, rejected)


def fetch_statement(database: Database, client: TreasuryClient, account: str, day: date) -> int:
    """Fetch the treasury's statement of ``account`` on ``day`` and keep it (replacing an earlier fetch)."""
    lines = client.collection_statement(account, day)
    now = datetime.now(UTC)
    with database.write() as session:
        session.execute(
            delete(TreasuryStatementLine).where(
                TreasuryStatementLine.account == account, TreasuryStatementLine.day == day
            )
        )
        if lines:
            session.execute(
                insert(TreasuryStatementLine),
                [
                    {
                        "account": account,
                        "day": day,
                        "reference": line.reference,
                        "amount": line.amount,
                        "receipt_number": line.receipt_number,
                        "issuer_code": line.issuer_code,
                        "fetched_at": now,
                    }
                    for line in lines
                ],
            )
    return len(lines)
