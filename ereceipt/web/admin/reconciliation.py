"""The admin page's reconciliation screens: runs, discrepancies, CSV, signed XML, failing reports.

Readable by auditors, approvers and administrators; a user bound to an agency sees only the runs
of that agency's account and its own treasury reports (another agency's run is answered 404).
"""

from __future__ import annotations

from flask import Response, abort, g, render_template, request
from sqlalchemy import select

from ereceipt.core.errors import NotFound
from ereceipt.core.treasury import reconciliation
from ereceipt.core.treasury.collection_report import is_failing
from ereceipt.core.treasury.tables import ReconciliationRun, TreasuryReport
from ereceipt.web.admin import blueprint, require
from ereceipt.web.parts import parts

READERS = ("auditor", "approver", "administrator")
RUNS_PAGE = 100
DISCREPANCY_PAGE = 100


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
        .where(is_failing(failing_after))
        .order_by(TreasuryReport.day.desc(), TreasuryReport.id)
    )
    if not g.user.sees_all_agencies:
        query = query.where(TreasuryReport.issuer_code == g.user.issuer_code)
    return list(session.scalars(query))


@blueprint.get("/doi-soat")
@require(*READERS)
def reconciliation_runs():
    services = parts()
    with services.database.read() as session:
        query = select(ReconciliationRun).order_by(ReconciliationRun.id.desc()).limit(RUNS_PAGE)
        if not g.user.sees_all_agencies:
            query = query.where(ReconciliationRun.issuer_id == g.user.issuer_id)
        runs = list(session.scalars(query))
        failing = failing_reports(session, services.settings.treasury_failing_after)
    return render_template("admin/reconciliation.html", runs=runs, failing=failing)


@blueprint.get("/doi-soat/<int:run_id>")
@require(*READERS)
def reconciliation_run(run_id: int):
    """The run's figures and its discrepancies, DISCREPANCY_PAGE at a time; the next page goes on
    after the last discrepancy shown (``sau``: its id), so any page costs what the first costs."""
    after_text = request.args.get("sau", "").strip()
    if after_text and (not after_text.isdigit() or len(after_text) > 19):
        abort(400, "Liên kết trang không hợp lệ.")
    page = max(request.args.get("trang", 1, type=int) or 1, 1)
    with parts().database.read() as session:
        run = _visible_run(session, run_id)
        try:
            found = reconciliation.discrepancies(
                session, run_id, after=int(after_text) if after_text else None, limit=DISCREPANCY_PAGE + 1
            )
        except NotFound:
            abort(400, "Liên kết trang không hợp lệ.")
    rows, more = found[:DISCREPANCY_PAGE], len(found) > DISCREPANCY_PAGE
    return render_template(
        "admin/reconciliation_run.html",
        run=run,
        rows=rows,
        labels=reconciliation.KIND_LABELS,
        page=page,
        first=(page - 1) * DISCREPANCY_PAGE,
        after=rows[-1].id if more else None,
    )


@blueprint.get("/doi-soat/<int:run_id>.csv")
@require(*READERS)
def reconciliation_csv(run_id: int):
    with parts().database.read() as session:
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
    services = parts()
    with services.database.read() as session:
        run = _visible_run(session, run_id)
        body = reconciliation.signed_report(session, run_id, services.signer())
    name = f"doi-soat-{run.account}-{run.day.isoformat()}-{run.id}.xml"
    return Response(
        body,
        content_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
