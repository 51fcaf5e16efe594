"""``gongkai verify``: every signature of every record, as a numbered report.

Gathers the loaded content, runs the trust checks of :mod:`generator.trust`
and returns a :class:`VerifyReport`. Rendering it (text or JSON) is separate,
so the CLI stays thin and the JSON form is stable (docs/verify-json.md).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from . import cache as _cache
from .content import Content, Loaded
from .models import KeyRegistry, Record, Root
from .trust import (
    Check,
    SignedDoc,
    Status,
    number,
    verify_key_registry,
    verify_record,
    verify_root_chain,
)

JSON_FORMAT_VERSION = 1


def _doc(loaded: Loaded) -> SignedDoc:
    return SignedDoc(loaded.path, loaded.record, loaded.signed, loaded.signatures, loaded.message)


def _verify_records(records: list[Loaded], registry: KeyRegistry) -> list[Check]:
    """:func:`verify_record` of each record; many are shared among forked workers."""
    if len(records) < _cache.PARALLEL_MIN or not _cache.can_fork():
        return [verify_record(_doc(r), registry) for r in records]

    def job(start: int, stop: int) -> list[tuple[Status, str, list[str], list[str]]]:
        out: list[tuple[Status, str, list[str], list[str]]] = []
        for loaded in records[start:stop]:
            check = verify_record(_doc(loaded), registry)
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
    """Verify the root chain, the key registry and every record's signatures."""
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
    roots = [_doc(r) for r in content.records if issubclass(r.model, Root)]
    registries = [_doc(r) for r in content.records if issubclass(r.model, KeyRegistry)]
    others = [r for r in content.records if not issubclass(r.model, Root | KeyRegistry)]
    root, root_checks = verify_root_chain(roots, now, pinned_sha256)
    checks.extend(root_checks)
    first_root = min(roots, key=lambda d: d.record.version).digest if roots else None
    registry: KeyRegistry | None = None
    if root is None:
        checks.append(
            Check(
                "content/keys/", "not checked", "no trusted root to check the key registry against"
            )
        )
    else:
        registry, reg_checks = verify_key_registry(registries, root)
        checks.extend(reg_checks)
    if registry is None:
        checks.extend(
            Check(loaded.path, "not checked", "no trusted key registry to check signatures against")
            for loaded in others
        )
    else:
        checks.extend(_verify_records(others, registry))
    counts = Counter(c.status for c in checks)
    summary = {
        "pass": counts["pass"],
        "fail": counts["fail"],
        "not checked": counts["not checked"],
        "warnings": sum(len(c.warnings) for c in checks),
    }
    return VerifyReport(number(checks), first_root, now, summary)


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
