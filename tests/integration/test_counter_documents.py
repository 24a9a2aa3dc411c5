"""Counter documents on SQLite and PostgreSQL: stored, read by real Tesseract in the background, recorded."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from ocr_support import EXAMPLE_FIELDS, EXAMPLE_SCAN, tesseract_or_skip
from sqlalchemy import select
from sqlalchemy.orm import Session

from ereceipt.core.counter.documents import CounterDocument, CounterDocuments
from ereceipt.core.errors import BadInput, NotFound
from ereceipt.core.ocr.errors import UnsupportedDocument
from ereceipt.core.ocr.tesseract import TesseractEngine
from ereceipt.core.storage.database import Database

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    return tesseract_or_skip()


class Hook:
    """Records each call, and what the session it was given can see of the document."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, dict, dict, str, str]] = []

    def __call__(self, session: Session, document_id: int, fields: dict, confidences: dict) -> None:
        document = session.get(CounterDocument, document_id)
        self.calls.append(
            (document_id, fields, confidences, document.status, threading.current_thread().name)
        )


@pytest.fixture
def hook() -> Hook:
    return Hook()


@pytest.fixture
def counter(database: Database, engine: TesseractEngine, hook: Hook) -> Iterator[CounterDocuments]:
    service = CounterDocuments(database, engine, on_read=hook)
    yield service
    service.close()


def test_an_upload_is_read_in_the_background_and_the_result_recorded(
    counter: CounterDocuments, hook: Hook
) -> None:
    scan = EXAMPLE_SCAN.read_bytes()
    document_id = counter.upload(scan, "image/png", uploaded_by="officer-bd", agency_code="CCTHADS-BD")
    state = counter.wait(document_id, timeout=120)
    assert state.status == "done" and state.error is None
    assert state.sha256 == hashlib.sha256(scan).hexdigest()
    assert (state.uploaded_by, state.agency_code, state.media_type) == (
        "officer-bd",
        "CCTHADS-BD",
        "image/png",
    )
    assert state.result["fields"] == EXAMPLE_FIELDS
    assert set(state.result["confidences"]) == set(EXAMPLE_FIELDS)
    assert state.result["pages"] == 1 and state.result["seconds"] > 0
    [(called_id, fields, confidences, status_seen, thread)] = hook.calls
    assert (called_id, fields, confidences) == (document_id, EXAMPLE_FIELDS, state.result["confidences"])
    assert status_seen == "done"  # the hook runs in the transaction that records the result
    assert thread.startswith("ereceipt-ocr") and thread != threading.current_thread().name


def test_the_scan_is_kept_whole(counter: CounterDocuments, database: Database) -> None:
    scan = EXAMPLE_SCAN.read_bytes()
    document_id = counter.upload(scan, None, uploaded_by="officer-bd", agency_code="CCTHADS-BD")
    counter.wait(document_id, timeout=120)
    with database.read() as session:
        assert session.get(CounterDocument, document_id).content == scan


def test_a_broken_file_ends_failed_with_the_reason(counter: CounterDocuments, hook: Hook) -> None:
    broken = EXAMPLE_SCAN.read_bytes()[:2000]
    document_id = counter.upload(broken, "image/png", uploaded_by="officer-bd", agency_code="CCTHADS-BD")
    state = counter.wait(document_id, timeout=120)
    assert state.status == "failed"
    assert "cannot be decoded" in state.error
    assert state.result is None and hook.calls == []


def test_without_tesseract_the_document_fails_saying_what_to_install(
    database: Database, engine: TesseractEngine, hook: Hook
) -> None:
    missing = dataclasses.replace(engine, command="/nonexistent/tesseract")
    service = CounterDocuments(database, missing, on_read=hook)
    try:
        document_id = service.upload(
            EXAMPLE_SCAN.read_bytes(), "image/png", uploaded_by="officer-bd", agency_code="CCTHADS-BD"
        )
        state = service.wait(document_id, timeout=60)
    finally:
        service.close()
    assert state.status == "failed" and "tesseract-ocr-vie" in state.error
    assert hook.calls == []


