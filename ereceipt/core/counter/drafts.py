"""Counter drafts and their approval: entered, corrected, numbered and signed (Decree 123 art. 32).

An officer enters a draft for money taken at the counter (cash, or a transfer the payer shows),
by hand or from OCR of a scanned document (counter OCR calls ``create_draft`` with the scan's id and
the confidence of each field). Officers of the agency correct it until an approver approves it:
the draft is numbered and signed through ``ReceiptIssuer`` in the same transaction that marks it
approved. Every step is in the audit trail.

Four eyes: nobody approves a draft whose current content they entered or changed. Each field
records who last set its value (``draft_field_author``): the officer who entered the draft, the one
who last corrected that field, or, for a draft read from a scan, the officer who saved the fields
OCR proposed (keeping a proposed value counts as entering it) or, for a draft the reading made by
itself, the officer who uploaded the scan. ``approve_draft`` refuses (``OwnContent``) an approver
who created the draft or is the author of any current value. A correction by someone else makes
them the author of that value; saving a field unchanged changes no author. A decided draft
(approved or rejected) can no longer be changed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ereceipt.core.counter.tables import APPROVED, DRAFT, REJECTED, DraftFieldAuthor, ReceiptDraft
from ereceipt.core.errors import BadInput, Conflict, NotFound
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.issuing.requests import IssuedReceipt, IssueRequest, PaymentIn
from ereceipt.core.money import form_amount, vnd
from ereceipt.core.receipts.content import PayerInfo, PaymentMethod
from ereceipt.core.receipts.tables import EnforcementCase, Issuer
from ereceipt.core.storage import audit

FIELDS = (
    "payer_name",
    "payer_id_number",
    "payer_address",
    "case_payment_code",
    "amount_vnd",
    "purpose",
    "payment_method",
)
METHODS = (PaymentMethod.CASH.value, PaymentMethod.BANK_TRANSFER.value)
COUNTER_SOURCE = "counter-draft"  # payments of approved drafts: source + "draft id" identify them


class OwnContent(Conflict):
    """The approver created the draft or set a value of its current content (four eyes).

    ``fields`` holds ``own``: the names of the fields whose current value the approver set.
    """

    code = "FOUR_EYES"


def parse_amount(value: str | int) -> int:
    """Whole đồng from the draft form (text: ``money.form_amount``) or from an OCR reading (an ``int``)."""
    return form_amount(value) if isinstance(value, str) else vnd(value)


def _text(value: str | None, name: str, limit: int = 400) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise BadInput(f"{name} dài quá {limit} ký tự")
    return value or None


def _checked(session: Session, issuer_id: int, fields: dict) -> dict:
    """The draft's fields normalised; a wrong one raises ``BadInput`` naming it."""
    name = _text(fields["payer_name"], "tên người nộp")
    if not name:
        raise BadInput("cần tên người nộp tiền")
    identity = _text(fields["payer_id_number"], "số định danh", 12)
    if identity and (not identity.isdigit() or len(identity) not in (9, 12)):
        raise BadInput("số định danh gồm 12 chữ số (hoặc 9 chữ số với CMND cũ)")
    code = _text(fields["case_payment_code"], "mã hồ sơ", 16)
    purpose = _text(fields["purpose"], "nội dung thu")
    if code:
        code = code.upper()
        case = session.scalar(select(EnforcementCase).where(EnforcementCase.payment_code == code))
        if case is None:
            raise BadInput(f"không có hồ sơ thi hành án mã {code}")
        if case.issuer_id != issuer_id:
            raise BadInput(f"hồ sơ {code} thuộc đơn vị khác")
    elif not purpose:
        raise BadInput("cần nội dung thu khi không có mã hồ sơ")
    method = str(fields["payment_method"] or "").strip().upper()
    if method not in METHODS:
        raise BadInput("hình thức thanh toán là tiền mặt (CASH) hoặc chuyển khoản (BANK_TRANSFER)")
    return {
        "payer_name": name,
        "payer_id_number": identity,
        "payer_address": _text(fields["payer_address"], "địa chỉ"),
        "case_payment_code": code,
        "amount_vnd": parse_amount(fields["amount_vnd"]),
        "purpose": purpose,
        "payment_method": method,
    }


