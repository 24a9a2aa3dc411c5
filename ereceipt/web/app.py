"""The WSGI application (PEP 3333, Flask): health checks, public lookup, admin and SOAP in one app."""

from __future__ import annotations

import ipaddress
import logging

from flask import Flask, Response, jsonify, render_template
from werkzeug.exceptions import HTTPException

from ereceipt import metrics
from ereceipt.core.errors import EReceiptError, TransientOutage
from ereceipt.web.metrics_access import METRICS_REFUSED, metrics_allowed
from ereceipt.web.parts import IPNetwork, WebParts
from ereceipt.web.security_headers import add_security_headers
from ereceipt.web.transparency_log import CachedTiles

log = logging.getLogger("ereceipt.web")


class ForwardedClient:
    """WSGI middleware: the client's address from ``X-Forwarded-For``, believed only from a listed proxy.

    A request whose peer is not in ``proxies`` keeps its peer address, whatever it sends. From a
    listed proxy, the list is read from the right (each proxy appends the address it saw) and the
    first address that is not itself a listed proxy is the client; a malformed entry stops the walk
    at the last address known good. The proxy's own address stays in ``ereceipt.proxy``.
    Werkzeug's ProxyFix trusts a number of hops from any peer, so it would believe a client talking
    to the server directly; this checks who is talking.
    """

    def __init__(self, app, proxies: tuple[IPNetwork, ...]) -> None:
        self.app = app
        self.proxies = proxies

    def _listed(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.proxies)

    def __call__(self, environ, start_response):
        peer = environ.get("REMOTE_ADDR", "")
        if self.proxies and self._listed(peer):
            client = peer
            for hop in reversed(environ.get("HTTP_X_FORWARDED_FOR", "").split(",")):
                hop = hop.strip()
                try:
                    ipaddress.ip_address(hop)
                except ValueError:
                    break
                client = hop
                if not self._listed(hop):
                    break
            environ["ereceipt.proxy"] = peer
            environ["REMOTE_ADDR"] = client
        return self.app(environ, start_response)


def create_app(web: WebParts) -> Flask:
    """The pages (public lookup, admin, health) over ``web``; the wiring adds the SOAP routes."""
    app = Flask(__name__)
    app.wsgi_app = ForwardedClient(app.wsgi_app, web.settings.trusted_proxies)
    app.wsgi_app = CachedTiles(app.wsgi_app, web.tile_cache)  # full log tiles served from memory
    app.config["MAX_CONTENT_LENGTH"] = web.settings.max_body_bytes
    app.extensions["ereceipt"] = web
    add_security_headers(app)

    from ereceipt.web.public import blueprint as public

    app.register_blueprint(public)

    from ereceipt.web.transparency_log import blueprint as transparency_log

    app.register_blueprint(transparency_log)

    from ereceipt.web.time_stamping import blueprint as time_stamping

    app.register_blueprint(time_stamping)

    from ereceipt.web.certificate_authority import blueprint as certificate_authority

    app.register_blueprint(certificate_authority)

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
