"""A state treasury simulator: a real SOAP server on Treasury.wsdl, built with our ``soap/`` machinery.

For tests and ``make run`` demos only. It checks requests exactly as our own service does
(envelope, X-Road headers, access rights, WS-Security with the pinned certificate of the
gateway, replay guard, message schema, hash-chained message log in its own SQLite file),
verifies each report's XAdES signature against the trust anchors, records the collections of
accepted reports, and answers ``getCollectionStatement`` from them. Switches, set at start or by
``POST /control`` (JSON), make it ``slow`` (seconds before each answer), ``fail`` (this many next
requests answer a ``ServiceUnavailable`` fault; -1 for all), or ``disagree`` (``drop`` the lines
of these references from statements, ``alter`` the amount of these by +1 000 đồng), or ``comment``
(a comment inside the first amount of each signed answer, which its signature does not see).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from cryptography import x509
from lxml import etree
from werkzeug.serving import make_server
from werkzeug.wsgi import get_input_stream

from ereceipt.adapters.treasury import SERVICE_NS
from ereceipt.core.signatures.pki import SERVER, DevelopmentPKI, issue_certificate, write_pem
from ereceipt.core.signatures.trust import TrustStore
from ereceipt.core.signatures.verification import verify_signed_document
from ereceipt.core.storage.database import Database, migrate
from ereceipt.settings import ClientAccess, Settings
from ereceipt.soap.contract import TREASURY_SERVICE
from ereceipt.soap.endpoint import EndpointSettings, SoapEndpoint
from ereceipt.soap.faults import SoapFault
from ereceipt.soap.message_log import MessageLog

log = logging.getLogger("ereceipt.treasury.simulator")
REPORT_NS = "urn:ereceipt:thads:treasury:report:1.0"
KEY_NAME = "treasury-simulator"


def ensure_simulator_keys(directory: Path) -> tuple[Path, Path]:
    """The simulator's key and certificate, issued once by the development CA in ``directory``."""
    pki = DevelopmentPKI(directory)
    if not pki.cert(KEY_NAME).exists():
        from cryptography.hazmat.primitives import serialization

        ca_cert = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
        ca_key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), None)
        certificate, key = issue_certificate(
            ca_cert,
            ca_key,
            "E-receipt DEVELOPMENT treasury simulator",
            usage=SERVER,
            dns_names=("localhost",),
            ip_addresses=("127.0.0.1",),
        )
        write_pem(directory, KEY_NAME, certificate, key)
    return pki.key(KEY_NAME), pki.cert(KEY_NAME)


@dataclass
class Switches:
    slow_seconds: float = 0.0
    fail: int = 0  # the next N requests fail; -1: every request
    drop: set[str] = field(default_factory=set)
    alter: set[str] = field(default_factory=set)
    comment: bool = False  # a comment inside the answer's first amount, after signing

    def update(self, values: dict) -> None:
        self.slow_seconds = float(values.get("slow", self.slow_seconds))
        self.fail = int(values.get("fail", self.fail))
        self.drop = set(values.get("drop", self.drop))
        self.alter = set(values.get("alter", self.alter))
        self.comment = bool(values.get("comment", self.comment))

    def as_dict(self) -> dict:
        return {
            "slow": self.slow_seconds,
            "fail": self.fail,
            "drop": sorted(self.drop),
            "alter": sorted(self.alter),
            "comment": self.comment,
        }


def _q(name: str, ns: str = SERVICE_NS) -> str:
    return f"{{{ns}}}{name}"


def _add(parent: etree._Element, name: str, value: object) -> etree._Element:
    child = etree.SubElement(parent, _q(name))
    child.text = str(value)
    return child


class TreasuryBook:
    """What the simulated treasury recorded: collection lines per account and day (in memory)."""

    def __init__(self, trust: TrustStore, switches: Switches) -> None:
        self.trust, self.switches = trust, switches
        self.lines: dict[tuple[str, date], list[tuple[str, int, str, str]]] = {}
        self.reports: dict[str, str] = {}  # report id → acknowledgement id
        self.lock = threading.Lock()

    def _gate(self) -> None:
        with self.lock:
            failing = self.switches.fail != 0
            if self.switches.fail > 0:
                self.switches.fail -= 1
        if self.switches.slow_seconds:
            time.sleep(self.switches.slow_seconds)
        if failing:
            raise SoapFault("ServiceUnavailable", "the treasury is failing (simulator switch)", client=False)

    def submit(self, request: etree._Element, _client) -> etree._Element:
        self._gate()
        report_id = request.findtext(_q("ReportId"))
        response = etree.Element(_q("submitCollectionReportResponse"), nsmap={None: SERVICE_NS})
        with self.lock:
            known = self.reports.get(report_id)
        if known:  # the same report again (our acknowledgement was lost): the same acknowledgement
            _add(response, "Status", "ACCEPTED")
            _add(response, "AcknowledgementId", known)
            return response
        import base64

        signed = base64.b64decode(request.findtext(_q("SignedReport")))
        report = verify_signed_document(signed, self.trust, expected_root=_q("CollectionReport", REPORT_NS))
        if not report.passed:
            _add(response, "Status", "REJECTED")
            _add(response, "Message", f"report signature: {report.sub_indication} {report.message}")
            return response
        document = report.signed_xml
        account, day = document.findtext(_q("Account", REPORT_NS)), document.findtext(_q("Day", REPORT_NS))
        if account != request.findtext(_q("Account")) or day != request.findtext(_q("Day")):
            _add(response, "Status", "REJECTED")
            _add(response, "Message", "the signed report is of another account or day than the request says")
            return response
        issuer = document.findtext(f"{_q('Issuer', REPORT_NS)}/{_q('Code', REPORT_NS)}")
        lines = [
            (
                receipt.findtext(_q("PaymentReference", REPORT_NS)),
                int(receipt.findtext(_q("Amount", REPORT_NS))),
                receipt.findtext(_q("Number", REPORT_NS)),
                issuer,
            )
            for receipt in document.iterfind(_q("Receipt", REPORT_NS))
        ]
        acknowledgement = f"KBNN-{uuid.uuid4().hex[:12].upper()}"
        with self.lock:
            self.lines.setdefault((account, date.fromisoformat(day)), []).extend(lines)
            self.reports[report_id] = acknowledgement
        _add(response, "Status", "ACCEPTED")
        _add(response, "AcknowledgementId", acknowledgement)
        return response

    def statement(self, request: etree._Element, _client) -> etree._Element:
        self._gate()
        account, day = request.findtext(_q("Account")), date.fromisoformat(request.findtext(_q("Day"))[:10])
        with self.lock:
            lines = list(self.lines.get((account, day), []))
        response = etree.Element(_q("getCollectionStatementResponse"), nsmap={None: SERVICE_NS})
        _add(response, "Account", account)
        _add(response, "Day", day.isoformat())
        total = count = 0
        for reference, amount, number, issuer in lines:
            if reference in self.switches.drop:
                continue
            if reference in self.switches.alter:
                amount += 1000
            line = etree.SubElement(response, _q("Line"))
            _add(line, "PaymentReference", reference)
            _add(line, "Amount", amount)
            _add(line, "ReceiptNumber", number)
            _add(line, "IssuerCode", issuer)
            total, count = total + amount, count + 1
        _add(response, "TotalCount", count)
        _add(response, "TotalAmount", total)
        return response

    def record(self, account: str, day: date, lines: list[tuple[str, int, str, str]]) -> None:
        with self.lock:
            self.lines.setdefault((account, day), []).extend(lines)


