"""Migration 0017 (the transparency log's tables) goes down to its own parent and up again."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from ereceipt.core.storage.database import Database, alembic_config, migrate

TABLES = {"transparency_leaf", "transparency_node", "transparency_checkpoint", "transparency_state"}


def test_migration_0017_downgrades_to_its_parent_and_upgrades_again(database: Database) -> None:
    config = alembic_config(database.engine.url.render_as_string(hide_password=False))
    parent = ScriptDirectory.from_config(config).get_revision("0017").down_revision
    assert set(inspect(database.engine).get_table_names()) >= TABLES
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, parent)
    remaining = set(inspect(database.engine).get_table_names())
    assert not TABLES & remaining
    assert {"receipt", "signing_certificate"} <= remaining  # what earlier migrations made stays
    migrate(database)
    assert set(inspect(database.engine).get_table_names()) >= TABLES
