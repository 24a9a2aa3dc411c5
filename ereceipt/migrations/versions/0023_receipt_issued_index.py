"""The index of all receipts by time named for what it serves: the national list of receipts

The national admin list and a search across issuers read receipts newest first from
``(issued_at, id)``; the dashboard reads the daily figures instead. Renaming an index is a change
of the catalogue only, instant at any size. PostgreSQL only: SQLite never had this index.

Revision ID: 0023
Revises: 0021
"""

from alembic import op

revision = "0023"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER INDEX IF EXISTS ix_receipt_issued_figures RENAME TO ix_receipt_issued")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER INDEX IF EXISTS ix_receipt_issued RENAME TO ix_receipt_issued_figures")
