"""Bench sites with their transparency log filled: synthetic identity digests for synthetic receipt
copies (the log needs one per receipt), then the site's own `transparency_log` job run until the
log holds every receipt."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy
from sqlalchemy import text

from ereceipt.app.jobs import transparency_log
from ereceipt.app.wiring import Services
from ereceipt.config import load_settings

IDENTITIES = (
    "UPDATE receipt SET identity_digest = encode(sha256(convert_to(lookup_code, 'UTF8')), 'hex') "
    "WHERE identity_digest IS NULL"
)


def fill_log(admin: sqlalchemy.Engine, schema: str, home: Path) -> int:
    """Integrates every receipt of the site in ``home`` (database schema ``schema``); the log's size."""
    with admin.connect() as connection:
        connection.execute(text(f'SET search_path = "{schema}"'))
        connection.execute(text(IDENTITIES))
    services = Services(load_settings(home / "config.ini", environ={}))
    size = -1
    while True:
        new = int(transparency_log(services).split("-> ")[1].split()[0])
        if new == size:
            return size
        size = new
