"""Archive time-stamps (RFC 6283 evidence records): the tokens, and each archived receipt's reduced tree

Revision ID: 0021
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "archive_time_stamp",
        sa.Column("id", ID, nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("hash_algorithm", sa.String(length=16), nullable=False),
        sa.Column("gen_time", sa.DateTime(), nullable=False),
        sa.Column("tsa_not_after", sa.DateTime(), nullable=False),
        sa.Column("leaves", sa.Integer(), nullable=False),
        sa.Column("renewal", sa.Boolean(), nullable=False),
        sa.Column("renewed_by_id", ID, nullable=True),
        sa.Column("renewal_tree", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["renewed_by_id"],
            ["archive_time_stamp.id"],
            name=op.f("fk_archive_time_stamp_renewed_by_id_archive_time_stamp"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_time_stamp")),
    )
    op.create_index("ix_archive_time_stamp_tsa_not_after", "archive_time_stamp", ["tsa_not_after"])
    op.create_index("ix_archive_time_stamp_renewed_by_id", "archive_time_stamp", ["renewed_by_id"])
    op.create_table(
        "archived_receipt",
        sa.Column("id", ID, nullable=False),
        sa.Column("receipt_id", ID, nullable=False),
        sa.Column("archive_time_stamp_id", ID, nullable=False),
        sa.Column("data_digest", sa.LargeBinary(), nullable=False),
        sa.Column("reduced_tree", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipt.id"], name=op.f("fk_archived_receipt_receipt_id_receipt")
        ),
        sa.ForeignKeyConstraint(
            ["archive_time_stamp_id"],
            ["archive_time_stamp.id"],
            name=op.f("fk_archived_receipt_archive_time_stamp_id_archive_time_stamp"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archived_receipt")),
    )
    op.create_index("ix_archived_receipt_receipt_id", "archived_receipt", ["receipt_id"])
    op.create_index(
        "ix_archived_receipt_archive_time_stamp_id", "archived_receipt", ["archive_time_stamp_id"]
    )
    op.create_index("ix_archived_receipt_data_digest", "archived_receipt", ["data_digest"])


def downgrade() -> None:
    op.drop_table("archived_receipt")
    op.drop_table("archive_time_stamp")
