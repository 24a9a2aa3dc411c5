"""The signer record (each issuer's signing certificates, delegations) and every receipt's identity digest

Receipts already issued keep verifying: the certificate that signed each issuer's stored receipts
(read from their KeyInfo) is put on record for that issuer, in use from the certificate's own
start, and exempt from the tax-code check when its subject carries none (certificates made before
the rule). Each receipt's identity digest (``core.signatures.identity``) is computed and stored.
Receipts are read in batches of ``BATCH`` so that memory stays bounded whatever the register's size.

Revision ID: 0015
Revises: 0013
"""

import base64
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from ereceipt.core.signatures.binding import fingerprint, subject_tax_codes
from ereceipt.core.signatures.identity import receipt_identity
from ereceipt.core.xml.namespaces import DS
from ereceipt.core.xml.parser import hardened_parser

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BATCH = 500
ACTOR = "migration 0015"
CERTIFICATE = f"{{{DS}}}Signature/{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate"


def _create_tables() -> None:
    op.create_table(
        "signing_certificate",
        sa.Column("id", ID, nullable=False),
        sa.Column("issuer_id", ID, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("certificate_der", sa.LargeBinary(), nullable=False),
        sa.Column("subject", sa.String(length=1000), nullable=False),
        sa.Column("valid_from", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("tax_code_exempt", sa.Boolean(), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuer.id"], name=op.f("fk_signing_certificate_issuer_id_issuer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_certificate")),
        sa.UniqueConstraint(
            "issuer_id", "fingerprint", name=op.f("uq_signing_certificate_issuer_fingerprint")
        ),
    )
    op.create_index(op.f("ix_signing_certificate_issuer_id"), "signing_certificate", ["issuer_id"])
    op.create_index(op.f("ix_signing_certificate_fingerprint"), "signing_certificate", ["fingerprint"])
    op.create_table(
        "signer_delegation",
        sa.Column("id", ID, nullable=False),
        sa.Column("issuer_id", ID, nullable=False),
        sa.Column("signer_issuer_id", ID, nullable=False),
        sa.Column("valid_from", sa.DateTime(), nullable=False),
        sa.Column("valid_to", sa.DateTime(), nullable=True),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuer.id"], name=op.f("fk_signer_delegation_issuer_id_issuer")
        ),
        sa.ForeignKeyConstraint(
            ["signer_issuer_id"], ["issuer.id"], name=op.f("fk_signer_delegation_signer_issuer_id_issuer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signer_delegation")),
    )
    op.create_index(op.f("ix_signer_delegation_issuer_id"), "signer_delegation", ["issuer_id"])
    with op.batch_alter_table("receipt") as batch:
        batch.add_column(sa.Column("identity_digest", sa.String(length=64), nullable=True))
        batch.create_index(batch.f("ix_receipt_identity_digest"), ["identity_digest"])


def _read(signed_xml: bytes) -> tuple[str | None, x509.Certificate | None]:
    """The receipt's identity and signing certificate; None for what a damaged receipt lacks (it then
    fails verification as before, and the migration goes on)."""
    try:
        root = etree.fromstring(signed_xml, hardened_parser())
    except etree.XMLSyntaxError:
        return None, None
    found = root.find(CERTIFICATE)
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode("".join((found.text or "").split())))
    except (AttributeError, ValueError):
        certificate = None
    return receipt_identity(root), certificate


def _backfill() -> None:
    bind = op.get_bind()
    receipts = sa.table(
        "receipt",
        sa.column("id", ID),
        sa.column("issuer_id", ID),
        sa.column("signed_xml", sa.LargeBinary()),
        sa.column("identity_digest", sa.String()),
    )
    tax_codes = dict(bind.execute(sa.text("SELECT id, tax_code FROM issuer")).all())
    on_record: dict[tuple[int, str], tuple[x509.Certificate, int]] = {}
    last = 0
    while True:
        rows = bind.execute(
            sa.select(receipts.c.id, receipts.c.issuer_id, receipts.c.signed_xml)
            .where(receipts.c.id > last)
            .order_by(receipts.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        updates = []
        for receipt_id, issuer_id, signed_xml in rows:
            identity, certificate = _read(bytes(signed_xml))
            updates.append({"rid": receipt_id, "digest": identity})
            if certificate is not None:
                on_record.setdefault((issuer_id, fingerprint(certificate)), (certificate, receipt_id))
        bind.execute(
            receipts.update()
            .where(receipts.c.id == sa.bindparam("rid"))
            .values(identity_digest=sa.bindparam("digest")),
            updates,
        )
        last = rows[-1][0]
    _register(bind, on_record, tax_codes)


def _register(bind, on_record: dict, tax_codes: dict) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    for (issuer_id, print_), (certificate, _first) in sorted(on_record.items(), key=lambda item: item[1][1]):
        subject = certificate.subject.rfc4514_string()
        exempt = tax_codes.get(issuer_id) not in subject_tax_codes(certificate)
        valid_from = certificate.not_valid_before_utc.replace(tzinfo=None)
        bind.execute(
            sa.text(
                "INSERT INTO signing_certificate (issuer_id, fingerprint, certificate_der, subject,"
                " valid_from, retired_at, tax_code_exempt, added_by, added_at) VALUES (:issuer, :print,"
                " :der, :subject, :valid_from, NULL, :exempt, :actor, :now)"
            ).bindparams(
                sa.bindparam("der", type_=sa.LargeBinary()), sa.bindparam("exempt", type_=sa.Boolean())
            ),
            {
                "issuer": issuer_id,
                "print": print_,
                "der": certificate.public_bytes(serialization.Encoding.DER),
                "subject": subject,
                "valid_from": valid_from,
                "exempt": exempt,
                "actor": ACTOR,
                "now": now,
            },
        )
        row_id = bind.execute(
            sa.text("SELECT id FROM signing_certificate WHERE issuer_id = :issuer AND fingerprint = :print"),
            {"issuer": issuer_id, "print": print_},
        ).scalar_one()
        details = {
            "issuer_id": issuer_id,
            "fingerprint": print_,
            "subject": subject,
            "tax_code_exempt": exempt,
            "from_receipts": True,
        }
        bind.execute(
            sa.text(
                "INSERT INTO audit_event (at, actor, action, entity, entity_id, details)"
                " VALUES (:now, :actor, 'signer.certificate_added', 'signing_certificate', :row, :details)"
            ),
            {"now": now, "actor": ACTOR, "row": str(row_id), "details": json.dumps(details, sort_keys=True)},
        )


def upgrade() -> None:
    _create_tables()
    _backfill()


def downgrade() -> None:
    with op.batch_alter_table("receipt") as batch:
        batch.drop_index(batch.f("ix_receipt_identity_digest"))
        batch.drop_column("identity_digest")
    op.drop_index(op.f("ix_signer_delegation_issuer_id"), table_name="signer_delegation")
    op.drop_table("signer_delegation")
    op.drop_index(op.f("ix_signing_certificate_fingerprint"), table_name="signing_certificate")
    op.drop_index(op.f("ix_signing_certificate_issuer_id"), table_name="signing_certificate")
    op.drop_table("signing_certificate")
