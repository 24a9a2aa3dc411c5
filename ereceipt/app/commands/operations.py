"""Operating commands: the SOAP message log, soap sign (X-Road 4.0), queue, notices and reconcile."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ereceipt.app.commands import EXIT_FAILED, EXIT_OK, _date, _read, _services, _write
from ereceipt.core.errors import BadInput
from ereceipt.settings import Settings


def cmd_log_verify(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.soap.log_check import verify_chain
    from ereceipt.soap.log_pending import pending_count

    database = _services(settings).database
    check = verify_chain(database)
    if check.reason is None:
        waiting = pending_count(database)
        print(f"message log intact: {check.records} records")
        if waiting:
            print(f"{waiting} exchanges stored with their change wait to be chained (`ereceipt log chain`)")
        return EXIT_OK
    where = f"record {check.broken_at}" if check.broken_at is not None else "the end of the chain"
    print(f"message log broken at {where}: {check.reason} ({check.records} records before it are intact)")
    return EXIT_FAILED


def cmd_log_chain(args: argparse.Namespace, settings: Settings) -> int:
    pending, journaled = _services(settings).log_chainer().run_once()
    print(f"{pending} exchanges stored with their change and {journaled} journaled exchanges chained")
    return EXIT_OK


def cmd_log_archive(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.soap.log_archive import archive_message_log

    days = args.older_than_days or settings.scheduler.archive_after_days
    moved = archive_message_log(_services(settings).database, days)
    print(f"{moved} message-log records older than {days} days moved to message_log_archive")
    return EXIT_OK


def cmd_log_verify_all(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.soap.log_archive import verify_archived_chain

    check = verify_archived_chain(_services(settings).database)
    if check.reason is None:
        print(f"message log with its archive intact: {check.records} records")
        return EXIT_OK
    where = f"record {check.broken_at}" if check.broken_at is not None else "the end of the chain"
    print(f"message log broken at {where}: {check.reason} ({check.records} records before it are intact)")
    return EXIT_FAILED


def cmd_soap_sign(args: argparse.Namespace, settings: Settings) -> int:
    import uuid

    from lxml import etree

    from ereceipt.core.xml.parser import parse_xml
    from ereceipt.soap.wsse import sign_envelope, signing_material
    from ereceipt.soap.xroad import XROAD

    envelope = parse_xml(_read(args.file))
    soap = etree.QName(envelope).namespace
    header, body = envelope.find(f"{{{soap}}}Header"), envelope.find(f"{{{soap}}}Body")
    if header is None or body is None:
        raise BadInput(f"{args.file} is not a SOAP envelope with a Header and a Body")
    xroad = [element for element in header if etree.QName(element).namespace == XROAD]
    for element in xroad:
        if etree.QName(element).localname == "id":
            element.text = str(uuid.uuid4())  # a fresh id each time: the server refuses replays
    key = Path(args.key) if args.key else settings.keys.directory / "portal-client.key.pem"
    certificate = (
        Path(args.certificate) if args.certificate else settings.keys.directory / "portal-client.cert.pem"
    )
    key_pem, certificate_pem = _read(str(key)), _read(str(certificate))
    try:
        signing_material(key_pem, certificate_pem)
    except (ValueError, TypeError):
        raise BadInput(
            f"{key} and {certificate} are not a PEM private key (without a password) and its certificate"
        ) from None
    sign_envelope(envelope, [body, *xroad], key_pem, certificate_pem)
    sys.stdout.buffer.write(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))
    return EXIT_OK


def cmd_queue_setup(args: argparse.Namespace, settings: Settings) -> int:
    import pika
    import pika.exceptions

    from ereceipt.core.errors import TransientOutage
    from ereceipt.queue.broker_errors import broker_reason
    from ereceipt.queue.topology import Topology, connection_parameters

    topology = Topology.of(settings.queue)
    try:
        connection = pika.BlockingConnection(connection_parameters(settings.queue))
    except pika.exceptions.AMQPError as exc:
        raise TransientOutage(f"RabbitMQ unreachable: {broker_reason(exc)}") from None
    try:
        topology.declare(connection.channel())
    finally:
        connection.close()
    print(
        f"declared {topology.payments_exchange} -> {topology.payments_queue} (quorum, delivery limit "
        f"{topology.delivery_limit}, dead letters {topology.dead_letter_exchange} -> "
        f"{topology.dead_letter_queue}), {topology.events_exchange}"
    )
    return EXIT_OK


def cmd_queue_publish(args: argparse.Namespace, settings: Settings) -> int:
    """Publish a camt file as a bank would (for trying things out and for integration tests)."""
    import uuid

    import pika
    import pika.exceptions

    from ereceipt.core.errors import TransientOutage
    from ereceipt.queue.broker_errors import broker_reason
    from ereceipt.queue.topology import connection_parameters

    body, message_id = _read(args.file), args.message_id or str(uuid.uuid4())
    if args.sign:
        from ereceipt.adapters.camt_signature import sign_document

        keys = settings.keys.directory
        key = args.key or str(keys / "bank-client.key.pem")
        certificate = args.certificate or str(keys / "bank-client.cert.pem")
        body = sign_document(body, _read(key), _read(certificate))
    properties = pika.BasicProperties(
        message_id=message_id, app_id=args.bank, content_type="application/xml", delivery_mode=2
    )
    try:
        connection = pika.BlockingConnection(connection_parameters(settings.queue))
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(settings.queue.payments_exchange, "camt", body, properties, mandatory=True)
        connection.close()
    except pika.exceptions.AMQPError as exc:
        raise TransientOutage(f"not published: {broker_reason(exc)}") from None
    print(f"published {args.file}{' signed' if args.sign else ''} as message {message_id} from {args.bank}")
    return EXIT_OK


def cmd_notices_send_due(args: argparse.Namespace, settings: Settings) -> int:
    """Send the payer notices that are due now, once (the worker does it continuously)."""
    from ereceipt.core.delivery.notices import Tally, pending_count
    from ereceipt.core.delivery.outbox import EMAIL, SMS

    services = _services(settings)
    dispatcher = services.notice_dispatcher()
    total = Tally()
    for _ in range(args.batches):
        tally = dispatcher.send_due()
        total.sent, total.retrying, total.failed = (
            total.sent + tally.sent,
            total.retrying + tally.retrying,
            total.failed + tally.failed,
        )
        if tally.handled < dispatcher.batch:
            break
    print(f"sent {total.sent}, to retry later {total.retrying}, failed for good {total.failed}")
    for channel in (EMAIL, SMS):
        if channel not in dispatcher.channels:
            waiting = pending_count(services.database, channel)
            print(f"{channel.lower()} delivery is not configured: {waiting} notice(s) pending")
    return EXIT_OK if total.failed == 0 else EXIT_FAILED


def cmd_reconcile(args: argparse.Namespace, settings: Settings) -> int:
    """One reconciliation by hand: receipts, bank lines and the treasury statement of an account and day."""
    from ereceipt.core.money import format_vnd
    from ereceipt.core.treasury import reconciliation

    services = _services(settings)
    day = _date(args.date)
    for path in filter(None, (args.csv, args.xml)):  # before the run is recorded, not after
        if not Path(path).resolve().parent.is_dir():
            raise BadInput(f"cannot write {path}: No such file or directory")
    progress = _progress_bar() if sys.stderr.isatty() else None
    summary = reconciliation.reconcile(services.database, args.account, day, actor="cli", progress=progress)
    print(f"reconciliation run {summary.run_id}: account {summary.account}, {summary.day}")
    for label, (count, amount) in (
        ("receipts", summary.receipts),
        ("bank lines", summary.bank),
        ("treasury lines", summary.treasury),
        ("matched", summary.matched),
    ):
        print(f"  {label:<15}{count:>10}  {format_vnd(amount):>20} đồng")
    print(f"  {'discrepancies':<15}{summary.discrepancy_count:>10}")
    for kind, count in summary.discrepancies.items():
        if count:
            print(f"    {kind:<28}{count:>8}")
    with services.database.read() as session:
        if args.csv:
            with Path(args.csv).open("w", encoding="utf-8", newline="") as output:
                reconciliation.write_discrepancies_csv(session, summary.run_id, output)
        if args.xml:
            _write(args.xml, reconciliation.signed_report(session, summary.run_id, services.signer()))
    return EXIT_OK if summary.discrepancy_count == 0 else EXIT_FAILED


def _progress_bar():
    def show(step: str, done: int, total: int) -> None:
        width = 30
        filled = width * done // total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {step:<14}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show
