"""The ``ereceipt`` command line: init, keys, issue, export, verify, serve, queue setup, worker.

Each command parses its arguments, calls the engine through ``bootstrap`` and maps typed errors to
one clear line on standard error and a non-zero exit code; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from ereceipt import __version__
from ereceipt.config import load_settings
from ereceipt.core.errors import BadInput, EReceiptError, NotFound, XMLRejected
from ereceipt.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _services(settings: Settings):
    from ereceipt.app.wiring import Services, configure_logging

    configure_logging(settings)
    return Services(settings)


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.app.demo import load_demo_data
    from ereceipt.app.wiring import ensure_keys
    from ereceipt.core.storage.database import migrate

    services = _services(settings)
    migrate(services.database)
    print(f"database ready: {services.database.engine.url.render_as_string(hide_password=True)}")
    if ensure_keys(settings):
        print(f"development keys created in {settings.keys.directory} (NOT for real receipts)")
    if args.demo:
        print(f"demo data: {load_demo_data(services.database)} rows added")
    from ereceipt.web.admin.commands import after_init

    after_init(services)
    return EXIT_OK


def cmd_keys_init(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.core.signatures.pki import create_development_pki, ensure_development_pki

    directory = Path(args.directory) if args.directory else settings.keys.directory
    if (directory / "ca.cert.pem").exists() and not args.force:
        ensure_development_pki(directory)
        print(f"development keys already present in {directory} (use --force to make new ones)")
        return EXIT_OK
    create_development_pki(directory, key_type=args.key_type)
    print(f"development keys created in {directory} (NOT for real receipts)")
    return EXIT_OK


def cmd_issue(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.adapters.payment_json import parse_payment_json
    from ereceipt.core.receipts.lookup_code import display_lookup_code

    data = sys.stdin.buffer.read() if args.file == "-" else _read(args.file)
    request = parse_payment_json(data)
    issued = _services(settings).issuer.issue(request)
    content = issued.content
    result = {
        "number": content.display_number,
        "lookup_code": display_lookup_code(content.lookup_code),
        "amount": content.amount,
        "created": issued.created,
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"receipt {result['number']}{'' if issued.created else ' (issued before for this payment)'}")
        print(f"lookup code {result['lookup_code']}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.core.receipts import lookup

    database = _services(settings).database
    with database.read() as session:
        if args.number.isdigit():
            found = lookup.by_number(
                session,
                int(args.number),
                issuer_code=args.issuer,
                series_symbol=args.series,
                template_number=args.template,
            )
        else:
            receipt = lookup.by_lookup_code(session, args.number)
            found = [receipt] if receipt else []
        if not found:
            raise NotFound(f"no receipt {args.number}")
        if len(found) > 1:
            names = "; ".join(
                f"{r.series.issuer.code} {r.series.template_number} {r.series.series_symbol}" for r in found
            )
            raise BadInput(f"number {args.number} exists in several series ({names}): add --issuer/--series")
        signed_xml = found[0].signed_xml
    if args.output:
        Path(args.output).write_bytes(signed_xml)
    else:
        sys.stdout.buffer.write(signed_xml)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.core.receipts.receipt_xml import read_receipt
    from ereceipt.core.xml.parser import parse_xml

    data = _read(args.file)
    try:
        parse_xml(data)
    except XMLRejected as exc:
        print(f"ereceipt: {args.file} is unreadable: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    report = _services(settings).verify_receipt(data)
    output = report.as_dict()
    if report.passed:
        content = read_receipt(report.signed_xml)
        output["receipt"] = {
            "number": content.display_number,
            "amount": content.amount,
            "payer": content.payer.name,
        }
    if args.json:
        print(json.dumps(output, ensure_ascii=False, default=str))
    else:
        for key, value in output.items():
            print(f"{key}: {value}")
    return EXIT_OK if report.passed else EXIT_FAILED


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.app.server import serve

    services = _services(settings)
    services.signer  # noqa: B018 (load the keys in the parent process: fail fast and warn once)
    supervisor = None
    if settings.server.run_worker:  # one bank worker beside the server, never one per WSGI worker
        from ereceipt.app.supervision import WorkerSupervisor

        services.bank_certificates, services.camt_schemas  # noqa: B018 (a wrong [banks] or schema fails here)
        supervisor = WorkerSupervisor(args.config)
        supervisor.start()
    scheduler = _start_scheduler(settings)
    try:
        serve(settings, host=args.host, port=args.port, workers=args.workers)
    finally:
        if scheduler is not None:
            scheduler.terminate()
            scheduler.wait(timeout=30)
        if supervisor is not None:
            supervisor.stop()
    return EXIT_OK


def _start_scheduler(settings: Settings):
    """On one machine `ereceipt serve` runs the scheduled jobs too ([server] run_scheduler), as a child."""
    import subprocess

    if not settings.server.run_scheduler:
        return None
    command = [sys.executable, "-m", "ereceipt"]
    if settings.source != "defaults":
        command += ["--config", settings.source]
    return subprocess.Popen([*command, "scheduler", "--exit-with-parent"])  # noqa: S603 (our own command)


def cmd_queue_setup(args: argparse.Namespace, settings: Settings) -> int:
    import pika
    import pika.exceptions

    from ereceipt.core.errors import TransientOutage
    from ereceipt.queue.topology import Topology, connection_parameters

    topology = Topology.of(settings.queue)
    try:
        connection = pika.BlockingConnection(connection_parameters(settings.queue))
    except pika.exceptions.AMQPError as exc:
        raise TransientOutage(f"RabbitMQ unreachable: {exc!r}") from None
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
        raise TransientOutage(f"not published: {exc!r}") from None
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


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    import logging
    import signal
    import threading

    services = _services(settings)
    notices = services.notice_dispatcher()  # payer e-mail and SMS (issue #7)
    consumer, relay = services.payment_consumer(), services.outbox_relay()
    # pika logs every channel step at INFO and each failed connection attempt with a traceback;
    # the consumer and the relay log every failure that reaches them in one line of their own.
    logging.getLogger("pika").setLevel(logging.CRITICAL)

    def stop(*_) -> None:
        consumer.stop()
        relay.stop()
        notices.stop()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    if args.parent_pid:
        _stop_when_orphaned(args.parent_pid, stop)
    relaying = threading.Thread(target=relay.run, name="ereceipt-outbox-relay")
    relaying.start()
    delivering = threading.Thread(target=notices.run, name="ereceipt-notices")
    delivering.start()
    try:
        consumer.run()
    finally:
        relay.stop()
        relaying.join()
        notices.stop()
        delivering.join()
    return EXIT_OK


def _stop_when_orphaned(parent_pid: int, stop) -> None:
    """A worker supervised by ``ereceipt serve`` stops when that process is gone (even SIGKILLed)."""
    import os
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1)
        stop()

    threading.Thread(target=watch, name="ereceipt-parent-watch", daemon=True).start()


def cmd_log_verify(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.soap.message_log import verify_chain

    check = verify_chain(_services(settings).database)
    if check.reason is None:
        print(f"message log intact: {check.records} records")
        return EXIT_OK
    where = f"record {check.broken_at}" if check.broken_at is not None else "the end of the chain"
    print(f"message log broken at {where}: {check.reason} ({check.records} records before it are intact)")
    return EXIT_FAILED


def cmd_soap_sign(args: argparse.Namespace, settings: Settings) -> int:
    import uuid

    from lxml import etree

    from ereceipt.core.xml.parser import parse_xml
    from ereceipt.soap.wsse import sign_envelope
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
    sign_envelope(envelope, [body, *xroad], _read(str(key)), _read(str(certificate)))
    sys.stdout.buffer.write(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))
    return EXIT_OK


def cmd_ocr(args: argparse.Namespace, settings: Settings) -> int:
    """Read a scanned payment document (issue #6): the proposed fields, their confidences, the time taken."""
    from ereceipt.core.ocr.reading import read_document

    reading = read_document(_services(settings).ocr_engine, _read(args.file), None)
    result = reading.as_dict()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return EXIT_OK
    confidences = reading.fields.confidences
    for name, value in reading.fields.values.items():
        print(f"{name:<20} {value}  ({confidences[name]:.2f})")
    if not reading.fields.values:
        print("no fields found")
    for warning in reading.fields.warnings:
        print(f"warning: {warning}")
    print(f"{len(reading.pages)} page(s) read in {reading.seconds:.2f} s")
    return EXIT_OK


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    """Run the scheduled jobs of [scheduler] in the foreground, or one job now (--run-now)."""
    from ereceipt.app import jobs

    services = _services(settings)
    if args.run_now:
        day = _date(args.date) if args.date else None
        print(f"{args.run_now}: {jobs.JOBS[args.run_now](services, day)}")
        return EXIT_OK
    jobs.run_forever(services, exit_with_parent=args.exit_with_parent)
    return EXIT_OK


def _date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{text!r} is not a date (YYYY-MM-DD)") from None


def cmd_reconcile(args: argparse.Namespace, settings: Settings) -> int:
    """One reconciliation by hand: receipts, bank lines and the treasury statement of an account and day."""
    from ereceipt.core.treasury import reconciliation

    services = _services(settings)
    day = _date(args.date)
    progress = _progress_bar() if sys.stderr.isatty() else None
    summary = reconciliation.reconcile(services.database, args.account, day, actor="cli", progress=progress)
    print(f"reconciliation run {summary.run_id}: account {summary.account}, {summary.day}")
    for label, (count, amount) in (
        ("receipts", summary.receipts),
        ("bank lines", summary.bank),
        ("treasury lines", summary.treasury),
        ("matched", summary.matched),
    ):
        print(f"  {label:<15}{count:>10}  {amount:>20,} VND")
    print(f"  {'discrepancies':<15}{summary.discrepancy_count:>10}")
    for kind, count in summary.discrepancies.items():
        if count:
            print(f"    {kind:<28}{count:>8}")
    with services.database.read() as session:
        if args.csv:
            Path(args.csv).write_text(
                reconciliation.discrepancies_csv(session, summary.run_id), encoding="utf-8"
            )
        if args.xml:
            Path(args.xml).write_bytes(reconciliation.signed_report(session, summary.run_id, services.signer))
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


def cmd_treasury_simulator(args: argparse.Namespace, settings: Settings) -> int:
    """A state treasury simulator on Treasury.wsdl for tests and demos (never for production)."""
    from ereceipt.app.wiring import ensure_keys
    from ereceipt.devtools.treasury_simulator import Switches, TreasurySimulator

    _services(settings)
    ensure_keys(settings)
    switches = Switches(slow_seconds=args.slow, fail=args.fail, drop=set(args.drop), alter=set(args.alter))
    simulator = TreasurySimulator(settings, switches, port=args.port)
    print(f"treasury simulator on http://{simulator.host}:{simulator.port}/soap", flush=True)
    simulator.serve_forever()
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


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ereceipt", description="E-receipt gateway of civil judgment enforcement."
    )
    parser.add_argument("--version", action="version", version=f"ereceipt {__version__}")
    parser.add_argument("--config", help="config file (default: $ERECEIPT_CONFIG, else ./config.ini)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser("init", help="migrate the database, create development keys if missing")
    init.add_argument("--demo", action="store_true", help="also add demonstration issuers, series and cases")
    init.set_defaults(handler=cmd_init)

    keys = commands.add_parser("keys", help="key management").add_subparsers(
        dest="keys_command", required=True
    )
    keys_init = keys.add_parser("init", help="create a development PKI (root CA, issuer, SOAP, portal, bank)")
    keys_init.add_argument("--directory", help="where to write (default: [keys] directory)")
    keys_init.add_argument("--key-type", choices=["rsa", "ec"], default="rsa")
    keys_init.add_argument("--force", action="store_true", help="replace existing development keys")
    keys_init.set_defaults(handler=cmd_keys_init)

    issue = commands.add_parser("issue", help="issue a receipt from a JSON payment description")
    issue.add_argument("file", help="payment JSON file, or - for standard input (see examples/payment.json)")
    issue.add_argument("--json", action="store_true", help="print the result as JSON")
    issue.set_defaults(handler=cmd_issue)

    export = commands.add_parser("export", help="write a receipt's signed XML")
    export.add_argument("number", help="7-digit receipt number, or the receipt's lookup code")
    export.add_argument("--issuer", help="issuer code, when the number exists in several series")
    export.add_argument("--series", help="series symbol, e.g. TH25E")
    export.add_argument("--template", help="template number")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    export.set_defaults(handler=cmd_export)

    verify = commands.add_parser(
        "verify", help="verify a signed receipt XML; exit 0 valid, 1 invalid, 2 unreadable"
    )
    verify.add_argument("file")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.set_defaults(handler=cmd_verify)

    log_command = commands.add_parser("log", help="the SOAP message log").add_subparsers(
        dest="log_command", required=True
    )
    log_verify = log_command.add_parser("verify", help="check the hash chain; names the first broken record")
    log_verify.set_defaults(handler=cmd_log_verify)
    log_archive = log_command.add_parser(
        "archive", help="move old records to message_log_archive (chain kept)"
    )
    log_archive.add_argument("--older-than-days", type=int, help="default: [scheduler] archive_after_days")
    log_archive.set_defaults(handler=cmd_log_archive)
    log_verify_all = log_command.add_parser(
        "verify-all", help="check the chain through the archive and the log"
    )
    log_verify_all.set_defaults(handler=cmd_log_verify_all)

    soap = commands.add_parser("soap", help="SOAP tools").add_subparsers(dest="soap_command", required=True)
    soap_sign = soap.add_parser(
        "sign", help="sign a SOAP request as an X-Road client would (fresh id and timestamp)"
    )
    soap_sign.add_argument("file", help="an unsigned request, e.g. examples/soap-getCaseBalance.xml")
    soap_sign.add_argument("--key", help="client key (default: the development portal key)")
    soap_sign.add_argument(
        "--certificate", help="client certificate (default: the development portal certificate)"
    )
    soap_sign.set_defaults(handler=cmd_soap_sign)

    queue = commands.add_parser("queue", help="RabbitMQ").add_subparsers(dest="queue_command", required=True)
    queue_setup = queue.add_parser("setup", help="declare the exchanges and queues of [queue]")
    queue_setup.set_defaults(handler=cmd_queue_setup)
    queue_publish = queue.add_parser("publish", help="publish a camt.054/053 file as a bank would")
    queue_publish.add_argument("file", help="e.g. examples/camt054-bank-transfer.xml")
    queue_publish.add_argument("--bank", required=True, help="the bank's BIC (the AMQP app_id)")
    queue_publish.add_argument("--message-id", help="AMQP message_id (default: a new UUID)")
    queue_publish.add_argument(
        "--sign", action="store_true", help="sign it as the bank (enveloped XML signature, SHA-256)"
    )
    queue_publish.add_argument(
        "--key", help="with --sign: the bank's key (default: the development bank key)"
    )
    queue_publish.add_argument(
        "--certificate",
        help="with --sign: the bank's certificate (default: the development bank certificate)",
    )
    queue_publish.set_defaults(handler=cmd_queue_publish)

    worker = commands.add_parser(
        "worker", help="consume bank notifications (camt.054) and relay outbox events, over RabbitMQ"
    )
    worker.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)  # set by `ereceipt serve`
    worker.set_defaults(handler=cmd_worker)

    notices = commands.add_parser("notices", help="payer notices by e-mail and SMS").add_subparsers(
        dest="notices_command", required=True
    )
    notices_send = notices.add_parser(
        "send-due", help="send the notices due now, once, and say what happened"
    )
    notices_send.add_argument(
        "--batches", type=int, default=100, help="at most this many batches of [notices] batch (default 100)"
    )
    notices_send.set_defaults(handler=cmd_notices_send_due)

    serve = commands.add_parser(
        "serve", help="run the web server (SOAP service, public lookup page, metrics)"
    )
    serve.add_argument("--host", help="address to listen on (default: [server] host)")
    serve.add_argument("--port", type=int, help="port (default: [server] port)")
    serve.add_argument("--workers", type=int, help="worker processes (default: [server] workers)")
    serve.set_defaults(handler=cmd_serve)

    ocr = commands.add_parser("ocr", help="read a scanned payment document and propose the receipt's fields")
    ocr.add_argument("file", help="PNG, JPEG, TIFF or PDF, e.g. examples/uy-nhiem-chi.png")
    ocr.add_argument(
        "--json", action="store_true", help="print fields, confidences, warnings and time as JSON"
    )
    ocr.set_defaults(handler=cmd_ocr)
    scheduler = commands.add_parser("scheduler", help="run the scheduled jobs of [scheduler] (APScheduler)")
    scheduler.add_argument(
        "--run-now",
        choices=[
            "daily_reports",
            "statement_fetch",
            "reconciliation",
            "report_retries",
            "message_log_archive",
        ],
        help="run this one job now and exit",
    )
    scheduler.add_argument(
        "--date", help="with --run-now: the day to report, fetch or reconcile (YYYY-MM-DD)"
    )
    scheduler.add_argument("--exit-with-parent", action="store_true", help=argparse.SUPPRESS)
    scheduler.set_defaults(handler=cmd_scheduler)

    reconcile = commands.add_parser(
        "reconcile", help="reconcile receipts, bank lines and the treasury statement of an account and day"
    )
    reconcile.add_argument("--account", required=True, help="the collection account")
    reconcile.add_argument("--date", required=True, help="the day, YYYY-MM-DD")
    reconcile.add_argument("--csv", help="also write the discrepancies as CSV to this file")
    reconcile.add_argument("--xml", help="also write the signed XML report to this file")
    reconcile.set_defaults(handler=cmd_reconcile)

    simulator = commands.add_parser("treasury-simulator", help="a state treasury simulator (tests and demos)")
    simulator.add_argument("--port", type=int, help="default: [treasury] simulator_port")
    simulator.add_argument("--slow", type=float, default=0.0, help="seconds to wait before each answer")
    simulator.add_argument("--fail", type=int, default=0, help="fail the next N requests (-1: all)")
    simulator.add_argument(
        "--drop", action="append", default=[], help="leave this reference out of statements"
    )
    simulator.add_argument("--alter", action="append", default=[], help="add 1 000 đồng to this reference")
    simulator.set_defaults(handler=cmd_treasury_simulator)

    from ereceipt.web.admin.commands import add_user_commands

    add_user_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
        return args.handler(args, settings)
    except EReceiptError as exc:
        print(f"ereceipt: {exc.message}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, BadInput) and args.command == "verify" else EXIT_FAILED
    except KeyboardInterrupt:
        return 130
