"""Admin sessions kept on the server (ended at log-out), failed log-ins per name and client address,
and a lock row per client for the public look-up limit

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "admin_session",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["admin_user.id"], name=op.f("fk_admin_session_user_id_admin_user")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_admin_session")),
    )
    op.create_index(op.f("ix_admin_session_user_id"), "admin_session", ["user_id"])
    op.create_index(op.f("ix_admin_session_created_at"), "admin_session", ["created_at"])
    op.create_table(
        "login_failure",
        sa.Column("id", ID, nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure")),
    )
    op.create_index("ix_login_failure_username_at", "login_failure", ["username", "at"])
    op.create_index(op.f("ix_login_failure_at"), "login_failure", ["at"])
    op.create_table(
        "lookup_guard",
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("client", name=op.f("pk_lookup_guard")),
    )
    op.create_index(op.f("ix_lookup_guard_at"), "lookup_guard", ["at"])


def downgrade() -> None:
    op.drop_table("lookup_guard")
    op.drop_table("login_failure")
    op.drop_table("admin_session")
