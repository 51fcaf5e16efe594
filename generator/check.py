"""``gongkai check --base REF``: what CI runs on a pull request.

The working tree is the pull request's head; REF (the base branch) is read with
git itself (``git rev-parse``, ``git ls-tree``, ``git cat-file --batch``), only
the blobs that differ from the working tree, into memory: the user's checkout,
index and branches are never touched. Eight numbered checks, each pass, fail or
not checked with its reason; every failure names the file and the rule:

* C1 the head's records validate (:mod:`generator.validate`);
* C2 every signature verifies (:func:`generator.verify.verify_tree`), the root of
  trust pinned to the base's first root version;
* C3 every new draw re-runs to the same result (:func:`generator.draw_cli.check_draw`);
* C4 the time limits R1–R4 of :mod:`generator.deadlines` for the records the change
  adds or changes;
* C5 nothing published at the base was modified, deleted or moved;
* C6 the head's transparency log extends the base's (RFC 9162 consistency proof),
  under a checkpoint signed by the root's log key;
* C7 every new signed record is in the head's log;
* C8 one live draw per task: a second draw needs a signed void of the first.

See docs/pull-request-check.md for what counts as published and how renames,
co-signatures and the log are judged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import click

from .canonical import record_digest
from .cli_common import config_option, content_option, handle_errors
from .content import Content, Loaded, display_path
from .deadlines_cli import _parse_day as parse_day
from .errors import GongkaiError, Problem
from .trust import Status
from .yamlsafe import read_yaml_file

JSON_FORMAT_VERSION = 1
LOG = "log"
"""The transparency log's directory inside content/: judged by C6, not C5."""
MAX_SHOWN = 30
"""Findings shown per check in the Markdown summary (all of them are in --json)."""


class UnusableInputError(GongkaiError):
    """The base cannot be read at all: no git repository, REF is not a revision, or git
    cannot read its files (exit 2)."""


# ---------------------------------------------------------------------------
# The report


@dataclass(frozen=True)
class Finding:
    """One thing wrong, at one place."""

    path: str
    message: str
    line: int = 0
    col: int = 0
    field: str = ""
    column: str = ""

    def where(self) -> str:
        """``path:line:col: field`` (as :class:`generator.errors.Problem` shows it), no message."""
        text = str(Problem(self.path, self.line, self.col, self.field, "", self.column))
        return text.removesuffix(": ")

    def text(self) -> str:
        return f"{self.where()}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "field": self.field,
            "column": self.column,
            "message": self.message,
        }


def _from_problem(p: Problem) -> Finding:
    return Finding(p.path, p.message, p.line, p.col, p.field, p.column)


@dataclass
class PullCheck:
    """One numbered check of the pull-request report."""

    id: str
    title: str
    rule: str
    status: Status
    reason: str
    findings: list[Finding] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    """Lines to show as they are (two checkpoints, for C6)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "rule": self.rule,
            "status": self.status,
            "reason": self.reason,
            "findings": [f.as_dict() for f in self.findings],
            "evidence": self.evidence,
        }


@dataclass
class CheckReport:
    """The checks of a pull request's head against its base."""

    base_ref: str
    base_commit: str
    content: str
    checked_on: str
    checks: list[PullCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(c.status == "fail" for c in self.checks)

    def count(self, status: Status) -> int:
        return sum(c.status == status for c in self.checks)

    def verdict(self) -> str:
        failed = [c.id for c in self.checks if c.status == "fail"]
        unchecked = [c.id for c in self.checks if c.status == "not checked"]
        if failed:
            return (
                f"❌ 未通过：{len(failed)} 项检查失败（{', '.join(failed)}），不应合并。 / "
                f"FAIL: {len(failed)} check(s) failed ({', '.join(failed)}); do not merge."
            )
        if unchecked:
            return (
                f"⚠️ 通过，但有 {len(unchecked)} 项未检查（{', '.join(unchecked)}）。 / "
                f"PASS, with {len(unchecked)} check(s) not checked ({', '.join(unchecked)})."
            )
        return f"✅ 通过：全部 {len(self.checks)} 项检查通过。 / PASS: all {len(self.checks)} checks passed."

    def as_json(self) -> str:
        doc = {
            "format": "gongkai-check",
            "format_version": JSON_FORMAT_VERSION,
            "base": {"ref": self.base_ref, "commit": self.base_commit},
            "content": self.content,
            "checked_on": self.checked_on,
            "verdict": "pass" if self.ok else "fail",
            "summary": {s: self.count(s) for s in ("pass", "fail", "not checked")},
            "checks": [c.as_dict() for c in self.checks],
        }
        return json.dumps(doc, ensure_ascii=False, indent=2)


STATUS_MARK = {
    "pass": "✅ 通过 pass",
    "fail": "❌ 失败 fail",
    "not checked": "⚠️ 未检查 not checked",
}


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell or list item."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\n", " ")
    )


