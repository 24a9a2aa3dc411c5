"""The log's side of C2SP tlog-witness: asking the configured witness to cosign its latest checkpoint.

After each run of the ``transparency_log`` job, while the latest checkpoint carries no valid
cosignature of the witness (``[transparency] witness_url``, ``witness_vkey``), the log POSTs it to
``<witness_url>/add-checkpoint`` with a consistency proof from the size the witness cosigned last:
first guessed as the previous checkpoint's size, then, when the witness answers 409 with its own
size, from that one. A valid cosignature line is added to the stored checkpoint's signed note, so
``/log/checkpoint``, the SOAP operations and the lookup page carry it. A witness that is down or
refuses never stops the log: the next run asks again.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request

from sqlalchemy import select

from ereceipt.core.transparency import signed_note
from ereceipt.core.transparency.cosignature import CosignatureVerifier
from ereceipt.core.transparency.signed_note import NoteError
from ereceipt.core.transparency.store import LogStore
from ereceipt.core.transparency.tables import LogCheckpoint
from ereceipt.core.transparency.witness import SIZE_TYPE, add_checkpoint_body

log = logging.getLogger(__name__)


def witness_verifier(settings) -> CosignatureVerifier | None:
    """The configured witness's verifier key, or None when no witness is configured."""
    if not settings.transparency.witness_url:
        return None
    return CosignatureVerifier.parse(settings.transparency.witness_vkey.read_text())


def _post(url: str, body: bytes, timeout: float) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 (configured http(s) URL)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return answer.status, answer.headers.get_content_type(), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read()


def cosign_latest(services, timeout: float = 5.0) -> str:
    """Get the latest checkpoint cosigned by the configured witness; what happened, in words."""
    witness = witness_verifier(services.settings)
    if witness is None:
        return "no witness configured"
    database = services.database
    with database.read() as session:
        rows = session.execute(
            select(LogCheckpoint.size, LogCheckpoint.note).order_by(LogCheckpoint.size.desc()).limit(2)
        ).all()
    if not rows:
        return "no checkpoint to cosign yet"
    size, note = rows[0]
    if witness.cosigned_at(signed_note.parse(note)) is not None:
        return f"checkpoint of {size} entries already cosigned by {witness.name}"
    url = services.settings.transparency.witness_url.rstrip("/") + "/add-checkpoint"
    old = rows[1].size if len(rows) > 1 else 0
    for _ in range(2):
        with database.read() as session:
            proof = LogStore(session).consistency_proof(old, size)
        try:
            status, kind, body = _post(url, add_checkpoint_body(old, proof, note), timeout)
        except OSError as exc:
            log.warning("witness %s unreachable: %s", url, exc)
            return f"witness unreachable: {exc}"
        if status == 409 and kind == SIZE_TYPE:
            told = body.decode().strip()
            if not told.isdigit() or int(told) > size:
                log.error(
                    "witness %s has cosigned a tree of %s entries, larger than ours (%d)", url, told, size
                )
                return f"witness refused: it cosigned {told} entries, more than the log's {size}"
            old = int(told)
            continue
        if status != 200:
            message = body.decode(errors="replace").strip()
            log.warning(
                "witness %s refused the checkpoint of %d entries (%d): %s", url, size, status, message
            )
            return f"witness refused ({status}): {message}"
        return _keep(database, witness, size, note, body)
    return "witness refused: its size changed twice"


def _keep(database, witness: CosignatureVerifier, size: int, note: bytes, lines: bytes) -> str:
    mine = b"".join(
        line + b"\n" for line in lines.split(b"\n") if line.startswith(f"\u2014 {witness.name} ".encode())
    )
    try:
        cosigned = signed_note.parse(note + mine)
    except NoteError as exc:
        return f"witness answered no cosignature line: {exc}"
    at = witness.cosigned_at(cosigned)
    if at is None:
        log.error("witness answered a cosignature that does not verify with %s", witness.vkey)
        return "witness answered no valid cosignature"
    with database.write() as session:
        stored = session.get(LogCheckpoint, size, with_for_update=True)
        if witness.cosigned_at(signed_note.parse(stored.note)) is None:
            stored.note = stored.note + mine
    return f"checkpoint of {size} entries cosigned by {witness.name} at {at}"
