"""RFC 3797 selection: the RFC's §6 worked example exactly, and refusals.

Source of the example: RFC 3797 §6, https://www.rfc-editor.org/rfc/rfc3797#section-6
(the key string, the pool of 25, the first digest 990DD0A5692A029A98B5E01AA28F3459
and the positions of the members selected), as copied into the project's shared
vector list.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from generator.rfc3797 import Selected, SelectionError, key_string, select, step_digest

SOURCES = [[9319], [2, 5, 12, 8, 10], [9, 18, 26, 34, 41, 45]]
KEY = "9319./2.5.8.10.12./9.18.26.34.41.45./"
POOL = [
    "John",
    "Mary",
    "Bashful",
    "Dopey",
    "Sleepy",
    "Grouchy",
    "Doc",
    "Sneazy",
    "Handsome",
    "Cassandra",
    "Pollyanna",
    "Pendragon",
    "Pandora",
    "Faith",
    "Hope",
    "Charity",
    "Lee",
    "Longsuffering",
    "Chastity",
    "Smith",
    "Pride",
    "Sloth",
    "Envy",
    "Anger",
    "Kasczynski",
]
POSITIONS = [17, 7, 2, 16, 25, 23, 8, 24, 19, 13, 22, 5, 18, 9, 1, 4]
FIRST_DIGEST = "990DD0A5692A029A98B5E01AA28F3459"
FIRST_TEN = [
    "Lee",
    "Doc",
    "Mary",
    "Charity",
    "Kasczynski",
    "Envy",
    "Sneazy",
    "Anger",
    "Chastity",
    "Pandora",
]


def test_rfc3797_key_string() -> None:
    assert key_string(SOURCES) == KEY


def test_rfc3797_first_digest() -> None:
    assert step_digest(KEY, 0).hex().upper() == FIRST_DIGEST
    raw = b"\x00\x00" + KEY.encode("ascii") + b"\x00\x00"
    assert hashlib.md5(raw, usedforsecurity=False).hexdigest().upper() == FIRST_DIGEST


def test_rfc3797_positions_and_names() -> None:
    chosen = select(POOL, KEY, len(POSITIONS))
    assert [c.position for c in chosen] == POSITIONS
    assert [c.item for c in chosen[:10]] == FIRST_TEN
    assert chosen[0] == Selected(17, "Lee", FIRST_DIGEST.lower())
    for j, c in enumerate(chosen):
        assert c.digest == step_digest(KEY, j).hex()
        assert POOL[c.position - 1] == c.item


def test_selection_is_a_prefix_of_a_longer_one() -> None:
    assert select(POOL, KEY, 10) == select(POOL, KEY, 16)[:10]
    assert select(POOL, KEY, 0) == []


def test_selecting_the_whole_pool_is_a_permutation() -> None:
    chosen = select(POOL, KEY, len(POOL))
    assert sorted(c.position for c in chosen) == list(range(1, 26))


def test_step_uses_two_byte_big_endian_j_on_both_sides() -> None:
    j = 258
    raw = b"\x01\x02" + KEY.encode() + b"\x01\x02"
    assert step_digest(KEY, j) == hashlib.md5(raw, usedforsecurity=False).digest()


def test_key_string_sorts_each_source_but_keeps_source_order() -> None:
    assert key_string([[3, 1, 2], [0]]) == "1.2.3./0./"
    assert key_string([[0], [3, 1, 2]]) == "0./1.2.3./"
    assert key_string([[7, 7]]) == "7.7./"


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        (
            [],
            "sources: no sources (got a list, expected a list of sources, each a list of integers)",
        ),
        ([[1], []], "source 2: no values (got a list, expected a non-empty list of integers)"),
        ([[1, -2]], "source 1: negative number (got -2, expected an integer ≥ 0)"),
        ([[1, "2"]], "source 1: not an integer (got '2', expected an integer ≥ 0)"),
        ([[1.5]], "source 1: not an integer (got float, expected an integer ≥ 0)"),
        ([[True]], "source 1: not an integer (got true, expected an integer ≥ 0)"),
        (["12"], "source 1: no values (got '12', expected a non-empty list of integers)"),
    ],
)
def test_key_string_refusals(sources: Any, message: str) -> None:
    with pytest.raises(SelectionError) as caught:
        key_string(sources)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("pool", "key", "take", "message"),
    [
        (POOL, KEY, 26, "take: more than the pool holds (got 26, expected at most 25)"),
        ([], KEY, 0, "pool: empty (got a list, expected at least one member)"),
        (POOL, KEY, -1, "take: not a whole number ≥ 0 (got integer -1)"),
        (POOL, KEY, True, "take: not a whole number ≥ 0 (got true)"),
        (
            ["a", "b", "a"],
            KEY,
            1,
            "pool: member 3 repeats member 1 (got 'a' twice, expected each member once)",
        ),
        (["a", 2], KEY, 1, "pool: member 2: not a string (got integer 2)"),
        (
            POOL,
            "9319/2.5./",
            1,
            "key: not an RFC 3797 key string (got '9319/2.5./', expected decimal values each "
            "followed by '.', each source ended by '/', e.g. 9319./2.5.8.10.12./)",
        ),
        (POOL, "09319./", 1, "key: not an RFC 3797 key string (got '09319./'"),
        (POOL, "-1./", 1, "key: not an RFC 3797 key string (got '-1./'"),
        (POOL, "", 1, "key: not an RFC 3797 key string (got ''"),
    ],
)
def test_select_refusals(pool: Any, key: str, take: Any, message: str) -> None:
    with pytest.raises(SelectionError) as caught:
        select(pool, key, take)
    assert str(caught.value).startswith(message)
