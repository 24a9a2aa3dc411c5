"""Our zeep treasury client against `ereceipt treasury-simulator` over HTTP: reports, retries, time-outs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from server_process import ereceipt, free_port, http
from sqlalchemy import select
from waiting import wait_for

from ereceipt.adapters.treasury import (
    ReportSender,
    TreasuryBadAnswer,
    TreasuryUnavailable,
    fetch_statement,
)
from ereceipt.app.wiring import Services
from ereceipt.config import load_settings
from ereceipt.core.intake.tables import BankStatementLine
from ereceipt.core.issuing.requests import IssueRequest, PaymentIn
from ereceipt.core.receipts.content import VIETNAM, PayerInfo, PaymentMethod
from ereceipt.core.treasury.collection_report import store_daily_report
from ereceipt.core.treasury.reconciliation import reconcile
from ereceipt.core.treasury.tables import PENDING, SENT, TreasuryReport

BD, ACCOUNT = "CCTHADS-BD", "0011000000002"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("treasury")
    port = free_port()
    (home / "config.ini").write_text(
        "[database]\nurl = sqlite:///var/e.sqlite3\n"
        f"[treasury]\nurl = http://127.0.0.1:{port}/soap\nsimulator_port = {port}\ntimeout_seconds = 2\n"
    )
    done = ereceipt(home, "init", "--demo")
    assert done.returncode == 0, done.stderr
    log = home / "simulator.log"
    env = {**os.environ, "ERECEIPT_CONFIG": str(home / "config.ini")}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "ereceipt", "treasury-simulator"],
            cwd=home,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )

    def answers() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the simulator exited with {process.returncode}")
        try:
            return http(f"http://127.0.0.1:{port}/healthz")[0] == 200
        except OSError:
            return False

    try:
        wait_for(answers, timeout=30, what="the treasury simulator's /healthz to answer 200")
    except AssertionError as failure:
        process.kill()
        process.wait()
        raise AssertionError(f"{failure}; it printed:\n{log.read_text()}") from None
    home.joinpath("port").write_text(str(port))
    yield home
    process.terminate()
    process.wait(timeout=30)
    assert "Traceback" not in log.read_text(), log.read_text()


def control(home: Path, **switches) -> None:
    port = home.joinpath("port").read_text()
    status, _, _ = http(f"http://127.0.0.1:{port}/control", json.dumps(switches).encode())
    assert status == 200


@pytest.fixture
def services(home: Path) -> Iterator[Services]:
    services = Services(load_settings(home / "config.ini", environ={}))
    control(home, slow=0, fail=0, drop=[], alter=[], comment=False)
    yield services
    services.database.dispose()


def issue(services: Services, reference: str, amount: int) -> None:
    payment = PaymentIn(
        source="BFTVVNVX",
        reference=reference,
        amount=amount,
        payer=PayerInfo("Nguyễn Văn An", None, None),
        paid_at=datetime.now(UTC),
        method=PaymentMethod.BANK_TRANSFER,
        case_code="THA2501",
    )
    services.issuer().issue(IssueRequest(payment, officer="test"))


def metric_lines(services: Services) -> list[str]:
    """/metrics of the gateway's application, as scraped."""
    app = services.web_application()
    return app.test_client().get("/metrics").get_data(as_text=True).splitlines()


def report_row(services: Services, report_id: str) -> TreasuryReport:
    with services.database.read() as session:
        return session.scalar(select(TreasuryReport).where(TreasuryReport.report_id == report_id))


def sender(services: Services) -> ReportSender:
    return ReportSender(services.database, services.treasury_client(), max_backoff_seconds=3600)


