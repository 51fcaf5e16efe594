"""Verifiable random selection from public numbers, exactly as RFC 3797 §4–§6.

Used when a draw's randomness is an official lottery result (``source: lottery``):
the numbers are public, drawn after the plan, and anyone can re-run the selection.

**Key string** (:func:`key_string`). The sources are taken in their published
order. For each source its values (non-negative integers) are sorted into ascending
order, and each is written in decimal without leading zeros followed by a period
``.``; after the source's last value a slash ``/`` is written. The key string is
the concatenation, in ASCII. Example (RFC 3797 §6): sources ``9319``,
``2 5 12 8 10`` and ``9 18 26 34 41 45`` give ``9319./2.5.8.10.12./9.18.26.34.41.45./``.

**Selection** (:func:`select`). The pool's members are numbered 1 … N in their
published order. For step j = 0, 1, 2, … (one step per member taken):

1. ``d = MD5(u16be(j) ‖ key ‖ u16be(j))``, where ``u16be(j)`` is j as two bytes,
   most significant first, and ``key`` is the key string's ASCII bytes;
2. ``i = d mod R``, reading ``d`` as one 128-bit big-endian unsigned integer, with
   R the number of members not yet selected;
3. the selected member is the one at 0-based index ``i`` among the members not yet
   selected, kept in their published order; it is removed from them.

Each step reports the member's published number (1-based), the member and ``d`` in
lowercase hex. The RFC's example (§6) selects, from its pool of 25, the members
numbered 17, 7, 2, 16, 25, 23, 8, 24, 19, 13, 22, 5, 18, 9, 1, 4; the first digest is
``990dd0a5692a029a98b5e01aa28f3459``.

MD5 is the RFC's choice and is kept for exact agreement with it: a selection only
needs the digest to spread well, not to resist collisions, and the key is public.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import NamedTuple

from .errors import GongkaiError, describe

MAX_STEPS = 0x10000
"""u16be(j) allows at most 65,536 steps."""

_KEY = re.compile(r"(?:(?:0|[1-9][0-9]*)\.)+/(?:(?:(?:0|[1-9][0-9]*)\.)+/)*")


class SelectionError(GongkaiError):
    """The sources, key string or pool cannot be used for an RFC 3797 selection."""


class Selected(NamedTuple):
    """One step of a selection."""

    position: int
    """The member's number in the published pool, 1-based."""
    item: str
    digest: str
    """The step's MD5 digest, lowercase hex."""


def key_string(sources: Sequence[Sequence[int]]) -> str:
    """The RFC 3797 key string of the sources' values (see the module docstring)."""
    if isinstance(sources, str | bytes) or not sources:
        raise SelectionError(
            f"sources: no sources (got {describe(sources)}, expected a list of sources, each a list of integers)"
        )
    parts: list[str] = []
    for n, source in enumerate(sources, start=1):
        if isinstance(source, str | bytes) or not isinstance(source, Sequence) or not source:
            raise SelectionError(
                f"source {n}: no values (got {describe(source)}, expected a non-empty list of integers)"
            )
        for value in source:
            if isinstance(value, bool) or not isinstance(value, int):
                raise SelectionError(
                    f"source {n}: not an integer (got {describe(value)}, expected an integer ≥ 0)"
                )
            if value < 0:
                raise SelectionError(
                    f"source {n}: negative number (got {value}, expected an integer ≥ 0)"
                )
        parts.append("".join(f"{v}." for v in sorted(source)) + "/")
    return "".join(parts)


def is_key_string(key: object) -> bool:
    """Whether ``key`` has the form of a key string (decimal values each followed by ``.``,
    each source ended by ``/``); :func:`canonical_key_string` also checks the order."""
    return isinstance(key, str) and _KEY.fullmatch(key) is not None


def canonical_key_string(key: str) -> str:
    """The key string ``key`` should be: its sources' values sorted (raises SelectionError
    when ``key`` does not have the form of a key string)."""
    if not is_key_string(key):
        raise SelectionError(
            f"key: not an RFC 3797 key string (got {describe(key)}, expected decimal values each "
            "followed by '.', each source ended by '/', e.g. 9319./2.5.8.10.12./)"
        )
    sources = [[int(v) for v in part.split(".")[:-1]] for part in key.split("/")[:-1]]
    return key_string(sources)


def step_digest(key: str, j: int) -> bytes:
    """``MD5(u16be(j) ‖ key ‖ u16be(j))``."""
    prefix = j.to_bytes(2, "big")
    return hashlib.md5(prefix + key.encode("ascii") + prefix, usedforsecurity=False).digest()


def select(pool: Sequence[str], key: str, take: int) -> list[Selected]:
    """Select ``take`` members of ``pool`` (in published order) by the key string."""
    if not is_key_string(key):
        raise SelectionError(
            f"key: not an RFC 3797 key string (got {describe(key)}, expected decimal values each "
            "followed by '.', each source ended by '/', e.g. 9319./2.5.8.10.12./)"
        )
    if isinstance(pool, str) or not pool:
        raise SelectionError(f"pool: empty (got {describe(pool)}, expected at least one member)")
    seen: dict[str, int] = {}
    for n, item in enumerate(pool, start=1):
        if not isinstance(item, str):
            raise SelectionError(f"pool: member {n}: not a string (got {describe(item)})")
        if item in seen:
            raise SelectionError(
                f"pool: member {n} repeats member {seen[item]} (got {item!r} twice, expected each member once)"
            )
        seen[item] = n
    if isinstance(take, bool) or not isinstance(take, int) or take < 0:
        raise SelectionError(f"take: not a whole number ≥ 0 (got {describe(take)})")
    if take > len(pool):
        raise SelectionError(
            f"take: more than the pool holds (got {take}, expected at most {len(pool)})"
        )
    if take > MAX_STEPS:
        raise SelectionError(f"take: more than {MAX_STEPS} steps (got {take})")
    remaining = list(range(1, len(pool) + 1))
    chosen: list[Selected] = []
    for j in range(take):
        digest = step_digest(key, j)
        index = int.from_bytes(digest, "big") % len(remaining)
        position = remaining.pop(index)
        chosen.append(Selected(position, pool[position - 1], digest.hex()))
    return chosen
