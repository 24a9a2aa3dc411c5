"""VietQR payloads (NAPAS, on EMVCo QR Code Specification for Payment Systems, merchant-presented mode).

A string the portal renders as a QR code; banking apps read from it the beneficiary bank (BIN),
the account, the amount in đồng and the transfer content: the case's payment code, which the
bank intake matches. Fields are ID, two-digit length, value; the last is a CRC-16/CCITT-FALSE.
"""

NAPAS_GUID = "A000000727"
TO_ACCOUNT = "QRIBFTTA"


def _field(field_id: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"VietQR field {field_id} is longer than 99 characters")
    return f"{field_id}{len(value):02d}{value}"


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, as EMVCo prescribes."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def vietqr_payload(bank_bin: str, account: str, amount: int, content: str) -> str:
    """A dynamic VietQR for a transfer of ``amount`` đồng to ``account`` with ``content`` as its text."""
    if not (bank_bin.isdigit() and len(bank_bin) == 6):
        raise ValueError("a bank BIN is 6 digits")
    if not content.isascii():
        raise ValueError("transfer content must be ASCII")
    beneficiary = _field("00", bank_bin) + _field("01", account)
    merchant = _field("00", NAPAS_GUID) + _field("01", beneficiary) + _field("02", TO_ACCOUNT)
    payload = (
        _field("00", "01")
        + _field("01", "12")  # dynamic: the code is for this amount
        + _field("38", merchant)
        + _field("53", "704")  # ISO 4217 numeric code of the đồng
        + _field("54", str(amount))
        + _field("58", "VN")
        + _field("62", _field("08", content))
        + "6304"
    )
    return payload + f"{crc16_ccitt(payload.encode('ascii')):04X}"
