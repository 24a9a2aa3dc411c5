"""Reconciliation reads bank intake's bank_statement_line: its own reconciliation_bank_line is dropped

Merges the parallel heads 0005 to 0009 into one.

Revision ID: 0010
Revises: 0005, 0006, 0007, 0008, 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = ("0005", "0006", "0007", "0008", "0009")
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.drop_index("ix_reconciliation_bank_line_account_day", table_name="reconciliation_bank_line")
    op.drop_table("reconciliation_bank_line")


def downgrade() -> None:
    op.create_table(
        "reconciliation_bank_line",
        sa.Column("id", ID, nullable=False),
        sa.Column("bic", sa.String(11), nullable=False),
        sa.Column("message_id", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(34), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reconciliation_bank_line"),
        sa.UniqueConstraint("bic", "message_id", "position", name="uq_reconciliation_bank_line_bic"),
    )
    op.create_index(
        "ix_reconciliation_bank_line_account_day", "reconciliation_bank_line", ["account", "booking_date"]
    )