def test_a_file_that_is_no_scan_is_refused_at_upload(counter: CounterDocuments, database: Database) -> None:
    with pytest.raises(UnsupportedDocument):
        counter.upload(
            b"PK\x03\x04 a word document", None, uploaded_by="officer-bd", agency_code="CCTHADS-BD"
        )
    with database.read() as session:
        assert session.scalars(select(CounterDocument)).all() == []


def test_documents_left_unfinished_by_a_stopped_process_are_read_again(
    database: Database, engine: TesseractEngine, hook: Hook
) -> None:
    stopped = CounterDocuments(database, engine)
    stopped.close()  # no worker thread: the upload stays queued, as when a process dies
    with pytest.raises(RuntimeError):
        stopped.upload(EXAMPLE_SCAN.read_bytes(), "image/png", uploaded_by="officer-bd", agency_code="X")
    with database.read() as session:
        [document] = session.scalars(select(CounterDocument)).all()
        assert document.status == "queued"
    service = CounterDocuments(database, engine, on_read=hook)
    try:
        assert service.resume_unfinished() == 1
        assert service.wait(document.id, timeout=120).status == "done"
    finally:
        service.close()
    assert [call[0] for call in hook.calls] == [document.id]


def running_since(moment: datetime) -> CounterDocument:
    """A document some reader started on at ``moment``."""
    return CounterDocument(
        content=EXAMPLE_SCAN.read_bytes(),
        media_type="image/png",
        sha256="0" * 64,
        uploaded_by="officer-bd",
        agency_code="X",
        status="running",
        uploaded_at=moment,
        started_at=moment,
    )


def test_two_processes_resuming_the_same_documents_read_each_once(
    database: Database, engine: TesseractEngine, hook: Hook
) -> None:
    stopped = CounterDocuments(database, engine)
    stopped.close()
    with pytest.raises(RuntimeError):
        stopped.upload(EXAMPLE_SCAN.read_bytes(), "image/png", uploaded_by="officer-bd", agency_code="X")
    with database.write() as session:  # and one whose reader died half way, long ago
        session.add(running_since(datetime.now(UTC) - timedelta(hours=2)))
    first, second = (
        CounterDocuments(database, engine, on_read=hook),
        CounterDocuments(database, engine, on_read=hook),
    )
    try:
        assert first.resume_unfinished() == 2
        assert second.resume_unfinished(stale_after=timedelta(hours=1)) in (0, 1, 2)
    finally:
        first.close()
        second.close()
    with database.read() as session:
        statuses = list(session.scalars(select(CounterDocument.status)))
    assert statuses == ["done", "done"]
    assert sorted(call[0] for call in hook.calls) == sorted(set(call[0] for call in hook.calls))
    assert len(hook.calls) == 2


def test_a_document_running_recently_is_left_to_its_reader(
    database: Database, engine: TesseractEngine, hook: Hook
) -> None:
    with database.write() as session:
        session.add(running_since(datetime.now(UTC)))
    service = CounterDocuments(database, engine, on_read=hook)
    try:
        assert service.resume_unfinished() == 0
    finally:
        service.close()
    assert hook.calls == []


def test_an_unknown_document_is_not_found(counter: CounterDocuments) -> None:
    with pytest.raises(NotFound):
        counter.get(999_999)


def test_a_hook_that_refuses_the_reading_leaves_the_document_failed_with_its_reason(
    database: Database, engine: TesseractEngine
) -> None:
    def refuse(session: Session, document_id: int, fields: dict, confidences: dict) -> None:
        raise BadInput(f"no case matches {fields['decision_number']}")

    service = CounterDocuments(database, engine, on_read=refuse)
    try:
        document_id = service.upload(
            EXAMPLE_SCAN.read_bytes(), None, uploaded_by="officer-bd", agency_code="X"
        )
        state = service.wait(document_id, timeout=120)
    finally:
        service.close()
    assert state.status == "failed" and state.error == "no case matches 589/2025/QĐ-THADS"
    assert state.result is None
