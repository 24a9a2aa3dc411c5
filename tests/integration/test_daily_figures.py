"""The dashboard's per-day figures on SQLite and PostgreSQL: kept equal to a count of the receipts
through issuing, cancelling and replacing, counted from existing receipts by the migration, never
losing a concurrent update, and read by the dashboard without the receipts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import event, insert, select

from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.issuing.requests import IssueRequest, PaymentIn
from ereceipt.core.receipts import daily_figures
from ereceipt.core.receipts.content import VIETNAM, PayerInfo, PaymentMethod
from ereceipt.core.receipts.tables import DailyFigure, Issuer, Receipt, ReceiptSeries
from ereceipt.core.storage.database import Database, alembic_config, migrate
from ereceipt.core.users.accounts import CurrentUser
from ereceipt.web.admin import queries

PAYER = PayerInfo(name="Nguyễn Văn An", identity_number="001085012345", address="Ba Đình, Hà Nội")
# 16:59 UTC is 23:59 in Vietnam; a minute later is the next Vietnam day.
BEFORE_MIDNIGHT = datetime(2026, 12, 3, 16, 59, tzinfo=UTC)


def payment(
    reference: str, amount: int, series: str | None = None, issuer: str = "CCTHADS-BD"
) -> IssueRequest:
    incoming = PaymentIn(
        source="counter",
        reference=reference,
        amount=amount,
        payer=PAYER,
        paid_at=BEFORE_MIDNIGHT,
        method=PaymentMethod.CASH,
        purpose="Án phí dân sự sơ thẩm",
    )
    return IssueRequest(payment=incoming, officer="can.bo.thu", issuer_code=issuer, series_symbol=series)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def recomputed(database: Database) -> dict[tuple[int, date], tuple[int, int]]:
    """The figures counted again, in Python, from every receipt."""
    counted: dict[tuple[int, date], list[int]] = {}
    with database.read() as session:
        for issuer_id, issued_at, amount in session.execute(
            select(Receipt.issuer_id, Receipt.issued_at, Receipt.amount).where(Receipt.status == "ISSUED")
        ):
            figures = counted.setdefault((issuer_id, issued_at.astimezone(VIETNAM).date()), [0, 0])
            figures[0] += 1
            figures[1] += amount
    return {key: (n, a) for key, (n, a) in counted.items()}


def stored(database: Database) -> dict[tuple[int, date], tuple[int, int]]:
    """The figures kept, leaving out days whose every receipt was cancelled (kept as zeros)."""
    with database.read() as session:
        rows = session.execute(select(DailyFigure)).scalars().all()
        return {(r.issuer_id, r.day): (r.issued_count, r.issued_amount) for r in rows if r.issued_count}


def test_figures_equal_a_count_of_the_receipts_after_issuing_cancelling_and_replacing(
    demo_database: Database, signer
) -> None:
    clock = Clock(BEFORE_MIDNIGHT)
    issuer = ReceiptIssuer(demo_database, signer, clock=clock)
    first = issuer.issue(payment("PT-1", 1_000_000))
    issuer.issue_batch([payment("PT-2", 250_000), payment("PT-3", 40_000, issuer="CTHADS-HN")])
    clock.at = BEFORE_MIDNIGHT + timedelta(minutes=2)  # the next Vietnam day
    second = issuer.issue(payment("PT-4", 7_000))
    issuer.issue(payment("PT-5", 3_000))
    issuer.cancel(first.receipt_id, officer="phe.duyet", reason="Sai tên người nộp")
    clock.at = BEFORE_MIDNIGHT + timedelta(days=1, minutes=2)
    issuer.replace(second.receipt_id, officer="phe.duyet", reason="Sai nội dung")
    figures = stored(demo_database)
    assert figures == recomputed(demo_database)
    days = sorted({day for _, day in figures})
    assert days == [date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 5)]
    assert sum(n for n, _ in figures.values()) == 4  # six issued (one a replacement), two cancelled


def test_the_dashboard_shows_the_kept_figures_in_one_statement_of_a_row_per_agency_and_day(
    demo_database: Database, signer
) -> None:
    clock = Clock(BEFORE_MIDNIGHT)
    issuer = ReceiptIssuer(demo_database, signer, clock=clock)
    issuer.issue_batch([payment(f"PT-{n}", 1_000 * n) for n in range(1, 6)])
    issuer.issue(payment("PT-HN", 9_000, issuer="CTHADS-HN"))
    statements: list[str] = []

    def capture(connection, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    national = CurrentUser(1, "auditor", "auditor", None, None)
    event.listen(demo_database.engine, "before_cursor_execute", capture)
    try:
        with demo_database.read() as session:
            figures = queries.figures(session, national, BEFORE_MIDNIGHT + timedelta(hours=1))
    finally:
        event.remove(demo_database.engine, "before_cursor_execute", capture)
    figure_reads = [s for s in statements if "daily_figure" in s]
    assert len(figure_reads) == 1 and not [s for s in statements if "FROM receipt" in s]
    assert {row["agency"]: (row["count"], row["amount"]) for row in figures["month"]} == {
        "CCTHADS-BD": (5, 15_000),
        "CTHADS-HN": (1, 9_000),
    }
    assert figures["days"][-2] == {"date": "2026-12-03", "count": 6, "amount": 24_000}
    assert figures["today"] == []  # the Vietnam day after: nothing issued yet


def test_the_migration_counts_existing_receipts_in_batches_and_goes_down_to_its_parent(
    demo_database: Database,
) -> None:
    config = alembic_config(demo_database.engine.url.render_as_string(hide_password=False))
    script = ScriptDirectory.from_config(config).get_revision("0019")
    with demo_database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, script.down_revision)
    with demo_database.write() as session:
        issuers = dict(session.execute(select(Issuer.code, Issuer.id)).all())
        series = dict(session.execute(select(ReceiptSeries.issuer_id, ReceiptSeries.id)).all())
        # ids far apart, so that the batches of ids (BATCH) have gaps and more than one holds rows
        ids = [1, 2, script.module.BATCH - 1, script.module.BATCH, 3 * script.module.BATCH + 7]
        rows = []
        for index, receipt_id in enumerate(ids):
            issuer_id = issuers["CCTHADS-BD" if index % 2 else "CTHADS-HN"]
            rows.append(
                {
                    "id": receipt_id,
                    "issuer_id": issuer_id,
                    "series_id": series[issuer_id],
                    "year": 2026,
                    "number": index + 1,
                    "lookup_code": f"MIGRATION{index:07d}",
                    "status": "CANCELLED" if index == 2 else "ISSUED",
                    "issued_at": BEFORE_MIDNIGHT + timedelta(minutes=index),  # the first on the day before
                    "amount": 1_000 * (index + 1),
                    "payer_name": "Nguyễn Văn An",
                    "payment_method": "CASH",
                    "issuing_officer": "seed",
                    "signed_xml": b"<synthetic/>",
                }
            )
        session.execute(insert(Receipt.__table__), rows)
    migrate(demo_database)
    figures = stored(demo_database)
    assert figures == recomputed(demo_database)
    assert figures == {
        (issuers["CTHADS-HN"], date(2026, 12, 3)): (1, 1_000),
        (issuers["CCTHADS-BD"], date(2026, 12, 4)): (2, 6_000),
        (issuers["CTHADS-HN"], date(2026, 12, 4)): (1, 5_000),
    }


def test_recounting_replaces_the_figures_with_a_count_of_the_receipts(
    demo_database: Database, signer
) -> None:
    issuer = ReceiptIssuer(demo_database, signer, clock=Clock(BEFORE_MIDNIGHT))
    issuer.issue_batch([payment(f"PT-{n}", 1_000 * n) for n in range(1, 8)])
    with demo_database.write() as session:
        session.execute(DailyFigure.__table__.update().values(issued_count=99))
        daily_figures.recount(session, batch=2)
    assert stored(demo_database) == recomputed(demo_database)


def postgresql_only(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("row locks between concurrent writers: PostgreSQL")


def test_a_second_writer_on_the_same_day_waits_and_adds_to_what_the_first_committed(
    demo_database: Database,
) -> None:
    postgresql_only(demo_database)
    with demo_database.read() as session:
        issuer_id = session.scalar(select(Issuer.id).where(Issuer.code == "CCTHADS-BD"))
    added = threading.Event()

    def second() -> None:
        with demo_database.write() as session:
            daily_figures.add(session, [(issuer_id, BEFORE_MIDNIGHT, 1, 700)])
        added.set()

    with demo_database.write() as session:
        daily_figures.add(session, [(issuer_id, BEFORE_MIDNIGHT, 1, 500)])
        thread = threading.Thread(target=second)
        thread.start()
        assert not added.wait(0.5)  # it waits for this transaction's row lock
    thread.join(10)
    assert added.is_set()
    assert stored(demo_database) == {(issuer_id, date(2026, 12, 3)): (2, 1_200)}


def in_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            work(index)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return failures


def test_concurrent_issuing_for_one_agency_and_day_loses_no_count(demo_database: Database, signer) -> None:
    postgresql_only(demo_database)
    with demo_database.write() as session:
        issuer_id = session.scalar(select(Issuer.id).where(Issuer.code == "CCTHADS-BD"))
        # four series of the year: their numbers are taken in parallel, so the figures row is the
        # only place where the writers meet
        for symbol in ("TH26F", "TH26G", "TH26H", "TH26K"):
            session.add(ReceiptSeries(issuer_id=issuer_id, template_number="01BLTHA", series_symbol=symbol))
    issuer = ReceiptIssuer(demo_database, signer, clock=Clock(BEFORE_MIDNIGHT))
    symbols = ("TH26E", "TH26F", "TH26G", "TH26H", "TH26K", "TH26F", "TH26G", "TH26H")

    def issue(index: int) -> None:
        for n in range(5):
            issuer.issue(payment(f"PT-{index}-{n}", 1_000 + index, series=symbols[index]))

    assert in_threads(8, issue) == []
    assert (
        stored(demo_database)
        == recomputed(demo_database)
        == {(issuer_id, date(2026, 12, 3)): (40, sum(5 * (1_000 + index) for index in range(8)))}
    )


def test_replacing_while_issuing_for_the_same_agency_and_day_never_deadlocks(
    demo_database: Database, signer
) -> None:
    postgresql_only(demo_database)
    issuer = ReceiptIssuer(demo_database, signer, clock=Clock(BEFORE_MIDNIGHT))
    originals = issuer.issue_batch([payment(f"PT-O{n}", 10_000 + n) for n in range(12)])

    def work(index: int) -> None:
        for n in range(3):
            if index % 2:
                issuer.issue(payment(f"PT-N{index}-{n}", 1_000))
            else:
                original = originals[index // 2 * 3 + n]
                issuer.replace(original.receipt_id, officer="phe.duyet", reason="Sai tên")

    assert in_threads(8, work) == []
    assert stored(demo_database) == recomputed(demo_database)
    assert sum(n for n, _ in stored(demo_database).values()) == 12 + 12
