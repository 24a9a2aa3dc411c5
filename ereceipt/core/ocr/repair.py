"""Repairs of typical Tesseract misreadings in Vietnamese documents, each one counted.

- ``fold``: lower case without diacritics, one character for one (``Đ`` → ``d``), so that a label
  is found even when its marks were misread and positions still match the original text;
- ``digits``: letters read for digits inside a number (``O``/``o``/``Ø``/``D``/``Q`` → 0,
  ``l``/``I``/``|``/``!`` → 1, ``S`` → 5, ``B`` → 8, ``Z`` → 2), only in a token with a digit that
  then is all digits and separators;
- ``joined_syllables``: a name's syllable cut in two (``Nguy ễn``, ``Ph ạm``, ``Trầ n``) is joined
  when a piece has no vowel or starts in lower case inside a capitalised name.
"""

from __future__ import annotations

import unicodedata

_DIGIT_LOOKALIKES = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "Ø": "0",
        "ø": "0",
        "D": "0",
        "Q": "0",
        "l": "1",
        "I": "1",
        "|": "1",
        "!": "1",
        "i": "1",
        "S": "5",
        "s": "5",
        "B": "8",
        "Z": "2",
        "z": "2",
    }
)
_SEPARATORS = set(".,/- ")
VOWELS = set("aeiouy")


def cleaned(word: str) -> str:
    """A word as Vietnamese writes it: NFC, the Icelandic Ð Tesseract reads for Đ, no doubled Đ, the
    fraction slash it reads for a slash."""
    word = unicodedata.normalize("NFC", word).replace("Ð", "Đ").replace("ð", "đ")
    word = word.replace("\u2044", "/").replace("\u2215", "/")  # fraction and division slashes
    while "ĐĐ" in word:
        word = word.replace("ĐĐ", "Đ")
    return word


def may_be_joined(left: str, right: str) -> bool:
    """Whether two pieces written close together can be one syllable cut in two."""
    if not (left[-1:].isalpha() and right[:1].isalpha()):
        return False
    return _fragment(left) or _fragment(right) or (right[0].islower() and fold_char(right[0]) in VOWELS)


def fold_char(char: str) -> str:
    if char in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", char)[0]
    return base.lower() if len(base.lower()) == 1 else char


def fold(text: str) -> str:
    """``"Số tiền BẰNG CHỮ"`` → ``"so tien bang chu"``; as long as ``text`` (NFC)."""
    return "".join(fold_char(char) for char in text)


def digits(token: str, *, in_number: bool = False) -> tuple[str, int]:
    """``token`` with look-alike letters read as digits, and how many were changed.

    Only a token that has a digit (or stands where a number must, ``in_number``: "ngày II tháng")
    and becomes nothing but digits and separators: a word stays a word.
    """
    fixed = token.translate(_DIGIT_LOOKALIKES)
    has_digit = in_number or any(char.isdigit() for char in token)
    if not has_digit or not all(c.isdigit() or c in _SEPARATORS for c in fixed):
        return token, 0
    return fixed, sum(a != b for a, b in zip(token, fixed, strict=True))


def _has_vowel(piece: str) -> bool:
    return any(fold_char(char) in VOWELS for char in piece)


def _fragment(piece: str) -> bool:
    """Too short to be a syllable: at most two letters and no vowel (``Ng``, ``Ph``, ``n``)."""
    return len(piece) <= 2 and piece.isalpha() and not _has_vowel(piece)


def joined_syllables(words: list[str]) -> tuple[list[str], int]:
    """Rejoin syllables Tesseract cut in two; returns the words and how many joins were made.

    A vowelless fragment joins the next word when that starts with a vowel (``Ng uyễn``), else the
    word before (``Trầ n``); in a capitalised name a lower-case piece starting with a vowel joins the
    word before (``Nguy ễn``), while ``Công ty`` stays two words.
    """
    capitalised = sum(word[:1].isupper() for word in words) > len(words) / 2
    joined: list[str] = []
    joins = 0
    carried = ""
    for index, word in enumerate(words):
        word = carried + word
        carried = ""
        following = words[index + 1] if index + 1 < len(words) else ""
        if _fragment(word) and following and fold_char(following[0]) in VOWELS:
            carried = word
            joins += 1
            continue
        starts_lower_vowel = word[:1].islower() and fold_char(word[0]) in VOWELS
        if joined and (_fragment(word) or (capitalised and starts_lower_vowel)):
            joined[-1] += word
            joins += 1
        else:
            joined.append(word)
    if carried:
        joined.append(carried)
    return joined, joins


