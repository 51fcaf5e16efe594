"""``gongkai verify``: every signature of every record, as a numbered report.

Gathers the loaded content, runs the trust checks of :mod:`generator.trust`
and returns a :class:`VerifyReport`. Rendering it (text or JSON) is separate,
so the CLI stays thin and the JSON form is stable (docs/verify-json.md).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import cache as _cache
from .content import (
    Content,
    Loaded,
    Unit,
    _begin,
    _load,
    _shown_paths,
    _unit_files,
    _walk_units,
    _yaml_files_under,
    display_path,
)
from .logfiles import log_directory, log_times
from .models import RECORD_KINDS, KeyRegistry, Record, Root
from .signing import pae, payload_type
from .tlog import LogError
from .trust import (
    Check,
    Clock,
    KeyIndex,
    Outcome,
    SignedDoc,
    Status,
    check_signatures,
    number,
    verify_key_registry,
    verify_record,
    verify_root_chain,
)

JSON_FORMAT_VERSION = 1


def _doc(loaded: Loaded) -> SignedDoc:
    return SignedDoc(
        loaded.path,
        loaded.record,
        loaded.signed,
        loaded.signatures,
        loaded.message,
        loaded.digest,
    )


def log_clock(
    content_root: Path, root: Root, now: str, store: _cache.RecordCache | None = None
) -> tuple[Clock, Check]:
    """What key validity is judged by (the day each record entered the log of
    ``content_root``, checked against ``root``'s log key, else ``now``) and the
    check that says which, and why (``store``: the record cache, for the log's
    bundles)."""
    subject = display_path(log_directory(content_root)) + "/"
    try:
        times = log_times(content_root, root, store)
    except LogError as exc:
        return Clock(now, None, "log failed"), Check(
            subject,
            "fail",
            f"{exc}; 密钥有效性按今天（{now}）判断 / key validity is judged as of today ({now})",
        )
    if times is None:
        return Clock(now, None, "no log"), Check(
            subject,
            "not checked",
            f"没有透明日志：密钥有效性按今天（{now}）判断，而非按记录入日志的时间 / no "
            f"transparency log: key validity is judged as of today ({now}), not by when each "
            "record entered the log",
        )
    return Clock(now, times), Check(
        subject,
        "pass",
        f"日志时间 / log times: {times.entries} 条条目与日志密钥签名的检查点一致，密钥有效性按"
        f"记录入日志的日期判断 / {times.entries} entries match the checkpoint signed by the "
        "root's log key; key validity is judged on the day each record entered the log",
    )


def _verify_records(records: list[Loaded], registry: KeyRegistry, clock: Clock) -> list[Check]:
    """:func:`verify_record` of each record; many are shared among forked workers."""
    if len(records) < _cache.PARALLEL_MIN or not _cache.can_fork():
        return [verify_record(_doc(r), registry, clock) for r in records]

    def job(start: int, stop: int) -> list[tuple[Status, str, list[str], list[str]]]:
        out: list[tuple[Status, str, list[str], list[str]]] = []
        for loaded in records[start:stop]:
            check = verify_record(_doc(loaded), registry, clock)
            loaded.release()  # the worker's copy: decoded only for this check
            out.append((check.status, check.reason, check.signers, check.warnings))
        return out

    checks: list[Check] = []
    for part in _cache.fork_map(job, len(records), _cache.chunk_size(len(records))):
        for status, reason, signers, warnings in part:
            checks.append(Check(records[len(checks)].path, status, reason, signers, warnings))
    return checks


@dataclass
class VerifyReport:
    """The numbered checks and what they add up to."""

    checks: list[Check]
    root_sha256: str | None = None
    now: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(c.status == "fail" for c in self.checks)

    def as_json(self) -> str:
        doc: dict[str, Any] = {
            "format": "gongkai-verify",
            "format_version": JSON_FORMAT_VERSION,
            "checked_on": self.now,
            "root_sha256": self.root_sha256,
            "verdict": "pass" if self.ok else "fail",
            "summary": self.counts,
            "checks": [c.as_dict() for c in self.checks],
        }
        return json.dumps(doc, ensure_ascii=False, indent=2)


def verify_content(content: Content, now: str, pinned_sha256: str | None = None) -> VerifyReport:
    """Verify the root chain, the key registry and every record's signatures,
    judged by the log of ``content.root`` (:func:`log_clock`)."""
    return _report(content, now, pinned_sha256, None, [], None)


Judged = tuple[Root, Clock, Check]
"""A trusted root, and the clock and log check :func:`log_clock` made with it."""


def _report(
    content: Content,
    now: str,
    pinned_sha256: str | None,
    checked_against: KeyRegistry | None,
    made: Sequence[Check | None],
    judged: Judged | None,
) -> VerifyReport:
    """:func:`verify_content`, given the records' checks made against
    ``checked_against`` with the clock of ``judged`` (one per record, None
    where not made): used when those are the registry and the root the
    content's roots trust, else all are made again."""
    checks: list[Check] = []
    by_file: dict[str, int] = {}
    for problem in content.problems:
        by_file[problem.path] = by_file.get(problem.path, 0) + 1
    for path, count in by_file.items():
        checks.append(
            Check(
                path,
                "fail",
                f"not verified: the file has {count} problem(s) of its own; run `gongkai validate` to see them",
            )
        )
    roots: list[SignedDoc] = []
    registries: list[SignedDoc] = []
    others: list[Loaded] = []
    for loaded in content.records:
        if issubclass(loaded.model, Root):
            roots.append(_doc(loaded))
        elif issubclass(loaded.model, KeyRegistry):
            registries.append(_doc(loaded))
        else:
            others.append(loaded)
    root, root_checks = verify_root_chain(roots, now, pinned_sha256)
    checks.extend(root_checks)
    first_root = min(roots, key=lambda d: d.record.version).digest if roots else None
    registry: KeyRegistry | None = None
    clock: Clock | None = None
    reuse = False
    if root is None:
        checks.append(
            Check(
                "content/keys/", "not checked", "no trusted root to check the key registry against"
            )
        )
    else:
        registry, reg_checks = verify_key_registry(registries, root)
        checks.extend(reg_checks)
        if judged is not None and judged[0] == root:
            _, clock, log_check = judged
            reuse = checked_against is not None and checked_against == registry
        else:
            clock, log_check = log_clock(content.root, root, now)
        checks.append(log_check)
    if registry is None or clock is None:
        checks.extend(
            Check(loaded.path, "not checked", "no trusted key registry to check signatures against")
            for loaded in others
        )
    elif reuse:
        index = KeyIndex(registry)
        for loaded, check in zip(content.records, made, strict=True):
            if check is not None:
                checks.append(check)
            elif not issubclass(loaded.model, Root | KeyRegistry):  # not made in a worker
                checks.append(verify_record(_doc(loaded), registry, clock, index))
    else:
        checks.extend(_verify_records(others, registry, clock))
    counts = Counter(c.status for c in checks)
    summary = {
        "pass": counts["pass"],
        "fail": counts["fail"],
        "not checked": counts["not checked"],
        "warnings": sum(len(c.warnings) for c in checks),
    }
    return VerifyReport(number(checks), first_root, now, summary)


def verify_tree(
    content_root: Path, config_root: Path | None, now: str, pinned_sha256: str | None = None
) -> tuple[Content, VerifyReport]:
    """``verify_content(load_content(content_root, config_root), ...)`` in one
    pass over the files, with the content it loaded: what ``gongkai verify`` runs.

    The roots and key registries of ``content/root/`` and ``content/keys/`` are
    read first and give the registry to check records against. Then each file
    is read, found in the record cache (or parsed) and its signatures checked,
    by forked workers on every core for large trees, each listing its own share
    of the directories. A cached record's signatures are checked from what the
    cache keeps for that (:class:`generator.cache.Facts`) without decoding the
    record or validating its model; its :class:`Loaded` fetches its entry when
    first used. Every signature is verified on every run. The report is made
    as :func:`verify_content` makes it; the checks made while loading are used
    only if the root and the registry trusted over all the content are the same
    ones (else every record is checked again), so it is the same report in
    every case. The log's times are read once, before the workers start (they
    share them)."""
    content = _begin(content_root, config_root)
    if not content_root.is_dir():
        return content, verify_content(content, now, pinned_sha256)
    store = _cache.open_cache()
    index: KeyIndex | None = None
    judged: Judged | None = None
    made: list[Check | None] = []
    try:
        root, index = _first_trust(content_root, store, now, pinned_sha256)
        if root is not None:
            judged = (root, *log_clock(content_root, root, now, store))
        units = _walk_units(content_root)
        parallel = len(units) >= _cache.PARALLEL_MIN and _cache.can_fork()
        clock = judged[1] if judged is not None else None
        job = _load_and_check(units, content_root, store, index, clock, local=not parallel)
        if parallel:
            chunk = max(64, min(500, len(units) // (8 * _cache.workers()) + 1))
            parts = _cache.fork_map(job, len(units), chunk)
        else:
            parts = iter([job(0, len(units))])
        lazy = _cache.LazyEntries(store.path) if store is not None else None
        fresh: list[tuple[bytes, _cache.Entry]] = []
        for part in parts:
            for result in part:
                _take(content, result, lazy, fresh, made)
        if store is not None:
            store.put_many(fresh)
    finally:
        if store is not None:
            store.close()
    registry = index.registry if index is not None else None
    return content, _report(content, now, pinned_sha256, registry, made, judged)


def _first_trust(
    content_root: Path, store: _cache.RecordCache | None, now: str, pinned_sha256: str | None
) -> tuple[Root | None, KeyIndex | None]:
    """The root and the key registry trusted by the roots and key registries
    found where they belong, under ``content/root/`` and ``content/keys/``."""
    under = [
        (path, os.path.join(folder, sub))
        for folder in ("root", "keys")
        for path, sub in _yaml_files_under(content_root / folder)
    ]
    under.sort(key=lambda item: item[1].split(os.sep))
    files = [path for path, _ in under]
    loaded = [
        r for r, _, _ in _cache.load_files(files, _shown_paths(content_root, under), store) if r
    ]
    root, _ = verify_root_chain(
        [_doc(r) for r in loaded if issubclass(r.model, Root)], now, pinned_sha256
    )
    if root is None:
        return None, None
    registries = [_doc(r) for r in loaded if issubclass(r.model, KeyRegistry)]
    registry, _ = verify_key_registry(registries, root)
    return root, KeyIndex(registry) if registry is not None else None


def _load_and_check(
    units: Sequence[Unit],
    content_root: Path,
    store: _cache.RecordCache | None,
    index: KeyIndex | None,
    clock: Clock | None,
    *,
    local: bool,
) -> Callable[[int, int], list[tuple[Any, ...]]]:
    """The job of reading ``units[start:stop]`` and checking their records'
    signatures against ``index``, judged by ``clock``. Each file gives ``("hit", shown, path, key,
    kind, envelope, outcome)`` from the cache; ``("new", shown, path, key,
    entry, outcome)`` parsed; ``("loaded", shown, path, key, entry or None,
    loaded, outcome)`` parsed in this process (``local``); ``("redo", shown,
    path)`` parsed but not to be sent; ``("bad", shown, path, problems,
    identity)``. The outcome is None for roots and key registries, or without
    ``index`` and ``clock``."""
    names = {kind: _cache.model_name(model) for kind, model in RECORD_KINDS.items()}
    checked = {  # the KIND of each model whose records are checked here
        kind: model.KIND
        for kind, model in RECORD_KINDS.items()
        if not issubclass(model, Root | KeyRegistry)
    }
    types: dict[str, str] = {}
    kinds = {kind: kind for kind in RECORD_KINDS}  # one object each: sent once a part
    want_keys = store is not None or not local
    sha256 = hashlib.sha256

    def message(kind: str, jcs: bytes) -> bytes:
        found = types.get(kind)
        if found is None:
            found = types[kind] = payload_type(kind)
        return pae(found, jcs)

    def job(start: int, stop: int) -> list[tuple[Any, ...]]:
        files = _unit_files(units[start:stop])
        shown = _shown_paths(content_root, files)
        raws = [_cache._read_small(path) for path, _ in files]
        keys = [_cache.file_key(raw) if raw is not None and want_keys else b"" for raw in raws]
        facts = store.get_facts([k for k in keys if k]) if store is not None else {}
        out: list[tuple[Any, ...]] = []
        for (path, _), name, raw, key in zip(files, shown, raws, keys, strict=True):
            fact = facts.get(key) if key else None
            if fact is not None and names.get(fact.kind) == fact.model:
                outcome = None
                if index is not None and clock is not None and fact.kind in checked:
                    outcome = check_signatures(
                        checked[fact.kind],
                        sha256(fact.jcs).hexdigest(),
                        fact.department,
                        fact.signatures(),
                        message(fact.kind, fact.jcs),
                        index,
                        fact.witnesses,
                        clock,
                    )
                subject = path if name == path else name  # the same object is sent once
                out.append(("hit", subject, path, key, kinds[fact.kind], fact.envelope, outcome))
                continue
            loaded, problems, identity = _load(Path(path), name, raw)
            if loaded is None:
                out.append(("bad", name, path, problems, identity))
                continue
            outcome = None
            if (
                index is not None
                and clock is not None
                and not issubclass(loaded.model, Root | KeyRegistry)
            ):
                check = verify_record(_doc(loaded), index.registry, clock, index)
                outcome = (check.status, check.reason, check.signers, check.warnings)
            entry = _cache.make_entry(loaded) if key else None
            if local:
                out.append(("loaded", name, path, key, entry, loaded, outcome))
            elif entry is None:  # cannot be sent: loaded again by the parent
                out.append(("redo", name, path))
            else:
                out.append(("new", name, path, key, entry, outcome))
        return out

    return job


def _take(
    content: Content,
    result: tuple[Any, ...],
    lazy: _cache.LazyEntries | None,
    fresh: list[tuple[bytes, _cache.Entry]],
    checks: list[Check | None],
) -> None:
    """Add what the job gave for one file to ``content``, as loading does."""
    content.files_seen += 1
    tag, name, path = result[:3]
    outcome: Outcome | None = None
    loaded: Loaded | None
    if tag == "hit":
        _, _, _, key, kind, envelope, outcome = result
        assert lazy is not None
        lazy.keys.append(key)
        loaded = Loaded.from_key(name, path, key, kind, RECORD_KINDS[kind], envelope, lazy)
    elif tag == "new":
        _, _, _, key, entry, outcome = result
        fresh.append((key, entry))
        loaded = Loaded.from_cache(name, path, key, entry, RECORD_KINDS[entry.kind])
    elif tag == "loaded":
        _, _, _, key, entry, loaded, outcome = result
        if entry is not None:
            fresh.append((key, entry))
    else:
        if tag == "redo":
            loaded, problems, identity = _load(Path(path), name)
        else:
            _, _, _, problems, identity = result
            loaded = None
        content.problems.extend(problems)
        if loaded is None:
            if identity is not None:
                content.broken.add(identity)
            return
    content.records.append(loaded)
    if outcome is None:
        checks.append(None)
    else:  # made here, while the workers go on
        status, reason, signers, warnings = outcome
        checks.append(Check(name, status, reason, list(signers), list(warnings)))


STATUS_LABEL = {"pass": "通过 pass", "fail": "失败 FAIL", "not checked": "未检查 not checked"}


def render_text(report: VerifyReport) -> list[str]:
    """The human report: failures first, then everything in order, then one verdict line."""
    lines: list[str] = []
    failures = [c for c in report.checks if c.status == "fail"]
    if failures:
        lines.append(f"失败的检查 / failed checks ({len(failures)}):")
        lines.extend(f"  {c.number}. {c.subject}: {c.reason}" for c in failures)
        lines.append("")
    lines.append(f"全部检查 / all checks (as of {report.now}):")
    for c in report.checks:
        lines.append(f"  {c.number}. [{STATUS_LABEL[c.status]}] {c.subject}: {c.reason}")
        lines.extend(f"      ! {w}" for w in c.warnings)
    s = report.counts
    verdict = "通过 PASS" if report.ok else "未通过 FAIL"
    lines.append("")
    lines.append(
        f"结论 / verdict: {verdict} — {s.get('pass', 0)} pass, {s.get('fail', 0)} fail, "
        f"{s.get('not checked', 0)} not checked, {s.get('warnings', 0)} warning(s)"
    )
    if report.root_sha256:
        lines.append(f"根信任 SHA-256 / root of trust (version 1): {report.root_sha256}")
    return lines


def unsigned(records: list[Loaded]) -> list[Loaded]:
    """Records that are unsigned drafts."""
    return [
        r for r in records if r.signatures is None and not isinstance(r.record, Root | KeyRegistry)
    ]


def is_record(obj: object) -> bool:
    return isinstance(obj, Record)