def _confidences(values: dict | None) -> dict | None:
    if values is None:
        return None
    checked = {}
    for field, value in values.items():
        if field not in FIELDS:
            raise BadInput(f"độ tin cậy cho trường không có: {field!r}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise BadInput(f"độ tin cậy của {field} phải từ 0 đến 1")
        checked[field] = float(value)
    return checked


def create_draft(
    session: Session,
    *,
    agency_code: str,
    created_by: str,
    payer_name: str,
    payer_id_number: str | None,
    payer_address: str | None,
    case_payment_code: str | None,
    amount_vnd: int | str,
    purpose: str | None,
    payment_method: str,
    source_document_id: int | None = None,
    field_confidences: dict | None = None,
) -> int:
    """Store a new draft of ``agency_code`` (an issuer code) and return its id."""
    issuer_id = session.scalar(select(Issuer.id).where(Issuer.code == agency_code))
    if issuer_id is None:
        raise BadInput(f"không có đơn vị mã {agency_code!r}")
    given = {
        "payer_name": payer_name,
        "payer_id_number": payer_id_number,
        "payer_address": payer_address,
        "case_payment_code": case_payment_code,
        "amount_vnd": amount_vnd,
        "purpose": purpose,
        "payment_method": payment_method,
    }
    fields = _checked(session, issuer_id, given)
    draft = ReceiptDraft(
        issuer_id=issuer_id,
        status=DRAFT,
        source_document_id=source_document_id,
        field_confidences=_confidences(field_confidences),
        created_by=created_by,
        created_at=datetime.now(UTC),
        **fields,
    )
    session.add(draft)
    session.flush()
    _set_authors(session, draft.id, FIELDS, created_by, draft.created_at)
    audit.record(
        session, created_by, "draft.created", "receipt_draft", draft.id, agency=agency_code, **fields
    )
    return draft.id


def _set_authors(session: Session, draft_id: int, names, by: str, at: datetime) -> None:
    """``by`` becomes the author of the current value of each field in ``names``."""
    names = list(names)
    session.execute(
        delete(DraftFieldAuthor).where(
            DraftFieldAuthor.draft_id == draft_id, DraftFieldAuthor.field.in_(names)
        )
    )
    rows = [{"draft_id": draft_id, "field": name, "set_by": by, "set_at": at} for name in names]
    session.execute(insert(DraftFieldAuthor), rows)


def field_authors(session: Session, draft: ReceiptDraft) -> dict[str, str]:
    """Who set the current value of each field, in the order of ``FIELDS``.

    A field without a recorded author is the creator's (every draft gets a row per field when it is
    created; the migration that introduced them attributed the fields of older drafts the same way).
    """
    query = select(DraftFieldAuthor.field, DraftFieldAuthor.set_by).where(
        DraftFieldAuthor.draft_id == draft.id
    )
    recorded = dict(session.execute(query).all())
    return {name: recorded.get(name, draft.created_by) for name in FIELDS}


def load_draft(session: Session, draft_id: int, *, for_update: bool = False) -> ReceiptDraft:
    query = select(ReceiptDraft).where(ReceiptDraft.id == draft_id)
    draft = session.scalar(query.with_for_update() if for_update else query)
    if draft is None:
        raise NotFound(f"không có bản nháp số {draft_id}")
    return draft


def _open(session: Session, draft_id: int) -> ReceiptDraft:
    draft = load_draft(session, draft_id, for_update=True)
    if draft.status != DRAFT:
        raise Conflict(f"bản nháp số {draft_id} đã được xử lý ({draft.status})")
    return draft


def update_draft(session: Session, draft_id: int, *, updated_by: str, **fields: object) -> dict:
    """Correct a draft not yet decided; returns the fields changed as {field: [old, new]}.

    A corrected field is checked by a person now, so its OCR confidence is dropped.
    """
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise BadInput(f"trường không có: {', '.join(sorted(unknown))}")
    draft = _open(session, draft_id)
    current = {name: getattr(draft, name) for name in FIELDS}
    checked = _checked(session, draft.issuer_id, {**current, **fields})
    changed = {name: [current[name], value] for name, value in checked.items() if current[name] != value}
    if not changed:
        return {}
    for name, (_, value) in changed.items():
        setattr(draft, name, value)
    if draft.field_confidences:
        draft.field_confidences = {
            k: v for k, v in draft.field_confidences.items() if k not in changed
        } or None
    draft.updated_by, draft.updated_at = updated_by, datetime.now(UTC)
    _set_authors(session, draft.id, changed, updated_by, draft.updated_at)
    audit.record(session, updated_by, "draft.updated", "receipt_draft", draft.id, changed=changed)
    return changed


def approve_draft(
    session: Session, issuer: ReceiptIssuer, draft_id: int, *, approved_by: str
) -> IssuedReceipt:
    """Number and sign the draft's receipt now, in the caller's transaction; the draft becomes approved.

    Refused with ``OwnContent`` when ``approved_by`` created the draft or set any of its current
    values. The draft's row is locked first, so no correction can slip in between the check and
    the signature; the audit event names who set each value that was signed.
    """
    draft = _open(session, draft_id)
    authors = field_authors(session, draft)
    own = [name for name, author in authors.items() if author == approved_by]
    if own:
        raise OwnContent(
            "người phê duyệt đã nhập hoặc sửa nội dung hiện tại của bản nháp: "
            f"{', '.join(own)}; cần một người phê duyệt khác (nguyên tắc bốn mắt)",
            own=own,
        )
    if draft.created_by == approved_by:
        raise OwnContent("người lập bản nháp không tự phê duyệt được (nguyên tắc bốn mắt)", own=[])
    agency = session.scalar(select(Issuer.code).where(Issuer.id == draft.issuer_id))
    payment = PaymentIn(
        source=COUNTER_SOURCE,
        reference=str(draft.id),
        amount=draft.amount_vnd,
        payer=PayerInfo(draft.payer_name, draft.payer_id_number, draft.payer_address),
        paid_at=draft.created_at,
        method=PaymentMethod(draft.payment_method),
        case_code=draft.case_payment_code,
        purpose=draft.purpose,
    )
    issued = issuer.issue_within(session, IssueRequest(payment, officer=approved_by, issuer_code=agency))
    draft.status, draft.approved_by, draft.decided_at = APPROVED, approved_by, datetime.now(UTC)
    draft.receipt_id = issued.receipt_id
    audit.record(
        session,
        approved_by,
        "draft.approved",
        "receipt_draft",
        draft.id,
        receipt=issued.receipt_id,
        authors=authors,
    )
    return issued


def reject_draft(session: Session, draft_id: int, *, rejected_by: str, reason: str) -> None:
    """Refuse a draft with a reason; it is kept, and can no longer be changed or approved."""
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("cần ghi lý do từ chối")
    draft = _open(session, draft_id)
    draft.status, draft.approved_by, draft.decided_at = REJECTED, rejected_by, datetime.now(UTC)
    draft.reject_reason = reason[:400]
    audit.record(session, rejected_by, "draft.rejected", "receipt_draft", draft.id, reason=reason[:400])
