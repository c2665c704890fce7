"""Personal data, defined once: what counts as a phone or ID number in text.

validate (a public item with any of these is an error), import (removed from
the body), the site and the Word documents (masked) all use these functions.
Text is compared after NFKC normalisation, so full-width digits (１３８…) and
full-width punctuation are caught like ASCII ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

MOBILE = "手机号码"
LANDLINE = "固定电话"
ID_NUMBER = "身份证号码"

_SEP = r"[ \-\u2010-\u2015]?"  # a space or dash a person may put between digit groups
_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)?86" + _SEP + r")?1[3-9][0-9](?:" + _SEP + r"[0-9]){8}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(?:\(0[1-9][0-9]{1,2}\)|0[1-9][0-9]{1,2}[ \-\u2010-\u2015])" + _SEP + r"[2-9][0-9]{2,3}" + _SEP + r"[0-9]{4}(?![0-9])")
_ID = re.compile(r"(?<![0-9])[1-9][0-9]{5}" + _SEP + r"(?:18|19|20)[0-9]{2}" + _SEP + r"[0-9]{4}" + _SEP + r"[0-9]{3}[0-9Xx](?![0-9A-Za-z])")
_QUICK = re.compile(r"[0-9]")


@dataclass(frozen=True)
class Match:
    start: int  # offsets in the text as given
    end: int
    kind: str  # MOBILE, LANDLINE or ID_NUMBER
    text: str


def _normalise(text: str) -> tuple[str, list[int]]:
    """NFKC text and, for each of its characters, the offset in the original."""
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        norm = unicodedata.normalize("NFKC", char) if not char.isascii() else char
        out.append(norm)
        where.extend([index] * len(norm))
    return "".join(out), where


def find(text: str) -> Iterator[Match]:
    """Every phone or ID number in `text`, left to right, not overlapping."""
    if not _QUICK.search(unicodedata.normalize("NFKC", text)) if not text.isascii() else not _QUICK.search(text):
        return
    norm, where = _normalise(text)
    found: list[tuple[int, int, str]] = []
    for pattern, kind in ((_ID, ID_NUMBER), (_MOBILE, MOBILE), (_LANDLINE, LANDLINE)):
        for m in pattern.finditer(norm):
            if not any(s < m.end() and m.start() < e for s, e, _ in found):
                found.append((m.start(), m.end(), kind))
    for s, e, kind in sorted(found):
        start, end = where[s], where[e - 1] + 1
        yield Match(start, end, kind, text[start:end])


def has_any(text: str) -> bool:
    return next(find(text), None) is not None


def mask_number(number: str) -> str:
    """138****8000: enough to recognise, not enough to call."""
    digits = [c for c in unicodedata.normalize("NFKC", number) if c.isalnum()]
    if len(digits) <= 7:
        return "*" * len(digits)
    return "".join(digits[:3]) + "*" * (len(digits) - 7) + "".join(digits[-4:])


def mask(text: str) -> str:
    """`text` with every phone and ID number masked."""
    parts: list[str] = []
    last = 0
    for m in find(text):
        parts.append(text[last : m.start])
        parts.append(mask_number(m.text))
        last = m.end
    parts.append(text[last:])
    return "".join(parts)
