"""The admin page's reconciliation screens: runs, discrepancies, CSV, signed XML, failing reports.

Readable by auditors, approvers and administrators; a user bound to an agency sees only the runs
of that agency's account and its own treasury reports (another agency's run is answered 404).
"""

from __future__ import annotations

from flask import Response, abort, current_app, g, render_template
from sqlalchemy import func, select

from ereceipt import metrics
from ereceipt.core.errors import NotFound
from ereceipt.core.treasury import reconciliation
from ereceipt.core.treasury.tables import PENDING, REJECTED, SENT, ReconciliationRun, TreasuryReport
from ereceipt.web.admin import blueprint, require

READERS = ("auditor", "approver", "administrator")
RUNS_PAGE = 100


def _services():
    return current_app.extensions["ereceipt"]


def _failing(failing_after: int):
    """Reports refused, or still unsent after ``failing_after`` tries."""
    return (TreasuryReport.status == REJECTED) | (
        (TreasuryReport.status == PENDING) & (TreasuryReport.attempts >= failing_after)
    )


@blueprint.record
def _count_treasury_reports_in_metrics(state) -> None:
    """/metrics shows the treasury reports, failing ones included, read from the database at each scrape."""
    services = state.app.extensions["ereceipt"]
    database, failing_after = services.database, services.settings.treasury.failing_after_attempts

    def by_status() -> dict[tuple[str], int]:
        with database.read() as session:
            counted = dict(
                session.execute(
                    select(TreasuryReport.status, func.count()).group_by(TreasuryReport.status)
                ).all()
            )
        return {(status,): counted.get(status, 0) for status in (PENDING, SENT, REJECTED)}

    def failing() -> dict[tuple, int]:
        with database.read() as session:
            return {(): session.scalar(select(func.count()).where(_failing(failing_after)))}

    metrics.add_database_gauge(
        "ereceipt_treasury_reports", "Treasury collection reports by status", ("status",), by_status
    )
    metrics.add_database_gauge(
        "ereceipt_treasury_reports_failing", "Reports refused or unsent after many tries", (), failing
    )


def _visible_run(session, run_id: int) -> ReconciliationRun:
    try:
        run = reconciliation.load_run(session, run_id)
    except NotFound:
        abort(404, "Không tìm thấy lần đối soát.")
    if not g.user.sees_all_agencies and run.issuer_id != g.user.issuer_id:
        abort(404, "Không tìm thấy lần đối soát.")
    return run


def failing_reports(session, failing_after: int) -> list[TreasuryReport]:
    query = (
        select(TreasuryReport)
        .where(_failing(failing_after))
        .order_by(TreasuryReport.day.desc(), TreasuryReport.id)
    )
    if not g.user.sees_all_agencies:
        query = query.where(TreasuryReport.issuer_code == g.user.issuer_code)
    return list(session.scalars(query))


@blueprint.get("/doi-soat")
@require(*READERS)
def reconciliation_runs():
    services = _services()
    with services.database.read() as session:
        query = select(ReconciliationRun).order_by(ReconciliationRun.id.desc()).limit(RUNS_PAGE)
        if not g.user.sees_all_agencies:
            query = query.where(ReconciliationRun.issuer_id == g.user.issuer_id)
        runs = list(session.scalars(query))
        failing = failing_reports(session, services.settings.treasury.failing_after_attempts)
    return render_template("admin/reconciliation.html", runs=runs, failing=failing)


@blueprint.get("/doi-soat/<int:run_id>")
@require(*READERS)
def reconciliation_run(run_id: int):
    with _services().database.read() as session:
        run = _visible_run(session, run_id)
        rows = reconciliation.discrepancies(session, run_id)
    return render_template(
        "admin/reconciliation_run.html", run=run, rows=rows, labels=reconciliation.KIND_LABELS
    )


@blueprint.get("/doi-soat/<int:run_id>.csv")
@require(*READERS)
def reconciliation_csv(run_id: int):
    with _services().database.read() as session:
        run = _visible_run(session, run_id)
        body = reconciliation.discrepancies_csv(session, run_id)
    name = f"doi-soat-{run.account}-{run.day.isoformat()}-{run.id}.csv"
    return Response(
        body.encode("utf-8-sig"),  # the BOM lets spreadsheet programs read Vietnamese text as UTF-8
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blueprint.get("/doi-soat/<int:run_id>.xml")
@require(*READERS)
def reconciliation_xml(run_id: int):
    services = _services()
    with services.database.read() as session:
        run = _visible_run(session, run_id)
        body = reconciliation.signed_report(session, run_id, services.signer)
    name = f"doi-soat-{run.account}-{run.day.isoformat()}-{run.id}.xml"
    return Response(
        body,
        content_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