def render_markdown(report: CheckReport) -> str:
    """The summary for a pull-request comment: the verdict, a table, then what failed."""
    lines = [
        "## gongkai check：拉取请求检查 / pull-request check",
        "",
        f"**结论 / verdict: {report.verdict()}**",
        "",
        f"基准 / base: `{_cell(report.base_ref)}` (`{report.base_commit[:12]}`) · "
        f"记录 / content: `{_cell(report.content)}` · 检查日期 / checked on {report.checked_on}",
        "",
        "| # | 检查 / check | 结果 / result | 说明 / reason |",
        "|---|---|---|---|",
    ]
    for c in report.checks:
        lines.append(f"| {c.id} | {_cell(c.title)} | {STATUS_MARK[c.status]} | {_cell(c.reason)} |")
    for c in report.checks:
        if c.status == "pass":
            continue
        lines += ["", f"### {STATUS_MARK[c.status].split()[0]} {c.id} {_cell(c.title)}", ""]
        lines.append(f"规则 / rule: {_cell(c.rule)}")
        if c.findings:
            lines.append("")
            for n, f in enumerate(c.findings[:MAX_SHOWN], start=1):
                lines.append(f"{n}. `{_cell(f.where())}`: {_cell(f.message)}")
            if len(c.findings) > MAX_SHOWN:
                lines.append(
                    f"{MAX_SHOWN + 1}. … 另有 {len(c.findings) - MAX_SHOWN} 项 / "
                    f"and {len(c.findings) - MAX_SHOWN} more (gongkai check --json lists all)"
                )
        if c.evidence:
            lines += ["", "```text", *c.evidence, "```"]
    lines += [
        "",
        f"{report.count('pass')} 通过 pass · {report.count('fail')} 失败 fail · "
        f"{report.count('not checked')} 未检查 not checked — `gongkai check --base "
        f"{_cell(report.base_ref)}`",
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Reading the base with git


def _git(top: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=top, input=stdin, capture_output=True, check=False
        )
    except FileNotFoundError:
        raise UnusableInputError("找不到 git 命令 / git is not installed") from None


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace").strip()
    return text.splitlines()[0] if text else ""


def blob_id(data: bytes, hex_length: int = 40) -> str:
    """The git object id of a blob with these bytes (SHA-1, or SHA-256 for 64 hex digits)."""
    header = f"blob {len(data)}\0".encode()
    if hex_length == 64:
        return hashlib.sha256(header + data).hexdigest()
    return hashlib.sha1(header + data, usedforsecurity=False).hexdigest()


@dataclass
class BaseTree:
    """The files of ``content/`` at the base revision, as git object ids."""

    ref: str
    commit: str
    top: Path
    prefix: str
    """content/ relative to the repository's top, POSIX, with a trailing slash ('' at the top)."""
    blobs: dict[str, str] = field(default_factory=dict)
    """Path relative to content/ -> blob id."""
    _read: dict[str, bytes] = field(default_factory=dict)

    def read(self, paths: Sequence[str]) -> dict[str, bytes]:
        """The bytes of these files at the base (one ``git cat-file --batch`` for all)."""
        wanted = [p for p in dict.fromkeys(paths) if p in self.blobs and p not in self._read]
        if wanted:
            ids = "".join(f"{self.blobs[p]}\n" for p in wanted).encode()
            proc = _git(self.top, "cat-file", "--batch", stdin=ids)
            if proc.returncode != 0:
                raise UnusableInputError(
                    f"git cat-file: 无法读取基准的文件 / cannot read the base's files "
                    f"({_first_line(proc.stderr)})"
                )
            out, at = proc.stdout, 0
            for path in wanted:
                end = out.index(b"\n", at)
                header = out[at:end].split()
                if len(header) != 3:
                    raise UnusableInputError(
                        f"git cat-file: {self.prefix}{path}: 基准中缺少此文件 / missing at the base"
                    )
                size = int(header[2])
                self._read[path] = out[end + 1 : end + 1 + size]
                at = end + 1 + size + 1
        return {p: self._read[p] for p in paths if p in self._read}


def read_base(content_dir: Path, ref: str) -> BaseTree:
    """List ``content/`` at ``ref``; UnusableInputError when there is no repository or no such revision."""
    start = content_dir.absolute()
    while not start.is_dir() and start != start.parent:
        start = start.parent
    proc = _git(start, "rev-parse", "--show-toplevel")
    if proc.returncode != 0:
        raise UnusableInputError(
            f"{display_path(content_dir)}: 不在 git 仓库中 / not inside a git repository "
            f"({_first_line(proc.stderr)})"
        )
    top = Path(proc.stdout.decode("utf-8", errors="replace").strip())
    try:
        rel = content_dir.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        raise UnusableInputError(
            f"{display_path(content_dir)}: 不在仓库 {top} 中 / not inside the repository {top}"
        ) from None
    if not ref or ref.startswith("-"):
        raise UnusableInputError(
            f"--base: 不是 git 修订 / not a git revision (got {ref!r}, expected a branch, tag or commit)"
        )
    proc = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if proc.returncode != 0:
        raise UnusableInputError(
            f"--base: {ref} 不是本仓库的 git 修订 / not a git revision of {top} (got {ref!r}, "
            "expected a branch, tag or commit; on CI fetch the base branch first)"
        )
    commit = proc.stdout.decode().strip()
    prefix = "" if rel == "." else rel + "/"
    base = BaseTree(ref, commit, top, prefix)
    args = ["--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", commit]
    if prefix:
        args += ["--", prefix]
    proc = _git(top, *args)
    if proc.returncode != 0:
        raise UnusableInputError(
            f"git ls-tree {ref}: 无法列出基准的文件 / cannot list the base's files "
            f"({_first_line(proc.stderr)})"
        )
    for item in proc.stdout.split(b"\0"):
        if not item:
            continue
        meta, _, raw_path = item.partition(b"\t")
        mode, kind, oid = meta.decode().split()
        path = raw_path.decode("utf-8", errors="surrogateescape")
        if kind != "blob" or mode == "120000" or not path.startswith(prefix):
            continue  # symbolic links and submodules are not records
        base.blobs[path[len(prefix) :]] = oid
    return base


# ---------------------------------------------------------------------------
# Comparing base and head


def _head_files(content_dir: Path) -> list[str]:
    """Every file under content/ at the head, relative to it, POSIX."""
    out: list[str] = []
    for folder, dirs, files in os.walk(content_dir):
        dirs.sort()
        rel = Path(folder).relative_to(content_dir)
        out.extend((rel / name).as_posix() for name in sorted(files))
    return out


@dataclass
class Diff:
    """Which files of content/ are the same at base and head."""

    same: set[str]
    """Present at both with identical bytes."""
    new: list[str]
    """At the head and not identical at the base (new or changed)."""
    head_ids: dict[str, str]
    """Blob ids of the new files (to recognise a moved file)."""


def compare_trees(base: BaseTree, content_dir: Path) -> Diff:
    width = len(next(iter(base.blobs.values()), "0" * 40))
    same: set[str] = set()
    new: list[str] = []
    ids: dict[str, str] = {}
    for path in _head_files(content_dir):
        data = (content_dir / path).read_bytes()
        oid = blob_id(data, width)
        if base.blobs.get(path) == oid:
            same.add(path)
        else:
            new.append(path)
            ids[path] = oid
    return Diff(same, new, ids)


def _rel(loaded: Loaded, content_dir: Path) -> str | None:
    try:
        return Path(os.path.abspath(loaded.path)).relative_to(content_dir.absolute()).as_posix()
    except ValueError:
        return None


@dataclass(frozen=True)
class Envelope:
    """A record file as signed: the digest of its signed data and its signatures."""

    digest: str | None
    signatures: frozenset[tuple[str, str]]


def _envelope(shown: str, data: bytes) -> Envelope | None:
    """The file's envelope, or None when it is not a signed envelope (a draft, not YAML)."""
    doc, problems = read_yaml_file(shown, data)
    if doc is None or not isinstance(doc.data, dict):
        return None
    if "signed" not in doc.data and "signatures" not in doc.data:
        return None
    digest: str | None = None
    if not problems and isinstance(doc.data.get("signed"), dict):
        try:
            digest = record_digest(doc.data["signed"])
        except (ValueError, TypeError):
            digest = None
    raw = doc.data.get("signatures")
    sigs = frozenset(
        (str(s.get("keyid")), str(s.get("sig")))
        for s in (raw if isinstance(raw, list) else [])
        if isinstance(s, dict)
    )
    return Envelope(digest, sigs)


# ---------------------------------------------------------------------------
# The checks

TITLES = {
    "C1": "记录校验 / records validate",
    "C2": "签名核验 / signatures verify",
    "C3": "重跑新摇号 / new draws re-run",
    "C4": "公开时限 / publication deadlines",
    "C5": "已发布记录未被改动 / nothing published was changed",
    "C6": "日志只增不改 / the log only grew",
    "C7": "新记录已入日志 / new records are in the log",
    "C8": "每项任务一次有效摇号 / one live draw per task",
}
RULES = {
    "C1": "每条记录须通过 gongkai validate（格式、交叉引用、名录库、个人信息） / every record "
    "passes gongkai validate (schemas, references, registries, personal data)",
    "C2": "每条记录须由有权的密钥有效签名，根信任须是基准信任的那一个 / every record is validly "
    "signed by keys allowed to sign it, under the root of trust the base trusts (gongkai verify)",
    "C3": "新的摇号记录须能按计划的承诺重跑并得出完全相同的结果 / a new draw re-runs, from the "
    "plan's commitments, to exactly the published result (gongkai verify-draw)",
    "C4": "本次新增或修改的记录须守时限（法定工作日）：R1 检查结果自检查完成之日起 20 个工作日内"
    "公示；R2 年度计划 1 月底前编制完成（或已记录调整）；R3 摇号后在规定工作日内开始检查；R4 已摇号"
    "对象的结果按时公示 / the records this change adds or changes keep the time limits in "
    "official working days: R1 results within 20 working days of completion, R2 the annual "
    "plan by 31 January (or a recorded adjustment), R3 inspections started within the task's "
    "working days of the draw, R4 every drawn target's result published in time "
    "(docs/deadlines.md)",
    "C5": "已发布（已签名）的记录文件不得修改、删除或移动：更正须发布新版本（supersedes），作废须"
    "发布已签名的作废记录 / a published (signed) record file is never modified, deleted or "
    "moved: a correction is a new version that supersedes it, a withdrawal a signed void record",
    "C6": "新日志须是基准日志的延续（RFC 9162 一致性证明），检查点须由根信任的日志密钥签名 / the "
    "head's log extends the base's (RFC 9162 consistency proof) under a checkpoint signed by "
    "the root's log key",
    "C7": "每条新的已签名记录须按其当前内容和签名记入日志（gongkai log append） / every new "
    "signed record is in the log as it is now (gongkai log append)",
    "C8": "每项任务只能有一次有效摇号；重新摇号须先以已签名的作废记录作废前一次 / one live draw "
    "per task: a new draw needs a signed void record of the earlier one",
}


def _check(cid: str, status: Status, reason: str, findings: Sequence[Finding] = ()) -> PullCheck:
    return PullCheck(cid, TITLES[cid], RULES[cid], status, reason, list(findings))


def _listing(items: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", … {len(items) - limit} more" if len(items) > limit else "")


def _root_digest(base: BaseTree) -> str | None:
    """The SHA-256 of the base's first root version, to pin the head's root of trust to."""
    data = base.read(["root/1.yaml"]).get("root/1.yaml")
    if data is None:
        return None
    env = _envelope(f"{base.ref}:{base.prefix}root/1.yaml", data)
    return env.digest if env is not None else None


def check_validate(content: Content) -> tuple[PullCheck, bool]:
    """C1, and whether the records validated (a draw is re-run only then)."""
    from .validate import validate

    report = validate(content)
    errors = report.errors
    if errors:
        files = len({p.path for p in errors})
        return (
            _check(
                "C1",
                "fail",
                f"{len(errors)} 个错误，涉及 {files} 个文件 / {len(errors)} error(s) in {files} file(s)",
                [_from_problem(p) for p in errors],
            ),
            False,
        )
    drafts = len(report.unsigned)
    note = f"；{drafts} 条未签名草稿 / {drafts} unsigned draft(s)" if drafts else ""
    return (
        _check(
            "C1",
            "pass",
            f"{len(content.records)} 条记录全部通过 / all {len(content.records)} records "
            f"validate{note}",
        ),
        True,
    )


def check_signatures(report: Any) -> PullCheck:
    """C2 from a :class:`generator.verify.VerifyReport`. The report's check of the log
    itself (which says whether keys are judged by log time) is left to C6, which checks
    the log against the base; records judged without log times still count here."""
    checks = [c for c in report.checks if not c.subject.endswith("log/")]
    failed = [c for c in checks if c.status == "fail"]
    unchecked = [c for c in checks if c.status == "not checked"]
    s = Counter(c.status for c in checks)
    counts = f"{s['pass']} pass, {s['fail']} fail, {s['not checked']} not checked"
    if failed:
        return _check(
            "C2",
            "fail",
            f"{len(failed)} 项签名核验失败 / {len(failed)} signature check(s) failed ({counts})",
            [Finding(c.subject, c.reason) for c in failed],
        )
    if unchecked:
        return _check(
            "C2",
            "not checked",
            f"{len(unchecked)} 项未能核验 / {len(unchecked)} signature check(s) could not be made "
            f"({counts})",
            [Finding(c.subject, c.reason) for c in unchecked],
        )
    return _check("C2", "pass", f"全部签名有效 / every signature verifies ({counts})")


def check_new_draws(content: Content, new_draws: list[Loaded], valid: bool) -> PullCheck:
    """C3: re-run every draw record that is new at the head."""
    from .draw_cli import check_draw

    names = [f"{d.record.id} ({d.path})" for d in new_draws]
    if not new_draws:
        return _check("C3", "pass", "没有新的摇号记录 / no new draw record to re-run")
    if not valid:
        return _check(
            "C3",
            "not checked",
            f"记录未通过校验（C1），未重跑 / not re-run: the records do not validate (C1): "
            f"{_listing(names)}",
        )
    failures: list[Finding] = []
    notes: list[str] = []
    for d in new_draws:
        ok, summary, _ = check_draw(content, d)
        if not ok:
            failures.append(Finding(d.path, f"重跑结果与记录不符 / {summary}"))
        elif "commitments not checked" in summary:
            notes.append(f"{d.path}: {summary}")
    if failures:
        return _check(
            "C3",
            "fail",
            f"{len(failures)} 次摇号重跑不一致 / {len(failures)} of {len(new_draws)} new draw(s) "
            f"do not re-run to the published result",
            failures,
        )
    reason = (
        f"重跑了 {len(new_draws)} 次新摇号，结果完全一致 / re-ran {len(new_draws)} new draw(s), "
        f"identical: {_listing(names)}"
    )
    if notes:  # confidential strata: the commitments need the department's secret
        return _check(
            "C3",
            "not checked",
            f"{reason}; 部分未能核验 / partly not checked: {'; '.join(notes)}",
            [Finding(n.partition(":")[0], n.partition(": ")[2]) for n in notes],
        )
    return _check("C3", "pass", reason)


def check_deadlines(content: Content, new: set[str], valid: bool, today: str) -> PullCheck:
    """C4: the time limits R1–R4 of :mod:`generator.deadlines`, for the records this change
    adds or changes (``new``: their display paths); the records already published at the
    base are not this change's (``gongkai deadlines`` reports them)."""
    from .deadlines import deadline_problems
    from .workdays import MissingCalendarYear

    if not valid:
        return _check(
            "C4",
            "not checked",
            "记录未通过校验（C1），未检查时限 / not checked: the records do not validate (C1)",
        )
    try:
        found = deadline_problems(content, content.calendar, dt.date.fromisoformat(today))
    except MissingCalendarYear as exc:
        path = f"{exc.directory.rstrip('/')}/{exc.year}.yaml"
        return _check(
            "C4",
            "fail",
            f"缺少 {exc.year} 年的工作日历，无法计算时限 / no working-day calendar for {exc.year}: "
            "the deadlines cannot be computed",
            [Finding(path, str(exc).removeprefix(f"{path}: "))],
        )
    mine = [f for f in found if f.path in new]
    older = sum(f.status == "fail" for f in found if f.path not in new)
    before = (
        f"；已发布记录中另有 {older} 项逾期，不属本次修改 / {older} deadline(s) missed in records "
        "already published are not this change's (gongkai deadlines lists them)"
        if older
        else ""
    )
    late = [f for f in mine if f.status == "fail"]
    if late:
        return _check(
            "C4",
            "fail",
            f"{len(late)} 项时限已过 / {len(late)} deadline(s) missed: "
            f"{_listing(sorted({f'{f.rule} {f.path}' for f in late}), 5)}{before}",
            [_from_problem(f.problem()) for f in late],
        )
    groups: dict[tuple[str, str], list[Any]] = {}
    for f in mine:
        groups.setdefault((f.path, f.rule), []).append(f)
    if groups:
        return _check(
            "C4",
            "not checked",
            f"无逾期，但 {len(mine)} 项无法核查 / no deadline missed, but {len(mine)} could not "
            f"be checked ({', '.join(sorted({rule for _, rule in groups}))}){before}",
            [
                Finding(
                    g[0].path,
                    f"{g[0].problem().message}（本文件共 {len(g)} 项 / {len(g)} in this file）",
                    g[0].line,
                    g[0].col,
                    g[0].field,
                )
                for g in groups.values()
            ],
        )
    return _check(
        "C4",
        "pass",
        f"本次新增或修改的记录均未逾期（截至 {today}）/ no deadline missed by the records this "
        f"change adds or changes (as of {today}){before}",
    )


def check_published(base: BaseTree, diff: Diff, content_dir: Path) -> PullCheck:
    """C5: every published file of the base is at the head with identical bytes; a
    signed record may only gain signatures."""
    changed = sorted(p for p in base.blobs if p not in diff.same and not p.startswith(f"{LOG}/"))
    siblings = [
        str(PurePosixPath(p).with_suffix(".yaml")) for p in changed if not p.endswith(".yaml")
    ]
    before = base.read(changed + siblings)

    def base_envelope(path: str) -> Envelope | None:
        data = before.get(path)
        if data is None and path in diff.same:
            data = (content_dir / path).read_bytes()
        return None if data is None else _envelope(f"{base.ref}:{base.prefix}{path}", data)

    moved_to: dict[str, list[str]] = {}
    for path, oid in diff.head_ids.items():
        moved_to.setdefault(oid, []).append(path)
    shown = {p: f"{base.prefix}{p}" for p in changed}
    findings: list[Finding] = []
    cosigned: list[str] = []
    published = 0
    for path in changed:
        if path.endswith(".yaml"):
            was = base_envelope(path)
            if was is None:
                continue  # an unsigned draft at the base: not published
            zh, en = "记录", "record"
        else:
            manifest = str(PurePosixPath(path).with_suffix(".yaml"))
            if base_envelope(manifest) is None:
                continue  # not the data of a signed manifest
            was = None
            zh = f"已签名清单 {base.prefix}{manifest} 的数据文件"
            en = f"data file of the signed manifest {base.prefix}{manifest}"
        published += 1
        head = content_dir / path
        if not head.is_file():
            elsewhere = [f"{base.prefix}{p}" for p in moved_to.get(base.blobs[path], [])]
            if elsewhere:
                findings.append(
                    Finding(
                        shown[path],
                        f"已发布的{zh}被移动到 {', '.join(elsewhere)}（内容相同）/ the published "
                        f"{en} was moved to {', '.join(elsewhere)} (same bytes); a published file "
                        "stays where it was published",
                    )
                )
            else:
                findings.append(
                    Finding(
                        shown[path],
                        f"已发布的{zh}被删除 / the published {en} was deleted; publish a "
                        "correction as a new version, or void it with a signed void record",
                    )
                )
            continue
        now = _envelope(shown[path], head.read_bytes()) if was is not None else None
        if was is not None and now is not None and was.digest is not None:
            if now.digest == was.digest and was.signatures < now.signatures:
                cosigned.append(shown[path])
                continue
            if now.digest == was.digest and was.signatures - now.signatures:
                findings.append(
                    Finding(
                        shown[path],
                        "已发布记录的签名被删除或改动 / signatures of the published record were "
                        "removed or changed (a record may only gain signatures)",
                    )
                )
                continue
            if now.digest == was.digest:
                findings.append(
                    Finding(
                        shown[path],
                        "已发布的文件被改动（签名内容未变，但文件字节不同）/ the published file was "
                        "edited: its signed data is the same but its bytes are not (comments or "
                        "layout); leave published files byte for byte as they were",
                    )
                )
                continue
            findings.append(
                Finding(
                    shown[path],
                    f"已发布的记录被改动：签名内容的 SHA-256 由 {was.digest[:16]}… 变为 "
                    f"{(now.digest or '?')[:16]}… / the published record was rewritten or "
                    "replaced by another (deleted and redone); publish a correction as a new "
                    "version, or void it with a signed void record",
                )
            )
            continue
        findings.append(
            Finding(
                shown[path],
                f"已发布的{zh}被改动 / the published {en} was modified; publish a correction "
                "as a new version",
            )
        )
    if findings:
        return _check(
            "C5",
            "fail",
            f"{len(findings)} 个已发布的文件被改动、删除或移动 / {len(findings)} published "
            f"file(s) modified, deleted or moved: {_listing([f.path for f in findings], 5)}",
            findings,
        )
    note = (
        f"；{len(cosigned)} 条记录只增加了签名 / {len(cosigned)} record(s) only gained "
        f"signatures: {_listing(cosigned, 5)}"
        if cosigned
        else ""
    )
    return _check(
        "C5",
        "pass",
        f"基准的已发布记录在 head 中原样保留（基准共 {len(base.blobs)} 个文件，{len(changed)} 个有变化，"
        f"其中 {published} 个已发布）/ every published file of the base is unchanged "
        f"({len(changed)} of the base's {len(base.blobs)} files changed, {published} of them "
        f"published){note}",
        [],
    )


def check_log(
    base: BaseTree, content_dir: Path, today: str, pinned: str | None
) -> tuple[PullCheck, Any]:
    """C6; returns the head's log as read (None when it could not be read) for C7."""
    from .checkpoint import CheckpointError, parse_checkpoint
    from .logfiles import evidence, log_directory, read_log, signature_verdict, trusted_roots
    from .tlog import LogError, compare, time_order

    cp_path = f"{LOG}/checkpoint"
    old_text = base.read([cp_path]).get(cp_path)
    shown_old = f"{base.ref}:{base.prefix}{cp_path}"
    try:
        log = read_log(log_directory(content_dir))
    except LogError as exc:
        return _check("C6", "fail", str(exc), [Finding(f"{base.prefix}{cp_path}", str(exc))]), None
    shown_new = log.checkpoint_path
    if log.checkpoint is None:
        if old_text is None:
            return (
                _check(
                    "C6",
                    "not checked",
                    "基准和 head 都没有透明日志 / neither the base nor the head has a "
                    "transparency log",
                ),
                log,
            )
        return (
            _check(
                "C6",
                "fail",
                "透明日志被删除 / the transparency log was deleted",
                [
                    Finding(
                        shown_new, "基准有日志，head 没有 / the base has a log, the head has none"
                    )
                ],
            ),
            log,
        )
    try:
        trust = trusted_roots(content_dir, today, pinned)
    except LogError as exc:
        return _check("C6", "fail", str(exc), [Finding(shown_new, str(exc))]), log
    roles = [r.log for r in trust.roots if r.log is not None]
    newest = trust.root.log if trust.root is not None else None
    if newest is None:
        failed = next((c for c in trust.checks if c.status == "fail"), None)
        why = (
            f"根信任未通过核验 / the root of trust does not verify: {failed.reason}"
            if failed is not None
            else "根信任未声明日志密钥 / the root of trust declares no log key"
        )
        return _check(
            "C6", "fail", why, [Finding(failed.subject if failed else trust.path, why)]
        ), log
    cp = log.checkpoint
    findings: list[Finding] = []
    signed, why = signature_verdict(cp, [newest], shown_new)
    if not signed:
        findings.append(Finding(shown_new, why))
    findings += [Finding(f.subject, f.message) for f in log.entry_problems + log.tile_problems]
    if log.complete and not log.root_matches:
        findings.append(
            Finding(
                shown_new,
                f"条目算出的根哈希 {log.tree.root().hex()[:16]}… 与检查点不符 / the entries do not "
                "hash to the checkpoint's root: entries were changed, removed, added or reordered",
            )
        )
    if log.complete:
        findings += [Finding(f.subject, f.message) for f in time_order(log.entries)]
    if findings:
        return _check("C6", "fail", findings[0].message, findings), log
    if old_text is None:
        return (
            _check(
                "C6",
                "pass",
                f"基准没有日志；head 的日志（{cp.size} 条）自身核验通过 / the base has no log; the "
                f"head's log ({cp.size} entries) verifies on its own",
            ),
            log,
        )
    try:
        old_str = old_text.decode("utf-8")
        old = parse_checkpoint(old_str)
    except (UnicodeDecodeError, CheckpointError) as exc:
        why = f"基准的检查点无法读取 / the base's checkpoint cannot be read: {exc}"
        return _check("C6", "fail", why, [Finding(shown_old, why)]), log
    old_signed, why = signature_verdict(old, roles, shown_old)
    if not old_signed:
        return _check("C6", "fail", why, [Finding(shown_old, why)]), log
    verdict = compare(old, cp, log.tree)
    if verdict.ok:
        return (
            _check(
                "C6",
                "pass",
                f"{verdict.reason}；一致性证明 {len(verdict.proof)} 个哈希已核验 / consistency "
                f"proof of {len(verdict.proof)} hash(es) verified; {why}",
            ),
            log,
        )
    result = _check(
        "C6", "fail", verdict.reason, [Finding(shown_new, f"{verdict.reason} ({shown_old})")]
    )
    result.evidence = evidence(
        verdict,
        (f"基准 / base: {shown_old}", old_str),
        (f"head: {shown_new}", log.checkpoint_text),
    )
    return result, log


def check_logged(new_signed: list[Loaded], log: Any) -> PullCheck:
    """C7: the new signed records against the head's log entries."""
    from .logfiles import published
    from .tlog import records_missing

    if not new_signed:
        return _check("C7", "pass", "没有新的已签名记录 / no new signed record")
    if log is None or (log.checkpoint is not None and not log.complete):
        return _check(
            "C7",
            "not checked",
            "head 的日志无法完整读取（见 C6）/ the head's log could not be read in full (see C6)",
        )
    records = [
        published(r.path, r.kind, r.record, r.digest, list(r.signatures or [])) for r in new_signed
    ]
    missing = records_missing(log.entries, records)
    if missing:
        return _check(
            "C7",
            "fail",
            f"{len(missing)} 条新记录不在日志中 / {len(missing)} of {len(records)} new signed "
            f"record(s) are not in the log as they are now; run gongkai log append",
            [Finding(f.subject, f.message) for f in missing],
        )
    return _check(
        "C7",
        "pass",
        f"{len(records)} 条新的已签名记录都在日志中 / all {len(records)} new signed record(s) "
        f"are in the log: {_listing([r.path for r in records], 5)}",
    )


def check_second_draws(content: Content) -> PullCheck:
    """C8: one live draw per task, only a signed void taking a draw back."""
    from .models import Draw
    from .validate_draws import live_draws, second_draw_problems, voided_draws

    draws = content.of_kind(Draw)
    live = live_draws(draws, voided_draws(content.records, signed_only=True))
    problems = second_draw_problems(live)
    if problems:
        return _check(
            "C8",
            "fail",
            f"{len(problems)} 次重复摇号没有已签名的作废记录 / {len(problems)} second draw(s) "
            "without a signed void of the first",
            [_from_problem(p) for p in problems],
        )
    return _check(
        "C8",
        "pass",
        f"{len(live)} 项任务各有一次有效摇号 / each of {len(live)} drawn task(s) has one live draw",
    )


def run_checks(
    content_dir: Path, config_dir: Path | None, base_ref: str, today: str
) -> CheckReport:
    """Every check of the working tree's ``content_dir`` against the revision ``base_ref``."""
    from .models import Draw
    from .verify import verify_tree

    base = read_base(content_dir, base_ref)
    report = CheckReport(base_ref, base.commit, display_path(content_dir), today)
    diff = compare_trees(base, content_dir) if content_dir.is_dir() else Diff(set(), [], {})
    new = set(diff.new)
    pinned = _root_digest(base)
    content, verified = verify_tree(content_dir, config_dir, today, pinned)
    c1, valid = check_validate(content)
    new_draws = [d for d in content.of_kind(Draw) if _rel(d, content_dir) in new]
    new_shown = {r.path for r in content.records if _rel(r, content_dir) in new}
    new_signed = [
        r for r in content.records if r.signatures is not None and _rel(r, content_dir) in new
    ]
    c6, log = check_log(base, content_dir, today, pinned)
    report.checks = [
        c1,
        check_signatures(verified),
        check_new_draws(content, new_draws, valid),
        check_deadlines(content, new_shown, valid, today),
        check_published(base, diff, content_dir),
        c6,
        check_logged(new_signed, log),
        check_second_draws(content),
    ]
    return report


# ---------------------------------------------------------------------------
# The command


@click.command("check")
@click.option(
    "--base",
    "base_ref",
    required=True,
    metavar="REF",
    help="与之比较的 git 修订（拉取请求的目标分支）。 / The git revision to compare with "
    "(the pull request's base branch).",
)
@content_option
@config_option
@click.option(
    "--markdown",
    "markdown_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="把 Markdown 摘要写入此文件（用作拉取请求评论）。 / Write the Markdown summary to "
    "this file (for a pull-request comment).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="输出机器可读的 JSON。 / Print the report as JSON.",
)
@click.option(
    "--today",
    metavar="YYYY-MM-DD",
    default=None,
    callback=parse_day,
    help="按此日期判断尚未公示的结果（R4）和根信任是否过期，默认今天。 / Judge results still "
    "owed (R4) and root expiry as of this day (default: today).",
)
@handle_errors
def check_command(
    base_ref: str,
    content_dir: Path,
    config_dir: Path | None,
    markdown_file: Path | None,
    as_json: bool,
    today: dt.date,
) -> None:
    """拉取请求检查：把工作区与基准修订比较（CI 在每个拉取请求上运行）。

    The pull-request check: compare the working tree with the base revision
    REF. Validates and verifies the records, re-runs new draws, checks that
    nothing published was changed, that the log only grew and holds every new
    record, and that no task was drawn twice. Exits 0 when nothing failed, 1
    when a check failed, 2 when REF or the repository cannot be used.
    """
    try:
        report = run_checks(content_dir, config_dir, base_ref, today.isoformat())
    except UnusableInputError as exc:
        click.echo(f"错误 / error: {exc}", err=True)
        sys.exit(2)
    markdown = render_markdown(report)
    if markdown_file is not None:
        tmp = markdown_file.with_name(markdown_file.name + ".tmp")
        tmp.write_text(markdown, encoding="utf-8")
        os.replace(tmp, markdown_file)
    if as_json:
        click.echo(report.as_json())
    elif markdown_file is None:
        click.echo(markdown, nl=False)
    else:
        click.echo(f"结论 / verdict: {report.verdict()}")
        click.echo(f"摘要已写入 / summary written to {display_path(markdown_file)}")
    if not report.ok:
        sys.exit(1)
