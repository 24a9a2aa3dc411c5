"""What the payer reads: the Vietnamese e-mail (subject, body, file names) and the SMS text of a receipt.

The SMS text comes from a configured template with named fields (Python format syntax); a
gateway that cannot carry Vietnamese gets it with the diacritics stripped (``đ`` → ``d``,
``ế`` → ``e``), which also keeps it in the GSM 03.38 alphabet at 160 characters a message.
"""

from __future__ import annotations

import string
import unicodedata

from ereceipt.core.errors import ConfigurationError
from ereceipt.core.money import format_vnd
from ereceipt.core.receipts.content import VIETNAM, ReceiptContent, format_number
from ereceipt.core.receipts.lookup_code import display_lookup_code

SMS_FIELDS = ("number", "series", "template", "amount", "code", "url", "issuer", "payer")
DEFAULT_SMS_TEMPLATE = "THADS: biên lai {series} số {number}, {amount} đồng. Mã tra cứu {code} tại {url}"


def strip_diacritics(text: str) -> str:
    """``"Nguyễn Văn Đức"`` → ``"Nguyen Van Duc"``: Vietnamese letters to their base Latin letters."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def attachment_name(content: ReceiptContent, suffix: str) -> str:
    """``bien-lai-TH26E-0000001.pdf``: ASCII, so that every mail program shows it the same."""
    return f"bien-lai-{content.series_symbol}-{format_number(content.number)}.{suffix}"


def email_subject(content: ReceiptContent) -> str:
    number = format_number(content.number)
    return f"Biên lai thu tiền số {number} ({content.series_symbol}) – {content.issuer.name}"


def email_body(content: ReceiptContent, lookup_url: str) -> str:
    collection = content.collection
    lines = [
        f"Kính gửi {content.payer.name},",
        "",
        f"{content.issuer.name} đã nhận khoản nộp {format_vnd(content.amount)} đồng "
        f"({content.amount_in_words}) và lập biên lai điện tử:",
        "",
        f"  Mẫu số: {content.template_number}   Ký hiệu: {content.series_symbol}   "
        f"Số: {format_number(content.number)}",
        f"  Ngày lập: {content.issued_at.astimezone(VIETNAM).strftime('%d/%m/%Y %H:%M')}",
        f"  Nội dung thu: {collection.purpose}",
    ]
    if collection.case_code:
        lines.append(f"  Mã hồ sơ: {collection.case_code}")
    if collection.decision_number:
        lines.append(f"  Quyết định thi hành án: {collection.decision_number}")
    if content.replaces:
        replaced = f"{format_number(content.replaces.number)} ({content.replaces.series_symbol})"
        lines.append(f"  Thay thế biên lai số {replaced} đã bị hủy")
    lines += [
        "",
        f"Mã tra cứu: {display_lookup_code(content.lookup_code)}",
        f"Tra cứu và kiểm tra biên lai tại: {lookup_url}",
        "",
        "Kèm theo thư này:",
        f"  - {attachment_name(content, 'pdf')}: bản in của biên lai;",
        f"  - {attachment_name(content, 'xml')}: biên lai điện tử có chữ ký số (bản gốc).",
        "",
        "Đây là thư gửi tự động; xin vui lòng không trả lời thư này.",
        "",
    ]
    return "\n".join(lines)


def check_sms_template(template: str) -> None:
    """Refuse at start a template with an unknown field or broken braces, naming the setting."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ConfigurationError(f"setting [sms] template: {exc}", setting="[sms] template") from None
    unknown = names - set(SMS_FIELDS)
    if unknown:
        raise ConfigurationError(
            f"setting [sms] template: unknown field {{{sorted(unknown)[0]}}}; known: {', '.join(SMS_FIELDS)}",
            setting="[sms] template",
        )


def sms_text(template: str, content: ReceiptContent, lookup_url: str, *, strip: bool) -> str:
    text = template.format(
        number=format_number(content.number),
        series=content.series_symbol,
        template=content.template_number,
        amount=format_vnd(content.amount),
        code=display_lookup_code(content.lookup_code),
        url=lookup_url,
        issuer=content.issuer.name,
        payer=content.payer.name,
    )
    return strip_diacritics(text) if strip else text
