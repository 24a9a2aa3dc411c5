"""`ereceipt worker` as a real process on real RabbitMQ: clean SIGTERM, and exactly once across SIGKILL."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from camt_builder import Tx, camt054
from cryptography import x509
from database_urls import MigratedDatabase
from rabbitmq import AMQP_URL, broker, publish, queue_depth, topology
from server_process import Server, ereceipt, http
from sqlalchemy import func, select
from waiting import wait_for

from ereceipt.core.receipts.tables import Payment, Receipt
from ereceipt.core.signatures.pki import DevelopmentPKI
from ereceipt.core.signers.record import add_certificate
from ereceipt.core.storage.database import Database
from ereceipt.queue.topology import Topology

__all__ = ["broker", "topology"]  # fixtures used by name
BIC = "BFTVVNVX"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "camt054-bank-transfer.xml"


@pytest.fixture
def home(
    tmp_path: Path, demo_database_url: MigratedDatabase, dev_pki: DevelopmentPKI, topology: Topology
) -> Path:
    keys = dev_pki.directory
    (tmp_path / "config.ini").write_text(
        f"[database]\nurl = {demo_database_url.url}\n"
        f"[keys]\ndirectory = {keys}\nsigning_key = {dev_pki.key('issuer-signing')}\n"
        f"signing_certificate = {dev_pki.cert('issuer-signing')}\ncertificate_chain = {dev_pki.ca_cert}\n"
        f"trust_anchors = {dev_pki.ca_cert}\n"
        f"[queue]\nurl = {AMQP_URL}\npayments_exchange = {topology.payments_exchange}\n"
        f"payments_queue = {topology.payments_queue}\n"
        f"dead_letter_exchange = {topology.dead_letter_exchange}\n"
        f"dead_letter_queue = {topology.dead_letter_queue}\nevents_exchange = {topology.events_exchange}\n"
        f"delivery_limit = {topology.delivery_limit}\nprefetch = 10\n"
    )
    # The agency's own key signs its receipts ([keys] directory); on record as `ereceipt init` puts it.
    certificate = x509.load_pem_x509_certificate(dev_pki.issuer_cert("CCTHADS-BD").read_bytes())
    database = Database.from_url(demo_database_url.url)
    try:
        with database.write() as session:
            start = certificate.not_valid_before_utc
            add_certificate(session, "CCTHADS-BD", certificate, actor="test", valid_from=start)
    finally:
        database.dispose()
    return tmp_path


def start_worker(home: Path) -> subprocess.Popen:
    env = {**os.environ, "ERECEIPT_CONFIG": str(home / "config.ini")}
    with (home / "worker.log").open("ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "ereceipt", "worker"], cwd=home, env=env, stdout=log, stderr=log
        )


def tally(url: str) -> tuple[int, int, list[int], int]:
    """(payments, receipts, receipt numbers in order, payments with more than one receipt)."""
    database = Database.from_url(url)
    try:
        with database.read() as session:
            payments = session.scalar(select(func.count()).select_from(Payment))
            numbers = list(session.scalars(select(Receipt.number).order_by(Receipt.number)))
            doubled = session.scalar(
                select(func.count()).select_from(
                    select(Receipt.payment_id)
                    .group_by(Receipt.payment_id)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
        return payments, len(numbers), numbers, doubled
    finally:
        database.dispose()


def test_queue_setup_declares_the_topology(home: Path, broker, topology: Topology) -> None:
    result = ereceipt(home, "queue", "setup")
    assert result.returncode == 0, result.stderr
    assert queue_depth(broker, topology.payments_queue) == (0, 0)
    assert queue_depth(broker, topology.dead_letter_queue) == (0, 0)


def test_example_published_from_the_cli_is_receipted_and_announced_then_sigterm_exits(
    home: Path, broker, topology, database_url
) -> None:
    events = broker.channel()
    events_queue = events.queue_declare("", exclusive=True).method.queue
    events.queue_bind(events_queue, topology.events_exchange, routing_key="receipt.issued.#")
    worker = start_worker(home)
    try:
        published = ereceipt(home, "queue", "publish", str(EXAMPLE), "--bank", BIC)
        assert published.returncode == 0, published.stderr
        wait_for(lambda: tally(database_url.url)[0] == 2, what="the example's two credits")
        found: list = []
        wait_for(
            lambda: found.append(events.basic_get(events_queue, auto_ack=True)) or found[-1][0], what="event"
        )
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        worker.kill()
    assert tally(database_url.url)[:3] == (2, 1, [1])  # the unmatched credit is held, the debit ignored
    method, properties, body = found[-1]
    assert method.routing_key == "receipt.issued.CCTHADS-BD"
    assert b"THA2501" in body and properties.message_id.startswith("receipt.issued.")
    assert queue_depth(broker, topology.payments_queue) == (0, 0)


@pytest.mark.slow
def test_sigkill_mid_burst_then_restart_gives_every_payment_exactly_once(
    home: Path, broker, topology, database_url
) -> None:
    messages, per_message = 60, 50  # 3 000 transactions; every tenth matches no case
    for m in range(messages):
        txs = [
            Tx(f"FTK-{m:03d}-{t:02d}", "100000", "an uong" if t % 10 == 0 else f"ND THA2503 {m} {t}")
            for t in range(per_message)
        ]
        publish(broker, topology, camt054(f"K-{m}", [txs]), message_id=f"K-{m}")
    worker = start_worker(home)
    try:
        wait_for(lambda: tally(database_url.url)[0] >= 600, timeout=120, what="the burst to be under way")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        assert tally(database_url.url)[0] < messages * per_message, "killed too late to prove anything"
        worker = start_worker(home)
        total = messages * per_message
        wait_for(lambda: tally(database_url.url)[0] == total, timeout=300, what="every payment")
        # Any message still in hand is acknowledged now. A fixed wait: AMQP shows a queue's ready
        # messages, not its unacknowledged ones, and the one ack after the last commit takes milliseconds.
        time.sleep(1)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        worker.kill()
    payments, receipts, numbers, doubled = tally(database_url.url)
    assert payments == messages * per_message
    assert receipts == messages * per_message * 9 // 10
    assert numbers == list(range(1, receipts + 1))
    assert doubled == 0
    assert queue_depth(broker, topology.payments_queue) == (0, 0)


def close_worker_connection(worker: subprocess.Popen) -> bool:
    """Have the broker close the worker's connection (found by its name); False when not found."""
    listing = subprocess.run(
        ["rabbitmqctl", "-q", "list_connections", "pid", "client_properties"],
        capture_output=True,
        timeout=30,
        check=True,
    )
    for line in listing.stdout.decode().splitlines()[1:]:
        pid, _, properties = line.partition("\t")
        if re.search(rf'"connection_name","ereceipt consumer [^"]* {worker.pid}"', properties):
            subprocess.run(
                ["rabbitmqctl", "-q", "close_connection", pid, "test: broker closes it"],
                capture_output=True,
                timeout=30,
                check=True,
            )
            return True
    return False


