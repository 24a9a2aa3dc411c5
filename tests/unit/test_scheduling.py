"""Cron settings, the fire time processes agree on, and the report back-off (no I/O)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from ereceipt.adapters.treasury import backoff
from ereceipt.app.jobs import cron_trigger
from ereceipt.config import load_settings
from ereceipt.core.errors import ConfigurationError
from ereceipt.core.storage.scheduling import latest_fire_time


def test_latest_fire_time_is_the_same_for_processes_waking_apart() -> None:
    trigger = cron_trigger("30 0 * * *", "Asia/Ho_Chi_Minh")
    fired = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 00:30 in Vietnam
    early = latest_fire_time(trigger, fired + timedelta(seconds=1), timedelta(hours=1))
    late = latest_fire_time(trigger, fired + timedelta(minutes=20), timedelta(hours=1))
    assert early == late == fired


def test_six_field_cron_has_seconds_first() -> None:
    trigger = cron_trigger("*/2 * * * * *", "UTC")
    now = datetime(2026, 3, 1, 10, 0, 5, 300_000, tzinfo=UTC)
    assert latest_fire_time(trigger, now, timedelta(minutes=1)) == datetime(2026, 3, 1, 10, 0, 4, tzinfo=UTC)


def test_back_off_grows_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(7)  # noqa: S311 (jitter, not secrecy)
    waits = [backoff(attempt, 3600, rng).total_seconds() for attempt in range(1, 12)]
    for attempt, wait in enumerate(waits, start=1):
        base = min(3600, 5 * 2**attempt)
        assert base / 2 <= wait <= base
    assert len({round(w, 6) for w in waits}) == len(waits)


@pytest.mark.parametrize(
    ("section", "text", "named"),
    [
        ("scheduler", "daily_reports = 30 0 *", "[scheduler] daily_reports"),
        ("scheduler", "timezone = Mars/Olympus", "[scheduler] timezone"),
        ("treasury", "url = ftp://treasury", "[treasury] url"),
        ("treasury", "colour = red", "[treasury] colour"),
    ],
)
def test_wrong_scheduler_and_treasury_settings_stop_the_start(tmp_path, section, text, named) -> None:
    config = tmp_path / "config.ini"
    config.write_text(f"[{section}]\n{text}\n")
    with pytest.raises(ConfigurationError) as error:
        load_settings(config, environ={})
    assert named in error.value.message


def test_a_job_can_be_switched_off(tmp_path) -> None:
    config = tmp_path / "config.ini"
    config.write_text("[scheduler]\nreconciliation =\n[server]\nrun_scheduler = false\n")
    settings = load_settings(config, environ={})
    assert settings.scheduler.reconciliation == "" and settings.server.run_scheduler is False
