"""Once-only scheduled runs across processes: a claim row per job and fire time (SQLite and PostgreSQL).

Several scheduler processes may fire the same job at the same time. Before running, each inserts
``(job_id, fire_time)`` into ``scheduler_claim``; the primary key lets exactly one insert succeed,
that process runs the job and records the outcome, and the others skip that run. The fire time is
the latest time the job's trigger fired at or before now, so processes that wake a little apart
still name the same run.

Claims are kept for a while as the jobs' run history, then pruned (``prune``): a job firing every
few seconds would otherwise add thousands of rows a day. A claim is needed only while another
process could still fire the same run, that is within the misfire grace time, so pruning never
keeps less than that.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    String,
    delete,
    insert,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ereceipt.core.storage.base import Base, UTCDateTime
from ereceipt.core.storage.database import Database


class SchedulerClaim(Base):
    """One scheduled run of one job: the first process to insert the row runs it, the others skip it."""

    __tablename__ = "scheduler_claim"
    job_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    fire_time: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(400))


def latest_fire_time(trigger, now: datetime, lookback: timedelta) -> datetime:
    """The trigger's last fire time at or before ``now`` (APScheduler trigger API), within ``lookback``."""
    latest, moment = None, trigger.get_next_fire_time(None, now - lookback)
    while moment is not None and moment <= now:
        latest = moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(microseconds=1))
    return (latest or now.replace(microsecond=0)).astimezone(UTC)


def claim(database: Database, job_id: str, fire_time: datetime, holder: str) -> bool:
    """True when this process may run ``job_id`` for ``fire_time``; False when another already has it."""
    try:
        with database.write() as session:
            session.execute(
                insert(SchedulerClaim),
                {"job_id": job_id, "fire_time": fire_time, "holder": holder, "claimed_at": datetime.now(UTC)},
            )
    except IntegrityError:
        return False
    return True


def finish(database: Database, job_id: str, fire_time: datetime, outcome: str) -> None:
    with database.write() as session:
        session.execute(
            update(SchedulerClaim)
            .where(SchedulerClaim.job_id == job_id, SchedulerClaim.fire_time == fire_time)
            .values(finished_at=datetime.now(UTC), outcome=outcome[:400])
        )


def prune(database: Database, job_id: str, now: datetime, keep: timedelta, misfire_grace: timedelta) -> int:
    """Delete ``job_id``'s finished claims fired more than ``keep`` (at least the misfire grace time
    and a minute) before ``now``; how many. Bounded by the primary key (job, fire time)."""
    cutoff = now - max(keep, misfire_grace + timedelta(minutes=1))
    with database.write() as session:
        result = session.execute(
            delete(SchedulerClaim).where(
                SchedulerClaim.job_id == job_id,
                SchedulerClaim.fire_time < cutoff,
                SchedulerClaim.finished_at.is_not(None),
            )
        )
    return result.rowcount
