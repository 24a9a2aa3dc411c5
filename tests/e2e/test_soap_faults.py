"""Refused SOAP requests over real HTTP: each gets a SOAP fault with its code and the binding's HTTP status.

In the spirit of X-Road's own message test cases: broken X-Road headers, unknown services and
clients, missing, bad or wrongly placed signatures, stale timestamps, replays, hostile XML.
"""

from __future__ import annotations

import copy
import secrets
import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from server_process import Server, ereceipt, http

from ereceipt.soap.wsse import sign_envelope

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "soap-getCaseBalance.xml"
S11 = "http://schemas.xmlsoap.org/soap/envelope/"
XRD = "http://x-road.eu/xsd/xroad.xsd"
ID = "http://x-road.eu/xsd/identifiers"
SOAP11_TYPE = {"Content-Type": "text/xml; charset=utf-8"}
SOAP12_TYPE = {"Content-Type": "application/soap+xml; charset=utf-8"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("soapfaults")
    (home / "config.ini").write_text("[database]\nurl = sqlite:///var/e.sqlite3\n")
    assert ereceipt(home, "init", "--demo").returncode == 0
    return home


ACCESS = """
[access]
VN/GOV/000000002/DVCQG = var/keys/portal-client.cert.pem | * | signed
VN/COM/000000777/BANKAPP = var/keys/bank-client.cert.pem | getReceipt | signed
VN/GOV/000000003/SECSERVER = | listMethods | unsigned
"""


@pytest.fixture(scope="module")
def server(home: Path) -> Iterator[Server]:
    server = Server(home, "[database]\nurl = sqlite:///var/e.sqlite3\n" + ACCESS)
    yield server
    output = server.stop()
    assert b"Traceback" not in output, output.decode()


def template(operation: str = "getCaseBalance", client: tuple[str, str, str] = ("GOV", "000000002", "DVCQG")):
    envelope = etree.parse(str(EXAMPLE)).getroot()
    header = envelope.find(f"{{{S11}}}Header")
    client_element = header.find(f"{{{XRD}}}client")
    for name, value in zip(("memberClass", "memberCode", "subsystemCode"), client, strict=True):
        client_element.find(f"{{{ID}}}{name}").text = value
    header.find(f"{{{XRD}}}service/{{{ID}}}serviceCode").text = operation
    header.find(f"{{{XRD}}}id").text = str(uuid.uuid4())
    if operation != "getCaseBalance":
        body = envelope.find(f"{{{S11}}}Body")
        body.remove(body[0])
        request = etree.SubElement(body, f"{{urn:ereceipt:thads:service:1.0}}{operation}")
        if operation == "getReceipt":
            etree.SubElement(
                request, "{urn:ereceipt:thads:service:1.0}LookupCode"
            ).text = "0000-0000-0000-0000"
    return envelope


def sign(envelope, home: Path, party: str = "portal-client", now: datetime | None = None) -> bytes:
    header = envelope.find(f"{{{S11}}}Header")
    xroad = [element for element in header if etree.QName(element).namespace == XRD]
    keys = home / "var" / "keys"
    sign_envelope(
        envelope,
        [envelope.find(f"{{{S11}}}Body"), *xroad],
        (keys / f"{party}.key.pem").read_bytes(),
        (keys / f"{party}.cert.pem").read_bytes(),
        now=now,
    )
    return etree.tostring(envelope)


def post(server: Server, data: bytes, headers: dict = SOAP11_TYPE) -> tuple[int, str]:
    status, body, _ = http(f"{server.base}/soap", data, headers)
    return status, body.decode()


def assert_fault(answer: tuple[int, str], code: str, status: int = 500) -> None:
    got_status, body = answer
    assert "Traceback" not in body
    assert got_status == status, body
    assert f".{code}</faultcode>" in body or f"f:{code}</" in body, body


def without(name: str) -> Callable:
    def remove(envelope) -> None:
        header = envelope.find(f"{{{S11}}}Header")
        header.remove(header.find(f"{{{XRD}}}{name}"))

    return remove


def set_text(path: str, value: str) -> Callable:
    def change(envelope) -> None:
        envelope.find(f"{{{S11}}}Header").find(path, {"xrd": XRD, "id": ID}).text = value

    return change


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (without("protocolVersion"), "MissingXRoadHeader"),
        (set_text("xrd:protocolVersion", "3.1"), "UnsupportedProtocolVersion"),
        (without("client"), "MissingXRoadHeader"),
        (without("service"), "MissingXRoadHeader"),
        (without("id"), "MissingXRoadHeader"),
        (set_text("xrd:service/id:serviceCode", "deleteEverything"), "UnknownService"),
        (set_text("xrd:service/id:memberCode", "000000999"), "UnknownService"),
        (set_text("xrd:client/id:memberCode", "000000999"), "AccessDenied"),
    ],
    ids=[
        "no-protocolVersion",
        "wrong-protocolVersion",
        "no-client",
        "no-service",
        "no-id",
        "unknown-service",
        "other-provider",
        "unknown-client",
    ],
)
def test_broken_xroad_headers_are_refused(server: Server, home: Path, change, code: str) -> None:
    envelope = template()
    change(envelope)
    assert_fault(post(server, sign(envelope, home)), code)


