"""A register seeded straight into its tables (synthetic rows, no signer): issuers, series with their
counters, cases, receipts spread over two years, payments of which a few are held,
and the dashboard's figures counted from those receipts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from ereceipt.core.receipts import daily_figures
from ereceipt.core.receipts.tables import (
    EnforcementCase,
    Issuer,
    Payment,
    Receipt,
    ReceiptSeries,
    SeriesCounter,
)
from ereceipt.core.storage.database import Database

ISSUERS = ("CCTHADS-A", "CCTHADS-B", "CCTHADS-C")
NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Minh Dũng", "Hoàng Thị Em")
START = datetime(2025, 1, 1, 1, tzinfo=UTC)


def seed(database: Database, per_issuer: int, held: int = 3) -> dict:
    """``per_issuer`` receipts for each issuer, half in 2025 (series TH25E) and half in 2026
    (TH26E), numbered from 1 in each; ``held`` held payments among as many recorded ones."""
    span = timedelta(days=700) / per_issuer
    with database.write() as session:
        for code in ISSUERS:
            session.execute(
                insert(Issuer.__table__),
                [{"code": code, "name": f"Chi cục {code}", "tax_code": "0101", "address": "Hà Nội"}],
            )
        issuers = dict(session.execute(select(Issuer.code, Issuer.id)).all())
        for issuer_id in issuers.values():
            series = {}
            for year in (2025, 2026):
                series[year] = session.execute(
                    insert(ReceiptSeries.__table__).returning(ReceiptSeries.id),
                    [{"issuer_id": issuer_id, "template_number": "1", "series_symbol": f"TH{year % 100}E"}],
                ).scalar_one()
            case_id = session.execute(
                insert(EnforcementCase.__table__).returning(EnforcementCase.id),
                [
                    {
                        "issuer_id": issuer_id,
                        "payment_code": f"THA{issuer_id:04d}",
                        "judgment_number": "1",
                        "decision_number": "1",
                        "obligor_name": "X",
                        "amount_due": 10**12,
                        "purpose": "Án phí",
                    }
                ],
            ).scalar_one()
            rows, numbers = [], {2025: 0, 2026: 0}
            for n in range(per_issuer):
                at = START + span * n
                year = 2025 if at < datetime(2026, 1, 1, tzinfo=UTC) else 2026
                numbers[year] += 1
                rows.append(
                    {
                        "issuer_id": issuer_id,
                        "series_id": series[year],
                        "year": year,
                        "number": numbers[year],
                        "lookup_code": f"{issuer_id:02d}{n:014d}",
                        "status": "ISSUED",
                        "issued_at": at,
                        "amount": 1000 + n,
                        "payer_name": f"{NAMES[n % len(NAMES)]} {n}",
                        "payer_id_number": f"{n:012d}",
                        "case_id": case_id if n % 100 == 0 else None,
                        "payment_method": "BANK_TRANSFER",
                        "issuing_officer": "seed",
                        "signed_xml": b"<synthetic/>",
                    }
                )
            session.execute(insert(Receipt.__table__), rows)
            session.execute(
                insert(SeriesCounter.__table__),
                [
                    {"series_id": series[y], "year": y, "last_number": last}
                    for y, last in numbers.items()
                    if last
                ],
            )
        session.execute(
            insert(Payment.__table__),
            [
                {
                    "source": "bank",
                    "external_reference": f"FT{n:010d}",
                    "amount": 1000,
                    "payer_name": "X",
                    "paid_at": START,
                    "status": "HELD" if n < held else "RECEIPTED",
                    "recorded_at": START + timedelta(minutes=n),
                }
                for n in range(per_issuer)
            ],
        )
        daily_figures.recount(session, batch=max(per_issuer // 2, 1))
    return issuers
