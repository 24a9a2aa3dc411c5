"""The SOAP endpoint built from three small fakes: a message log, an operation and the clients.

No database, no server, no keys: what the endpoint does with a request (check it, call the
operation it names, answer, log the exchange, guard against replays) is visible from the fakes.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from lxml import etree

from ereceipt.settings import ClientAccess
from ereceipt.soap.contract import RECEIPT_SERVICE
from ereceipt.soap.endpoint import EndpointSettings, SoapEndpoint
from ereceipt.soap.message_log import Arrival, Claim, Exchange

S11 = "http://schemas.xmlsoap.org/soap/envelope/"
ES = "urn:ereceipt:thads:service:1.0"
UNSIGNED = "VN/GOV/000000003/SECSERVER"
SETTINGS = EndpointSettings(
    provider="VN/GOV/000000001/ERECEIPT",
    public_url="https://thads.example.vn",
    max_body_bytes=64 * 1024,
    timestamp_skew=timedelta(minutes=5),
    service_key=b"",  # never used: an unsigned client gets unsigned answers
    service_certificate=b"",
)


class FakeLog:
    """Keeps exchanges in a list; ``seen`` holds the message ids already claimed."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self.seen: set[tuple[str, str]] = set()

    def announce(self) -> Arrival:
        return Arrival()

    def withdraw(self, arrival: Arrival) -> None:
        arrival.arrived = True

    def remember(self, client: str, xroad_id: str) -> bool:
        first = (client, xroad_id) not in self.seen
        self.seen.add((client, xroad_id))
        return first

    def record(
        self,
        exchange: Exchange,
        claim: Claim | None = None,
        arrival: Arrival | None = None,
        *,
        pending: str | None = None,
    ) -> bool:
        if claim is not None and not self.remember(claim.client, claim.xroad_id):
            self.exchanges.append(claim.refused())
            return False
        self.exchanges.append(exchange)
        return True


class FakeOperation:
    """Answers with a Status OK and remembers the requests it was given."""

    def __init__(self, name: str) -> None:
        self.name, self.requests = name, []

    def __call__(self, request: etree._Element, client: ClientAccess) -> etree._Element:
        self.requests.append((request, client.client))
        response = etree.Element(f"{{{ES}}}{self.name}Response")
        etree.SubElement(etree.SubElement(response, f"{{{ES}}}Status"), f"{{{ES}}}Code").text = "OK"
        return response


def clients(*operations: str) -> dict:
    return {UNSIGNED: (ClientAccess(UNSIGNED, None, operations, False), None)}


def request(operation: str, payload: str, *, client: str = UNSIGNED, message_id: str | None = None) -> bytes:
    instance, member_class, member_code, subsystem = client.split("/")
    return f"""<soap:Envelope xmlns:soap="{S11}" xmlns:xrd="http://x-road.eu/xsd/xroad.xsd"
 xmlns:id="http://x-road.eu/xsd/identifiers" xmlns:es="{ES}"><soap:Header>
<xrd:client id:objectType="SUBSYSTEM"><id:xRoadInstance>{instance}</id:xRoadInstance>
<id:memberClass>{member_class}</id:memberClass><id:memberCode>{member_code}</id:memberCode>
<id:subsystemCode>{subsystem}</id:subsystemCode></xrd:client>
<xrd:service id:objectType="SERVICE"><id:xRoadInstance>VN</id:xRoadInstance>
<id:memberClass>GOV</id:memberClass>
<id:memberCode>000000001</id:memberCode><id:subsystemCode>ERECEIPT</id:subsystemCode>
<id:serviceCode>{operation}</id:serviceCode></xrd:service>
<xrd:id>{message_id or uuid.uuid4()}</xrd:id><xrd:protocolVersion>4.0</xrd:protocolVersion></soap:Header>
<soap:Body>{payload}</soap:Body></soap:Envelope>""".encode()


def post(endpoint: SoapEndpoint, data: bytes):
    return endpoint.handle("text/xml; charset=utf-8", len(data), lambda limit: data[:limit])


def endpoint_with(log: FakeLog, operation: FakeOperation, access: dict, **options) -> SoapEndpoint:
    return SoapEndpoint(RECEIPT_SERVICE, SETTINGS, log, {operation.name: operation}, access, **options)


