"""The public notices: 首页, 抽查任务公告, 检查结果公告, 执法人员 and the Atom feed.

Every string that comes from a record passes through :func:`~generator.site.render.esc`;
every label shown to readers comes from :data:`~generator.site.render.LABELS`.
Lateness is counted in working days of the official calendar (site_config/calendar/,
:mod:`generator.workdays`) by the rules of :mod:`generator.deadlines`; a year without a
calendar file stops the build with :class:`generator.workdays.MissingCalendarYear`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import uuid
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from weakref import WeakKeyDictionary

from ..content import Loaded
from ..deadlines import PUBLICATION_WORKING_DAYS, Finding, deadline_problems, publication_days_late
from ..errors import GongkaiError
from ..models import (
    ChecklistItem,
    Inspector,
    InspectorRegistry,
    Plan,
    Result,
    TargetRegistry,
    Task,
)
from .draws import (
    QUICKNET_GENESIS,
    QUICKNET_PERIOD,
    SOURCE_LABELS,
    DrawEntry,
    draw_entries,
    task_draw_links,
)
from .render import LABELS, Page, SiteData, _dl, _link, _signature_section, _table, esc, memo

BEIJING = dt.timezone(dt.timedelta(hours=8))
LISTING_LIMIT = 200
"""At most this many links on one listing page."""
HOME_OVERDUE = 20
"""The home page lists the first overdue items; every result notice marks all of its own."""


def _label(key: str, **kw: object) -> str:
    return LABELS[key].format(**kw)


# ---------------------------------------------------------------------------
# Plans and tasks


def _task_parts(data: SiteData, plan: Plan, task: Task) -> dict[str, object]:
    return {"dept": data.dept_name(task.lead), "year": plan.year, "number": f"{task.number:03d}"}


def task_title(data: SiteData, plan: Plan, task: Task) -> str:
    """The official title: {机关}{年}年度第{NNN}号抽查任务公告."""
    return _label("task_notice", **_task_parts(data, plan, task))


def result_title(data: SiteData, res: Result) -> str:
    """{机关}{年}年度第{NNN}号抽查任务检查结果公告（{结果编号}）."""
    found = _task_of(data, res.task)
    if found is None:
        return f"{LABELS['results']}（{res.id}）"
    return _label("result_notice", **_task_parts(data, found[1], found[2]), id=res.id)


def tasks_of(data: SiteData) -> Iterator[tuple[Loaded, Plan, Task]]:
    for r in data.plans:
        plan = r.record
        assert isinstance(plan, Plan)
        for task in plan.tasks:
            yield r, plan, task


def _task_of(data: SiteData, task_id: str) -> tuple[Loaded, Plan, Task] | None:
    return memo(data, "tasks by id", lambda: _tasks_by_id(data)).get(task_id)


def _tasks_by_id(data: SiteData) -> dict[str, tuple[Loaded, Plan, Task]]:
    out: dict[str, tuple[Loaded, Plan, Task]] = {}
    for t in tasks_of(data):
        out.setdefault(t[2].id, t)
    return out


def randomness_at(task: Task) -> dt.datetime | None:
    """When the task's announced randomness comes to exist (Beijing time)."""
    rnd = task.randomness
    if rnd.source == "drand-quicknet":
        unix = QUICKNET_GENESIS + (rnd.round - 1) * QUICKNET_PERIOD
        return dt.datetime.fromtimestamp(unix, BEIJING)
    if rnd.source == "ceremony":
        at = dt.datetime.fromisoformat(rnd.scheduled_at)
        return at if at.tzinfo else at.replace(tzinfo=BEIJING)
    if rnd.source == "lottery":
        return dt.datetime.combine(dt.date.fromisoformat(rnd.draw_date), dt.time(), BEIJING)
    return None


def countdown_html(at: dt.datetime | None, now: dt.datetime) -> str:
    """A countdown until ``at``; the page's script (assets/js/gongkai-countdown.js) keeps it
    current, and the build-time text stands without it."""
    if at is None:
        return ""
    text = LABELS["arrived"] if at <= now else _label("pending", days=(at - now).days)
    return (
        f'<span class="gk-countdown" data-at="{esc(at.isoformat())}" '
        f'data-arrived="{esc(LABELS["arrived"])}" data-left="{esc(LABELS["countdown"])}">'
        f"{esc(text)}</span>"
    )


def _randomness_fields(task: Task, now: dt.datetime) -> list[tuple[str, str]]:
    rnd = task.randomness
    at = randomness_at(task)
    fields = [(LABELS["source"], esc(SOURCE_LABELS.get(rnd.source, rnd.source)))]
    if rnd.source == "drand-quicknet":
        fields.append((LABELS["round"], esc(rnd.round)))
    elif rnd.source == "ceremony":
        fields.append((LABELS["place"], esc(rnd.place)))
        fields.append((LABELS["witnesses"], esc(rnd.witnesses_required)))
    elif rnd.source == "lottery":
        fields.append((LABELS["lottery"], esc(rnd.lottery)))
    if at is not None:
        fields.append((LABELS["round_at"], esc(at.strftime("%Y-%m-%d %H:%M:%S")) + "（北京时间）"))
        fields.append((LABELS["countdown_status"], countdown_html(at, now)))
    return fields


def column_labels(data: SiteData, registry_ref: str) -> dict[str, str]:
    """Registry column name -> its label (信用等级 for credit_class)."""
    for r in data.registries:
        reg = r.record
        if isinstance(reg, TargetRegistry) and reg.ref == registry_ref:
            return {c.name: c.label for c in reg.columns}
    return {}


