"""Finding a case's payment code in the content of a bank transfer (NAPAS/VietQR transfer content).

Banks change what the payer typed: Vietnamese diacritics are stripped, letters change case, spaces
and punctuation are added or dropped, text is put before and after, and the whole is cut to a short
length. The code is therefore searched in the text reduced to upper-case ASCII letters and digits:
every substring of a known code length is a candidate, and a tail cut short by truncation is a
candidate prefix. Which candidates are real codes is the caller's query.
"""

from __future__ import annotations

import re
import unicodedata

MIN_TRUNCATED = 6  # fewer characters of a code than this are too weak to name a case
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def compact(text: str) -> str:
    """Upper-case ASCII letters and digits only: ``"Nộp tiền THA-25 01"`` → ``"NOPTIENTHA2501"``."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_ALNUM.sub("", ascii_only.upper())


def candidates(texts: tuple[str, ...] | list[str], code_lengths: set[int]) -> set[str]:
    """Every substring of the compacted texts that has the length of some payment code."""
    found: set[str] = set()
    for text in texts:
        reduced = compact(text)
        for length in code_lengths:
            found.update(reduced[i : i + length] for i in range(len(reduced) - length + 1))
    return found


def truncated_tails(texts: tuple[str, ...] | list[str], longest_code: int) -> set[str]:
    """Tails of each text that may be the start of a code cut off by the bank's length limit."""
    tails: set[str] = set()
    for text in texts:
        reduced = compact(text)
        for length in range(MIN_TRUNCATED, min(longest_code, len(reduced) + 1)):
            tails.add(reduced[-length:])
    return tails


def choose(codes: set[str]) -> str | None:
    """The one code found, or None when none or several different codes were found (ambiguous).

    A code found inside a longer code found too (THA2501 inside THA25012) is the longer one's.
    """
    kept = {code for code in codes if not any(code != other and code in other for other in codes)}
    return next(iter(kept)) if len(kept) == 1 else None
