"""Stored receipts taken to level LTA by archive time-stamps over hash trees (RFC 6283), in bounded
runs, those time-stamps renewed before their TSA certificates expire (RFC 6283 section 4.2.1), and
records whose chains are under another hash than the configured one given a new chain under it
(hash-tree renewal, section 4.2.2: ``core.archiving.rehashing``).

A batch is up to ``batch_size`` receipts at level LT (``archived_from``), oldest first: the
data-object digest of each (``core.signatures.evidence_record``) is a leaf of one hash tree, the TSA
time-stamps its root once, and each receipt keeps its reduced tree. Receipts are read and hashed a
page at a time; the TSA is called outside any transaction; the batch is then stored in one, and a
receipt goes to LTA only if it is still at the level it was read at (the jobs that rewrite a
receipt's XML change its level with it), so a concurrent change wins and the receipt waits for a
later batch.

A renewal batch is up to ``batch_size`` archive time-stamps whose TSA certificate ends within
``renew_before``, all under one hash algorithm: the digests of their TimeStamp elements are the
leaves, one new time-stamp under that algorithm covers them, and each keeps its reduced tree in
the new one's tree. A TSA out of reach ends the
run; receipts keep their level and wait for the next one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from ereceipt.core.archiving.rehashing import rehash_batch, rehash_due
from ereceipt.core.archiving.tables import ArchivedReceipt, ArchiveTimeStamp, stamp_row
from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.signatures.evidence_record import (
    ArchiveBatch,
    data_object_digest,
    renewal_digest,
    time_stamp_batch,
)
from ereceipt.core.signatures.hash_tree import pack
from ereceipt.core.signatures.timestamp import TimeStampAuthority, TimeStampUnavailable
from ereceipt.core.signatures.xades_t import SignatureLevel
from ereceipt.core.storage.database import Database

log = logging.getLogger("ereceipt.archiving")
# The level a receipt is archived from: LT, as ETSI's baseline LTA builds on LT (the validation data
# is then inside what the archive time-stamp covers); T where LT is switched off. The receipt's bytes
# must not change after archiving, and the LT job rewrites them, so never both.
LONG_TERM = (SignatureLevel.LT.value,)
TIME_STAMPED = (SignatureLevel.T.value,)


def archived_from(long_term: bool) -> tuple[str, ...]:
    return LONG_TERM if long_term else TIME_STAMPED


@dataclass(frozen=True)
class ArchiveRun:
    archived: int  # receipts taken to level LTA
    renewed: int  # archive time-stamps covered by a renewal
    tsa_calls: int
    waiting: int  # receipts still waiting at the level archived from after the run
    renewals_due: int  # archive time-stamps still due for renewal after the run
    outage: str | None = None
    rehashed: int = 0  # receipts whose record got a new chain under the configured hash
    rehash_due: int = 0  # receipts whose record's last chain is still under another hash

    def __str__(self) -> str:
        tail = f"; TSA unavailable: {self.outage}" if self.outage else ""
        return (
            f"{self.archived} receipts to level LTA, {self.renewed} archive time-stamps renewed, "
            f"{self.tsa_calls} TSA calls; {self.waiting} receipts waiting, {self.renewals_due} renewals due; "
            f"{self.rehashed} records renewed under a new hash, {self.rehash_due} still due{tail}"
        )


def _store(session, batch: ArchiveBatch, *, renewal: bool) -> ArchiveTimeStamp:
    stamp = stamp_row(batch, renewal=renewal)
    session.add(stamp)
    session.flush()
    return stamp


Pending = tuple[int, str, int, bytes]  # id, level, XML length, data-object digest
READ_PAGE = 500  # receipts read and hashed per read transaction: a batch's XML is never all in memory


def _pending(database: Database, batch_size: int, levels: tuple[str, ...], algorithm: str) -> list[Pending]:
    """(id, level, XML length, data-object digest) of up to ``batch_size`` receipts to archive."""
    pending: list[Pending] = []
    while len(pending) < batch_size:
        after = pending[-1][0] if pending else 0
        with database.read() as session:
            query = (
                select(Receipt.id, Receipt.signature_level, Receipt.signed_xml)
                .where(Receipt.signature_level.in_(levels), Receipt.id > after)
                .order_by(Receipt.id)
                .limit(min(READ_PAGE, batch_size - len(pending)))
            )
            page = [
                (rid, level, len(xml), data_object_digest(xml, algorithm))
                for rid, level, xml in session.execute(query)
            ]
        if not page:
            break
        pending += page
    return pending


def archive_batch(
    database: Database,
    tsa: TimeStampAuthority,
    tsa_trust,
    batch_size: int,
    levels: tuple[str, ...] = LONG_TERM,
    algorithm: str = "sha256",
) -> int | None:
    """Up to ``batch_size`` receipts at ``levels`` under one archive time-stamp (a chain under
    ``algorithm``): how many went to LTA, or None when none was waiting (and the TSA was not called)."""
    pending = _pending(database, batch_size, levels, algorithm)
    if not pending:
        return None
    digests = sorted({digest for *_, digest in pending})
    batch = time_stamp_batch(digests, tsa, tsa_trust, algorithm)  # no transaction
    done = 0
    with database.write() as session:
        stamp = _store(session, batch, renewal=False)
        for receipt_id, level, size, digest in pending:
            # Only a receipt still as it was read: a level changed since (its XML with it) waits.
            moved = session.execute(
                update(Receipt)
                .where(
                    Receipt.id == receipt_id,
                    Receipt.signature_level == level,
                    func.length(Receipt.signed_xml) == size,
                )
                .values(signature_level=SignatureLevel.LTA.value)
            )
            if moved.rowcount != 1:
                continue
            tree = pack(batch.reduced[digest])
            session.add(
                ArchivedReceipt(
                    receipt_id=receipt_id,
                    archive_time_stamp_id=stamp.id,
                    data_digest=digest,
                    reduced_tree=tree,
                )
            )
            done += 1
    return done


def _due(now: datetime, renew_before: timedelta):
    return (ArchiveTimeStamp.renewed_by_id.is_(None)) & (ArchiveTimeStamp.tsa_not_after <= now + renew_before)


def renew_batch(
    database: Database,
    tsa: TimeStampAuthority,
    tsa_trust,
    batch_size: int,
    renew_before: timedelta,
    now: datetime,
) -> int | None:
    """Up to ``batch_size`` archive time-stamps due for renewal, all under the hash of the first one
    due, covered by one new one: how many, or None when none was due (and the TSA was not called)."""
    with database.read() as session:
        first = select(ArchiveTimeStamp.hash_algorithm).where(_due(now, renew_before))
        algorithm = session.scalars(first.order_by(ArchiveTimeStamp.id).limit(1)).first()
        query = select(ArchiveTimeStamp.id, ArchiveTimeStamp.token).where(
            _due(now, renew_before), ArchiveTimeStamp.hash_algorithm == algorithm
        )
        rows = [tuple(row) for row in session.execute(query.order_by(ArchiveTimeStamp.id).limit(batch_size))]
    if not rows:
        return None
    digests = {stamp_id: renewal_digest(token, algorithm) for stamp_id, token in rows}
    batch = time_stamp_batch(list(digests.values()), tsa, tsa_trust, algorithm)
    end = batch.stamp.tsa_certificate.not_valid_after_utc
    if end <= now + renew_before:
        raise TimeStampUnavailable(f"the TSA's certificate ends at {end}, too soon for a renewal to help")
    with database.write() as session:
        renewal = _store(session, batch, renewal=True)
        for stamp_id, digest in digests.items():
            session.execute(
                update(ArchiveTimeStamp)
                .where(ArchiveTimeStamp.id == stamp_id, ArchiveTimeStamp.renewed_by_id.is_(None))
                .values(renewed_by_id=renewal.id, renewal_tree=pack(batch.reduced[digest]))
            )
    return len(rows)


@dataclass(frozen=True)
class ArchiveStatus:
    archived: int  # receipts at level LTA
    waiting: int  # receipts at the level archived from
    archive_time_stamps: int
    renewals_due: int
    next_renewal: datetime | None  # the earliest end of a TSA certificate not yet renewed past
    rehash_due: int = 0  # receipts whose record's last chain is not under the configured hash
    algorithm: str = "sha256"  # the configured hash of new chains

    def __str__(self) -> str:
        after = f"; the first TSA certificate to renew past ends {self.next_renewal}"
        after = after if self.next_renewal else ""
        return (
            f"{self.archived} receipts at level LTA, {self.waiting} waiting to be archived; "
            f"{self.archive_time_stamps} archive time-stamps, {self.renewals_due} due for renewal{after}; "
            f"{self.rehash_due} records due for a hash-tree renewal to {self.algorithm}"
        )


def archive_status(
    database: Database,
    renew_before: timedelta,
    now: datetime,
    levels: tuple[str, ...] = LONG_TERM,
    algorithm: str = "sha256",
) -> ArchiveStatus:
    with database.read() as session:

        def count(query) -> int:
            return session.scalar(query) or 0

        counted = select(func.count()).select_from(Receipt)
        stamps = select(func.count()).select_from(ArchiveTimeStamp)
        open_ends = select(func.min(ArchiveTimeStamp.tsa_not_after)).where(
            ArchiveTimeStamp.renewed_by_id.is_(None)
        )
        return ArchiveStatus(
            count(counted.where(Receipt.signature_level == SignatureLevel.LTA.value)),
            count(counted.where(Receipt.signature_level.in_(levels))),
            count(stamps),
            count(stamps.where(_due(now, renew_before))),
            session.scalar(open_ends),
            rehash_due(session, algorithm),
            algorithm,
        )


def archive_receipts(
    database: Database,
    tsa: TimeStampAuthority,
    tsa_trust,
    *,
    batch_size: int,
    batches: int,
    renew_before: timedelta,
    clock: Callable[[], datetime],
    levels: tuple[str, ...] = LONG_TERM,
    algorithm: str = "sha256",
) -> ArchiveRun:
    """At most ``batches`` TSA calls: time-stamp renewals due first (a lapse there loses proofs),
    then hash-tree renewals of records not under ``algorithm``, then new batches of receipts at
    ``levels`` under ``algorithm``; stops at the first TSA outage. A weak or unknown ``algorithm``
    raises ConfigurationError."""
    archived = renewed = rehashed = calls = 0
    outage = None
    try:
        while calls < batches:
            done = renew_batch(database, tsa, tsa_trust, batch_size, renew_before, clock())
            if done is None:
                break
            renewed, calls = renewed + done, calls + 1
            log.info("renewal: %d archive time-stamps covered by one TSA call", done)
        while calls < batches:
            done = rehash_batch(database, tsa, tsa_trust, batch_size, algorithm, clock())
            if done is None:
                break
            rehashed, calls = rehashed + done, calls + 1
            log.info("hash-tree renewal: %d records given a %s chain by one TSA call", done, algorithm)
        while calls < batches:
            done = archive_batch(database, tsa, tsa_trust, batch_size, levels, algorithm)
            if done is None:
                break
            archived, calls = archived + done, calls + 1
            log.info("archive time-stamp: %d receipts to level LTA (%d this run)", done, archived)
    except TimeStampUnavailable as exc:
        outage = exc.message
        log.warning("archive time-stamping stopped: %s", outage)
    status = archive_status(database, renew_before, clock(), levels, algorithm)
    return ArchiveRun(
        archived, renewed, calls, status.waiting, status.renewals_due, outage, rehashed, status.rehash_due
    )