def test_client_may_call_only_its_operations(server: Server, home: Path) -> None:
    bank = ("COM", "000000777", "BANKAPP")
    assert post(server, sign(template("getReceipt", bank), home, "bank-client"))[0] == 200
    assert_fault(post(server, sign(template("getCaseBalance", bank), home, "bank-client")), "AccessDenied")


def test_unsigned_request_is_refused(server: Server) -> None:
    assert_fault(post(server, etree.tostring(template())), "MissingSignature")


def test_client_behind_a_security_server_may_be_unsigned(server: Server) -> None:
    status, body = post(server, etree.tostring(template("listMethods", ("GOV", "000000003", "SECSERVER"))))
    assert status == 200, body
    assert "<Method>listMethods</Method>" in body or "listMethods</" in body


def test_tampered_body_is_a_bad_signature(server: Server, home: Path) -> None:
    data = sign(template(), home).replace(b"THA2501", b"THA2502")
    assert_fault(post(server, data), "InvalidSignature")


def test_tampered_xroad_header_is_a_bad_signature(server: Server, home: Path) -> None:
    data = sign(template(), home).replace(b"VN001085012345", b"VN009999999999")
    assert_fault(post(server, data), "InvalidSignature")


def test_signature_by_another_certificate_is_refused(server: Server, home: Path) -> None:
    assert_fault(post(server, sign(template(), home, "bank-client")), "WrongCertificate")


def test_unauthenticated_clients_are_one_metrics_label(server: Server, home: Path) -> None:
    """The client header is the sender's word until the client is authenticated: 200 requests with
    random 5 KB member codes must not grow ``/metrics`` by a series each, nor appear in it."""
    status, before, _ = http(f"{server.base}/metrics")
    assert status == 200
    codes = [secrets.token_hex(2560) for _ in range(200)]  # 5 120 characters each
    for code in codes:
        assert_fault(post(server, etree.tostring(template(client=("GOV", code, "DVCQG")))), "AccessDenied")
    # A request naming a known client but signed by another is not that client's either.
    assert_fault(post(server, sign(template(), home, "bank-client")), "WrongCertificate")
    status, after, _ = http(f"{server.base}/metrics")
    text = after.decode()
    assert status == 200
    assert len(after) - len(before) < 50_000, len(after) - len(before)
    assert not any(code[:64] in text for code in codes)
    assert 'ereceipt_soap_requests_total{client="unknown",operation="-",outcome="AccessDenied"}' in text
    assert 'ereceipt_soap_requests_total{client="unknown",operation="-",outcome="WrongCertificate"}' in text
    assert 'client="VN/GOV/000000002/DVCQG",operation="-",outcome="WrongCertificate"' not in text


