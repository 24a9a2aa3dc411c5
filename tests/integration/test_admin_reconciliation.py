"""The admin page's reconciliation screens through the WSGI test client: roles, agencies, downloads,
pages of discrepancies."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from admin_site import PASSWORD, build_site
from sqlalchemy import insert, select, update

from ereceipt.core.signatures.verification import verify_signed_document
from ereceipt.core.treasury.reconciliation import REPORT_NS, reconcile
from ereceipt.core.treasury.tables import (
    PENDING,
    SENT,
    ReconciliationDiscrepancy,
    TreasuryReport,
    TreasuryStatementLine,
)
from ereceipt.web.admin.reconciliation import DISCREPANCY_PAGE

DAY = date(2026, 3, 2)
BD, HN = "0011000000002", "0011000000001"


@pytest.fixture
def site(tmp_path: Path):
    services, _ = build_site(tmp_path)
    now = datetime.now(UTC)
    with services.database.write() as session:
        session.execute(
            insert(TreasuryStatementLine),
            [
                {"account": BD, "day": DAY, "reference": "KB-BD-1", "amount": 700_000, "fetched_at": now},
                {"account": HN, "day": DAY, "reference": "KB-HN-1", "amount": 900_000, "fetched_at": now},
            ],
        )
        session.execute(
            insert(TreasuryReport),
            [
                {"report_id": f"{code}-R", "issuer_code": code, "account": account, "day": DAY, "receipts": 1,
                 "amount": 1, "document": b"<x/>", "status": PENDING, "attempts": 5,
                 "next_attempt_at": now, "last_error": f"the treasury at X did not answer in time ({code})",
                 "created_at": now}
                for code, account in (("CCTHADS-BD", BD), ("CTHADS-HN", HN))
            ],
        )  # fmt: skip
    runs = {
        "bd": reconcile(services.database, BD, DAY).run_id,
        "hn": reconcile(services.database, HN, DAY).run_id,
    }
    app = services.web_application()
    app.config["TESTING"] = True
    return app, services, runs


def login(app, name: str):
    client = app.test_client()
    client.get("/admin/dang-nhap")
    with client.session_transaction() as session:
        csrf = session["csrf"]
    answer = client.post(
        "/admin/dang-nhap", data={"username": name, "password": PASSWORD, "csrf_token": csrf}
    )
    assert answer.status_code == 302
    return client


def test_anonymous_and_officers_are_refused(site) -> None:
    app, _, runs = site
    anonymous = app.test_client()
    for path in ("/admin/doi-soat", f"/admin/doi-soat/{runs['bd']}", f"/admin/doi-soat/{runs['bd']}.csv",
                 f"/admin/doi-soat/{runs['bd']}.xml"):  # fmt: skip
        answer = anonymous.get(path)
        assert answer.status_code == 302 and "/admin/dang-nhap" in answer.headers["Location"], path
        assert login(app, "bd-officer").get(path).status_code == 403, path


def test_auditor_reads_every_agency_and_the_failing_reports(site) -> None:
    app, _, runs = site
    page = login(app, "auditor").get("/admin/doi-soat").get_data(as_text=True)
    assert f"#{runs['bd']}" in page and f"#{runs['hn']}" in page
    assert "CCTHADS-BD-R" in page and "CTHADS-HN-R" in page
    assert "did not answer in time" in page


def test_an_agency_approver_sees_only_its_own_runs(site) -> None:
    app, services, runs = site
    client = login(app, "bd-approver")
    page = client.get("/admin/doi-soat").get_data(as_text=True)
    assert f"#{runs['bd']}" in page and f"#{runs['hn']}" not in page
    assert "CCTHADS-BD-R" in page and "CTHADS-HN-R" not in page
    for suffix in ("", ".csv", ".xml"):
        assert client.get(f"/admin/doi-soat/{runs['hn']}{suffix}").status_code == 404
    detail = client.get(f"/admin/doi-soat/{runs['bd']}").get_data(as_text=True)
    assert 'data-kind="in_treasury_not_in_bank"' in detail and "KB-BD-1" in detail
    csv = client.get(f"/admin/doi-soat/{runs['bd']}.csv")
    assert csv.content_type.startswith("text/csv")
    assert csv.get_data().decode("utf-8-sig").splitlines()[1] == "in_treasury_not_in_bank,KB-BD-1,,,,700000"
    xml = client.get(f"/admin/doi-soat/{runs['bd']}.xml")
    verdict = verify_signed_document(
        xml.get_data(), services.trust(), expected_root=f"{{{REPORT_NS}}}ReconciliationReport"
    )
    assert verdict.passed, verdict.message
    assert [e.text for e in verdict.signed_xml.iter(f"{{{REPORT_NS}}}PaymentReference")] == ["KB-BD-1"]
    assert client.get("/admin/doi-soat/999999").status_code == 404


def test_metrics_show_the_failing_reports(site) -> None:
    app, services, _ = site
    lines = app.test_client().get("/metrics").get_data(as_text=True).splitlines()
    assert "# TYPE ereceipt_treasury_reports gauge" in lines
    assert 'ereceipt_treasury_reports{status="PENDING"} 2.0' in lines
    assert 'ereceipt_treasury_reports{status="SENT"} 0.0' in lines
    assert "ereceipt_treasury_reports_failing 2.0" in lines
    with services.database.write() as session:  # read at each scrape
        session.execute(
            update(TreasuryReport).where(TreasuryReport.issuer_code == "CTHADS-HN").values(status=SENT)
        )
    lines = app.test_client().get("/metrics").get_data(as_text=True).splitlines()
    assert 'ereceipt_treasury_reports{status="SENT"} 1.0' in lines
    assert "ereceipt_treasury_reports_failing 1.0" in lines


def many_discrepancies(services, run_id: int, count: int) -> list[str]:
    """``count`` discrepancies added to a run, of two kinds; their references in the order shown."""
    kinds = ("duplicate", "amount_mismatch")
    rows = [
        {"run_id": run_id, "kind": kinds[n % 2], "reference": f"FT{(count - n):06d}", "bank_amount": n + 1}
        for n in range(count)
    ]
    with services.database.write() as session:
        session.execute(insert(ReconciliationDiscrepancy), rows)
        shown = session.execute(
            select(ReconciliationDiscrepancy.reference)
            .where(ReconciliationDiscrepancy.run_id == run_id)
            .order_by(ReconciliationDiscrepancy.kind, ReconciliationDiscrepancy.reference)
        )
        return list(shown.scalars())


def test_a_run_s_discrepancies_are_shown_a_page_at_a_time_following_the_next_link(site) -> None:
    app, services, runs = site
    expected = many_discrepancies(services, runs["bd"], 2 * DISCREPANCY_PAGE + 5)
    auditor = login(app, "auditor")
    seen, path, pages = [], f"/admin/doi-soat/{runs['bd']}", 0
    while path:
        page = auditor.get(path).get_data(as_text=True)
        pages += 1
        rows = re.findall(r"<tr data-kind=\"[a-z_]+\"><td>[^<]*</td><td>([^<]+)</td>", page)
        assert len(rows) <= DISCREPANCY_PAGE
        seen += rows
        found = re.search(r'id="next-page" href="([^"]+)"', page)
        path = html.unescape(found.group(1)) if found else None
    assert pages == 3
    assert seen == expected  # every one once, in order (the run's own ones among them)


def test_a_forged_page_link_is_answered_400(site) -> None:
    app, services, runs = site
    many_discrepancies(services, runs["hn"], 3)
    with services.database.read() as session:
        other = session.scalar(
            select(ReconciliationDiscrepancy.id).where(ReconciliationDiscrepancy.run_id == runs["hn"])
        )
    auditor = login(app, "auditor")
    for after in ("abc", "9" * 30, str(other)):  # not a number, too long, another run's discrepancy
        answer = auditor.get(f"/admin/doi-soat/{runs['bd']}?trang=2&sau={after}")
        assert answer.status_code == 400, after
        assert "Liên kết trang không hợp lệ" in answer.get_data(as_text=True)
