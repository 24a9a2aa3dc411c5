"""Wiring: the composition root, the only place that turns settings into the parts of a process.

Nothing here runs at import time; each entry point (CLI command, server, worker) calls the
function it needs once per process. ``Services`` is assembled from one part per room of the house."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

from ereceipt.app.wiring.intake import IntakeParts
from ereceipt.app.wiring.keys import development_issuers, ensure_keys
from ereceipt.app.wiring.serving import ServingParts
from ereceipt.app.wiring.signing import SigningParts
from ereceipt.app.wiring.transparency import TransparencyParts
from ereceipt.core.storage.database import Database
from ereceipt.settings import Settings

__all__ = ["Services", "configure_logging", "development_issuers", "ensure_keys", "open_database"]


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.logging.level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def open_database(settings: Settings) -> Database:
    return Database.from_url(
        settings.database.url, echo=settings.database.echo, pool_size=settings.database.pool_size
    )


@dataclass
class Services(SigningParts, TransparencyParts, IntakeParts, ServingParts):
    """The composition root of one process: builds each part from the settings on first use and
    keeps it for the life of the process. Only entry points (``app/``) and tests hold it; the parts
    it builds get their own narrow arguments, never this object."""

    settings: Settings

    @cached_property
    def database(self) -> Database:
        return open_database(self.settings)
