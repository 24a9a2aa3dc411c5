"""Prometheus gauges read from the database at each scrape: treasury reports and payer notices."""

from __future__ import annotations

from ereceipt import metrics
from ereceipt.core.delivery import notices
from ereceipt.core.storage.database import Database
from ereceipt.core.treasury.collection_report import counts_by_status, failing_count


def register_database_gauges(database: Database, *, treasury_failing_after: int) -> None:
    """/metrics shows treasury reports by status (failing ones apart) and payer notices by channel."""

    def reports() -> dict[tuple[str], int]:
        with database.read() as session:
            return {(status,): count for status, count in counts_by_status(session).items()}

    def failing() -> dict[tuple, int]:
        with database.read() as session:
            return {(): failing_count(session, treasury_failing_after)}

    def notice_counts() -> dict[tuple[str, str], int]:
        with database.read() as session:
            return notices.counts(session)

    metrics.add_database_gauge(
        "ereceipt_treasury_reports", "Treasury collection reports by status", ("status",), reports
    )
    metrics.add_database_gauge(
        "ereceipt_treasury_reports_failing", "Reports refused or unsent after many tries", (), failing
    )
    metrics.add_database_gauge(
        "ereceipt_payer_notices",
        "Payer notices (e-mail, SMS) by channel and status: SENT, PENDING, FAILED",
        ("channel", "status"),
        notice_counts,
    )
