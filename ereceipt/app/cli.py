"""The ``ereceipt`` command line: its parser, and the one place where errors become a line and an exit code.

The commands themselves live by subject in ``ereceipt.app.commands``; each calls the engine through
the assembled ``Services``. A typed error (``ereceipt.core.errors``) ends any of them as one clear
line on standard error and the exit code of its kind (``ereceipt.app.commands``: 1 refused, 3
configuration, 4 unavailable); any other error as one line naming the file that holds its traceback
(``ereceipt.app.crash_log``), exit code 70. Never a traceback on the terminal.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ereceipt import __version__
from ereceipt.app import crash_log
from ereceipt.app.commands import (
    EXIT_CONFIGURATION,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_UNAVAILABLE,
    EXIT_UNEXPECTED,
    EXIT_USAGE,
    archive,
    signer_keys,
)
from ereceipt.app.commands.operations import (
    cmd_log_archive,
    cmd_log_chain,
    cmd_log_verify,
    cmd_log_verify_all,
    cmd_notices_send_due,
    cmd_queue_publish,
    cmd_queue_setup,
    cmd_reconcile,
    cmd_soap_sign,
)
from ereceipt.app.commands.processes import cmd_scheduler, cmd_serve, cmd_treasury_simulator, cmd_worker
from ereceipt.app.commands.receipts import cmd_export, cmd_init, cmd_issue, cmd_keys_init, cmd_ocr, cmd_verify
from ereceipt.config import load_settings
from ereceipt.core.errors import BadInput, ConfigurationError, EReceiptError, TransientOutage
from ereceipt.settings import SCHEDULED_JOBS


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
    keys_init = keys.add_parser(
        "init", help="create a development PKI (root CA, a key per demo agency, SOAP, portal, bank)"
    )
    keys_init.add_argument("--directory", help="where to write (default: [keys] directory)")
    keys_init.add_argument("--key-type", choices=["rsa", "ec"], default="rsa")
    keys_init.add_argument("--force", action="store_true", help="replace existing development keys")
    keys_init.set_defaults(handler=cmd_keys_init)
    signer_keys.add_parsers(keys)

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
    log_chain = log_command.add_parser(
        "chain", help="chain exchanges left unchained by a crash or an outage (the servers do it too)"
    )
    log_chain.set_defaults(handler=cmd_log_chain)
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
        choices=SCHEDULED_JOBS,
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

    from ereceipt.app.user_commands import add_user_commands

    add_user_commands(commands)

    from ereceipt.app.transparency_commands import add_transparency_commands

    add_transparency_commands(commands)
    archive.add_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = None
    try:
        settings = load_settings(args.config)
        return args.handler(args, settings)
    except EReceiptError as exc:
        print(f"ereceipt: {' '.join(exc.message.split())}", file=sys.stderr)  # one line, whatever it quotes
        return exit_code(exc, args.command)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`ereceipt export 1 | head -1`): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush at exit into it
        return EXIT_FAILED
    except Exception as exc:  # the one place where an unforeseen error ends
        written = crash_log.record(
            exc, sys.argv[1:] if argv is None else argv, settings.logging.error_file if settings else None
        )
        print(crash_log.one_line(exc, written), file=sys.stderr)
        return EXIT_UNEXPECTED


def exit_code(error: EReceiptError, command: str) -> int:
    """The exit code of a typed error's kind (docs/operating.md, "Exit codes")."""
    if isinstance(error, ConfigurationError):
        return EXIT_CONFIGURATION
    if isinstance(error, TransientOutage):
        return EXIT_UNAVAILABLE
    if isinstance(error, BadInput) and command == "verify":
        return EXIT_USAGE  # verify: 0 valid, 1 invalid, 2 unreadable
    return EXIT_FAILED
