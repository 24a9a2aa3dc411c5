"""Counter drafts: who last set each field (draft_field_author), for the four-eyes rule of approval

Every field of every existing draft is attributed to the officer who created it, then the
corrections in the audit trail ("draft.updated" events, oldest first) make their actors the
authors of the fields they changed, so a draft an approver corrected before this migration is
still refused to that approver.

Revision ID: 0012
Revises: 0011
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FIELDS = (
    "payer_name",
    "payer_id_number",
    "payer_address",
    "case_payment_code",
    "amount_vnd",
    "purpose",
    "payment_method",
)


def upgrade() -> None:
    op.create_table(
        "draft_field_author",
        sa.Column("draft_id", ID, nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["receipt_draft.id"], name=op.f("fk_draft_field_author_draft_id_receipt_draft")
        ),
        sa.PrimaryKeyConstraint("draft_id", "field", name=op.f("pk_draft_field_author")),
    )
    bind = op.get_bind()
    for field in FIELDS:
        bind.execute(
            sa.text(
                "INSERT INTO draft_field_author (draft_id, field, set_by, set_at) "
                "SELECT id, :field, created_by, created_at FROM receipt_draft"
            ),
            {"field": field},
        )
    corrections = bind.execute(
        sa.text(
            "SELECT e.id, d.id AS draft_id, e.actor, e.details FROM audit_event e "
            "JOIN receipt_draft d ON e.entity_id = CAST(d.id AS VARCHAR(60)) "
            "WHERE e.entity = 'receipt_draft' AND e.action = 'draft.updated' ORDER BY e.id"
        )
    ).all()
    for event_id, draft_id, actor, details in corrections:
        changed = [field for field in json.loads(details).get("changed", {}) if field in FIELDS]
        if changed:
            bind.execute(
                sa.text(
                    "UPDATE draft_field_author SET set_by = :actor, "
                    "set_at = (SELECT at FROM audit_event WHERE id = :event) "
                    "WHERE draft_id = :draft AND field IN :fields"
                ).bindparams(sa.bindparam("fields", expanding=True)),
                {"actor": actor, "event": event_id, "draft": draft_id, "fields": changed},
            )


def downgrade() -> None:
    op.drop_table("draft_field_author")
