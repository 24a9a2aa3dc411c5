"""POST /soap goes straight to the SOAP endpoint (``app.soap_routes.SoapPosts``); the rest stays Flask's."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from admin_site import build_site
from cryptography import x509
from lxml import etree

from ereceipt.core.receipts.tables import Receipt
from ereceipt.soap.wsse import sign_envelope, verify_envelope

S11 = "http://schemas.xmlsoap.org/soap/envelope/"
XRD = "http://x-road.eu/xsd/xroad.xsd"
ID = "http://x-road.eu/xsd/identifiers"
ES = "urn:ereceipt:thads:service:1.0"


def test_an_unexpected_failure_of_the_endpoint_is_a_soap_fault_not_a_page(
    tmp_path: Path, monkeypatch
) -> None:
    services, _ = build_site(tmp_path, "")
    client = services.web_application().test_client()

    def broken(*args):
        raise RuntimeError("a defect")

    monkeypatch.setattr(services.soap_endpoint(), "handle", broken)
    answer = client.post("/soap", data=b"<x/>", content_type="text/xml; charset=utf-8")
    assert answer.status_code == 500  # a SOAP 1.1 fault
    assert answer.content_type.startswith("text/xml")
    fault = etree.fromstring(answer.data).find(f"{{{S11}}}Body/{{{S11}}}Fault")
    assert fault.findtext("faultcode").endswith("Server.InternalError")
    assert "try again later" in fault.findtext("faultstring")
    assert b"a defect" not in answer.data and b"Traceback" not in answer.data


def test_the_soap_answer_carries_its_length_and_the_other_pages_stay_flask_pages(tmp_path: Path) -> None:
    services, _ = build_site(tmp_path, "")
    client = services.web_application().test_client()
    answer = client.post("/soap", data=b"<not-xml", content_type="text/xml; charset=utf-8")
    assert answer.status_code == 500
    assert int(answer.headers["Content-Length"]) == len(answer.data)
    assert b"InvalidXml" in answer.data
    assert client.get("/soap?wsdl").status_code == 200
    assert client.get("/soap?xsd=nothing").status_code == 404
    assert client.get("/healthz").json == {"status": "ok"}


def test_an_answer_written_as_text_for_a_client_that_signs_is_signed_all_the_same(
    tmp_path: Path, monkeypatch
) -> None:
    services, receipts = build_site(tmp_path, "")
    with services.database.read() as session:
        code = session.get(Receipt, receipts["bd"]).lookup_code
    endpoint = services.soap_endpoint()
    as_elements = endpoint.operations["getReceipt"]
    monkeypatch.setitem(  # an operation that answers with text whoever asks
        endpoint.operations,
        "getReceipt",
        lambda request, client: etree.tostring(as_elements(request, client)),
    )
    keys = tmp_path / "var" / "keys"
    request = signed_get_receipt(code, keys)
    answer = (
        services.web_application()
        .test_client()
        .post("/soap", data=request, content_type="text/xml; charset=utf-8")
    )
    assert answer.status_code == 200, answer.data
    envelope = etree.fromstring(answer.data)
    header, body = envelope[0], envelope[1]
    xroad = [element for element in header if etree.QName(element).namespace == XRD]
    certificate = x509.load_pem_x509_certificate((keys / "soap-server.cert.pem").read_bytes())
    verify_envelope(envelope, [body, *xroad], certificate, skew=timedelta(minutes=5))  # raises if not
    assert body.findtext(f"{{{ES}}}getReceiptResponse/{{{ES}}}Receipt/{{{ES}}}LookupCode") == code


def signed_get_receipt(code: str, keys: Path) -> bytes:
    envelope = etree.Element(f"{{{S11}}}Envelope", nsmap={"soap": S11, "xrd": XRD, "id": ID, "es": ES})
    header = etree.SubElement(envelope, f"{{{S11}}}Header")
    for name, parts, kind in (
        ("client", ("VN", "GOV", "000000002", "DVCQG"), "SUBSYSTEM"),
        ("service", ("VN", "GOV", "000000001", "ERECEIPT", "getReceipt"), "SERVICE"),
    ):
        element = etree.SubElement(header, f"{{{XRD}}}{name}", {f"{{{ID}}}objectType": kind})
        names = ("xRoadInstance", "memberClass", "memberCode", "subsystemCode", "serviceCode")
        for part, value in zip(names, parts, strict=False):
            etree.SubElement(element, f"{{{ID}}}{part}").text = value
    etree.SubElement(header, f"{{{XRD}}}id").text = "text-answer-1"
    etree.SubElement(header, f"{{{XRD}}}protocolVersion").text = "4.0"
    body = etree.SubElement(envelope, f"{{{S11}}}Body")
    etree.SubElement(etree.SubElement(body, f"{{{ES}}}getReceipt"), f"{{{ES}}}LookupCode").text = code
    sign_envelope(
        envelope,
        [body, *header],
        (keys / "portal-client.key.pem").read_bytes(),
        (keys / "portal-client.cert.pem").read_bytes(),
    )
    return etree.tostring(envelope)


def test_an_endpoint_that_cannot_be_built_answers_a_soap_fault_and_the_pages_stay_up(tmp_path: Path) -> None:
    services, _ = build_site(tmp_path, "")
    (tmp_path / "var" / "keys" / "soap-server.key.pem").unlink()  # [soap] service_key names it
    client = services.web_application().test_client()
    answer = client.post("/soap", data=b"<x/>", content_type="text/xml; charset=utf-8")
    assert answer.status_code == 500  # a SOAP 1.1 fault, not granian's or Flask's error page
    assert answer.content_type.startswith("text/xml")
    fault = etree.fromstring(answer.data).find(f"{{{S11}}}Body/{{{S11}}}Fault")
    assert fault.findtext("faultcode").endswith("Server.InternalError")
    assert b"soap-server.key.pem" not in answer.data and b"Traceback" not in answer.data
    assert client.get("/healthz").json == {"status": "ok"}
