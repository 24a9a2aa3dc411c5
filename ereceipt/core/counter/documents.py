"""Counter documents: scans uploaded by officers, read by OCR in the background.

An upload is checked (type sniffed from the bytes, size), stored whole with its SHA-256 and
queued; a worker thread of this process reads it — never the caller's request — and records the
fields and confidences, or the reason it failed. On success the hook given at construction is
called with (session, document id, fields, confidences) in the transaction that records the
result, so that whatever it writes (a draft receipt) commits together with it.
Created by migration 0007. Status: queued → running → done | failed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import CheckConstraint, LargeBinary, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from ereceipt.core.errors import Conflict, EReceiptError, NotFound
from ereceipt.core.ocr.documents import DocumentLimits, check_document
from ereceipt.core.ocr.port import OcrEngine
from ereceipt.core.ocr.reading import read_document
from ereceipt.core.storage import audit
from ereceipt.core.storage.base import Base, Id, UTCDateTime
from ereceipt.core.storage.database import Database

log = logging.getLogger("ereceipt.counter")
STATUSES = ("queued", "running", "done", "failed")
OcrHook = Callable[[Session, int, dict[str, object], dict[str, float]], None]


class CounterDocument(Base):
    __tablename__ = "counter_document"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    media_type: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    agency_code: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    result: Mapped[str | None] = mapped_column(Text)  # JSON: fields, confidences, warnings, pages, seconds
    error: Mapped[str | None] = mapped_column(String(400))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class DocumentState:
    """A counter document as its reader sees it, without the bytes."""

    id: int
    media_type: str
    sha256: str
    uploaded_by: str
    agency_code: str
    status: str
    result: dict | None
    error: str | None
    uploaded_at: datetime
    finished_at: datetime | None


def _now() -> datetime:
    return datetime.now(UTC)


class CounterDocuments:
    """Stores uploads and reads them with ``engine`` on ``workers`` background threads."""

    def __init__(
        self,
        database: Database,
        engine: OcrEngine,
        *,
        limits: DocumentLimits | None = None,
        on_read: OcrHook | None = None,
        workers: int = 1,
    ) -> None:
        self.database, self.engine, self.on_read = database, engine, on_read
        self.limits = limits or DocumentLimits()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ereceipt-ocr")
        self._jobs: dict[int, Future] = {}

    def upload(self, data: bytes, media_type: str | None, *, uploaded_by: str, agency_code: str) -> int:
        """Store the document and queue it for OCR; returns its id at once. Refuses a wrong type or size."""
        actual = check_document(data, media_type, self.limits)
        with self.database.write() as session:
            document = CounterDocument(
                content=data,
                media_type=actual,
                sha256=hashlib.sha256(data).hexdigest(),
                uploaded_by=uploaded_by,
                agency_code=agency_code,
                status="queued",
                uploaded_at=_now(),
            )
            session.add(document)
            session.flush()
            document_id = document.id
            audit.record(
                session,
                uploaded_by,
                "counter.uploaded",
                "counter_document",
                document_id,
                agency=agency_code,
                media_type=actual,
                sha256=document.sha256,
                size=len(data),
            )
        self._queue(document_id)
        return document_id

    def resume_unfinished(self, *, stale_after: timedelta = timedelta(minutes=20)) -> int:
        """Queue again what stopped processes left behind; returns how many were queued.

        A document ``running`` since longer than ``stale_after`` lost its reader and is queued again;
        every server process may call this at start: a reading is claimed by exactly one of them.
        """
        with self.database.write() as session:
            session.execute(
                update(CounterDocument)
                .where(CounterDocument.status == "running", CounterDocument.started_at < _now() - stale_after)
                .values(status="queued", started_at=None)
            )
            ids = list(session.scalars(select(CounterDocument.id).where(CounterDocument.status == "queued")))
        for document_id in ids:
            self._queue(document_id)
        return len(ids)

    def retry(self, document_id: int) -> None:
        """Queue a failed document again, once its cause is fixed (Tesseract installed, say)."""
        with self.database.write() as session:
            document = session.get(CounterDocument, document_id, with_for_update=True)
            if document is None:
                raise NotFound(f"no counter document {document_id}")
            if document.status != "failed":
                raise Conflict(f"counter document {document_id} is {document.status}, not failed")
            document.status, document.error, document.finished_at = "queued", None, None
        self._queue(document_id)

    def _queue(self, document_id: int) -> None:
        self._jobs[document_id] = self._pool.submit(self._read, document_id)

    def wait(self, document_id: int, timeout: float | None = None) -> DocumentState:
        """Block until this process's job for the document ends (for the CLI and tests)."""
        job = self._jobs.get(document_id)
        if job is not None:
            job.result(timeout)
        return self.get(document_id)

    def get(self, document_id: int) -> DocumentState:
        with self.database.read() as session:
            document = session.get(CounterDocument, document_id)
            if document is None:
                raise NotFound(f"no counter document {document_id}")
            return DocumentState(
                document.id,
                document.media_type,
                document.sha256,
                document.uploaded_by,
                document.agency_code,
                document.status,
                json.loads(document.result) if document.result else None,
                document.error,
                document.uploaded_at,
                document.finished_at,
            )

    def close(self) -> None:
        """Finish the jobs in hand and stop the worker threads."""
        self._pool.shutdown(wait=True)

    def _read(self, document_id: int) -> None:
        try:
            with self.database.write() as session:  # claimed by one reader, whichever process queued it
                claimed = session.execute(
                    update(CounterDocument)
                    .where(CounterDocument.id == document_id, CounterDocument.status == "queued")
                    .values(status="running", started_at=_now())
                ).rowcount
                if not claimed:
                    return
                query = select(CounterDocument.content, CounterDocument.media_type)
                data, media_type = session.execute(query.where(CounterDocument.id == document_id)).one()
            reading = read_document(self.engine, data, media_type)
            fields = reading.fields
            with self.database.write() as session:
                document = session.get(CounterDocument, document_id)
                document.status, document.finished_at = "done", _now()
                document.result = json.dumps(reading.as_dict(), ensure_ascii=False)
                document.error = None
                if self.on_read is not None:
                    self.on_read(session, document_id, dict(fields.values), dict(fields.confidences))
        except EReceiptError as exc:
            self._failed(document_id, exc.message)
        except Exception as exc:
            log.exception("counter document %s could not be read", document_id)
            self._failed(document_id, f"internal error: {type(exc).__name__}: {exc}")

    def _failed(self, document_id: int, reason: str) -> None:
        log.warning("counter document %s failed: %s", document_id, reason)
        try:
            with self.database.write() as session:
                document = session.get(CounterDocument, document_id)
                document.status, document.finished_at, document.error = "failed", _now(), reason[:400]
                document.result = None
        except EReceiptError:
            log.exception("could not record the failure of counter document %s", document_id)
