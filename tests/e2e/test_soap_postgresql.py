"""The SOAP server on PostgreSQL under concurrent load: every exchange logged once in an intact chain,
and a replayed X-Road id refused exactly once however the requests fall into commit groups."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy
from database_urls import POSTGRES_URL, postgres_available_or_skip
from lxml import etree
from server_process import Server, ereceipt, http
from sqlalchemy import text

S11 = "http://schemas.xmlsoap.org/soap/envelope/"
XRD = "http://x-road.eu/xsd/xroad.xsd"
ID = "http://x-road.eu/xsd/identifiers"
ES = "urn:ereceipt:thads:service:1.0"
ACCESS = "\n[access]\nVN/GOV/000000003/SECSERVER = | getReceipt | unsigned\n"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, Path]]:
    postgres_available_or_skip()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    home = tmp_path_factory.mktemp("soap-postgresql")
    (home / "config.ini").write_text(f"[database]\nurl = {url}\n")
    assert ereceipt(home, "init", "--demo").returncode == 0
    server = Server(home, f"[database]\nurl = {url}\n" + ACCESS)
    try:
        yield server, url, home
    finally:
        output = server.stop()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        assert b"Traceback" not in output, output.decode()


def request(message_id: str) -> bytes:
    envelope = etree.Element(f"{{{S11}}}Envelope", nsmap={"soap": S11, "xrd": XRD, "id": ID, "es": ES})
    header = etree.SubElement(envelope, f"{{{S11}}}Header")
    client = etree.SubElement(header, f"{{{XRD}}}client", {f"{{{ID}}}objectType": "SUBSYSTEM"})
    for name, value in zip(
        ("xRoadInstance", "memberClass", "memberCode", "subsystemCode"),
        ("VN", "GOV", "000000003", "SECSERVER"),
        strict=True,
    ):
        etree.SubElement(client, f"{{{ID}}}{name}").text = value
    service = etree.SubElement(header, f"{{{XRD}}}service", {f"{{{ID}}}objectType": "SERVICE"})
    for name, value in zip(
        ("xRoadInstance", "memberClass", "memberCode", "subsystemCode", "serviceCode"),
        ("VN", "GOV", "000000001", "ERECEIPT", "getReceipt"),
        strict=True,
    ):
        etree.SubElement(service, f"{{{ID}}}{name}").text = value
    etree.SubElement(header, f"{{{XRD}}}id").text = message_id
    etree.SubElement(header, f"{{{XRD}}}protocolVersion").text = "4.0"
    body = etree.SubElement(envelope, f"{{{S11}}}Body")
    etree.SubElement(
        etree.SubElement(body, f"{{{ES}}}getReceipt"), f"{{{ES}}}LookupCode"
    ).text = "0000-0000-0000-0000"
    return etree.tostring(envelope)


def test_concurrent_requests_and_replays_are_each_logged_once_in_an_intact_chain(served) -> None:
    server, url, home = served
    ids = [f"pg-{n}" for n in range(60)]
    sent = ids + ids[:20] + ids[:20]  # 20 ids sent three times, at the same moment as the rest

    def post(message_id: str) -> tuple[int, bytes]:
        status, body, _ = http(server.base + "/soap", request(message_id), {"Content-Type": "text/xml"})
        return status, body

    with ThreadPoolExecutor(24) as pool:
        answers = list(pool.map(post, sent))
    by_id: dict[str, list[int]] = {}
    for message_id, (status, body) in zip(sent, answers, strict=True):
        by_id.setdefault(message_id, []).append(status)
        assert status == 200 or b"DuplicateMessageId" in body, body
    for message_id in ids:  # one answer per id, every other attempt refused
        assert sorted(by_id[message_id]) == [200] + [500] * (len(by_id[message_id]) - 1)
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as connection:
        outcomes = dict(
            connection.execute(text("SELECT outcome, count(*) FROM message_log GROUP BY outcome")).all()
        )
        ids_in_order = connection.execute(text("SELECT id FROM message_log ORDER BY id")).scalars().all()
    engine.dispose()
    assert outcomes == {"ok": 60, "DuplicateMessageId": 40}
    assert len(ids_in_order) == 100
    verified = ereceipt(home, "log", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
