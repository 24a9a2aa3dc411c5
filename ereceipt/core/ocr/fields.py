"""The fields of a receipt read from a scanned payment document, each with a confidence.

Payer name, identity number (12-digit citizen ID or older 9-digit), address, amount in digits,
amount in words (cross-checked against the digits: a disagreement is a warning and both stay as
read; digits whose grouping the document does not settle, ``1.000``, and no words confirm are a
warning too), decision, judgment and case payment numbers, the document's date, bank reference, purpose.
A field is read only after its label or in its own unmistakable form; a field not found stays
empty, never guessed. Confidence is the OCR confidence of the characters used, lowered for every
repair made (a letter read as a digit, a syllable rejoined) and raised when digits and words agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ereceipt.core.ocr import dates, document_numbers
from ereceipt.core.ocr.amounts import (
    DigitsAmount,
    amount_of_digits,
    amount_of_words,
    document_grouping,
    number_words,
    up_to_currency,
)
from ereceipt.core.ocr.document_numbers import CASE_CODE, LOOKALIKE
from ereceipt.core.ocr.labels import Value, continued, has_label, labelled, solid_text, trimmed
from ereceipt.core.ocr.layout import Line
from ereceipt.core.ocr.repair import digits, fold, form_words, joined_syllables, name_words, unmarked
from ereceipt.core.ocr.vocabulary import label_matches

FIELDS = (
    "payer_name",
    "payer_id_number",
    "payer_address",
    "amount_vnd",
    "amount_in_words",
    "amount_words_vnd",
    "decision_number",
    "judgment_number",
    "case_payment_code",
    "document_date",
    "bank_reference",
    "purpose",
)
REPAIR_FACTOR = 0.9  # each repair costs a tenth of the confidence
CHECK_CONFIDENCE = 0.3  # at most, for an amount a warning asks the officer to check
SHAPE_FACTOR = 0.8  # a value found by its shape alone, without its label, is less sure
WRAPPED = 36  # characters on a line before a name may have been carried on to the next

_CITIZEN_ID = re.compile(r"(?<![\d.,])(0\d{11})(?![\d.,]\d|\d)")
_OTHER_NUMBERS = re.compile(
    r"tai khoan|\bstk\b|\btk\b|dien thoai|\bsdt\b|\bdt\b|account|fax|ma so thue|\bmst\b|ma chuong|ndkt|"
    r"tieu muc|qhns|so seri|serial"
)
_AMOUNT_SHAPE = re.compile(
    r"(?<![\w.,])([1-9][0-9]{0,2}(?:[., \u00a0][0-9]{3})+|[1-9][0-9]{3,})\s?(đồng|đ|VNĐ|VND)(?!\w)",
    re.IGNORECASE,
)
_GROUPED = re.compile(r"(?<![\w.,])[1-9][0-9]{0,2}(?:([., \u00a0])[0-9]{3})(?:\1[0-9]{3})*(?![\w.,])")
_ADDRESS = re.compile(
    r"(?:^|(?<=\t))(?:[Ss]ố|[Nn]hà)\s?\d+[A-Za-z]?(?:/\d+)*,?\s+(?:phố|đường|ngõ|ngách|hẻm|kiệt|thôn|xóm|tổ|ấp)"
    r"\s[^\t]{3,}"
)
_NAME_TITLE = re.compile(r"^(ông|bà|anh|chị)(\s*[/(]\s*(ông|bà)\s*\)?)?\.?\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    value: str | int
    confidence: float
    doubt: str | None = None  # why the value needs checking, a warning unless something confirms it


@dataclass
class ExtractedFields:
    """What was read: values, a confidence (0..1) for each, and the warnings an officer must see."""

    values: dict[str, str | int] = field(default_factory=dict)
    confidences: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def set(self, name: str, reading: Reading | None) -> None:
        if reading is not None:
            self.values[name] = reading.value
            self.confidences[name] = round(min(max(reading.confidence, 0.0), 1.0), 3)

    def as_dict(self) -> dict[str, object]:
        return {
            "fields": dict(self.values),
            "confidences": dict(self.confidences),
            "warnings": list(self.warnings),
        }


def _confidence(lines: list[Line], value: Value, repairs: int = 0) -> float:
    return lines[value.line].confidence(value.start, value.end) * REPAIR_FACTOR**repairs


# A clause of its own after a value on the same line: a comma, semicolon or full stop, then a few
# words and a colon, or words naming another kind of value ("..., CCCD số ...", "; điện thoại ...").
_CLAUSE = re.compile(
    r"[,;.]\s+(?=[^\W\d_]+(?:[ /][^\W\d_]+){0,3}\s?:|(?:so )?(?:cccd|cmnd|can cuoc|dien thoai|sdt|dt|email|"
    r"fax|ma so thue|mst|sinh nam|sinh ngay|nam sinh)\b)"
)


def _own_clause(text: str) -> str:
    """``text`` up to where a clause of another value starts on its line."""
    found = _CLAUSE.search(fold(text))
    return text[: found.start()] if found else text


def payer_name(lines: list[Line]) -> Reading | None:
    for value in labelled(lines, "payer_name"):
        name = _own_clause(value.text.split("(")[0])
        text = _NAME_TITLE.sub("", name.split(",")[0].split(";")[0]).strip(" .:-,;")
        if not text or re.search(r"[\d:/@]", text) or len(text.split()) > 12 or not text[0].isupper():
            continue  # a name starts with a capital: "thi hành án" is a label's words
        wrapped = value.end >= len(lines[value.line].text.rstrip()) and len(lines[value.line].text) >= WRAPPED
        if wrapped:  # a name carried on to the next line
            for index in continued(lines, value, most=1):
                more = lines[index].text.strip(" .,;")
                if re.fullmatch(r"(?:[^\W\d_][\w]*\s?){1,3}", more) and more[0].isupper():
                    text = f"{text} {more}"
        words, joins = joined_syllables(text.split())
        if len(words) < 2 or not all(re.fullmatch(r"[\w.&-]+", word) for word in words):
            continue
        words, restored = name_words(words)
        return Reading(" ".join(words), _confidence(lines, value, joins + restored))
    return None


def payer_id_number(lines: list[Line]) -> Reading | None:
    """After its label; else by its shape: the one 12-digit citizen ID number on the page."""
    for value in labelled(lines, "payer_id_number"):
        text = re.sub(r"^(?:số|so|no\.?)\s*:?\s*", "", value.text, flags=re.IGNORECASE)  # "CCCD số: ..."
        match = re.match(rf"[{LOOKALIKE}SBZ ]+", text)
        if not match:
            continue
        fixed, repairs = digits(match.group(0).strip())
        number = fixed.replace(" ", "")
        if number.isdigit() and len(number) in {9, 12}:
            return Reading(number, _confidence(lines, value, repairs))
    return _by_shape(
        lines, "payer_id_number", _CITIZEN_ID, lambda m: m.group(1) if _citizen_id(m.group(1)) else None
    )


def _citizen_id(number: str) -> bool:
    """A citizen ID's shape: a province code 001-096, then a century-and-sex digit (0-3 this century
    and the last)."""
    return 1 <= int(number[:3]) <= 96 and number[3] in "0123"


def _by_shape(
    lines: list[Line], field: str, pattern: re.Pattern[str], value_of, among: range | None = None
) -> Reading | None:
    """The one value of its own shape on the page (or on the lines ``among``), not on a line naming
    another number (an account, a phone); None when there is none or several different ones, or when
    the page has a label of the field whose value could not be read: nothing is guessed."""
    if has_label(lines, field):
        return None
    found: dict[str, float] = {}
    for line in lines if among is None else [lines[index] for index in among if index < len(lines)]:
        if _OTHER_NUMBERS.search(fold(line.text)):
            continue
        for match in pattern.finditer(line.text):
            value = value_of(match)
            if value is not None:
                confidence = line.confidence(match.start(), match.end()) * SHAPE_FACTOR
                found[value] = max(found.get(value, 0.0), confidence)
    if len(found) != 1:
        return None
    [(value, confidence)] = found.items()
    return Reading(value, confidence)


def _with_continuation(lines: list[Line], value: Value, *, place: bool = False) -> tuple[str, float]:
    """The value and the lines that carry it on; of a ``place`` (an address) only lines that go on
    after a comma or start with a capital or a digit, as the parts of an address do ("của Chi cục
    ..." is another sentence)."""
    texts, confidence = [value.text], _confidence(lines, value)
    for index in continued(lines, value):
        start, end = trimmed(lines[index], 0, len(lines[index].text))
        more = lines[index].text[start:end]
        if place and not (texts[-1].rstrip().endswith(",") or more[:1].isupper() or more[:1].isdigit()):
            break
        texts.append(more)
        confidence = min(confidence, lines[index].confidence(0, len(lines[index].text)))
    return " ".join(texts), confidence


PAYEE_REACH = 4  # lines: an address this close below the payee's label is the payee's
ADDRESS_REACH = 4  # lines from the payer's name where an address without its label is the payer's


def _payees_address(lines: list[Line], value: Value) -> bool:
    """Whether the party label nearest above ``value`` (or before it on its line) names the party
    paid, not the payer: a bank order gives the beneficiary's address too. Of two parties side by
    side (the payer's column and the beneficiary's) the one whose column the value stands in."""
    x = lines[value.line].x(value.start) + 2 * lines[value.line].height
    for index in range(value.line, max(-1, value.line - PAYEE_REACH - 1), -1):
        line = lines[index]
        parties = [
            match
            for match in label_matches(line.text)
            if match.field in {"payer_name", "payee"} and (index < value.line or match.end <= value.start)
        ]
        if parties:
            left = [match for match in parties if line.x(match.start) <= x]
            return (left[-1] if left else parties[0]).field == "payee"
    return False


def payer_address(lines: list[Line]) -> Reading | None:
    """The address after the payer's name, not the payee's (a bank order has both); an address
    written in its parts ("Số nhà: ... Phường/Xã: ... Quận: ... Tỉnh/TP: ...") is one, its parts
    joined by commas."""
    name = next(labelled(lines, "payer_name"), None)
    for value in labelled(lines, "payer_address", first_line=name.line if name else 0):
        if _payees_address(lines, value):
            continue
        text, confidence = _with_continuation(lines, value, place=True)
        return Reading(_address_text(text), confidence)
    if name is None:
        return None
    # A label OCR could not read: "Số 12 phố ..." in the payer's block (an agency's or a bank's own
    # address in the heading is none).
    in_parts = _address_in_parts(lines, range(name.line, len(lines)))
    return in_parts or _by_shape(
        lines, "payer_address", _ADDRESS, _address_shape, range(name.line, name.line + ADDRESS_REACH)
    )


def _address_text(text: str) -> str:
    text = _own_clause(_joined_parts(text))  # "..., Hà Nội; điện thoại: ..." ends at the semicolon
    text = re.sub(r",(?=[^\W\d_])", ", ", text.replace(":", ""))  # "Quận 1,TP." and "Hưng: Đạo" misread
    text = re.sub(r"\b([Ss]ố|[Nn]hà)(?=\d)", r"\1 ", text)  # "Số230"
    text = re.sub(r"(?<=[^\W\d_A-ZĐ]{2})\. (?=[A-ZĐ])", ", ", text)  # "Hoàn Kiếm. Hà Nội"; "TP. Hồ" stays
    return " ".join(text.split()).rstrip(" .,;")


_ADMIN = r"(?:phuong|xa|thi tran|quan|huyen|thi xa|tinh|thanh pho|tp|p|x|q|h|t)"
# The label of a part of an address: "Phường/Xã:", "Quận:", "Tỉnh/TP:", "P/X:" (its slash read "I").
_ADMIN_PART = re.compile(rf"\s*\b{_ADMIN}(?:\s*[/|i]\s*{_ADMIN})*\s*:\s*")


def _joined_parts(text: str) -> str:
    """``text`` with each label of an address's part made a comma, blank parts dropped."""
    pieces, last = [], 0
    for match in _ADMIN_PART.finditer(fold(text)):
        pieces.append(text[last : match.start()])
        last = match.end()
    pieces.append(text[last:])
    return ", ".join(piece.strip(" ,") for piece in pieces if any(char.isalnum() for char in piece))


def _address_in_parts(lines: list[Line], block: range) -> Reading | None:
    """An address written in labelled parts on one line of the payer's block, its first part a house
    number ("Số nhà, đường: Số 12 phố Huế Phường/Xã: ... Quận/Huyện: ... Tỉnh/TP: ...")."""
    for index in block:
        if index >= len(lines):
            break
        line = lines[index]
        for start, end in ((m.start(), m.end()) for m in re.finditer(r"[^\t]+", line.text)):
            column = line.text[start:end]
            if len(_ADMIN_PART.findall(fold(column))) < 2:
                continue
            house = re.search(r"(?:^|:\s*)((?:[Ss]ố|[Nn]hà)\s?\d.*)", column)
            value = Value(index, start + house.start(1), end, house.group(1)) if house else None
            if value is not None and not _payees_address(lines, value):
                return Reading(_address_text(value.text), _confidence(lines, value) * SHAPE_FACTOR)
    return None


def _address_shape(match: re.Match[str]) -> str | None:
    return " ".join(match.group(0).split()).rstrip(" .,;")


def amount_vnd(lines: list[Line], in_words: int | None = None) -> Reading | None:
    """The amount in digits after its label, its grouping read by the document's own (``1.000``).

    Of several labelled amounts (an items row and its total, a box and a sentence) the first, unless
    another one says what the words say (``in_words``): one misread digit does not hide the right one.
    """
    grouping = document_grouping(line.text for line in lines)
    first: Reading | None = None
    first_said = ""
    for value in labelled(lines, "amount_vnd"):
        tokens = [digits(token) for token in value.text.split(" ")]
        text = " ".join(token for token, _ in tokens)
        found = amount_of_digits(text, grouping)
        if found is not None and found.amount > 0:
            confidence = _confidence(lines, value, sum(n for _, n in tokens))
            doubt = _grouping_doubt(text[found.start : found.end], found, grouping)
            reading = Reading(found.amount, confidence, doubt)
            if in_words is None or found.amount == in_words:
                return reading
            if first is None:
                first, first_said = reading, _digits_as_read(text)
    confirmed = _confirmed_by_words(lines, grouping, in_words) if in_words is not None else None
    if (
        confirmed is None
        and first is not None
        and in_words is not None
        and _partly_read(first_said, in_words)
    ):
        doubt = (
            f"{PARTLY_READ}: the digits were read as {first_said!r}, which agree with what the words say, "
            f"{in_words} đồng, where they could be read; the words' amount is proposed; check it"
        )
        return Reading(in_words, min(first.confidence, CHECK_CONFIDENCE), doubt)
    if first is not None or confirmed is not None:
        return confirmed or first

    def amount(match: re.Match[str]) -> str | None:
        found = amount_of_digits(match.group(0), grouping)
        return str(found.amount) if found is not None and found.amount > 0 else None

    shaped = _by_shape(lines, "amount_vnd", _AMOUNT_SHAPE, amount)  # "... 1 015 000 đ" with no label
    return Reading(int(shaped.value), shaped.confidence) if shaped else None


PARTLY_READ = "amount_digits_partly_read"


def _digits_as_read(text: str) -> str:
    """The digits of an amount as read, separators and currency left out, a misread glyph kept
    (``"4ó, 109,000 đ"`` → ``"4ó109000"``)."""
    number = re.split(r"\s(?=[^\W\d_]{2})|\s?(?:đ|VN[ĐD])\b", text, maxsplit=1, flags=re.IGNORECASE)[0]
    return re.sub(r"[\s.,]", "", number)


def _partly_read(said: str, words: int) -> bool:
    """Whether digits read as ``said`` can only be the amount the words say with OCR's usual losses:
    a glyph or two misread in place (``4ó109000``), or a group lost at either end (``3983000`` of
    73 983 000, ``717534`` of 717 534 000)."""
    written = str(words)
    if len(said) == len(written) and any(char.isdigit() for char in said):
        misread = [a for a, b in zip(said, written, strict=True) if a != b]
        return len(misread) <= 2 and not any(char.isdigit() for char in misread)
    lost = len(written) - len(said)
    return (
        said.isdigit()
        and len(said) >= 3
        and 1 <= lost <= 3
        and (written.startswith(said) or written.endswith(said))
    )


def _confirmed_by_words(lines: list[Line], grouping: str | None, in_words: int) -> Reading | None:
    """An amount in digits anywhere on the page, grouped by threes or with its currency, that says
    what the words say: its label was not read ("Tống cộng" a line above its cell), or what was read
    after it was misread ("27" of "27,581,000"), but the words confirm it, so it is no guess."""
    for line in lines:
        if _OTHER_NUMBERS.search(fold(line.text)):
            continue
        for pattern in (_AMOUNT_SHAPE, _GROUPED):
            for match in pattern.finditer(line.text):
                found = amount_of_digits(match.group(0), grouping)
                if found is not None and found.amount == in_words:
                    return Reading(in_words, line.confidence(match.start(), match.end()) * SHAPE_FACTOR)
    return None


def _grouping_doubt(written: str, found: DigitsAmount, grouping: str | None) -> str | None:
    """Why an amount such as ``1.000`` needs checking, or None when the document settles it."""
    if found.doubtful is None:
        return None
    if grouping is None:
        reason = f"{found.doubtful!r} is taken to group thousands; the document's other numbers do not say"
    else:
        reason = f"the document groups thousands with {grouping!r}, so {found.doubtful!r} is a decimal point"
    return f"amount_grouping_ambiguous: {written!r} is read as {found.amount} đồng: {reason}; check it"


def amount_in_words(lines: list[Line]) -> tuple[Reading, Reading | None] | None:
    """(the words as read, the amount they say or None when unreadable)."""
    for value in labelled(lines, "amount_in_words"):
        text = value.text.split(")")[0].strip(" .:")
        confidence = _confidence(lines, value)
        if ")" not in value.text:
            for index in continued(lines, value):
                more = solid_text(lines[index]).split(")")[0].strip(" .")
                if number_words(more) is None:
                    break
                text, confidence = f"{text} {more}", min(confidence, lines[index].confidence(0, len(more)))
        text = up_to_currency(text)
        amount = amount_of_words(text)
        if amount is None:
            return Reading(text, confidence), None
        # The words as they are written, with the marks and letters OCR lost put back; words
        # written without any mark ("Mot trieu dong") stay so.
        confidence *= REPAIR_FACTOR ** amount[1]
        if unmarked(text):
            return Reading(" ".join(text.split()), confidence), Reading(amount[0], confidence)
        restored = " ".join(number_words(text)[0])
        written = restored[:1].upper() + restored[1:] if text[:1].isupper() else restored
        return Reading(written, confidence), Reading(amount[0], confidence)
    return None


def case_payment_code(lines: list[Line]) -> Reading | None:
    """After its label; else by its shape anywhere, such as inside the content ("... mã THA6315")."""
    for value in labelled(lines, "case_payment_code"):
        # "THA 3194" too; "THA778S" is THA7785
        match = re.match(rf"([A-Z]{{2,6}}) ?([{LOOKALIKE}][{LOOKALIKE}SBZ]{{2,}})\b", value.text)
        if match:
            number, repairs = digits(match.group(2))
            if number.isdigit():
                return Reading(match.group(1) + number, _confidence(lines, value, repairs))

    def code(match: re.Match[str]) -> str | None:
        number, _ = digits(match.group(1))
        return f"THA{number}" if number.isdigit() else None

    return _by_shape(lines, "case_payment_code", CASE_CODE, code)


def _weighed(found: tuple[str, float, int] | None) -> Reading | None:
    """A reader's (text, confidence, repairs) as a reading, its confidence lowered for each repair."""
    return Reading(found[0], found[1] * REPAIR_FACTOR ** found[2]) if found else None


def decision_number(lines: list[Line]) -> Reading | None:
    return _weighed(document_numbers.decision(lines))


def judgment_number(lines: list[Line]) -> Reading | None:
    return _weighed(document_numbers.judgment(lines))


def document_date(lines: list[Line]) -> Reading | None:
    return _weighed(dates.document_date(lines))


MAX_REFERENCE = 20  # characters of a bank's transaction reference


def bank_reference(lines: list[Line]) -> Reading | None:
    """After its label: letters then digits, one token; digits OCR set apart by a space
    ("FT2532 1206085") are one reference again."""
    for value in labelled(lines, "bank_reference"):
        tokens = [token.strip(".,;") for token in value.text.split()]
        token = tokens[0]
        for more in tokens[1:]:
            prefix = re.fullmatch(r"[A-Z]{2,4}", token) is not None  # "FT 2514..."
            started = prefix or any(char.isdigit() for char in token)
            if not (more.isdigit() and started and len(token + more) <= MAX_REFERENCE):
                break
            token += more
        match = re.fullmatch(rf"([A-Z]{{0,4}})([{LOOKALIKE}A-Z]{{4,}})", token)
        if match and len(token) >= 6:
            tail, repairs = digits(match.group(2))
            return Reading(match.group(1) + tail, _confidence(lines, value, repairs))
    return None


def purpose(lines: list[Line]) -> Reading | None:
    for value in labelled(lines, "purpose"):
        text, confidence = _with_continuation(lines, value)
        text = re.sub(r"(?<=[A-ZĐ])\s*-\s*(?=[A-ZĐ]{2})", "-", " ".join(text.split()))  # "QĐ - THADS"
        text = re.sub(r"\bTHA\s+(?=\d{4,6}\b)", "THA", text)  # a case code cut in two: "THA 3194"
        text, numbered = document_numbers.cited_numbers(text)
        text, repairs = form_words(text)
        return Reading(text.rstrip(" .,;"), confidence * REPAIR_FACTOR ** (repairs + numbered))
    return None


def _cross_check(fields: ExtractedFields) -> None:
    digits_said, words_said = fields.values.get("amount_vnd"), fields.values.get("amount_words_vnd")
    if digits_said is None or words_said is None:
        return
    if digits_said == words_said:
        agreed = 1 - (1 - fields.confidences["amount_vnd"]) * (1 - fields.confidences["amount_words_vnd"])
        fields.confidences["amount_vnd"] = fields.confidences["amount_words_vnd"] = round(agreed, 3)
        return
    fields.warnings.append(
        f"amount_mismatch: the digits say {digits_said} đồng, the words say {words_said} đồng; "
        "check the document"
    )
    for name in ("amount_vnd", "amount_words_vnd"):
        fields.confidences[name] = min(fields.confidences[name], CHECK_CONFIDENCE)


def extract_fields(lines: list[Line]) -> ExtractedFields:
    fields = ExtractedFields()
    fields.set("payer_name", payer_name(lines))
    fields.set("payer_id_number", payer_id_number(lines))
    fields.set("payer_address", payer_address(lines))
    words = amount_in_words(lines)
    amount = amount_vnd(lines, words[1].value if words is not None and words[1] is not None else None)
    fields.set("amount_vnd", amount)
    if words is not None:
        fields.set("amount_in_words", words[0])
        fields.set("amount_words_vnd", words[1])
        if words[1] is None:
            fields.warnings.append(
                f"amount_in_words_unreadable: {words[0].value!r} is not an amount in words"
            )
    for name, extractor in (
        ("decision_number", decision_number),
        ("judgment_number", judgment_number),
        ("case_payment_code", case_payment_code),
        ("document_date", document_date),
        ("bank_reference", bank_reference),
        ("purpose", purpose),
    ):
        fields.set(name, extractor(lines))
    _cross_check(fields)
    partly = amount is not None and amount.doubt is not None and amount.doubt.startswith(PARTLY_READ)
    if amount is not None and amount.doubt and ("amount_words_vnd" not in fields.values or partly):
        fields.warnings.append(amount.doubt)  # nothing confirms the reading: the officer must
        fields.confidences["amount_vnd"] = min(fields.confidences["amount_vnd"], CHECK_CONFIDENCE)
    return fields
