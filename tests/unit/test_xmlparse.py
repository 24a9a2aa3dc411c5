"""The one hardened parser: refuses DTDs, entities, oversize, text and broken input, each with a reason."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ereceipt.core.errors import XMLRejected
from ereceipt.core.xml import parser as xmlparse
from ereceipt.core.xml.parser import hardened_parser, parse_xml

LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">'
    + b"".join(b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10))
    + b"]><r>&l9;</r>"
)


def rejected(data, **options) -> str:
    with pytest.raises(XMLRejected) as refusal:
        parse_xml(data, **options)
    return refusal.value.message


def test_external_entity_is_refused_and_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("LEAKED")
    message = rejected(f'<!DOCTYPE r [<!ENTITY x SYSTEM "{secret.as_uri()}">]><r>&x;</r>'.encode())
    assert message == "a document type declaration (DTD) is not allowed"


def test_external_parameter_entity_is_refused_and_never_loaded(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY x "LEAKED">')
    message = rejected(f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{dtd.as_uri()}"> %p;]><r>&x;</r>'.encode())
    assert "DTD" in message and "LEAKED" not in message


def test_billion_laughs_is_refused_without_expanding() -> None:
    # libxml2 may stop the amplification itself, before our refusal of the DTD.
    message = rejected(LAUGHS)
    assert "(DTD) is not allowed" in message or "entity amplification factor exceeded" in message


def test_dtd_alone_is_refused() -> None:
    assert "DTD" in rejected(b'<!DOCTYPE r SYSTEM "r.dtd"><r/>')


def test_oversize_input_is_refused_before_it_is_parsed() -> None:
    # Malformed too: only the size check, made first, can give this reason.
    assert rejected(b"<" * 200, max_bytes=100) == "XML of 200 bytes is over the limit of 100 bytes"


def test_text_instead_of_bytes_is_refused() -> None:
    assert rejected("<r/>") == "XML must be given as bytes, not text"


@pytest.mark.parametrize("data", [b"", b" \n\t"], ids=["empty", "blank"])
def test_empty_input_is_refused(data: bytes) -> None:
    assert rejected(data) == "XML document is empty"


@pytest.mark.parametrize("data", [b"<r>", b"<r></s>", b"plain text", b"<r/><r/>"])
def test_malformed_xml_is_refused_with_the_parser_reason(data: bytes) -> None:
    assert rejected(data).startswith("malformed XML: ")


def test_ordinary_vietnamese_utf8_xml_is_read() -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-8"?><r a="Hà Nội"><n>Nguyễn Thị Ánh</n><m>1.015.000 đồng</m></r>'
    )
    root = parse_xml(text.encode())
    assert (root.get("a"), root.findtext("n"), root.findtext("m")) == (
        "Hà Nội",
        "Nguyễn Thị Ánh",
        "1.015.000 đồng",
    )


def test_comments_are_kept_for_verification_to_see() -> None:
    root = parse_xml(b"<r>1<!-- -->000</r>")
    assert len(root) == 1 and root.text == "1"


def test_every_call_gets_a_parser_of_its_own() -> None:
    # lxml parsers must not be shared between threads.
    assert hardened_parser() is not hardened_parser()


def test_a_thread_reuses_its_parser_and_a_refusal_leaves_it_as_strict() -> None:
    for refused in (LAUGHS, b"<r><unclosed></r>"):
        rejected(refused)
    assert parse_xml(b"<r>ok</r>").text == "ok"
    dtd = b'<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>'
    assert rejected(dtd) == "a document type declaration (DTD) is not allowed"  # as strict as before


def test_each_thread_parses_with_a_parser_of_its_own() -> None:
    # lxml parsers must not be shared between threads: 8 threads parse at once, each with its own.
    def parse(n: int) -> tuple[int, int, str]:
        text = parse_xml(b"<r>%d</r>" % n).text
        return threading.get_ident(), id(xmlparse._per_thread.parser), text

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(parse, range(400)))
    assert [text for _, _, text in results] == [str(n) for n in range(400)]
    parsers = {thread: set() for thread, _, _ in results}
    for thread, parser, _ in results:
        parsers[thread].add(parser)
    assert all(len(used) == 1 for used in parsers.values())  # reused within a thread
    assert len({next(iter(used)) for used in parsers.values()}) == len(parsers)  # never across
