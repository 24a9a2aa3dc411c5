"""`ereceipt archive`: archive time-stamps (RFC 6283 evidence records) of stored receipts.

``run`` does what one run of the ``archive_time_stamps`` job does (renewals due, then hash-tree
renewals of records not under ``[scheduler] archive_hash_algorithm``, then new batches of receipts
at level LT, or T where LT is switched off) and prints what it did and what is left; ``status``
prints the counts, records due for a hash-tree renewal among them, without calling the TSA;
``record FILE`` writes the evidence record archived for exactly the receipt XML in FILE (none:
exit 1), to give beside the receipt to whoever verifies it offline.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta

from ereceipt.app.commands import EXIT_FAILED, EXIT_OK, _read, _services, _write
from ereceipt.settings import Settings


def add_parsers(commands) -> None:
    archive = commands.add_parser(
        "archive", help="archive time-stamps over hash trees of receipts (level LTA)"
    ).add_subparsers(dest="archive_command", required=True)
    archive.add_parser("run", help="renew what is due, then archive receipts at level LT").set_defaults(
        handler=cmd_archive_run
    )
    archive.add_parser(
        "status", help="receipts at LTA, waiting, renewals and hash-tree renewals due"
    ).set_defaults(handler=cmd_archive_status)
    record = archive.add_parser("record", help="the evidence record (RFC 6283 XML) of a receipt's XML file")
    record.add_argument("file", help="the receipt's signed XML as stored (ereceipt export)")
    record.add_argument("-o", "--output", help="write here instead of standard output")
    record.set_defaults(handler=cmd_archive_record)


def cmd_archive_run(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.app.jobs import archive_time_stamps
    from ereceipt.app.wiring import Services

    print(archive_time_stamps(Services(settings)))
    return EXIT_OK


def cmd_archive_status(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.core.archiving.archiving import archive_status, archived_from

    scheduler = settings.scheduler
    renew_before = timedelta(days=scheduler.archive_renew_before_days)
    levels = archived_from(scheduler.validation_data_per_run > 0)
    database, algorithm = _services(settings).database, scheduler.archive_hash_algorithm
    print(archive_status(database, renew_before, datetime.now(UTC), levels, algorithm))
    return EXIT_OK


def cmd_archive_record(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.core.archiving.records import evidence_record_for

    record = evidence_record_for(_services(settings).database, _read(args.file))
    if record is None:
        print("ereceipt: no evidence record is archived for exactly this receipt XML", file=sys.stderr)
        return EXIT_FAILED
    if args.output:
        _write(args.output, record)
    else:
        sys.stdout.buffer.write(record)
    return EXIT_OK
