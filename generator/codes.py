"""Identifier check characters: 统一社会信用代码 and resident identity numbers.

* 统一社会信用代码 (unified social credit code, USCC), GB 32100-2015: 18
  characters from the 31 symbols ``0-9 A-H J-N P-R T U W-Y`` (no I, O, S, V, Z);
  the 18th is a check character computed from the first 17 with the weights
  1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28 (3^i mod 31), as
  ``(31 - sum mod 31) mod 31``.
* 注册号, the 15-digit registration number that preceded the USCC (GB/T 17710,
  ISO 7064 MOD 11,10 check digit). Accepted only where a registry allows it.
* 居民身份证号码, GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2 check
  character (``0-9`` or ``X``). Used to find personal data that must not be
  published, never to identify anyone.
"""

from __future__ import annotations

import re

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{18}$")
# Weighted value of each symbol at each position, so a check is 17 lookups.
_USCC_TABLE = [{ch: (v * w) for ch, v in _USCC_VALUE.items()} for w in USCC_WEIGHTS]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def uscc_check_char(first17: str) -> str:
    """The check character for the first 17 characters of a USCC."""
    total = sum(table[ch] for table, ch in zip(_USCC_TABLE, first17, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid USCC, or None when it is."""
    if len(code) != 18:
        return f"a USCC has 18 characters (got {len(code)})"
    if not _USCC_SHAPE.match(code):
        bad = next(ch for ch in code if ch not in _USCC_VALUE)
        return (
            f"character {bad!r} is not allowed in a USCC (I, O, S, V, Z and lower case never occur)"
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return (
            f"check character is wrong (got {code[17]!r}, expected {expected!r} per GB 32100-2015)"
        )
    return None


def is_uscc(code: str) -> bool:
    """True when ``code`` is a well-formed USCC with the right check character."""
    if len(code) != 18:
        return False
    try:
        # map() over the per-position tables stops after 17 characters; faster than a generator.
        total = sum(map(dict.__getitem__, _USCC_TABLE, code))
    except KeyError:
        return False
    return USCC_ALPHABET[-total % 31] == code[17]


def registration_number_problem(code: str) -> str | None:
    """Why ``code`` is not a valid 15-digit 注册号 (GB/T 17710 MOD 11,10), or None."""
    if len(code) != 15 or not code.isdigit() or not code.isascii():
        return f"a 注册号 has 15 digits (got {code!r})"
    p = 10
    for ch in code[:14]:
        s = (p + int(ch)) % 10 or 10
        p = (s * 2) % 11
    expected = (11 - p) % 10
    if int(code[14]) != expected:
        return f"check digit is wrong (got {code[14]}, expected {expected} per GB/T 17710)"
    return None


def registration_check_digit(first14: str) -> str:
    """The MOD 11,10 check digit for the first 14 digits of a 注册号."""
    p = 10
    for ch in first14:
        s = (p + int(ch)) % 10 or 10
        p = (s * 2) % 11
    return str((11 - p) % 10)


def resident_id_valid(number: str) -> bool:
    """True when ``number`` is 17 digits plus a valid MOD 11-2 check character."""
    if len(number) != 18 or not number[:17].isdigit() or not number.isascii():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])")
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")


_SEVEN_DIGITS = re.compile(r"[0-9]{3}[- ]?[0-9]{4}")
"""Every mobile number and resident ID number contains this: a cheap test first."""


def find_personal_numbers(text: str) -> list[str]:
    """Mainland mobile numbers and valid resident ID numbers found in ``text``,
    each described for an error message."""
    if not _SEVEN_DIGITS.search(text):
        return []
    found: list[str] = []
    for match in _RESIDENT_ID.finditer(text):
        if resident_id_valid(match.group()):
            found.append(f"a resident ID number ({_mask(match.group())})")
    for match in _MOBILE.finditer(text):
        digits = re.sub(r"[^0-9]", "", match.group())[-11:]
        found.append(f"a mobile phone number ({_mask(digits)})")
    return found


def _mask(digits: str) -> str:
    """Keep the first three and last four characters: enough to find it, not to use it."""
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
