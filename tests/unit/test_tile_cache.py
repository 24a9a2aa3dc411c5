"""The in-memory cache of full tlog-tiles tiles: full ones only, bounded in bytes, least recently used out."""

from ereceipt.core.transparency.tile_cache import TileCache
from ereceipt.core.transparency.tiles import WIDTH, Tile

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
