"""Benchmark: look-ups and whole-table commands as the register grows (PostgreSQL, two sizes).

For each size (default 200 000 and 2 000 000 receipts) a database of its own is seeded with
SYNTHETIC rows — INSERT … SELECT generate_series for issuers, series, cases, receipts and payments,
COPY for the message log (one record per receipt, a real hash chain over small synthetic messages)
— with no signer: each receipt's signed_xml is a 12-byte stand-in, so the table sizes printed
leave out the XML (6.5 KB a receipt when signed, TOAST-compressed). Migration 0016's indexes are
built after the seed, CONCURRENTLY, as the migration would on a full table, and their build time and
size are printed; the dashboard's daily figures are counted from the seeded receipts as migration
0019 counts them. Then, VACUUM ANALYZE'd, each operation of the portal, the public page and the
admin page runs in this process (the portal's operation handlers and the admin page's query
functions, no HTTP in front) at 1 and at 8 concurrent clients: p50 and p99 in ms at each size and
the growth of p50 from the smaller size to the larger, beside the targets. Both databases are kept
until the end and each look-up runs at the two sizes in turn, four rounds with the order
alternating, so that a change in the machine's load falls on both sizes alike (a look-up whose answer
does not grow: p50 grows ≤ 1.3× and stays < 50 ms at 1 client on the larger size; deep pages cost
what page 1 costs). Each whole-table command then runs in a fresh process and its peak resident
memory is printed (target < 500 MB). The databases are dropped at the end.

    .venv/bin/python bench/scale.py [--sizes 200000,2000000] [--samples 60] [--postgres URL]
        [--only dashboard]    (only the operations so named; no message log, no whole-table commands)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy
from lxml import etree
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ereceipt.adapters.portal import SERVICE_NS, PortalOperations
from ereceipt.core.receipts import daily_figures, lookup
from ereceipt.core.storage.database import Database, migrate
from ereceipt.core.users.accounts import CurrentUser
from ereceipt.settings import ClientAccess
from ereceipt.soap.message_log import GENESIS, Exchange, chain_suffix
from ereceipt.web.admin import queries

DEFAULT_POSTGRES = os.environ.get(
    "ERECEIPT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ISSUERS = 100
ROUNDS = 4  # each look-up measured at the two sizes in turn, this many times
ACCOUNT = "0099000000001"  # issuer 1's collection account
NOW = datetime(2026, 12, 31, 10, tzinfo=UTC)  # the dashboard's "now": the seed's last day, 17:00 in Vietnam
INDEXES = (
    "ix_receipt_issuer_issued",
    "ix_receipt_issued",
    "ix_payment_held",
    "ix_receipt_payer_name_trgm",
)
RARE_NAME = "Đặng Thị Hiếm"  # 20 receipts at any size: an answer that does not grow
CLIENT = ClientAccess("VN/GOV/BENCH", None, ("*",), signatures_required=False)

SEED = [
    "INSERT INTO issuer (code, name, tax_code, address, bank_bin, bank_account) "
    "SELECT 'CC-' || lpad(i::text, 3, '0'), 'Chi cục ' || i, '0100000000', 'Hà Nội', '970436', "
    "CASE WHEN i = 1 THEN :account END FROM generate_series(1, :issuers) AS i",
    "INSERT INTO receipt_series (issuer_id, template_number, series_symbol, active) "
    "SELECT i.id, '01BLTHA', 'TH' || y || 'E', true FROM issuer i, (VALUES (25), (26)) AS v(y) "
    "ORDER BY i.id, y",
    "INSERT INTO enforcement_case (issuer_id, payment_code, judgment_number, decision_number, obligor_name, "
    "amount_due, purpose) SELECT 1 + c % :issuers, 'THA' || lpad(c::text, 12, '0'), 'BA ' || c, 'QĐ ' || c, "
    "'Người phải thi hành ' || c, 1000000000, 'Án phí' FROM generate_series(1, :cases) AS c",
    """
