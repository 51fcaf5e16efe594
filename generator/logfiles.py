"""The transparency log on disk, and the checkpoints this machine remembers.

The shell around :mod:`generator.tlog`, :mod:`generator.merkle` and
:mod:`generator.checkpoint`. The log lives in ``content/log/`` as the static
files of C2SP tlog-tiles (https://c2sp.org/tlog-tiles)::

    content/log/checkpoint                 the signed checkpoint (C2SP signed note)
    content/log/tile/<L>/<N>[.p/<W>]       hash tiles: 256 hashes, or W in a partial tile
    content/log/tile/entries/<N>[.p/<W>]   entry bundles: uint16 length + entry, each

The checkpoint's key is declared in the root of trust (``log`` in
``content/root/N.yaml``). The last checkpoint seen of each log is remembered in
``$GONGKAI_STATE_DIR/checkpoints.json`` (default
``$XDG_STATE_HOME/gongkai/checkpoints.json``, else ``~/.local/state/gongkai/``), so
that a later ``gongkai log verify`` notices a log that shrank, forked or was rewritten.
See docs/transparency-log.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .cache import RecordCache, blob_key
from .checkpoint import (
    Checkpoint,
    CheckpointError,
    count_signatures,
    parse_checkpoint,
    sign_checkpoint,
    verifier_key,
)
from .content import display_path, load_content, load_record_file
from .keyfile import PrivateKey
from .merkle import (
    HASH_SIZE,
    TILE_WIDTH,
    Tree,
    bundle,
    bundles,
    leaf_hash,
    parse_tile_path,
    root_of,
    tile_path,
    tiles,
    unbundle,
)
from .models import LogRole, Record, Root
from .tlog import (
    CHINA,
    Consistency,
    Entry,
    EntryError,
    Finding,
    LogError,
    LogTimes,
    Published,
    Summary,
    compare,
    decode_entry,
    entries_unmatched,
    plan_append,
    records_missing,
    summaries,
    time_order,
    times_of,
)
from .trust import Check, SignedDoc, number, verify_root_chain

STATE_FORMAT = "gongkai-checkpoints"


def log_directory(content_dir: Path) -> Path:
    return content_dir / "log"


def now_in_china() -> str:
    """The current time, to the second, as China Standard Time (+08:00)."""
    return dt.datetime.now(CHINA).replace(microsecond=0).isoformat()


# ---------------------------------------------------------------------------
# Reading the log


@dataclass
class LogFiles:
    """The log as read from its directory."""

    directory: Path
    checkpoint: Checkpoint | None = None
    checkpoint_text: str = ""
    raw: list[bytes] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    tree: Tree = field(default_factory=Tree)
    entry_problems: list[Finding] = field(default_factory=list)
    """Bundles missing, cut short or too long; entries that are not entries."""
    tile_problems: list[Finding] = field(default_factory=list)
    """Hash tiles missing or wrong; files that are not part of the log."""

    @property
    def checkpoint_path(self) -> str:
        return display_path(self.directory / "checkpoint")

    @property
    def complete(self) -> bool:
        """Every entry the checkpoint counts was read and decoded."""
        return self.checkpoint is not None and len(self.entries) == self.checkpoint.size

    @property
    def root_matches(self) -> bool:
        return (
            self.complete
            and self.checkpoint is not None
            and self.tree.root() == self.checkpoint.root
        )


def read_checkpoint_file(path: Path) -> tuple[Checkpoint, str]:
    """A checkpoint file and its text; LogError naming the file."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise LogError(
            f"{display_path(path)}: 无法读取检查点 / cannot read the checkpoint ({exc.strerror})"
        ) from None
    except UnicodeDecodeError:
        raise LogError(
            f"{display_path(path)}: 检查点不是 UTF-8 / the checkpoint is not UTF-8"
        ) from None
    try:
        return parse_checkpoint(text), text
    except CheckpointError as exc:
        raise LogError(f"{display_path(path)}: 不是检查点 / not a checkpoint: {exc}") from None


