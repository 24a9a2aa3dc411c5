"""Benchmark: serving the transparency log — capacity, and p99 latency with 64 clients offering 70 % of it.

``ereceipt serve`` (granian, 2 workers) on PostgreSQL, with a site made by ``ereceipt init --demo``,
500 issued receipts and synthetic copies (new numbers, lookup codes and identity digests) up to
``--receipts``, all integrated into the log. Two kinds of request: the portal's SOAP
``getInclusionProof`` by lookup code (each with its own X-Road id: the server refuses replays, and
every exchange goes to the message log, as in production) and full level-0 hash tiles
(``GET /log/tile/0/N``, C2SP tlog-tiles). For each: the capacity, 64 clients in a closed loop (each
sends its next request when answered); then an open loop at 70 % of that rate: request ``i`` is due
at ``i / rate`` seconds and sent by client ``i mod 64`` (as soon as it is free), its latency counted
from when it was due, so queueing counts. Target: p99 < 20 ms there. The clients are threads of this
process with keep-alive connections (http.client); CPU per request of the server, PostgreSQL and
the clients is printed with the arithmetic against the machine's cores.

    .venv/bin/python bench/transparency_serving.py [--receipts 20000] [--seconds 10] [--postgres URL]
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy
from log_fill import fill_log
from process_cpu import cpu_by_process, descends_from, spent
from soap_load import DEFAULT_POSTGRES, fill, request_body, settle
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from server_process import Server, ereceipt  # the tests' helper that starts `ereceipt serve`

CLIENTS, SHARE, TARGET_P99_MS = 64, 0.70, 20.0
CLIENT_ID = ("GOV", "000000003", "SECSERVER")
ACCESS = "\n[access]\nVN/GOV/000000003/SECSERVER = | getInclusionProof | unsigned\n"


class Requests:
    """Request ``i``: (method, path, body); SOAP bodies are prepared beforehand (X-Road ids unique)."""

    def __init__(self, kind: str, codes: list[str], size: int, count: int) -> None:
        self.kind, self.tiles = kind, max(1, size // 256)
        self.bodies = (
            [request_body(random.choice(codes), CLIENT_ID, None, "getInclusionProof") for _ in range(count)]
            if kind == "inclusion proof"
            else []
        )
        self.next = 0
        self.lock = threading.Lock()

    def take(self) -> tuple[str, str, bytes | None]:
        with self.lock:
            i, self.next = self.next, self.next + 1
        if self.kind == "inclusion proof":
            return "POST", "/soap", self.bodies[i % len(self.bodies)]
        return "GET", f"/log/tile/0/{random.randrange(self.tiles):03d}", None


def send(connection: http.client.HTTPConnection, request: tuple[str, str, bytes | None]) -> int:
    method, path, body = request
    headers = {"Content-Type": "text/xml; charset=utf-8"} if body else {}
    connection.request(method, path, body=body, headers=headers)
    answer = connection.getresponse()
    answer.read()
    return answer.status


def load(base: str, requests: Requests, seconds: float, rate: float | None) -> dict:
    """64 clients for ``seconds``: closed loop when ``rate`` is None, else the open-loop timetable."""
    host = urlsplit(base)
    latencies: list[float] = []
    errors = [0]
    start = time.perf_counter() + 0.2
    end = start + seconds

    def client(k: int) -> None:
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        mine, n = [], 0
        while True:
            if rate is None:
                due = time.perf_counter()
                if due < start:
                    time.sleep(start - due)
                    continue
            else:
                due = start + (k + n * CLIENTS) / rate
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
            if due >= end:
                break
            if send(connection, requests.take()) != 200:
                errors[0] += 1
            mine.append(time.perf_counter() - due)
            n += 1
        connection.close()
        latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "rate": len(ordered) / seconds,
        "p50": ordered[len(ordered) // 2] * 1000,
        "p99": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000,
        "errors": errors[0],
    }


def measured(server: Server, requests: Requests, seconds: float, rate: float | None) -> dict:
    before, mine = cpu_by_process(), time.process_time()
    result = load(server.base, requests, seconds, rate)
    after, mine = cpu_by_process(), time.process_time() - mine
    result["load"] = os.getloadavg()[0]  # the machine's run queue over the last minute, others' work included
    count = max(1, result["requests"])
    in_server = lambda p, n, t: descends_from(p, {server.process.pid}, t)  # noqa: E731
    result["server_ms"] = spent(before, after, in_server) * 1000 / count
    result["postgres_ms"] = spent(before, after, lambda p, n, t: n.startswith("postgres")) * 1000 / count
    result["client_ms"] = mine * 1000 / count
    return result


def queueing_p99_ms(service_ms: float, rate: float, cores: int) -> float:
    """The p99 response time of an M/M/c queue (Poisson arrivals at ``rate``, exponential service of
    mean ``service_ms``, ``cores`` servers): what the queueing alone costs on otherwise idle cores.

    Waiting is 0 with probability 1 - C (Erlang C), else exponential with rate c·mu - lambda; the
    response time adds the service, so P(T > t) = (1 - C)·e^(-mu·t) + C·P(W + S > t)."""
    mu, a = 1000 / service_ms, rate * service_ms / 1000
    if a >= cores:
        return math.inf
    top = a**cores / math.factorial(cores) * cores / (cores - a)
    waits = top / (sum(a**k / math.factorial(k) for k in range(cores)) + top)
    theta = cores * mu - rate

    def beyond(t: float) -> float:
        both = (
            math.exp(-mu * t) * (1 + mu * t)
            if abs(theta - mu) < 1e-9
            else ((theta * math.exp(-mu * t) - mu * math.exp(-theta * t)) / (theta - mu))
        )
        return (1 - waits) * math.exp(-mu * t) + waits * both

    low, high = 0.0, 1.0
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if beyond(middle) > 0.01 else (low, middle)
    return high * 1000


def report(kind: str, capacity: dict, offered: dict, rate: float) -> None:
    cpu = capacity["server_ms"] + capacity["postgres_ms"]
    print(
        f"{kind}: capacity (64 clients, closed loop) {capacity['rate']:.0f} req/s, "
        f"p50 {capacity['p50']:.1f} ms, p99 {capacity['p99']:.1f} ms; "
        f"CPU per request: server {capacity['server_ms']:.2f} ms, "
        f"PostgreSQL {capacity['postgres_ms']:.2f} ms, the clients {capacity['client_ms']:.2f} ms"
    )
    verdict = "MET" if offered["p99"] < TARGET_P99_MS else "MISSED"
    print(
        f"{kind}: 64 clients offering {rate:.0f} req/s (70 % of capacity), open loop: carried "
        f"{offered['rate']:.0f} req/s, p50 {offered['p50']:.1f} ms, p99 {offered['p99']:.1f} ms "
        f"(target p99 < {TARGET_P99_MS:.0f} ms) {verdict}; "
        f"non-200 answers: {capacity['errors'] + offered['errors']}"
    )
    cores = os.cpu_count() or 1
    whole = cpu + capacity["client_ms"]
    print(
        f"{kind}: arithmetic: ({cpu:.2f} ms server and PostgreSQL + {capacity['client_ms']:.2f} ms clients) "
        f"x {rate:.0f} req/s = {whole * rate / 1000:.2f} of {cores} cores busy at 70 %; "
        f"the server alone could carry {cores * 1000 / cpu:.0f} req/s on {cores} idle cores; "
        f"load average (1 min) after the closed loop {capacity['load']:.1f}, after the open loop "
        f"{offered['load']:.1f} on {cores} cores (above {cores}: runnable processes wait for a core, "
        "this bench's among them)"
    )
    print(
        f"{kind}: queueing alone (M/M/{cores}, {cpu:.2f} ms of CPU each, {rate:.0f} req/s, cores otherwise "
        f"idle): p99 {queueing_p99_ms(cpu, rate, cores):.1f} ms; measured {offered['p99']:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    schema = f"bench_tlogserve_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{args.postgres}{'&' if '?' in args.postgres else '?'}options=-csearch_path%3D{schema}"
    home = Path(tempfile.mkdtemp(prefix="tlog-serve-bench-"))
    try:
        (home / "config.ini").write_text(f"[database]\nurl = {url}\n")
        assert ereceipt(home, "init", "--demo").returncode == 0
        codes = fill(url, home, args.receipts)
        size = fill_log(admin, schema, home)
        settle(admin)
        print(
            f"log of {size:,} entries ({args.receipts:,} receipts: 500 issued, the rest synthetic copies), "
            f"PostgreSQL; ereceipt serve, granian 2 workers; {CLIENTS} client threads in this process"
        )
        server = Server(home, f"[database]\nurl = {url}\n" + ACCESS, 2)
        try:
            for kind in ("inclusion proof", "level-0 tile"):
                guess = 1500 * int(args.seconds + 2)  # more than the closed loop can send
                capacity = measured(server, Requests(kind, codes, size, guess), args.seconds, None)
                rate = SHARE * capacity["rate"]
                offered = measured(
                    server, Requests(kind, codes, size, int(rate * (args.seconds + 2))), args.seconds, rate
                )
                report(kind, capacity, offered, rate)
        finally:
            server.stop()
    finally:
        shutil.rmtree(home, ignore_errors=True)
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
