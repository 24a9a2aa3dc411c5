"""Real servers standing in for the notice peers: an SMTP server (aiosmtpd), an SMS gateway (http.server)."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from server_process import free_port

REFUSED = "refused"  # recipients whose local part starts with this get 550
BUSY = "busy"  # ... and these 451


@dataclass
class Mailbox:
    """What the SMTP server received: (envelope sender, recipients, message bytes), and log-ins."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith(REFUSED):
            self.refused.append(address)
            return "550 5.1.1 mailbox unavailable: no such user"
        if address.startswith(BUSY):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 queued"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login, auth_data.password))
            return AuthResult(success=auth_data.password == b"s3cret", handled=False)
        return AuthResult(success=False, handled=False)


@contextmanager
def smtp_server(
    port: int | None = None, *, tls: str | None = None, certificate: tuple[Path, Path] | None = None
) -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on 127.0.0.1 that accepts AUTH PLAIN/LOGIN (password ``s3cret``).

    ``tls``: None (plain, log-in allowed without TLS), ``"starttls"`` (STARTTLS required before
    anything else, log-in only after it) or ``"tls"`` (implicit TLS); ``certificate`` is (cert, key).
    """
    mailbox, port = Mailbox(), port or free_port()
    options: dict = {"auth_require_tls": tls is not None}
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*certificate)
        options.update({"tls_context": context, "require_starttls": True} if tls == "starttls" else {})
        if tls == "tls":
            # aiosmtpd counts only STARTTLS as TLS for AUTH; over implicit TLS the link is encrypted anyway.
            options.update(ssl_context=context, auth_require_tls=False)
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, authenticator=mailbox.authenticate, **options
    )
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@dataclass
class GatewayLog:
    requests: list[dict] = field(default_factory=list)
    answers: list[tuple[int, dict]] = field(default_factory=list)  # given in order, then 200


@contextmanager
def sms_gateway() -> Iterator[tuple[GatewayLog, str]]:
    """A real HTTP server on 127.0.0.1 standing in for the SMS gateway; yields its log and URL."""
    log = GatewayLog()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            log.requests.append(
                {"path": self.path, "headers": dict(self.headers), "json": json.loads(body.decode("utf-8"))}
            )
            status, answer = log.answers.pop(0) if log.answers else (200, {"status": "accepted"})
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="sms-gateway", daemon=True)
    thread.start()
    try:
        yield log, f"http://127.0.0.1:{server.server_address[1]}/api/sms"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
