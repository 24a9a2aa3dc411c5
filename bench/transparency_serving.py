"""Benchmark: serving the transparency log — capacity, and p99 latency with 64 clients offering 70 % of it.

``ereceipt serve`` (granian, 2 workers) on PostgreSQL, with a site made by ``ereceipt init --demo``,
500 issued receipts and synthetic copies (new numbers, lookup codes and identity digests) up to
``--receipts``, all integrated into the log. Two kinds of request: the portal's SOAP
``getInclusionProof`` by lookup code (each with its own X-Road id: the server refuses replays, and
every exchange goes to the message log, as in production) and full level-0 hash tiles
(``GET /log/tile/0/N``, C2SP tlog-tiles). For each: the capacity, 64 clients in a closed loop (each sends
its next request when answered); then an open loop at 70 % of that rate (``--share``): request ``i``
is due at ``i / rate`` seconds and sent by client ``i mod 64`` (as soon as it is free), its latency
counted from when it was due, so queueing counts. Target: p99 < 20 ms there. The clients are 4
processes (``--processes``) of 16 keep-alive connections each, every process one event loop writing
raw HTTP/1.1 (no threads, so no interpreter lock between clients; a request costs a client a
fraction of what it costs the server, so the closed loop finds the server's limit, not the
clients'); each process runs its share of the timetable and the latencies are gathered at the end.
CPU per request of the server, PostgreSQL and the clients is printed with the arithmetic against the
machine's cores.

    .venv/bin/python bench/transparency_serving.py [--receipts 20000] [--seconds 10] [--share 0.7]
        [--processes 4] [--kind 'inclusion proof' | --kind 'level-0 tile'] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import random
import re
import shutil
import sys
import tempfile
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
KINDS = ("inclusion proof", "level-0 tile")
PROCESSES = 4  # client processes; the clients are spread evenly over them
CLIENT_ID = ("GOV", "000000003", "SECSERVER")
ACCESS = "\n[access]\nVN/GOV/000000003/SECSERVER = | getInclusionProof | unsigned\n"


class Requests:
    """A client process's requests as the bytes of HTTP/1.1 requests; SOAP bodies are prepared
    beforehand, each with its own X-Road id (the server refuses replays)."""

    def __init__(self, kind: str, codes: list[str], size: int, count: int, host: str) -> None:
        self.kind, self.tiles, self.host = kind, max(1, size // 256), host
        self.bodies = (
            [request_body(random.choice(codes), CLIENT_ID, None, "getInclusionProof") for _ in range(count)]
            if kind == "inclusion proof"
            else []
        )
        self.next = 0

    def take(self) -> bytes:
        i, self.next = self.next, self.next + 1
        if self.kind == "inclusion proof":
            body = self.bodies[i % len(self.bodies)]
            return (
                f"POST /soap HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: text/xml; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode() + body
        tile = random.randrange(self.tiles)
        return f"GET /log/tile/0/{tile:03d} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode()


_LENGTH = re.compile(rb"\r\ncontent-length: *([0-9]+)", re.IGNORECASE)


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """Sends one request on a keep-alive connection and reads its whole answer; its status."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = _LENGTH.search(head)
    if length is None:
        raise RuntimeError(f"an answer without Content-Length: {head[:200]!r}")
    await reader.readexactly(int(length[1]))
    return int(head[9:12])


def clients(
    pipe, first: int, count: int, base: str, requests: tuple, seconds: float, rate: float | None
) -> None:
    """One client process: clients ``first``, ``first + 1``, … ``first + count - 1``, each a
    keep-alive connection driven by one event loop (no threads, so no interpreter lock between them).

    Prepares its requests, says it is ready, waits for the start time (the system's monotonic clock,
    the same in every process), runs, and sends back its latencies, failures and CPU seconds."""
    host = urlsplit(base)
    requests = Requests(*requests, f"{host.hostname}:{host.port}")
    pipe.send("ready")
    start = pipe.recv()
    end = start + seconds
    latencies: list[float] = []
    errors = [0]

    async def client(k: int) -> None:
        reader, writer = await asyncio.open_connection(host.hostname, host.port)
        n = 0
        while True:
            if rate is None:
                due = time.perf_counter()
                if due < start:
                    await asyncio.sleep(start - due)
                    continue
            else:  # request i is due at i / rate and sent by client i mod CLIENTS
                due = start + (k + n * CLIENTS) / rate
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
            if due >= end:
                break
            if await exchange(reader, writer, requests.take()) != 200:
                errors[0] += 1
            latencies.append(time.perf_counter() - due)
            n += 1
        writer.close()

    async def run() -> None:
        await asyncio.gather(*(client(first + j) for j in range(count)))

    cpu = time.process_time()
    asyncio.run(run())
    pipe.send((latencies, errors[0], time.process_time() - cpu))
    pipe.close()


