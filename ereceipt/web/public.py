"""The public lookup page: a payer enters the lookup code and sees, downloads and checks the receipt.

What the page shows comes only from the XML the verifier returned as signed. The identity number
and address are masked, and failed look-ups are limited per client address to stop guessing: every
look-up claims a failure first (count and record in one locked step), given back when it finds its receipt.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ereceipt.core.money import format_vnd
from ereceipt.core.receipts import lookup
from ereceipt.core.receipts.content import format_number
from ereceipt.core.receipts.lookup_code import display_lookup_code, normalise_lookup_code
from ereceipt.core.receipts.receipt_xml import read_receipt
from ereceipt.core.receipts.tables import FailedLookup, LookupGuard
from ereceipt.core.signers.receipt_check import as_stored
from ereceipt.core.transparency.receipt_status import EVENT_NAMES, log_status
from ereceipt.web.parts import log_verifier, parts, witness_verifier

blueprint = Blueprint("public", __name__)
WINDOW = timedelta(minutes=1)  # failed look-ups are limited per client address within this window
KEPT = timedelta(hours=1)  # older failures and guard rows are removed


def mask_identity(number: str | None) -> str | None:
    return None if not number else "•" * (len(number) - 3) + number[-3:]


def mask_address(address: str | None) -> str | None:
    """Only the last part (the province or city) of an address stays readable."""
    if not address:
        return None
    parts = [part.strip() for part in address.split(",") if part.strip()]
    return "•••, " + parts[-1] if len(parts) > 1 else "•••"


def _client() -> str:
    """The client's address: the peer's, or the one a listed proxy forwarded ([server] trusted_proxies)."""
    return (request.remote_addr or "unknown")[:64]


def _claim_a_failure(services) -> int | None:
    """Count this client's failures of the last minute and, under the limit, record one more at once.

    Returns the new failure's id (deleted again if the look-up finds its receipt), or None when the
    client is over the limit. Counting and recording are one transaction holding the client's
    ``lookup_guard`` row locked, so parallel guesses of one client are counted one after another
    (on SQLite every write transaction is serial anyway).
    """
    client, now = _client(), datetime.now(UTC)
    with services.database.write() as session:
        _lock_guard(session, client, now)
        failures = session.scalar(
            select(func.count())
            .select_from(FailedLookup)
            .where(FailedLookup.client == client, FailedLookup.at > now - WINDOW)
        )
        if failures >= services.settings.failed_lookups_per_minute:
            return None
        failure = FailedLookup(client=client, at=now)
        session.add(failure)
        # Old rows go too; rows another transaction is removing or holding are skipped, not waited for.
        old_failures = select(FailedLookup.id).where(FailedLookup.at < now - KEPT)
        session.execute(
            delete(FailedLookup).where(FailedLookup.id.in_(old_failures.with_for_update(skip_locked=True)))
        )
        old_guards = select(LookupGuard.client).where(LookupGuard.at < now - KEPT)
        session.execute(
            delete(LookupGuard).where(LookupGuard.client.in_(old_guards.with_for_update(skip_locked=True)))
        )
        session.flush()
        return failure.id


def _lock_guard(session, client: str, now: datetime) -> None:
    """Hold the client's guard row locked until the transaction ends, creating it when missing.

    An UPDATE locks an existing row; a missing one (new, or removed as old by another transaction
    meanwhile) is inserted, ignoring a parallel insert of the same row, and then locked the same way.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    while not session.execute(
        update(LookupGuard).where(LookupGuard.client == client).values(at=now)
    ).rowcount:
        session.execute(insert(LookupGuard).values(client=client, at=now).on_conflict_do_nothing())


def _find(code: str):
    """The stored receipt for a typed code, after the rate limit; aborts with 429 or 404."""
    services = parts()
    failure = _claim_a_failure(services)
    if failure is None:
        abort(429, "Quá nhiều lần tra cứu không thành công. Vui lòng thử lại sau một phút.")
    with services.database.read() as session:
        receipt = lookup.by_lookup_code(session, code)
    if receipt is None:
        abort(404, "Không tìm thấy biên lai với mã tra cứu này. Vui lòng kiểm tra lại mã.")
    with services.database.write() as session:  # found: this look-up was no failure
        session.execute(delete(FailedLookup).where(FailedLookup.id == failure))
    return services, receipt


@blueprint.get("/")
def form():
    return render_template("lookup.html")


@blueprint.get("/tra-cuu")
def result():
    typed = request.args.get("ma", "")
    if normalise_lookup_code(typed) is None:
        return render_template(
            "lookup.html", typed=typed, error="Mã tra cứu gồm 16 ký tự, ví dụ ABCD-1234-EFGH-5678."
        ), 400
    services, receipt = _find(typed)
    report = as_stored(services.verify_receipt(receipt.signed_xml), receipt.identity_digest)
    content = read_receipt(report.signed_xml) if report.passed else None
    with services.database.read() as session:
        log = log_status(session, receipt.id, log_verifier(services), witness_verifier(services))
    return render_template(
        "receipt.html",
        log=log,
        event_names=EVENT_NAMES,
        receipt=receipt,
        content=content,
        report=report,
        code=display_lookup_code(receipt.lookup_code),
        number=format_number(receipt.number),
        amount=format_vnd(content.amount) if content else None,
        identity=mask_identity(content.payer.identity_number) if content else None,
        address=mask_address(content.payer.address) if content else None,
    )


@blueprint.get("/tra-cuu/<code>.xml")
def download(code: str):
    _, receipt = _find(code)
    filename = f"bien-lai-{receipt.series.series_symbol}-{format_number(receipt.number)}.xml"
    return Response(
        receipt.signed_xml,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
