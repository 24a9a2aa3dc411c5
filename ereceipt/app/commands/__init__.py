"""What the ``ereceipt`` commands share: exit codes, the assembled services, reading and writing named files.

The commands live in one module per subject (``receipts``, ``operations``, ``processes``); the
command line itself, its parser and its one error path, is ``ereceipt.app.cli``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ereceipt.core.errors import BadInput, TransientOutage
from ereceipt.settings import Settings

# The exit codes of every command, documented in docs/operating.md ("Exit codes").
EXIT_OK = 0
EXIT_FAILED = 1  # refused or failed: bad input, not found, a conflict, an invalid signature, discrepancies
EXIT_USAGE = 2  # the command line is wrong (argparse), or `verify` cannot read the file
EXIT_CONFIGURATION = 3  # a wrong setting, or a database that is not initialised
EXIT_UNAVAILABLE = 4  # the database, RabbitMQ or a peer does not answer: the same command may work later
EXIT_UNEXPECTED = 70  # a fault of the program (EX_SOFTWARE); its traceback is in [logging] error_file
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)


def _services(settings: Settings, *, schema: bool = True, outage_ok: bool = False):
    """The process's services; with ``schema``, refuse a database that is not at the newest migration
    (every command that reads or writes stored data), so that it says to run ``ereceipt init``.

    With ``outage_ok`` (the long-running processes: server, bank worker, scheduler) a database that
    does not answer yet is a warning, not a refusal: they start, report not ready, and ride the
    outage as they would one that began later.
    """
    from ereceipt.app.wiring import Services, configure_logging

    configure_logging(settings)
    services = Services(settings)
    if schema:
        from ereceipt.core.storage.schema_state import require_current_schema

        try:
            require_current_schema(services.database)
        except TransientOutage as exc:
            if not outage_ok:
                raise
            logging.getLogger("ereceipt").warning("%s; starting anyway, not ready until it answers", exc)
    return services


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from None


def _write(path: str, data: bytes | str) -> None:
    """Write a file named on the command line; a directory that is missing or not writable is bad input."""
    try:
        if isinstance(data, str):
            Path(path).write_text(data, encoding="utf-8")
        else:
            Path(path).write_bytes(data)
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {exc.strerror}") from None


def _date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{text!r} is not a date (YYYY-MM-DD)") from None
