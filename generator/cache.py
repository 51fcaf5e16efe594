"""An exact, content-addressed cache of loaded record files, and the process pool.

Loading a small record file costs a few milliseconds: the YAML is parsed by a
pure-Python reader (so that every value keeps its position) and the record is
encoded as canonical JSON (RFC 8785, pure Python too) for its digest and its
signatures. Re-reading content that did not change gives the same answer, so
this module remembers it; a cached file costs tens of microseconds.

**Exact.** An entry's key is the SHA-256 of a fingerprint followed by the
file's bytes. The fingerprint covers the cache format, gongkai's version and
the SHA-256 of every source file of the ``generator`` package, the Python
version and the versions of the libraries loading depends on (ruamel.yaml,
pydantic, pydantic-core, rfc8785). A single changed byte of a record, or a
changed line of code, gives another key. Nothing about where the file is
enters the key or the value: two files with the same bytes share an entry,
and every check that depends on the path (the record is in the wrong place,
two files with one id) runs on every load, cached or not.

**What is kept.** Only for a file that loaded with no problems: the record's
``_type`` and the name of the model that validated it, whether it is a signed
envelope, the data as JSON (``signed`` in the order written, and
``signatures``), and the canonical JSON of ``signed`` (whose SHA-256 is the
record's digest and from which the signed bytes are built). Files with
problems are never cached, so their messages always come from a fresh parse.
Positions are not kept: a cached record re-parses its file the first time a
message needs a line and column. The model is validated again from the data
when it is first used (the same code and data validate the same way).

For checking signatures without decoding the record or validating its model
(:class:`Facts`, what ``gongkai verify`` reads), an entry also keeps the
``signatures`` alone as JSON and what the validated record's
``signing_department()`` and ``required_witnesses()`` returned: functions of
the file's bytes and the code, like everything else in the entry. Outcomes of
signature checks are never kept: every signature is verified on every run (and
key validity is judged by the transparency log, which is not in the entry).

**Log bundles.** The same database keeps what reading a transparency log's
entry bundle gives (:func:`generator.logfiles.log_times`): the Merkle hash of
its entries and, for each entry, its ``payload_sha256``, keyids and day, by
:func:`blob_key` of the bundle's bytes. Full bundles never change, so a warm
``gongkai verify`` reads a large log without parsing or hashing its entries one
by one; the checkpoint's signature and root are checked on every run.

**Where.** One SQLite database, ``records.sqlite3``, in ``$GONGKAI_CACHE_DIR``,
else ``$XDG_CACHE_HOME/gongkai``, else ``~/.cache/gongkai``. ``GONGKAI_NO_CACHE=1``
turns the cache off. One process writes at a time (WAL mode; a second
process waits for the lock). A cache that cannot be opened or written is
simply not used: it never makes loading fail. Entries of other code are
dropped when the code changes; otherwise entries stay until the file passes
:data:`MAX_CACHE_BYTES` (about 2.7 KB an entry for small records) and is
started afresh. Deleting the directory is always safe.

**Processes.** :func:`fork_map` spreads work over the machine's cores with
forked worker processes (on Linux, where ``fork`` is safe and cheap: the
workers see the parent's memory without copying it through pipes). Loading
and verification use it only for large trees (:data:`PARALLEL_MIN`), so small
runs and tests stay in one process.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import multiprocessing
import os
import sqlite3
import sys
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from . import __version__
from .errors import GongkaiError
from .yamlsafe import MAX_YAML_BYTES

if TYPE_CHECKING:
    from .content import Loaded
    from .errors import Problem

CACHE_FORMAT = 3
"""Bumped when what is stored, or how, changes."""
DB_NAME = "records.sqlite3"
ENV_DIR = "GONGKAI_CACHE_DIR"
ENV_OFF = "GONGKAI_NO_CACHE"
MAX_CACHE_BYTES = 4_000_000_000
"""A cache file larger than this (about 1.5 million small records) is started
afresh: entries of files that no longer exist are otherwise never dropped."""
PARALLEL_MIN = 2_000
"""Files (or records to verify) from which the work is spread over processes."""
_DEPENDENCIES = ("ruamel.yaml", "pydantic", "pydantic-core", "rfc8785")
_BATCH = 500
"""Keys per ``SELECT ... IN (...)`` (well under SQLite's limit on parameters)."""

T = TypeVar("T")


class CacheDamagedError(GongkaiError):
    """A cache entry does not give back what was stored (the database was changed)."""


def cache_disabled() -> bool:
    """True when ``GONGKAI_NO_CACHE`` is set to anything but empty or ``0``."""
    return os.environ.get(ENV_OFF, "") not in ("", "0")


def cache_directory() -> Path:
    """Where the cache lives (see the module's documentation)."""
    explicit = os.environ.get(ENV_DIR)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "gongkai"


@functools.cache
def fingerprint() -> bytes:
    """SHA-256 of everything besides a file's bytes that decides how it loads."""
    h = hashlib.sha256()
    h.update(f"gongkai-cache {CACHE_FORMAT}\0gongkai {__version__}\0".encode())
    h.update(f"python {sys.version_info.major}.{sys.version_info.minor}\0".encode())
    for dist in _DEPENDENCIES:
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:  # pragma: no cover - installed with gongkai
            version = "?"
        h.update(f"{dist} {version}\0".encode())
    h.update(_sources())
    return h.digest()


@functools.cache
def _sources() -> bytes:
    """SHA-256 of the package's source files (names and bytes), read once per process."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):
        h.update(source.relative_to(package).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(source.read_bytes()).digest())
    return h.digest()


@functools.cache
def _key_base() -> Any:
    return hashlib.sha256(fingerprint())


def file_key(data: bytes) -> bytes:
    """The cache key of a file with these bytes (32 bytes)."""
    h = _key_base().copy()
    h.update(data)
    return bytes(h.digest())


def blob_key(kind: bytes, data: bytes) -> bytes:
    """The cache key of what ``kind`` of reading makes of ``data`` (32 bytes)."""
    h = _key_base().copy()
    h.update(b"\0blob\0" + kind + b"\0")
    h.update(data)
    return bytes(h.digest())


class Entry(NamedTuple):
    """What loading a file with no problems produced, as stored (a tuple: cheap
    to build from a row and to send between processes)."""

    kind: str
    """The record's ``_type``, e.g. ``checklist-item/v1``."""
    model: str
    """``module.QualifiedName`` of the model that validated it."""
    envelope: bool
    """True for a signed envelope (``signed`` + ``signatures``), False for a bare draft."""
    value: bytes
    """UTF-8 JSON ``{"signed": ..., "signatures": ...}``, keys in the order written."""
    jcs: bytes
    """Canonical JSON (RFC 8785) of ``signed``."""
    department: str | None
    """What the validated record's ``signing_department()`` gives."""
    sigs: str | None
    """JSON of ``signatures`` alone (None for a draft), to check them without
    decoding the record."""
    witnesses: int
    """What the validated record's ``required_witnesses()`` gives."""

    def decode(self) -> tuple[dict[str, Any], list[Any] | None]:
        """``signed`` and ``signatures`` (None for a draft), as loading gave them."""
        try:
            value = json.loads(self.value)
            signed, signatures = value["signed"], value["signatures"]
        except (ValueError, KeyError, TypeError) as exc:
            raise CacheDamagedError(f"a cached record does not decode ({exc})") from None
        if not isinstance(signed, dict) or (signatures is None) == self.envelope:
            raise CacheDamagedError("a cached record does not have the shape it was stored with")
        return signed, signatures


def model_name(model: type) -> str:
    return f"{model.__module__}.{model.__qualname__}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def make_entry(loaded: Loaded) -> Entry | None:
    """The entry for a loaded record, or None when its data cannot be stored as
    JSON exactly (text with lone surrogates, which UTF-8 cannot carry)."""
    signed, signatures = loaded.signed, loaded.signatures
    try:
        value = _json({"signed": signed, "signatures": signatures}).encode("utf-8")
        sigs = None if signatures is None else _json(signatures)
    except (UnicodeEncodeError, ValueError, TypeError):
        return None
    record = loaded.record
    return Entry(
        loaded.kind,
        model_name(loaded.model),
        signatures is not None,
        value,
        loaded.jcs or b"",
        record.signing_department(),
        sigs,
        record.required_witnesses(),
    )


class Facts(NamedTuple):
    """What checking a cached record's signatures needs, without decoding the
    record or validating its model (see :meth:`RecordCache.get_facts`)."""

    kind: str
    model: str
    envelope: int
    """1 for a signed envelope, 0 for a bare draft (as stored)."""
    jcs: bytes
    sigs: str | None
    department: str | None
    witnesses: int

    def signatures(self) -> list[Any] | None:
        """``signatures`` as loading gave them (None for a draft)."""
        if self.sigs is None:
            return None
        try:
            return _decode_json(self.sigs)  # type: ignore[no-any-return]
        except (ValueError, TypeError) as exc:
            raise CacheDamagedError(f"a cached record does not decode ({exc})") from None


_decode_json = json.JSONDecoder().decode
"""``json.loads`` of text, without its wrapper."""


_META = "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
_ENTRIES = """
CREATE TABLE IF NOT EXISTS entries (
    key BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    model TEXT NOT NULL,
    envelope INTEGER NOT NULL,
    value BLOB NOT NULL,
    jcs BLOB NOT NULL,
    department TEXT,
    sigs TEXT,
    witnesses INTEGER NOT NULL
) WITHOUT ROWID
"""
_BLOBS = (
    "CREATE TABLE IF NOT EXISTS blobs (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID"
)
_COLUMNS = "key, kind, model, envelope, value, jcs, department, sigs, witnesses"
_INSERT = f"INSERT OR REPLACE INTO entries ({_COLUMNS}) VALUES ({', '.join('?' * 9)})"  # noqa: S608 - only placeholders


class RecordCache:
    """The SQLite store of :class:`Entry` by :func:`file_key`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self.hits = 0
        self.misses = 0
        self.stored = 0

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            _OPEN.add(self)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.is_file() and self.path.stat().st_size > MAX_CACHE_BYTES:
                _remove(self.path)
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            try:
                db.execute("PRAGMA page_size=16384")  # a new file: rows of a few KB fit a page
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("PRAGMA mmap_size=1073741824")  # lookups read pages without copies
                db.execute(_META)
                db.execute(_ENTRIES)
                db.execute(_BLOBS)
                row = db.execute("SELECT value FROM meta WHERE name = 'fingerprint'").fetchone()
                current = fingerprint().hex()
                if row is None or row[0] != current:
                    # Entries of other code can never be hit again (the fingerprint is
                    # part of every key): drop them rather than let the file grow. The
                    # table is made afresh: other code may have stored other columns.
                    with db:
                        db.execute("DROP TABLE entries")
                        db.execute(_ENTRIES)
                        db.execute("DELETE FROM blobs")
                        db.execute(
                            "INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)", (current,)
                        )
            except BaseException:
                db.close()
                raise
            self._db = db
        return self._db

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, Entry]:
        """The entries there are for ``keys``."""
        found: dict[bytes, Entry] = {}
        for key, kind, model, envelope, *rest in self._select(_COLUMNS, keys):
            found[key] = Entry(kind, model, bool(envelope), *rest)
        self.hits += len(found)
        self.misses += len(set(keys)) - len(found)
        return found

    def get_facts(self, keys: Sequence[bytes]) -> dict[bytes, Facts]:
        """:meth:`get_many` for checking signatures: what :class:`Facts` holds,
        without the record's data."""
        columns = "key, kind, model, envelope, jcs, sigs, department, witnesses"
        make = Facts._make
        found = {row[0]: make(row[1:]) for row in self._select(columns, keys)}
        self.hits += len(found)
        self.misses += len(set(keys)) - len(found)
        return found

    def get_blobs(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """The blobs there are for ``keys`` (:func:`blob_key`)."""
        return {bytes(k): bytes(v) for k, v in self._select("key, value", keys, "blobs")}

    def put_blobs(self, items: Iterable[tuple[bytes, bytes]]) -> None:
        """Store blobs (one transaction); a cache that fails keeps nothing."""
        rows = list(items)
        if not rows:
            return
        try:
            db = self._connect()
            with db:
                db.executemany("INSERT OR REPLACE INTO blobs (key, value) VALUES (?, ?)", rows)
        except sqlite3.Error:
            return

    def _select(
        self, columns: str, keys: Sequence[bytes], table: str = "entries"
    ) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        try:
            db = self._connect()
            for start in range(0, len(keys), _BATCH):
                batch = keys[start : start + _BATCH]
                marks = ",".join("?" * len(batch))
                rows.extend(
                    db.execute(
                        f"SELECT {columns} FROM {table} WHERE key IN ({marks})",  # noqa: S608 - only placeholders
                        batch,
                    )
                )
        except sqlite3.Error:  # a cache that fails is a cache that misses
            return []
        return rows

    def put_many(self, items: Iterable[tuple[bytes, Entry]]) -> None:
        """Store entries (one transaction)."""
        rows = [(k, e.kind, e.model, int(e.envelope), *e[3:]) for k, e in items]
        if not rows:
            return
        try:
            db = self._connect()
            with db:
                db.executemany(_INSERT, rows)
        except sqlite3.Error:  # not kept this time; loading does not fail for it
            return
        self.stored += len(rows)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


_OPEN: weakref.WeakSet[RecordCache] = weakref.WeakSet()
"""Caches that may have a connection open: closed before the process forks (a
SQLite connection must not be used on both sides of a fork); they open again
when next used."""


def _close_before_fork() -> None:
    for store in list(_OPEN):
        store.close()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_close_before_fork)


class _Off(RecordCache):
    """Stands for a cache that could not be opened: finds nothing, keeps nothing."""

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, Entry]:
        self.misses += len(keys)
        return {}

    def get_facts(self, keys: Sequence[bytes]) -> dict[bytes, Facts]:
        self.misses += len(keys)
        return {}

    def put_many(self, items: Iterable[tuple[bytes, Entry]]) -> None:
        del items

    def get_blobs(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        del keys
        return {}

    def put_blobs(self, items: Iterable[tuple[bytes, bytes]]) -> None:
        del items


class LazyEntries:
    """Cache entries fetched when records made from their keys alone
    (:meth:`generator.content.Loaded.from_key`) first need them: 500 at a time,
    in the order the records were made, since they are mostly used in order."""

    def __init__(self, path: Path) -> None:
        self._store = RecordCache(path)
        self.keys: list[bytes] = []
        """The keys of the records made, in order (appended by whoever makes them)."""
        self._first: dict[bytes, int] = {}
        self._indexed = 0
        self._found: dict[bytes, Entry] = {}

    def get(self, key: bytes, file: str, shown: str) -> Entry:
        """The entry of ``key``; when the cache no longer has it (other code
        dropped it), from the file ``file`` again if its bytes still have that key."""
        entry = self._found.get(key)
        if entry is None:
            for i in range(self._indexed, len(self.keys)):
                self._first.setdefault(self.keys[i], i)
            self._indexed = len(self.keys)
            start = self._first.get(key, len(self.keys))
            batch = [k for k in self.keys[start : start + _BATCH] if k not in self._found]
            self._found.update(self._store.get_many([key, *batch]))
            entry = self._found.get(key)
        if entry is None:
            entry = _entry_from_file(key, file, shown)
        return entry

    def close(self) -> None:
        self._store.close()


def _entry_from_file(key: bytes, file: str, shown: str) -> Entry:
    from .content import _load

    try:
        raw = _read_small(file)
    except OSError:
        raw = None
    if raw is not None and file_key(raw) == key:
        loaded, _, _ = _load(Path(file), shown, raw)
        entry = make_entry(loaded) if loaded is not None else None
        if entry is not None:
            return entry
    raise CacheDamagedError(
        f"{shown}: the file changed while it was read and the cache no longer has "
        "what it held before: run again"
    )


def open_cache(directory: Path | None = None) -> RecordCache | None:
    """The record cache, or None when ``GONGKAI_NO_CACHE`` turns it off.

    A cache that cannot be opened (a read-only home, a damaged file) is
    replaced once by a new file, and otherwise not used."""
    if cache_disabled():
        return None
    path = (directory if directory is not None else cache_directory()) / DB_NAME
    for attempt in range(2):
        store = RecordCache(path)
        try:
            store._connect()
        except (OSError, sqlite3.Error):
            store.close()
            if attempt == 0 and path.is_file():
                _remove(path)
                continue
            return _Off(path)
        return store
    return _Off(path)  # pragma: no cover - the loop returns


def _remove(path: Path) -> None:
    """Delete the cache file with its WAL files."""
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            Path(str(path) + suffix).unlink()


# ---------------------------------------------------------------------------
# Processes


def workers() -> int:
    """How many worker processes to use: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """True where worker processes can be forked safely (Linux)."""
    return sys.platform.startswith("linux") and workers() > 1


_JOB: Callable[[int, int], Any] | None = None
"""The job of the pool being run; forked workers inherit it (it is never pickled)."""


def _run(bounds: tuple[int, int]) -> Any:
    assert _JOB is not None
    return _JOB(*bounds)


def fork_map(job: Callable[[int, int], list[T]], count: int, chunk: int) -> Iterator[list[T]]:
    """``job(start, stop)`` for consecutive ranges of ``range(count)``, in forked
    workers; yields each range's result in order as it is ready.

    ``job`` may be a closure over anything in memory: the workers are forks of
    this process, so only the ranges and the results cross between processes.
    Only one pool runs at a time."""
    global _JOB  # noqa: PLW0603 - the one way to hand a closure to forked workers
    if _JOB is not None:  # pragma: no cover - a job never starts another
        raise RuntimeError("fork_map does not nest")
    ranges = [(s, min(s + chunk, count)) for s in range(0, count, chunk)]
    _JOB = job
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(workers(), len(ranges))) as pool:
            yield from pool.imap(_run, ranges)
    finally:
        _JOB = None


def chunk_size(count: int) -> int:
    """Ranges small enough to share the work evenly, large enough to be cheap to send."""
    return max(64, min(2_000, count // (8 * workers()) + 1))


# ---------------------------------------------------------------------------
# Loading many files

Outcome = tuple["Loaded | None", list["Problem"], tuple[str, str] | None]


def load_files(
    files: Sequence[str], shown: Sequence[str], store: RecordCache | None
) -> Iterator[Outcome]:
    """What loading each file gives (record or None, problems, identity of a
    broken record), in order, from the cache where it can; ``shown`` are the
    paths for messages. New entries are stored at the end."""
    from .content import Loaded

    if len(files) >= PARALLEL_MIN and can_fork():
        yield from _load_in_workers(files, shown, store)
        return
    fresh: list[tuple[bytes, Entry]] = []
    for start in range(0, len(files), 500):
        stop = min(start + 500, len(files))
        for result in _load_batch(files, shown, start, stop, store, want_entry=store is not None):
            if result[0] == "new":
                _, key, entry, loaded = result
                if entry is not None:
                    fresh.append((key, entry))
                yield loaded, [], None
            elif result[0] == "hit":
                _, key, entry, index, model = result
                yield Loaded.from_cache(shown[index], files[index], key, entry, model), [], None
            else:
                yield result[1], result[2], result[3]
    if store is not None:
        store.put_many(fresh)


def _load_in_workers(
    files: Sequence[str], shown: Sequence[str], store: RecordCache | None
) -> Iterator[Outcome]:
    """:func:`load_files` with forked workers reading, looking up and parsing;
    this process only puts the records together (and stores new entries)."""
    from .content import Loaded, _load
    from .models import RECORD_KINDS

    if store is not None:
        store.close()  # no connection is open while workers are forked; they open their own

    def job(start: int, stop: int) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        for result in _load_batch(files, shown, start, stop, store, want_entry=True):
            if result[0] == "new":
                _, key, entry, _loaded = result
                out.append(("redo",) if entry is None else ("new", key, entry))
            elif result[0] == "hit":
                out.append(("hit", result[1], result[2]))
            else:
                out.append(result)
        return out

    fresh: list[tuple[bytes, Entry]] = []
    index = 0
    for part in fork_map(job, len(files), chunk_size(len(files))):
        for result in part:
            path = files[index]
            if result[0] in ("hit", "new"):
                _, key, entry = result
                if result[0] == "new":
                    fresh.append((key, entry))
                model = RECORD_KINDS[entry.kind]
                yield Loaded.from_cache(shown[index], path, key, entry, model), [], None
            elif result[0] == "redo":  # loads, but cannot be stored or sent: load it here
                yield _load(Path(path), shown[index])
            else:
                yield result[1], result[2], result[3]
            index += 1
    if store is not None:
        store.put_many(fresh)


def _load_batch(
    files: Sequence[str],
    shown: Sequence[str],
    start: int,
    stop: int,
    store: RecordCache | None,
    *,
    want_entry: bool,
) -> list[tuple[Any, ...]]:
    """Load ``files[start:stop]``: ``("hit", key, entry, index, model)`` from the
    cache, ``("new", key, entry or None, loaded)`` parsed, ``("bad", None,
    problems, identity)`` for a file with problems."""
    from .content import _load
    from .models import RECORD_KINDS

    raws: list[bytes | None] = []
    keys: list[bytes] = []
    for i in range(start, stop):
        raw = _read_small(files[i])
        raws.append(raw)
        keys.append(file_key(raw) if raw is not None and want_entry else b"")
    found = store.get_many([k for k in keys if k]) if store is not None else {}
    out: list[tuple[Any, ...]] = []
    for offset, (raw, key) in enumerate(zip(raws, keys, strict=True)):
        i = start + offset
        entry = found.get(key) if key else None
        if entry is not None:
            model = RECORD_KINDS.get(entry.kind)
            if model is not None and model_name(model) == entry.model:
                out.append(("hit", key, entry, i, model))
                continue
        loaded, problems, identity = _load(Path(files[i]), shown[i], raw)
        if loaded is None:
            out.append(("bad", None, problems, identity))
            continue
        new = make_entry(loaded) if want_entry and key else None
        out.append(("new", key, new, loaded))
    return out


def _read_small(path: str) -> bytes | None:
    """The file's bytes, or None when it is too large to be a record (the
    loader then reports its size without reading it). Read as ``open(path,
    "rb").read()`` reads it, with fewer calls to the system: a file that is
    shorter than the first read (any record) needs no ``fstat``."""
    fd = os.open(path, _READ_FLAGS)
    try:
        data = os.read(fd, _FIRST_READ)
        if len(data) < _FIRST_READ:  # a short read of a regular file: its end
            return data
        size = os.fstat(fd).st_size
        if size > MAX_YAML_BYTES:
            return None
        parts = [data]
        while chunk := os.read(fd, max(size + 1 - len(data), 1 << 16)):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


_FIRST_READ = 1 << 16
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
