"""Treasury reports, statement lines, reconciliation runs, scheduler claims, message-log archive

Revision ID: 0008
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "treasury_report",
        sa.Column("id", ID, nullable=False),
        sa.Column("report_id", sa.String(100), nullable=False),
        sa.Column("issuer_code", sa.String(40), nullable=False),
        sa.Column("account", sa.String(34), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("receipts", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.String(400), nullable=True),
        sa.Column("acknowledgement_id", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_treasury_report"),
        sa.UniqueConstraint("report_id", name="uq_treasury_report_report_id"),
        sa.UniqueConstraint("issuer_code", "account", "day", name="uq_treasury_report_issuer_code"),
    )
    op.create_index("ix_treasury_report_next_attempt_at", "treasury_report", ["next_attempt_at"])
    op.create_table(
        "treasury_statement_line",
        sa.Column("id", ID, nullable=False),
        sa.Column("account", sa.String(34), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("receipt_number", sa.String(100), nullable=True),
        sa.Column("issuer_code", sa.String(40), nullable=True),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_treasury_statement_line"),
    )
    op.create_index("ix_treasury_statement_line_account_day", "treasury_statement_line", ["account", "day"])
    op.create_table(
        "reconciliation_bank_line",
        sa.Column("id", ID, nullable=False),
        sa.Column("bic", sa.String(11), nullable=False),
        sa.Column("message_id", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(34), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reconciliation_bank_line"),
        sa.UniqueConstraint("bic", "message_id", "position", name="uq_reconciliation_bank_line_bic"),
    )
    op.create_index(
        "ix_reconciliation_bank_line_account_day", "reconciliation_bank_line", ["account", "booking_date"]
    )
    op.create_table(
        "reconciliation_run",
        sa.Column("id", ID, nullable=False),
        sa.Column("account", sa.String(34), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("issuer_id", ID, nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        *(
            sa.Column(name, sa.BigInteger() if name.endswith("amount") else sa.Integer(), nullable=False)
            for name in (
                "receipts_count",
                "receipts_amount",
                "bank_count",
                "bank_amount",
                "treasury_count",
                "treasury_amount",
                "matched_count",
                "matched_amount",
                "discrepancy_count",
            )
        ),
        sa.ForeignKeyConstraint(["issuer_id"], ["issuer.id"], name="fk_reconciliation_run_issuer_id_issuer"),
        sa.PrimaryKeyConstraint("id", name="pk_reconciliation_run"),
    )
    op.create_index("ix_reconciliation_run_account_day", "reconciliation_run", ["account", "day"])
    op.create_index("ix_reconciliation_run_issuer_id", "reconciliation_run", ["issuer_id"])
    op.create_index("ix_reconciliation_run_started_at", "reconciliation_run", ["started_at"])
    op.create_table(
        "reconciliation_discrepancy",
        sa.Column("id", ID, nullable=False),
        sa.Column("run_id", ID, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("detail", sa.String(100), nullable=True),
        sa.Column("receipt_amount", sa.BigInteger(), nullable=True),
        sa.Column("bank_amount", sa.BigInteger(), nullable=True),
        sa.Column("treasury_amount", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["reconciliation_run.id"],
            name="fk_reconciliation_discrepancy_run_id_reconciliation_run",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reconciliation_discrepancy"),
    )
    op.create_index("ix_reconciliation_discrepancy_run_id", "reconciliation_discrepancy", ["run_id"])
    op.create_table(
        "scheduler_claim",
        sa.Column("job_id", sa.String(100), nullable=False),
        sa.Column("fire_time", sa.DateTime(), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(400), nullable=True),
        sa.PrimaryKeyConstraint("job_id", "fire_time", name="pk_scheduler_claim"),
    )
    op.create_table(
        "message_log_archive",
        sa.Column("id", ID, autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("client", sa.String(200), nullable=True),
        sa.Column("service", sa.String(200), nullable=True),
        sa.Column("operation", sa.String(60), nullable=True),
        sa.Column("xroad_id", sa.String(100), nullable=True),
        sa.Column("user_id", sa.String(100), nullable=True),
        sa.Column("outcome", sa.String(60), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("request", sa.LargeBinary(), nullable=False),
        sa.Column("response", sa.LargeBinary(), nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_message_log_archive"),
    )
    op.create_index("ix_message_log_archive_at", "message_log_archive", ["at"])
    # APScheduler 3's SQLAlchemyJobStore table (its own definition), made here so that scheduler
    # processes starting together never race to create it.
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), nullable=False),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_apscheduler_jobs"),
    )
    op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    for table in (
        "apscheduler_jobs",
        "message_log_archive",
        "scheduler_claim",
        "reconciliation_discrepancy",
        "reconciliation_run",
        "reconciliation_bank_line",
        "treasury_statement_line",
        "treasury_report",
    ):
        op.drop_table(table)
