"""The one hardened parser: refuses entities, DTDs, oversize and broken input; reads ordinary XML."""

import pytest

from ereceipt.core.errors import XMLRejected
from ereceipt.core.xmlparse import parse_xml

XXE = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol">'
    + b"".join(
        b'<!ENTITY a%d "%s">' % (i, (b"&a%d;" % (i - 1) if i > 1 else b"&a;") * 10) for i in range(1, 10)
    )
    + b"]><r>&a9;</r>"
)
REMOTE_DTD = b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/r.dtd"><r/>'
PARAMETER_ENTITY = b'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]><r/>'


@pytest.mark.parametrize(
    "data", [XXE, LAUGHS, REMOTE_DTD, PARAMETER_ENTITY], ids=["xxe", "laughs", "dtd", "pe"]
)
def test_dtds_and_entities_are_refused(data: bytes) -> None:
    with pytest.raises(XMLRejected, match=r"DTD|entity|Entity|malformed"):
        parse_xml(data)


def test_external_entity_is_never_read() -> None:
    with pytest.raises(XMLRejected) as refused:
        parse_xml(XXE)
    assert "root:" not in refused.value.message


def test_oversize_input_is_refused_before_parsing() -> None:
    with pytest.raises(XMLRejected, match="over the limit of 100 bytes"):
        parse_xml(b"<r>" + b"x" * 200 + b"</r>", max_bytes=100)


@pytest.mark.parametrize(
    ("data", "reason"), [("<r/>", "bytes"), (b"", "empty"), (b"  ", "empty"), (b"<r>", "malformed")]
)
def test_wrong_input_is_refused_with_a_reason(data, reason: str) -> None:
    with pytest.raises(XMLRejected, match=reason):
        parse_xml(data)


def test_ordinary_vietnamese_xml_is_read() -> None:
    root = parse_xml('<?xml version="1.0" encoding="UTF-8"?><r a="1"><n>Nguyễn Thị Ánh</n></r>'.encode())
    assert root.findtext("n") == "Nguyễn Thị Ánh"
