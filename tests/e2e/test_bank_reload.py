"""A running bank worker pins the certificates of `[banks]` anew on SIGHUP, without a restart.

The worker keeps the pins it had when the new `[banks]` cannot be read, and says why; `ereceipt
serve` passes its SIGHUP on to its bank worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from database_urls import MigratedDatabase
from rabbitmq import AMQP_URL, broker, queue_depth, topology
from server_process import Server, ereceipt
from sqlalchemy import func, select
from waiting import wait_for

from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.signatures.pki import DevelopmentPKI
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
    (tmp_path / "base.ini").write_text(
        f"[database]\nurl = {demo_database_url.url}\n"
        f"[keys]\ndirectory = {keys}\nsigning_key = {dev_pki.key('issuer-signing')}\n"
        f"signing_certificate = {dev_pki.cert('issuer-signing')}\ncertificate_chain = {dev_pki.ca_cert}\n"
        f"trust_anchors = {dev_pki.ca_cert}\n"
        f"[queue]\nurl = {AMQP_URL}\npayments_exchange = {topology.payments_exchange}\n"
        f"payments_queue = {topology.payments_queue}\n"
        f"dead_letter_exchange = {topology.dead_letter_exchange}\n"
        f"dead_letter_queue = {topology.dead_letter_queue}\nevents_exchange = {topology.events_exchange}\n"
        f"delivery_limit = {topology.delivery_limit}\n"
    )
    return tmp_path


def pin(home: Path, certificate: Path | str) -> None:
    (home / "config.ini").write_text((home / "base.ini").read_text() + f"[banks]\n{BIC} = {certificate}\n")


def receipts(url: str) -> int:
    database = Database.from_url(url)
    try:
        with database.read() as session:
            return session.scalar(select(func.count()).select_from(Receipt))
    finally:
        database.dispose()


def test_sighup_pins_a_new_bank_certificate_in_the_running_worker(
    home: Path, broker, topology: Topology, dev_pki: DevelopmentPKI, demo_database_url
) -> None:
    pin(home, dev_pki.cert("portal-client"))  # the bank's old certificate
    log = home / "worker.log"
    env = {**os.environ, "ERECEIPT_CONFIG": str(home / "config.ini")}
    with log.open("ab") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "ereceipt", "worker"], cwd=home, env=env, stdout=output, stderr=output
        )
    try:
        wait_for(lambda: queue_depth(broker, topology.payments_queue)[1] == 1, what="the worker consuming")
        # Signed with the bank's new key (bank-client), not yet pinned: refused.
        assert ereceipt(home, "queue", "publish", str(EXAMPLE), "--bank", BIC, "--sign").returncode == 0
        wait_for(lambda: queue_depth(broker, topology.dead_letter_queue)[0] == 1, what="a dead letter")
        assert receipts(demo_database_url.url) == 0

        pin(home, dev_pki.cert("bank-client"))
        worker.send_signal(signal.SIGHUP)
        wait_for(lambda: f"bank certificates reloaded: {BIC}" in log.read_text(), what="the reload")
        assert ereceipt(home, "queue", "publish", str(EXAMPLE), "--bank", BIC, "--sign").returncode == 0
        wait_for(lambda: receipts(demo_database_url.url) == 1, what="the receipt of the new pin's message")

        pin(home, home / "nowhere.pem")
        worker.send_signal(signal.SIGHUP)
        wait_for(lambda: "bank certificates not reloaded" in log.read_text(), what="the refused reload")
        assert worker.poll() is None
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        worker.kill()
        worker.wait()
    output = log.read_text()
    assert "nowhere.pem of bank BFTVVNVX" in output and "the 1 pinned before stay" in output, output
    assert "Traceback" not in output, output


def test_serve_passes_sighup_on_to_its_bank_worker(
    home: Path, broker, topology: Topology, dev_pki: DevelopmentPKI
) -> None:
    pin(home, dev_pki.cert("portal-client"))
    server = Server(home, (home / "config.ini").read_text(), workers=1, run_worker=True)
    try:
        wait_for(lambda: queue_depth(broker, topology.payments_queue)[1] == 1, what="the worker consuming")
        pin(home, dev_pki.cert("bank-client"))
        (home / "config.ini").write_text((home / "config.ini").read_text() + server_section(server))
        server.process.send_signal(signal.SIGHUP)
        wait_for(lambda: f"bank certificates reloaded: {BIC}" in server.log.read_text(), what="the reload")
        assert server.process.poll() is None
    finally:
        output = server.stop().decode()
    assert "Traceback" not in output, output


def server_section(server: Server) -> str:
    return f"[server]\nport = {server.port}\nworkers = 1\npublic_url = {server.base}\nrun_scheduler = false\n"
