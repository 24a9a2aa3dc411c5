"""PostgreSQL: the large XML columns written on every exchange and receipt are compressed with lz4

PostgreSQL's default compression (pglz) costs the server about 0.1 ms of CPU for every SOAP
message logged, mostly to find that a response carrying a base64 receipt does not compress;
lz4 costs a fraction of that and still saves about a third of the space. Rows stored before
keep their compression. A server built without lz4 keeps pglz (nothing else changes).
SQLite: nothing to do.

Revision ID: 0011
Revises: 0010
"""

import logging

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = {
    "receipt": ("signed_xml",),
    "message_log": ("request", "response"),
    "message_log_archive": ("request", "response"),
    "outbox_message": ("body",),
}


def _set_compression(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if method == "lz4":
        supported = bind.exec_driver_sql(
            "SELECT count(*) FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND 'lz4' = ANY(enumvals)"
        ).scalar()
        if not supported:
            logging.getLogger("alembic").warning("this PostgreSQL has no lz4: pglz stays")
            return
    for table, columns in COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION {method}" for column in columns)
        op.execute(f"ALTER TABLE {table} {changes}")


def upgrade() -> None:
    _set_compression("lz4")


def downgrade() -> None:
    _set_compression("pglz")
