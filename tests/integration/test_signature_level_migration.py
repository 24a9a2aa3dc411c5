"""Migration 0018 (each receipt's signature level) goes down to its own parent and up again; the
receipts there before it are at level B."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select
from test_issuing import cash

from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.storage.database import Database, alembic_config, migrate


def columns(database: Database) -> set[str]:
    return {column["name"] for column in inspect(database.engine).get_columns("receipt")}


def test_migration_0018_downgrades_to_its_parent_and_upgrades_again(
    issuer: ReceiptIssuer, demo_database: Database
) -> None:
    issuer.issue(cash("PT-LEVEL", amount=1_000))
    config = alembic_config(demo_database.engine.url.render_as_string(hide_password=False))
    parent = ScriptDirectory.from_config(config).get_revision("0018").down_revision
    with demo_database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, parent)
    assert "signature_level" not in columns(demo_database)
    migrate(demo_database)
    assert "signature_level" in columns(demo_database)
    with demo_database.read() as session:
        assert list(session.scalars(select(Receipt.signature_level))) == ["B"]
