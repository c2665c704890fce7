"""Personal data, defined once: what counts as a phone or ID number in text.

validate (a public item with any of these is an error), import (removed from
the body), the site and the Word documents (masked) all use these functions.

What is found:

- mobile numbers: 13912345678, 139 1234 5678, 139-1234-5678, 1391 234 5678,
  with or without +86 / 0086 / (+86) / 86 in front;
- landlines with an area code: 0571-87654321, (0571)8765 4321, 010-6552 9988,
  0571 87654321, 057187654321, +86 571 8765 4321;
- 18-digit ID numbers (last character a digit or X), also written in groups
  (110101 19900307 123X); the birth date must be a possible one.

Digits and punctuation are compared as NFKC would see them (full-width
１３９, （0571）, mathematical and other scripts' digits), so a number typed
in an unusual script is still found.  Not found on purpose: numbers followed
by 元/万/亿/% (amounts), 8-digit numbers without an area code, dates, years,
item ids and letter numbers.

Speed: validate runs this over every string of every item.  A cheap scan for
ten or more digits close together picks the few places worth a look; only
there is the text mapped to ASCII and matched precisely.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

MOBILE = "手机号码"
LANDLINE = "固定电话"
ID_NUMBER = "身份证号码"

# --- where to look: ten or more digits of any script, a few separators apart ------------

_DIGITLIKE = r"\d\u00b2\u00b3\u00b9\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u24ea"  # \d is every script's digits
_GAP = r"[\s.\-\u2010-\u2015\u2212\ufe63\uff0d()\uff08\uff09\ufe59\ufe5a+\uff0b\ufe62\u207a\u208a\u207d\u207e\u208d\u208e]"
# ten digits at least (the shortest number found is 010 and seven digits); a line break with the next
# line's indentation counts as one gap (a YAML value folded over lines); not inside a hash (sha256:3b9c…)
_CANDIDATE = re.compile(f"[{_DIGITLIKE}](?<![0-9a-f][{_DIGITLIKE}])(?:(?:\n[ \t]*|{_GAP}){{0,5}}+[{_DIGITLIKE}]){{9,}}+")
_CONTEXT = 4  # characters kept around a candidate: +86 and ( before it, 元 after it


class _Ascii(dict[int, str]):
    """str.translate table, filled on demand: every character NFKC makes a digit,
    + - ( ) or a space becomes that ASCII character; the rest stay.  One character
    for one, so offsets in the mapped text are offsets in the original."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        value = char
        if code >= 0x80:
            if unicodedata.category(char) == "Nd":
                value = str(unicodedata.decimal(char))
            else:
                norm = unicodedata.normalize("NFKC", char)
                if len(norm) == 1 and (norm in "0123456789+-() Xx" or unicodedata.category(norm) == "Pd"):
                    value = norm
        elif char == "\t":
            value = " "
        self[code] = value
        return value


_ASCII = _Ascii()

# --- what counts, in the ASCII-mapped text ------------------------------------------------------

_SEP = r"(?:[ ]{0,2}[\-\u2010-\u2015\u2212][ ]{0,2}|[ ]{1,2}|\.)"  # what people put between digit groups
_CC = rf"(?:\(?(?:\+|00)86\)?{_SEP}?|86)"  # +86, 0086, (+86), 86 glued to the number
_BEFORE = r"(?<![0-9a-f])(?<![0-9]\.)"  # not inside a longer number, a decimal or a hash (sha256:3b9c…)
_AFTER = r"(?![0-9a-f]|\.[0-9]|[ ]?[元万亿%‰])"  # nor an amount or a percentage
# how people group the 11 digits of a mobile: 139 1234 5678, 1391 234 5678, 1-391-234-5678 …
_MOBILE_GROUPS = ((3, 4, 4), (4, 3, 4), (4, 4, 3), (5, 3, 3), (7, 4), (1, 3, 3, 4))


def _grouped(groups: tuple[int, ...]) -> str:
    """A mobile number's 11 digits in these groups, a separator allowed between groups."""
    left = ["1", "[3-9]", *["[0-9]"] * 9]
    parts = []
    for size in groups:
        parts.append("".join(left[:size]))
        left = left[size:]
    return f"{_SEP}?".join(parts)


