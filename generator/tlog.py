"""The transparency log's entries and what they say about the records.

Pure core: entries and records in, new entries, checks and verdicts out. The
files (``content/log/``) are read and written by :mod:`generator.logfiles`.

Every published (signed) record becomes a log entry, in publication order. An
entry is the RFC 8785 canonical JSON of::

    {"type": "plan/v1", "id": "SJX-2023", "version": 1,
     "payload_type": "application/vnd.gongkai.plan.v1+json",
     "payload_sha256": "<SHA-256 of the JCS of the record's signed data>",
     "keyids": ["<keyid>", ...],               # of its signatures, sorted, each once
     "logged_at": "2023-03-01T09:00:00+08:00"}  # when it entered the log

A record whose signatures grow (a witness co-signs later) gets a further entry
with the larger set of keyids; its first entry's ``logged_at`` stays the time
the record entered the log. A record is never changed once logged: a correction
is a new version, hence a new entry.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .canonical import canonical_json
from .checkpoint import Checkpoint
from .errors import GongkaiError
from .merkle import ProofError, Tree, leaf_hash, verify_consistency
from .signing import payload_type

ENTRY_KEYS = ("id", "keyids", "logged_at", "payload_sha256", "payload_type", "type", "version")
_TYPE = re.compile(r"^[a-z][a-z0-9-]*/v[1-9][0-9]*$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class LogError(GongkaiError):
    """The log cannot be read, written or extended as asked."""


RecordKey = tuple[str, str, int]
"""(type, id, version): which record an entry is about."""


@dataclass(frozen=True)
class Entry:
    """One log entry."""

    type: str
    id: str
    version: int
    payload_type: str
    payload_sha256: str
    keyids: tuple[str, ...]
    logged_at: str

    @property
    def key(self) -> RecordKey:
        return (self.type, self.id, self.version)

    def as_dict(self) -> dict[str, object]:
        return {
            "type": self.type,
            "id": self.id,
            "version": self.version,
            "payload_type": self.payload_type,
            "payload_sha256": self.payload_sha256,
            "keyids": list(self.keyids),
            "logged_at": self.logged_at,
        }

    def encode(self) -> bytes:
        """The entry's bytes: RFC 8785 canonical JSON."""
        return canonical_json(self.as_dict())

    @property
    def leaf(self) -> bytes:
        return leaf_hash(self.encode())


def parse_time(value: str) -> dt.datetime:
    """A ``YYYY-MM-DDTHH:MM:SS+HH:MM`` time; ValueError otherwise."""
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", value):
        raise ValueError(value)
    return dt.datetime.fromisoformat(value)


_CANONICAL_ENTRY = re.compile(
    rb'\{"id":("(?:[^"\\\x00-\x1f]|\\["\\bfnrt]|\\u00(?:0[0-7bef]|1[0-9a-f]))+")'
    rb',"keyids":\[((?:"[0-9a-f]{64}")(?:,"[0-9a-f]{64}")*)?\]'
    rb',"logged_at":"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2})"'
    rb',"payload_sha256":"([0-9a-f]{64})"'
    rb',"payload_type":"([^"\\\x00-\x1f]*)"'
    rb',"type":"([a-z][a-z0-9-]*/v[1-9][0-9]*)"'
    rb',"version":([1-9][0-9]{0,15})\}'
)
"""An entry in RFC 8785 canonical form, read without decoding JSON: the keys in
their order, each value as JCS writes it (a string escapes only ``"``, ``\\`` and
control characters, these as ``\\b \\t \\n \\f \\r`` or ``\\u00xx``)."""
_MAX_VERSION = 2**53 - 1
"""The largest integer RFC 8785 writes (an integer JSON number exactly)."""
_PAYLOAD_TYPES: dict[bytes, str] = {}


EntryFields = tuple[str, str, int, str, str, tuple[str, ...], str]
"""An entry's fields, in :class:`Entry`'s order."""


