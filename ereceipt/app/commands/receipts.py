"""Receipt commands: init, keys init, issue, export, verify (ETSI XAdES signatures, offline) and ocr."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from ereceipt.app.commands import EXIT_FAILED, EXIT_OK, EXIT_USAGE, _read, _services, _write
from ereceipt.core.errors import BadInput, NotFound, XMLRejected
from ereceipt.settings import Settings


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.app.demo import DEMO_DAY, load_demo_data, load_demo_day
    from ereceipt.app.user_commands import after_init
    from ereceipt.app.wiring import ensure_keys
    from ereceipt.core.storage.database import migrate
    from ereceipt.core.storage.schema_state import reaching

    services = _services(settings, schema=False)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line below says the database is ready
    with reaching(services.database):
        migrate(services.database)
    print(f"database ready: {services.database.engine.url.render_as_string(hide_password=True)}")
    if ensure_keys(settings):
        print(f"development keys created in {settings.keys.directory} (NOT for real receipts)")
    if args.demo:
        rows = load_demo_data(services.database)
    for problem in services.put_signers_on_record("ereceipt init"):
        print(f"warning: not on record, receipts will not verify: {problem}", file=sys.stderr)
    if args.demo:
        receipts, lines = load_demo_day(services.database, services.signers())
        print(
            f"demo data: {rows} rows added; day to reconcile {DEMO_DAY}: {receipts} receipts, {lines} lines"
        )
    administrator = after_init(services)
    print()
    print(
        _ready_block(settings, administrator, services.signer if settings.keys.signing_key.exists() else None)
    )
    return EXIT_OK


def _ready_block(settings: Settings, administrator: tuple[str, str] | None, signer) -> str:
    """What a newcomer needs after ``init``: where the pages are, how to log in, the keys, how to stop."""
    server = settings.server
    base = (server.public_url or f"http://{server.host}:{server.port}").rstrip("/")
    if administrator:
        name, password = administrator
        login = f"user {name}, password {password} (shown only this once: keep it)"
    else:
        login = "the users made before (add one with `ereceipt users add`)"
    keys = str(settings.keys.directory.resolve())
    if signer is not None and signer().identity.is_development:
        keys += " (development keys: never for real receipts)"
    return "\n".join(
        [
            "ready: `ereceipt serve` starts the server (`make run` starts it now); Ctrl-C stops it",
            f"  admin page     {base}/admin",
            f"  log in as      {login}",
            f"  public lookup  {base}/",
            f"  SOAP service   {base}/soap  (WSDL {base}/soap?wsdl)",
            f"  signing keys   {keys}",
        ]
    )


def cmd_keys_init(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.app.wiring import development_issuers
    from ereceipt.core.signatures.pki import create_development_pki, ensure_development_pki
    from ereceipt.core.transparency.log_key import make_log_key, vkey_path

    directory = Path(args.directory) if args.directory else settings.keys.directory
    issuers, url = development_issuers(), settings.server.public_url
    log_key = directory / settings.transparency.log_key.name
    try:
        if args.force or not log_key.exists():
            make_log_key(log_key, settings.transparency.origin, replace=True)
            print(
                f"DEVELOPMENT transparency log key {log_key} made; its verifier key is {vkey_path(log_key)}"
            )
        if (directory / "ca.cert.pem").exists() and not args.force:
            ensure_development_pki(directory, key_type=args.key_type, issuers=issuers, revocation_url=url)
            print(f"development keys already present in {directory} (use --force to make new ones)")
            return EXIT_OK
        create_development_pki(directory, key_type=args.key_type, issuers=issuers, revocation_url=url)
    except OSError as exc:
        raise BadInput(f"cannot write development keys in {directory}: {exc.strerror}") from None
    print(f"development keys created in {directory} (NOT for real receipts)")
    return EXIT_OK


def cmd_issue(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.adapters.payment_json import parse_payment_json
    from ereceipt.core.receipts.lookup_code import display_lookup_code

    data = sys.stdin.buffer.read() if args.file == "-" else _read(args.file)
    request = parse_payment_json(data)
    issued = _services(settings).issuer().issue(request)
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
        _write(args.output, signed_xml)
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
    report = _services(settings, schema=False).verify_receipt(data)
    content = read_receipt(report.signed_xml) if report.passed else None
    if args.json:
        output = report.as_dict()
        if content is not None:
            output["receipt"] = {
                "number": content.display_number,
                "amount": content.amount,
                "payer": content.payer.name,
            }
        print(json.dumps(output, ensure_ascii=False))
    else:
        print(verification_text(report, content))
    return EXIT_OK if report.passed else EXIT_FAILED


def verification_text(report, content) -> str:
    """A verification report as a person reads it: the verdict, then one labelled line per fact."""
    from ereceipt.core.money import format_vnd

    verdict = {"TOTAL_PASSED": "valid", "TOTAL_FAILED": "invalid"}.get(report.indication, "not verified")
    indication = ", ".join(filter(None, (report.indication, report.sub_indication)))
    lines = [f"{verdict}: {report.message} ({indication})"]
    if content is not None:
        lines += [
            f"  receipt     {content.display_number}",
            f"  amount      {format_vnd(content.amount)} đồng",
            f"  payer       {content.payer.name}",
        ]
    if report.signer:
        lines.append(f"  signed by   {report.signer}")
    if report.signing_time:
        lines.append(f"  level       {report.level}")
        lines.append(f"  signed at   {report.signing_time.isoformat(sep=' ')} (claimed by the signer)")
    if report.time_stamp_time:
        lines.append(f"  time-stamp  {report.time_stamp_time.isoformat(sep=' ')}")
    if report.best_signature_time:
        lines.append(f"  best time   {report.best_signature_time.isoformat(sep=' ')}")
        lines.append(f"              {report.signing_time_basis}")
    return "\n".join(lines)


def cmd_ocr(args: argparse.Namespace, settings: Settings) -> int:
    """Read a scanned payment document: the proposed fields, their confidences, the time taken."""
    from ereceipt.core.money import format_vnd
    from ereceipt.core.ocr.reading import read_document

    reading = read_document(_services(settings, schema=False).ocr_engine(), _read(args.file), None)
    result = reading.as_dict()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return EXIT_OK
    confidences = reading.fields.confidences
    for name, value in reading.fields.values.items():
        shown = f"{format_vnd(value)} đồng" if name.endswith("_vnd") and isinstance(value, int) else value
        print(f"{name:<20} {shown}  ({confidences[name]:.2f})")
    if not reading.fields.values:
        print("no fields found")
    for warning in reading.fields.warnings:
        print(f"warning: {warning}")
    print(f"{len(reading.pages)} page(s) read in {reading.seconds:.2f} s")
    return EXIT_OK
