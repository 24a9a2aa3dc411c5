"""Payer notices: one row per receipt and channel, e-mail or SMS

Revision ID: 0009
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "payer_notice",
        sa.Column("id", ID, nullable=False),
        sa.Column("receipt_id", ID, nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("failed_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipt.id"], name=op.f("fk_payer_notice_receipt_id_receipt")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payer_notice")),
        sa.UniqueConstraint("receipt_id", "channel", name=op.f("uq_payer_notice_receipt_channel")),
    )
    # The dispatcher's question: which pending notices are due, oldest first.
    op.create_index("ix_payer_notice_due", "payer_notice", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_payer_notice_due", table_name="payer_notice")
    op.drop_table("payer_notice")
