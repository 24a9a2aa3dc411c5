"""The public transparency log: leaves, tree nodes, signed checkpoints and the sequencer's state

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "transparency_leaf",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("receipt_id", ID, nullable=False),
        sa.Column("event", sa.String(length=12), nullable=False),
        sa.Column("source_event", ID, nullable=True),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("integrated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipt.id"], name=op.f("fk_transparency_leaf_receipt_id_receipt")
        ),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_transparency_leaf")),
        sa.UniqueConstraint("receipt_id", "event", name=op.f("uq_transparency_leaf_receipt_event")),
        sa.UniqueConstraint("source_event", name=op.f("uq_transparency_leaf_source_event")),
    )
    op.create_table(
        "transparency_node",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_transparency_node")),
    )
    op.create_table(
        "transparency_checkpoint",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_transparency_checkpoint")),
    )
    op.create_table(
        "transparency_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("backfill_upto", ID, nullable=False),
        sa.Column("backfill_done", sa.Boolean(), nullable=False),
        sa.Column("audit_low_water", ID, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transparency_state")),
    )


def downgrade() -> None:
    for table in ("transparency_state", "transparency_checkpoint", "transparency_node", "transparency_leaf"):
        op.drop_table(table)
