"""The WSGI application (Flask): health checks and the public lookup page, one app for every endpoint."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ereceipt.bootstrap import Services
from ereceipt.core.errors import EReceiptError, TransientOutage
from ereceipt.soap import metrics
from ereceipt.soap.faults import SoapFault

log = logging.getLogger("ereceipt.web")


def _read_soap_body(limit: int) -> bytes:
    """At most ``limit`` bytes of the request body; werkzeug's own size refusal becomes a SOAP fault."""
    try:
        return request.stream.read(limit)
    except RequestEntityTooLarge:
        raise SoapFault("RequestTooLarge", "the request is over the size limit") from None


def create_app(services: Services) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = services.settings.server.max_body_bytes
    app.extensions["ereceipt"] = services

    from ereceipt.web.public import blueprint as public

    app.register_blueprint(public)

    from ereceipt.web import admin

    secret = admin.session_secret(services.settings.server.session_secret_file)
    admin.configure(app, secret, services.settings.server.public_url)

    @app.route("/soap", methods=["GET", "POST"])
    def soap():
        endpoint = services.soap_endpoint
        if request.method == "GET":
            name = "wsdl" if "wsdl" in request.args else request.args.get("xsd", "")
            answer = endpoint.contract(name)
            if answer is None:
                return render_template("error.html", status=404, message="Không có tài liệu này."), 404
        else:
            answer = endpoint.handle(request.content_type, request.content_length, _read_soap_body)
        return Response(answer.body, status=answer.status, content_type=answer.content_type)

    @app.get("/metrics")
    def prometheus_metrics():
        body, content_type = metrics.exposition()
        return Response(body, content_type=content_type)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        checks = {}
        for name, probe in (("database", services.database.ping), ("keys", lambda: services.signer)):
            try:
                probe()
                checks[name] = "ok"
            except (EReceiptError, OSError) as exc:
                checks[name] = str(exc)
        ready = all(value == "ok" for value in checks.values())
        from ereceipt.queue.topology import broker_status

        # The web service does not need the broker: it is reported, and readiness does not depend on it.
        checks["broker"] = broker_status(services.settings.queue)
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