def _ratio_text(ratio: str) -> str:
    pct = (Decimal(ratio) * 100).normalize()
    return f"{ratio}（{pct:f}%）"


def _strata_table(data: SiteData, task: Task) -> str:
    labels = column_labels(data, task.scope.registry)
    return _table(
        [LABELS["stratum"], LABELS["stratum_ratio"]],
        (
            [
                esc("，".join(f"{labels.get(k, k)}：{v}" for k, v in g.match.items()) or "全部"),
                esc(_ratio_text(g.ratio) if g.ratio is not None else f"{g.count} 户"),
            ]
            for g in task.strata.groups
        ),
    )


def task_page(data: SiteData, r: Loaded, plan: Plan, task: Task, now: dt.datetime) -> Page:
    """抽查任务公告: the task and what it committed to before the draw."""
    labels = column_labels(data, task.scope.registry)
    fields = _dl(
        [
            ("抽查计划编号", esc(plan.ref)),
            ("抽查计划名称", _link(f"../../plans/{plan.id}.md", plan.title)),
            ("抽查任务编号", esc(task.id)),
            ("抽查任务名称", esc(task.title)),
            ("抽查类型", esc(task.kind)),
            ("牵头部门", esc(data.dept_name(task.lead))),
            ("参与部门", esc("、".join(data.dept_name(d) for d in task.participants) or "无")),
            (
                "抽查事项",
                "<br>".join(
                    _link(f"../../checklist/{ref.split('@')[0]}.md", ref) for ref in task.items
                ),
            ),
            ("检查方式", esc("、".join(task.methods))),
            (
                "范围",
                esc(
                    "；".join(f"{k}：{'、'.join(v)}" for k, v in task.scope.filter.items())
                    or "全部（不定向）"
                ),
            ),
            (
                "人员匹配方式",
                esc(f"{task.inspectors.matching}，每组 {task.inspectors.team_size} 人"),
            ),
            ("检查期间", esc(f"{task.window.start} 至 {task.window.end}")),
            ("发布日期", esc(plan.published_on)),
        ]
    )
    commitments = _dl(
        [
            ("检查对象名录库", esc(task.scope.registry)),
            (
                LABELS["registry_sha256"],
                f'<code class="gk-long">{esc(task.scope.registry_sha256)}</code>',
            ),
            ("执法检查人员名录库", esc(task.inspectors.registry)),
            (
                LABELS["strata_by"],
                esc("、".join(labels.get(b, b) for b in task.strata.by) or "不分层"),
            ),
            *_randomness_fields(task, now),
            (LABELS["plan_sha256"], f'<code class="gk-long">{esc(r.digest)}</code>'),
        ]
    )
    draws = task_draw_links(data, task.id, "../../")
    results = [_link(f"../../results/{res.id}.md", res.id) for res in _results_of(data, task.id)]
    body = (
        f"{fields}\n\n## {esc(LABELS['commitments'])}\n\n"
        f"<p>{esc(LABELS['commitments_note'])}</p>\n\n{commitments}\n\n"
        f"### {esc(LABELS['strata'])}\n\n{_strata_table(data, task)}\n\n"
        f"## {esc(LABELS['draws'])}\n\n<p>{draws or esc(LABELS['no_draw'])}</p>\n\n"
        f"## {esc(LABELS['results'])}\n\n<p>{'<br>'.join(results) or esc(LABELS['no_result'])}</p>"
    )
    return Page(f"tasks/{task.id}.md", task_title(data, plan, task), body)


def plan_page(data: SiteData, r: Loaded) -> Page:
    """年度抽查计划: the plan and a table of its task notices."""
    plan = r.record
    assert isinstance(plan, Plan)
    head = _dl(
        [
            ("计划编号", esc(plan.ref)),
            ("发布部门", esc(data.dept_name(plan.department))),
            ("发布日期", esc(plan.published_on)),
            ("SHA-256", f'<code class="gk-long">{esc(r.digest)}</code>'),
        ]
    )
    rows = [
        [
            _link(f"../../tasks/{t.id}.md", task_title(data, plan, t)),
            esc(t.title),
            esc(t.kind),
            esc(f"{t.window.start} 至 {t.window.end}"),
            task_draw_links(data, t.id, "../../") or esc(LABELS["no_draw"]),
        ]
        for t in plan.tasks
    ]
    tasks = _table(["抽查任务公告", "任务名称", "抽查类型", "检查期间", "摇号记录"], rows)
    adjustments = ""
    if plan.adjustments:
        adjustments = "\n\n## 计划调整\n\n" + _table(
            ["日期", "原因", "批准"],
            ([esc(a.date), esc(a.reason), esc(a.approval)] for a in plan.adjustments),
        )
    return Page(
        f"plans/{plan.id}.md",
        plan.title,
        f"{head}\n\n## 抽查任务\n\n{tasks}{adjustments}" + _signature_section(data, r),
    )


# ---------------------------------------------------------------------------
# Results


def _results_of(data: SiteData, task_id: str) -> list[Result]:
    return memo(data, "results by task", lambda: _results_by_task(data)).get(task_id, [])


def _results_by_task(data: SiteData) -> dict[str, list[Result]]:
    out: dict[str, list[Result]] = {}
    for r in data.results:
        if isinstance(r.record, Result):
            out.setdefault(r.record.task, []).append(r.record)
    return {task: sorted(results, key=lambda x: x.id) for task, results in out.items()}


