"""Alembic environment: migrations run on the connection that ``core.storage.database.migrate`` hands over.

Every module that holds tables is imported, so that ``Base.metadata`` is the whole schema.
"""

from alembic import context
from sqlalchemy import create_engine

from ereceipt.core.archiving import tables as _archive_tables  # noqa: F401
from ereceipt.core.counter import documents as _counter_documents  # noqa: F401
from ereceipt.core.counter import tables as _counter_tables  # noqa: F401
from ereceipt.core.delivery import outbox as _outbox  # noqa: F401
from ereceipt.core.intake import tables as _intake_tables  # noqa: F401
from ereceipt.core.receipts import tables as _receipt_tables  # noqa: F401
from ereceipt.core.signers import tables as _signer_tables  # noqa: F401
from ereceipt.core.storage import audit as _audit  # noqa: F401
from ereceipt.core.storage import message_log_tables as _message_log_tables  # noqa: F401
from ereceipt.core.storage import scheduling as _scheduling  # noqa: F401
from ereceipt.core.storage.base import Base
from ereceipt.core.transparency import tables as _transparency_tables  # noqa: F401
from ereceipt.core.treasury import tables as _treasury_tables  # noqa: F401
from ereceipt.core.users import tables as _user_tables  # noqa: F401

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        # Only the alembic command line (for writing new migrations) gets here.
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.connect() as connection:
            _run_on(connection)
    else:
        _run_on(connection)


def _run_on(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # Each migration in a transaction of its own: one may step outside it (autocommit_block)
        # to build an index CONCURRENTLY.
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