def _fast_fields(raw: bytes) -> EntryFields | None:
    """The entry's fields, when ``raw`` is an entry in canonical form whose fields
    are all right; None when it is not sure (then :func:`_decode_entry` decides,
    and says why)."""
    m = _CANONICAL_ENTRY.fullmatch(raw)
    if m is None:
        return None
    quoted, keyids, logged_at, digest, ptype, rtype, version = m.groups()
    expected = _PAYLOAD_TYPES.get(rtype)
    if expected is None:
        expected = _PAYLOAD_TYPES[rtype] = payload_type(rtype.decode("ascii"))
    number = int(version)
    when = logged_at.decode("ascii")
    try:
        rid = quoted[1:-1].decode("utf-8") if b"\\" not in quoted else json.loads(quoted)
        if ptype.decode("utf-8") != expected or number > _MAX_VERSION:
            return None
        dt.datetime.fromisoformat(when)  # the expression gave its shape: is it a time?
    except ValueError:  # not UTF-8, not a time: the full decoding says so
        return None
    ids = tuple(k[1:-1] for k in keyids.decode("ascii").split(",")) if keyids else ()
    if len(ids) > 1 and list(ids) != sorted(set(ids)):
        return None
    return rtype.decode("ascii"), rid, number, expected, digest.decode("ascii"), ids, when


def decode_entry(raw: bytes) -> Entry:
    """An entry from its bytes; ValueError saying what is wrong.

    An entry in canonical form is read by one regular expression (a log holds
    one entry per record: this is most of the time ``gongkai verify`` spends on
    it); anything else is decoded as JSON and checked field by field."""
    found = _fast_fields(raw)
    return Entry(*found) if found is not None else _decode_entry(raw)


def entry_fields(raw: bytes) -> EntryFields:
    """:func:`decode_entry`'s fields, without making an :class:`Entry`."""
    found = _fast_fields(raw)
    if found is None:
        e = _decode_entry(raw)
        found = (e.type, e.id, e.version, e.payload_type, e.payload_sha256, e.keyids, e.logged_at)
    return found


