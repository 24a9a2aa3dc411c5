"""The production HTTP server: gunicorn (a pre-forking WSGI server) running the application of ``web.app``."""

from __future__ import annotations

import os
import shutil

from gunicorn.app.base import BaseApplication

from ereceipt.config import Settings


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Runs in each worker after the fork: every worker opens its own database pool.
        from ereceipt.bootstrap import Services
        from ereceipt.web.app import create_app

        return create_app(Services(self.settings))


def _worker_exit(server, worker) -> None:
    from prometheus_client import multiprocess  # imported only once PROMETHEUS_MULTIPROC_DIR is set

    multiprocess.mark_process_dead(worker.pid)


def _prepare_metrics_directory(settings: Settings) -> None:
    """Workers share their Prometheus figures through files in one directory, emptied at each start."""
    directory = settings.server.metrics_directory
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def serve(
    settings: Settings, *, host: str | None = None, port: int | None = None, workers: int | None = None
) -> None:
    _prepare_metrics_directory(settings)
    server = settings.server
    options = {
        "bind": f"{host or server.host}:{port or server.port}",
        "workers": workers or server.workers,
        "worker_class": "gthread",
        "threads": server.threads,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": settings.logging.level.lower(),
        "graceful_timeout": 20,
        "limit_request_line": 8190,
        "child_exit": _worker_exit,
    }
    _Gunicorn(settings, options).run()
