"""Message log: exchanges that change something are written with the change (``message_log_pending``,
chained afterwards), and a request refused before its client is known keeps its size and SHA-256
beside the start of its body

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LOGS = ("message_log", "message_log_archive")


def upgrade() -> None:
    for table in LOGS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("request_size", sa.Integer(), nullable=True))
            batch.add_column(sa.Column("request_sha256", sa.String(length=64), nullable=True))
    op.create_table(
        "message_log_pending",
        sa.Column("id", ID, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("client", sa.String(length=200), nullable=True),
        sa.Column("service", sa.String(length=200), nullable=True),
        sa.Column("operation", sa.String(length=60), nullable=True),
        sa.Column("xroad_id", sa.String(length=100), nullable=True),
        sa.Column("user_id", sa.String(length=100), nullable=True),
        sa.Column("request", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_log_pending")),
    )
    op.create_index(op.f("ix_message_log_pending_at"), "message_log_pending", ["at"])


def downgrade() -> None:
    op.drop_table("message_log_pending")
    for table in LOGS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("request_sha256")
            batch.drop_column("request_size")