def _redaction(reason: str, ground: str) -> str:
    return (
        f'<span class="gk-redacted">{esc(_label("redacted", reason=reason, ground=ground))}</span>'
    )


def late_html(late: int) -> str:
    """逾期 N 个工作日 (marked), or 按时."""
    if late:
        return f'<span class="gk-late">{esc(_label("late_days", days=late))}</span>'
    return esc(LABELS["on_time"])


def entries_late(data: SiteData, res: Result) -> list[int]:
    """Working days each entry of a result notice was published late (R1; 0: on time)."""
    return [
        publication_days_late(data.calendar, e.completed_on, res.published_on) for e in res.entries
    ]


def result_page(data: SiteData, r: Loaded) -> Page:
    """检查结果公告 of one task (one published batch), with the platforms' fields."""
    res = r.record
    assert isinstance(res, Result)
    found = _task_of(data, res.task)
    plan = found[1] if found else None
    task = found[2] if found else None
    rows = []
    lateness = entries_late(data, res)
    for n, (e, late) in enumerate(zip(res.entries, lateness, strict=True), 1):
        redacted = {x.field: x for x in e.redactions}
        name = (
            esc(e.target_name)
            if e.target_name is not None
            else _redaction(redacted["target_name"].reason, redacted["target_name"].ground)
        )
        if "items" in redacted:
            items = _redaction(redacted["items"].reason, redacted["items"].ground)
        else:
            items = "；".join(
                f"{esc(data.item_name(i.item))}：{esc(data.code_label(i.result))}"
                + (f"（{esc(i.note)}）" if i.note else "")
                for i in e.items
            )
        if "note" in redacted:
            items += "<br>" + _redaction(redacted["note"].reason, redacted["note"].ground)
        rows.append(
            f'<tr class="gk-entry"><td rowspan="2">{esc(n)}</td><td>{name}</td>'
            f'<td><span class="gk-code">{esc(e.target)}</span></td>'
            f"<td>{esc(e.completed_on)}</td><td>{esc(data.code_label(e.result))}</td>"
            f"<td>{esc('、'.join(e.disposal))}</td>"
            f"<td>{late_html(late)}</td></tr>"
            f'<tr class="gk-items"><td colspan="6"><span class="gk-items-label">'
            f"{esc(LABELS['item_results'])}</span>{items}</td></tr>"
        )
    head = _dl(
        [
            ("抽查计划编号", esc(res.plan)),
            (
                "抽查计划名称",
                _link(f"../../plans/{plan.id}.md", plan.title) if plan else esc(res.plan),
            ),
            ("抽查任务编号", esc(res.task)),
            (
                "抽查任务名称",
                _link(f"../../tasks/{task.id}.md", task.title) if task else esc(res.task),
            ),
            ("抽查类型", esc(task.kind if task else "")),
            ("检查机关", esc(data.dept_name(res.department))),
            ("公示日期", esc(res.published_on)),
            ("检查结果代码表", esc(res.code_list)),
            (
                LABELS["deadline"],
                esc(
                    _label(
                        "deadline_text",
                        days=PUBLICATION_WORKING_DAYS,
                        late=sum(1 for x in lateness if x),
                    )
                ),
            ),
        ]
    )
    heads = ["序号", "市场主体名称", "统一社会信用代码", "检查完成日期", "检查结果", "后续处置"]
    heads.append(LABELS["deadline"])
    table = (
        '<table class="gk-compact gk-results"><thead><tr>'
        + "".join(f"<th>{esc(h)}</th>" for h in heads)
        + f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return Page(
        f"results/{res.id}.md",
        result_title(data, res),
        f'{head}\n\n<div class="gk-scroll">{table}</div>' + _signature_section(data, r),
        wide=True,
    )


def results_index(data: SiteData) -> Page:
    rows = []
    for r in sorted(
        data.results,
        key=lambda x: (
            (x.record.published_on, x.record.id) if isinstance(x.record, Result) else ("", "")
        ),
        reverse=True,
    )[:LISTING_LIMIT]:
        res = r.record
        assert isinstance(res, Result)
        late = sum(1 for x in entries_late(data, res) if x)
        rows.append(
            [
                _link(f"{res.id}.md", res.id),
                esc(res.task),
                esc(data.dept_name(res.department)),
                esc(res.published_on),
                esc(f"{len(res.entries)} 户"),
                f'<span class="gk-late">{esc(_label("late_count", n=late))}</span>' if late else "",
            ]
        )
    body = _table(["检查结果公告", "抽查任务", "检查机关", "公示日期", "户数", "逾期公示"], rows)
    return Page("results/index.md", LABELS["results"], body)


# ---------------------------------------------------------------------------
# Inspectors
#
# A province has thousands of inspectors with hundreds of assignments each (members and
# reserves). An inspector's own page shows the public fields and the first assignments
# (under 20 KB with the theme); the rest follow at inspectors/<id>/2/, 3/ … MkDocs renders
# the pages of one inspector (a few milliseconds a page); write_inspector_pages writes
# everyone else's after the build into the same theme.


def _latest_inspectors(data: SiteData) -> dict[str, tuple[Inspector, InspectorRegistry]]:
    out: dict[str, tuple[Inspector, InspectorRegistry]] = {}
    for r in sorted(data.inspector_registries, key=lambda x: x.record.version):
        reg = r.record
        assert isinstance(reg, InspectorRegistry)
        for p in reg.inspectors:
            out[p.id] = (p, reg)
    return out


ROW_TARGETS = 30
"""At most this many targets in one row of an inspector's assignment table."""
FIRST_PAGE_ROW_BYTES = 5_000
"""Bytes of assignment rows on an inspector's own page: with the fields and the theme it
stays under 20 KB."""
MORE_PAGE_ROW_BYTES = 100_000
"""Bytes of assignment rows on each further page of an inspector's assignments."""
MORE_PAGE_ROWS = 150
"""Rows (one link each) on each further page of an inspector's assignments."""
ROW_BYTES = 160
"""A row's bytes besides its targets (markup, the draw's link and time, the role), at most."""
SHELL_START = "<!--gk-shell-->"
SHELL_END = "<!--/gk-shell-->"


@dataclass(frozen=True)
class AssignmentRow:
    """Targets one draw assigned to an inspector in one role (members or reserves)."""

    entry: DrawEntry
    role: str
    targets: tuple[str, ...]
    size: int
    """The bytes of the row's target cell."""


@dataclass
class Assignments:
    """Every inspector's assignments across the published draws, as table rows."""

    rows: dict[str, list[AssignmentRow]]
    counts: dict[str, tuple[int, int]]
    """Inspector id -> (times as a member, times as a reserve)."""
    labels: dict[int, dict[str, str]]
    """Escaped "name（code）" of each target, by the draw's dict of names."""

    def cell(self, row: AssignmentRow) -> str:
        labels = self.labels[id(row.entry.names)]
        return "<br>".join(labels[t] for t in row.targets)


_ASSIGNMENTS: WeakKeyDictionary[SiteData, Assignments] = WeakKeyDictionary()


def assignments_by_inspector(data: SiteData) -> Assignments:
    """Every inspector's assignments (members and reserves), one row per draw and role
    (split after ROW_TARGETS targets); made once per build."""
    cached = _ASSIGNMENTS.get(data)
    if cached is not None:
        return cached
    member, reserve = LABELS["member"], LABELS["reserve"]
    groups: dict[str, dict[tuple[int, str], tuple[DrawEntry, list[str]]]] = defaultdict(dict)
    labels: dict[int, dict[str, str]] = {}
    sizes: dict[int, dict[str, int]] = {}
    for e in draw_entries(data):
        if id(e.names) not in labels:
            labels[id(e.names)] = {}
            sizes[id(e.names)] = {}
        lab, size = labels[id(e.names)], sizes[id(e.names)]
        teams = {t.team: t.members for t in e.draw.teams}
        for a in e.draw.assignments:
            if a.target not in lab:
                name = e.names.get(a.target)
                lab[a.target] = esc(f"{name}（{a.target}）" if name else a.target)
                size[a.target] = len(lab[a.target].encode("utf-8")) + 4
            for m in a.members:
                groups[m].setdefault((id(e), member), (e, []))[1].append(a.target)
            for res in a.reserves:
                for m in teams.get(res, [res]):
                    groups[m].setdefault((id(e), reserve), (e, []))[1].append(a.target)
    rows: dict[str, list[AssignmentRow]] = {}
    counts: dict[str, tuple[int, int]] = {}
    for pid, by_draw in groups.items():
        out = rows[pid] = []
        n = {member: 0, reserve: 0}
        for (_, role), (e, targets) in by_draw.items():
            n[role] += len(targets)
            size = sizes[id(e.names)]
            for i in range(0, len(targets), ROW_TARGETS):
                chunk = tuple(targets[i : i + ROW_TARGETS])
                out.append(AssignmentRow(e, role, chunk, sum(size[t] for t in chunk)))
        counts[pid] = (n[member], n[reserve])
    result = Assignments(rows, counts, labels)
    _ASSIGNMENTS[data] = result
    return result


def _split_rows(rows: list[AssignmentRow]) -> list[list[AssignmentRow]]:
    """The rows split into pages: the inspector's own page first (FIRST_PAGE_ROW_BYTES),
    then pages of at most MORE_PAGE_ROW_BYTES and MORE_PAGE_ROWS rows."""
    pages: list[list[AssignmentRow]] = [[]]
    used = 0
    for row in rows:
        size = row.size + ROW_BYTES
        budget = FIRST_PAGE_ROW_BYTES if len(pages) == 1 else MORE_PAGE_ROW_BYTES
        if pages[-1] and (used + size > budget or len(pages[-1]) >= MORE_PAGE_ROWS):
            pages.append([])
            used = 0
        pages[-1].append(row)
        used += size
    return pages


PAGER_NEAR = 2
"""A pager links the first and last page and this many pages either side of the current."""


def pager_pages(n: int, k: int) -> list[int | None]:
    """The page numbers a pager on page n of k shows, None where it skips some."""
    shown = [m for m in range(1, k + 1) if m in (1, k) or abs(m - n) <= PAGER_NEAR]
    out: list[int | None] = []
    for m in shown:
        if out and out[-1] is not None and m - out[-1] > 1:
            out.append(None)
        out.append(m)
    return out


def _pager(n: int, k: int, first: str, other: str) -> str:
    """Links from page n to pages of 1…k: page 1 at ``first``, page m at ``other`` + "m/"."""
    if k < 2:
        return ""
    links = [
        "…"
        if m is None
        else f"<strong>{m}</strong>"
        if m == n
        else f'<a href="{first if m == 1 else f"{other}{m}/"}">{m}</a>'
        for m in pager_pages(n, k)
    ]
    return f'<p class="gk-pager">{esc(_label("page_of", n=n, k=k))}{" ".join(links)}</p>'


def _inspector_pages(data: SiteData, p: Inspector, reg: InspectorRegistry) -> list[Page]:
    """An inspector's own page (public fields and the first assignments) and the further
    pages of assignments at ``inspectors/<id>/<n>/``. Each body is raw HTML between the
    shell markers, which MkDocs passes through as it is (see write_inspector_pages)."""
    jobs = assignments_by_inspector(data)
    title = f"{p.name}（{p.id}）"
    fields = _dl(
        [
            ("编号", esc(p.id)),
            ("姓名", esc(p.name)),
            ("职务", esc(p.title)),
            ("工作单位", esc(data.dept_name(p.unit))),
            ("执法证号", esc(p.licence_no)),
            ("执法资质", esc("、".join(p.qualifications))),
            ("业务专长", esc("、".join(p.expertise) or "无")),
            ("在册状态", esc("在岗" if p.active else "不在岗")),
            ("名录库", esc(f"{reg.name}（{reg.ref}，截至 {reg.as_of}）")),
        ]
    )
    m, r = jobs.counts.get(p.id, (0, 0))
    note = (
        f'<h2 id="assignments">{esc(LABELS["assignments"])}</h2>\n\n'
        f"<p>{esc(_label('assignments_note', m=m, r=r))}</p>"
    )
    chunks = _split_rows(jobs.rows.get(p.id, []))
    out = []
    for n, chunk in enumerate(chunks, 1):
        root = "../../" if n == 1 else "../../../"
        pager = _pager(n, len(chunks), "./" if n == 1 else "../", "" if n == 1 else "../")
        table = _table(
            ["摇号记录", "角色", LABELS["inspector_targets"]],
            (
                [
                    _link(f"{root}{row.entry.url}", row.entry.draw.id)
                    + ("（已作废）" if row.entry.voided_by else "")
                    + f"<br>{esc(row.entry.draw.drawn_at[:16].replace('T', ' '))}",
                    esc(row.role),
                    jobs.cell(row),
                ]
                for row in chunk
            ),
            "gk-compact",
        )
        head = fields if n == 1 else f"<p>{_link('../', _label('back_to', title=title))}</p>"
        body = "\n\n".join(x for x in (head, note, pager, table, pager) if x)
        out.append(
            Page(
                f"inspectors/{p.id}.md" if n == 1 else f"inspectors/{p.id}/{n}.md",
                title if n == 1 else _label("assignments_page", title=title, n=n),
                f"{SHELL_START}\n\n{body}\n\n{SHELL_END}",
                wide=True,
            )
        )
    return out


def _plain(title: str) -> bool:
    """A title that HTML, Markdown and the theme all write as it is, so that it is found
    again in the page MkDocs rendered."""
    return esc(title) == title and not any(ch in title for ch in "&<>\"'#")


def _shell_inspector(
    data: SiteData, people: dict[str, tuple[Inspector, InspectorRegistry]]
) -> str | None:
    """The inspector whose pages MkDocs renders, as the theme of everyone else's: one with
    a plain name and, if anyone has further pages, further pages too (the most assignment
    rows; then the smallest id). None when no name is plain: MkDocs then renders all."""
    jobs = assignments_by_inspector(data)
    best: tuple[bool, int, str] | None = None
    for pid, (p, _reg) in people.items():
        title = f"{p.name}（{p.id}）"
        if not _plain(title):
            continue
        k = len(_split_rows(jobs.rows.get(pid, [])))
        key = (k < 2, -k, pid)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def inspector_pages(data: SiteData) -> Iterator[Page]:
    """执法检查人员: the listing (LISTING_LIMIT inspectors a page, the further pages at
    ``inspectors/_2/`` …, a name no inspector id can have), and the pages MkDocs renders of
    one inspector (:func:`write_inspector_pages` writes everyone else's after the build)."""
    people = _latest_inspectors(data)
    jobs = assignments_by_inspector(data)
    shell = _shell_inspector(data, people)
    for pid, (p, reg) in sorted(people.items()):
        if shell is None or pid == shell:
            yield from _inspector_pages(data, p, reg)
    ids = sorted(people)
    k = max(1, -(-len(ids) // LISTING_LIMIT))
    for n in range(1, k + 1):
        up = "" if n == 1 else "../"
        rows = []
        for pid in ids[(n - 1) * LISTING_LIMIT : n * LISTING_LIMIT]:
            p, _reg = people[pid]
            rows.append(
                [
                    _link(f"{up}{pid}/", p.id),
                    esc(p.name),
                    esc(p.title),
                    esc(data.dept_name(p.unit)),
                    esc(p.licence_no),
                    esc("、".join(p.qualifications)),
                    esc("、".join(p.expertise)),
                    esc(sum(jobs.counts.get(pid, (0, 0)))),
                ]
            )
        pager = _pager(n, k, up or "./", f"{up}_")
        table = _table(
            ["编号", "姓名", "职务", "工作单位", "执法证号", "执法资质", "业务专长", "摇号分配"],
            rows,
            "gk-compact",
        )
        body = "\n\n".join(
            x for x in (f"<p>{esc(LABELS['inspectors_note'])}</p>", pager, table, pager) if x
        )
        yield Page(
            "inspectors/index.md" if n == 1 else f"inspectors/_{n}.md",
            LABELS["inspectors"] if n == 1 else _label("inspectors_page", n=n),
            body,
            wide=True,
        )


@dataclass(frozen=True)
class _Shell:
    """A page MkDocs rendered, cut around its body (between the shell markers)."""

    head: str
    tail: str
    title: str
    url: str

    @classmethod
    def read(cls, html: str, title: str, url: str) -> _Shell:
        """Cut the page MkDocs rendered from a body made by :func:`_inspector_pages`; the
        white space Markdown kept around the body stays with the head and the tail."""
        i, j = html.find(SHELL_START), html.find(SHELL_END)
        head = html[:i]
        if i < 0 or j < i or head.count(title) < 2 or f'id="{_slug(title)}"' not in head:
            raise GongkaiError(
                f"执法人员页面的模板无法识别：{url} / cannot use the page {url} as the "
                "inspectors' page shell (its body markers, title or heading were not found)"
            )
        inner = html[i + len(SHELL_START) : j]
        lead = len(inner) - len(inner.lstrip())
        trail = len(inner.rstrip())
        return cls(
            html[: i + len(SHELL_START) + lead], html[i + len(SHELL_START) + trail :], title, url
        )

    def render(self, title: str, url: str, body: str) -> str:
        """The page as MkDocs would render it: the title (in <title>, the header and the
        heading), the heading's id and the links to it, and the page's URL replaced."""
        old, new = _slug(self.title), _slug(title)
        head = (
            self.head.replace(self.title, esc(title))
            .replace(f'id="{old}"', f'id="{new}"')
            .replace(f'href="#{old}"', f'href="#{new}"')
            .replace(self.url, url)
        )
        return f"{head}{body}{self.tail}"


def _slug(title: str) -> str:
    """The heading id MkDocs gives a page title (Python-Markdown's toc slugify)."""
    from markdown.extensions.toc import slugify  # type: ignore[import-untyped, unused-ignore]

    return str(slugify(title, "-"))


def write_inspector_pages(data: SiteData, site_dir: Path) -> int:
    """Write the pages of every inspector MkDocs did not render, in the theme of the shell
    inspector's pages (its own page for the others' own pages, its second page for every
    further page). Returns how many pages were written. The build adds them to
    sitemap.xml (generator/site/hooks.py)."""
    people = _latest_inspectors(data)
    shell_id = _shell_inspector(data, people)
    if shell_id is None:
        return 0
    shells: dict[int, _Shell] = {}
    for page in _inspector_pages(data, *people[shell_id])[:2]:
        url = page.path.removesuffix(".md") + "/"
        html = (site_dir / url / "index.html").read_text(encoding="utf-8")
        shells[url.count("/")] = _Shell.read(html, page.title, url)
    written = 0
    for pid, (p, reg) in sorted(people.items()):
        if pid == shell_id:
            continue
        for page in _inspector_pages(data, p, reg):
            url = page.path.removesuffix(".md") + "/"
            body = page.body.removeprefix(SHELL_START).removesuffix(SHELL_END).strip()
            out = site_dir / url / "index.html"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(shells[url.count("/")].render(page.title, url, body), encoding="utf-8")
            written += 1
    return written


# ---------------------------------------------------------------------------
# Checklist item history


_ITEM_FIELDS: Sequence[tuple[str, str]] = (
    ("name", "事项名称"),
    ("category", "事项类别"),
    ("legal_basis", "抽查依据"),
    ("inspecting_body", "抽查主体"),
    ("target_type", "抽查对象"),
    ("content", "抽查内容"),
    ("methods", "抽查方式"),
    ("third_party", "第三方协助"),
    ("ratio", "抽查比例"),
    ("frequency", "抽查频次"),
    ("joint_departments", "联合抽查部门"),
    ("publication", "公开方式"),
    ("expertise", "所需业务专长"),
    ("form", "检查表"),
    ("effective_from", "生效日期"),
)


def _item_lines(item: ChecklistItem) -> list[str]:
    lines = []
    for name, label in _ITEM_FIELDS:
        value = getattr(item, name)
        if name == "legal_basis":
            text = "；".join(b.law + b.articles for b in item.legal_basis)
        elif name == "ratio":
            r = item.ratio
            text = f"{r.min}–{r.max or '不设上限'}" + (
                f"（{r.override_reason}）" if r.override_reason else ""
            )
        elif name == "form":
            for q in item.form.questions:
                lines.append(
                    f"{label} {q.id}：{q.text}｜"
                    + "；".join(b.law + b.articles for b in q.legal_basis)
                    + "｜"
                    + "、".join(q.findings)
                )
            continue
        elif isinstance(value, list):
            text = "、".join(str(v) for v in value)
        else:
            text = "" if value is None else str(value)
        lines.append(f"{label}：{text}")
    return lines


def item_diff_html(versions: dict[int, Loaded]) -> str:
    """A readable diff of each version against the one before (difflib over the fields)."""
    parts = []
    numbers = sorted(versions)
    for old, new in itertools.pairwise(numbers):
        a, b = versions[old].record, versions[new].record
        assert isinstance(a, ChecklistItem)
        assert isinstance(b, ChecklistItem)
        rows = []
        for line in difflib.unified_diff(_item_lines(a), _item_lines(b), n=0, lineterm=""):
            if line.startswith(("---", "+++", "@@")):
                continue
            cls, sign = ("gk-del", "删除") if line.startswith("-") else ("gk-ins", "新增")
            rows.append(f'<tr class="{cls}"><td>{esc(sign)}</td><td>{esc(line[1:])}</td></tr>')
        table = (
            '<table class="gk-compact gk-diff"><thead><tr><th>变化</th><th>内容</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            if rows
            else f"<p>{esc(LABELS['no_change'])}</p>"
        )
        parts.append(f"### {esc(_label('diff_title', old=old, new=new))}\n\n{table}")
    return "\n\n".join(parts)


# ---------------------------------------------------------------------------
# Notices: the home page's latest and the Atom feed


@dataclass(frozen=True)
class Notice:
    when: str
    """ISO date or date-time."""
    kind: str
    title: str
    path: str
    """Site-relative URL of the page."""
    uid: str
    summary: str


def notices(data: SiteData) -> list[Notice]:
    """Every published notice (task notices, draws, results), newest first."""
    out = []
    for r, plan, task in tasks_of(data):
        out.append(
            Notice(
                plan.published_on,
                LABELS["kind_task"],
                task_title(data, plan, task),
                f"tasks/{task.id}/",
                f"{r.digest}:{task.id}",
                f"{task.title}；检查期间 {task.window.start} 至 {task.window.end}",
            )
        )
    for e in draw_entries(data):
        if e.voided_by:
            continue
        out.append(
            Notice(
                e.draw.drawn_at,
                LABELS["kind_draw"],
                f"{LABELS['kind_draw']} {e.draw.id}",
                e.url,
                e.loaded.digest,
                f"抽查任务 {e.draw.task}；抽中 {len(e.bundle['visits'])} 户",
            )
        )
    for r in data.results:
        res = r.record
        assert isinstance(res, Result)
        out.append(
            Notice(
                res.published_on,
                LABELS["kind_result"],
                result_title(data, res),
                f"results/{res.id}/",
                r.digest,
                f"检查机关 {data.dept_name(res.department)}；{len(res.entries)} 户",
            )
        )
    out.sort(key=lambda n: (n.when[:10], n.when, n.path), reverse=True)
    return out


def _updated(when: str) -> str:
    if "T" in when:
        return dt.datetime.fromisoformat(when).isoformat()
    return f"{when}T00:00:00+08:00"


def feed_xml(data: SiteData, base_url: str | None, limit: int = 100) -> bytes:
    """An Atom feed (RFC 4287) of the latest notices; hrefs are absolute when the site's
    base URL is known, otherwise relative to the feed (which sits at the site's root)."""
    ns = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", ns)
    items = notices(data)[:limit]
    feed = ET.Element(f"{{{ns}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "zh-CN"})
    title = data.site.title if data.site else LABELS["home"]
    ET.SubElement(feed, f"{{{ns}}}title").text = f"{title}：{LABELS['latest']}"
    ET.SubElement(
        feed, f"{{{ns}}}id"
    ).text = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'gongkai-feed:' + title)}"
    base = base_url or ""
    ET.SubElement(feed, f"{{{ns}}}link", {"rel": "self", "href": base + "feed.xml"})
    ET.SubElement(feed, f"{{{ns}}}link", {"rel": "alternate", "href": base or "./"})
    ET.SubElement(feed, f"{{{ns}}}updated").text = (
        _updated(items[0].when) if items else "1970-01-01T00:00:00Z"
    )
    author = ET.SubElement(feed, f"{{{ns}}}author")
    ET.SubElement(author, f"{{{ns}}}name").text = data.site.jurisdiction if data.site else title
    for n in items:
        entry = ET.SubElement(feed, f"{{{ns}}}entry")
        ET.SubElement(entry, f"{{{ns}}}title").text = n.title
        ET.SubElement(
            entry, f"{{{ns}}}id"
        ).text = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, n.uid)}"
        ET.SubElement(entry, f"{{{ns}}}link", {"rel": "alternate", "href": base + n.path})
        ET.SubElement(entry, f"{{{ns}}}updated").text = _updated(n.when)
        ET.SubElement(entry, f"{{{ns}}}category", {"term": n.kind})
        ET.SubElement(entry, f"{{{ns}}}summary").text = n.summary
    ET.indent(feed)
    blob: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return blob + b"\n"


