"""The production HTTP server: granian (HTTP/1.1 in Rust, pre-forked workers) running ``web.app`` (PEP 3333).

The main process binds the socket and forks ``[server] workers`` worker processes; each builds its
own application (its own database pool) and runs it in ``[server] threads`` threads, while
granian's Rust runtime reads and writes the HTTP. A worker that dies is started again; SIGTERM or
SIGINT stops the workers gracefully (requests in hand are answered, up to 20 s), SIGHUP restarts
them one by one; with ``[server] access_log`` each request is a line on standard output. granian
parses HTTP and streams request bodies itself, so a SOAP request costs the Python side little more
than the application.
"""

from __future__ import annotations

import logging
import os
import shutil
from functools import partial
from typing import TYPE_CHECKING

from ereceipt.core.errors import EReceiptError
from ereceipt.settings import Settings

if TYPE_CHECKING:
    from ereceipt.app.wiring import Services

GRACEFUL_SECONDS = 20


def _application(settings: Settings):
    """Runs in each worker after the fork: every worker opens its own database pool, and builds its
    SOAP endpoint before it takes a request (see ``warm_up``)."""
    from ereceipt.app.wiring import Services

    services = Services(settings)
    application = services.web_application()
    warm_up(services)
    services.log_chainer().start()
    return application


def warm_up(services: Services) -> None:
    """Build the SOAP endpoint (slow: nearly all of it is importing its modules) and have it load
    what its first request needs, so that the first requests after a start do not queue behind that
    work. A broken ``[soap]`` or
    ``[access]`` does not stop the worker: the admin and public pages still serve, and every SOAP
    request answers with a fault, as it would without this."""
    try:
        services.soap_endpoint().warm_up()
    except (EReceiptError, OSError, ValueError, TypeError) as exc:
        logging.getLogger("ereceipt.web").warning("the SOAP endpoint could not be prepared: %s", exc)


def _prepare_metrics_directory(settings: Settings) -> None:
    """Workers share their Prometheus figures through files in one directory, emptied at each start.

    The figures are counters and histograms: a worker that ends leaves its files, and its requests
    still count (prometheus_client's ``mark_process_dead`` concerns only live gauges, of which we
    have none)."""
    directory = settings.server.metrics_directory
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def serve(
    settings: Settings, *, host: str | None = None, port: int | None = None, workers: int | None = None
) -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    _prepare_metrics_directory(settings)
    server = settings.server
    level = settings.logging.level.lower()
    granian = Granian(
        "ereceipt.app.server:_application",  # names the processes; the workers load _application
        address=host or server.host,
        port=port or server.port,
        interface=Interfaces.WSGI,
        workers=workers or server.workers,
        blocking_threads=server.threads,
        log_level=LogLevels(level) if level in LogLevels.__members__ else LogLevels.info,
        log_access=server.access_log,
        respawn_failed_workers=True,
        workers_kill_timeout=GRACEFUL_SECONDS,
    )
    logging.getLogger("ereceipt.web").info(
        "serving with %d workers x %d threads", granian.workers, server.threads
    )
    granian.serve(target_loader=partial(_application, settings), wrap_loader=False)