def test_expired_timestamp_is_refused(server: Server, home: Path) -> None:
    stale = sign(template(), home, now=datetime.now(UTC) - timedelta(hours=1))
    assert_fault(post(server, stale), "TimestampExpired")


def test_timestamp_from_the_future_is_refused(server: Server, home: Path) -> None:
    early = sign(template(), home, now=datetime.now(UTC) + timedelta(hours=1))
    assert_fault(post(server, early), "TimestampInFuture")


def test_replayed_message_id_is_refused(server: Server, home: Path) -> None:
    data = sign(template(), home)
    assert post(server, data)[0] == 200
    assert_fault(post(server, data), "DuplicateMessageId")


def test_replayed_payment_notice_is_refused_before_any_work(server: Server, home: Path) -> None:
    """An operation that changes something claims its message id first, not when it is logged."""
    envelope = template("notifyOnlinePayment")
    body = envelope.find(f"{{{S11}}}Body")[0]
    for name, value in (("TransactionId", "DVC-REPLAY-1"), ("Amount", "1000")):
        etree.SubElement(body, f"{{urn:ereceipt:thads:service:1.0}}{name}").text = value
    payer = etree.SubElement(body, "{urn:ereceipt:thads:service:1.0}Payer")
    etree.SubElement(payer, "{urn:ereceipt:thads:service:1.0}Name").text = "Lê Văn Cường"
    for name, value in (("CaseCode", "NO-SUCH-CASE"), ("PaidAt", "2026-11-25T09:30:00+07:00")):
        etree.SubElement(body, f"{{urn:ereceipt:thads:service:1.0}}{name}").text = value
    data = sign(envelope, home)
    status, answer = post(server, data)
    assert status == 200 and "NOT_FOUND" in answer, answer
    assert_fault(post(server, data), "DuplicateMessageId")


def test_signed_body_moved_into_the_header_with_a_forged_body_is_refused(server: Server, home: Path) -> None:
    envelope = etree.fromstring(sign(template(), home))
    body = envelope.find(f"{{{S11}}}Body")
    forged = copy.deepcopy(body)
    del forged.attrib[
        "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd}Id"
    ]
    forged[0][0].text = "THA2503"
    wrapper = etree.SubElement(envelope.find(f"{{{S11}}}Header"), "{urn:attacker}Wrapper")
    envelope.remove(body)
    wrapper.append(body)
    envelope.append(forged)
    assert_fault(post(server, etree.tostring(envelope)), "SignatureCoverage")


def test_duplicate_ids_are_refused(server: Server, home: Path) -> None:
    envelope = etree.fromstring(sign(template(), home))
    wsu_id = "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd}Id"
    body_id = envelope.find(f"{{{S11}}}Body").get(wsu_id)
    etree.SubElement(envelope.find(f"{{{S11}}}Header"), "{urn:attacker}Extra").set(wsu_id, body_id)
    assert_fault(post(server, etree.tostring(envelope)), "InvalidSecurityHeader")


XXE = b"""<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&x;</soap:Body></soap:Envelope>"""
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol">'
    + b"".join(
        b'<!ENTITY a%d "%s">' % (i, (b"&a%d;" % (i - 1) if i > 1 else b"&a;") * 10) for i in range(1, 10)
    )
    + b']><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&a9;</soap:Body>'
    + b"</soap:Envelope>"
)


@pytest.mark.parametrize(
    "data", [XXE, LAUGHS, b"<soap:Envelope", b"not xml at all"], ids=["xxe", "laughs", "cut", "text"]
)
def test_hostile_or_malformed_xml_is_refused(server: Server, data: bytes) -> None:
    status, body = post(server, data)
    assert_fault((status, body), "InvalidXml")
    assert "root:" not in body


def _length(answer: bytes) -> int:
    head = answer.partition(b"\r\n\r\n")[0].decode("latin-1").lower()
    return int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])