# ---------------------------------------------------------------------------
# The home page


def _year(data: SiteData, today: dt.date) -> int:
    years = [p.record.year for p in data.plans if isinstance(p.record, Plan)]
    past = [y for y in years if y <= today.year]
    return max(past) if past else today.year


def overdue_items(data: SiteData, year: int, today: dt.date) -> list[list[str]]:
    """The year's missed deadlines (generator/deadlines.py): results still owed (R4) first,
    then late plans (R2), late publications (R1) and late starts (R3), each group most
    working days late first."""
    plans = {p.record.id: p.record for p in data.plans if isinstance(p.record, Plan)}
    tasks = {t.id: (p, t) for _, p, t in tasks_of(data) if p.year == year}
    results = {r.record.id: r.record for r in data.results if isinstance(r.record, Result)}
    rows: list[tuple[bool, int, list[str]]] = []
    for f in deadline_problems(data.report.content, data.calendar, today):
        if f.status != "fail" or not _of_year(f, year, plans, tasks):
            continue
        late = f'<span class="gk-late">{esc(_label("late_days", days=f.days_late))}</span>'
        if f.days_late == 0:  # R3: the inspection started before the draw
            late = f'<span class="gk-late">{esc(LABELS["before_draw"])}</span>'
        due = esc(f.deadline.isoformat()) if f.deadline else ""
        if f.rule == "R2":
            plan = plans[f.subject]
            cells = [
                _link(f"plans/{plan.id}.md", plan.ref),
                esc(LABELS["late_R2"]),
                esc(plan.title),
            ]
        elif f.rule == "R4":
            plan, task = tasks[f.task or ""]
            cells = [
                _link(f"tasks/{task.id}.md", task_title(data, plan, task)),
                esc(_label("late_R4", n=f.count)),
                esc(task.title),
            ]
        else:
            res = results[f.subject]
            entry = res.entries[int(f.at[1])]
            name = entry.target_name if entry.target_name is not None else LABELS["withheld"]
            cells = [
                _link(f"results/{res.id}.md", res.id),
                esc(LABELS[f"late_{f.rule}"]),
                esc(name),
            ]
        rows.append((f.rule != "R4", -f.days_late, [*cells, due, late]))
    rows.sort(key=lambda row: row[:2])
    return [row for _, _, row in rows]


