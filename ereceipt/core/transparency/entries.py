"""The log's entries: one canonical text per receipt event, and entry bundles as C2SP tlog-tiles encodes them.

An entry names the event (``issued``, ``cancelled``, ``replaced``: a replacement issued in place of
a cancelled receipt), the receipt's number (issuer, template, series, number, year), its amount in
whole đồng, the event's time (UTC) and the receipt's identity digest. It holds no payer name or
identity number: the identity digest covers the signed receipt, random lookup code included, so
nobody can recompute it from guessed fields. Lines are ``key value`` in a fixed order, UTF-8, each
ending in a newline; the same event always encodes to the same bytes.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

FORMAT = "e-receipt log entry v1"
EVENTS = ("issued", "cancelled", "replaced")
MAX_ENTRY_SIZE = 65535  # an entry bundle gives each entry a 16-bit length
_TOKEN = re.compile(r"^[0-9A-Za-z./_-]{1,64}$")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class EntryError(ValueError):
    """Bytes that are not a canonical log entry, or an event that cannot become one."""


@dataclass(frozen=True)
class ReceiptNumber:
    issuer: str
    template: str
    series: str
    number: int
    year: int

    def __str__(self) -> str:
        return f"{self.issuer} {self.template} {self.series} {self.number:07d} {self.year}"


@dataclass(frozen=True)
class LogEntry:
    event: str
    receipt: ReceiptNumber
    amount: int
    time: datetime
    identity: str  # the receipt's identity digest, hexadecimal SHA-256
    replaces: int | None = None  # for ``replaced``: the number, in the same series, it replaces

    def encode(self) -> bytes:
        r = self.receipt
        return encode_entry(
            self.event, r.issuer, r.template, r.series, r.number, r.year,
            self.amount, self.time, self.identity, self.replaces,
        )  # fmt: skip

    @classmethod
    def decode(cls, data: bytes) -> "LogEntry":
        """Reads an entry; refuses anything that would not encode back to the same bytes.

        An entry matching ``_CANONICAL`` (every field in the one form ``encode`` writes) is read
        straight from the match: the auditor reads millions. Anything else takes the general path,
        which says what is wrong or finds it canonical after all."""
        match = _CANONICAL.fullmatch(data)
        if match is not None:
            (
                event,
                issuer,
                template,
                series,
                number,
                year,
                amount,
                y,
                mo,
                d,
                h,
                mi,
                sec,
                identity,
                replaces,
            ) = match.groups()
            try:
                when = datetime(int(y), int(mo), int(d), int(h), int(mi), int(sec), tzinfo=UTC)
            except ValueError as exc:
                raise EntryError(f"malformed log entry: {exc}") from exc
            if (replaces is not None) == (event == b"replaced") and (
                replaces is None or replaces != b"0000000"
            ):
                return cls(
                    event.decode(),
                    ReceiptNumber(
                        issuer.decode(), template.decode(), series.decode(), int(number), int(year)
                    ),
                    int(amount),
                    when,
                    identity.decode(),
                    int(replaces) if replaces is not None else None,
                )
        return cls._decode_checked(data)

    @classmethod
    def _decode_checked(cls, data: bytes) -> "LogEntry":
        try:
            lines = data.decode("utf-8").split("\n")
            if lines[0] != FORMAT or lines[-1] != "":
                raise EntryError("not an e-receipt log entry")
            fields = dict(line.split(" ", 1) for line in lines[1:-1])
            entry = cls(
                event=fields["event"],
                receipt=ReceiptNumber(
                    fields["issuer"],
                    fields["template"],
                    fields["series"],
                    int(fields["number"]),
                    int(fields["year"]),
                ),
                amount=int(fields["amount"]),
                time=datetime.strptime(fields["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
                identity=fields["identity"],
                replaces=int(fields["replaces"]) if "replaces" in fields else None,
            )
        except (UnicodeDecodeError, ValueError, KeyError) as exc:
            raise EntryError(f"malformed log entry: {exc}") from exc
        if entry.encode() != data:
            raise EntryError("log entry is not in canonical form")
        return entry


def encode_entry(
    event: str,
    issuer: str,
    template: str,
    series: str,
    number: int,
    year: int,
    amount: int,
    time: datetime,
    identity: str,
    replaces: int | None,
) -> bytes:
    """``LogEntry.encode`` from the fields themselves (the sequencer encodes tens of thousands a run)."""
    if event not in EVENTS:
        raise EntryError(f"unknown event {event!r}")
    _check_tokens(issuer, template, series)
    if not _DIGEST.match(identity):
        raise EntryError("the identity digest must be 64 lowercase hexadecimal digits")
    if amount <= 0 or not 0 < number <= 9_999_999 or (replaces is not None) != (event == "replaced"):
        raise EntryError("amount, number or replaced number out of range")
    t = time.astimezone(UTC) if time.tzinfo is not UTC else time
    tail = "" if replaces is None else f"replaces {replaces:07d}\n"
    return (
        f"{FORMAT}\nevent {event}\nissuer {issuer}\ntemplate {template}\nseries {series}\n"
        f"number {number:07d}\nyear {year}\namount {amount}\n"
        f"time {t.year}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z\n"
        f"identity {identity}\n{tail}"
    ).encode()


@lru_cache(maxsize=1024)
def _check_tokens(*tokens: str) -> None:
    """Refuses a token an entry cannot carry (remembered: a log has few issuers and series)."""
    for token in tokens:
        if not _TOKEN.match(token):
            raise EntryError(f"{token!r} cannot be written in a log entry")


_T = rb"([0-9A-Za-z./_-]{1,64})"
# Exactly what ``encode`` writes for a valid entry (number and amount above zero, no leading zeros).
_CANONICAL = re.compile(
    rb"e-receipt log entry v1\nevent (issued|cancelled|replaced)\nissuer "
    + _T
    + rb"\ntemplate "
    + _T
    + rb"\nseries "
    + _T
    + rb"\nnumber (?!0000000)([0-9]{7})\nyear (0|[1-9][0-9]{0,8})\n"
    rb"amount ([1-9][0-9]{0,18})\n"
    rb"time ([1-9][0-9]{3})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z\n"
    rb"identity ([0-9a-f]{64})\n(?:replaces ([0-9]{7})\n)?"
)


def encode_bundle(entries: list[bytes]) -> bytes:
    """An entry bundle: each entry as a big-endian 16-bit length and its bytes (C2SP tlog-tiles)."""
    parts = []
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise EntryError("entry too long for a bundle")
        parts.append(len(entry).to_bytes(2, "big") + entry)
    return b"".join(parts)


def decode_bundle(data: bytes) -> list[bytes]:
    entries, offset = [], 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise EntryError("entry bundle ends inside a length")
        size = int.from_bytes(data[offset : offset + 2], "big")
        offset += 2
        if offset + size > len(data):
            raise EntryError("entry bundle ends inside an entry")
        entries.append(data[offset : offset + size])
        offset += size
    return entries