@pytest.mark.slow
def test_broker_closing_the_connection_mid_burst_loses_and_doubles_nothing(
    home: Path, broker, topology, database_url
) -> None:
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is needed to close a connection from the broker's side")
    messages, per_message = 40, 50
    for m in range(messages):
        txs = [Tx(f"FTC-{m:03d}-{t:02d}", "100000", f"ND THA2503 {m} {t}") for t in range(per_message)]
        publish(broker, topology, camt054(f"C-{m}", [txs]), message_id=f"C-{m}")
    worker = start_worker(home)
    total = messages * per_message
    try:
        wait_for(lambda: tally(database_url.url)[0] >= 300, timeout=120, what="the burst to be under way")
        assert close_worker_connection(worker), "the worker's connection was not found on the broker"
        assert tally(database_url.url)[0] < total, "closed too late to prove anything"
        wait_for(lambda: tally(database_url.url)[0] == total, timeout=300, what="every payment")
        time.sleep(1)  # as above: the last acknowledgement is not visible over AMQP
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        worker.kill()
    payments, receipts, numbers, doubled = tally(database_url.url)
    assert (payments, receipts, doubled) == (total, total, 0)
    assert numbers == list(range(1, total + 1))
    assert queue_depth(broker, topology.payments_queue) == (0, 0)
    assert b"reconnecting" in (home / "worker.log").read_bytes()


