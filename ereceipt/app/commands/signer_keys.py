"""``ereceipt keys add|list|retire|delegate``: the signer record of each issuer, kept by operators;
``ereceipt keys revoke``: a revocation by the development CA (RFC 5280 CRL, RFC 6960 OCSP).

Every change of the signer record is written to the audit trail with the operator's name (``--by``).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from cryptography import x509

from ereceipt.app.commands import EXIT_OK, _read, _services
from ereceipt.core.errors import BadInput
from ereceipt.settings import Settings


def _moment(text: str | None) -> datetime | None:
    """An ISO 8601 date or date-time; without a time zone it is UTC."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(
            f"{text!r} is not a date or date-time (ISO 8601, e.g. 2026-12-31T17:00:00+07:00)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def add_parsers(keys) -> None:
    add = keys.add_parser("add", help="put a signing certificate on record for an issuer")
    add.add_argument("issuer", help="issuer code, e.g. CTHADS-HN")
    add.add_argument("certificate", help="the certificate (PEM)")
    add.add_argument("--from", dest="valid_from", help="in use from (ISO 8601; default: now)")
    add.add_argument("--by", required=True, help="who adds it (kept in the audit trail)")
    add.set_defaults(handler=cmd_keys_add)
    listing = keys.add_parser("list", help="the signing certificates on record")
    listing.add_argument("issuer", nargs="?", help="only this issuer")
    listing.set_defaults(handler=cmd_keys_list)
    retire = keys.add_parser("retire", help="stop a certificate's use for an issuer")
    retire.add_argument("issuer")
    retire.add_argument("fingerprint", help="the SHA-256 fingerprint, or its first 8 or more hex digits")
    retire.add_argument("--at", help="retired from (ISO 8601; default: now)")
    retire.add_argument("--by", required=True, help="who retires it (kept in the audit trail)")
    retire.set_defaults(handler=cmd_keys_retire)
    delegate = keys.add_parser("delegate", help="let an agency's certificates sign an issuer's receipts")
    delegate.add_argument("issuer", help="the issuer whose receipts are signed")
    delegate.add_argument("agency", help="the agency whose certificates sign them")
    delegate.add_argument("--from", dest="valid_from", help="in force from (ISO 8601; default: now)")
    delegate.add_argument("--to", dest="valid_to", help="in force until (ISO 8601; default: open)")
    delegate.add_argument("--by", required=True, help="who records it (kept in the audit trail)")
    delegate.set_defaults(handler=cmd_keys_delegate)
    revoke = keys.add_parser("revoke", help="revoke a development certificate (in its CRL and OCSP)")
    revoke.add_argument("certificate", help="a development PKI party (e.g. issuer-signing) or a PEM file")
    revoke.add_argument("--at", help="revoked from (ISO 8601; default: now)")
    revoke.add_argument("--reason", default="unspecified", help="RFC 5280 reason, e.g. keyCompromise")
    revoke.set_defaults(handler=cmd_keys_revoke)


def cmd_keys_add(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.core.signers.record import add_certificate

    try:
        certificate = x509.load_pem_x509_certificate(_read(args.certificate))
    except ValueError:
        raise BadInput(f"{args.certificate} holds no PEM certificate") from None
    with _services(settings).database.write() as session:
        row = add_certificate(
            session, args.issuer, certificate, actor=args.by, valid_from=_moment(args.valid_from)
        )
        print(f"on record for {args.issuer}: {row.fingerprint} {row.subject}, in use from {row.valid_from}")
    return EXIT_OK


def cmd_keys_list(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.core.signers.record import list_certificates

    with _services(settings).database.read() as session:
        rows = list_certificates(session, args.issuer)
    for row in rows:
        until = f"retired {row.retired_at:%Y-%m-%d %H:%M}" if row.retired_at else "in use"
        print(
            f"{row.issuer}\t{row.fingerprint}\tfrom {row.valid_from:%Y-%m-%d %H:%M}\t{until}\t{row.subject}"
        )
        print(f"\tadded by {row.added_by} at {row.added_at:%Y-%m-%d %H:%M} UTC")
    if not rows:
        print("no signing certificate on record")
    return EXIT_OK


def cmd_keys_retire(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.core.signers.record import retire_certificate

    with _services(settings).database.write() as session:
        row = retire_certificate(session, args.issuer, args.fingerprint, actor=args.by, at=_moment(args.at))
        print(f"retired for {args.issuer} from {row.retired_at}: {row.fingerprint}")
    return EXIT_OK


def cmd_keys_delegate(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.core.signers.record import delegate

    with _services(settings).database.write() as session:
        row = delegate(
            session,
            args.issuer,
            args.agency,
            actor=args.by,
            valid_from=_moment(args.valid_from),
            valid_to=_moment(args.valid_to),
        )
        end = row.valid_to or "further notice"
        print(f"{args.agency} signs for {args.issuer} from {row.valid_from} until {end}")
    return EXIT_OK


def cmd_keys_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.core.signatures.development_ca import revoke
    from ereceipt.core.signatures.pki import DevelopmentPKI

    pki = DevelopmentPKI(settings.keys.directory)
    if not pki.ca_key.exists():
        raise BadInput(f"no development CA in {pki.directory} (`ereceipt keys init` makes one)")
    named = pki.cert(args.certificate)
    data = _read(str(named) if named.exists() else args.certificate)
    try:
        certificate = x509.load_pem_x509_certificate(data)
    except ValueError:
        raise BadInput(f"{args.certificate} holds no PEM certificate") from None
    done = revoke(pki, certificate, _moment(args.at) or datetime.now(UTC), args.reason)
    subject = certificate.subject.rfc4514_string()
    print(f"revoked {subject} (serial {done.serial_number:x}) from {done.revoked_at}, {done.reason}")
    return EXIT_OK
