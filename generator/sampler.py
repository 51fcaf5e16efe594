"""Rivest's consistent sampler, bit-identical to ``consistent-sampler`` 1.0.10, and fast.

The public contract (the same as the reference package, which VotingWorks' Arlo
uses in real election audits):

* ``sha256_hex(x)`` is the lower-case hex SHA-256 of the UTF-8 text ``x``;
* the ticket of ``id`` under ``seed`` is ``"0." + reversed("{:064d}".format(N))`` where
  ``N = int(sha256_hex(sha256_hex(seed) + id), 16)``: the decimal digits of the 256-bit
  number, zero-padded to at least 64, read from the last digit to the first;
* ids are drawn in ascending order of ``(ticket, id)``, compared as text.

``sample(ids, seed, take)`` returns the first ``take`` ids in that order with their full
tickets, exactly as ``sampler(sorted(ids), seed=seed, take=take, output='tuple',
digits=...)`` would list them, without building a 64-digit string for every id: a
ticket's first three digits are the last three decimal digits of ``N`` reversed, so
``N mod 1000`` ranks every id coarsely; only ids in the coarse ranks that can reach the
first ``take`` get their full ticket. Large pools are hashed on both cores.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from array import array
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

# REV3[n] for n = N mod 1000 is the number whose digits are the ticket's first three.
REV3 = array("H", (int(f"{n:03d}"[::-1]) for n in range(1000)))
PARALLEL_THRESHOLD = 200_000
"""Pools at least this large are hashed in two worker processes."""


def sha256_hex(text: str) -> str:
    """Lower-case hex SHA-256 of UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ticket(seed_hash: str, item: str) -> str:
    """The full-precision first ticket of ``item``, given ``sha256_hex(seed)``."""
    n = int(sha256_hex(seed_hash + item), 16)
    return "0." + f"{n:064d}"[::-1]


def trim(x: str, digits: int = 9) -> str:
    """The reference's display form: ``digits`` digits after any leading run of 9s."""
    x0 = x + "0"
    first_non_9 = min(i for i in range(2, len(x0)) if x0[i] < "9")
    return x[: first_non_9 + digits]


def _coarse_keys(seed_hash: str, ids: Sequence[str], start: int, stop: int) -> array[int]:
    """The coarse rank (the ticket's first three digits, 0..999) of ids[start:stop]."""
    base = hashlib.sha256(seed_hash.encode("ascii"))
    rev3 = REV3
    from_bytes = int.from_bytes
    out = array("H", bytes(2 * (stop - start)))
    for i in range(start, stop):
        h = base.copy()
        h.update(ids[i].encode("utf-8"))
        out[i - start] = rev3[from_bytes(h.digest(), "big") % 1000]
    return out


_POOL_IDS: Sequence[str] = ()


def _coarse_keys_worker(args: tuple[str, int, int]) -> bytes:
    seed_hash, start, stop = args
    return _coarse_keys(seed_hash, _POOL_IDS, start, stop).tobytes()


def coarse_keys(seed_hash: str, ids: Sequence[str], workers: int | None = None) -> array[int]:
    """Coarse ranks of all ``ids``; on two processes when the pool is large."""
    global _POOL_IDS  # noqa: PLW0603 - handed to forked workers without pickling
    n = len(ids)
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    if (
        n < PARALLEL_THRESHOLD
        or workers < 2
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return _coarse_keys(seed_hash, ids, 0, n)
    _POOL_IDS = ids
    try:
        bounds = [(seed_hash, n * w // workers, n * (w + 1) // workers) for w in range(workers)]
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            parts = list(pool.map(_coarse_keys_worker, bounds))
    finally:
        _POOL_IDS = ()
    out = array("H")
    for part in parts:
        out.frombytes(part)
    return out


def sample(
    ids: Sequence[str], seed: str, take: int, workers: int | None = None
) -> list[tuple[str, str]]:
    """The first ``take`` of ``ids`` in ticket order, as (full ticket, id) pairs.

    Identical to the first ``take`` of ``consistent_sampler.sampler(ids, seed=seed)``
    for any order of ``ids``. Raises ValueError on duplicate ids or ``take`` outside
    0..len(ids).
    """
    n = len(ids)
    if take < 0 or take > n:
        raise ValueError(
            f"take must be between 0 and the number of ids (got {take}, expected 0..{n})"
        )
    if len(set(ids)) != n:
        raise ValueError("ids must be distinct (the list contains duplicates)")
    if take == 0:
        return []
    seed_hash = sha256_hex(seed)
    keys = coarse_keys(seed_hash, ids, workers)
    tally = Counter(keys)
    counts = [tally.get(rank, 0) for rank in range(1000)]
    # The smallest coarse rank whose cumulative count reaches ``take``: every id in a
    # lower rank is drawn, and ids in that rank compete on their full tickets.
    total = 0
    limit = 999
    for rank, count in enumerate(counts):
        total += count
        if total >= take:
            limit = rank
            break
    candidates = [
        (ticket(seed_hash, item), item) for item, k in zip(ids, keys, strict=True) if k <= limit
    ]
    candidates.sort()
    return candidates[:take]


def order(ids: Sequence[str], seed: str) -> list[tuple[str, str]]:
    """All of ``ids`` in ticket order (for small lists such as inspectors)."""
    if len(set(ids)) != len(ids):
        raise ValueError("ids must be distinct (the list contains duplicates)")
    seed_hash = sha256_hex(seed)
    return sorted((ticket(seed_hash, i), i) for i in ids)
