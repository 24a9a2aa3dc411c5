"""Shared fixtures: a development PKI, and migrated databases on SQLite and on PostgreSQL.

Migrating costs seconds (eleven Alembic migrations; on PostgreSQL each is several round trips of
DDL), so it happens once per session and backend, into a template; every test then gets a copy of
its own, made in milliseconds:

- SQLite: the template is a file; a test gets a copy of it in its ``tmp_path``.
- PostgreSQL: the template is a database; a test gets ``CREATE DATABASE ... TEMPLATE``, a copy of
  its files that PostgreSQL makes in a tenth of a second, dropped afterwards (``WITH (FORCE)``, so
  that a connection a killed process left behind does not keep it).

A copy, not a transaction rolled back at the end: the tests commit for real, read what others
committed, open several connections and processes (the numbering race, the scheduler pair, the
bank worker), glance in autocommit outside any transaction and hold the driver's own connections.
A rollback would hide exactly what they check; a fresh database changes nothing of it.

A test that uses ``demo_database`` or ``demo_database_url`` (``issuer`` does) gets its copy from a
second template that holds the demo data too (``load_demo_data`` once, not in every test).

PostgreSQL comes from ERECEIPT_TEST_POSTGRES_URL (default: postgres@127.0.0.1:5432/test), whose
role must be allowed to create databases. Under CI=true an unreachable PostgreSQL fails the tests
that need it; elsewhere they are skipped with a message saying what to start.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy
from database_urls import POSTGRES_URL, MigratedDatabase, postgres_available_or_skip
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from ereceipt.app.demo import load_demo_data
from ereceipt.app.wiring import development_issuers
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.receipts.content import VIETNAM
from ereceipt.core.signatures.pki import DevelopmentPKI, create_development_pki
from ereceipt.core.signatures.signing_identity import load_signing_identity
from ereceipt.core.signatures.verification import TrustStore
from ereceipt.core.signatures.xades import ReceiptSigner
from ereceipt.core.storage.database import Database, migrate

DEMO_FIXTURES = {"demo_database", "demo_database_url"}


@pytest.fixture(scope="session")
def dev_pki(tmp_path_factory: pytest.TempPathFactory) -> DevelopmentPKI:
    """The development PKI as ``ereceipt keys init`` makes it: a signing key per demo agency too."""
    return create_development_pki(tmp_path_factory.mktemp("keys"), issuers=development_issuers())


@pytest.fixture(scope="session")
def signer(dev_pki: DevelopmentPKI) -> ReceiptSigner:
    identity = load_signing_identity(
        dev_pki.issuer_signing_key, dev_pki.issuer_signing_cert, dev_pki.ca_cert, None
    )
    return ReceiptSigner(identity)


@pytest.fixture(scope="session")
def trust(dev_pki: DevelopmentPKI) -> TrustStore:
    return TrustStore.from_pem_file(dev_pki.ca_cert)


class Templates:
    """Migrated databases of one backend for tests to copy, each built on first use: one without data,
    and one with the demo data per year (``load_demo_data`` names the receipt series after the year,
    so a session that runs over New Year's midnight gets the new year's)."""

    def __init__(self, new: Callable[[str | None], str], url: Callable[[str], str]) -> None:
        self._new = new  # new(None): a new empty database; new(name): a copy of that template
        self._url = url  # url(name): the URL of a template
        self.built: dict[int | None, str] = {}
        self.created: list[str] = []  # built or half-built: what to remove at the end

    def of(self, demo: bool) -> str:
        key = datetime.now(VIETNAM).year if demo else None
        if key not in self.built:
            name = self._new(self.of(demo=False) if demo else None)
            self.created.append(name)
            database = Database.from_url(self._url(name))
            try:
                if demo:
                    load_demo_data(database)
                else:
                    migrate(database)
            finally:
                database.dispose()
            self.built[key] = name
        return self.built[key]


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    """Template files, copied whole by each test: a closed WAL database is its one file."""
    directory = tmp_path_factory.mktemp("sqlite-templates")

    def new(copy_of: str | None) -> str:
        path = directory / f"{uuid.uuid4().hex[:12]}.sqlite3"
        if copy_of:
            copy_sqlite(copy_of, path)
        return str(path)

    return Templates(new, lambda path: f"sqlite:///{path}")


def copy_sqlite(template: str, path: Path) -> str:
    assert not Path(template + "-wal").exists(), f"{template}: its WAL was not checkpointed at close"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """Statements outside transactions on ERECEIPT_TEST_POSTGRES_URL, for CREATE and DROP DATABASE."""
    postgres_available_or_skip()
    engine = sqlalchemy.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def _create_database(admin: Engine, template: str | None = None) -> str:
    name = f"ereceipt_test_{uuid.uuid4().hex[:12]}"
    clause = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    return name


def _drop_database(admin: Engine, name: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _postgres_url(database: str) -> str:
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_templates(postgres_admin: Engine) -> Iterator[Templates]:
    """Template databases, dropped at the end of the session. Nobody stays connected to them: CREATE
    DATABASE refuses a template that has sessions."""
    templates = Templates(lambda copy_of: _create_database(postgres_admin, copy_of), _postgres_url)
    try:
        yield templates
    finally:
        for name in templates.created:
            _drop_database(postgres_admin, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MigratedDatabase]:
    """The URL of a migrated database of the test's own (with the demo data when the test uses
    ``demo_database`` or ``demo_database_url``); on PostgreSQL a database of its own."""
    demo = bool(DEMO_FIXTURES.intersection(request.fixturenames))
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_templates").of(demo)
        yield MigratedDatabase(copy_sqlite(template, tmp_path / "ereceipt.sqlite3"), "sqlite")
        return
    postgres_available_or_skip()
    templates = request.getfixturevalue("postgres_templates")
    admin: Engine = request.getfixturevalue("postgres_admin")
    name = _create_database(admin, template=templates.of(demo))
    try:
        yield MigratedDatabase(_postgres_url(name), "postgresql")
    finally:
        _drop_database(admin, name)


@pytest.fixture
def demo_database_url(database_url: MigratedDatabase) -> MigratedDatabase:
    """``database_url`` with the demo data loaded (it was copied from the template that holds them)."""
    return database_url


@pytest.fixture
def database(database_url: MigratedDatabase) -> Iterator[Database]:
    database = Database.from_url(database_url.url)
    yield database
    database.dispose()


@pytest.fixture
def demo_database(database: Database, demo_database_url: MigratedDatabase) -> Database:
    """``database`` with the demo data (``load_demo_data``) in it."""
    return database


@pytest.fixture
def issuer(demo_database: Database, signer: ReceiptSigner) -> ReceiptIssuer:
    return ReceiptIssuer(demo_database, signer)