def test_report_is_sent_acknowledged_and_comes_back_in_the_statement(services: Services, home: Path) -> None:
    today = datetime.now(VIETNAM).date()
    issue(services, "FT-A1", 1_000_000)
    issue(services, "FT-A2", 2_500_000)
    stored = store_daily_report(services.database, services.signer(), BD, ACCOUNT, today)
    assert (stored.receipts, stored.amount, stored.created) == (2, 3_500_000, True)
    assert not store_daily_report(services.database, services.signer(), BD, ACCOUNT, today).created

    assert sender(services).send_due().sent == 1
    row = report_row(services, stored.report_id)
    assert row.status == SENT and row.acknowledgement_id.startswith("KBNN-") and row.attempts == 1

    control(home, drop=["FT-A1"], alter=["FT-A2"])  # the treasury disagrees
    assert fetch_statement(services.database, services.treasury_client(), ACCOUNT, today) == 1
    with services.database.write() as session:
        session.add_all(
            BankStatementLine(
                bic="BFTVVNVX",
                kind="camt.053",
                message_id="stmt",
                document_id="STMT-1",
                account=ACCOUNT,
                booking_date=today,
                amount=amount,
                reference=ref,
                recorded_at=datetime.now(UTC),
            )
            for ref, amount in (("FT-A1", 1_000_000), ("FT-A2", 2_500_000))
        )
    summary = reconcile(services.database, ACCOUNT, today)
    assert summary.discrepancies["in_bank_not_in_treasury"] == 1
    assert summary.discrepancies["amount_mismatch"] == 1
    assert summary.discrepancy_count == 2


def test_a_failing_treasury_is_retried_with_back_off_and_shown(services: Services, home: Path) -> None:
    day = datetime.now(VIETNAM).date() - timedelta(days=3)
    stored = store_daily_report(services.database, services.signer(), BD, ACCOUNT, day)
    control(home, fail=-1)
    waits, moment = [], datetime.now(UTC)
    for attempt in (1, 2, 3):
        result = sender(services).send_due(now=moment)
        assert (result.sent, result.failed) == (0, 1)
        row = report_row(services, stored.report_id)
        assert row.status == PENDING and row.attempts == attempt
        assert "ServiceUnavailable" in row.last_error
        waits.append((row.next_attempt_at - datetime.now(UTC)).total_seconds())
        assert sender(services).send_due(now=datetime.now(UTC)).failed == 0  # not due yet: not sent again
        moment = row.next_attempt_at + timedelta(seconds=1)
    assert 5 <= waits[0] <= 10 + 1 and 10 <= waits[1] <= 20 + 1 and 20 <= waits[2] <= 40 + 1, waits
    assert "ereceipt_treasury_reports_failing 1.0" in metric_lines(services)

    control(home, fail=0)
    assert sender(services).send_due(now=moment).sent == 1
    row = report_row(services, stored.report_id)
    assert row.status == SENT and row.attempts == 4 and row.last_error is None
    assert "ereceipt_treasury_reports_failing 0.0" in metric_lines(services)


def test_a_slow_treasury_is_a_typed_time_out(services: Services, home: Path) -> None:
    control(home, slow=3)
    started = time.monotonic()
    with pytest.raises(TreasuryUnavailable, match="did not answer in time"):
        services.treasury_client().collection_statement(ACCOUNT, datetime.now(VIETNAM).date())
    assert time.monotonic() - started < 3


def test_an_unreachable_treasury_and_a_wrong_certificate_are_typed(services: Services, home: Path) -> None:
    settings = services.settings
    from dataclasses import replace

    nowhere = replace(settings.treasury, url=f"http://127.0.0.1:{free_port()}/soap")
    with pytest.raises(TreasuryUnavailable, match="unreachable"):
        Services(replace(settings, treasury=nowhere)).treasury_client().collection_statement(
            ACCOUNT, datetime.now(VIETNAM).date()
        )
    keys = settings.keys.directory
    wrong = replace(settings.treasury, treasury_certificate=keys / "bank-client.cert.pem")
    with pytest.raises(TreasuryBadAnswer, match="pinned certificate"):
        Services(replace(settings, treasury=wrong)).treasury_client().collection_statement(
            ACCOUNT, datetime.now(VIETNAM).date()
        )


def test_a_signed_answer_with_a_comment_inside_a_value_is_refused(services: Services, home: Path) -> None:
    """Its signature still holds (C14N leaves comments out); the bytes are refused before zeep reads them."""
    control(home, comment=True)
    with pytest.raises(TreasuryBadAnswer, match="comment inside"):
        services.treasury_client().collection_statement(ACCOUNT, datetime.now(VIETNAM).date())
