"""SOAP service: message log hash chain, replay guard, issuers' bank accounts for VietQR

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
GENESIS = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table("issuer") as batch_op:
        batch_op.add_column(sa.Column("bank_bin", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("bank_account", sa.String(length=19), nullable=True))
    op.create_table(
        "message_log",
        sa.Column("id", ID, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("client", sa.String(length=200), nullable=True),
        sa.Column("service", sa.String(length=200), nullable=True),
        sa.Column("operation", sa.String(length=60), nullable=True),
        sa.Column("xroad_id", sa.String(length=100), nullable=True),
        sa.Column("user_id", sa.String(length=100), nullable=True),
        sa.Column("outcome", sa.String(length=60), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("request", sa.LargeBinary(), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_log")),
    )
    op.create_index(op.f("ix_message_log_at"), "message_log", ["at"], unique=False)
    head = op.create_table(
        "message_log_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_log_head")),
    )
    op.bulk_insert(head, [{"id": 1, "last_hash": GENESIS}])
    op.create_table(
        "seen_message",
        sa.Column("client", sa.String(length=200), nullable=False),
        sa.Column("xroad_id", sa.String(length=100), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("client", "xroad_id", name=op.f("pk_seen_message")),
    )
    op.create_index(op.f("ix_seen_message_seen_at"), "seen_message", ["seen_at"], unique=False)


def downgrade() -> None:
    op.drop_table("seen_message")
    op.drop_table("message_log_head")
    op.drop_table("message_log")
    with op.batch_alter_table("issuer") as batch_op:
        batch_op.drop_column("bank_account")
        batch_op.drop_column("bank_bin")
