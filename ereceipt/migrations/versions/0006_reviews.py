"""Admin page reviews: counter drafts, held payments resolved by hand, dead letters discarded

Revision ID: 0006
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "receipt_draft",
        sa.Column("id", ID, nullable=False),
        sa.Column("issuer_id", ID, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("payer_name", sa.String(length=400), nullable=False),
        sa.Column("payer_id_number", sa.String(length=12), nullable=True),
        sa.Column("payer_address", sa.String(length=400), nullable=True),
        sa.Column("case_payment_code", sa.String(length=16), nullable=True),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=400), nullable=True),
        sa.Column("payment_method", sa.String(length=20), nullable=False),
        sa.Column("source_document_id", sa.BigInteger(), nullable=True),
        sa.Column("field_confidences", sa.JSON(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("reject_reason", sa.String(length=400), nullable=True),
        sa.Column("receipt_id", ID, nullable=True),
        sa.CheckConstraint("amount_vnd > 0", name=op.f("ck_receipt_draft_amount_positive")),
        sa.CheckConstraint(
            "status IN ('draft', 'approved', 'rejected')", name=op.f("ck_receipt_draft_status_known")
        ),
        sa.CheckConstraint(
            "payment_method IN ('CASH', 'BANK_TRANSFER')", name=op.f("ck_receipt_draft_method_known")
        ),
        sa.ForeignKeyConstraint(["issuer_id"], ["issuer.id"], name=op.f("fk_receipt_draft_issuer_id_issuer")),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipt.id"], name=op.f("fk_receipt_draft_receipt_id_receipt")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_draft")),
        sa.UniqueConstraint("receipt_id", name=op.f("uq_receipt_draft_receipt_id")),
    )
    op.create_index(op.f("ix_receipt_draft_issuer_id"), "receipt_draft", ["issuer_id"])
    op.create_index(op.f("ix_receipt_draft_status"), "receipt_draft", ["status"])
    op.create_table(
        "held_payment_resolution",
        sa.Column("id", ID, nullable=False),
        sa.Column("payment_id", ID, nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("case_id", ID, nullable=True),
        sa.Column("receipt_id", ID, nullable=True),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.Column("resolved_by", sa.String(length=100), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "action IN ('MATCHED', 'REFUND')", name=op.f("ck_held_payment_resolution_action_known")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payment.id"], name=op.f("fk_held_payment_resolution_payment_id_payment")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_case.id"],
            name=op.f("fk_held_payment_resolution_case_id_enforcement_case"),
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipt.id"], name=op.f("fk_held_payment_resolution_receipt_id_receipt")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_payment_resolution")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_held_payment_resolution_payment_id")),
    )
    op.create_table(
        "discarded_dead_letter",
        sa.Column("id", ID, nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("app_id", sa.String(length=100), nullable=True),
        sa.Column("routing_key", sa.String(length=255), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("dead_reason", sa.Text(), nullable=False),
        sa.Column("discard_reason", sa.String(length=400), nullable=False),
        sa.Column("discarded_by", sa.String(length=100), nullable=False),
        sa.Column("discarded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discarded_dead_letter")),
    )
    op.create_index(op.f("ix_discarded_dead_letter_discarded_at"), "discarded_dead_letter", ["discarded_at"])


def downgrade() -> None:
    op.drop_table("discarded_dead_letter")
    op.drop_table("held_payment_resolution")
    op.drop_table("receipt_draft")