INSERT INTO receipt (issuer_id, series_id, year, number, lookup_code, status, issued_at, amount, payer_name,
                     payer_id_number, case_id, payment_method, payment_reference, issuing_officer, signed_xml)
SELECT 1 + g % :issuers,
       2 * (g % :issuers) + CASE WHEN g <= :half THEN 1 ELSE 2 END,
       CASE WHEN g <= :half THEN 2025 ELSE 2026 END,
       (g - CASE WHEN g <= :half THEN 1 ELSE :half + 1 END) / :issuers + 1,
       lpad(g::text, 16, '0'),
       CASE WHEN g % 100 = 50 THEN 'CANCELLED' ELSE 'ISSUED' END,
       timestamp '2025-01-01' + (g - 1) * (interval '730 days' / :n),
       100000 + (g % 977) * 1000,
       CASE WHEN g <= 20 THEN :rare ELSE
         (ARRAY['Nguyễn','Trần','Lê','Phạm','Hoàng','Huỳnh','Phan','Vũ','Võ','Đỗ'])[1 + g % 10] || ' ' ||
         (ARRAY['Văn','Thị','Minh','Hữu','Đức'])[1 + (g / 10) % 5] || ' ' ||
         (ARRAY['An','Bình','Cường','Dũng','Giang','Hà','Hải','Hạnh','Hùng','Khoa','Lan','Long','Mai','Nam',
                'Ngọc','Phúc','Quân','Sơn','Thảo','Tú'])[1 + (g / 50) % 20] END,
       lpad(((g::bigint * 7919) % 999999999999)::text, 12, '0'),
       1 + g % :cases,
       'BANK_TRANSFER', 'REF' || g, 'bench', '\\x3c73796e7468657469632f3e'::bytea