_ID_RE = (
    rf"{_BEFORE}[1-9][0-9]{{5}}{_SEP}?(?:18|19|20)[0-9]{{2}}{_SEP}?(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    rf"{_SEP}?[0-9]{{3}}[0-9Xx](?![0-9A-Za-z])"
)
_MOBILE_RE = rf"{_BEFORE}{_CC}?(?:{'|'.join(_grouped(g) for g in _MOBILE_GROUPS)}){_AFTER}"
_LOCAL = rf"{_SEP}?[2-9][0-9]{{2,3}}{_SEP}?[0-9]{{4}}{_AFTER}"
_LANDLINE_INTL = rf"{_BEFORE}(?:\(?(?:\+|00)86\)?{_SEP}?)(?:\(0?[1-9][0-9]{{1,2}}\)|0?[1-9][0-9]{{1,2}}){_LOCAL}"
_LANDLINE_HOME = rf"{_BEFORE}(?:\(0[1-9][0-9]{{1,2}}\)|0[1-9][0-9]{{1,2}}){_LOCAL}"
_NUMBER = re.compile(f"(?P<id>{_ID_RE})|(?P<mobile>{_MOBILE_RE})|(?P<landline>{_LANDLINE_INTL}|{_LANDLINE_HOME})")
_KINDS = {"id": ID_NUMBER, "mobile": MOBILE, "landline": LANDLINE}


@dataclass(frozen=True)
class Match:
    start: int  # offsets in the text as given
    end: int
    kind: str  # MOBILE, LANDLINE or ID_NUMBER
    text: str


def candidates(text: str) -> bool:
    """Whether `text` has anything that may be a phone or ID number (cheap; no false negatives)."""
    return _CANDIDATE.search(text) is not None


def find(text: str) -> Iterator[Match]:
    """Every phone or ID number in `text`, left to right, not overlapping."""
    last_end = 0
    for candidate in _CANDIDATE.finditer(text):
        start = max(candidate.start() - _CONTEXT, 0)
        end = min(candidate.end() + _CONTEXT, len(text))
        window = text[start:end]
        mapped = window if window.isascii() else window.translate(_ASCII)
        for m in _NUMBER.finditer(mapped, max(last_end - start, 0)):  # the lookbehinds still see what is before
            kind = m.lastgroup
            if kind is None:  # pragma: no cover - every alternative is a named group
                continue
            last_end = start + m.end()
            yield Match(start + m.start(), last_end, _KINDS[kind], text[start + m.start() : last_end])


def has_any(text: str) -> bool:
    return next(find(text), None) is not None


def digits(number: str) -> str:
    """The digits (and an ID's X) of a number as found, without +86 / 0086 in front."""
    mapped = number.translate(_ASCII).lstrip()
    plain = "".join(c for c in mapped if c.isascii() and c.isalnum()).upper()
    if mapped.startswith(("+86", "(+86", "0086", "(0086")) or (len(plain) == 13 and plain.startswith("861")):
        rest = plain[4:] if plain.startswith("0086") else plain[2:]
        if 9 <= len(rest) <= 11:
            return rest
    return plain


def mask_number(number: str) -> str:
    """138****8000: enough to recognise, not enough to call.  +86 139 1234 5678 → 139****5678."""
    plain = digits(number)
    if len(plain) <= 7:
        return "*" * len(plain)
    return plain[:3] + "*" * (len(plain) - 7) + plain[-4:]


def canonical(match: Match) -> str:
    """The number as the people registry writes it: a mobile as 11 digits,
    a landline as 0571-87654321, an ID number as 18 characters."""
    plain = digits(match.text)
    if match.kind != LANDLINE:
        return plain
    if not plain.startswith("0"):
        plain = "0" + plain
    area = 3 if plain[1] in "12" else 4  # 010 and 02x have three digits, the rest four
    return f"{plain[:area]}-{plain[area:]}"


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
