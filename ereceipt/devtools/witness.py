"""A minimal transparency-log witness (C2SP tlog-witness, Ed25519 cosignatures per C2SP tlog-cosignature).

For tests and ``make run``: one HTTP server answering ``POST /add-checkpoint`` for the logs whose
verifier keys it is given, keeping the checkpoint it cosigned last per log in a JSON file
(written whole and renamed, before it answers), and its Ed25519 key in a PEM file made on first
start, its verifier key published beside it as a ``.vkey`` file (key type 0x04).
A real witness is run by someone else (the treasury, the portal, an NGO); the log only needs its
URL and its ``.vkey``.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from werkzeug.serving import make_server
from werkzeug.wsgi import get_input_stream

from ereceipt.core.transparency.cosignature import Cosigner
from ereceipt.core.transparency.signed_note import Verifier
from ereceipt.core.transparency.witness import MAX_BODY, Witness

log = logging.getLogger(__name__)
DEVELOPMENT_WITNESS = "localhost/ereceipt/DEVELOPMENT-witness"
_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Entity",
}


def witness_vkey_path(key_path: Path) -> Path:
    """``witness.key.pem`` → ``witness.vkey``."""
    return key_path.with_name(key_path.name.removesuffix(".pem").removesuffix(".key") + ".vkey")


def witness_key(key_path: Path, name: str) -> Cosigner:
    """The witness's key, made (mode 0600) when missing; its ``.vkey`` (re)written beside it."""
    if not key_path.exists():
        key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        temporary = key_path.with_name(f".{key_path.name}.new")
        temporary.touch(mode=0o600)
        temporary.write_bytes(pem)
        temporary.replace(key_path)
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"witness key {key_path} is not an Ed25519 key")
    cosigner = Cosigner(name, key)
    witness_vkey_path(key_path).write_text(cosigner.verifier.vkey + "\n")
    return cosigner


class FileWitnessState:
    """The last cosigned size and root per log origin, in one JSON file replaced whole on each record."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._kept: dict[str, dict] = json.loads(path.read_text()) if path.exists() else {}

    def latest(self, origin: str) -> tuple[int, bytes] | None:
        kept = self._kept.get(origin)
        return (kept["size"], base64.b64decode(kept["root"])) if kept else None

    def record(self, origin: str, size: int, root: bytes) -> None:
        kept = {**self._kept, origin: {"size": size, "root": base64.b64encode(root).decode()}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.new")
        with open(temporary, "w") as file:
            json.dump(kept, file)
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(self.path)
        self._kept = kept


class WitnessServer:
    """``POST <prefix>/add-checkpoint`` over a :class:`Witness`; threaded, keep-alive as werkzeug gives."""

    def __init__(
        self,
        cosigner: Cosigner,
        logs: Mapping[str, Verifier],
        state_path: Path,
        host: str = "127.0.0.1",
        port: int = 8091,
    ) -> None:
        self.witness = Witness(cosigner, logs, FileWitnessState(state_path), clock=lambda: int(time.time()))
        self.host, self.port = host, port
        self._server = None

    def wsgi(self, environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        if path == "/healthz":
            return self._reply(start_response, 200, "text/plain", b"ok\n")
        if path != "/add-checkpoint":
            return self._reply(start_response, 404, "text/plain", b"not found\n")
        if method != "POST":
            return self._reply(start_response, 405, "text/plain", b"add-checkpoint takes a POST\n")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            return self._reply(start_response, 400, "text/plain", b"request too large\n")
        body = get_input_stream(environ, max_content_length=MAX_BODY).read(length)
        answer = self.witness.add_checkpoint(body)
        if answer.status != 200:
            log.info("add-checkpoint refused (%d): %s", answer.status, answer.body.decode().strip())
        return self._reply(start_response, answer.status, answer.content_type, answer.body)

    @staticmethod
    def _reply(start_response, status: int, content_type: str, body: bytes):
        start_response(
            f"{status} {_REASONS.get(status, '')}",
            [("Content-Type", content_type), ("Content-Length", str(len(body)))],
        )
        return [body]

    def start(self) -> WitnessServer:
        """Serves on a background thread (tests); ``port`` 0 takes a free one."""
        self._server = make_server(self.host, self.port, self.wsgi, threaded=True)
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def serve_forever(self) -> None:
        self._server = make_server(self.host, self.port, self.wsgi, threaded=True)
        self.port = self._server.server_port
        self._server.serve_forever()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