def test_server_keeps_serving_and_reports_the_broker_down(tmp_path: Path) -> None:
    config = "[database]\nurl = sqlite:///var/e.sqlite3\n[queue]\nurl = amqp://guest:guest@127.0.0.1:9/%2F\n"
    (tmp_path / "config.ini").write_text(config)
    assert ereceipt(tmp_path, "init", "--demo").returncode == 0
    server = Server(tmp_path, config, run_worker=True)  # its bank worker retries in the background
    try:
        status, body, _ = http(server.base + "/readyz")
        assert status == 200
        checks = json.loads(body)["checks"]
        assert (checks["database"], checks["keys"]) == ("ok", "ok")
        assert checks["broker"] == "unreachable"
        assert b"127.0.0.1:9" not in body and b"AMQP" not in body  # the reason goes to the log only
        assert http(server.base + "/")[0] == 200
        wait_for(lambda: b"reconnecting in" in server.log.read_bytes(), what="the worker's retry")
        assert http(server.base + "/healthz")[0] == 200
    finally:
        output = server.stop()
    assert b"Traceback" not in output, output.decode()
    assert b"consumer stopped" in output  # the bank worker stopped with the server
    assert b"readiness check broker failed: RabbitMQ unreachable" in output


def test_serve_runs_the_bank_worker_receipt_is_looked_up_and_announced(
    home: Path, broker, topology: Topology, database_url, dev_pki: DevelopmentPKI
) -> None:
    events = broker.channel()
    events_queue = events.queue_declare("", exclusive=True).method.queue
    events.queue_bind(events_queue, topology.events_exchange, routing_key="receipt.issued.#")
    pinned = f"[banks]\n{BIC} = {dev_pki.cert('bank-client')}\n"  # the bank signs: --sign below
    server = Server(home, (home / "config.ini").read_text() + pinned, run_worker=True)
    try:
        wait_for(lambda: queue_depth(broker, topology.payments_queue)[1] == 1, what="one consumer")
        published = ereceipt(home, "queue", "publish", str(EXAMPLE), "--bank", BIC, "--sign")
        assert published.returncode == 0, published.stderr
        wait_for(lambda: tally(database_url.url)[1] == 1, what="the receipt")
        database = Database.from_url(database_url.url)
        with database.read() as session:
            code = session.scalar(select(Receipt.lookup_code))
        database.dispose()
        status, page, _ = http(f"{server.base}/tra-cuu?ma={code}")
        assert status == 200 and "1.015.000" in page.decode()
        found: list = []
        wait_for(
            lambda: found.append(events.basic_get(events_queue, auto_ack=True)) or found[-1][0], what="event"
        )
        assert queue_depth(broker, topology.payments_queue)[1] == 1  # one worker, not one per WSGI worker
    finally:
        output = server.stop()
    method, _, body = found[-1]
    assert method.routing_key == "receipt.issued.CCTHADS-BD" and b"THA2501" in body
    assert queue_depth(broker, topology.payments_queue) == (0, 0)  # stopped with the server
    assert b"Traceback" not in output, output.decode()


def test_serve_without_run_worker_consumes_nothing(home: Path, broker, topology: Topology) -> None:
    server = Server(home, (home / "config.ini").read_text(), run_worker=False)
    try:
        assert http(server.base + "/readyz")[0] == 200
        time.sleep(2)  # a fixed wait, on purpose: no consumer is to appear, so there is nothing to wait for
        assert queue_depth(broker, topology.payments_queue) == (0, 0)
    finally:
        server.stop()


def test_serve_refuses_a_missing_bank_certificate_at_start(tmp_path: Path) -> None:
    config = "[database]\nurl = sqlite:///var/e.sqlite3\n[banks]\nBFTVVNVX = nowhere.pem\n"
    (tmp_path / "config.ini").write_text(config)
    assert ereceipt(tmp_path, "init").returncode == 0
    result = ereceipt(tmp_path, "serve", "--port", "9")
    assert result.returncode == 1
    assert b"nowhere.pem of bank BFTVVNVX" in result.stderr and b"Traceback" not in result.stderr
