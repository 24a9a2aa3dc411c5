"""Bank statement lines for reconciliation: booked credits of camt.053/054

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "bank_statement_line",
        sa.Column("id", ID, nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("document_id", sa.String(length=100), nullable=False),
        sa.Column("account", sa.String(length=34), nullable=True),
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("remittance_text", sa.String(length=400), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statement_line")),
        sa.UniqueConstraint(
            "bic", "kind", "reference", name=op.f("uq_bank_statement_line_bic_kind_reference")
        ),
    )
    op.create_index(
        op.f("ix_bank_statement_line_account_booking_date"),
        "bank_statement_line",
        ["account", "booking_date"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_bank_statement_line_account_booking_date"), table_name="bank_statement_line")
    op.drop_table("bank_statement_line")
