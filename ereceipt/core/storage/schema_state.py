"""Whether a database holds the schema this version needs: its Alembic revisions against the scripts' heads.

A command that works on stored receipts asks first, so that a database nobody has initialised, or
one a newer or older version left, is named as such (with ``ereceipt init`` to run) instead of
failing later on a missing table. Connection failures become one line naming the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError

from ereceipt.core.errors import NotInitialised, TransientOutage
from ereceipt.core.storage.database import Database, alembic_config

_UNDEFINED_DATABASE = "3D000"  # PostgreSQL's invalid_catalog_name: the database does not exist


def database_name(database: Database) -> str:
    """The database as a person names it: a SQLite file's path, else the URL without its password."""
    url = database.engine.url
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


@contextmanager
def reaching(database: Database) -> Iterator[None]:
    """Connection failures while reaching ``database`` as one line that names it.

    A PostgreSQL database that does not exist is ``NotInitialised`` (it must be created); a server
    that does not answer is ``TransientOutage``.
    """
    try:
        yield
    except OperationalError as exc:
        reason = " ".join(str(exc.orig).split())  # libpq's messages span lines
        missing = f'database "{database.engine.url.database}" does not exist'
        if getattr(exc.orig, "sqlstate", None) == _UNDEFINED_DATABASE or missing in reason:
            raise NotInitialised(
                f"database {database_name(database)} does not exist: create it (e.g. createdb), "
                "then run `ereceipt init`"
            ) from exc
        raise TransientOutage(f"database {database_name(database)} unavailable: {reason}") from exc


def require_current_schema(database: Database) -> None:
    """Raise ``NotInitialised`` unless the database is at the newest migration this version has."""
    name = database_name(database)
    url = database.engine.url
    on_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if on_file and not Path(url.database).is_file():  # asking would leave an empty file behind
        raise NotInitialised(f"database {name} does not exist: run `ereceipt init` to create it")
    with reaching(database), database.engine.connect() as connection:
        current = (
            set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
            if inspect(connection).has_table("alembic_version")
            else set()
        )
    if not current:
        raise NotInitialised(f"database {name} is not initialised: run `ereceipt init`")
    scripts = ScriptDirectory.from_config(alembic_config(str(url)))
    needed = set(scripts.get_heads())
    if current == needed:
        return
    known = {revision.revision for revision in scripts.walk_revisions()}
    if not current <= known:
        raise NotInitialised(
            f"database {name} is at schema revision {', '.join(sorted(current - known))}, which this "
            "version of ereceipt does not know: run the version that made it"
        )
    raise NotInitialised(
        f"database {name} is at schema revision {', '.join(sorted(current))}, this version needs "
        f"{', '.join(sorted(needed))}: run `ereceipt init` to migrate it"
    )
