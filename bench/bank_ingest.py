"""Benchmark: bank transfers to signed receipts per second, end to end over RabbitMQ, on PostgreSQL.

Publishes camt.054 messages of 1 and of 50 transactions to a topology of its own (the transfers pay
cases of twelve district offices, each with its own series), runs one and two
``ereceipt worker`` processes, and measures receipts per second from the first payment recorded to
the last (consumed, matched, numbered, signed, committed, acknowledged: the queue must be empty),
printed beside the bare XAdES signing rate of the same key measured in the same run.
Target: at least 500 receipts per second with two workers on a 2-core machine.

    .venv/bin/python bench/bank_ingest.py [--transactions 20000] [--per-message 50 1] [--workers 1 2]
        [--batch-messages 100] [--postgres URL] [--amqp URL]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import pika
import sqlalchemy
from issue_receipts import DEFAULT_POSTGRES, bare_signing_rate
from process_cpu import cpu_by_process, descends_from, spent
from sqlalchemy import func, select, text

from ereceipt.app.demo import load_demo_data
from ereceipt.core.receipts.content import VIETNAM
from ereceipt.core.receipts.tables import EnforcementCase, Issuer, Payment, Receipt, ReceiptSeries
from ereceipt.core.signatures.pki import create_development_pki
from ereceipt.core.storage.database import Database, migrate
from ereceipt.queue.topology import Topology

DEFAULT_AMQP = os.environ.get("ERECEIPT_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from camt_builder import Tx, camt054  # noqa: E402 (test helper, found through the path above)

AGENCIES, CASES_PER_AGENCY = 12, 20


def quiet_parameters(amqp: str) -> pika.URLParameters:
    """No heartbeats: this connection sits idle for minutes while the workers run, and would be closed."""
    parameters = pika.URLParameters(amqp)
    parameters.heartbeat = 0
    return parameters


def add_agencies(database: Database) -> list[str]:
    """District offices of a province with their series and cases, as transfers really spread over them."""
    year = datetime.now(VIETNAM).year
    codes = []
    with database.write() as session:
        parent = session.scalar(select(Issuer).where(Issuer.code == "CTHADS-HN"))
        for a in range(AGENCIES):
            issuer = Issuer(
                code=f"CCTHADS-B{a:02d}",
                name=f"Chi cục Thi hành án dân sự huyện {a:02d}",
                tax_code=f"01000001{a:02d}",
                address="Hà Nội",
                parent_id=parent.id,
            )
            session.add(issuer)
            session.flush()
            session.add(
                ReceiptSeries(
                    issuer_id=issuer.id, template_number="01BLTHA", series_symbol=f"TH{year % 100:02d}E"
                )
            )
            for c in range(CASES_PER_AGENCY):
                code = f"THB{a:02d}{c:02d}"
                session.add(
                    EnforcementCase(
                        issuer_id=issuer.id,
                        payment_code=code,
                        judgment_number=f"{c}/2025/DS-ST",
                        decision_number=f"{c}/QĐ-CCTHADS",
                        obligor_name="Nguyễn Văn An",
                        obligor_address="Hà Nội",
                        amount_due=10**12,
                        purpose=f"Thi hành án theo {c}/QĐ-CCTHADS",
                    )
                )
                codes.append(code)
    return codes


def publish_all(
    amqp: str, topology: Topology, transactions: int, per_message: int, tag: str, codes: list[str]
) -> None:
    connection = pika.BlockingConnection(quiet_parameters(amqp))
    channel = connection.channel()
    channel.confirm_delivery()
    choose = random.Random(20000)
    for first in range(0, transactions, per_message):
        txs = [
            Tx(f"{tag}-{i}", "50000", f"NGUYEN VAN AN CK {choose.choice(codes)} {i}")
            for i in range(first, min(first + per_message, transactions))
        ]
        properties = pika.BasicProperties(message_id=f"{tag}-{first}", app_id="BFTVVNVX", delivery_mode=2)
        channel.basic_publish(topology.payments_exchange, "camt054", camt054(tag, [txs]), properties)
    connection.close()


def run(args, keys: Path, workdir: Path, per_message: int, workers: int) -> tuple[float, dict[str, float]]:
    """Receipts per second, and CPU milliseconds per receipt of the workers, PostgreSQL and RabbitMQ."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{args.postgres}{'&' if '?' in args.postgres else '?'}options=-csearch_path%3D{schema}"
    database = Database.from_url(url)
    migrate(database)
    load_demo_data(database)
    codes = add_agencies(database)
    suffix = uuid.uuid4().hex[:8]
    topology = Topology(
        f"bench.bank.{suffix}", "#", f"bench.payments.{suffix}", f"bench.dlx.{suffix}",
        f"bench.dead.{suffix}", f"bench.events.{suffix}", 5,
    )  # fmt: skip
    broker = pika.BlockingConnection(quiet_parameters(args.amqp))
    topology.declare(broker.channel())
    events = broker.channel()  # a subscriber to the events, which the relay publishes as mandatory
    events.queue_declare(f"bench.events.{suffix}", arguments={"x-queue-type": "quorum"}, durable=True)
    events.queue_bind(f"bench.events.{suffix}", topology.events_exchange, routing_key="#")
    try:
        config = workdir / f"config-{suffix}.ini"
        config.write_text(
            f"[database]\nurl = {url}\n[keys]\ndirectory = {keys}\n"
            f"signing_key = {keys / 'issuer-signing.key.pem'}\n"
            f"signing_certificate = {keys / 'issuer-signing.cert.pem'}\n"
            f"certificate_chain = {keys / 'ca.cert.pem'}\ntrust_anchors = {keys / 'ca.cert.pem'}\n"
            f"[queue]\nurl = {args.amqp}\npayments_exchange = {topology.payments_exchange}\n"
            f"payments_queue = {topology.payments_queue}\n"
            f"dead_letter_exchange = {topology.dead_letter_exchange}\n"
            f"dead_letter_queue = {topology.dead_letter_queue}\n"
            f"events_exchange = {topology.events_exchange}\n"
            f"prefetch = {max(10, 2 * args.batch_messages // per_message)}\n"
            f"batch_messages = {args.batch_messages}\n"
            "[logging]\nlevel = WARNING\n"
        )
        publish_all(args.amqp, topology, args.transactions, per_message, suffix, codes)
        env = {**os.environ, "ERECEIPT_CONFIG": str(config)}
        processes = [
            subprocess.Popen([sys.executable, "-m", "ereceipt", "worker"], env=env) for _ in range(workers)
        ]
        try:
            started = None
            while True:
                with database.read() as session:
                    payments = session.scalar(select(func.count()).select_from(Payment))
                if payments and started is None:
                    started, cpu_before = time.perf_counter(), cpu_by_process()
                if payments == args.transactions:
                    break
                time.sleep(0.05)
            ended, cpu_after = time.perf_counter(), cpu_by_process()
            while broker.channel().queue_declare(topology.payments_queue, passive=True).method.message_count:
                time.sleep(0.05)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=60)
        with database.read() as session:
            receipts = session.scalar(select(func.count()).select_from(Receipt))
        assert receipts == args.transactions, f"{receipts} receipts for {args.transactions} transactions"
    finally:  # a failed run leaves nothing behind on the shared services
        broker.channel().queue_delete(f"bench.events.{suffix}")
        topology.delete(broker.channel())
        broker.close()
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    workers_pids = {process.pid for process in processes}
    shares = {
        "workers": lambda pid, name, table: descends_from(pid, workers_pids, table),
        "pg": lambda pid, name, table: name.startswith("postgres"),
        "rabbitmq": lambda pid, name, table: name.startswith("beam"),
    }
    cpu = {key: spent(cpu_before, cpu_after, wanted) * 1000 / receipts for key, wanted in shares.items()}
    return receipts / (ended - started), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=20_000)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--amqp", default=DEFAULT_AMQP)
    parser.add_argument(
        "--per-message", type=int, nargs="+", default=[50, 1], help="transactions per message"
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker processes")
    parser.add_argument(
        "--batch-messages", type=int, default=100, help="[queue] batch_messages of the workers"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        workdir = Path(temporary)
        keys = create_development_pki(workdir / "keys").directory
        bare = bare_signing_rate(keys)
        print(f"bare XAdES signing, one process, ReceiptSigner: {bare:8.0f} signatures/s  [baseline]")
        alone = bare_signing_rate(keys, signxml_only=True)
        print(f"bare XAdES signing, one process, signxml alone: {alone:8.0f} signatures/s")
        print(f"CPU ms per receipt: the workers', PostgreSQL's, RabbitMQ's ({os.cpu_count()} cores)")
        for per_message in args.per_message:
            for workers in args.workers:
                rate, cpu = run(args, keys, workdir, per_message, workers)
                print(
                    f"{args.transactions} transactions, {per_message:2d} per message, {workers} worker(s), "
                    f"PostgreSQL: {rate:8.0f} receipts/s ({rate / bare:.0%} of bare signing)   "
                    f"workers {cpu['workers']:.2f}  pg {cpu['pg']:.2f}  rabbitmq {cpu['rabbitmq']:.2f}"
                )


if __name__ == "__main__":
    main()
