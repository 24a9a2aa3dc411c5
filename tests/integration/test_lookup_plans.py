"""The look-ups that must not grow with the register use their indexes (PostgreSQL query plans).

Each test runs the real look-up on a small seeded register, captures the statements it sends, and
asks PostgreSQL for their plans (EXPLAIN, FORMAT JSON) with sequential scans disabled, as the
planner would choose on a large table: an index serves each, and nothing sorts more rows than a
page holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from seeded_receipts import ISSUERS, seed
from sqlalchemy import event, func, insert, select

from ereceipt.core.receipts import lookup
from ereceipt.core.receipts.tables import DailyFigure
from ereceipt.core.storage.database import Database
from ereceipt.core.treasury import reconciliation
from ereceipt.core.treasury.tables import ReconciliationDiscrepancy, ReconciliationRun
from ereceipt.core.users.accounts import CurrentUser
from ereceipt.web.admin import queries

PER_ISSUER = 3_000


@pytest.fixture
def register(database: Database) -> Database:
    if database.dialect != "postgresql":
        pytest.skip("query plans are PostgreSQL's")
    seed(database, PER_ISSUER)
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # Statistics, and the visibility map that index-only scans rely on.
        connection.exec_driver_sql("VACUUM ANALYZE")
    return database


@contextmanager
def sent(database: Database) -> Iterator[list[tuple[str, object]]]:
    statements: list[tuple[str, object]] = []

    def capture(connection, cursor, statement, parameters, context, executemany) -> None:
        statements.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)


def plan(database: Database, statement: str, parameters) -> dict:
    with database.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        [(explained,)] = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).all()
        connection.rollback()
    return explained[0]["Plan"]


def nodes(node: dict) -> Iterator[dict]:
    yield node
    for child in node.get("Plans", []):
        yield from nodes(child)


def plans(database: Database, statements) -> list[list[dict]]:
    return [list(nodes(plan(database, statement, parameters))) for statement, parameters in statements]


def receipt_reads(plan_nodes: list[dict]) -> list[dict]:
    return [node for node in plan_nodes if node.get("Relation Name") == "receipt"]


def assert_no_big_sort(plan_nodes: list[dict], rows: int) -> None:
    sorts = [node for node in plan_nodes if node["Node Type"] in ("Sort", "Incremental Sort")]
    assert all(node["Plan Rows"] <= rows for node in sorts), sorts


def two_years(issuers) -> dict:
    return {"issuer_code": ISSUERS[1], "date_from": date(2025, 1, 1), "date_to": date(2026, 12, 31)}


def test_a_deep_page_of_an_issuers_receipts_is_read_in_index_order_without_a_sort(register) -> None:
    with register.read() as session, sent(register) as statements:
        found = lookup.search(session, **two_years(None), page=100, page_size=20)
    assert [row.issuer_code for row in found.rows] == [ISSUERS[1]] * 20
    count, page = plans(register, statements)
    for plan_nodes in (count, page):
        assert not [node for node in plan_nodes if node["Node Type"] == "Seq Scan"]
        assert_no_big_sort(plan_nodes, 21)
    assert {node.get("Index Name") for node in receipt_reads(page)} >= {"ix_receipt_issuer_issued"}


def test_a_page_after_a_key_is_read_in_index_order_without_a_sort(register) -> None:
    with register.read() as session:
        first = lookup.search(session, **two_years(None), page=1, page_size=20)
    with register.read() as session, sent(register) as statements:
        after = lookup.search(session, **two_years(None), page_size=20, after=first.next_key)
    assert after.rows[0].issued_at < first.rows[-1].issued_at
    _, page = plans(register, statements)
    assert_no_big_sort(page, 21)
    reads = receipt_reads(page)
    keyed = [node for node in reads if node.get("Index Name") == "ix_receipt_issuer_issued"]
    assert keyed and "issued_at" in keyed[0].get("Index Cond", ""), reads  # starts at the key


def test_the_national_list_is_read_newest_first_from_the_index_across_issuers(register) -> None:
    with register.read() as session, sent(register) as statements:
        found = lookup.search(session, page=50, page_size=20)
    assert len(found.rows) == 20
    count, page = plans(register, statements)
    for plan_nodes in (count, page):
        assert not [node for node in plan_nodes if node["Node Type"] == "Seq Scan"]
        assert_no_big_sort(plan_nodes, 21)
    assert "ix_receipt_issued" in {node.get("Index Name") for node in receipt_reads(page)}


def test_a_receipt_by_number_is_found_by_series_year_and_number(register) -> None:
    with register.glance_connection() as connection, sent(register) as statements:
        found = lookup.summaries_by_number(connection, 7, issuer_code=ISSUERS[0])
    assert sorted(row.series_symbol for row in found) == ["TH25E", "TH26E"]
    [receipt_plan] = plans(register, statements)
    reads = receipt_reads(receipt_plan)
    assert reads, receipt_plan
    for node in reads:
        condition = node.get("Index Cond", "")
        assert "year" in condition and "number" in condition and "series_id" in condition, node


def test_the_payer_name_search_uses_the_trigram_index(register) -> None:
    with register.read() as session, sent(register) as statements:
        found = lookup.search(session, payer_name="hoàng cường 12", page_size=25)
    assert found.rows and all("Hoàng Cường 12" in row.payer_name for row in found.rows)
    for plan_nodes in plans(register, statements):
        names = {node.get("Index Name") for node in plan_nodes}
        assert "ix_receipt_payer_name_trgm" in names, plan_nodes


def test_the_dashboard_counts_held_payments_from_their_partial_index(register) -> None:
    officer = CurrentUser(1, "auditor", "auditor", None, None)
    with register.read() as session, sent(register) as statements:
        figures = queries.figures(session, officer, datetime(2026, 11, 20, tzinfo=UTC))
    assert figures["held_payments"] == 3
    held = [plan_nodes for plan_nodes in plans(register, statements) if "payment" in str(plan_nodes)]
    assert held and {"ix_payment_held"} <= {node.get("Index Name") for node in held[0]}


def figure_reads(plan_nodes: list[dict]) -> list[dict]:
    return [node for node in plan_nodes if node.get("Relation Name") == "daily_figure"]


@pytest.mark.parametrize("issuer_id", [None, 2], ids=["national", "agency"])
def test_the_dashboard_reads_only_the_window_s_daily_figures_by_their_index(register, issuer_id) -> None:
    officer = CurrentUser(1, "auditor", "auditor", issuer_id, ISSUERS[1] if issuer_id else None)
    with register.read() as session, sent(register) as statements:
        figures = queries.figures(session, officer, datetime(2026, 11, 20, tzinfo=UTC))
    assert sum(day["count"] for day in figures["days"]) > 0
    [figure_plan] = [nodes for nodes in plans(register, statements) if figure_reads(nodes)]
    assert not receipt_reads(figure_plan), figure_plan  # the receipts are not read at all
    with register.read() as session:  # two years of days per issuer: the window is a small part
        kept = session.scalar(select(func.count()).select_from(DailyFigure))
    for node in figure_reads(figure_plan):
        assert node["Node Type"] != "Seq Scan" and node["Plan Rows"] < kept / 5, node
    indexed = [
        node for node in figure_plan if node.get("Index Name") in ("ix_daily_figure_day", "pk_daily_figure")
    ]
    assert indexed and all("day" in node.get("Index Cond", "") for node in indexed), figure_plan


def test_a_page_of_a_run_s_discrepancies_is_read_in_order_from_its_index(register) -> None:
    with register.write() as session:
        run_id = session.execute(
            insert(ReconciliationRun).returning(ReconciliationRun.id),
            [{"account": "0011", "day": date(2026, 3, 2), "started_at": datetime.now(UTC), "actor": "t"}],
        ).scalar_one()
        session.execute(
            insert(ReconciliationDiscrepancy),
            [{"run_id": run_id, "kind": "duplicate", "reference": f"FT{n:06d}"} for n in range(5_000)],
        )
    with register.read() as session:
        first = reconciliation.discrepancies(session, run_id, limit=100)
    with register.read() as session, sent(register) as statements:
        page = reconciliation.discrepancies(session, run_id, after=first[-1].id, limit=100)
    assert [row.reference for row in page] == [f"FT{n:06d}" for n in range(100, 200)]
    page_plan = plans(register, statements)[-1]
    assert_no_big_sort(page_plan, 100)
    names = {node.get("Index Name") for node in page_plan}
    assert "ix_reconciliation_discrepancy_page" in names, page_plan
