"""The production HTTP server: granian (HTTP/1.1 in Rust, pre-forked workers) running ``web.app`` (PEP 3333).

The main process binds the socket and forks ``[server] workers`` worker processes; each builds its
own application (its own database pool) and runs it in ``[server] threads`` threads, while
granian's Rust runtime reads and writes the HTTP. A worker that dies is started again; SIGTERM or
SIGINT stops the workers gracefully (requests in hand are answered, up to 20 s), SIGHUP restarts
them one by one; with ``[server] access_log`` each request is a line on standard output. granian
parses HTTP and streams request bodies itself, so a SOAP request costs the Python side little more
than the application.

Stopping is the main process's business alone. A granian worker that receives SIGINT and SIGTERM a
moment apart never stops (seen with granian 2.8: its shutdown wake-up is lost), until the main
process kills it after the 20 s. A Ctrl-C causes exactly that: the terminal sends SIGINT to every
process of the group, and the main process then sends SIGTERM to each worker. So a worker blocks
SIGINT for its whole life and leaves SIGTERM, from its parent, as its one way to stop;
while it loads the application (before granian's own handler is in place) SIGTERM ends it at once.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
from collections.abc import Callable
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

    # Before granian's threads start, so that they inherit the mask (see the module's note). The
    # handler inherited from the main process would only set a flag in this process's copy of it.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

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


def _chain_stop(on_stop: Callable[[], None]) -> Callable[[], None]:
    """A granian start-up hook: on SIGINT or SIGTERM call ``on_stop`` (which must return at once:
    it tells the other children to stop, so that they stop while the workers do), then granian."""

    def install() -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            granian_handler = signal.getsignal(signum)

            def handler(number, frame, granian_handler=granian_handler) -> None:
                on_stop()
                granian_handler(number, frame)

            signal.signal(signum, handler)

    return install


def serve(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
    on_stop: Callable[[], None] | None = None,
    on_reload: Callable[[], None] | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM; ``on_stop`` runs first thing on either, ``on_reload`` on SIGHUP."""
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
    if on_stop is not None:
        granian.on_startup(_chain_stop(on_stop))
    if on_reload is not None:
        granian.on_reload(on_reload)
    logging.getLogger("ereceipt.web").info(
        "serving with %d workers x %d threads", granian.workers, server.threads
    )
    granian.serve(target_loader=partial(_application, settings), wrap_loader=False)
