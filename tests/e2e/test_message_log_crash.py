"""The message log over a crash, on the real server: a payment committed by a request whose process died
before logging it still has its exchange in the log, chained once, and the chain verifies.

The server's fault-injection point ``[soap] test_crash_after = business-commit`` ends the worker
(``os._exit``) right after ``notifyOnlinePayment`` has committed the payment and its receipt, and
before the exchange is logged: the step that, with the log written after the commit, lost it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from database_urls import POSTGRES_URL
from server_process import Server, ereceipt
from sqlalchemy import make_url, select, text
from sqlalchemy.engine import Engine
from waiting import wait_for
from zeep import Client

from ereceipt.core.receipts.tables import Payment, Receipt
from ereceipt.core.storage.database import Database
from ereceipt.core.storage.message_log_tables import MessageLogRecord, PendingExchange
from ereceipt.soap.log_pending import UNANSWERED
from ereceipt.soap.zeep_signature import XRoadSignature

ACCESS = "[access]\nVN/GOV/000000002/DVCQG = var/keys/portal-client.cert.pem | * | signed\n"
CHAINER = "chain_pending_after_seconds = 1\nchain_interval_seconds = 1\n"
PORTAL = {"xRoadInstance": "VN", "memberClass": "GOV", "memberCode": "000000002", "subsystemCode": "DVCQG"}
SERVICE = {
    "xRoadInstance": "VN",
    "memberClass": "GOV",
    "memberCode": "000000001",
    "subsystemCode": "ERECEIPT",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A server's home with the demo data, and its database's URL (on PostgreSQL a database of its own)."""
    if request.param == "sqlite":
        (tmp_path / "var").mkdir()
        yield from _initialised(tmp_path, f"sqlite:///{tmp_path / 'var' / 'e.sqlite3'}")
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    name = f"ereceipt_crash_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield from _initialised(tmp_path, make_url(POSTGRES_URL).set(database=name).render_as_string(False))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _initialised(home: Path, url: str) -> Iterator[tuple[Path, str]]:
    (home / "config.ini").write_text(f"[database]\nurl = {url}\n")
    done = ereceipt(home, "init", "--demo")
    assert done.returncode == 0, done.stderr
    yield home, url


def notify(server: Server, home: Path, message_id: str) -> None:
    keys = home / "var" / "keys"
    signature = XRoadSignature(
        keys / "portal-client.key.pem",
        keys / "portal-client.cert.pem",
        service_certificate=keys / "soap-server.cert.pem",
    )
    client = Client(f"{server.base}/soap?wsdl", wsse=signature)
    headers = {
        "client": {"objectType": "SUBSYSTEM", **PORTAL},
        "service": {
            "objectType": "SERVICE",
            **SERVICE,
            "serviceCode": "notifyOnlinePayment",
            "serviceVersion": "v1",
        },
        "id": message_id,
        "userId": "VN001085012345",
        "protocolVersion": "4.0",
    }
    client.service.notifyOnlinePayment(
        TransactionId="DVC-CRASH-1",
        Amount=1_015_000,
        Payer={"Name": "Nguyễn Văn An"},
        CaseCode="THA2501",
        PaidAt=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
        _soapheaders=headers,
    )


def test_a_payment_committed_before_a_crash_has_its_exchange_in_the_log(served: tuple[Path, str]) -> None:
    home, url = served
    database_config = f"[database]\nurl = {url}\n"
    message_id = str(uuid.uuid4())
    crashing = Server(
        home, database_config + ACCESS + "[soap]\ntest_crash_after = business-commit\n", workers=1
    )
    try:
        with pytest.raises(requests.exceptions.ConnectionError):  # the worker died before answering
            notify(crashing, home, message_id)
    finally:
        crashing.process.kill()  # the whole server, before anything else can run
        crashing.process.wait()
    database = Database.from_url(url)
    try:
        with database.read() as session:
            payments = session.scalars(
                select(Payment).where(Payment.external_reference == "DVC-CRASH-1")
            ).all()
            receipts = session.scalars(
                select(Receipt).where(Receipt.payment_id.in_([p.id for p in payments]))
            ).all()
            stored = session.scalars(
                select(PendingExchange).where(PendingExchange.xroad_id == message_id)
            ).all()
        assert (len(payments), len(receipts)) == (1, 1)  # committed, with its receipt
        assert len(stored) == 1 and b"DVC-CRASH-1" in stored[0].request  # its exchange committed with it

        server = Server(home, database_config + ACCESS + "[soap]\n" + CHAINER, workers=1)
        try:

            def chained() -> list[MessageLogRecord]:
                with database.read() as session:
                    query = select(MessageLogRecord).where(MessageLogRecord.xroad_id == message_id)
                    return session.scalars(query).all()

            wait_for(lambda: chained(), timeout=30, what="the chainer to chain the exchange")
        finally:
            output = server.stop()
        assert b"Traceback" not in output, output.decode()
        [record] = chained()
        assert (record.outcome, record.operation) == (UNANSWERED, "notifyOnlinePayment")
        assert b"DVC-CRASH-1" in record.request
        with database.read() as session:
            assert session.scalars(select(PendingExchange)).all() == []
    finally:
        database.dispose()
    verified = ereceipt(home, "log", "verify")
    assert verified.returncode == 0, verified.stdout
    assert b"message log intact" in verified.stdout
