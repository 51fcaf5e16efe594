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
digits=...)`` would list them, without building a 64-digit string for every id.

How: a ticket's first three digits are the last three decimal digits of ``N`` reversed
(``REV3[N mod 1000]``, the id's *coarse rank*), and every ticket has at least 64 digits,
so an id of a lower coarse rank always comes before an id of a higher one. ``sample``
picks a bound rank at which about ``take + 6 sqrt(take)`` ids are expected, hashes every
id once (``N mod 1000`` from the digest; the hash state after ``sha256_hex(seed)``, one
64-byte block, is copied rather than recomputed), and builds full tickets only for the
ids at or below the bound. When at least ``take`` ids are there, the first ``take`` of
them in ``(ticket, id)`` order are the answer; in the rare case (far below one in a
million) that fewer are, one more pass counts the ids of every rank and a third collects
exactly the ranks needed.

Large pools are hashed in worker processes forked for the call (two by default, one per
core), which take about 100 chunks one after the other: a progress callback moves, and a
worker slowed by other work on the machine simply does fewer. Before the fork the ids
are joined into one UTF-8 buffer (with a separator that no id contains) and cut into
chunks there: the workers never touch the caller's string objects, and the caller does
not write to them either (slicing the list would, through reference counts, and after a
fork every first write to a shared memory page costs a page fault and a copy). The
workers also check that the ids are in increasing order, which proves them distinct with
no extra pass (the draw hands them over sorted); only otherwise is a set of all ids built.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import math
import operator
import os
import signal
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from multiprocessing.connection import Connection, Pipe, wait
from typing import NamedTuple, NoReturn, TypeVar, cast

# REV3[n] for n = N mod 1000 is the number whose digits are the ticket's first three.
REV3 = array("H", (int(f"{n:03d}"[::-1]) for n in range(1000)))
PARALLEL_THRESHOLD = 200_000
"""Pools at least this large are hashed in worker processes (one per core, at most 2)."""
CHUNKS = 100
"""Work is split in this many chunks (fewer for fewer ids); progress is reported after
each. More chunks than workers also keep both cores busy when one is slowed down."""
SEPARATORS = ("\n", "\x00", "\x1e")
"""Tried in turn to join the ids for the workers (the first that no id contains)."""


def _sha256_factory() -> Callable[[bytes], hashlib._Hash]:
    """CPython 3.11's own SHA-256 (``_sha256``) if present, else OpenSSL's.

    To hash one short id after copying a prefix state, ``_sha256`` takes about 9 % less
    CPU here (0.56 against 0.61 µs per id, Python 3.11.7, OpenSSL 3.0): OpenSSL 3
    allocates and copies a digest context for ``copy`` and again for ``digest``. Both
    compute the same SHA-256 (Python 3.12 renamed the module; there OpenSSL is used).
    """
    try:
        module = importlib.import_module("_sha256")
    except ImportError:
        return hashlib.sha256
    return cast("Callable[[bytes], hashlib._Hash]", module.sha256)


_SHA256 = _sha256_factory()

Progress = Callable[[int, int], None]
"""Called with (ids hashed so far, ids in the pool)."""
R = TypeVar("R")
ChunkWork = Callable[[str, bytes, Iterable[bytes]], R]
"""``work(seed_hash, wanted, utf8_ids)``: what is computed for one chunk."""


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


# ---------------------------------------------------------------------------------------
# Work on one chunk of UTF-8 ids


def _collect(seed_hash: str, wanted: bytes, items: Iterable[bytes]) -> list[tuple[str, str]]:
    """(full ticket, id) of the items whose ``N mod 1000`` is marked in ``wanted``."""
    copy = _SHA256(seed_hash.encode("utf-8")).copy
    from_bytes = int.from_bytes
    found: list[tuple[int, bytes]] = []
    for item in items:
        h = copy()
        h.update(item)
        number = from_bytes(h.digest(), "big")
        if wanted[number % 1000]:
            found.append((number, item))
    return [("0." + f"{number:064d}"[::-1], item.decode("utf-8")) for number, item in found]


def _ranks(seed_hash: str, _wanted: bytes, items: Iterable[bytes]) -> array[int]:
    """The coarse rank (the ticket's first three digits, 0..999) of every item."""
    copy = _SHA256(seed_hash.encode("utf-8")).copy
    from_bytes = int.from_bytes
    rev3 = REV3
    out: list[int] = []
    for item in items:
        h = copy()
        h.update(item)
        out.append(rev3[from_bytes(h.digest(), "big") % 1000])
    return array("H", out)


# ---------------------------------------------------------------------------------------
# Running it over a pool, on several cores when large


class _Packed(NamedTuple):
    """All ids in one UTF-8 buffer, joined by a one-byte separator that no id contains,
    and where each chunk of them starts (0, or just after a separator)."""

    data: bytes
    separator: bytes
    starts: list[int]

    def chunk(self, index: int) -> list[bytes]:
        """The UTF-8 ids of chunk ``index``."""
        last = index + 1 == len(self.starts)
        stop = len(self.data) if last else self.starts[index + 1] - 1
        return self.data[self.starts[index] : stop].split(self.separator)

    def increasing_across(self) -> bool:
        """Whether the last id of every chunk is smaller than the first of the next."""
        data, sep = self.data, self.separator
        for start in self.starts[1:]:
            before = data[data.rfind(sep, 0, start - 1) + 1 : start - 1]
            stop = data.find(sep, start)
            if before >= data[start : len(data) if stop < 0 else stop]:
                return False
        return True


def _pack(ids: Sequence[str], count: int) -> _Packed | None:
    """``ids`` packed in about ``count`` chunks of about equal size in bytes (None if
    every separator occurs in some id).

    Joining the whole list reads the strings without touching their reference counts
    (slicing it would write to every one of them, and so copy every memory page that
    holds them once a fork has shared it)."""
    for separator in SEPARATORS:
        text = separator.join(ids)
        if text.count(separator) != len(ids) - 1:
            continue
        data, sep = text.encode("utf-8"), separator.encode("utf-8")
        del text
        starts = [0]
        for c in range(1, count):
            cut = data.find(sep, len(data) * c // count)
            if cut < 0:
                break
            if cut + 1 > starts[-1]:
                starts.append(cut + 1)
        return _Packed(data, sep, starts)
    return None


def _worker(
    work: ChunkWork[R],
    seed_hash: str,
    wanted: bytes,
    packed: _Packed,
    tasks: int,
    out: Connection,
    other: Connection,
) -> NoReturn:
    """In a forked child: take chunk numbers from ``tasks`` until none is left, send
    ``(number, ids in it, whether they increase, result)`` for each, then exit; on an
    error send ``(-1, 0, False, message)`` and exit with status 1."""
    code = 0
    try:
        other.close()
        while data := os.read(tasks, 4):
            index = int.from_bytes(data, "little")
            chunk = packed.chunk(index)
            # UTF-8 keeps the code point order in which Python compares text.
            increasing = all(map(operator.lt, chunk, islice(chunk, 1, None)))
            out.send((index, len(chunk), increasing, work(seed_hash, wanted, chunk)))
    except BaseException as exc:  # reported to the parent, which raises
        code = 1
        with contextlib.suppress(BaseException):
            out.send((-1, 0, False, f"{type(exc).__name__}: {exc}"))
    finally:
        os._exit(code)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _forked(
    work: ChunkWork[R],
    seed_hash: str,
    wanted: bytes,
    packed: _Packed,
    total: int,
    workers: int,
    progress: Progress | None,
) -> tuple[list[R], bool]:
    """``work`` on every packed chunk in ``workers`` forked processes: the results in
    chunk order, and whether the ids of every chunk were in increasing order.

    The chunk numbers wait in a pipe, 4 bytes each, all written before the fork; a child
    reads the next number when it is free (reads of 4 bytes from it cannot interleave).
    Results come back pickled, through one pipe per child. On any error, or an exception
    in ``progress``, the children still running are terminated and reaped.
    """
    count = len(packed.starts)
    parts: dict[int, R] = {}
    increasing = True
    done = 0
    children: dict[Connection, int] = {}
    tasks, feed = os.pipe()
    try:
        os.write(feed, b"".join(c.to_bytes(4, "little") for c in range(count)))
        os.close(feed)
        feed = -1
        for _ in range(min(workers, count)):
            reader, writer = Pipe(duplex=False)
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child (coverage does not follow forks)
                _worker(work, seed_hash, wanted, packed, tasks, writer, reader)
            writer.close()
            children[reader] = pid
        while children:
            for ready in wait(list(children)):
                reader = cast("Connection", ready)
                try:
                    index, size, ordered, result = reader.recv()
                except EOFError:  # the child has exited
                    _reap(children.pop(reader))
                    reader.close()
                    continue
                if index < 0:
                    raise RuntimeError(f"a sampler worker failed: {result}")
                parts[index] = result
                increasing = increasing and ordered
                done += size
                if progress is not None:
                    progress(done, total)
        if len(parts) != count or done != total:
            raise RuntimeError("a sampler worker ended before its chunks were done")
    finally:
        for fd in (tasks, feed):
            if fd >= 0:
                os.close(fd)
        for reader, pid in children.items():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            _reap(pid)
            reader.close()
    return [parts[c] for c in range(count)], increasing and packed.increasing_across()


def _over_chunks(
    work: ChunkWork[R],
    seed_hash: str,
    wanted: bytes,
    ids: Sequence[str],
    workers: int | None,
    progress: Progress | None = None,
) -> tuple[list[R], bool]:
    """``work`` on consecutive chunks of ``ids``: the results in chunk order, and whether
    the ids are in strictly increasing order (then they are distinct). ``progress`` is
    called after every chunk with (ids done, all ids)."""
    n = len(ids)
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    if n >= PARALLEL_THRESHOLD and workers >= 2 and hasattr(os, "fork"):
        packed = _pack(ids, min(n, CHUNKS))
        if packed is not None:
            return _forked(work, seed_hash, wanted, packed, n, workers, progress)
    # One process: a small pool, one core, or ids that contain every separator.
    step = max(1, -(-n // CHUNKS))
    results: list[R] = []
    for start in range(0, n, step):
        stop = min(n, start + step)
        results.append(work(seed_hash, wanted, map(str.encode, ids[start:stop])))
        if progress is not None:
            progress(stop, n)
    return results, _increasing(ids)


def coarse_keys(seed_hash: str, ids: Sequence[str], workers: int | None = None) -> array[int]:
    """Coarse ranks of all ``ids``; on two processes when the pool is large."""
    out = array("H")
    for part in _over_chunks(_ranks, seed_hash, b"", ids, workers)[0]:
        out.extend(part)
    return out


def _increasing(ids: Sequence[str]) -> bool:
    """Whether ``ids`` are in strictly increasing order (then they are distinct)."""
    return all(map(operator.lt, ids, islice(ids, 1, None)))


def _refuse_duplicates(ids: Sequence[str], increasing: bool) -> None:
    if not increasing and len(set(ids)) != len(ids):
        raise ValueError("ids must be distinct (the list contains duplicates)")


def _bound(take: int, n: int) -> int:
    """The coarse rank up to which ``take + 6 sqrt(take) + 16`` ids are expected."""
    need = take + 6 * math.isqrt(take) + 16
    return min(999, -(-need * 1000 // n) - 1)


def _limit(counts: Counter[int], take: int) -> int:
    """The lowest coarse rank at which ``counts`` (ids per rank) reach ``take`` in all."""
    total = 0
    for rank in range(1000):
        total += counts[rank]
        if total >= take:
            return rank
    return 999


def _wanted(bound: int) -> bytes:
    """Marks, for each ``N mod 1000``, whether its coarse rank is at most ``bound``."""
    return bytes(REV3[m] <= bound for m in range(1000))


def sample(
    ids: Sequence[str],
    seed: str,
    take: int,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[tuple[str, str]]:
    """The first ``take`` of ``ids`` in ticket order, as (full ticket, id) pairs.

    Identical to the first ``take`` of ``consistent_sampler.sampler(ids, seed=seed)``
    for any order of ``ids``. Raises ValueError on duplicate ids or ``take`` outside
    0..len(ids).

    ``progress``, if given, is called in this process with ``(done, total)``: ids hashed
    so far and ``len(ids)``, after every 1 % of the pool (after every chunk a worker
    finishes, about 1 % of a large pool), ending with ``(total, total)`` (at once when
    ``take`` is 0). It does not change the result. (The rare extra passes described in
    the module's documentation are not reported.)
    """
    n = len(ids)
    if take < 0 or take > n:
        raise ValueError(
            f"take must be between 0 and the number of ids (got {take}, expected 0..{n})"
        )
    if take == 0:
        _refuse_duplicates(ids, _increasing(ids))
        if progress is not None:
            progress(n, n)
        return []
    seed_hash = sha256_hex(seed)
    bound = _bound(take, n)
    parts, increasing = _over_chunks(_collect, seed_hash, _wanted(bound), ids, workers, progress)
    _refuse_duplicates(ids, increasing)
    found = [pair for part in parts for pair in part]
    if len(found) < take:
        # Fewer ids than expected up to the bound rank: count the ids of every rank,
        # then collect the ranks that hold the first ``take``.
        ranks, _ = _over_chunks(_ranks, seed_hash, b"", ids, workers)
        bound = _limit(Counter(r for part in ranks for r in part), take)
        parts, _ = _over_chunks(_collect, seed_hash, _wanted(bound), ids, workers)
        found = [pair for part in parts for pair in part]
    found.sort()
    return found[:take]


def order(ids: Sequence[str], seed: str) -> list[tuple[str, str]]:
    """All of ``ids`` in ticket order (for small lists such as inspectors)."""
    if len(set(ids)) != len(ids):
        raise ValueError("ids must be distinct (the list contains duplicates)")
    seed_hash = sha256_hex(seed)
    return sorted((ticket(seed_hash, i), i) for i in ids)
