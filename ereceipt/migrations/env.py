"""Alembic environment: migrations run on the connection ``ereceipt.core.database.migrate`` hands over."""

from alembic import context
from sqlalchemy import create_engine

from ereceipt.core.tables import Base

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        # Only the alembic command line (for writing new migrations) gets here.
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as connection:
            _run_on(connection)
    else:
        _run_on(connection)


def _run_on(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
