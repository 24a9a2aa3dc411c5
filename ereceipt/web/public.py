"""The public lookup page: a payer enters the lookup code and sees, downloads and checks the receipt.

What the page shows comes only from the XML the verifier returned as signed. The identity number
and address are masked, and failed look-ups are limited per client to stop guessing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import delete, func, select

from ereceipt.core.money import format_vnd
from ereceipt.core.receipts import lookup
from ereceipt.core.receipts.content import format_number
from ereceipt.core.receipts.lookup_code import display_lookup_code, normalise_lookup_code
from ereceipt.core.receipts.receipt_xml import read_receipt
from ereceipt.core.receipts.tables import FailedLookup
from ereceipt.web.parts import parts

blueprint = Blueprint("public", __name__)
WINDOW = timedelta(minutes=1)


def mask_identity(number: str | None) -> str | None:
    return None if not number else "•" * (len(number) - 3) + number[-3:]


def mask_address(address: str | None) -> str | None:
    """Only the last part (the province or city) of an address stays readable."""
    if not address:
        return None
    parts = [part.strip() for part in address.split(",") if part.strip()]
    return "•••, " + parts[-1] if len(parts) > 1 else "•••"


def _client() -> str:
    return (request.remote_addr or "unknown")[:64]


def _too_many_failures(services) -> bool:
    since = datetime.now(UTC) - WINDOW
    with services.database.read() as session:
        failures = session.scalar(
            select(func.count())
            .select_from(FailedLookup)
            .where(FailedLookup.client == _client(), FailedLookup.at > since)
        )
    return failures >= services.settings.failed_lookups_per_minute


def _record_failure(services) -> None:
    now = datetime.now(UTC)
    with services.database.write() as session:
        session.add(FailedLookup(client=_client(), at=now))
        session.execute(delete(FailedLookup).where(FailedLookup.at < now - timedelta(hours=1)))


def _find(code: str):
    """The stored receipt for a typed code, after the rate limit; aborts with 429 or 404."""
    services = parts()
    if _too_many_failures(services):
        abort(429, "Quá nhiều lần tra cứu không thành công. Vui lòng thử lại sau một phút.")
    with services.database.read() as session:
        receipt = lookup.by_lookup_code(session, code)
    if receipt is None:
        _record_failure(services)
        abort(404, "Không tìm thấy biên lai với mã tra cứu này. Vui lòng kiểm tra lại mã.")
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
    report = services.verify_receipt(receipt.signed_xml)
    content = read_receipt(report.signed_xml) if report.passed else None
    return render_template(
        "receipt.html",
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
