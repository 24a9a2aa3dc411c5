"""Hash-tree renewal of stored receipts' evidence records (RFC 6283 section 4.2.2, after RFC 4998
section 5.2): when the hash algorithm of their archive chains weakens, a new chain under a stronger
one, in bounded batches with one TSA call each.

A receipt is due when the last chain of its record is not under the configured algorithm
(``[scheduler] archive_hash_algorithm``). For each receipt of a batch the leaf is the reduction of
two values under the new algorithm: the digest of the receipt as archived and the digest of its
record's ArchiveTimeStampSequence (``evidence_record.sequence_digest``); one time-stamp covers the
tree of all leaves, and each receipt gets a new ``archived_receipt`` row (its data digest under the
new algorithm, its reduced tree from those two values). Unlike a time-stamp renewal this reads every
receipt again: the data objects themselves must be hashed anew. A record that changed between the
read and the write (a time-stamp renewal of its last chain meanwhile) is left for the next batch.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, select

from ereceipt.core.archiving.records import records_of
from ereceipt.core.archiving.tables import ArchivedReceipt, ArchiveTimeStamp, stamp_row
from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.signatures.evidence_record import (
    data_object_digest,
    require_strong,
    sequence_digest,
    time_stamp_batch,
)
from ereceipt.core.signatures.hash_tree import pack, reduce_group, under_group
from ereceipt.core.storage.database import Database

READ_PAGE = 200  # receipts (XML and record) read per read transaction


def _last_chains():
    """Each archived receipt's id and the hash algorithm of its record's last chain."""
    last = (
        select(ArchivedReceipt.receipt_id, func.max(ArchivedReceipt.id).label("row"))
        .group_by(ArchivedReceipt.receipt_id)
        .subquery()
    )
    return (
        select(last.c.receipt_id, ArchiveTimeStamp.hash_algorithm)
        .join(ArchivedReceipt, ArchivedReceipt.id == last.c.row)
        .join(ArchiveTimeStamp, ArchiveTimeStamp.id == ArchivedReceipt.archive_time_stamp_id)
        .subquery()
    )


def _any_other(session, algorithm: str) -> bool:
    # The common case, every chain under the configured hash, without counting every receipt.
    return bool(session.scalar(select(exists().where(ArchiveTimeStamp.hash_algorithm != algorithm))))


def rehash_due(session, algorithm: str) -> int:
    """How many archived receipts have a record whose last chain is not under ``algorithm``."""
    if not _any_other(session, algorithm):
        return 0
    chains = _last_chains()
    return (
        session.scalar(select(func.count()).select_from(chains).where(chains.c.hash_algorithm != algorithm))
        or 0
    )


Leaf = tuple[int, bytes, bytes, bytes]  # receipt id, record read, data digest, sequence digest


def _due(database: Database, batch_size: int, algorithm: str) -> list[Leaf]:
    due: list[Leaf] = []
    with database.read() as session:
        if not _any_other(session, algorithm):
            return due
    chains = _last_chains()
    while len(due) < batch_size:
        after = due[-1][0] if due else 0
        with database.read() as session:
            query = (
                select(Receipt.id, Receipt.signed_xml)
                .join(chains, chains.c.receipt_id == Receipt.id)
                .where(chains.c.hash_algorithm != algorithm, Receipt.id > after)
                .order_by(Receipt.id)
                .limit(min(READ_PAGE, batch_size - len(due)))
            )
            receipts = list(session.execute(query))
            records = records_of(session, [receipt_id for receipt_id, _ in receipts])
            page = []
            for receipt_id, xml in receipts:
                record = records[receipt_id]
                digests = data_object_digest(xml, algorithm), sequence_digest(record, algorithm)
                page.append((receipt_id, record, *digests))
        if not page:
            break
        due += page
    return due


def rehash_batch(
    database: Database, tsa, tsa_trust, batch_size: int, algorithm: str, now: datetime
) -> int | None:
    """Up to ``batch_size`` receipts due for a hash-tree renewal to ``algorithm`` under one new
    archive time-stamp: how many got the new chain, or None when none was due (and the TSA was not
    called). A weak or unknown ``algorithm`` raises ConfigurationError before anything is read."""
    require_strong(algorithm, now)
    due = _due(database, batch_size, algorithm)
    if not due:
        return None
    leaves = {receipt_id: reduce_group([data, chains], algorithm) for receipt_id, _, data, chains in due}
    batch = time_stamp_batch(list(leaves.values()), tsa, tsa_trust, algorithm)  # no transaction
    done = 0
    with database.write() as session:
        stamp = stamp_row(batch, renewal=False)
        session.add(stamp)
        session.flush()
        now_stored = records_of(session, [receipt_id for receipt_id, *_ in due])
        for receipt_id, record, data, chains in due:
            if now_stored.get(receipt_id) != record:
                continue  # renewed meanwhile: the new chain would not cover the record as it is
            reduced = under_group([data, chains], batch.reduced[leaves[receipt_id]], algorithm)
            session.add(
                ArchivedReceipt(
                    receipt_id=receipt_id,
                    archive_time_stamp_id=stamp.id,
                    data_digest=data,
                    reduced_tree=pack(reduced),
                )
            )
            done += 1
    return done
