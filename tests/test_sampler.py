"""generator.sampler is Rivest's consistent sampler, bit for bit.

The reference is PyPI ``consistent-sampler`` 1.0.10 (github.com/ron-rivest/consistent_sampler),
the package VotingWorks' Arlo uses in real election audits. The fixed vectors below are
copied from its documentation and doctests (source named beside each); the rest compares
``generator.sampler`` with the installed reference package on random inputs.

Our ids and seeds are text: the reference hashes ``str(seed)`` and ``str(id)``, so its
integer seed 314159 is our ``"314159"`` and ``range(100)`` is ``[str(i) for i in range(100)]``.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterable

import consistent_sampler  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import sampler
from generator.sampler import (
    PARALLEL_THRESHOLD,
    coarse_keys,
    order,
    sample,
    sha256_hex,
    ticket,
    trim,
)

# --- Fixed vectors ----------------------------------------------------------------------

# Source: consistent_sampler USAGE_EXAMPLES.md / demo_consistent_sampler.py
# sampler(['A-1','A-2','A-3','B-1','B-2','B-3'], seed=314159, output='id'), tickets trimmed
# to 9 digits after the leading 9s.
SIX_IDS = ["A-1", "A-2", "A-3", "B-1", "B-2", "B-3"]
SIX_ORDER = [
    ("0.410310858", "B-2"),
    ("0.470960291", "B-3"),
    ("0.471438751", "A-3"),
    ("0.567089805", "A-2"),
    ("0.9781715679", "B-1"),
    ("0.9828515724", "A-1"),
]
# Same seed on the B ids only (consistency: a subset keeps its relative order).
B_ORDER = ["B-2", "B-3", "B-1"]
# Source: same document, sampler(range(100), seed=41, output='id', take=10).
RANGE100_SEED41_TAKE10 = ["73", "51", "17", "58", "38", "42", "39", "20", "11", "67"]
# Source: same document, seeds 31 and 77 on ['a', 'b', 'c', 'd'].
ABCD = {"31": ["b", "a", "d", "c"], "77": ["b", "d", "c", "a"]}
# Source: consistent_sampler.py doctests of sha256_uniform and first_fraction.
SHA256_UNIFORM_ABC = (
    "0.56998071861792858926477341561059638840106636224182943832566300809078486324348"
)
FIRST_FRACTION_AB130 = (
    "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"
)
# Source: consistent_sampler.py doctest of sha256_hex.
SHA256_HEX_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_six_ids_seed_314159() -> None:
    got = sample(SIX_IDS, "314159", len(SIX_IDS))
    assert [(trim(t), i) for t, i in got] == SIX_ORDER
    assert [(trim(t), i) for t, i in order(SIX_IDS, "314159")] == SIX_ORDER


def test_six_ids_any_input_order() -> None:
    assert [i for _, i in sample(list(reversed(SIX_IDS)), "314159", 6)] == [i for _, i in SIX_ORDER]


def test_b_ids_only_keep_their_relative_order() -> None:
    assert [i for _, i in sample(["B-1", "B-2", "B-3"], "314159", 3)] == B_ORDER
    assert [i for _, i in order(["B-3", "B-1", "B-2"], "314159")] == B_ORDER


def test_range_100_seed_41_take_10() -> None:
    ids = [str(i) for i in range(100)]
    assert [i for _, i in sample(ids, "41", 10)] == RANGE100_SEED41_TAKE10


@pytest.mark.parametrize(("seed", "expected"), sorted(ABCD.items()))
def test_abcd(seed: str, expected: list[str]) -> None:
    assert [i for _, i in order(["a", "b", "c", "d"], seed)] == expected
    assert [i for _, i in sample(["d", "c", "b", "a"], seed, 4)] == expected


def test_sha256_uniform_and_first_fraction() -> None:
    assert sha256_hex("abc") == SHA256_HEX_ABC
    # sha256_uniform(x) is the ticket of x under an empty seed hash.
    assert ticket("", "abc") == SHA256_UNIFORM_ABC
    assert ticket(sha256_hex("01382438112797316654"), "AB-130") == FIRST_FRACTION_AB130


def test_trim_is_the_references() -> None:
    assert trim("0.9991234567890", 4) == "0.9991234"  # the reference's doctest
    assert trim("0.999") == "0.999"
    assert trim(FIRST_FRACTION_AB130) == "0.262997141"
    for x in ("0.99999999999999123456789123", "0.0000001", "0.9"):
        assert trim(x) == consistent_sampler.trim(x)
        assert trim(x, 3) == consistent_sampler.trim(x, 3)


def test_vectors_through_the_reference_package_too() -> None:
    """The copied vectors are what the installed reference gives (guards the copies)."""
    ref = list(consistent_sampler.sampler(SIX_IDS, seed=314159, output="tuple"))
    assert [(t, i) for t, i, _ in ref] == SIX_ORDER
    assert [
        str(i) for i in consistent_sampler.sampler(range(100), seed=41, output="id", take=10)
    ] == RANGE100_SEED41_TAKE10
    assert consistent_sampler.sha256_uniform("abc") == SHA256_UNIFORM_ABC
    assert (
        consistent_sampler.first_fraction("AB-130", "01382438112797316654") == FIRST_FRACTION_AB130
    )


# --- Equality with the reference package ------------------------------------------------


def reference(ids: list[str], seed: str, take: int) -> list[tuple[str, str]]:
    """(ticket at 100 digits, id) from the reference, exactly as the spec calls it."""
    return [
        (t, i)
        for t, i, _gen in consistent_sampler.sampler(
            sorted(ids), seed=seed, take=take, output="tuple", digits=100
        )
    ]


def assert_same_as_reference(
    ids: list[str], seed: str, take: int, workers: int | None = None
) -> list[tuple[str, str]]:
    ours = sample(ids, seed, take, workers=workers)
    ref = reference(ids, seed, take)
    assert [i for _, i in ours] == [i for _, i in ref]
    for (full, _), (trimmed, _) in zip(ours, ref, strict=True):
        assert full.startswith(trimmed)
        assert len(full) >= 66  # "0." and at least 64 digits: full precision
    return ours


ID_TEXT = st.text(max_size=6)
ID_LISTS = st.lists(ID_TEXT, unique=True, max_size=40)


@settings(max_examples=250, deadline=None)
@given(ids=ID_LISTS, seed=st.text(), data=st.data())
def test_same_as_reference(ids: list[str], seed: str, data: st.DataObject) -> None:
    take = data.draw(st.integers(0, len(ids)), label="take")
    assert_same_as_reference(ids, seed, take)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1000, 5000),
    seed=st.text(max_size=20),
    fraction=st.floats(0, 1),
)
def test_same_as_reference_on_registry_sized_pools(n: int, seed: str, fraction: float) -> None:
    """Pools big enough that many ids share a coarse rank (the fast path's edge)."""
    ids = [f"9151903{i:011d}" for i in range(n)]
    assert_same_as_reference(ids, seed, round(fraction * n))


def test_same_as_reference_when_coarse_ranks_are_crowded() -> None:
    # 20,000 ids: about 20 per coarse rank, so the cut-off rank is always contested.
    ids = [f"T{i}" for i in range(20_000)]
    for take in (1, 21, 600, 20_000):
        assert_same_as_reference(ids, "crowded", take)


def test_parallel_and_serial_paths_agree_on_a_small_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The forked path, forced on a small pool (the slow test runs it at full size)."""
    ids = [f"ID{i}" for i in range(3000)]
    serial = sample(ids, "seed", 90, workers=1)
    forks = spy_on_forks(monkeypatch)
    monkeypatch.setattr(sampler, "PARALLEL_THRESHOLD", 1000)
    assert sample(ids, "seed", 90, workers=2) == serial
    assert len(forks) == 2
    assert assert_same_as_reference(ids, "seed", 90, workers=2) == serial


def spy_on_forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the pid of every worker process the sampler forks."""
    forked: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return forked


@pytest.mark.slow
def test_same_as_reference_on_a_pool_above_the_parallel_threshold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    n = PARALLEL_THRESHOLD + 1_234
    ids = [f"9151903{i:011d}" for i in range(n)]
    take = n * 3 // 100
    forks = spy_on_forks(monkeypatch)
    ours = sample(ids, "gongkai-draw/1|big|parallel", take, workers=2)
    assert len(forks) == 2, "the parallel path did not run"
    assert ours == sample(ids, "gongkai-draw/1|big|parallel", take, workers=1)
    ref = reference(ids, "gongkai-draw/1|big|parallel", take)
    assert [i for _, i in ours] == [i for _, i in ref]
    assert all(full.startswith(t) for (full, _), (t, _) in zip(ours, ref, strict=True))


# --- The fast path's edges --------------------------------------------------------------


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The forked path from 1,000 ids on; the pids of the workers it forks."""
    monkeypatch.setattr(sampler, "PARALLEL_THRESHOLD", 1000)
    return spy_on_forks(monkeypatch)


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_reaches_the_total_and_changes_nothing(parallel: list[int], workers: int) -> None:
    ids = [f"P{i:05d}" for i in range(3001)]
    calls: list[tuple[int, int]] = []
    with_progress = sample(
        ids, "progress", 120, workers=workers, progress=lambda d, t: calls.append((d, t))
    )
    assert len(parallel) == (2 if workers == 2 else 0)
    assert with_progress == sample(ids, "progress", 120, workers=workers)
    assert calls[-1] == (3001, 3001)
    assert all(t == 3001 for _, t in calls)
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert len(set(done)) == len(done)
    # At least every 1 % of the pool (one call per chunk, 100 chunks).
    assert all(b - a <= 31 for a, b in zip([0, *done], done, strict=False))


def test_progress_without_hashing() -> None:
    calls: list[tuple[int, int]] = []
    assert sample(["a", "b"], "s", 0, progress=lambda d, t: calls.append((d, t))) == []
    assert calls == [(2, 2)]
    calls.clear()
    assert sample([], "s", 0, progress=lambda d, t: calls.append((d, t))) == []
    assert calls == [(0, 0)]


def test_a_failing_progress_callback_stops_the_workers(parallel: list[int]) -> None:
    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sample([f"K{i}" for i in range(3000)], "s", 30, workers=2, progress=stop)
    assert len(parallel) == 2
    for pid in parallel:  # reaped by the sampler
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


@pytest.mark.parametrize("workers", [1, 2])
def test_too_few_ids_below_the_bound_rank(
    monkeypatch: pytest.MonkeyPatch, parallel: list[int], workers: int
) -> None:
    """The rare fallback: fewer than ``take`` ids at or below the bound rank."""
    monkeypatch.setattr(sampler, "_bound", lambda take, n: 0)
    ids = [f"B{i}" for i in range(3000)]
    ours = assert_same_as_reference(ids, "bound", 700, workers=workers)
    assert ours == order(ids, "bound")[:700]


@pytest.mark.parametrize(
    ("extra", "forked"),
    [
        (["line\nbreak"], True),  # joined with the next separator instead
        (["line\nbreak", "nul\x00", "rs\x1e"], False),  # no separator left: one process
    ],
)
def test_ids_containing_separators(parallel: list[int], extra: list[str], forked: bool) -> None:
    ids = [f"S{i}" for i in range(2000)] + extra + ["", "中文", "é"]
    assert_same_as_reference(ids, "separators", 200, workers=2)
    assert_same_as_reference(ids, "separators", len(ids), workers=2)
    assert bool(parallel) is forked


@pytest.mark.parametrize("workers", [1, 2])
def test_unsorted_and_duplicate_ids_on_both_paths(parallel: list[int], workers: int) -> None:
    ids = [f"U{i}" for i in range(3000)]
    random.Random(7).shuffle(ids)
    assert_same_as_reference(ids, "unsorted", 90, workers=workers)
    for dup in ([*ids, ids[0]], [*sorted(ids), "U999"], ["U0", *sorted(ids)]):
        with pytest.raises(ValueError, match="ids must be distinct"):
            sample(dup, "unsorted", 90, workers=workers)


def test_a_failing_worker_is_reported(parallel: list[int]) -> None:
    with pytest.raises(RuntimeError, match="a sampler worker failed: ZeroDivisionError"):
        sampler._over_chunks(failing_work, "", b"", [f"F{i}" for i in range(3000)], 2)
    assert len(parallel) == 2


def failing_work(seed_hash: str, wanted: bytes, items: Iterable[bytes]) -> int:
    return 1 // 0


@settings(max_examples=300, deadline=None)
@given(
    ids=st.lists(st.text(alphabet="ab\n\x00\x1e中", max_size=4), min_size=1, max_size=30),
    count=st.integers(1, 12),
    ordered=st.booleans(),
)
def test_packed_chunks_give_back_every_id(ids: list[str], count: int, ordered: bool) -> None:
    """How the ids reach the workers: one buffer cut into chunks, in order, none lost."""
    if ordered:
        ids = sorted(ids)
    packed = sampler._pack(ids, count)
    if packed is None:
        assert all(any(sep in i for i in ids) for sep in sampler.SEPARATORS)
        return
    assert 1 <= len(packed.starts) <= count
    chunks = [packed.chunk(c) for c in range(len(packed.starts))]
    assert [i for chunk in chunks for i in chunk] == [i.encode() for i in ids]
    within = all(c == sorted(set(c)) for c in chunks)
    assert (within and packed.increasing_across()) == sampler._increasing(ids)


@pytest.mark.parametrize("workers", [1, 2])
def test_coarse_keys_are_the_first_three_ticket_digits(parallel: list[int], workers: int) -> None:
    ids = [f"C{i}" for i in range(2500)]
    seed_hash = sha256_hex("coarse")
    keys = coarse_keys(seed_hash, ids, workers)
    assert list(keys) == [int(ticket(seed_hash, i)[2:5]) for i in ids]


# --- Properties --------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(ids=ID_LISTS, seed=st.text(), data=st.data())
def test_deterministic_and_input_order_free(ids: list[str], seed: str, data: st.DataObject) -> None:
    take = data.draw(st.integers(0, len(ids)), label="take")
    first = sample(ids, seed, take)
    assert sample(list(ids), seed, take) == first
    shuffled = data.draw(st.permutations(ids), label="shuffled")
    assert sample(shuffled, seed, take) == first
    assert order(shuffled, seed) == order(ids, seed)


@settings(max_examples=200, deadline=None)
@given(ids=ID_LISTS, seed=st.text(), data=st.data())
def test_subset_keeps_its_relative_order(ids: list[str], seed: str, data: st.DataObject) -> None:
    subset = data.draw(st.lists(st.sampled_from(ids), unique=True) if ids else st.just([]))
    whole = [i for _, i in order(ids, seed)]
    part = [i for _, i in order(subset, seed)]
    assert part == [i for i in whole if i in set(subset)]
    assert [i for _, i in sample(subset, seed, len(subset))] == part


@settings(max_examples=200, deadline=None)
@given(ids=ID_LISTS, seed=st.text(), data=st.data())
def test_a_smaller_take_is_a_prefix(ids: list[str], seed: str, data: st.DataObject) -> None:
    big = data.draw(st.integers(0, len(ids)), label="big")
    small = data.draw(st.integers(0, big), label="small")
    larger = sample(ids, seed, big)
    smaller = sample(ids, seed, small)
    assert smaller == larger[:small]
    assert len(larger) == big
    assert len({i for _, i in larger}) == big  # no duplicates
    assert {i for _, i in larger} <= set(ids)
    assert larger == sorted(larger)  # ascending (ticket, id)
    assert order(ids, seed)[:big] == larger


def test_take_zero_and_empty() -> None:
    assert sample([], "s", 0) == []
    assert sample(["a", "b"], "s", 0) == []
    assert order([], "s") == []


@pytest.mark.parametrize(
    ("ids", "take", "message"),
    [
        (["a", "b", "a"], 2, "ids must be distinct (the list contains duplicates)"),
        (["a", "b"], 3, "take must be between 0 and the number of ids (got 3, expected 0..2)"),
        (["a", "b"], -1, "take must be between 0 and the number of ids (got -1, expected 0..2)"),
        ([], 1, "take must be between 0 and the number of ids (got 1, expected 0..0)"),
    ],
)
def test_bad_input_is_refused(ids: list[str], take: int, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        sample(ids, "seed", take)


def test_order_refuses_duplicates() -> None:
    with pytest.raises(ValueError, match="ids must be distinct"):
        order(["x", "y", "x"], "seed")


def test_random_lists_with_a_fixed_generator() -> None:
    """A few hundred plain random cases outside hypothesis, including unicode ids."""
    rng = random.Random(20230828)
    alphabet = "AB12-_中文é "
    for _ in range(200):
        ids = list(
            {"".join(rng.choices(alphabet, k=rng.randint(0, 5))) for _ in range(rng.randint(0, 30))}
        )
        seed = "".join(rng.choices(alphabet, k=rng.randint(0, 10)))
        assert_same_as_reference(ids, seed, rng.randint(0, len(ids)))