FROM generate_series(1, :n) AS g""",
    "INSERT INTO series_counter (series_id, year, last_number) "
    "SELECT series_id, year, max(number) FROM receipt GROUP BY series_id, year",
    "INSERT INTO payment (source, external_reference, amount, payer_name, paid_at, case_id, status, "
    "recorded_at) SELECT 'bank', 'REF' || g, 100000, 'Bench payer', "
    "timestamp '2025-01-01' + (g - 1) * (interval '730 days' / :n), "
    "1 + g % :cases, CASE WHEN g % (:n / 50) = 0 THEN 'HELD' ELSE 'RECEIPTED' END, "
    "timestamp '2025-01-01' + (g - 1) * (interval '730 days' / :n) FROM generate_series(1, :n) AS g",
]


def _seed_log(url: str, records: int) -> None:
    """``records`` message-log records in one hash chain, COPY'd (psycopg), then the chain's head."""
    import psycopg

    columns = (
        "at, client, service, operation, xroad_id, user_id, outcome, http_status, duration_ms, request, "
        "response, previous_hash, hash"
    )
    previous = GENESIS
    start = datetime(2025, 1, 1, tzinfo=UTC)
    step = timedelta(days=730) / max(records, 1)
    with psycopg.connect(url) as connection:
        with connection.cursor().copy(f"COPY message_log ({columns}) FROM STDIN") as copy:
            for n in range(records):
                at = start + step * n
                request = f'<getReceipt xmlns="{SERVICE_NS}"><LookupCode>{n:016d}</LookupCode></getReceipt>'
                exchange = Exchange(
                    "VN/GOV/BENCH", "ERECEIPT", "getReceipt", f"id-{n}", None, "ok", 200, 3,
                    request.encode(), b"<getReceiptResponse>synthetic</getReceiptResponse>" * 4,
                )  # fmt: skip
                hashed = hashlib.sha256(previous.encode() + chain_suffix(at, exchange)).hexdigest()
                copy.write_row(
                    (
                        at,
                        exchange.client,
                        exchange.service,
                        exchange.operation,
                        exchange.xroad_id,
                        None,
                        exchange.outcome,
                        200,
                        3,
                        exchange.request,
                        exchange.response,
                        previous,
                        hashed,
                    )
                )
                previous = hashed
        connection.execute("UPDATE message_log_head SET last_hash = %s WHERE id = 1", (previous,))
        connection.commit()


def seed(url: str, database: Database, receipts: int, *, log: bool = True) -> dict:
    figures = {}
    started = time.perf_counter()
    with database.write() as session:
        for name in INDEXES:  # built after the seed, below, as on a table that already holds it
            session.execute(text(f"DROP INDEX IF EXISTS {name}"))
        parameters = {
            "account": ACCOUNT, "issuers": ISSUERS, "n": receipts, "half": receipts // 2,
            "cases": max(receipts // 4, 1), "rare": RARE_NAME,
        }  # fmt: skip
        for statement in SEED:
            session.execute(text(statement), {k: v for k, v in parameters.items() if f":{k}" in statement})
        started_figures = time.perf_counter()
        daily_figures.recount(session)  # the dashboard's figures, as migration 0019 counts them
        figures["figures_s"] = time.perf_counter() - started_figures
    if log:
        _seed_log(url.replace("postgresql+psycopg", "postgresql"), receipts)
    figures["seed_s"] = time.perf_counter() - started
    build = {}
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for name, definition in (
            ("ix_receipt_issuer_issued", "receipt (issuer_id, issued_at, id) INCLUDE (status, amount)"),
            ("ix_receipt_issued", "receipt (issued_at, id) INCLUDE (issuer_id, status, amount)"),
            ("ix_payment_held", "payment (recorded_at) WHERE status = 'HELD'"),
            ("ix_receipt_payer_name_trgm", "receipt USING gin (lower(payer_name) gin_trgm_ops)"),
        ):
            started = time.perf_counter()
            connection.execute(text(f"CREATE INDEX CONCURRENTLY {name} ON {definition}"))
            build[name] = time.perf_counter() - started
        connection.execute(text("VACUUM ANALYZE"))
        sizes = dict(
            connection.execute(
                text(
                    "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c WHERE c.relname = ANY(:names)"
                ),
                {"names": [*INDEXES, "receipt", "message_log", "payment", "daily_figure"]},
            ).all()
        )
        totals = dict(
            connection.execute(
                text(
                    "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
                    "WHERE relname IN ('receipt', 'message_log', 'payment', 'daily_figure')"
                )
            ).all()
        )
    figures["build_s"], figures["sizes"], figures["totals"] = build, sizes, totals
    return figures


def _request(operation: str, **children: object) -> etree._Element:
    element = etree.Element(f"{{{SERVICE_NS}}}{operation}", nsmap={None: SERVICE_NS})
    for name, value in children.items():
        etree.SubElement(element, f"{{{SERVICE_NS}}}{name}").text = str(value)
    return element


def operations(database: Database, receipts: int) -> list[tuple[str, str, Callable[[random.Random], object]]]:
    """(name, target, call): target "flat" for an answer that does not grow, "capped" for one that
    grows up to the cap, "window" for figures of a time window."""
    portal = PortalOperations(database, issuer=None, verify_receipt=None)
    national = CurrentUser(1, "bench-auditor", "auditor", None, None)
    agency = CurrentUser(2, "bench-officer", "officer", 8, "CC-008")
    cases = max(receipts // 4, 1)
    with database.read() as session:  # the key of a row half-way down issuer CC-008's two years
        deep = session.execute(
            text(
                "SELECT issued_at, id FROM receipt WHERE issuer_id = 8 ORDER BY issued_at DESC, id DESC "
                "OFFSET :o LIMIT 1"
            ),
            {"o": receipts // ISSUERS // 2},
        ).one()
    since_1970 = deep.issued_at.replace(tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    key = f"{since_1970 // timedelta(microseconds=1)}-{deep.id}"

    def get_by_code(rng):
        return portal.get_receipt(
            _request("getReceipt", LookupCode=f"{rng.randint(1, receipts):016d}"), CLIENT
        )

    def get_by_number(rng):
        g = rng.randint(receipts // 2 + 1, receipts)  # a 2026 receipt
        issuer = 1 + g % ISSUERS
        number = (g - receipts // 2 - 1) // ISSUERS + 1
        request = _request(
            "getReceipt",
            IssuerCode=f"CC-{issuer:03d}",
            TemplateNumber="01BLTHA",
            SeriesSymbol="TH26E",
            Number=number,
        )
        return portal.get_receipt(request, CLIENT)

    def balance(rng):
        return portal.get_case_balance(
            _request("getCaseBalance", CaseCode=f"THA{rng.randint(1, cases):012d}"), CLIENT
        )

    def by_identity(rng):
        g = rng.randint(1, receipts)
        identity = f"{(g * 7919) % 999999999999:012d}"
        return portal.search_receipts(_request("searchReceipts", PayerIdentityNumber=identity), CLIENT)

    def by_case(rng):
        return portal.search_receipts(
            _request("searchReceipts", CaseCode=f"THA{rng.randint(1, cases):012d}"), CLIENT
        )

    def issuer_range(page: int | None = None, page_key: str | None = None):
        def run(rng):
            children = {
                "IssuerCode": f"CC-{rng.randint(1, ISSUERS):03d}",
                "DateFrom": "2025-01-01",
                "DateTo": "2026-12-31",
            }
            if page:
                children["Page"] = page
            children["PageSize"] = 20
            if page_key:
                children["IssuerCode"] = "CC-008"
                children["PageKey"] = page_key
            return portal.search_receipts(_request("searchReceipts", **children), CLIENT)

        return run

    def public_page(rng):
        with database.read() as session:
            return lookup.by_lookup_code(session, f"{rng.randint(1, receipts):016d}")

    def admin(user, **filters):
        def run(rng):
            with database.read() as session:
                return queries.search_receipts(session, user, **filters)

        return run

    def dashboard(user):
        def run(rng):
            with database.read() as session:
                return queries.figures(session, user, NOW)

        return run

    return [
        ("getReceipt by lookup code", "flat", get_by_code),
        ("public lookup page (by code)", "flat", public_page),
        ("getCaseBalance", "flat", balance),
        ("searchReceipts by identity number", "flat", by_identity),
        ("searchReceipts by case", "flat", by_case),
        ("getReceipt by issuer+series+number", "flat", get_by_number),
        ("searchReceipts issuer 2 years, page 1", "capped", issuer_range(page=1)),
        ("searchReceipts issuer 2 years, page 500", "capped", issuer_range(page=500)),
        ("searchReceipts by PageKey, mid-issuer", "capped", issuer_range(page_key=key)),
        ("admin list, national, page 1", "capped", admin(national)),
        ("admin list, agency, page 400", "capped", admin(agency, page=400)),
        ("admin search by rare payer name", "flat", admin(national, payer="hiếm")),
        ("admin search by common name fragment", "capped", admin(national, payer="văn an")),
        ("admin search by number", "flat", admin(agency, number=77)),
        ("admin search by identity number", "flat", admin(national, identity=f"{7919 * 5:012d}")),
        ("admin dashboard /admin/so-lieu.json, national", "window", dashboard(national)),
        ("admin dashboard /admin/so-lieu.json, agency", "window", dashboard(agency)),
    ]


def timed_calls(
    call: Callable[[random.Random], object], clients: int, samples: int, seed: int
) -> list[float]:
    """The time in ms of each of ``samples`` calls per client, ``clients`` threads at once."""
    timings: list[float] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        mine = []
        for _ in range(samples):
            started = time.perf_counter()
            call(rng)
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            timings.extend(mine)

    call(random.Random(0))  # warm
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings


def percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def measure_interleaved(
    registers: list[Register], samples: int, clients: tuple[int, ...], only: list[str]
) -> None:
    """Each operation at every size in turn, ROUNDS times (the order of the sizes alternating), so
    that a change in the machine's load falls on both sizes alike; p50 and p99 over all rounds."""
    plans = [operations(register.database, register.receipts) for register in registers]
    for index, (label, target, _call) in enumerate(plans[0]):
        if only and not any(word in label for word in only):
            continue
        for c in clients:
            per_round = max((samples if c == 1 else max(samples // c, 8)) // ROUNDS, 2)
            gathered: list[list[float]] = [[] for _ in registers]
            for round_number in range(ROUNDS):
                order = range(len(registers)) if round_number % 2 == 0 else reversed(range(len(registers)))
                for which in order:
                    call = plans[which][index][2]
                    gathered[which] += timed_calls(call, c, per_round, seed=round_number)
            for register, timings in zip(registers, gathered, strict=True):
                register.timings.setdefault(label, (target, {}))[1][c] = percentiles(timings)
        for register in registers:
            cells = "  ".join(
                f"{c} cl p50 {p50:7.1f} p99 {p99:7.1f}"
                for c, (p50, p99) in register.timings[label][1].items()
            )
            print(f"  {register.receipts:>9,}  {label:<46} {cells}")


PROBE = """
import json, resource, sys, time
from datetime import date
from ereceipt.core.storage.database import Database
url, command = sys.argv[1], sys.argv[2]
database = Database.from_url(url)
started = time.perf_counter()
if command == "log verify":
    from ereceipt.soap.log_check import verify_chain
    outcome = verify_chain(database).records
elif command == "log verify-all (archive + log)":
    from ereceipt.soap.log_archive import verify_archived_chain
    outcome = verify_archived_chain(database).records
else:
    import io
    from ereceipt.core.treasury.reconciliation import reconcile, write_discrepancies_csv
    summary = reconcile(database, sys.argv[3], date.fromisoformat(sys.argv[4]), actor="bench")
    with database.read() as session:
        outcome = write_discrepancies_csv(session, summary.run_id, io.StringIO())
print(json.dumps({"outcome": outcome, "seconds": time.perf_counter() - started,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def whole_table(url: str, database: Database, receipts: int) -> dict:
    from ereceipt.soap.log_archive import archive_message_log

    results = {}
    for command in ("log verify",):
        results[command] = _probe(url, command)
    archive_message_log(database, 365, now=datetime(2026, 12, 31, tzinfo=UTC))  # the first year's half
    results["log verify-all (archive + log)"] = _probe(url, "log verify-all (archive + log)")
    with database.read() as session:  # issuer 1's busiest day
        day = session.execute(
            text(
                "SELECT date(issued_at + interval '7 hours') FROM receipt WHERE issuer_id = 1 "
                "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar_one()
    results["reconcile + CSV export (one day)"] = _probe(url, "reconcile", ACCOUNT, str(day))
    return results


def _probe(url: str, *arguments: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, url, *arguments], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


@dataclass
class Register:
    """One seeded database of the benchmark and what was measured on it."""

    receipts: int
    name: str
    url: str
    database: Database
    figures: dict
    timings: dict = field(default_factory=dict)
    memory: dict = field(default_factory=dict)


def prepare(admin, postgres: str, receipts: int, clients: tuple[int, ...], only: list[str]) -> Register:
    """A database of its own seeded with ``receipts``; with ``only``, without the message log."""
    name = f"ereceipt_bench_scale_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
    database = Database.from_url(url, pool_size=max(clients) + 2)
    register = Register(receipts, name, url, database, {})
    migrate(database)
    log = f"{receipts:,} message-log records" if not only else "no message log"
    print(f"\n== {receipts:,} receipts, {log} (synthetic; see the docstring)")
    figures = register.figures = seed(url, database, receipts, log=not only)
    print(f"seeded in {figures['seed_s']:.0f} s (daily figures counted in {figures['figures_s']:.1f} s)")
    print("indexes built CONCURRENTLY after the seed:")
    for index, seconds in figures["build_s"].items():
        print(f"  {index:<30} {seconds:6.1f} s  {figures['sizes'].get(index, 0) / 2**20:8.1f} MiB")
    for table in ("receipt", "payment", "message_log", "daily_figure"):
        print(
            f"  table {table:<24} heap {figures['sizes'].get(table, 0) / 2**20:8.1f} MiB, "
            f"with indexes and TOAST {figures['totals'].get(table, 0) / 2**20:8.1f} MiB"
        )
    return register


def whole_tables(register: Register) -> None:
    register.memory = whole_table(register.url, register.database, register.receipts)
    for command, measured in register.memory.items():
        print(
            f"  {register.receipts:>9,}  {command:<46} {measured['seconds']:7.1f} s, peak RSS "
            f"{measured['peak_mib']:6.0f} MiB (target < 500 MB; {measured['outcome']:,} rows)"
        )


def drop(admin, register: Register) -> None:
    register.database.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{register.name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200000,2000000", help="receipts, comma-separated (two)")
    parser.add_argument("--samples", type=int, default=60, help="calls per operation at one client")
    parser.add_argument("--clients", default="1,8")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument(
        "--only",
        default="",
        help="measure only the operations whose names contain one of these comma-separated words "
        "(e.g. dashboard); skips the message log and the whole-table commands",
    )
    args = parser.parse_args()
    only = [word for word in args.only.split(",") if word]
    sizes = [int(size) for size in args.sizes.split(",")]
    clients = tuple(int(c) for c in args.clients.split(","))
    admin = sqlalchemy.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    print(f"bench/scale.py {date.today()} on {os.cpu_count()} CPUs; sizes {sizes}; clients {clients}")
    registers: list[Register] = []
    try:
        for size in sizes:
            registers.append(prepare(admin, args.postgres, size, clients, only))
        print(f"\n== look-ups, each at both sizes in turn, {ROUNDS} rounds (p50 / p99 in ms)")
        measure_interleaved(registers, args.samples, clients, only)
        if not only:
            print("\n== whole-table commands, each in a fresh process")
            for register in registers:
                whole_tables(register)
    finally:
        for register in registers:
            drop(admin, register)
        admin.dispose()
    results = {
        register.receipts: {"timings": register.timings, "memory": register.memory} for register in registers
    }
    small, large = sizes[0], sizes[-1]
    print(
        f"\n== growth of p50 from {small:,} to {large:,} receipts "
        "(target for flat answers: ≤ 1.3×, < 50 ms at 1 client)"
    )
    for label, (target, _) in results[small]["timings"].items():
        cells = []
        for c in clients:
            before, after = (
                results[small]["timings"][label][1][c][0],
                results[large]["timings"][label][1][c][0],
            )
            cells.append(f"{c} cl {before:6.1f} → {after:6.1f} ms ({after / before:4.2f}×)")
        verdict = ""
        if target == "flat":
            p50 = results[large]["timings"][label][1][clients[0]][0]
            ratio = p50 / results[small]["timings"][label][1][clients[0]][0]
            verdict = "ok" if ratio <= 1.3 and p50 < 50 else "MISSED"
        print(f"  {label:<46} [{target:<6}] {'  '.join(cells)} {verdict}")
    for command in results[large]["memory"]:
        peak = results[large]["memory"][command]["peak_mib"]
        print(
            f"  {command:<46} peak {results[small]['memory'][command]['peak_mib']:.0f} → {peak:.0f} MiB "
            f"({'ok' if peak * 2**20 < 500e6 else 'MISSED'})"
        )


if __name__ == "__main__":
    main()
