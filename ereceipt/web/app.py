"""The WSGI application (PEP 3333, Flask): health checks, public lookup, admin and SOAP in one app."""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ereceipt import metrics
from ereceipt.app.wiring import Services
from ereceipt.core.errors import EReceiptError, TransientOutage

log = logging.getLogger("ereceipt.web")


class SoapPosts:
    """WSGI middleware: ``POST /soap`` goes straight to the SOAP endpoint, everything else to Flask.

    A SOAP request needs none of Flask's request machinery (routing, request context, sessions,
    templates), which costs Python time on every request; at the portal's rates that
    is worth skipping. The endpoint answers every request itself, faults included; should it fail
    unexpectedly, the client still gets a SOAP fault, never an HTML page.
    """

    def __init__(self, flask_app, services: Services) -> None:
        self.flask_app = flask_app
        self.services = services

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/soap" or environ.get("REQUEST_METHOD") != "POST":
            return self.flask_app(environ, start_response)
        length = environ.get("CONTENT_LENGTH")
        length = int(length) if length and length.isdigit() else None
        stream = environ["wsgi.input"]

        def read_body(limit: int) -> bytes:
            return stream.read(limit if length is None else min(length, limit))

        try:  # building the endpoint too: a broken [soap] or [access] fails here, request by request
            answer = self.services.soap_endpoint.handle(environ.get("CONTENT_TYPE"), length, read_body)
        except Exception:
            log.exception("the SOAP endpoint failed")
            from ereceipt.soap.endpoint import SoapEndpoint

            answer = SoapEndpoint.internal_error(environ.get("CONTENT_TYPE"))
        start_response(
            f"{answer.status} {HTTPStatus(answer.status).phrase}",
            [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body)))],
        )
        return [answer.body]


def create_app(services: Services) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = services.settings.server.max_body_bytes
    app.extensions["ereceipt"] = services

    from ereceipt.web.public import blueprint as public

    app.register_blueprint(public)

    from ereceipt.web import admin

    secret = admin.session_secret(services.settings.server.session_secret_file)
    admin.configure(app, secret, services.settings.server.public_url)

    @app.get("/soap")
    def soap_contract():
        name = "wsdl" if "wsdl" in request.args else request.args.get("xsd", "")
        answer = services.soap_endpoint.contract(name)
        if answer is None:
            return render_template("error.html", status=404, message="Không có tài liệu này."), 404
        return Response(answer.body, status=answer.status, content_type=answer.content_type)

    app.wsgi_app = SoapPosts(app.wsgi_app, services)  # POST /soap: see SoapPosts

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
