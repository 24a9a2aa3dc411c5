"""The SOAP routes mounted on the web application: ``POST /soap`` and the contract at ``GET /soap``.

The WSDL 1.1 contract and its XSDs are served at ``/soap?wsdl`` and ``/soap?xsd=NAME``; requests
go to the SOAP endpoint without Flask's request machinery (see ``SoapPosts``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus

from flask import Flask, Response, render_template, request

from ereceipt.soap.endpoint import SoapEndpoint

log = logging.getLogger("ereceipt.web")


class SoapPosts:
    """WSGI middleware: ``POST /soap`` goes straight to the SOAP endpoint, everything else to Flask.

    A SOAP request needs none of Flask's request machinery (routing, request context, sessions,
    templates), which costs Python time on every request; at the portal's rates that
    is worth skipping. The endpoint answers every request itself, faults included; should it fail
    unexpectedly, the client still gets a SOAP fault, never an HTML page.
    """

    def __init__(self, flask_app, endpoint: Callable[[], SoapEndpoint]) -> None:
        self.flask_app = flask_app
        self.endpoint = endpoint

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/soap" or environ.get("REQUEST_METHOD") != "POST":
            return self.flask_app(environ, start_response)
        length = environ.get("CONTENT_LENGTH")
        length = int(length) if length and length.isdigit() else None
        stream = environ["wsgi.input"]

        def read_body(limit: int) -> bytes:
            return stream.read(limit if length is None else min(length, limit))

        try:  # building the endpoint too: a broken [soap] or [access] fails here, request by request
            answer = self.endpoint().handle(environ.get("CONTENT_TYPE"), length, read_body)
        except Exception:
            log.exception("the SOAP endpoint failed")
            answer = SoapEndpoint.internal_error(environ.get("CONTENT_TYPE"))
        start_response(
            f"{answer.status} {HTTPStatus(answer.status).phrase}",
            [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body)))],
        )
        return [answer.body]


def mount_soap(app: Flask, endpoint: Callable[[], SoapEndpoint]) -> Flask:
    """``app`` with the SOAP endpoint at ``/soap``: POST for requests, GET for the contract.

    ``endpoint`` gives the process's endpoint, built on the first request that needs it."""

    @app.get("/soap")
    def soap_contract():
        name = "wsdl" if "wsdl" in request.args else request.args.get("xsd", "")
        answer = endpoint().contract(name)
        if answer is None:
            return render_template("error.html", status=404, message="Không có tài liệu này."), 404
        return Response(answer.body, status=answer.status, content_type=answer.content_type)

    app.wsgi_app = SoapPosts(app.wsgi_app, endpoint)  # POST /soap: see SoapPosts
    return app
