"""What the ``ereceipt`` commands share: exit codes, the assembled services, reading a named file or date.

The commands live in one module per subject (``receipts``, ``operations``, ``processes``); the
command line itself, its parser and its one error path, is ``ereceipt.app.cli``.
"""

from __future__ import annotations

from pathlib import Path

from ereceipt.core.errors import BadInput
from ereceipt.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _services(settings: Settings):
    from ereceipt.app.wiring import Services, configure_logging

    configure_logging(settings)
    return Services(settings)


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from None


def _date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{text!r} is not a date (YYYY-MM-DD)") from None
