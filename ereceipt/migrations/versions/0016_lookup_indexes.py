"""Indexes that make look-ups cost what their answer costs: receipts by issuer and time, payer-name
search (trigram, PostgreSQL), held payments, an officer's audit trail

On PostgreSQL the indexes are built CONCURRENTLY (writers go on while a large table is indexed),
each in a transaction of its own; when the migration is handed a connection already inside a
transaction (a caller that downgrades by hand), they are built plainly in it. The trigram index
needs the pg_trgm extension (contrib, shipped with PostgreSQL), created in schema public when
missing and named by its schema, whatever the search path; where it is not available the
name search keeps working, by a scan.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

HELD = "(recorded_at) WHERE status = 'HELD'"
# (name, table, PostgreSQL definition, SQLite definition or None)
INDEXES = (
    (
        "ix_receipt_issuer_issued",
        "receipt",
        "(issuer_id, issued_at, id) INCLUDE (status, amount)",
        "(issuer_id, issued_at, id)",
    ),
    ("ix_receipt_issued_figures", "receipt", "(issued_at, id) INCLUDE (issuer_id, status, amount)", None),
    ("ix_payment_held", "payment", HELD, HELD),
    ("ix_audit_event_actor_id", "audit_event", "(actor, id)", "(actor, id)"),
)
TRIGRAM = ("ix_receipt_payer_name_trgm", "receipt")


@contextmanager
def _own_transactions() -> Iterator[bool]:
    """Whether CONCURRENTLY may run: outside any transaction (PostgreSQL refuses it inside one)."""
    context = op.get_context()
    if context.dialect.name != "postgresql" or context._in_external_transaction:
        yield False
        return
    with context.autocommit_block():
        yield True


def _trigram_schema(bind) -> str:
    """The schema of the pg_trgm extension, created in ``public`` when missing (not in the first
    schema of the search path, which may be one that is dropped later), quoted for SQL."""
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    schema = bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
    ).scalar_one()
    return '"' + schema.replace('"', '""') + '"'


def _trigram_available(bind) -> bool:
    return bool(
        bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar()
    )


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        for name, table, _, sqlite in INDEXES:
            if sqlite:
                op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {sqlite}")
        op.execute("DROP INDEX IF EXISTS ix_receipt_issuer_id")
        return
    with _own_transactions() as alone:
        how = "CONCURRENTLY " if alone else ""
        for name, table, definition, _ in INDEXES:
            # An interrupted CONCURRENTLY build leaves an invalid index behind: drop it, build again.
            op.execute(f"DROP INDEX {how}IF EXISTS {name}")
            op.execute(f"CREATE INDEX {how}{name} ON {table} {definition}")
        # ix_receipt_issuer_issued starts with issuer_id: the index on issuer_id alone only tempts the
        # planner to read an issuer's rows out of order (and sort them).
        op.execute(f"DROP INDEX {how}IF EXISTS ix_receipt_issuer_id")
        if _trigram_available(op.get_bind()):
            name, table = TRIGRAM[:2]
            operators = f"{_trigram_schema(op.get_bind())}.gin_trgm_ops"
            op.execute(f"DROP INDEX {how}IF EXISTS {name}")
            op.execute(f"CREATE INDEX {how}{name} ON {table} USING gin (lower(payer_name) {operators})")


def downgrade() -> None:
    bind = op.get_bind()
    names = [name for name, *_ in INDEXES] + [TRIGRAM[0]]
    if bind.dialect.name != "postgresql":
        op.execute("CREATE INDEX IF NOT EXISTS ix_receipt_issuer_id ON receipt (issuer_id)")
        for name in names:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        return
    with _own_transactions() as alone:
        how = "CONCURRENTLY " if alone else ""
        op.execute(f"CREATE INDEX {how}IF NOT EXISTS ix_receipt_issuer_id ON receipt (issuer_id)")
        for name in names:
            op.execute(f"DROP INDEX {how}IF EXISTS {name}")