# Words of payment forms whose marks Tesseract often misreads, put back where their neighbours
# leave no doubt: (the word, folded words that may stand before it, folded words that may follow it).
_FORM_WORDS = {
    "tien": ("tiền", {"nop", "thu", "so", "khoan", "chuyen", "tra"}, {"thi", "mat", "nop"}),
    "nop": ("nộp", {"da", "phai"}, {"tien"}),
    "su": ("sự", {"dan"}, {"thi"}),
}
# Words of the names of agencies and court instances, put back with the capital they were read with
# ("của Chỉ cục Thi hành án" is "của Chi cục Thi hành án"); "cục" after "Chi" is always small.
_NAME_WORDS = {
    "thi": ("thi", set(), {"hanh"}),
    "hanh": ("hành", {"thi"}, {"an"}),
    "an": ("án", {"hanh"}, set()),
    "chi": ("chi", set(), {"cuc"}),
    "cuc": ("cục", {"chi"}, set()),
    "dan": ("dân", set(), {"su"}),
    "tham": ("thẩm", {"so", "phuc", "doc", "tai"}, set()),
}


def unmarked(text: str) -> bool:
    """Whether the words of ``text`` have no letter with a mark (written without diacritics, "Nop
    tien THA theo QĐ-CCTHADS": codes in capitals do not count)."""
    words = " ".join(word for word in text.split() if not word.isupper())
    return fold(words) == words.lower()


def form_words(text: str) -> tuple[str, int]:
    """``"Nộp tiên thi hành án dân Sự"`` → ``"Nộp tiền thi hành án dân sự"``, and how many words
    were put back: a word is restored only beside a neighbour that settles it, in lower case after
    a lower-case word; text written without any mark ("Nop tien thi hanh an") is left as written."""
    if unmarked(text):
        return text, 0
    words = text.split(" ")
    folded = [fold(word).strip(".,;:") for word in words]
    repairs = 0
    for index, word in enumerate(words):
        key = folded[index]
        known = _FORM_WORDS.get(key) or _NAME_WORDS.get(key)
        if known is None:
            continue
        before = folded[index - 1] if index else ""
        after = folded[index + 1] if index + 1 < len(words) else ""
        if before not in known[1] and after not in known[2]:
            continue
        core = word.strip(".,;:")
        if key in _NAME_WORDS:
            upper = core[:1].isupper() and key != "cuc"
        else:
            upper = core[:1].isupper() and (index == 0 or words[index - 1][:1].isupper())
        restored = known[0][:1].upper() + known[0][1:] if upper else known[0]
        if core == restored:
            continue
        words[index] = word.replace(core, restored, 1)
        repairs += 1
    return " ".join(words), repairs


# The commonest Vietnamese surnames, each the only one its letters without marks spell: a surname
# whose marks OCR misread ("Đăng", "Vữ") is put back. Words of company names likewise.
_SURNAMES = {
    fold(name).lower(): name
    for name in (
        "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
        "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Trương", "Lâm", "Đoàn", "Lương", "Vương",
    )
}  # fmt: skip
_COMPANY_WORDS = {("cong", "ty"): ("công", "ty"), ("co", "phan"): ("cổ", "phần")}


def name_words(words: list[str]) -> tuple[list[str], int]:
    """A name's words with the marks of a common surname or of "Công ty Cổ phần" put back, keeping
    the capitals read, and how many words were changed; a name written without any mark (a bank's
    "NGUYEN VAN AN") is left as written."""
    if unmarked(" ".join(words)):
        return words, 0
    fixed, repairs = list(words), 0

    def put(index: int, word: str) -> None:
        nonlocal repairs
        read = fixed[index]
        word = word.upper() if read.isupper() else word[:1].upper() + word[1:] if read[:1].isupper() else word
        if word != read:
            fixed[index], repairs = word, repairs + 1

    folded = [fold(word) for word in words]
    company = False
    for index in range(len(words) - 1):
        pair = _COMPANY_WORDS.get((folded[index], folded[index + 1]))
        if pair:
            company = True
            put(index, pair[0])
            put(index + 1, pair[1])
    if not company and 2 <= len(words) <= 5 and folded[0] in _SURNAMES:
        put(0, _SURNAMES[folded[0]])
    return fixed, repairs
