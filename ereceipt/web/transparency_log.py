"""The transparency log over HTTP, read-only and cacheable, as C2SP tlog-tiles lays it out.

``/log/checkpoint`` is the latest signed checkpoint (C2SP tlog-checkpoint); ``/log/tile/<L>/<N>``
and ``/log/tile/entries/<N>`` (``.p/<W>`` for partial ones) are hash tiles and entry bundles. A
full tile never changes, so it is cached for a year as immutable; the checkpoint and partial tiles
change as the log grows and are cached for a few seconds only. Full tiles are also kept in the
server's memory (``TileCache``), so a repeated one costs no database read. ``/log/vkey`` is the log's
verifier key (C2SP signed-note), the same text as the ``.vkey`` file published beside the keys.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort

from ereceipt.core.errors import NotFound
from ereceipt.core.transparency.store import LogStore
from ereceipt.core.transparency.tile_cache import TileCache
from ereceipt.core.transparency.tiles import TilePathError, parse_tile_path
from ereceipt.web.parts import parts
from ereceipt.web.security_headers import SECURITY_HEADERS

blueprint = Blueprint("transparency_log", __name__, url_prefix="/log")
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=5"


@blueprint.get("/checkpoint")
def checkpoint():
    with parts().database.glance() as session:
        latest = LogStore(session).latest_checkpoint()
    if latest is None:
        abort(404, "The transparency log has no checkpoint yet.")
    return Response(latest.note, content_type="text/plain; charset=utf-8", headers={"Cache-Control": SHORT})


@blueprint.get("/tile/<path:rest>")
def tile(rest: str):
    try:
        wanted = parse_tile_path(f"tile/{rest}")
    except TilePathError as exc:
        abort(404, str(exc))
    cache = parts().tile_cache
    body = cache.get(wanted) if wanted.full else None
    if body is None:
        try:
            with parts().database.read() as session:
                body = LogStore(session).tile(wanted)
        except NotFound as exc:
            abort(404, exc.message)
        cache.put(wanted, body)
    return Response(
        body,
        content_type="application/octet-stream",
        headers={"Cache-Control": IMMUTABLE if wanted.full else SHORT},
    )


@blueprint.get("/vkey")
def vkey():
    text = parts().log_vkey()
    if text is None:
        abort(404, "This server publishes no transparency log key.")
    return Response(text, content_type="text/plain; charset=utf-8", headers={"Cache-Control": SHORT})


class CachedTiles:
    """WSGI middleware: ``GET /log/tile/…`` for a full tile in ``cache`` is answered from it at once,
    with the headers the view gives it (the security headers included); everything else goes on to
    Flask. A tile needs none of Flask's request machinery (request context, session), which costs
    several times the tile's own work."""

    def __init__(self, app, cache: TileCache) -> None:
        self.app = app
        self.cache = cache

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") == "GET" and path.startswith("/log/tile/"):
            try:
                wanted = parse_tile_path(path[len("/log/") :])
            except TilePathError:
                wanted = None
            body = self.cache.get(wanted) if wanted is not None and wanted.full else None
            if body is not None:
                start_response(
                    "200 OK",
                    [
                        ("Content-Type", "application/octet-stream"),
                        ("Content-Length", str(len(body))),
                        ("Cache-Control", IMMUTABLE),
                        *SECURITY_HEADERS.items(),
                    ],
                )
                return [body]
        return self.app(environ, start_response)
