"""The SOAP endpoint at ``/soap`` (WSDL 1.1 document/literal, SOAP 1.1 and 1.2, X-Road message protocol 4.0).

A request passes, in order: size and media type, the hardened parser, the envelope, the X-Road
headers, the client's access rights, its WS-Security signature, the replay guard and the message
schema; only then is the operation called. Every refusal is a SOAP fault with a code and a reason.
Every exchange, refused or not, goes to the message log and the metrics: one that changes
something is first stored in the transaction of its change (``log_pending``); one that cannot be
logged while the database is unreachable goes to the outage journal (``log_journal``); a request
refused before its client is authenticated is logged with its size, its SHA-256 and only the
start of its body (``refused_request_log_bytes``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from cryptography import x509
from lxml import etree
from sqlalchemy.orm import configure_mappers

from ereceipt import metrics
from ereceipt.core.errors import EReceiptError, TransientOutage, XMLRejected
from ereceipt.core.xml.parser import parse_xml
from ereceipt.core.xml.values import refuse_hidden_nodes
from ereceipt.settings import ClientAccess
from ereceipt.soap import log_pending, message_log
from ereceipt.soap.contract import RECEIPT_SERVICE, Contract, HttpAnswer
from ereceipt.soap.envelope import (
    SOAP11,
    SOAP12,
    SOAP_1_1,
    Envelope,
    SoapVersion,
    copy_header,
    envelope_bytes,
    read_envelope,
    version_for,
    write_envelope,
)
from ereceipt.soap.faults import REPLAY_CODE, SoapFault, fault_response, replay_reason, replay_response
from ereceipt.soap.log_journal import OutageJournal
from ereceipt.soap.wsse import WSU_ID, sign_envelope, signing_material, verify_envelope
from ereceipt.soap.xroad import XRoadHeaders, read_xroad_headers

log = logging.getLogger("ereceipt.soap")


@dataclass(frozen=True)
class EndpointSettings:
    """What the endpoint needs of the configuration, read by the wiring (key files included)."""

    provider: str  # the X-Road service provider we are: INSTANCE/CLASS/CODE/SUBSYSTEM
    public_url: str  # where clients reach /soap, for the served contract
    max_body_bytes: int
    timestamp_skew: timedelta
    service_key: bytes  # PEM, signs the answers to clients that sign
    service_certificate: bytes
    refused_request_log_bytes: int = 4096  # kept of a request refused before its client is known
    # For fault-injection tests only: "business-commit" ends the process (os._exit) right after an
    # operation has committed its change and before its exchange is logged.
    crash_after: str = ""


def message_schema() -> etree.XMLSchema:
    """The portal service's message XSD, compiled once per thread (see ``package_schema``)."""
    return RECEIPT_SERVICE.message_schema()


def parse_envelope(request: bytes, version: SoapVersion, max_bytes: int) -> Envelope:
    """The request's envelope, parsed by the hardened parser, or a ``SoapFault`` saying why not.

    Exclusive C14N leaves comments out of what a signature covers, so a comment inside a signed
    value could make the value read here differ from the value signed: an envelope holding a
    comment, processing instruction or entity reference is refused before anything is read.
    """
    try:
        root = parse_xml(request, max_bytes=max_bytes)
        refuse_hidden_nodes(root)
    except XMLRejected as exc:
        raise SoapFault("InvalidXml", exc.message) from None
    envelope = read_envelope(root, version)
    if isinstance(envelope, str):
        other = {SOAP11: SOAP12, SOAP12: SOAP11}[version.ns]
        raise SoapFault("InvalidEnvelope", envelope, version_mismatch=etree.QName(root).namespace == other)
    return envelope


Operation = Callable[[etree._Element, ClientAccess], "etree._Element | bytes"]