def _decode_entry(raw: bytes) -> Entry:
    """:func:`decode_entry` from the JSON, field by field."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("not UTF-8 JSON") from None
    if not isinstance(data, dict) or sorted(data) != list(ENTRY_KEYS):
        got = ", ".join(sorted(data)) if isinstance(data, dict) else type(data).__name__
        raise ValueError(f"expected exactly the keys {', '.join(ENTRY_KEYS)} (got {got})")
    rtype, rid, version = data["type"], data["id"], data["version"]
    if not isinstance(rtype, str) or not _TYPE.match(rtype):
        raise ValueError(f"type: not a record type such as plan/v1 (got {rtype!r})")
    if not isinstance(rid, str) or not rid:
        raise ValueError(f"id: not a record id (got {rid!r})")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"version: not a positive integer (got {version!r})")
    if data["payload_type"] != payload_type(rtype):
        raise ValueError(
            f"payload_type: does not match the type (got {data['payload_type']!r}, "
            f"expected {payload_type(rtype)!r})"
        )
    digest = data["payload_sha256"]
    if not isinstance(digest, str) or not _HEX64.match(digest):
        raise ValueError(f"payload_sha256: not 64 lower-case hex digits (got {digest!r})")
    keyids = data["keyids"]
    if (
        not isinstance(keyids, list)
        or not all(isinstance(k, str) and _HEX64.match(k) for k in keyids)
        or keyids != sorted(set(keyids))
    ):
        raise ValueError("keyids: not a sorted list of distinct keyids")
    logged_at = data["logged_at"]
    try:
        parse_time(logged_at if isinstance(logged_at, str) else "")
    except ValueError:
        raise ValueError(
            f"logged_at: not a time such as 2023-03-01T09:00:00+08:00 (got {logged_at!r})"
        ) from None
    entry = Entry(rtype, rid, version, data["payload_type"], digest, tuple(keyids), logged_at)
    if entry.encode() != raw:
        raise ValueError("not in RFC 8785 canonical form")
    return entry


@dataclass(frozen=True)
class Published:
    """A signed record as the log sees it."""

    path: str
    type: str
    id: str
    version: int
    payload_sha256: str
    keyids: tuple[str, ...]
    date: str
    """The date the record states for itself (orders a first import)."""

    @property
    def key(self) -> RecordKey:
        return (self.type, self.id, self.version)

    def entry(self, logged_at: str) -> Entry:
        return Entry(
            self.type,
            self.id,
            self.version,
            payload_type(self.type),
            self.payload_sha256,
            self.keyids,
            logged_at,
        )


def publication_order(records: Sequence[Published]) -> list[Published]:
    """Records in the order they enter the log: by their own date, then by path."""
    return sorted(records, key=lambda r: (r.date, r.path))


def _describe(key: RecordKey) -> str:
    return f"{key[0]} {key[1]} v{key[2]}"


def plan_append(
    entries: Sequence[Entry],
    records: Sequence[Published],
    logged_at: str | Callable[[Published], str],
) -> list[Entry]:
    """The entries to add so that every record is in the log as it is now.

    A record not in the log gets an entry; a logged record whose signatures grew
    gets another. A record that changed after it was logged, or lost signatures,
    stops everything: LogError lists each (the log never forgets what it said)."""
    latest: dict[RecordKey, Entry] = {}
    for e in entries:
        latest[e.key] = e
    last_time = parse_time(entries[-1].logged_at) if entries else None
    seen: dict[RecordKey, str] = {}
    problems: list[str] = []
    new: list[Entry] = []
    for rec in publication_order(records):
        if rec.key in seen:
            problems.append(
                f"{rec.path}: 与 {seen[rec.key]} 是同一记录 / the same record as {seen[rec.key]} "
                f"({_describe(rec.key)})"
            )
            continue
        seen[rec.key] = rec.path
        old = latest.get(rec.key)
        if old is not None and old.payload_sha256 != rec.payload_sha256:
            problems.append(
                f"{rec.path}: 记录在进入日志（{old.logged_at}）后被改动 / the record was changed "
                f"after it entered the log at {old.logged_at} (logged SHA-256 "
                f"{old.payload_sha256[:16]}…, now {rec.payload_sha256[:16]}…); publish a "
                "correction as a new version instead"
            )
            continue
        if old is not None and set(old.keyids) - set(rec.keyids):
            gone = ", ".join(k[:16] for k in sorted(set(old.keyids) - set(rec.keyids)))
            problems.append(
                f"{rec.path}: 已记入日志的签名被删除 / signatures recorded in the log were "
                f"removed (keyids {gone})"
            )
            continue
        if old is not None and old.keyids == rec.keyids:
            continue
        when = logged_at(rec) if callable(logged_at) else logged_at
        try:
            moment = parse_time(when)
        except ValueError:
            raise LogError(
                f"日志时间格式错误 / not a log time (got {when!r}, expected e.g. "
                "2023-03-01T09:00:00+08:00)"
            ) from None
        if last_time is not None and moment < last_time:
            raise LogError(
                f"日志时间不能倒退 / log time cannot go back: {when} is before the last "
                f"entry's time {last_time.isoformat()}"
            )
        last_time = moment
        new.append(rec.entry(when))
    if problems:
        raise LogError(
            "无法追加，日志从不改写已记录的内容。 / cannot append: the log never rewrites "
            "what it recorded.\n" + "\n".join(problems)
        )
    return new


@dataclass(frozen=True)
class Finding:
    """One thing wrong between the log's entries and the records."""

    subject: str
    message: str


def records_missing(entries: Sequence[Entry], records: Sequence[Published]) -> list[Finding]:
    """Records that are not in the log as they are now."""
    latest: dict[RecordKey, Entry] = {}
    payloads: dict[RecordKey, set[str]] = {}
    for e in entries:
        latest[e.key] = e
        payloads.setdefault(e.key, set()).add(e.payload_sha256)
    out: list[Finding] = []
    for rec in publication_order(records):
        last = latest.get(rec.key)
        if last is None:
            out.append(Finding(rec.path, "不在日志中 / not in the log"))
        elif payloads[rec.key] != {rec.payload_sha256}:
            out.append(
                Finding(
                    rec.path,
                    f"进入日志后被改动 / changed after it entered the log (logged SHA-256 "
                    f"{last.payload_sha256[:16]}…, the file's {rec.payload_sha256[:16]}…)",
                )
            )
        elif last.keyids != rec.keyids:
            out.append(
                Finding(
                    rec.path,
                    "签名与日志中的不同 / its signatures differ from the log's "
                    f"(logged keyids {', '.join(k[:8] for k in last.keyids) or 'none'}; "
                    f"the file's {', '.join(k[:8] for k in rec.keyids) or 'none'})",
                )
            )
    return out


