"""Check characters of 统一社会信用代码, 注册号 and resident ID numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.codes import (
    USCC_ALPHABET,
    find_personal_numbers,
    is_uscc,
    registration_check_digit,
    registration_number_problem,
    resident_id_valid,
    uscc_check_char,
    uscc_problem,
)

# GB 32100-2015 vectors, as listed in the project's shared VECTORS.md:
# 91350100M000100Y43 is the standard's own example; the others are real codes.
VALID_USCC = [
    "91350100M000100Y43",
    "914403001922038216",
    "9144030071526726XG",
    "91110108551385082Q",
]
INVALID_USCC = ["91350100M000100Y4Z", "91310115MA1H8R7C6D", "9133010057462616XH"]


@pytest.mark.parametrize("code", VALID_USCC)
def test_valid_uscc(code: str) -> None:
    assert is_uscc(code)
    assert uscc_problem(code) is None
    assert uscc_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("code", INVALID_USCC)
def test_invalid_uscc(code: str) -> None:
    assert not is_uscc(code)
    assert uscc_problem(code) is not None


def test_uscc_messages() -> None:
    assert uscc_problem("9135") == "a USCC has 18 characters (got 4)"
    assert uscc_problem("91350100M000100Y4Z") == (
        "character 'Z' is not allowed in a USCC (I, O, S, V, Z and lower case never occur)"
    )
    assert uscc_problem("91350100M000100Y44") == (
        "check character is wrong (got '4', expected '3' per GB 32100-2015)"
    )


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_check_char_makes_any_body_valid(body: str) -> None:
    code = body + uscc_check_char(body)
    assert is_uscc(code)
    assert uscc_problem(code) is None


@given(
    st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17),
    st.integers(min_value=0, max_value=16),
    st.sampled_from(USCC_ALPHABET),
)
def test_single_substitution_is_caught(body: str, pos: int, replacement: str) -> None:
    code = body + uscc_check_char(body)
    changed = code[:pos] + replacement + code[pos + 1 :]
    # GB 32100's weights are coprime with 31, so any single change moves the checksum.
    assert is_uscc(changed) == (changed == code)


def test_registration_number() -> None:
    body = "44030010000000"
    code = body + registration_check_digit(body)
    assert registration_number_problem(code) is None
    wrong = body + str((int(code[-1]) + 1) % 10)
    assert "check digit is wrong" in (registration_number_problem(wrong) or "")
    assert registration_number_problem("12345") == "a 注册号 has 15 digits (got '12345')"


def test_resident_id() -> None:
    # GB 11643-1999's own example number.
    assert resident_id_valid("11010519491231002X")
    assert not resident_id_valid("110105194912310021")


def test_find_personal_numbers() -> None:
    text = "联系人张三，电话13812345678，身份证11010519491231002X。"
    assert find_personal_numbers(text) == [
        "a resident ID number (110***********002X)",
        "a mobile phone number (138****5678)",
    ]
    # Landlines, USCCs and numbers inside longer digit runs are not personal numbers.
    assert find_personal_numbers("0832-6210001 914403001922038216 9913812345678") == []
    assert find_personal_numbers("+86 138-1234-5678") == ["a mobile phone number (138****5678)"]


@given(st.text(alphabet="0123456789X -+86abc号码：", max_size=40))
def test_prefilter_never_hides_a_personal_number(text: str) -> None:
    # find_personal_numbers skips texts without seven digits in a row (allowing one
    # separator); the full patterns must agree on every text.
    from generator import codes

    full = [m.group() for m in codes._MOBILE.finditer(text)] + [
        m.group() for m in codes._RESIDENT_ID.finditer(text) if resident_id_valid(m.group())
    ]
    assert bool(full) == bool(find_personal_numbers(text))
