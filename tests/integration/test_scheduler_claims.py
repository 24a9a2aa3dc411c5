"""Old scheduler claims are pruned after each run, never those still within the misfire grace time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from ereceipt.core.storage.database import Database
from ereceipt.core.storage.scheduling import SchedulerClaim, prune

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def add_claim(database: Database, job: str, age: timedelta, *, finished: bool = True) -> None:
    with database.write() as session:
        session.execute(
            insert(SchedulerClaim),
            {
                "job_id": job,
                "fire_time": NOW - age,
                "holder": "test",
                "claimed_at": NOW - age,
                "finished_at": NOW - age if finished else None,
                "outcome": "done" if finished else None,
            },
        )


def ages(database: Database, job: str) -> list[timedelta]:
    with database.read() as session:
        times = session.scalars(select(SchedulerClaim.fire_time).where(SchedulerClaim.job_id == job))
        return sorted(NOW - t for t in times)


def test_only_this_jobs_finished_claims_older_than_kept_are_pruned(database: Database) -> None:
    for age in (timedelta(days=8), timedelta(days=7, seconds=5), timedelta(days=6), timedelta(seconds=5)):
        add_claim(database, "transparency_log", age)
    add_claim(database, "transparency_log", timedelta(days=9), finished=False)  # a run that never finished
    add_claim(database, "daily_reports", timedelta(days=30))
    pruned = prune(database, "transparency_log", NOW, timedelta(days=7), timedelta(hours=1))
    assert pruned == 2
    assert ages(database, "transparency_log") == [timedelta(seconds=5), timedelta(days=6), timedelta(days=9)]
    assert ages(database, "daily_reports") == [timedelta(days=30)]


def test_claims_within_the_misfire_grace_time_are_kept_whatever_is_asked(database: Database) -> None:
    add_claim(database, "transparency_log", timedelta(minutes=30))
    add_claim(database, "transparency_log", timedelta(hours=2))
    assert prune(database, "transparency_log", NOW, timedelta(0), timedelta(hours=1)) == 1
    assert ages(database, "transparency_log") == [timedelta(minutes=30)]


def test_a_scheduled_run_prunes_its_jobs_old_claims(database: Database, database_url) -> None:
    from ereceipt.app import jobs
    from ereceipt.app.wiring import Services
    from ereceipt.config import load_settings

    now = datetime.now(UTC)
    with database.write() as session:
        for days in (10, 8):
            session.execute(
                insert(SchedulerClaim),
                {
                    "job_id": "report_retries",
                    "fire_time": now - timedelta(days=days),
                    "holder": "test",
                    "claimed_at": now - timedelta(days=days),
                    "finished_at": now - timedelta(days=days),
                    "outcome": "done",
                },
            )
    environ = {"ERECEIPT_DATABASE__URL": database_url.url, "ERECEIPT_SCHEDULER__CLAIMS_KEPT_DAYS": "9"}
    services = Services(load_settings(None, environ=environ))
    try:
        jobs._claim_and_run(services, "report_retries")
    finally:
        services.database.dispose()
    with database.read() as session:
        kept = session.scalars(
            select(SchedulerClaim.fire_time).where(SchedulerClaim.job_id == "report_retries")
        )
        kept_days = sorted(round((now - t).total_seconds() / 86400) for t in kept)
    assert kept_days == [0, 8]  # this run's claim and the one not yet 9 days old