def entries_unmatched(entries: Sequence[Entry], records: Sequence[Published]) -> list[Finding]:
    """Entries that match no record, or that rewrite what an earlier entry said."""
    by_key = {r.key: r for r in records}
    first: dict[RecordKey, int] = {}
    prev: dict[RecordKey, Entry] = {}
    out: list[Finding] = []
    for i, e in enumerate(entries):
        where = f"entry {i} ({_describe(e.key)})"
        if e.key not in by_key:
            out.append(
                Finding(where, "content/ 中没有这条记录 / no such signed record in content/")
            )
        before = prev.get(e.key)
        if before is not None:
            if before.payload_sha256 != e.payload_sha256:
                out.append(
                    Finding(
                        where,
                        f"与第 {first[e.key]} 条的内容不同 / says other content "
                        f"than the record's first entry {first[e.key]}",
                    )
                )
            elif not set(before.keyids) < set(e.keyids):
                out.append(
                    Finding(
                        where,
                        "重复记录或删除了签名 / repeats the record without adding signatures",
                    )
                )
        else:
            first[e.key] = i
        prev[e.key] = e
    return out


def time_order(entries: Sequence[Entry]) -> list[Finding]:
    """Entries whose log time is before the entry before them."""
    out: list[Finding] = []
    for i in range(1, len(entries)):
        if parse_time(entries[i].logged_at) < parse_time(entries[i - 1].logged_at):
            out.append(
                Finding(
                    f"entry {i} ({_describe(entries[i].key)})",
                    f"日志时间 {entries[i].logged_at} 早于前一条 {entries[i - 1].logged_at} / "
                    "entered the log before the entry before it",
                )
            )
    return out


CHINA = dt.timezone(dt.timedelta(hours=8))
"""China Standard Time, in which log times are written and days are counted."""


def china_day(logged_at: str) -> str:
    """The day (``YYYY-MM-DD``) of a log time in China Standard Time (+08:00)."""
    if logged_at.endswith("+08:00"):
        return logged_at[:10]
    return parse_time(logged_at).astimezone(CHINA).date().isoformat()


@dataclass
class LogTimes:
    """When records entered the log, by the SHA-256 of their signed data (an
    entry's ``payload_sha256``, which covers the record's type, id and version):
    what key validity is judged by (:func:`entry_times`)."""

    first: dict[str, tuple[str, frozenset[str]]]
    """payload_sha256 -> the day (China time) of its first entry, and that entry's keyids."""
    later: dict[tuple[str, str], str]
    """(payload_sha256, keyid) -> the day of the first entry that added this keyid
    to a record already logged (a witness who co-signed later)."""
    entries: int
    """How many entries were read."""

    def day(self, digest: str, keyid: str) -> str | None:
        """The day the signature by ``keyid`` of the record ``digest`` entered the
        log; None when it did not (the record or the signature is not logged)."""
        found = self.first.get(digest)
        if found is None:
            return None
        if keyid in found[1]:
            return found[0]
        return self.later.get((digest, keyid))