def test_oversized_body_is_refused_before_parsing(server: Server) -> None:
    """The fault comes from the Content-Length alone: the client sends only the body's first bytes
    (sending all of it would race the server closing the connection after its answer)."""
    declared = 2 * 1024 * 1024 + 10
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(
            b"POST /soap HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml; charset=utf-8\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n<x>aaaa" % declared
        )
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < _length(answer):
            chunk = connection.recv(65536)
            assert chunk, answer
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert_fault((status, body.decode()), "RequestTooLarge")


def test_soap11_envelope_with_soap12_content_type_is_a_version_mismatch(server: Server, home: Path) -> None:
    status, body = post(server, sign(template(), home), SOAP12_TYPE)
    assert status == 500
    assert "soap:VersionMismatch" in body
    assert "http://www.w3.org/2003/05/soap-envelope" in body


def test_unknown_content_type_is_refused(server: Server, home: Path) -> None:
    assert_fault(
        post(server, sign(template(), home), {"Content-Type": "application/json"}), "UnsupportedMediaType"
    )


def test_body_that_breaks_the_schema_is_refused(server: Server, home: Path) -> None:
    envelope = template()
    envelope.find(f"{{{S11}}}Body")[0][0].text = "not a code!"
    assert_fault(post(server, sign(envelope, home)), "InvalidRequest")


def test_soap12_sender_fault_is_http_400(server: Server) -> None:
    envelope = b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>'
    status, body = post(server, envelope, SOAP12_TYPE)
    assert status == 400
    assert "soap:Sender" in body and "f:MissingXRoadHeader" in body


def test_refused_requests_are_in_the_message_log_too(server: Server, home: Path) -> None:
    post(server, b"not xml at all")
    result = ereceipt(home, "log", "verify")
    assert result.returncode == 0, result.stdout


def payment_notice(transaction: str, amount: str) -> etree._Element:
    envelope = template("notifyOnlinePayment")
    body = envelope.find(f"{{{S11}}}Body")[0]
    for name, value in (("TransactionId", transaction), ("Amount", amount)):
        etree.SubElement(body, f"{{urn:ereceipt:thads:service:1.0}}{name}").text = value
    payer = etree.SubElement(body, "{urn:ereceipt:thads:service:1.0}Payer")
    etree.SubElement(payer, "{urn:ereceipt:thads:service:1.0}Name").text = "Nguyễn Văn An"
    for name, value in (("CaseCode", "THA2501"), ("PaidAt", "2026-11-25T09:30:00+07:00")):
        etree.SubElement(body, f"{{urn:ereceipt:thads:service:1.0}}{name}").text = value
    return envelope


@pytest.mark.parametrize(
    ("value", "forged"),
    [(b">2000000<", b">2000<!---->000<"), (b"DVC-COMMENT-", b"DVC-<!---->COMMENT-")],
    ids=["amount", "transaction-id"],
)
def test_a_comment_inside_a_signed_value_is_refused_and_issues_nothing(
    server: Server, home: Path, value: bytes, forged: bytes
) -> None:
    """C14N leaves comments out, so the signature still holds; the service must not read "2000"."""
    signed = sign(payment_notice(f"DVC-COMMENT-{uuid.uuid4().hex[:8]}", "2000000"), home)
    assert_fault(post(server, signed.replace(value, forged, 1)), "InvalidXml")
    status, answer = post(server, signed)  # the refusal claimed nothing: the genuine notice still works
    assert status == 200 and "<Code>OK</Code>" in answer.replace("ns0:", ""), answer
    assert ">2000000</" in answer


def test_a_comment_inside_the_xroad_id_is_refused(server: Server, home: Path) -> None:
    envelope = template()
    envelope.find(f"{{{S11}}}Header").find(f"{{{XRD}}}id").text = "abcdef-12345"
    assert_fault(
        post(server, sign(envelope, home).replace(b">abcdef-12345<", b">abc<!---->def-12345<")), "InvalidXml"
    )
