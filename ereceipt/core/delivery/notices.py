"""Delivering payer notices from the outbox (``payer_notice``): claim, send, record; retries with back-off.

A notice is claimed in a short transaction (its next attempt moved a lease ahead, so another
dispatcher leaves it alone and a crashed one's notices come back), sent with no transaction
open, and its outcome written in another. A transient failure (connection refused, time-out,
SMTP 4xx, HTTP 429/5xx) is tried again after an exponentially growing delay with jitter, up to a
number of attempts; a permanent one (recipient refused, invalid number) is recorded with the
reason and not tried again until an officer resends it. Notices of a channel that is not
configured are never claimed: they stay pending, visibly, until it is.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ereceipt.core.backoff import backoff_seconds
from ereceipt.core.delivery.outbox import EMAIL, FAILED, PENDING, SENT, SMS, PayerNotice
from ereceipt.core.errors import Conflict, EReceiptError, NotFound, TransientOutage, outside_reason
from ereceipt.core.receipts.content import ReceiptContent
from ereceipt.core.receipts.payer_contact import normalise_email, normalise_mobile
from ereceipt.core.receipts.store import CANCELLED
from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.storage import audit
from ereceipt.core.storage.database import Database

log = logging.getLogger("ereceipt.notices")


class PermanentDeliveryFailure(EReceiptError):
    """The channel refused the notice for good (unknown mailbox, invalid number): not tried again."""

    code = "DELIVERY_REFUSED"


class TransientDeliveryFailure(TransientOutage):
    """The channel could not take the notice now (down, time-out, 4xx of SMTP, 429/5xx of HTTP)."""


@dataclass(frozen=True)
class Delivery:
    """One notice as a channel sends it: the receipt read from its verified signed XML."""

    notice_id: int
    channel: str
    recipient: str
    content: ReceiptContent | None  # None when the stored receipt's signature does not verify
    signed_xml: bytes
    lookup_url: str


class Channel(Protocol):
    def send(self, delivery: Delivery) -> None:
        """Deliver or raise ``PermanentDeliveryFailure`` / ``TransientDeliveryFailure``."""


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 30.0
    cap_seconds: float = 3600.0
    max_attempts: int = 20

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        """The wait after the ``attempts``-th failed try (see ``core.backoff``)."""
        return timedelta(
            seconds=backoff_seconds(attempts - 1, base=self.base_seconds, cap=self.cap_seconds, rng=rng)
        )


@dataclass
class Tally:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed


@dataclass
class NoticeDispatcher:
    """Start with ``run()`` in a thread, stop with ``stop()``; ``send_due()`` alone is one pass."""

    database: Database
    channels: Mapping[str, Channel]
    read_signed: Callable[[bytes], ReceiptContent | None]  # None when the signature does not verify
    lookup_url: Callable[[str], str]  # lookup code → public lookup URL
    policy: RetryPolicy = RetryPolicy()
    batch: int = 20
    idle_seconds: float = 5.0
    lease_seconds: float = 300.0
    rng: random.Random = field(default_factory=random.Random)
    stopping: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        failures, reported = 0, False
        while not self.stopping.is_set():
            try:
                if not reported:
                    self.report_unconfigured()
                    reported = True
                tally = self.send_due()
                failures = 0
            except Exception as exc:  # the database is down, or a bug: the thread must live on
                failures += 1
                delay = min(self.policy.cap_seconds, 2 ** min(failures, 16))
                if isinstance(exc, TransientOutage):
                    log.warning("notice delivery paused (%s); again in %.0f s", exc, delay)
                else:
                    log.exception("notice delivery failed unexpectedly; again in %.0f s", delay)
                self.stopping.wait(delay)
                continue
            if tally.handled < self.batch:
                self.stopping.wait(self.idle_seconds)

    def report_unconfigured(self) -> None:
        """Say once at start which channels are off and how many notices wait for them."""
        for channel in (EMAIL, SMS):
            if channel not in self.channels:
                waiting = pending_count(self.database, channel)
                log.warning(
                    "%s delivery is not configured: %d notice(s) stay pending until it is", channel, waiting
                )

    def send_due(self) -> Tally:
        """Claim one batch of due notices and send each; returns what became of them."""
        tally = Tally()
        for delivery, cancelled in self._claim(datetime.now(UTC)):
            if delivery.content is None:
                self._record_failure(delivery, "the receipt's signature does not verify; not sent", tally)
            elif cancelled:
                self._record_failure(delivery, "the receipt was cancelled before delivery; not sent", tally)
            else:
                self._send(delivery, tally)
        return tally

    def _claim(self, now: datetime) -> list[tuple[Delivery, bool]]:
        if not self.channels:
            return []  # delivery off: nothing to claim, and no write transaction for nothing
        query = (
            select(PayerNotice, Receipt.signed_xml, Receipt.status)
            .join(Receipt, Receipt.id == PayerNotice.receipt_id)
            .where(
                PayerNotice.status == PENDING,
                PayerNotice.next_attempt_at <= now,
                PayerNotice.channel.in_(list(self.channels)),
            )
            .order_by(PayerNotice.id)
            .limit(self.batch)
        )
        if self.database.dialect == "postgresql":
            query = query.with_for_update(of=PayerNotice, skip_locked=True)
        claimed = []
        with self.database.write() as session:
            for notice, signed_xml, status in session.execute(query).all():
                notice.attempts += 1
                notice.next_attempt_at = now + timedelta(seconds=self.lease_seconds)
                claimed.append((notice.id, notice.channel, notice.recipient, signed_xml, status))
        deliveries = []
        for notice_id, channel, recipient, signed_xml, status in claimed:
            try:
                content = self.read_signed(signed_xml)
            except EReceiptError as exc:
                log.error("notice %s: the stored receipt is unreadable: %s", notice_id, exc)
                content = None
            url = self.lookup_url(content.lookup_code) if content else ""
            deliveries.append(
                (Delivery(notice_id, channel, recipient, content, signed_xml, url), status == CANCELLED)
            )
        return deliveries

    def _send(self, delivery: Delivery, tally: Tally) -> None:
        try:
            self.channels[delivery.channel].send(delivery)
        except PermanentDeliveryFailure as exc:
            self._record_failure(delivery, exc.message, tally)
            return
        except TransientDeliveryFailure as exc:
            self._record_retry(delivery, exc.message, tally)
            return
        except Exception as exc:  # a bug in a channel must not lose the notice: it is tried again
            log.exception("notice %s: unexpected error", delivery.notice_id)
            reason = f"unexpected error ({type(exc).__name__}: {outside_reason(exc)}); see the log"
            self._record_retry(delivery, reason, tally)
            return
        with self.database.write() as session:
            _set(session, delivery.notice_id, status=SENT, sent_at=datetime.now(UTC), last_error=None)
        log.info("notice %s sent by %s to %s", delivery.notice_id, delivery.channel, delivery.recipient)
        tally.sent += 1

    def _record_retry(self, delivery: Delivery, reason: str, tally: Tally) -> None:
        with self.database.write() as session:
            attempts = session.scalar(
                select(PayerNotice.attempts).where(PayerNotice.id == delivery.notice_id)
            )
            if attempts >= self.policy.max_attempts:
                reason = f"gave up after {attempts} attempts: {reason}"
                _set(
                    session, delivery.notice_id, status=FAILED, failed_at=datetime.now(UTC), last_error=reason
                )
                log.warning("notice %s failed for good: %s", delivery.notice_id, reason)
                tally.failed += 1
                return
            later = datetime.now(UTC) + self.policy.delay(attempts, self.rng)
            _set(session, delivery.notice_id, next_attempt_at=later, last_error=reason[:400])
        log.warning("notice %s not sent (%s); again at %s", delivery.notice_id, reason, later.isoformat())
        tally.retrying += 1

    def _record_failure(self, delivery: Delivery, reason: str, tally: Tally) -> None:
        with self.database.write() as session:
            _set(
                session,
                delivery.notice_id,
                status=FAILED,
                failed_at=datetime.now(UTC),
                last_error=reason[:400],
            )
        log.warning("notice %s refused for good: %s", delivery.notice_id, reason)
        tally.failed += 1


def _set(session: Session, notice_id: int, **values: object) -> None:
    if "last_error" in values and values["last_error"] is not None:
        values["last_error"] = str(values["last_error"])[:400]
    session.execute(
        update(PayerNotice).where(PayerNotice.id == notice_id, PayerNotice.status == PENDING).values(**values)
    )


def pending_count(database: Database, channel: str) -> int:
    with database.read() as session:
        return session.scalar(
            select(func.count())
            .select_from(PayerNotice)
            .where(PayerNotice.status == PENDING, PayerNotice.channel == channel)
        )


def counts(session: Session) -> dict[tuple[str, str], int]:
    """Notices by (channel, status), for ``/metrics``."""
    rows = session.execute(
        select(PayerNotice.channel, PayerNotice.status, func.count()).group_by(
            PayerNotice.channel, PayerNotice.status
        )
    )
    return {(channel, status): number for channel, status, number in rows}


def resend(session: Session, notice_id: int, *, actor: str, recipient: str | None = None) -> PayerNotice:
    """Put a failed notice back in the queue, to a corrected recipient if given; audited."""
    notice = session.get(PayerNotice, notice_id, with_for_update=True)
    if notice is None:
        raise NotFound(f"no notice {notice_id}")
    if notice.status != FAILED:
        raise Conflict(f"notice {notice_id} is {notice.status.lower()}; only a failed notice is sent again")
    previous = notice.recipient
    if recipient and recipient.strip():
        notice.recipient = (
            normalise_email(recipient) if notice.channel == EMAIL else normalise_mobile(recipient)
        )
    details = {"receipt": notice.receipt_id, "channel": notice.channel, "reason": notice.last_error}
    if notice.recipient != previous:
        details.update(previous_recipient=previous, recipient=notice.recipient)
    notice.status, notice.attempts, notice.failed_at = PENDING, 0, None
    notice.next_attempt_at = datetime.now(UTC)
    audit.record(session, actor, "notice.resent", "payer_notice", notice.id, **details)
    return notice
