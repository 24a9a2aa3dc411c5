"""The error file: where a command keeps the full traceback of an error nobody foresaw.

A command shows one line on standard error; the traceback, the command line, the time and the
process id are appended to ``[logging] error_file`` (``var/log/errors.log`` by default) so that a
fault can still be reported in full. When that file cannot be written, the system's temporary
directory is tried before giving up.
"""

from __future__ import annotations

import os
import tempfile
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from ereceipt import __version__
from ereceipt.settings import LoggingSettings


def record(error: BaseException, argv: Sequence[str], error_file: Path | None = None) -> Path | None:
    """Append ``error``'s traceback to ``error_file`` (the default when the settings were not read);
    return the file written, or None when no file could be."""
    chosen = error_file or Path.cwd() / LoggingSettings().error_file
    entry = "".join(
        [
            f"{datetime.now(UTC).isoformat(timespec='seconds')} ereceipt {__version__} pid {os.getpid()}: "
            f"ereceipt {' '.join(argv)}\n",
            *traceback.format_exception(error),
            "\n",
        ]
    )
    for path in (chosen, Path(tempfile.gettempdir()) / "ereceipt-errors.log"):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as file:
                file.write(entry)
            return path
        except OSError:
            continue
    return None


def one_line(error: BaseException, written: Path | None) -> str:
    """What standard error shows of an unexpected error: its kind, its first line, where the rest is."""
    named = isinstance(error, OSError) and error.filename
    text = f"{error.strerror}: {error.filename}" if named else str(error)
    first = next(iter(text.strip().splitlines()), "")
    first = first if len(first) <= 200 else first[:200] + "…"
    what = f"{type(error).__name__}: {first}" if first else type(error).__name__
    where = (
        f"the full traceback is in {written}" if written else "its traceback could not be written to any file"
    )
    return f"ereceipt: unexpected error ({what}); {where}"