def load(
    base: str, kind: str, codes: list[str], size: int, seconds: float, rate: float | None, processes: int
) -> dict:
    """``CLIENTS`` clients in ``processes`` processes for ``seconds``: closed loop when ``rate`` is
    None, else the open-loop timetable; their latencies gathered."""
    per_process = CLIENTS // processes
    # SOAP bodies each process prepares: more than its share of the closed loop can send
    bodies = int((rate or 1500) * (seconds + 2) * 1.5 / processes)
    context = multiprocessing.get_context("fork")
    pipes, workers = [], []
    for p in range(processes):
        mine, theirs = context.Pipe()
        process = context.Process(
            target=clients,
            args=(theirs, p * per_process, per_process, base, (kind, codes, size, bodies), seconds, rate),
            daemon=True,
        )
        process.start()
        pipes.append(mine)
        workers.append(process)
    for pipe in pipes:
        assert pipe.recv() == "ready"
    start = time.perf_counter() + 0.2
    for pipe in pipes:
        pipe.send(start)
    latencies, errors, cpu = [], 0, 0.0
    for pipe in pipes:
        theirs, failed, spent_cpu = pipe.recv()
        latencies.extend(theirs)
        errors += failed
        cpu += spent_cpu
    for process in workers:
        process.join()
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "rate": len(ordered) / seconds,
        "p50": ordered[len(ordered) // 2] * 1000,
        "p99": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000,
        "errors": errors,
        "client_cpu": cpu,
    }


def measured(
    server: Server,
    kind: str,
    codes: list[str],
    size: int,
    seconds: float,
    rate: float | None,
    processes: int,
) -> dict:
    before = cpu_by_process()
    result = load(server.base, kind, codes, size, seconds, rate, processes)
    after = cpu_by_process()
    result["load"] = os.getloadavg()[0]  # the machine's run queue over the last minute, others' work included
    count = max(1, result["requests"])
    in_server = lambda p, n, t: descends_from(p, {server.process.pid}, t)  # noqa: E731
    result["server_ms"] = spent(before, after, in_server) * 1000 / count
    result["postgres_ms"] = spent(before, after, lambda p, n, t: n.startswith("postgres")) * 1000 / count
    result["client_ms"] = result["client_cpu"] * 1000 / count
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


def report(kind: str, capacity: dict, offered: dict, rate: float, share: float) -> None:
    cpu = capacity["server_ms"] + capacity["postgres_ms"]
    print(
        f"{kind}: capacity (64 clients, closed loop) {capacity['rate']:.0f} req/s, "
        f"p50 {capacity['p50']:.1f} ms, p99 {capacity['p99']:.1f} ms; "
        f"CPU per request: server {capacity['server_ms']:.2f} ms, "
        f"PostgreSQL {capacity['postgres_ms']:.2f} ms, the clients {capacity['client_ms']:.2f} ms"
    )
    verdict = "MET" if offered["p99"] < TARGET_P99_MS else "MISSED"
    print(
        f"{kind}: 64 clients offering {rate:.0f} req/s ({share:.0%} of capacity), open loop: carried "
        f"{offered['rate']:.0f} req/s, p50 {offered['p50']:.1f} ms, p99 {offered['p99']:.1f} ms "
        f"(target p99 < {TARGET_P99_MS:.0f} ms) {verdict}; "
        f"non-200 answers: {capacity['errors'] + offered['errors']}"
    )
    cores = os.cpu_count() or 1
    whole = cpu + capacity["client_ms"]
    print(
        f"{kind}: arithmetic: ({cpu:.2f} ms server and PostgreSQL + {capacity['client_ms']:.2f} ms clients) "
        f"x {rate:.0f} req/s = {whole * rate / 1000:.2f} of {cores} cores busy at {share:.0%}; "
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
    parser.add_argument(
        "--processes", type=int, default=PROCESSES, help=f"client processes ({CLIENTS} clients)"
    )
    parser.add_argument(
        "--share", type=float, default=SHARE, help="of the capacity, offered in the open loop"
    )
    parser.add_argument("--kind", choices=KINDS, action="append", help="only these requests (default: both)")
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
            f"PostgreSQL; ereceipt serve, granian 2 workers; {CLIENTS} clients: "
            f"{args.processes} processes of {CLIENTS // args.processes} connections"
        )
        server = Server(home, f"[database]\nurl = {url}\n" + ACCESS, 2)
        try:
            for kind in args.kind or KINDS:
                capacity = measured(server, kind, codes, size, args.seconds, None, args.processes)
                rate = args.share * capacity["rate"]
                offered = measured(server, kind, codes, size, args.seconds, rate, args.processes)
                report(kind, capacity, offered, rate, args.share)
        finally:
            server.stop()
    finally:
        shutil.rmtree(home, ignore_errors=True)
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