class SoapEndpoint:
    """One per process: the contract it serves, its settings, the message log, its operations (by
    name: a handler taking the verified request element and the client) and its clients (each with
    its pinned certificate). Operations named in ``read_only`` change nothing: a replay of one is
    refused when it is logged, after the work; any other operation claims its message id first."""

    def __init__(
        self,
        contract: Contract,
        settings: EndpointSettings,
        log: message_log.MessageLog,
        operations: dict[str, Operation],
        clients: dict[str, tuple[ClientAccess, x509.Certificate | None]],
        *,
        read_only: frozenset[str] = frozenset(),
        journal: OutageJournal | None = None,
    ) -> None:
        self.contract_files = contract
        self.settings = settings
        self.log = log
        self.operations = operations
        self.clients = clients
        self.read_only = read_only
        self.journal = journal
        self.provider = settings.provider
        self.skew = settings.timestamp_skew
        self.service_key = settings.service_key
        self.service_certificate = settings.service_certificate
        self.public_url = settings.public_url.rstrip("/") + "/soap"

    def warm_up(self) -> None:
        """Pay before the first request what the first request would pay while those behind it wait:
        loading the service's private key (slow: cryptography checks the key) and
        configuring the ORM's mappers (otherwise done when the first statement is compiled)."""
        signing_material(self.service_key, self.service_certificate)
        configure_mappers()

    # -- the contract -------------------------------------------------------------------------

    def contract(self, name: str) -> HttpAnswer | None:
        """The WSDL (``?wsdl``) or one of its XSDs (``?xsd=NAME``), addresses pointing at this server."""
        return self.contract_files.served(name, self.public_url)

    # -- a request ----------------------------------------------------------------------------

    def handle(self, content_type: str | None, content_length: int | None, read_body) -> HttpAnswer:
        arrival = self.log.announce()  # the log's writer may wait for this request's record
        try:
            return self._handle(content_type, content_length, read_body, arrival)
        finally:
            self.log.withdraw(arrival)

    def _handle(
        self, content_type: str | None, content_length: int | None, read_body, arrival: message_log.Arrival
    ) -> HttpAnswer:
        started = time.perf_counter()
        version = version_for(content_type) or SOAP_1_1
        request, headers, operation, claim, in_flight = b"", None, None, False, None
        try:
            if version_for(content_type) is None:
                raise SoapFault(
                    "UnsupportedMediaType",
                    f"Content-Type {content_type!r} is not text/xml or application/soap+xml",
                )
            limit = self.settings.max_body_bytes
            if content_length is not None and content_length > limit:
                raise SoapFault(
                    "RequestTooLarge", f"the request of {content_length} bytes is over the limit of {limit}"
                )
            request = read_body(limit + 1)
            if len(request) > limit:
                raise SoapFault("RequestTooLarge", f"the request is over the limit of {limit} bytes")
            envelope = parse_envelope(request, version, self.settings.max_body_bytes)
            headers = read_xroad_headers(envelope.header)
            client, operation = self._authorise(envelope, headers)
            # A read-only operation changes nothing, so its message id is claimed with its log record
            # and a replay is refused there; an operation that changes something claims it first.
            claim = operation in self.read_only
            if claim:
                response = self._call(operation, envelope, client)
            else:
                self._remember(headers)
                in_flight = self._in_flight(headers, operation, request)
                with log_pending.changing(in_flight):  # its change's transaction stores the exchange
                    response = self._call(operation, envelope, client)
                if in_flight.written and self.settings.crash_after == "business-commit":
                    os._exit(70)
            answer = self._answer(version, headers, response, signed=client.signatures_required)
            outcome = "ok"
        except SoapFault as fault:
            answer, outcome = self._fault(version, fault)
        kept: dict = {}
        if operation is None:  # refused before the client was authenticated: not stored whole
            request, kept = self._start_of(request, content_length)
        return self._record(
            version,
            headers,
            operation,
            outcome,
            answer,
            request,
            started,
            claim=claim,
            arrival=arrival,
            kept=kept,
            pending=in_flight.token if in_flight is not None and in_flight.written else None,
        )

    def _start_of(self, request: bytes, content_length: int | None) -> tuple[bytes, dict]:
        """What the log keeps of a request refused before its client was authenticated: at most
        ``refused_request_log_bytes`` of it, with the whole body's size and SHA-256 when cut. A body
        over the size limit was not read past it: its size is the one declared (else the bytes
        read) and it has no hash."""
        cap, limit = self.settings.refused_request_log_bytes, self.settings.max_body_bytes
        if content_length is not None and content_length > limit and not request:
            return b"", {"request_size": content_length}
        if len(request) > limit:
            return request[:cap], {"request_size": len(request)}
        if len(request) <= cap:
            return request, {}
        digest = hashlib.sha256(request).hexdigest()
        return request[:cap], {"request_size": len(request), "request_sha256": digest}

    @staticmethod
    def _in_flight(headers: XRoadHeaders, operation: str, request: bytes) -> log_pending.InFlight:
        return log_pending.InFlight(
            client=headers.client,
            service=f"{headers.service.provider}/{headers.service.code}",
            operation=operation,
            xroad_id=headers.message_id,
            user_id=headers.user_id,
            request=request,
        )

    def _journal(self, exchange: message_log.Exchange, xroad_id: str | None, client: str | None) -> None:
        """Keep an exchange the database could not take in the outage journal, for later."""
        if self.journal is not None:
            try:
                self.journal.append(exchange)
                log.warning("message log unavailable; exchange %s of %s journaled", xroad_id, client)
                return
            except OSError as exc:
                log.error("message-log journal %s: %s", self.journal.path, exc)
        log.error("message log unavailable; exchange %s of %s not logged", xroad_id, client)

    @classmethod
    def internal_error(cls, content_type: str | None) -> HttpAnswer:
        """The answer when handling a request failed unexpectedly (a defect): a fault, not a page."""
        fault = SoapFault("InternalError", "the service failed to answer; try again later", client=False)
        return cls._fault(version_for(content_type) or SOAP_1_1, fault)[0]

    @staticmethod
    def _fault(version: SoapVersion, fault: SoapFault) -> tuple[HttpAnswer, str]:
        status, body = fault_response(version, fault)
        return HttpAnswer(status, version.content_type, body), fault.code

    def _authorise(self, envelope: Envelope, headers: XRoadHeaders) -> tuple[ClientAccess, str]:
        if headers.service.provider != self.provider:
            raise SoapFault(
                "UnknownService", f"this server provides {self.provider}, not {headers.service.provider}"
            )
        operation = headers.service.code
        if operation not in self.operations:
            raise SoapFault("UnknownService", f"there is no service {operation!r}")
        payload = envelope.payload
        if payload is None or etree.QName(payload).localname != operation:
            raise SoapFault(
                "InvalidRequest", f"the Body must hold one {operation} element, as the service header says"
            )
        if headers.client not in self.clients:
            raise SoapFault("AccessDenied", f"client {headers.client} may not use this service")
        client, certificate = self.clients[headers.client]
        if not client.may_call(operation):
            raise SoapFault("AccessDenied", f"client {headers.client} may not call {operation}")
        if client.signatures_required:
            verify_envelope(envelope.root, [envelope.body, *headers.elements], certificate, skew=self.skew)
        return client, operation

    def _remember(self, headers: XRoadHeaders) -> None:
        """Refuse an X-Road message id this client has used before (a replay)."""
        try:
            first = self.log.remember(headers.client, headers.message_id)
        except TransientOutage:
            raise SoapFault(
                "ServiceUnavailable", "the service is temporarily unavailable", client=False
            ) from None
        if not first:
            raise SoapFault(REPLAY_CODE, replay_reason(headers.message_id))

    def _call(self, operation: str, envelope: Envelope, client: ClientAccess) -> etree._Element | bytes:
        payload = envelope.payload
        schema = self.contract_files.message_schema()
        if not schema.validate(payload):
            raise SoapFault("InvalidRequest", f"{operation}: {schema.error_log.last_error.message}")
        try:
            return self.operations[operation](payload, client)
        except SoapFault:  # an operation's own fault, code and reason as it chose them
            raise
        except TransientOutage:
            raise SoapFault(
                "ServiceUnavailable", "the service is temporarily unavailable", client=False
            ) from None
        except EReceiptError as exc:
            raise SoapFault("InvalidRequest", exc.message) from None
        except Exception:
            log.exception("operation %s failed", operation)
            raise SoapFault(
                "InternalError", "the service failed to answer; try again later", client=False
            ) from None

    def _answer(
        self, version: SoapVersion, headers: XRoadHeaders, response: etree._Element | bytes, *, signed: bool
    ) -> HttpAnswer:
        """The answer's envelope: the X-Road headers repeated, ``response`` in the Body, signed for a
        client that signs. An operation may write its answer as text (``adapters.portal`` does for
        a client that does not sign: signing needs the elements, and parsing them back costs more
        than building them)."""
        copies = [copy_header(element) for element in headers.elements]
        for element in copies:  # the request's signature ids are not header values: the answer gets its own
            element.attrib.pop(WSU_ID, None)
        # A client that signs gets signed answers. One behind an X-Road security server does not sign:
        # the security servers sign and check both directions between them, so we do not either.
        if isinstance(response, bytes):
            if not signed:
                return HttpAnswer(200, version.content_type, envelope_bytes(version, copies, response))
            response = parse_xml(response)  # our own text, parsed back so that it can be signed
        envelope = write_envelope(version, copies, response)
        if signed:
            sign_envelope(envelope, [envelope[-1], *copies], self.service_key, self.service_certificate)
        return HttpAnswer(
            200, version.content_type, etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
        )

    def _record(
        self,
        version: SoapVersion,
        headers: XRoadHeaders | None,
        operation: str | None,
        outcome: str,
        answer: HttpAnswer,
        request: bytes,
        started: float,
        *,
        claim: bool,
        arrival: message_log.Arrival | None = None,
        kept: dict | None = None,
        pending: str | None = None,
    ) -> HttpAnswer:
        """Log the exchange (and claim its message id); the answer to send, a fault if it was a replay."""
        seconds = time.perf_counter() - started
        client = headers.client if headers else None

        def exchange(answer: HttpAnswer, outcome: str) -> message_log.Exchange:
            return message_log.Exchange(
                client=client,
                service=f"{headers.service.provider}/{headers.service.code}" if headers else None,
                operation=operation,
                xroad_id=headers.message_id if headers else None,
                user_id=headers.user_id if headers else None,
                outcome=outcome,
                http_status=answer.status,
                duration_ms=round(seconds * 1000),
                request=request,
                response=answer.body,
                **(kept or {}),
            )

        refusal: list = []  # the fault for a replay, made once however often the log asks for it

        def replayed() -> message_log.Exchange:
            if not refusal:
                status, body = replay_response(version, headers.message_id)
                refusal.extend((HttpAnswer(status, version.content_type, body), REPLAY_CODE))
            return exchange(*refusal)

        try:
            accepted = self.log.record(
                exchange(answer, outcome),
                message_log.Claim(client, headers.message_id, replayed) if claim else None,
                arrival,
                pending=pending,
            )
            if not accepted:  # the log asked for the refusal and stored it
                answer, outcome = refusal
        except TransientOutage:
            xroad_id = headers.message_id if headers else None
            if claim:  # the replay guard could not be asked: do not answer
                answer, outcome = self._fault(
                    version,
                    SoapFault("ServiceUnavailable", "the service is temporarily unavailable", client=False),
                )
            self._journal(exchange(answer, outcome), xroad_id, client)
        # The X-Road client header is the sender's word until _authorise has accepted it, which is also
        # when ``operation`` is set: only then is the client named, by its name in [access].
        authenticated = self.clients[client][0].client if operation is not None else None
        metrics.observe(operation, authenticated, outcome, seconds)
        return answer
