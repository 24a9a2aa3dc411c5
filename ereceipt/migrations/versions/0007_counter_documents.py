"""Counter OCR: documents uploaded at the counter and what OCR read from them

Revision ID: 0007
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "counter_document",
        sa.Column("id", ID, nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.Column("agency_code", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("error", sa.String(length=400), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_counter_document_status_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counter_document")),
    )
    op.create_index(op.f("ix_counter_document_sha256"), "counter_document", ["sha256"])
    op.create_index(op.f("ix_counter_document_agency_code"), "counter_document", ["agency_code"])
    op.create_index(op.f("ix_counter_document_status"), "counter_document", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_counter_document_status"), table_name="counter_document")
    op.drop_index(op.f("ix_counter_document_agency_code"), table_name="counter_document")
    op.drop_index(op.f("ix_counter_document_sha256"), table_name="counter_document")
    op.drop_table("counter_document")
