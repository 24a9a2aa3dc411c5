"""The WSGI application (PEP 3333, Flask): health checks, public lookup, admin and SOAP in one app."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template
from werkzeug.exceptions import HTTPException

from ereceipt import metrics
from ereceipt.core.errors import EReceiptError, TransientOutage
from ereceipt.web.metrics_access import METRICS_REFUSED, metrics_allowed
from ereceipt.web.parts import WebParts
from ereceipt.web.security_headers import add_security_headers

log = logging.getLogger("ereceipt.web")


def create_app(web: WebParts) -> Flask:
    """The pages (public lookup, admin, health) over ``web``; the wiring adds the SOAP routes."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = web.settings.max_body_bytes
    app.extensions["ereceipt"] = web
    add_security_headers(app)

    from ereceipt.web.public import blueprint as public

    app.register_blueprint(public)

    from ereceipt.web import admin

    secret = admin.session_secret(web.settings.session_secret_file)
    admin.configure(app, secret, web.settings.public_url)

    @app.get("/metrics")
    def prometheus_metrics():
        if not metrics_allowed(web.settings.metrics_allow):
            return Response(METRICS_REFUSED, status=403, content_type="text/plain; charset=utf-8")
        body, content_type = metrics.exposition()
        return Response(body, content_type=content_type)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        """Each check's status only: why one fails (host names, ports, user names, library messages)
        goes to the log, not to whoever asks."""
        checks = {}
        for name, probe in (("database", web.database.ping), ("keys", web.signer)):
            try:
                probe()
                checks[name] = "ok"
            except (EReceiptError, OSError) as exc:
                log.warning("readiness check %s failed: %s", name, exc)
                checks[name] = "failing"
        ready = all(value == "ok" for value in checks.values())
        # The web service does not need the broker: it is reported, and readiness does not depend on it.
        broker = web.broker_status()
        if broker != "ok":
            log.warning("readiness check broker failed: %s", broker)
        checks["broker"] = "ok" if broker == "ok" else "unreachable"
        return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_template("error.html", status=error.code, message=error.description), error.code

    @app.errorhandler(TransientOutage)
    def outage(error: TransientOutage):
        log.warning("service unavailable: %s", error)
        message = "Hệ thống tạm thời chưa sẵn sàng. Vui lòng thử lại sau ít phút."
        return render_template("error.html", status=503, message=message), 503

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error")
        return render_template(
            "error.html", status=500, message="Hệ thống đang gặp sự cố. Vui lòng thử lại sau."
        ), 500

    return app
