"""Full C2SP tlog-tiles tiles and entry bundles kept in memory: once full, a tile never changes.

A full tile (256 hashes, or 256 entries) is fixed the moment the tree grows past it, so a copy
read once from the database answers every later request for it byte for byte. Partial tiles, at
the tree's right edge, change as the log grows: they are never kept. The cache is bounded by the
bytes it holds; the tiles used least recently are dropped first (LRU).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from ereceipt.core.transparency.tiles import Tile


class TileCache:
    """Full tiles by coordinates, at most ``max_bytes`` of them (0: none kept); shared by threads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._tiles: OrderedDict[Tile, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._tiles)

    def get(self, tile: Tile) -> bytes | None:
        with self._lock:
            body = self._tiles.get(tile)
            if body is not None:
                self._tiles.move_to_end(tile)
            return body

    def put(self, tile: Tile, body: bytes) -> None:
        """Keeps a full tile's bytes; a partial tile, or one larger than the whole bound, is not kept."""
        if not tile.full or len(body) > self.max_bytes:
            return
        with self._lock:
            if tile in self._tiles:
                return
            self._tiles[tile] = body
            self.bytes += len(body)
            while self.bytes > self.max_bytes:
                _, dropped = self._tiles.popitem(last=False)
                self.bytes -= len(dropped)