class EntryError(ValueError):
    """Entry ``index`` of a log is not an entry (``reason``: what is wrong)."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"entry {index}: {reason}")
        self.index = index
        self.reason = reason


Summary = tuple[str, str, str]
"""What key validity needs of an entry: its payload_sha256, its keyids joined by
commas, and its day (China time)."""


def summaries(raws: Sequence[bytes]) -> list[Summary]:
    """:data:`Summary` of each entry; EntryError for the first that is not an entry."""
    out: list[Summary] = []
    for index, raw in enumerate(raws):
        try:
            _, _, _, _, digest, ids, logged_at = entry_fields(raw)
        except ValueError as exc:
            raise EntryError(index, str(exc)) from None
        out.append((digest, ",".join(ids), china_day(logged_at)))
    return out


def times_of(entries: Iterable[Sequence[str]]) -> LogTimes:
    """:class:`LogTimes` of the entries (each a :data:`Summary`), in log order,
    in one pass. A record's first entry gives its day; a signature added by a
    later entry has that entry's day."""
    first: dict[str, tuple[str, frozenset[str]]] = {}
    later: dict[tuple[str, str], str] = {}
    days: dict[str, str] = {}  # each day, and each set of keyids, kept once
    signers: dict[str, frozenset[str]] = {}
    count = 0
    for digest, ids, day in entries:
        count += 1
        found = first.get(digest)
        if found is None:
            keyids = signers.get(ids)
            if keyids is None:
                keyids = signers[ids] = frozenset(ids.split(",") if ids else ())
            first[digest] = (days.setdefault(day, day), keyids)
            continue
        for keyid in ids.split(",") if ids else ():
            if keyid not in found[1]:
                later.setdefault((digest, keyid), days.setdefault(day, day))
    return LogTimes(first, later, count)


def entry_times(raws: Sequence[bytes]) -> LogTimes:
    """:class:`LogTimes` of the entries ``raws``; EntryError for the first that
    is not an entry."""
    return times_of(summaries(raws))


@dataclass(frozen=True)
class Consistency:
    """Whether a newer checkpoint extends an older one, with the proof or the evidence."""

    ok: bool | None
    """True: proved; False: evidence that it does not; None: could not be decided."""
    reason: str
    proof: tuple[bytes, ...] = ()
    split_view: bool = False
    """Two checkpoints of the same size with different roots."""
    old_root_in_new: bytes | None = None
    """The root of the newer log's first ``old.size`` entries, when they differ."""


def compare(old: Checkpoint, new: Checkpoint, tree: Tree | None) -> Consistency:
    """Does ``new`` extend ``old``? ``tree``: the entries of the newer log, when at
    hand (to build the RFC 9162 consistency proof and check it)."""
    if old.origin != new.origin:
        return Consistency(
            None,
            f"两份检查点属于不同的日志 / the checkpoints are of different logs "
            f"({old.origin!r} and {new.origin!r})",
        )
    if old.size > new.size:
        return Consistency(
            False,
            f"日志变短了：旧检查点 {old.size} 条，新检查点 {new.size} 条 / the log shrank: "
            f"the older checkpoint has {old.size} entries, the newer {new.size}",
        )
    if old.size == new.size:
        if old.root == new.root:
            return Consistency(
                True, f"两份检查点是同一棵树（{new.size} 条）/ the same tree ({new.size} entries)"
            )
        return Consistency(
            False,
            f"同样 {new.size} 条却有两个不同的根哈希：分叉视图 / two different roots for the "
            f"same size {new.size}: a split view",
            split_view=True,
        )
    if tree is None or tree.size < new.size or tree.root(new.size) != new.root:
        return Consistency(
            None,
            f"本地日志不含新检查点的树（{new.size} 条），无法生成证明 / the local log does not "
            f"hold the newer checkpoint's tree (size {new.size}): no proof can be made",
        )
    proof = tree.consistency_proof(old.size, new.size)
    try:
        verify_consistency(old.size, new.size, old.root, new.root, proof)
    except ProofError as exc:
        return Consistency(
            False,
            f"新日志的前 {old.size} 条的根哈希与旧检查点不同：新日志不是旧日志的延续 / the root "
            f"of the newer log's first {old.size} entries differs from the older checkpoint's: "
            f"the newer log does not extend the older one ({exc})",
            tuple(proof),
            old_root_in_new=tree.root(old.size),
        )
    return Consistency(
        True,
        f"新日志（{new.size} 条）包含旧日志（{old.size} 条）的全部条目且顺序不变 / the newer "
        f"log ({new.size} entries) extends the older one ({old.size} entries)",
        tuple(proof),
    )
