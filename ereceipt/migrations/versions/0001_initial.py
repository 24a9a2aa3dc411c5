"""initial schema: issuers, series, cases, payments, receipts, audit

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

# BIGINT keys on PostgreSQL; on SQLite the INTEGER that aliases the rowid.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", ID, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=60), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)

    op.create_table(
        "issuer",
        sa.Column("id", ID, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("tax_code", sa.String(length=14), nullable=False),
        sa.Column("address", sa.String(length=400), nullable=False),
        sa.Column("parent_id", ID, nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["issuer.id"], name=op.f("fk_issuer_parent_id_issuer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issuer")),
        sa.UniqueConstraint("code", name=op.f("uq_issuer_code")),
    )
    op.create_table(
        "enforcement_case",
        sa.Column("id", ID, nullable=False),
        sa.Column("issuer_id", ID, nullable=False),
        sa.Column("payment_code", sa.String(length=16), nullable=False),
        sa.Column("judgment_number", sa.String(length=100), nullable=False),
        sa.Column("decision_number", sa.String(length=100), nullable=False),
        sa.Column("obligor_name", sa.String(length=400), nullable=False),
        sa.Column("obligor_id_number", sa.String(length=12), nullable=True),
        sa.Column("obligor_address", sa.String(length=400), nullable=True),
        sa.Column("amount_due", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=400), nullable=False),
        sa.CheckConstraint("amount_due >= 0", name=op.f("ck_enforcement_case_amount_due_not_negative")),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuer.id"], name=op.f("fk_enforcement_case_issuer_id_issuer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_case")),
        sa.UniqueConstraint("payment_code", name=op.f("uq_enforcement_case_payment_code")),
    )
    with op.batch_alter_table("enforcement_case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_obligor_id_number"), ["obligor_id_number"], unique=False
        )

    op.create_table(
        "receipt_series",
        sa.Column("id", ID, nullable=False),
        sa.Column("issuer_id", ID, nullable=False),
        sa.Column("template_number", sa.String(length=20), nullable=False),
        sa.Column("series_symbol", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["issuer.id"], name=op.f("fk_receipt_series_issuer_id_issuer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_series")),
        sa.UniqueConstraint("issuer_id", "template_number", "series_symbol", name="issuer_template"),
    )
    op.create_table(
        "payment",
        sa.Column("id", ID, nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("external_reference", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("payer_name", sa.String(length=400), nullable=False),
        sa.Column("payer_id_number", sa.String(length=12), nullable=True),
        sa.Column("payer_address", sa.String(length=400), nullable=True),
        sa.Column("paid_at", sa.DateTime(), nullable=False),
        sa.Column("remittance_text", sa.String(length=400), nullable=True),
        sa.Column("case_id", ID, nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("hold_reason", sa.String(length=400), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_amount_positive")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["enforcement_case.id"], name=op.f("fk_payment_case_id_enforcement_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("source", "external_reference", name="source_reference"),
    )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_case_id"), ["case_id"], unique=False)

    op.create_table(
        "series_counter",
        sa.Column("series_id", ID, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"], ["receipt_series.id"], name=op.f("fk_series_counter_series_id_receipt_series")
        ),
        sa.PrimaryKeyConstraint("series_id", "year", name=op.f("pk_series_counter")),
    )
    op.create_table(
        "receipt",
        sa.Column("id", ID, nullable=False),
        sa.Column("issuer_id", ID, nullable=False),
        sa.Column("series_id", ID, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("lookup_code", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("payer_name", sa.String(length=400), nullable=False),
        sa.Column("payer_id_number", sa.String(length=12), nullable=True),
        sa.Column("case_id", ID, nullable=True),
        sa.Column("payment_id", ID, nullable=True),
        sa.Column("payment_method", sa.String(length=20), nullable=False),
        sa.Column("payment_reference", sa.String(length=100), nullable=True),
        sa.Column("issuing_officer", sa.String(length=100), nullable=False),
        sa.Column("replaces_id", ID, nullable=True),
        sa.Column("signed_xml", sa.LargeBinary(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_by", sa.String(length=100), nullable=True),
        sa.Column("cancel_reason", sa.String(length=400), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_receipt_amount_positive")),
        sa.CheckConstraint("number >= 1 AND number <= 9999999", name=op.f("ck_receipt_number_seven_digits")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["enforcement_case.id"], name=op.f("fk_receipt_case_id_enforcement_case")
        ),
        sa.ForeignKeyConstraint(["issuer_id"], ["issuer.id"], name=op.f("fk_receipt_issuer_id_issuer")),
        sa.ForeignKeyConstraint(["payment_id"], ["payment.id"], name=op.f("fk_receipt_payment_id_payment")),
        sa.ForeignKeyConstraint(["replaces_id"], ["receipt.id"], name=op.f("fk_receipt_replaces_id_receipt")),
        sa.ForeignKeyConstraint(
            ["series_id"], ["receipt_series.id"], name=op.f("fk_receipt_series_id_receipt_series")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt")),
        sa.UniqueConstraint("lookup_code", name=op.f("uq_receipt_lookup_code")),
        sa.UniqueConstraint("replaces_id", name=op.f("uq_receipt_replaces_id")),
        sa.UniqueConstraint("series_id", "year", "number", name="series_year_number"),
    )
    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipt_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipt_issued_at"), ["issued_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipt_issuer_id"), ["issuer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipt_payer_id_number"), ["payer_id_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipt_payment_id"), ["payment_id"], unique=False)

    op.create_table(
        "failed_lookup",
        sa.Column("id", ID, nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_lookup")),
    )
    with op.batch_alter_table("failed_lookup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_failed_lookup_client"), ["client"], unique=False)
        batch_op.create_index(batch_op.f("ix_failed_lookup_at"), ["at"], unique=False)

    _make_audit_trail_append_only()


_REFUSE = "audit_event is append-only"


def _make_audit_trail_append_only() -> None:
    """The audit trail is evidence: the database itself refuses to change or remove a row."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_REFUSE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END"
            )


def downgrade() -> None:
    op.drop_table("failed_lookup")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION audit_event_refuse_change()")
    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipt_payment_id"))
        batch_op.drop_index(batch_op.f("ix_receipt_payer_id_number"))
        batch_op.drop_index(batch_op.f("ix_receipt_issuer_id"))
        batch_op.drop_index(batch_op.f("ix_receipt_issued_at"))
        batch_op.drop_index(batch_op.f("ix_receipt_case_id"))

    op.drop_table("receipt")
    op.drop_table("series_counter")
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_case_id"))

    op.drop_table("payment")
    op.drop_table("receipt_series")
    with op.batch_alter_table("enforcement_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_case_obligor_id_number"))

    op.drop_table("enforcement_case")
    op.drop_table("issuer")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
