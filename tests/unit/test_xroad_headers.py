"""Reading the X-Road 4.0 headers of a request (soap.xroad): the values, their order, and every refusal."""

from __future__ import annotations

import pytest
from lxml import etree

from ereceipt.soap.faults import SoapFault
from ereceipt.soap.xroad import read_xroad_headers

HEADER = """
<soap:Header xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:xrd="http://x-road.eu/xsd/xroad.xsd" xmlns:id="http://x-road.eu/xsd/identifiers"
    xmlns:other="urn:other">
  <xrd:client id:objectType="SUBSYSTEM">
    <id:xRoadInstance> VN </id:xRoadInstance><id:memberClass>GOV</id:memberClass>
    <id:memberCode>000000002</id:memberCode><id:subsystemCode>DVCQG</id:subsystemCode>
  </xrd:client>
  <other:trace>not ours</other:trace>
  <!-- a comment -->
  <xrd:service id:objectType="SERVICE">
    <id:xRoadInstance>VN</id:xRoadInstance><id:memberClass>GOV</id:memberClass>
    <id:memberCode>000000001</id:memberCode><id:subsystemCode>ERECEIPT</id:subsystemCode>
    <id:serviceCode>getReceipt</id:serviceCode><id:serviceCode>second</id:serviceCode>
    <id:serviceVersion>v1</id:serviceVersion>
  </xrd:service>
  <xrd:id>
    4894e35d-bf0f-44a6-867a-8e51f1daa7e0
  </xrd:id>
  <xrd:userId>VN001085012345</xrd:userId>
  <xrd:protocolVersion>4.0</xrd:protocolVersion>
  <xrd:issue>  </xrd:issue>
</soap:Header>
"""


def header(replace: tuple[str, str] | None = None) -> etree._Element:
    text = HEADER if replace is None else HEADER.replace(*replace)
    return etree.fromstring(text.encode())


def refusal(element: etree._Element | None) -> tuple[str, str]:
    with pytest.raises(SoapFault) as caught:
        read_xroad_headers(element)
    return caught.value.code, caught.value.reason


def test_the_values_are_read_stripped_and_the_x_road_elements_kept_in_their_order() -> None:
    headers = read_xroad_headers(header())
    assert headers.client == "VN/GOV/000000002/DVCQG"
    assert headers.service.provider == "VN/GOV/000000001/ERECEIPT"
    assert (headers.service.code, headers.service.version) == ("getReceipt", "v1")  # the first serviceCode
    assert headers.message_id == "4894e35d-bf0f-44a6-867a-8e51f1daa7e0"
    assert headers.user_id == "VN001085012345"
    assert headers.issue is None  # blank is absent
    assert [etree.QName(e).localname for e in headers.elements] == [
        *("client", "service", "id", "userId", "protocolVersion", "issue")
    ]


def test_a_member_client_has_no_subsystem() -> None:
    element = header(("SUBSYSTEM", "MEMBER"))
    subsystem = element.find(".//{http://x-road.eu/xsd/identifiers}subsystemCode")  # the client's
    subsystem.getparent().remove(subsystem)
    assert read_xroad_headers(element).client == "VN/GOV/000000002"


@pytest.mark.parametrize(
    ("replace", "code", "reason"),
    [
        (("xrd:id>", "xrd:idx>"), "MissingXRoadHeader", "the X-Road header id is missing"),
        (("xrd:protocolVersion", "xrd:pv"), "MissingXRoadHeader", "protocolVersion is missing"),
        (("<xrd:protocolVersion>4.0", "<xrd:protocolVersion>3.1"), "UnsupportedProtocolVersion", "'3.1'"),
        (("<xrd:userId>VN001085012345</xrd:userId>", "<xrd:id>x</xrd:id>"), "InvalidXRoadHeader", "twice"),
        (('objectType="SUBSYSTEM"', 'objectType="SERVICE"'), "InvalidXRoadHeader", "SUBSYSTEM or MEMBER"),
        (
            ("<id:memberClass>GOV</id:memberClass>\n    <id:memberCode>000000002", "<id:memberCode>2"),
            "InvalidXRoadHeader",
            "needs xRoadInstance, memberClass and memberCode",
        ),
        (
            ("<id:serviceCode>getReceipt</id:serviceCode><id:serviceCode>second</id:serviceCode>", ""),
            "InvalidXRoadHeader",
            "needs a serviceCode",
        ),
        (("4894e35d-bf0f-44a6-867a-8e51f1daa7e0", ""), "InvalidXRoadHeader", "1 to 100 characters"),
        (("4894e35d-bf0f-44a6-867a-8e51f1daa7e0", "x" * 101), "InvalidXRoadHeader", "1 to 100 characters"),
    ],
)
def test_each_missing_or_wrong_header_is_refused_with_its_reason(replace, code, reason) -> None:
    found_code, found_reason = refusal(header(replace))
    assert found_code == code
    assert reason in found_reason


def test_no_header_at_all_is_refused() -> None:
    assert refusal(None)[0] == "MissingXRoadHeader"