class TreasurySimulator:
    def __init__(self, settings: Settings, switches: Switches | None = None, port: int | None = None) -> None:
        treasury = settings.treasury
        key, certificate = ensure_simulator_keys(settings.keys.directory)
        self.port = port or treasury.simulator_port
        public_url = f"http://{treasury.simulator_host}:{self.port}"
        endpoint_settings = EndpointSettings(
            provider="/".join(
                (
                    treasury.xroad_instance,
                    treasury.member_class,
                    treasury.member_code,
                    treasury.subsystem_code,
                )
            ),
            public_url=public_url,
            max_body_bytes=settings.server.max_body_bytes,
            timestamp_skew=timedelta(seconds=settings.soap.timestamp_skew_seconds),
            service_key=key.read_bytes(),
            service_certificate=certificate.read_bytes(),
        )
        database = Database.from_url(f"sqlite:///{treasury.simulator_database}")
        migrate(database)
        soap = settings.soap
        gateway = f"{soap.xroad_instance}/{soap.member_class}/{soap.member_code}/{soap.subsystem_code}"
        gateway_certificate = x509.load_pem_x509_certificate(treasury.client_certificate.read_bytes())
        clients = {
            gateway: (ClientAccess(gateway, treasury.client_certificate, ("*",), True), gateway_certificate)
        }
        self.switches = switches or Switches()
        self.book = TreasuryBook(TrustStore.from_pem_file(settings.keys.trust_anchors), self.switches)
        operations = {
            "submitCollectionReport": self.book.submit,
            "getCollectionStatement": self.book.statement,
        }
        self.endpoint = SoapEndpoint(
            TREASURY_SERVICE, endpoint_settings, MessageLog(database), operations, clients
        )
        self.host = treasury.simulator_host
        self._server = None

    def wsgi(self, environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        if path == "/control" and method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            self.switches.update(json.loads(get_input_stream(environ).read(length) or b"{}"))
            return self._reply(
                start_response, 200, "application/json", json.dumps(self.switches.as_dict()).encode()
            )
        if path == "/healthz":
            return self._reply(start_response, 200, "application/json", b'{"status": "ok"}')
        if path != "/soap":
            return self._reply(start_response, 404, "text/plain", b"not found")
        if method == "GET":
            query = environ.get("QUERY_STRING", "")
            name = "wsdl" if query == "wsdl" else query.removeprefix("xsd=")
            answer = self.endpoint.contract(name)
            if answer is None:
                return self._reply(start_response, 404, "text/plain", b"no such document")
        else:
            length = environ.get("CONTENT_LENGTH")
            stream = get_input_stream(environ, max_content_length=self.endpoint.settings.max_body_bytes + 1)
            answer = self.endpoint.handle(
                environ.get("CONTENT_TYPE"), int(length) if length else None, lambda limit: stream.read(limit)
            )
        body = answer.body
        if self.switches.comment and method == "POST":
            # Canonicalization leaves comments out, so the answer's signature still holds.
            body = re.sub(rb"(<(?:\w+:)?(?:Amount|TotalAmount)>\d)", rb"\1<!---->", body, count=1)
        return self._reply(start_response, answer.status, answer.content_type, body)

    @staticmethod
    def _reply(start_response, status: int, content_type: str, body: bytes):
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}.get(
            status, ""
        )
        start_response(
            f"{status} {reason}", [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        )
        return [body]

    def serve_forever(self) -> None:
        self._server = make_server(self.host, self.port, self.wsgi, threaded=True)
        log.info(
            "treasury simulator on http://%s:%d/soap (switches %s)",
            self.host,
            self.port,
            self.switches.as_dict(),
        )
        self._server.serve_forever()

    def shutdown(self) -> None:
        if self._server is not None:
            self._server.shutdown()
