"""Tile coordinates and paths of C2SP tlog-tiles: hash tiles of height 8 and entry bundles of 256 entries.

The tile at level ``L`` and index ``N`` holds the hashes of the tree's nodes at height ``8·L``,
indexes ``256·N`` to ``256·N + W - 1``, 32 bytes each; a full tile has ``W = 256``, a partial one
(the right edge of the tree) fewer, and its path ends in ``.p/<W>``. ``N`` is written in groups of
three digits, all but the last prefixed with ``x``: ``tile/0/x001/x234/067``.
"""

import re
from dataclasses import dataclass

HEIGHT = 8
WIDTH = 1 << HEIGHT
MAX_LEVEL = 63


class TilePathError(ValueError):
    """A path that is not a tlog-tiles tile or entry bundle path."""


@dataclass(frozen=True)
class Tile:
    level: int  # -1 for an entry bundle
    index: int
    width: int = WIDTH

    @property
    def full(self) -> bool:
        return self.width == WIDTH

    @property
    def is_entries(self) -> bool:
        return self.level < 0

    def path(self) -> str:
        digits = f"{self.index:d}"
        digits = "0" * (-len(digits) % 3) + digits
        groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
        index = "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])
        level = "entries" if self.is_entries else str(self.level)
        return f"tile/{level}/{index}" + ("" if self.full else f".p/{self.width}")


_PATH = re.compile(r"^tile/(entries|0|[1-9][0-9]?)/((?:x[0-9]{3}/)*)([0-9]{3})(?:\.p/([1-9][0-9]{0,2}))?$")


def parse_tile_path(path: str) -> Tile:
    match = _PATH.match(path)
    if not match:
        raise TilePathError(f"{path!r} is not a tile path")
    level_text, prefix, last, width_text = match.groups()
    level = -1 if level_text == "entries" else int(level_text)
    groups = [g[1:] for g in prefix.split("/") if g] + [last]
    width = int(width_text) if width_text else WIDTH
    if level > MAX_LEVEL or width > WIDTH or (width_text and width == WIDTH):
        raise TilePathError(f"{path!r} has a level or width out of range")
    if len(groups) > 1 and groups[0] == "000":
        raise TilePathError(f"{path!r} writes its index with leading zeros")
    return Tile(level, int("".join(groups)), width)


def tile_width(level: int, index: int, size: int) -> int:
    """How many hashes tile ``(level, index)`` holds in a tree of ``size`` leaves (0: none yet).

    Level -1 (entry bundles) counts entries, as level 0 does."""
    nodes = size >> (HEIGHT * max(level, 0))
    return max(0, min(WIDTH, nodes - index * WIDTH))
