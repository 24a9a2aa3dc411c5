"""What the enforcement case says about a counter scan: suggestions for fields not read, disagreements.

When a reading names a case payment code (or, failing that, a decision number that one case of the
agency has), the case's obligor, identity number, address, amount owed and purpose are offered for
the fields the document did not give. They are suggestions, marked as such on the form: nothing
read is replaced, and a suggestion kept by the officer counts as entered by that officer. Where the
document and the case disagree (a code no case has, a decision number of another case, another
name, identity number or amount), the officer is warned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ereceipt.core.ocr.repair import fold
from ereceipt.core.receipts.tables import EnforcementCase, Issuer


@dataclass
class CaseHints:
    """The case found (its payment code) or None, the suggested values, and the warnings."""

    case_code: str | None = None
    suggested: dict[str, str | int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _same_text(a: str, b: str) -> bool:
    return " ".join(fold(a).split()) == " ".join(fold(b).split())


def _decision(text: str) -> str:
    return re.sub(r"\s+", "", text).upper().replace("QD", "QĐ")


def case_hints(session: Session, agency_code: str, fields: dict) -> CaseHints:
    """Suggestions and warnings from the agency's case named by ``fields`` (an OCR reading)."""
    hints = CaseHints()
    code = str(fields.get("case_payment_code") or "").strip().upper()
    decision = str(fields.get("decision_number") or "").strip()
    cases = select(EnforcementCase).join(Issuer).where(Issuer.code == agency_code)
    case = None
    if code:
        case = session.scalar(cases.where(EnforcementCase.payment_code == code))
        if case is None:
            hints.warnings.append(f"case_unknown: không có hồ sơ thi hành án mã {code} của đơn vị này")
            return hints
    elif decision:
        found = [c for c in session.scalars(cases) if _decision(c.decision_number) == _decision(decision)]
        if len(found) == 1:
            case = found[0]
            hints.suggested["case_payment_code"] = case.payment_code
    if case is None:
        return hints
    hints.case_code = case.payment_code
    if decision and _decision(decision) != _decision(case.decision_number):
        hints.warnings.append(
            f"decision_not_of_case: quyết định số {decision} trên chứng từ không phải của hồ sơ "
            f"{case.payment_code} (quyết định số {case.decision_number})"
        )
    known = {
        "payer_name": case.obligor_name,
        "payer_id_number": case.obligor_id_number,
        "payer_address": case.obligor_address,
        "amount_vnd": case.amount_due,
        "purpose": case.purpose,
    }
    for name, value in known.items():
        read = fields.get(name)
        if value in (None, ""):
            continue
        if read in (None, ""):
            hints.suggested[name] = value
        elif name == "amount_vnd" and read != value:
            hints.warnings.append(
                f"amount_differs_from_case: chứng từ ghi {read} đồng, hồ sơ {case.payment_code} "
                f"phải thi hành {value} đồng"
            )
        elif name in ("payer_name", "payer_id_number") and not _same_text(str(read), str(value)):
            what = "người phải thi hành án" if name == "payer_name" else "số định danh"
            hints.warnings.append(
                f"{name}_differs_from_case: chứng từ ghi {read}, hồ sơ {case.payment_code} ghi {what} {value}"
            )
    return hints
