"""The in-memory cache of full tlog-tiles tiles (full only, bounded in bytes, LRU) and its WSGI answer."""

from ereceipt.core.transparency.tile_cache import TileCache
from ereceipt.core.transparency.tiles import WIDTH, Tile
from ereceipt.web.security_headers import SECURITY_HEADERS
from ereceipt.web.transparency_log import IMMUTABLE, CachedTiles

TILE = bytes(32 * WIDTH)


def test_a_full_tile_is_kept_and_a_partial_one_never() -> None:
    cache = TileCache(1 << 20)
    cache.put(Tile(0, 1), TILE)
    cache.put(Tile(0, 2, 10), bytes(320))
    cache.put(Tile(-1, 3, 5), b"bundle")
    assert cache.get(Tile(0, 1)) == TILE
    assert cache.get(Tile(0, 2, 10)) is None and cache.get(Tile(-1, 3, 5)) is None
    assert (len(cache), cache.bytes) == (1, len(TILE))


def test_the_byte_bound_drops_the_least_recently_used_tiles_first() -> None:
    cache = TileCache(2 * len(TILE) + 100)
    cache.put(Tile(0, 0), TILE)
    cache.put(Tile(0, 1), TILE)
    assert cache.get(Tile(0, 0)) == TILE  # now the most recently used
    cache.put(Tile(1, 0), TILE)
    assert cache.get(Tile(0, 1)) is None
    assert cache.get(Tile(0, 0)) == TILE and cache.get(Tile(1, 0)) == TILE
    assert cache.bytes == 2 * len(TILE) <= cache.max_bytes


def test_a_tile_larger_than_the_bound_is_not_kept_and_a_second_copy_counts_once() -> None:
    cache = TileCache(len(TILE) - 1)
    cache.put(Tile(0, 0), TILE)
    assert (len(cache), cache.bytes) == (0, 0)
    cache = TileCache(len(TILE))
    cache.put(Tile(-1, 0), TILE)
    cache.put(Tile(-1, 0), TILE)
    assert (len(cache), cache.bytes) == (1, len(TILE))


def test_a_cached_full_tile_is_answered_before_the_application_and_anything_else_passes_on() -> None:
    cache = TileCache(1 << 20)
    cache.put(Tile(0, 1234), TILE)
    passed: list[str] = []

    def application(environ, start_response):
        passed.append(environ["PATH_INFO"])
        start_response("404 NOT FOUND", [])
        return [b""]

    served = CachedTiles(application, cache)
    answers: list[tuple[str, list]] = []

    def get(path: str, method: str = "GET") -> bytes:
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path}
        return b"".join(served(environ, lambda status, headers: answers.append((status, headers))))

    assert get("/log/tile/0/x001/234") == TILE
    status, headers = answers[-1]
    assert status == "200 OK" and passed == []
    assert dict(headers) == {
        "Content-Type": "application/octet-stream",
        "Content-Length": str(len(TILE)),
        "Cache-Control": IMMUTABLE,
        **SECURITY_HEADERS,
    }
    others = ["/log/tile/0/x001/235", "/log/tile/0/x001/234.p/9", "/log/tile/0/x01/234", "/log/checkpoint"]
    for path in others:
        get(path)
    get("/log/tile/0/x001/234", "HEAD")
    assert passed == [*others, "/log/tile/0/x001/234"]
