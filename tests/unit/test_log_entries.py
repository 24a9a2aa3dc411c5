"""Canonical log entries, entry bundles and tile paths (C2SP tlog-tiles)."""

from datetime import UTC, datetime

import pytest

from ereceipt.core.transparency.entries import (
    EntryError,
    LogEntry,
    ReceiptNumber,
    decode_bundle,
    encode_bundle,
)
from ereceipt.core.transparency.tiles import Tile, TilePathError, parse_tile_path, tile_width

ENTRY = LogEntry(
    event="replaced",
    receipt=ReceiptNumber("THADS-HN", "01BLTH", "AA/26E", 42, 2026),
    amount=1_500_000,
    time=datetime(2026, 12, 7, 9, 30, 15, tzinfo=UTC),
    identity="ab" * 32,
    replaces=41,
)


def test_entry_is_fixed_lines_in_a_fixed_order():
    assert ENTRY.encode() == (
        b"e-receipt log entry v1\nevent replaced\nissuer THADS-HN\ntemplate 01BLTH\nseries AA/26E\n"
        b"number 0000042\nyear 2026\namount 1500000\ntime 2026-12-07T09:30:15Z\n"
        b"identity " + b"ab" * 32 + b"\nreplaces 0000041\n"
    )
    assert LogEntry.decode(ENTRY.encode()) == ENTRY


@pytest.mark.parametrize(
    "data",
    [
        b"",
        ENTRY.encode().replace(b"amount 1500000", b"amount 01500000"),
        ENTRY.encode().replace(b"year 2026\n", b""),
        ENTRY.encode() + b"payer Nguyen\n",
        ENTRY.encode().replace(b"\n", b"\r\n"),
    ],
)
def test_non_canonical_entries_are_refused(data):
    with pytest.raises(EntryError):
        LogEntry.decode(data)


def test_entries_with_unsafe_fields_are_refused():
    from dataclasses import replace

    with pytest.raises(EntryError):
        replace(ENTRY, receipt=replace(ENTRY.receipt, issuer="A\nevent cancelled")).encode()
    with pytest.raises(EntryError):
        replace(ENTRY, identity="AB" * 32).encode()
    with pytest.raises(EntryError):
        replace(ENTRY, replaces=None).encode()


def test_bundle_prefixes_each_entry_with_its_big_endian_16_bit_length():
    assert encode_bundle([b"abc", b""]) == b"\x00\x03abc\x00\x00"
    assert decode_bundle(b"\x00\x03abc\x00\x00") == [b"abc", b""]
    with pytest.raises(EntryError):
        decode_bundle(b"\x00\x05abc")


@pytest.mark.parametrize(
    ("tile", "path"),
    [
        (Tile(0, 0), "tile/0/000"),
        (Tile(0, 1234067), "tile/0/x001/x234/067"),
        (Tile(2, 5, 17), "tile/2/005.p/17"),
        (Tile(-1, 1000, 3), "tile/entries/x001/000.p/3"),
    ],
)
def test_tile_paths_follow_tlog_tiles(tile, path):
    assert tile.path() == path
    assert parse_tile_path(path) == tile


@pytest.mark.parametrize(
    "path",
    ["tile/0/1", "tile/0/x000/001", "tile/0/000.p/256", "tile/0/000.p/0", "tile/64/000", "tile/0/001/"],
)
def test_malformed_tile_paths_are_refused(path):
    with pytest.raises(TilePathError):
        parse_tile_path(path)


def test_tile_width_follows_the_tree_size():
    assert tile_width(0, 0, 300) == 256
    assert tile_width(0, 1, 300) == 44
    assert tile_width(0, 2, 300) == 0
    assert tile_width(1, 0, 300) == 1
    assert tile_width(1, 0, 255) == 0
    assert tile_width(-1, 1, 300) == 44


@pytest.mark.parametrize(
    "entry",
    [
        LogEntry(
            "issued",
            ReceiptNumber("CCTHADS-BD", "01BLTHA", "TH26E", 1, 2026),
            1,
            datetime(2026, 1, 1, tzinfo=UTC),
            "a" * 64,
        ),
        LogEntry(
            "cancelled",
            ReceiptNumber("A", "B", "C/26E", 9_999_999, 0),
            10**18,
            datetime(1000, 12, 31, 23, 59, 59, tzinfo=UTC),
            "0" * 64,
        ),
        LogEntry(
            "replaced",
            ReceiptNumber("x" * 64, "t.t_t-t", "s", 42, 123456789),
            5,
            datetime(2026, 2, 28, tzinfo=UTC),
            "f" * 64,
            replaces=41,
        ),
        LogEntry(
            "replaced",
            ReceiptNumber("A", "B", "C", 42, 2026),
            5,
            datetime(2026, 2, 28, tzinfo=UTC),
            "f" * 64,
            replaces=0,
        ),
        LogEntry(
            "issued", ReceiptNumber("A", "B", "C", 42, -1), 5, datetime(2026, 2, 28, tzinfo=UTC), "f" * 64
        ),
    ],
    ids=["plain", "extremes", "replacement", "replaces-zero", "negative-year"],
)
def test_the_fast_reading_of_canonical_entries_is_the_checked_one(entry: LogEntry) -> None:
    data = entry.encode()
    assert LogEntry.decode(data) == LogEntry._decode_checked(data) == entry


@pytest.mark.parametrize(
    "change",
    [
        (b"number 0000001", b"number 00000001"),
        (b"amount 1\n", b"amount 01\n"),
        (b"time 2026-01-01T00:00:00Z", b"time 2026-13-01T00:00:00Z"),
        (b"time 2026-01-01T00:00:00Z", b"time 0999-01-01T00:00:00Z"),
        (b"year 2026", b"year 02026"),
        (b"event issued", b"event replaced"),
        (b"identity a", b"identity A"),
        (b"\n", b"\r\n"),
    ],
)
def test_a_non_canonical_entry_is_refused_on_either_path(change: tuple[bytes, bytes]) -> None:
    data = LogEntry(
        "issued",
        ReceiptNumber("CCTHADS-BD", "01BLTHA", "TH26E", 1, 2026),
        1,
        datetime(2026, 1, 1, tzinfo=UTC),
        "a" * 64,
    ).encode()
    with pytest.raises(EntryError):
        LogEntry.decode(data.replace(*change, 1))