def test_a_valid_request_reaches_its_operation_and_the_answer_is_logged() -> None:
    log, operation = FakeLog(), FakeOperation("listMethods")
    answer = post(endpoint_with(log, operation, clients("*")), request("listMethods", "<es:listMethods/>"))
    assert answer.status == 200, answer.body
    assert b"<Code>OK</Code>" in answer.body.replace(b"ns0:", b"")
    assert [client for _, client in operation.requests] == [UNSIGNED]
    assert [(e.operation, e.outcome, e.client) for e in log.exchanges] == [("listMethods", "ok", UNSIGNED)]


def test_a_client_not_allowed_the_operation_gets_a_fault_and_the_operation_is_not_called() -> None:
    log, operation = FakeLog(), FakeOperation("listMethods")
    answer = post(
        endpoint_with(log, operation, clients("getReceipt")), request("listMethods", "<es:listMethods/>")
    )
    assert answer.status == 500 and b"AccessDenied" in answer.body
    assert operation.requests == []
    assert [e.outcome for e in log.exchanges] == ["AccessDenied"]


def test_an_operation_that_changes_something_is_refused_when_replayed_before_it_runs() -> None:
    log, operation = FakeLog(), FakeOperation("listMethods")
    endpoint = endpoint_with(log, operation, clients("*"))
    data = request("listMethods", "<es:listMethods/>", message_id="same-id")
    assert post(endpoint, data).status == 200
    replay = post(endpoint, data)
    assert replay.status == 500 and b"DuplicateMessageId" in replay.body
    assert len(operation.requests) == 1


def test_a_read_only_operation_claims_its_id_with_its_log_record() -> None:
    log, operation = FakeLog(), FakeOperation("listMethods")
    endpoint = endpoint_with(log, operation, clients("*"), read_only=frozenset({"listMethods"}))
    data = request("listMethods", "<es:listMethods/>", message_id="read-id")
    assert post(endpoint, data).status == 200
    replay = post(endpoint, data)
    assert b"DuplicateMessageId" in replay.body
    assert len(operation.requests) == 2  # the work is done, the answer refused: it changed nothing
    assert [e.outcome for e in log.exchanges] == ["ok", "DuplicateMessageId"]


def test_the_contract_is_served_with_this_servers_address() -> None:
    answer = endpoint_with(FakeLog(), FakeOperation("listMethods"), clients("*")).contract("wsdl")
    assert b"https://thads.example.vn/soap" in answer.body
    assert b"127.0.0.1:8080" not in answer.body


def test_a_request_refused_before_its_client_is_known_is_logged_in_part_with_size_and_hash() -> None:
    log, cap = FakeLog(), 64
    endpoint = SoapEndpoint(
        RECEIPT_SERVICE, replace(SETTINGS, refused_request_log_bytes=cap), log, {}, clients("*")
    )
    junk = b"<junk>" + b"x" * 5000
    assert post(endpoint, junk).status == 500
    [logged] = log.exchanges
    assert (logged.request, logged.request_size) == (junk[:cap], len(junk))
    assert logged.request_sha256 == hashlib.sha256(junk).hexdigest()


def test_a_request_over_the_size_limit_is_logged_with_the_size_it_declared_and_nothing_of_it() -> None:
    log = FakeLog()
    endpoint = endpoint_with(log, FakeOperation("listMethods"), clients("*"))
    declared = SETTINGS.max_body_bytes + 1
    answer = endpoint.handle("text/xml", declared, lambda limit: pytest.fail("the body was read"))
    assert b"RequestTooLarge" in answer.body
    [logged] = log.exchanges
    assert (logged.request, logged.request_size, logged.request_sha256) == (b"", declared, None)


def test_a_request_refused_after_its_client_is_known_is_logged_whole() -> None:
    log = FakeLog()
    endpoint = SoapEndpoint(
        RECEIPT_SERVICE,
        replace(SETTINGS, refused_request_log_bytes=64),
        log,
        {"listMethods": FakeOperation("listMethods")},
        clients("*"),
    )
    data = request(
        "listMethods", "<es:listMethods><es:Unexpected>" + "x" * 500 + "</es:Unexpected></es:listMethods>"
    )
    answer = post(endpoint, data)
    assert b"InvalidRequest" in answer.body, answer.body
    [logged] = log.exchanges
    assert (logged.request, logged.request_size) == (data, None)
