"""Scheduled work (APScheduler 3): treasury reports, statement fetch, reconciliation, retries, log archive,
transparency log, signature time-stamps (receipts from level B to T), archive time-stamps (to LTA).

Each job has a cron expression in ``[scheduler]`` (empty: off). Jobs live in a persistent
SQLAlchemy job store in our database, with coalescing (a backlog of missed runs runs once),
``max_instances=1`` and a misfire grace time. Several scheduler processes may run against one
database: every run first claims ``(job, fire time)`` in ``scheduler_claim`` (``core.scheduling``),
so each run happens in exactly one process. ``ereceipt scheduler`` runs the scheduler in the
foreground; ``ereceipt serve`` starts it as a child process when ``[server] run_scheduler`` is true.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Column, MetaData, String, Table, delete, inspect
from sqlalchemy.exc import DBAPIError

from ereceipt.app.supervision import stop_when_orphaned
from ereceipt.settings import SCHEDULED_JOBS, Settings

log = logging.getLogger("ereceipt.scheduler")
JOB_TABLE = "apscheduler_jobs"


def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """5 fields (minute hour day month weekday), or 6 with seconds first."""
    fields = expression.split()
    names = ["minute", "hour", "day", "month", "day_of_week"]
    if len(fields) == 6:
        names = ["second", *names]
    return CronTrigger(**dict(zip(names, fields, strict=True)), timezone=ZoneInfo(timezone))


def previous_day(settings: Settings) -> date:
    return datetime.now(ZoneInfo(settings.scheduler.timezone)).date() - timedelta(days=1)


# -- the jobs -------------------------------------------------------------------------------------


def daily_reports(services, day: date | None = None) -> str:
    from ereceipt.core.treasury.collection_report import accounts_to_report, store_daily_report

    day = day or previous_day(services.settings)
    stored = [
        store_daily_report(services.database, services.signer(), code, account, day)
        for code, account in accounts_to_report(services.database)
    ]
    sent = report_retries(services)
    return f"{sum(r.created for r in stored)} reports of {day} stored; {sent}"


def report_retries(services, day: date | None = None) -> str:
    from ereceipt.adapters.treasury import ReportSender

    sender = ReportSender(
        services.database,
        services.treasury_client(),
        max_backoff_seconds=services.settings.treasury.max_backoff_seconds,
    )
    result = sender.send_due()
    return f"{result.sent} sent, {result.failed} failed, {result.rejected} rejected"


def statement_fetch(services, day: date | None = None) -> str:
    from ereceipt.adapters.treasury import TreasuryError, fetch_statement
    from ereceipt.core.treasury.reconciliation import accounts

    day, client, done, failed = day or previous_day(services.settings), services.treasury_client(), 0, []
    for account in accounts(services.database):
        try:
            done += fetch_statement(services.database, client, account, day)
        except TreasuryError as exc:
            failed.append(f"{account}: {exc.message}")
    if failed:
        raise RuntimeError(f"statements of {day} not fetched for " + "; ".join(failed))
    return f"{done} treasury lines of {day}"


def reconciliation(services, day: date | None = None) -> str:
    from ereceipt.core.treasury.reconciliation import accounts, reconcile

    day = day or previous_day(services.settings)
    runs = [
        reconcile(services.database, account, day, actor="scheduler")
        for account in accounts(services.database)
    ]
    return f"{len(runs)} runs of {day}, {sum(r.discrepancy_count for r in runs)} discrepancies"


def message_log_archive(services, day: date | None = None) -> str:
    from ereceipt.soap.log_archive import archive_message_log

    moved = archive_message_log(services.database, services.settings.scheduler.archive_after_days)
    return f"{moved} message-log records archived"


def _utc_now() -> datetime:
    return datetime.now(ZoneInfo("UTC"))


def transparency_log(services, day: date | None = None) -> str:
    """Append what was committed since the last run to the transparency log, in bounded batches."""
    from ereceipt.core.transparency.sequencer import integrate

    settings, signer = services.settings.transparency, services.log_signer()
    first = last = None
    for _ in range(settings.batches_per_run):
        last = integrate(services.database, signer, batch_size=settings.batch_size, clock=_utc_now)
        first = first or last
        if last.appended < settings.batch_size:
            break
    phase = " (backfill of receipts issued before the log)" if last.backfilling else ""
    done = f"log size {first.old_size} -> {last.new_size}{phase}"
    if settings.witness_url:
        from ereceipt.app.witnessing import cosign_latest

        done += f"; {cosign_latest(services)}"
    return done


def signature_time_stamps(services, day: date | None = None) -> str:
    """Take receipts issued at level B to level T (XAdES-T), then receipts at level T to level LT
    (XAdES-LT: chains and revocation data embedded), a bounded number of each a run."""
    from ereceipt.core.receipts.long_term import add_validation_data_to_receipts
    from ereceipt.core.receipts.time_stamping import time_stamp_receipts

    tsa = services.time_stamp_authority()
    if tsa is None:
        return "no [signature] tsa_url: receipts stay at level B"
    scheduler = services.settings.scheduler
    run = time_stamp_receipts(
        services.database,
        tsa,
        limit=scheduler.time_stamps_per_run,
        parallel=scheduler.time_stamps_in_parallel,
    )
    if not scheduler.validation_data_per_run:
        return str(run)
    long_term = add_validation_data_to_receipts(
        services.database,
        services.trust(),
        services.tsa_trust(),
        services.revocation_source(),
        limit=scheduler.validation_data_per_run,
    )
    return f"{run}; {long_term}"


def archive_time_stamps(services, day: date | None = None) -> str:
    """Take receipts at level LT (T where LT is switched off) to LTA under archive time-stamps over
    hash trees (RFC 6283), renewing those due first and giving records not under ``[scheduler]
    archive_hash_algorithm`` a new chain under it; a bounded number of TSA calls a run."""
    from ereceipt.core.archiving.archiving import archive_receipts, archived_from

    tsa = services.time_stamp_authority()
    if tsa is None:
        return "no [signature] tsa_url: receipts are not archive time-stamped"
    scheduler = services.settings.scheduler
    run = archive_receipts(
        services.database,
        tsa,
        services.tsa_trust(),
        batch_size=scheduler.archive_batch_size,
        batches=scheduler.archive_batches_per_run,
        renew_before=timedelta(days=scheduler.archive_renew_before_days),
        clock=_utc_now,
        levels=archived_from(scheduler.validation_data_per_run > 0),
        algorithm=scheduler.archive_hash_algorithm,
    )
    return str(run)


JOBS: dict[str, Callable] = {
    "daily_reports": daily_reports,
    "statement_fetch": statement_fetch,
    "reconciliation": reconciliation,
    "report_retries": report_retries,
    "message_log_archive": message_log_archive,
    "transparency_log": transparency_log,
    "signature_time_stamps": signature_time_stamps,
    "archive_time_stamps": archive_time_stamps,
}
assert tuple(JOBS) == SCHEDULED_JOBS  # the config's names and the jobs are one list


def holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_scheduled(name: str, config: str = "defaults") -> None:
    """What the job store calls: claim this run, then run the job; another process's claim → skip.

    The job store keeps a reference to this function and its arguments, never an object, so the
    job gets its services from the configuration the scheduler was started with (``config``: the
    settings' source, a file or the defaults; the environment's overrides are read again), once
    per run, and closes them after it.
    """
    from ereceipt.app.wiring import Services
    from ereceipt.config import load_settings

    services = Services(load_settings(None if config == "defaults" else config))
    try:
        _claim_and_run(services, name)
    finally:
        services.database.dispose()


def _claim_and_run(services, name: str) -> None:
    from ereceipt.core.storage.scheduling import claim, finish, latest_fire_time

    settings = services.settings
    trigger = cron_trigger(getattr(settings.scheduler, name), settings.scheduler.timezone)
    fire_time = latest_fire_time(
        trigger,
        datetime.now(ZoneInfo(settings.scheduler.timezone)),
        timedelta(seconds=settings.scheduler.misfire_grace_seconds),
    )
    if not claim(services.database, name, fire_time, holder()):
        log.info("job %s of %s skipped: another scheduler process runs it", name, fire_time.isoformat())
        return
    log.info("job %s of %s started", name, fire_time.isoformat())
    try:
        outcome = JOBS[name](services)
    except Exception as exc:
        log.error("job %s of %s failed: %s", name, fire_time.isoformat(), exc)
        finish(services.database, name, fire_time, f"failed: {exc}")
        _prune_claims(services, name)
        return
    log.info("job %s of %s done: %s", name, fire_time.isoformat(), outcome)
    finish(services.database, name, fire_time, outcome)
    _prune_claims(services, name)


def _prune_claims(services, name: str) -> None:
    """Drop this job's claims older than ``[scheduler] claims_kept_days``: after each run, so a job
    that runs every few seconds deletes about one row each time and its claims stay bounded."""
    from ereceipt.core.storage.scheduling import prune

    settings = services.settings.scheduler
    keep = timedelta(days=settings.claims_kept_days)
    grace = timedelta(seconds=settings.misfire_grace_seconds)
    pruned = prune(services.database, name, _utc_now(), keep, grace)
    if pruned:
        log.info("job %s: %d claims older than %d days pruned", name, pruned, settings.claims_kept_days)


def build_scheduler(services) -> BlockingScheduler:
    """A scheduler with the jobs of ``[scheduler]`` in the database job store (replacing what was there)."""
    remove_switched_off(services)
    settings = services.settings.scheduler
    scheduler = BlockingScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=services.database.engine, tablename=JOB_TABLE)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": settings.misfire_grace_seconds,
        },
        timezone=ZoneInfo(settings.timezone),
    )
    for name in JOBS:
        expression = getattr(settings, name)
        if expression:
            scheduler.add_job(
                "ereceipt.app.jobs:run_scheduled",
                cron_trigger(expression, settings.timezone),
                args=[name, services.settings.source],
                id=name,
                name=name,
                replace_existing=True,
            )
    return scheduler


def remove_switched_off(services) -> list[str]:
    """Remove from the job store the jobs whose cron expression is now empty (left by an earlier run)."""
    off = [name for name in JOBS if not getattr(services.settings.scheduler, name)]
    engine = services.database.engine
    if off and inspect(engine).has_table(JOB_TABLE):
        table = Table(JOB_TABLE, MetaData(), Column("id", String(191), primary_key=True))
        with engine.begin() as connection:
            connection.execute(delete(table).where(table.c.id.in_(off)))
    return off


def run_forever(services, *, exit_with_parent: bool = False) -> None:
    """Run the scheduler until SIGTERM/SIGINT (or, started by `serve`, until the parent is gone).

    A database that cannot be reached at start is waited for (growing pauses up to a minute), so
    the scheduler comes up with the database instead of dying with it.
    """
    from ereceipt.core.errors import TransientOutage

    stopping, current, parent = threading.Event(), [], os.getppid()

    def shut_down() -> None:
        for _ in range(100):
            if current and current[-1].running:
                current[-1].shutdown(wait=True)
                return
            time.sleep(0.05)

    def stop(*_) -> None:
        stopping.set()
        threading.Thread(target=shut_down, daemon=True).start()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    if exit_with_parent:
        stop_when_orphaned(parent, stop, stopping=stopping)
    pause = 1
    while not stopping.is_set():
        try:
            scheduler = build_scheduler(services)
            current.append(scheduler)
            names = [name for name in JOBS if getattr(services.settings.scheduler, name)]
            print(f"scheduler {holder()}: {', '.join(names) or 'no jobs'}", flush=True)
            scheduler.start()  # blocks until shut down
            return
        except (DBAPIError, TransientOutage) as exc:
            reason = getattr(exc, "orig", None) or exc
            log.warning(
                "scheduler: database unavailable (%s); trying again in %d s",
                str(reason).splitlines()[0],
                pause,
            )
            stopping.wait(pause)
            pause = min(pause * 2, 60)
