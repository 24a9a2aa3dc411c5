"""The dashboard's figures per issuer and Vietnam day, counted from the receipts already issued;
an index for pages of a reconciliation run's discrepancies

The receipts are read a range of ids at a time (``BATCH``), so that each statement reads a
bounded number of rows however large the table is; all the batches are in the migration's
transaction, so the figures are complete when it commits. Stop issuing while it runs: a receipt
issued by a process of the previous version during the migration would not be counted.

On PostgreSQL the discrepancies' index is built CONCURRENTLY, in a transaction of its own, unless
the migration is handed a connection already inside a transaction (then plainly, in it).

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

BATCH = 50_000
DAY = {
    "postgresql": "date(issued_at + INTERVAL '7 hours')",
    "sqlite": "date(issued_at, '+7 hours')",
}
COUNT_BATCH = """
INSERT INTO daily_figure (issuer_id, day, issued_count, issued_amount)
SELECT issuer_id, {day}, count(*), sum(amount) FROM receipt
WHERE status = 'ISSUED' AND id >= :start AND id < :stop
GROUP BY issuer_id, {day}
ON CONFLICT (issuer_id, day) DO UPDATE SET
    issued_count = daily_figure.issued_count + excluded.issued_count,
    issued_amount = daily_figure.issued_amount + excluded.issued_amount
"""

PAGE_INDEX = "ix_reconciliation_discrepancy_page"


@contextmanager
def _own_transactions() -> Iterator[bool]:
    """Whether CONCURRENTLY may run: outside any transaction (PostgreSQL refuses it inside one)."""
    context = op.get_context()
    if context.dialect.name != "postgresql" or context._in_external_transaction:
        yield False
        return
    with context.autocommit_block():
        yield True


def _page_index() -> None:
    with _own_transactions() as alone:
        how = "CONCURRENTLY " if alone else ""
        # An interrupted CONCURRENTLY build leaves an invalid index behind: drop it, build again.
        op.execute(f"DROP INDEX {how}IF EXISTS {PAGE_INDEX}")
        op.execute(
            f"CREATE INDEX {how}{PAGE_INDEX} ON reconciliation_discrepancy (run_id, kind, reference, id)"
        )


def upgrade() -> None:
    op.create_table(
        "daily_figure",
        sa.Column("issuer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("issued_count", sa.BigInteger(), nullable=False),
        sa.Column("issued_amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["issuer_id"], ["issuer.id"], name=op.f("fk_daily_figure_issuer_id_issuer")),
        sa.PrimaryKeyConstraint("issuer_id", "day", name=op.f("pk_daily_figure")),
    )
    op.create_index("ix_daily_figure_day", "daily_figure", ["day", "issuer_id"])
    bind = op.get_bind()
    low, high = bind.execute(sa.text("SELECT min(id), max(id) FROM receipt")).one()
    if low is not None:
        statement = sa.text(COUNT_BATCH.format(day=DAY[bind.dialect.name]))
        for start in range(low, high + 1, BATCH):
            bind.execute(statement, {"start": start, "stop": start + BATCH})
    _page_index()


def downgrade() -> None:
    with _own_transactions() as alone:
        op.execute(f"DROP INDEX {'CONCURRENTLY ' if alone else ''}IF EXISTS {PAGE_INDEX}")
    op.drop_index("ix_daily_figure_day", table_name="daily_figure")
    op.drop_table("daily_figure")