def _checkpoint_file(directory: Path) -> Path | None:
    """The log's checkpoint file; None when there is no log (no directory, or an
    empty one); LogError when the directory holds files but no checkpoint."""
    cp_path = directory / "checkpoint"
    if cp_path.is_file():
        return cp_path
    if directory.is_dir() and any(directory.iterdir()):
        raise LogError(
            f"{display_path(cp_path)}: 日志目录中没有检查点 / the log directory has no checkpoint"
        )
    return None


def read_log(directory: Path) -> LogFiles:
    """Read the checkpoint, the entries it counts and check every file of the log.

    No log (no directory, or no checkpoint in it) gives an empty LogFiles; a
    checkpoint that cannot be read raises LogError."""
    log = LogFiles(directory)
    cp_path = _checkpoint_file(directory)
    if cp_path is None:
        return log
    log.checkpoint, log.checkpoint_text = read_checkpoint_file(cp_path)
    found, problem = _entry_bundles(directory, log.checkpoint.size)
    for shown, start, raws in found:
        bad = _decode_into(log, shown, start, raws)
        if bad is not None:
            problem = bad  # reading stops at the first entry that is not one
            break
    if problem is not None:
        log.entry_problems.append(problem)
    if log.complete:
        _check_tiles(log)
    return log


def _decode_into(log: LogFiles, shown: str, start: int, raws: list[bytes]) -> Finding | None:
    """Add the entries of one bundle to ``log``, up to the first that is not an entry
    (the problem returned)."""
    for i, raw in enumerate(raws):
        try:
            entry = decode_entry(raw)
        except ValueError as exc:
            return Finding(f"{shown} (entry {start + i})", f"条目格式错误 / not a log entry: {exc}")
        log.raw.append(raw)
        log.entries.append(entry)
        log.tree.append(leaf_hash(raw))  # its bytes are canonical: decode_entry checked
    return None


