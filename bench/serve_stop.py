"""Benchmark: how long `ereceipt serve` takes to stop, idle, at a Ctrl-C (SIGINT to its process group)
and at SIGTERM to its main process, until every process it started is gone (Linux /proc).

Each try initialises nothing again: one SQLite home and one RabbitMQ topology of its own (deleted
afterwards), then per try a start with two server workers, the bank worker and the scheduler, a
wait until all of them are up, the signal, and the time until the last of them has ended.
Target: under 3 s each way. Baseline, the code before the stop was reworked, measured with this
benchmark on the same machine: a Ctrl-C took 23–24 s (a server worker killed after granian's 20 s
graceful stop), a SIGTERM 4–6 s (the children stopped one after the other).

    .venv/bin/python bench/serve_stop.py [--tries 6] [--amqp URL]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pika
from process_cpu import cpu_by_process, descends_from

from ereceipt.queue.topology import Topology

TARGET_SECONDS = 3.0
WAYS = {signal.SIGINT: "Ctrl-C (SIGINT to the group)", signal.SIGTERM: "SIGTERM to the main process"}
BASELINE = "before the rework, Ctrl-C 23.2–24.5 s, SIGTERM 4.3–6.1 s (4 tries each, same machine)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> set[int]:
    table = cpu_by_process()
    return {child for child in table if child != pid and descends_from(child, {pid}, table)}


def alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own server)
            return response.status == 200
    except OSError:
        return False


def one_try(home: Path, env: dict, how: signal.Signals) -> float:
    port = free_port()
    base = (home / "base.ini").read_text()
    (home / "config.ini").write_text(
        base + f"[server]\nport = {port}\npublic_url = http://127.0.0.1:{port}\n"
    )
    log = home / f"serve-{port}.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "ereceipt", "serve"],
            cwd=home,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait(lambda: answers(f"http://127.0.0.1:{port}/healthz"), 120, "/healthz")
        wait(lambda: log.read_bytes().count(b"Started worker-") >= 2, 120, "two server workers")
        wait(lambda: b"consuming" in log.read_bytes(), 120, "the bank worker")
        wait(lambda: b"\nscheduler " in log.read_bytes(), 120, "the scheduler")
        started = descendants(server.pid)
        begun = time.monotonic()
        if how is signal.SIGINT:
            os.killpg(server.pid, signal.SIGINT)
        else:
            server.send_signal(signal.SIGTERM)
        server.wait(timeout=120)
        wait(lambda: not any(alive(pid) for pid in started), 120, "every child to end")
        return time.monotonic() - begun
    finally:
        server.kill()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=6, help="tries each way (default 6)")
    parser.add_argument(
        "--amqp", default=os.environ.get("ERECEIPT_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    )
    args = parser.parse_args()
    suffix = uuid.uuid4().hex[:10]
    topology = Topology(
        payments_exchange=f"bench.payments.{suffix}",
        payments_binding="#",
        payments_queue=f"bench.ereceipt.payments.{suffix}",
        dead_letter_exchange=f"bench.ereceipt.dlx.{suffix}",
        dead_letter_queue=f"bench.ereceipt.payments.dead.{suffix}",
        events_exchange=f"bench.ereceipt.events.{suffix}",
        delivery_limit=5,
    )
    with tempfile.TemporaryDirectory(prefix="serve-stop-") as directory:
        home = Path(directory)
        (home / "base.ini").write_text(
            "[database]\nurl = sqlite:///var/e.sqlite3\n"
            f"[queue]\nurl = {args.amqp}\npayments_exchange = {topology.payments_exchange}\n"
            f"payments_queue = {topology.payments_queue}\n"
            f"dead_letter_exchange = {topology.dead_letter_exchange}\n"
            f"dead_letter_queue = {topology.dead_letter_queue}\n"
            f"events_exchange = {topology.events_exchange}\n"
        )
        (home / "config.ini").write_text((home / "base.ini").read_text())
        env = {**os.environ, "ERECEIPT_CONFIG": str(home / "config.ini")}
        init = [sys.executable, "-m", "ereceipt", "init"]
        subprocess.run(init, cwd=home, env=env, check=True, capture_output=True)
        try:
            results = {how: [one_try(home, env, how) for _ in range(args.tries)] for how in WAYS}
        finally:
            connection = pika.BlockingConnection(pika.URLParameters(args.amqp))
            topology.delete(connection.channel())
            connection.close()
    print(f"idle stop of `ereceipt serve` (2 server workers, bank worker, scheduler), {args.tries} tries")
    print(f"{'signal':<34} {'min s':>6} {'median s':>9} {'max s':>6}  target")
    for how, name in WAYS.items():
        times = results[how]
        verdict = "met" if max(times) < TARGET_SECONDS else "MISSED"
        print(
            f"{name:<34} {min(times):6.2f} {statistics.median(times):9.2f} {max(times):6.2f}  "
            f"< {TARGET_SECONDS:.0f} s: {verdict}"
        )
    print(f"baseline: {BASELINE}")


if __name__ == "__main__":
    main()
