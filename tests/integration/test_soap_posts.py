"""POST /soap goes straight to the SOAP endpoint (web.app.SoapPosts); the rest of the site stays Flask's."""

from __future__ import annotations

from pathlib import Path

from admin_site import build_site
from lxml import etree

from ereceipt.web.app import create_app

S11 = "http://schemas.xmlsoap.org/soap/envelope/"


def test_an_unexpected_failure_of_the_endpoint_is_a_soap_fault_not_a_page(
    tmp_path: Path, monkeypatch
) -> None:
    services, _ = build_site(tmp_path, "")
    client = create_app(services).test_client()

    def broken(*args):
        raise RuntimeError("a defect")

    monkeypatch.setattr(services.soap_endpoint, "handle", broken)
    answer = client.post("/soap", data=b"<x/>", content_type="text/xml; charset=utf-8")
    assert answer.status_code == 500  # a SOAP 1.1 fault
    assert answer.content_type.startswith("text/xml")
    fault = etree.fromstring(answer.data).find(f"{{{S11}}}Body/{{{S11}}}Fault")
    assert fault.findtext("faultcode").endswith("Server.InternalError")
    assert "try again later" in fault.findtext("faultstring")
    assert b"a defect" not in answer.data and b"Traceback" not in answer.data


def test_the_soap_answer_carries_its_length_and_the_other_pages_stay_flask_pages(tmp_path: Path) -> None:
    services, _ = build_site(tmp_path, "")
    client = create_app(services).test_client()
    answer = client.post("/soap", data=b"<not-xml", content_type="text/xml; charset=utf-8")
    assert answer.status_code == 500
    assert int(answer.headers["Content-Length"]) == len(answer.data)
    assert b"InvalidXml" in answer.data
    assert client.get("/soap?wsdl").status_code == 200
    assert client.get("/soap?xsd=nothing").status_code == 404
    assert client.get("/healthz").json == {"status": "ok"}
