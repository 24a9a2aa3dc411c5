"""Shared fixtures: a development PKI, and migrated databases on SQLite and on PostgreSQL.

PostgreSQL comes from ERECEIPT_TEST_POSTGRES_URL (default: postgres@127.0.0.1:5432/test). Each
test gets a schema of its own, dropped afterwards. Under CI=true an unreachable PostgreSQL fails
the tests that need it; elsewhere they are skipped with a message saying what to start.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
from database_urls import POSTGRES_URL, MigratedDatabase, postgres_available_or_skip
from sqlalchemy import text

from ereceipt.app.demo import load_demo_data
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.signatures.pki import DevelopmentPKI, create_development_pki
from ereceipt.core.signatures.signing_identity import load_signing_identity
from ereceipt.core.signatures.verification import TrustStore
from ereceipt.core.signatures.xades import ReceiptSigner
from ereceipt.core.storage.database import Database, migrate


@pytest.fixture(scope="session")
def dev_pki(tmp_path_factory: pytest.TempPathFactory) -> DevelopmentPKI:
    return create_development_pki(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def signer(dev_pki: DevelopmentPKI) -> ReceiptSigner:
    identity = load_signing_identity(
        dev_pki.issuer_signing_key, dev_pki.issuer_signing_cert, dev_pki.ca_cert, None
    )
    return ReceiptSigner(identity)


@pytest.fixture(scope="session")
def trust(dev_pki: DevelopmentPKI) -> TrustStore:
    return TrustStore.from_pem_file(dev_pki.ca_cert)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MigratedDatabase]:
    """The URL of a freshly migrated database; PostgreSQL in a schema of its own."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ereceipt.sqlite3'}"
        database = Database.from_url(url)
        migrate(database)
        database.dispose()
        yield MigratedDatabase(url, "sqlite")
        return
    postgres_available_or_skip()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    database = Database.from_url(url)
    migrate(database)
    database.dispose()
    try:
        yield MigratedDatabase(url, "postgresql")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database(database_url: MigratedDatabase) -> Iterator[Database]:
    database = Database.from_url(database_url.url)
    yield database
    database.dispose()


@pytest.fixture
def demo_database(database: Database) -> Database:
    load_demo_data(database)
    return database


@pytest.fixture
def issuer(demo_database: Database, signer: ReceiptSigner) -> ReceiptIssuer:
    return ReceiptIssuer(demo_database, signer)
