"""The baseline level of each receipt's signature (ETSI EN 319 132-1: B, or T once time-stamped)

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("receipt") as batch:
        batch.add_column(
            sa.Column("signature_level", sa.String(length=3), server_default="B", nullable=False)
        )
    # The upgrade job looks for receipts still at level B, oldest first.
    op.create_index("ix_receipt_signature_level", "receipt", ["signature_level", "id"])


def downgrade() -> None:
    op.drop_index("ix_receipt_signature_level", table_name="receipt")
    with op.batch_alter_table("receipt") as batch:
        batch.drop_column("signature_level")