def _of_year(
    f: Finding, year: int, plans: dict[str, Plan], tasks: dict[str, tuple[Plan, Task]]
) -> bool:
    if f.rule == "R2":
        plan = plans.get(f.subject)
        return plan is not None and plan.year == year
    return f.task in tasks


def home_page(data: SiteData, today: dt.date) -> Page:
    """首页: this year's tasks, draws, results and overdue items, and the latest notices."""
    year = _year(data, today)
    now = dt.datetime.combine(today, dt.time(), BEIJING)
    tasks = [(r, p, t) for r, p, t in tasks_of(data) if p.year == year]
    task_ids = {t.id for _, _, t in tasks}
    draws = [e for e in draw_entries(data) if e.draw.task in task_ids]
    results = [
        r.record for r in data.results if isinstance(r.record, Result) and r.record.task in task_ids
    ]
    task_rows = [
        [
            _link(f"tasks/{t.id}.md", task_title(data, p, t)),
            esc(t.title),
            esc(f"{t.window.start} 至 {t.window.end}"),
            countdown_html(randomness_at(t), now),
            task_draw_links(data, t.id, "") or esc(LABELS["no_draw"]),
        ]
        for _, p, t in tasks
    ]
    draw_rows = [
        [
            _link(e.url, e.draw.id) + ("（已作废）" if e.voided_by else ""),
            esc(e.draw.task),
            esc(e.draw.drawn_at[:16].replace("T", " ")),
            esc(f"{len(e.bundle['visits'])} 户"),
        ]
        for e in draws
    ]
    result_rows = []
    for res in sorted(results, key=lambda x: (x.published_on, x.id), reverse=True):
        late = sum(1 for x in entries_late(data, res) if x)
        result_rows.append(
            [
                _link(f"results/{res.id}.md", res.id),
                esc(res.task),
                esc(res.published_on),
                esc(f"{len(res.entries)} 户"),
                f'<span class="gk-late">{esc(_label("late_count", n=late))}</span>' if late else "",
            ]
        )
    overdue_rows = overdue_items(data, year, today)
    latest = notices(data)[:10]
    latest_html = (
        '<ul class="gk-latest">'
        + "".join(
            f'<li><span class="gk-date">{esc(n.when[:10])}</span> '
            f'<span class="gk-kind">{esc(n.kind)}</span> {_link(n.path, n.title)}</li>'
            for n in latest
        )
        + "</ul>"
    )
    intro = f"<p>{esc(LABELS['home_intro'])}</p>"
    body = (
        f"{intro}\n\n## {esc(LABELS['latest'])}\n\n{latest_html}\n\n"
        f'<p><a href="feed.xml" type="application/atom+xml">{esc(LABELS["feed"])}</a></p>\n\n'
        f"## {esc(_label('year_tasks', year=year))}\n\n"
        + _table(
            ["抽查任务公告", "任务名称", "检查期间", "随机源", "摇号记录"], task_rows, "gk-compact"
        )
        + f"\n\n## {esc(_label('year_draws', year=year))}\n\n"
        + (
            _table(["摇号记录", "抽查任务", "摇号时间", "抽中"], draw_rows, "gk-compact")
            if draw_rows
            else f"<p>{esc(LABELS['no_draw'])}</p>"
        )
        + f"\n\n## {esc(_label('year_results', year=year))}\n\n"
        + (
            _table(
                ["检查结果公告", "抽查任务", "公示日期", "户数", "逾期公示"],
                result_rows,
                "gk-compact",
            )
            if result_rows
            else f"<p>{esc(LABELS['no_result'])}</p>"
        )
        + f"\n\n## {esc(LABELS['overdue'])}\n\n<p>{esc(LABELS['overdue_note'])}</p>\n\n"
        + (
            _table(
                ["公告", "事项", "市场主体、任务或计划", "期限", "逾期"],
                overdue_rows[:HOME_OVERDUE],
                "gk-compact",
            )
            + (
                f"<p>{esc(_label('overdue_more', n=len(overdue_rows) - HOME_OVERDUE))}</p>"
                if len(overdue_rows) > HOME_OVERDUE
                else ""
            )
            if overdue_rows
            else f"<p>{esc(LABELS['no_overdue'])}</p>"
        )
    )
    title = data.site.title if data.site else LABELS["home"]
    return Page("index.md", title, body, wide=True)