def _bundle_files(
    directory: Path, size: int
) -> tuple[list[tuple[str, int, int, bytes]], Finding | None]:
    """The entry bundle files of a log of ``size`` entries, in order, each as (its
    path as shown, the index of its first entry, how many entries it must hold,
    its bytes), up to the first that is missing (the problem)."""
    found: list[tuple[str, int, int, bytes]] = []
    for n in range(-(-size // TILE_WIDTH)):
        width = min(TILE_WIDTH, size - n * TILE_WIDTH)
        rel = tile_path("entries", n, width)
        shown = display_path(directory / rel)
        try:
            data = (directory / rel).read_bytes()
        except OSError:
            return found, Finding(
                shown, "条目包缺失 / entry bundle missing (the checkpoint counts it)"
            )
        found.append((shown, n * TILE_WIDTH, width, data))
    return found, None


def _unbundled(shown: str, width: int, data: bytes) -> tuple[list[bytes], Finding | None]:
    """The entries of a bundle that must hold ``width``, or the problem."""
    try:
        raws = unbundle(data)
    except ValueError as exc:
        return [], Finding(shown, f"条目包被截断 / bundle cut short: {exc}")
    if len(raws) != width:
        return [], Finding(
            shown,
            f"条目包有 {len(raws)} 条，检查点要求 {width} 条 / the bundle holds "
            f"{len(raws)} entries, the checkpoint counts {width}",
        )
    return raws, None


def _entry_bundles(
    directory: Path, size: int
) -> tuple[list[tuple[str, int, list[bytes]]], Finding | None]:
    """The entry bundles of a log of ``size`` entries, in order, each as (its path
    as shown, the index of its first entry, its entries), up to the first bundle
    that is missing, cut short or of the wrong width (the problem)."""
    files, problem = _bundle_files(directory, size)
    found: list[tuple[str, int, list[bytes]]] = []
    for shown, start, width, data in files:
        raws, bad = _unbundled(shown, width, data)
        if bad is not None:
            return found, bad
        found.append((shown, start, raws))
    return found, problem


def _check_tiles(log: LogFiles) -> None:
    """Every hash tile and bundle of the checkpoint's size is there and right; any
    other file is an earlier partial tile that agrees with the tree, or a problem."""
    assert log.checkpoint is not None
    expected = tiles(log.tree) | bundles(log.raw)
    for rel, data in expected.items():
        path = log.directory / rel
        shown = display_path(path)
        if rel.startswith("tile/entries/"):
            continue  # read above
        try:
            stored = path.read_bytes()
        except OSError:
            log.tile_problems.append(Finding(shown, "哈希瓦片缺失 / hash tile missing"))
            continue
        if stored != data:
            log.tile_problems.append(
                Finding(
                    shown,
                    "哈希瓦片与条目算出的树不符 / the hash tile does not match the tree of the entries",
                )
            )
    current: dict[tuple[str, int], tuple[int, bytes]] = {}
    for rel, data in expected.items():
        parsed = parse_tile_path(rel)
        assert parsed is not None
        current[parsed[0], parsed[1]] = (parsed[2], data)
    for path in sorted(p for p in log.directory.rglob("*") if p.is_file()):
        rel = path.relative_to(log.directory).as_posix()
        if rel == "checkpoint" or rel in expected:
            continue
        shown = display_path(path)
        parsed = parse_tile_path(rel)
        if parsed is None:
            log.tile_problems.append(Finding(shown, "不属于日志的文件 / not a file of the log"))
            continue
        level, n, width = parsed
        have = current.get((level, n))
        if have is None or width >= have[0]:
            log.tile_problems.append(
                Finding(shown, "超出检查点范围的瓦片 / a tile beyond the checkpoint's tree")
            )
            continue
        if level == "entries":
            start = n * TILE_WIDTH
            want = bundle(log.raw[start : start + width])
        else:
            want = have[1][: width * HASH_SIZE]
        if path.read_bytes() != want:
            log.tile_problems.append(
                Finding(
                    shown,
                    "较早的部分瓦片与当前的树不符 / an earlier partial tile disagrees with the tree",
                )
            )


# ---------------------------------------------------------------------------
# The root of trust and the log key


@dataclass
class Trust:
    """The trusted root versions (oldest first) and the checks that decided it."""

    roots: list[Root]
    paths: list[str]
    checks: list[Check]

    @property
    def root(self) -> Root | None:
        return self.roots[-1] if self.roots else None

    @property
    def path(self) -> str:
        return self.paths[-1] if self.paths else "content/root/"


def trusted_roots(content_dir: Path, now: str, pinned: str | None = None) -> Trust:
    """Verify the root chain (as ``gongkai verify`` does) and keep the trusted versions."""
    docs: list[SignedDoc] = []
    for path in sorted((content_dir / "root").glob("*.yaml")):
        loaded, problems = load_record_file(path)
        if loaded is None or problems or not isinstance(loaded.record, Root):
            raise LogError(
                f"{display_path(path)}: 根信任无法读取 / the root of trust does not validate; "
                "run gongkai validate"
            )
        docs.append(SignedDoc(loaded.path, loaded.record, loaded.signed, loaded.signatures))
    newest, checks = verify_root_chain(docs, now, pinned)
    ordered = sorted(docs, key=lambda d: d.record.version)
    trusted: list[SignedDoc] = []
    if newest is not None:
        digests = [d.digest for d in ordered]
        start = digests.index(pinned) if pinned in digests else 0
        trusted = [d for d in ordered[start:] if d.record.version <= newest.version]
    roots = [d.record for d in trusted if isinstance(d.record, Root)]
    return Trust(roots, [d.path for d in trusted], checks)


def log_role(trust: Trust) -> LogRole:
    """The newest trusted root's log role; LogError when there is none."""
    root = trust.root
    if root is None:
        failed = next((c for c in trust.checks if c.status == "fail"), None)
        why = f"{failed.subject}: {failed.reason}" if failed else "no root"
        raise LogError(f"根信任未通过核验 / the root of trust does not verify: {why}")
    if root.log is None:
        raise LogError(
            f"{trust.path}: 根信任未声明日志密钥 / the root of trust declares no log key "
            "(add log: {origin, keys, threshold} in a new root version)"
        )
    return root.log


def signature_verdict(cp: Checkpoint, roles: Sequence[LogRole], shown: str) -> tuple[bool, str]:
    """Is ``cp`` signed by a threshold of one of ``roles``' keys? (ok, reason in words)."""
    others: list[str] = []
    for role in roles:
        if role.origin != cp.origin:
            continue
        try:
            count = count_signatures(cp, role.origin, list(role.keys))
        except CheckpointError as exc:
            return False, f"{shown}: 检查点签名无效 / a log key's signature does not verify: {exc}"
        if len(count.valid) >= role.threshold:
            ids = ", ".join(verifier_key(role.origin, p).split("+")[1] for p in count.valid)
            return True, (
                f"由 {len(count.valid)} 个日志密钥签名（门槛 {role.threshold}）/ signed by "
                f"{len(count.valid)} of the root's log keys (threshold {role.threshold}; key ID {ids})"
            )
        others = [f"{s.name} {s.key_id.hex()}" for s in count.unknown]
        if count.valid:
            return False, (
                f"{shown}: 日志密钥签名数不足 / signed by {len(count.valid)} log key(s), "
                f"threshold {role.threshold}"
            )
    origins = ", ".join(sorted({r.origin for r in roles})) or "none"
    if not any(r.origin == cp.origin for r in roles):
        return False, (
            f"{shown}: 检查点来自另一个日志 / the checkpoint is of another log "
            f"(origin {cp.origin!r}; the root of trust declares {origins})"
        )
    ignored = (
        f"; 忽略了其他密钥的签名 / ignored signature(s) by other keys: {'; '.join(others)}"
        if others
        else ""
    )
    return False, (
        f"{shown}: 检查点没有根信任日志密钥的签名 / the checkpoint is not signed by a log key "
        f"of the root of trust (origin {cp.origin}){ignored}"
    )


# ---------------------------------------------------------------------------
# The records


def published_records(content_dir: Path) -> tuple[list[Published], list[str]]:
    """Every signed record under ``content_dir`` as the log sees it, and the files
    that could not be read (they cannot be matched against the log)."""
    content = load_content(content_dir)
    base = os.path.abspath(content_dir)
    unreadable = sorted(
        {
            p.path
            for p in content.problems
            if p.severity == "error" and os.path.abspath(p.path).startswith(base + os.sep)
        }
    )
    out: list[Published] = []
    for loaded in content.records:
        if loaded.signatures is None:
            continue
        out.append(
            published(loaded.path, loaded.kind, loaded.record, loaded.digest, loaded.signatures)
        )
    return out, unreadable


def published(
    path: str, kind: str, record: Record, digest: str, signatures: list[object]
) -> Published:
    """A signed record as the log sees it."""
    keyids = sorted(
        {s["keyid"] for s in signatures if isinstance(s, dict) and isinstance(s.get("keyid"), str)}
    )
    return Published(
        path, kind, record.id, record.version, digest, tuple(keyids), record.signed_on() or ""
    )


def published_file(path: Path) -> Published:
    """One signed record file as the log sees it; LogError naming the file."""
    loaded, problems = load_record_file(path)
    if loaded is None or problems:
        raise LogError(
            f"{display_path(path)}: 记录无法读取 / the record does not validate; run gongkai validate"
        )
    if loaded.signatures is None:
        raise LogError(
            f"{display_path(path)}: 未签名的草稿不进入日志 / an unsigned draft is not in the log"
        )
    return published(loaded.path, loaded.kind, loaded.record, loaded.digest, loaded.signatures)


# ---------------------------------------------------------------------------
# Writing


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_log(directory: Path, raw: Sequence[bytes], checkpoint_text: str) -> None:
    """Write the tiles and bundles of a log of these entries, then its checkpoint.

    Full tiles and bundles never change once written; partial ones of an index
    that is now full are removed (tlog-tiles allows it); the checkpoint is
    written last, so an interrupted append leaves the previous log valid."""
    tree = Tree([leaf_hash(r) for r in raw])
    files = tiles(tree) | bundles(raw)
    for rel, data in sorted(files.items()):
        path = directory / rel
        if path.is_file() and path.read_bytes() == data:
            continue
        _write_atomic(path, data)
    for rel in files:
        parsed = parse_tile_path(rel)
        assert parsed is not None
        level, n, width = parsed
        if width == TILE_WIDTH:
            partials = directory / (tile_path(level, n) + ".p")
            if partials.is_dir():
                for stale in partials.iterdir():
                    stale.unlink()
                partials.rmdir()
    _write_atomic(directory / "checkpoint", checkpoint_text.encode("utf-8"))


def append(
    content_dir: Path,
    keys: Sequence[PrivateKey],
    logged_at: str | Callable[[Published], str],
    now: str,
    *,
    records: Sequence[Published] | None = None,
) -> tuple[list[Entry], Checkpoint | None]:
    """Add every signed record not yet in the log (as it is now) and sign a new
    checkpoint with ``keys``. Returns the new entries and the new checkpoint
    (None when there was nothing to add)."""
    trust = trusted_roots(content_dir, now[:10])
    role = log_role(trust)
    strangers = [k for k in keys if k.public not in role.keys]
    if strangers:
        raise LogError(
            f"{strangers[0].label or strangers[0].keyid[:16]}: 不是根信任声明的日志密钥 / not a log "
            f"key of the root of trust ({trust.path} declares {len(role.keys)} log key(s) for "
            f"{role.origin})"
        )
    if len({k.public for k in keys}) < role.threshold:
        raise LogError(
            f"需要 {role.threshold} 个日志密钥 / the root requires {role.threshold} log key(s) "
            f"to sign a checkpoint (got {len({k.public for k in keys})})"
        )
    directory = log_directory(content_dir)
    log = read_log(directory)
    if log.checkpoint is not None:
        ok, why = signature_verdict(log.checkpoint, [role], log.checkpoint_path)
        problems = [f"{f.subject}: {f.message}" for f in log.entry_problems + log.tile_problems]
        if not log.root_matches and not problems:
            problems.append(
                f"{log.checkpoint_path}: 条目算出的根哈希与检查点不符 / the entries do not hash to "
                "the checkpoint's root"
            )
        if not ok:
            problems.insert(0, why)
        if problems:
            raise LogError(
                "现有日志未通过核验，不能追加（运行 gongkai log verify）/ the log does not verify, "
                "so nothing is appended (run gongkai log verify):\n" + "\n".join(problems)
            )
    if records is None:
        records, unreadable = published_records(content_dir)
        if unreadable:
            raise LogError(
                f"{unreadable[0]}: 记录无法读取，不能确定哪些记录已发布 / a record does not "
                f"validate, so what is published is not known ({len(unreadable)} file(s); run "
                "gongkai validate)"
            )
    new = plan_append(log.entries, records, logged_at)
    if not new and log.checkpoint is not None:
        return [], None
    raw = log.raw + [e.encode() for e in new]
    tree = Tree([leaf_hash(r) for r in raw])
    text = sign_checkpoint(role.origin, tree.size, tree.root(), [k.seed for k in keys])
    write_log(directory, raw, text)
    return new, parse_checkpoint(text)


# ---------------------------------------------------------------------------
# The remembered checkpoints


def state_file() -> Path:
    """Where the last checkpoint seen of each log is kept."""
    base = os.environ.get("GONGKAI_STATE_DIR")
    if base:
        return Path(base) / "checkpoints.json"
    xdg = os.environ.get("XDG_STATE_HOME")
    root = Path(xdg) if xdg else Path("~/.local/state").expanduser()
    return root / "gongkai" / "checkpoints.json"


def remembered(path: Path) -> dict[str, dict[str, str]]:
    """origin -> {checkpoint, seen_at, source}; LogError naming a damaged file."""
    if not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        raise LogError(
            f"{path}: 本机记住的检查点文件已损坏 / the remembered checkpoints file is damaged "
            "(not JSON); move it aside to start again"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != STATE_FORMAT:
        raise LogError(f"{path}: 不是记住的检查点文件 / not a remembered-checkpoints file")
    logs = doc.get("logs")
    if not isinstance(logs, dict) or not all(
        isinstance(v, dict) and isinstance(v.get("checkpoint"), str) for v in logs.values()
    ):
        raise LogError(
            f"{path}: 记住的检查点文件已损坏 / the remembered checkpoints file is damaged"
        )
    return logs


def remember(path: Path, cp: Checkpoint, text: str, source: str) -> None:
    """Keep ``cp`` as the last checkpoint seen of its log."""
    logs = remembered(path)
    logs[cp.origin] = {"checkpoint": text, "seen_at": now_in_china(), "source": source}
    data = {"format": STATE_FORMAT, "format_version": 1, "logs": logs}
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _write_atomic(path, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


# ---------------------------------------------------------------------------
# Verification


@dataclass
class LogReport:
    """Numbered checks, and the evidence to print when the log misbehaved."""

    checks: list[Check] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    checkpoint: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)


def _findings_check(subject: str, findings: Sequence[Finding], passed: str) -> Check:
    if not findings:
        return Check(subject, "pass", passed)
    shown = "; ".join(f"{f.subject}: {f.message}" for f in findings[:10])
    more = f"; … {len(findings) - 10} more" if len(findings) > 10 else ""
    return Check(subject, "fail", f"{len(findings)} problem(s): {shown}{more}")


def evidence_lines(
    title: str, first: tuple[str, str], second: tuple[str, str], extra: Sequence[str] = ()
) -> list[str]:
    """Two checkpoints, whole, under a title: what to hand to someone else."""
    lines = [title, ""]
    for label, text in (first, second):
        lines.append(f"--- {label}")
        lines.extend(text.rstrip("\n").split("\n"))
        lines.append("---")
    lines.extend(extra)
    return lines


def verify_log(
    content_dir: Path, now: str, pinned: str | None, state: Path | None
) -> tuple[LogReport, bool]:
    """Check the log against the root of trust, the records and the remembered
    checkpoint. Returns the report and whether the checkpoint may be remembered."""
    report = LogReport()
    trust = trusted_roots(content_dir, now, pinned)
    report.checks.extend(trust.checks)
    root = trust.root
    if root is None:
        return _done(report), False
    if root.log is None:
        report.checks.append(
            Check(
                trust.path,
                "fail",
                "根信任未声明日志密钥 / the root of trust declares no log key (log: {origin, keys, threshold})",
            )
        )
        return _done(report), False
    role = root.log
    keys = ", ".join(verifier_key(role.origin, p) for p in role.keys)
    report.checks.append(
        Check(
            f"{trust.path} (log)",
            "pass",
            f"日志 / log {role.origin}: {len(role.keys)} key(s), threshold {role.threshold}: {keys}",
        )
    )
    directory = log_directory(content_dir)
    log = read_log(directory)
    cp = log.checkpoint
    if cp is None:
        report.checks.append(
            Check(
                display_path(directory / "checkpoint"),
                "fail",
                "没有日志（运行 gongkai log append）/ no log yet (run gongkai log append)",
            )
        )
        return _done(report), False
    report.checkpoint = cp
    signed, why = signature_verdict(cp, [role], log.checkpoint_path)
    report.checks.append(
        Check(
            log.checkpoint_path,
            "pass" if signed else "fail",
            f"检查点 / checkpoint: size {cp.size}, root {cp.root.hex()}; {why}",
        )
    )
    report.checks.append(
        _findings_check(
            f"{display_path(directory / 'tile/entries')}/",
            log.entry_problems,
            f"读出全部 {cp.size} 条 / all {cp.size} entries read, each well-formed",
        )
    )
    if log.complete:
        matches = log.root_matches
        report.checks.append(
            Check(
                "Merkle tree",
                "pass" if matches else "fail",
                f"条目算出的根哈希 / the entries hash to {log.tree.root().hex()}; "
                + (
                    "与检查点一致 / as the checkpoint says"
                    if matches
                    else f"检查点却是 / the checkpoint says {cp.root.hex()}: entries were "
                    "changed, removed, added or reordered"
                ),
            )
        )
        report.checks.append(
            _findings_check(
                f"{display_path(directory / 'tile')}/",
                log.tile_problems,
                "哈希瓦片与树一致 / every hash tile matches the tree",
            )
        )
        report.checks.append(
            _findings_check(
                "log times",
                time_order(log.entries),
                "日志时间不倒退 / log times never go back",
            )
        )
    else:
        report.checks.append(
            Check("Merkle tree", "not checked", "条目不全 / the entries could not all be read")
        )
    records, unreadable = published_records(content_dir)
    if unreadable:
        report.checks.append(
            Check(
                display_path(content_dir),
                "fail",
                f"{len(unreadable)} 个文件无法读取 / file(s) do not validate and cannot be "
                f"matched against the log: {', '.join(unreadable[:5])}",
            )
        )
    report.checks.append(
        _findings_check(
            "records → log",
            records_missing(log.entries, records),
            f"全部 {len(records)} 条已签名记录都在日志中 / every signed record ({len(records)}) "
            "is in the log as it is now",
        )
    )
    report.checks.append(
        _findings_check(
            "log → records",
            entries_unmatched(log.entries, records),
            "每一条目都对应一条记录 / every entry matches a record",
        )
    )
    authentic = signed and log.root_matches and not log.tile_problems
    may_remember = authentic
    if state is not None:
        check, lines, keep = _against_remembered(state, cp, log, trust, authentic)
        report.checks.append(check)
        report.evidence.extend(lines)
        may_remember = may_remember and keep
    return _done(report), may_remember


def _against_remembered(
    state: Path, cp: Checkpoint, log: LogFiles, trust: Trust, authentic: bool
) -> tuple[Check, list[str], bool]:
    subject = f"{state} ({cp.origin})"
    seen = remembered(state).get(cp.origin)
    if seen is None:
        return (
            Check(
                subject,
                "pass" if authentic else "not checked",
                "首次见到这个日志，记住当前检查点 / first time this log is seen: its checkpoint "
                "is remembered"
                if authentic
                else "首次见到这个日志 / first time this log is seen",
            ),
            [],
            True,
        )
    try:
        old = parse_checkpoint(seen["checkpoint"])
    except CheckpointError as exc:
        raise LogError(
            f"{state}: 记住的检查点已损坏 / a remembered checkpoint is damaged: {exc}"
        ) from None
    roles = [r.log for r in trust.roots if r.log is not None]
    old_signed, why = signature_verdict(old, roles, f"{state} ({old.origin})")
    if not old_signed:
        return (
            Check(subject, "fail", f"记住的检查点签名无效 / the remembered checkpoint: {why}"),
            [],
            False,
        )
    if not authentic:
        return (
            Check(subject, "not checked", "当前日志未通过核验 / the log itself does not verify"),
            [],
            False,
        )
    verdict = compare(old, cp, log.tree)
    seen_text = seen["checkpoint"]
    label_old = f"记住的检查点 / remembered checkpoint (seen {seen.get('seen_at', '?')} at {seen.get('source', '?')})"
    label_new = f"当前检查点 / current checkpoint ({log.checkpoint_path})"
    if verdict.ok:
        return (
            Check(
                subject,
                "pass",
                verdict.reason
                + (
                    f"; 一致性证明已核验 / consistency proof of {len(verdict.proof)} hash(es) verified"
                    if verdict.proof
                    else ""
                ),
            ),
            [],
            True,
        )
    lines = evidence(verdict, (label_old, seen_text), (label_new, log.checkpoint_text))
    return Check(subject, "fail", verdict.reason), lines, False


def evidence(verdict: Consistency, old: tuple[str, str], new: tuple[str, str]) -> list[str]:
    if verdict.split_view:
        title = (
            "分叉视图的证据：两份检查点都由日志密钥有效签名，条目数相同，根哈希不同。 / Evidence of a "
            "split view: two checkpoints, both validly signed by the log key, of the same size "
            "with different roots."
        )
    else:
        title = (
            "日志被改写的证据：两份检查点都由日志密钥有效签名，新的不是旧的延续。 / Evidence that the "
            "log was rewritten: two checkpoints, both validly signed by the log key, the newer "
            "not extending the older."
        )
    extra = [verdict.reason]
    if verdict.old_root_in_new is not None:
        extra.append(
            f"新日志前若干条的根哈希 / root of the newer log at the older size: "
            f"{verdict.old_root_in_new.hex()}"
        )
    return evidence_lines(title, old, new, extra)


def _done(report: LogReport) -> LogReport:
    number(report.checks)
    return report


# ---------------------------------------------------------------------------
# Log times, for judging key validity


_BUNDLE_BLOB = b"log-bundle-times/1"
"""What :func:`_bundle_times` keeps of a bundle in the record cache."""


def log_times(
    content_dir: Path, root: Root | None = None, store: RecordCache | None = None
) -> LogTimes | None:
    """When each record (by the SHA-256 of its signed data) and each of its
    signatures entered the log, as days in China time (:class:`LogTimes`).
    None when there is no log.

    Only what the times depend on is checked, in one pass over the entries: the
    checkpoint (with ``root``: signed by a threshold of its log keys), every
    entry it counts, well-formed, and the entries hashing to its root. Anything
    else raises LogError naming the file. Hash tiles are not read (``gongkai
    log verify`` checks them): the checkpoint signs the entries themselves.
    With ``store`` (the record cache), what each bundle gives is kept by its
    bytes, so that a bundle read before is not parsed again."""
    directory = log_directory(content_dir)
    cp_path = _checkpoint_file(directory)
    if cp_path is None:
        return None
    cp, _ = read_checkpoint_file(cp_path)
    shown = display_path(cp_path)
    if root is not None:
        if root.log is None:
            raise LogError(
                f"{shown}: 有日志，但根信任未声明日志密钥 / there is a log, but the root of "
                "trust declares no log key"
            )
        ok, why = signature_verdict(cp, [root.log], shown)
        if not ok:
            raise LogError(why)
    files, missing = _bundle_files(directory, cp.size)
    if missing is not None:
        raise LogError(f"{missing.subject}: {missing.message}")
    keys = [blob_key(_BUNDLE_BLOB, data) for _, _, _, data in files] if store else []
    kept = store.get_blobs(keys) if store is not None else {}
    fresh: list[tuple[bytes, bytes]] = []
    nodes: list[bytes] = []
    entries: list[Sequence[str]] = []
    for i, (where, start, width, data) in enumerate(files):
        found = _from_blob(kept.get(keys[i]), width) if store is not None else None
        if found is None:
            found = _bundle_times(where, start, width, data)
            if store is not None:
                fresh.append((keys[i], _to_blob(*found)))
        nodes.append(found[0])
        entries.extend(found[1])
    if store is not None:
        store.put_blobs(fresh)
    # every bundle but the last holds a full subtree of 256 entries: the root of
    # their hashes, level by level, is the root of all the entries
    if root_of(nodes) != cp.root:
        raise LogError(
            f"{shown}: 日志条目与检查点不符 / the log's entries do not match its "
            "checkpoint; run gongkai log verify"
        )
    return times_of(entries)


def _bundle_times(shown: str, start: int, width: int, data: bytes) -> tuple[bytes, list[Summary]]:
    """The Merkle hash of a bundle's entries and what key validity needs of each;
    LogError naming the bundle (and the entry) when it is not one."""
    raws, bad = _unbundled(shown, width, data)
    if bad is not None:
        raise LogError(f"{bad.subject}: {bad.message}")
    try:
        found = summaries(raws)
    except EntryError as exc:
        raise LogError(
            f"{shown} (entry {start + exc.index}): 条目格式错误 / not a log entry: {exc.reason}"
        ) from None
    return root_of([leaf_hash(raw) for raw in raws]), found


def _to_blob(node: bytes, found: list[Summary]) -> bytes:
    return json.dumps([node.hex(), found], separators=(",", ":")).encode("ascii")


def _from_blob(blob: bytes | None, width: int) -> tuple[bytes, list[Summary]] | None:
    """What :func:`_to_blob` kept, or None when there is none (or it is not that).
    Each entry comes back as the JSON list of its :data:`Summary`."""
    if blob is None:
        return None
    try:
        node, found = json.loads(blob)
        hashed = bytes.fromhex(node)
    except (ValueError, TypeError):
        return None
    if len(hashed) != HASH_SIZE or not isinstance(found, list) or len(found) != width:
        return None
    if not all(type(e) is list and len(e) == 3 and all(type(x) is str for x in e) for e in found):
        return None
    return hashed, found
