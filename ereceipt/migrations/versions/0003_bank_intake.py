"""Bank intake: camt messages received, credit transactions refused, the outbox

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "bank_message",
        sa.Column("id", ID, nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("document_id", sa.String(length=100), nullable=False),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_message")),
        sa.UniqueConstraint("bic", "message_id", name=op.f("uq_bank_message_bic_message")),
    )
    op.create_index(op.f("ix_bank_message_received_at"), "bank_message", ["received_at"])
    op.create_table(
        "refused_bank_transaction",
        sa.Column("id", ID, nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.Column("refused_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refused_bank_transaction")),
        sa.UniqueConstraint(
            "bic", "message_id", "position", name=op.f("uq_refused_bank_transaction_bic_message_position")
        ),
    )

    op.create_table(
        "outbox_message",
        sa.Column("id", ID, nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("routing_key", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=400), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_message_id")),
    )
    op.create_index(op.f("ix_outbox_message_next_attempt_at"), "outbox_message", ["next_attempt_at"])
    op.create_index(op.f("ix_outbox_message_sent_at"), "outbox_message", ["sent_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_message_sent_at"), table_name="outbox_message")
    op.drop_index(op.f("ix_outbox_message_next_attempt_at"), table_name="outbox_message")
    op.drop_table("outbox_message")
    op.drop_table("refused_bank_transaction")
    op.drop_index(op.f("ix_bank_message_received_at"), table_name="bank_message")
    op.drop_table("bank_message")
