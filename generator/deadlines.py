"""The time limits of 双随机、一公开, checked against the official working-day calendar.

Four rules (docs/deadlines.md states them with their sources):

* **R1** — a result is published within 20 working days of the inspection's completion
  (seeds 001 and 003: 检查结果形成之日起20个工作日内): each entry of a result notice,
  ``Result.published_on`` against ``Entry.completed_on``.
* **R2** — the annual plan is made by the end of January (001, 003: 每年1月底前编制完成):
  ``Plan.published_on`` on or before 31 January of ``Plan.year``, unless the plan records
  an adjustment (``Plan.adjustments``, 经法定程序审核备案) dated on or before its
  publication — that record is the procedure that allows a later plan.
* **R3** — the inspection starts within ``Task.start_within_working_days`` working days of
  the draw (001: 5个工作日内): ``Entry.started_on`` against the date of the task's live
  draw (``Draw.drawn_at`` in Beijing time). An entry without ``started_on``, or a task
  without a live draw, is **not checked** — never a pass.
* **R4** — results still owed: a drawn target of a live draw with no result entry in any
  result notice of its task is overdue once ``today`` is past the latest day its result
  could lawfully be published: 20 working days (R1) after the task's window ends
  (``Window.end``, the last day an inspection may be completed). One finding per task.

Days late are working days (:meth:`generator.workdays.Calendar.days_late`): a day that is
not a working day counts as the next working day. A span that reaches a year without a
calendar file raises :class:`generator.workdays.MissingCalendarYear` — never a guess.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from . import validate_draws
from .content import Content, Loaded
from .errors import Problem
from .models import Draw, Plan, Result, Task
from .workdays import Calendar

PUBLICATION_WORKING_DAYS = 20
"""R1: results are published within 20 working days of the inspection's completion."""
PLAN_DUE = (1, 31)
"""R2: the annual plan is made by 31 January of its year."""
BEIJING = dt.timezone(dt.timedelta(hours=8))

RULES: dict[str, str] = {
    "R1": "检查结果自检查完成之日起 20 个工作日内公示 / results published within 20 working "
    "days of completion",
    "R2": "年度抽查计划于每年 1 月底前编制完成 / the annual plan made by 31 January",
    "R3": "摇号后在规定的工作日内开始检查 / inspection started within the task's working days "
    "of the draw",
    "R4": "已摇号的检查对象须公示检查结果 / every drawn target's result published",
}
"""Each rule's id and what it requires, as the CLI prints it."""

Status = Literal["fail", "not checked"]


@dataclass(frozen=True)
class Finding:
    """One deadline missed (``fail``) or one that could not be checked (``not checked``).

    ``at`` is the data path in the record file; :attr:`line` and :attr:`col` are looked up
    from it only when asked for (the file is re-read if it came from the record cache)."""

    loaded: Loaded = dataclasses.field(repr=False, compare=False)
    at: tuple[str | int, ...]
    rule: str
    status: Status
    days_late: int
    """Working days past the deadline; 0 when not checked."""
    message: str
    deadline: dt.date | None = None
    subject: str = ""
    """The record's id: the result notice, the plan or the draw."""
    task: str | None = None
    target: str | None = None
    """The target's 统一社会信用代码 (R1, R3)."""
    count: int = 1
    """R4: how many drawn targets still have no result."""

    @property
    def path(self) -> str:
        return self.loaded.path

    @property
    def field(self) -> str:
        out = ""
        for part in self.at:
            out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + part
        return out

    @property
    def line(self) -> int:
        return self.loaded.position(*self.at)[0]

    @property
    def col(self) -> int:
        return self.loaded.position(*self.at)[1]

    def problem(self) -> Problem:
        """As a ``path:line:col: field: [R1] …`` problem (a warning when not checked)."""
        line, col = self.loaded.position(*self.at)
        severity = "warning" if self.status == "not checked" else "error"
        return Problem(
            self.path, line, col, self.field, f"[{self.rule}] {self.message}", severity=severity
        )

    def __str__(self) -> str:
        return str(self.problem())


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def draw_date(draw: Draw) -> dt.date:
    """The day of the draw in Beijing time."""
    at = dt.datetime.fromisoformat(draw.drawn_at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=BEIJING)
    return at.astimezone(BEIJING).date()


def publication_deadline(calendar: Calendar, completed_on: str) -> dt.date:
    """R1: the last day to publish the result of an inspection completed on ``completed_on``."""
    return calendar.add_working_days(_date(completed_on), PUBLICATION_WORKING_DAYS)


def publication_days_late(calendar: Calendar, completed_on: str, published_on: str) -> int:
    """R1: working days by which a result was published late (0 when on time)."""
    deadline = publication_deadline(calendar, completed_on)
    return calendar.days_late(deadline, _date(published_on))


def _fmt(day: dt.date) -> str:
    return day.isoformat()


def _tasks(content: Content) -> dict[tuple[str, str], Task]:
    """Every task by (plan ID@VERSION, task id)."""
    return {(plan.ref, t.id): t for _, plan in content.each(Plan) for t in plan.tasks}


def _results(content: Content, calendar: Calendar, live: dict[str, Draw]) -> list[Finding]:
    tasks = _tasks(content)
    out: list[Finding] = []
    for r, res in content.each(Result):
        published = _date(res.published_on)
        task = tasks.get((res.plan, res.task))
        draw = live.get(res.task)
        for i, e in enumerate(res.entries):
            deadline = publication_deadline(calendar, e.completed_on)
            late = calendar.days_late(deadline, published)
            if late:
                out.append(
                    Finding(
                        r,
                        ("entries", i, "completed_on"),
                        "R1",
                        "fail",
                        late,
                        f"逾期 {late} 个工作日公示：检查完成于 {e.completed_on}，应于 "
                        f"{_fmt(deadline)} 前公示，实际 {res.published_on} 公示 / published "
                        f"{late} working day(s) late (completed {e.completed_on}, due by "
                        f"{_fmt(deadline)}, published {res.published_on})",
                        deadline,
                        res.id,
                        res.task,
                        e.target,
                    )
                )
            if task is None or task.start_within_working_days is None:
                continue  # an unknown task is validate's finding; no start limit, no rule
            out.extend(_start(r, res, i, task, draw, calendar))
    return out


def _start(
    r: Loaded, res: Result, i: int, task: Task, draw: Draw | None, calendar: Calendar
) -> list[Finding]:
    """R3 for entry ``i``: late, not checked, or nothing (in time)."""
    e = res.entries[i]
    limit = task.start_within_working_days
    assert limit is not None
    at = ("entries", i, "started_on")
    if draw is None:
        return [
            Finding(
                r,
                at,
                "R3",
                "not checked",
                0,
                f"未核查：抽查任务 {task.id} 没有有效的摇号记录，无法计算开始检查的期限 / not "
                f"checked: task {task.id} has no live draw to count {limit} working days from",
                None,
                res.id,
                res.task,
                e.target,
            )
        ]
    drawn = draw_date(draw)
    deadline = calendar.add_working_days(drawn, limit)
    if e.started_on is None:
        return [
            Finding(
                r,
                at,
                "R3",
                "not checked",
                0,
                f"未核查：未记录检查开始日期（started_on），应于 {_fmt(deadline)} 前开始 / not "
                f"checked: no started_on (the inspection was due to start by {_fmt(deadline)})",
                deadline,
                res.id,
                res.task,
                e.target,
            )
        ]
    started = _date(e.started_on)
    if started < drawn:
        return [
            Finding(
                r,
                at,
                "R3",
                "fail",
                0,
                f"检查开始于摇号之前：{e.started_on} 早于摇号日 {_fmt(drawn)} / the inspection "
                f"started before the draw (got {e.started_on}, drawn on {_fmt(drawn)})",
                deadline,
                res.id,
                res.task,
                e.target,
            )
        ]
    late = calendar.days_late(deadline, started)
    if not late:
        return []
    return [
        Finding(
            r,
            at,
            "R3",
            "fail",
            late,
            f"逾期 {late} 个工作日开始检查：摇号于 {_fmt(drawn)}，应在 {limit} 个工作日内即 "
            f"{_fmt(deadline)} 前开始，实际 {e.started_on} 开始 / started {late} working day(s) "
            f"late (drawn {_fmt(drawn)}, due to start within {limit} working days by "
            f"{_fmt(deadline)}, started {e.started_on})",
            deadline,
            res.id,
            res.task,
            e.target,
        )
    ]


def _plans(content: Content, calendar: Calendar) -> list[Finding]:
    out: list[Finding] = []
    for r, plan in content.each(Plan):
        due = dt.date(plan.year, *PLAN_DUE)
        published = _date(plan.published_on)
        if published <= due:
            continue
        if any(a.date <= plan.published_on for a in plan.adjustments):
            continue  # the recorded procedure allows the later plan
        late = calendar.days_late(due, published)
        out.append(
            Finding(
                r,
                ("published_on",),
                "R2",
                "fail",
                late,
                f"逾期 {late} 个工作日发布：{plan.year} 年度计划应于 {_fmt(due)} 前编制完成，实际 "
                f"{plan.published_on} 发布，且没有发布之日或之前的计划调整记录（adjustments）/ "
                f"published {late} working day(s) late (due by {_fmt(due)}, published "
                f"{plan.published_on}) with no adjustment recorded on or before publication",
                due,
                plan.id,
            )
        )
    return out


def live_draws(content: Content) -> dict[str, tuple[Loaded, Draw]]:
    """Each task's live draw (one no void record names), by task id; the first when there
    are several (a second live draw is validate's finding)."""
    live = validate_draws.live_draws(content.records, validate_draws.voided_draws(content.records))
    out: dict[str, tuple[Loaded, Draw]] = {}
    for task_id, loaded in live.items():
        draw = loaded[0].record
        assert isinstance(draw, Draw)
        out[task_id] = (loaded[0], draw)
    return out


def _owed(
    content: Content, calendar: Calendar, today: dt.date, live: dict[str, tuple[Loaded, Draw]]
) -> list[Finding]:
    published: dict[str, set[str]] = defaultdict(set)
    for _, res in content.each(Result):
        published[res.task].update(e.target for e in res.entries)
    tasks = _tasks(content)
    out: list[Finding] = []
    for task_id, (r, draw) in sorted(live.items()):
        task = tasks.get((draw.plan, task_id))
        if task is None:
            continue  # a draw of an unknown task is validate's finding
        deadline = calendar.add_working_days(_date(task.window.end), PUBLICATION_WORKING_DAYS)
        if today <= deadline:
            continue
        missing = [v.target for v in draw.visits if v.target not in published[task_id]]
        if not missing:
            continue
        late = calendar.days_late(deadline, today)
        out.append(
            Finding(
                r,
                ("visits",),
                "R4",
                "fail",
                late,
                f"{len(missing)} 户已摇号的检查对象尚未公示检查结果，检查期间于 {task.window.end} "
                f"结束，应于 {_fmt(deadline)} 前公示，已逾期 {late} 个工作日 / {len(missing)} "
                f"drawn target(s) have no published result: the window ended {task.window.end}, "
                f"results were due by {_fmt(deadline)}, {late} working day(s) ago "
                f"(first: {', '.join(missing[:3])})",
                deadline,
                draw.id,
                task_id,
                None,
                len(missing),
            )
        )
    return out


def deadline_problems(content: Content, calendar: Calendar, today: dt.date) -> list[Finding]:
    """Every deadline of R1–R4 missed, or not checkable, in validated ``content``.

    ``content`` is what :func:`generator.content.load_content` returns, already passed by
    :func:`generator.validate.validate` (records whose plan or task cannot be found are
    left to its findings). ``calendar`` is usually ``content.calendar``. ``today`` is the
    day against which results still owed are judged (R4). Returns the findings in a stable
    order (by file, then position in it); each has a ``rule`` (R1–R4), a ``status``
    (``fail`` or ``not checked``), ``days_late`` in working days, and the file, line and
    field (:meth:`Finding.problem`). Raises :class:`generator.workdays.MissingCalendarYear`
    when a span needs a year that has no calendar file.
    """
    live = live_draws(content)
    findings = [
        *_plans(content, calendar),
        *_results(content, calendar, {t: d for t, (_, d) in live.items()}),
        *_owed(content, calendar, today, live),
    ]
    order = {r.path: n for n, r in enumerate(content.records)}
    return sorted(findings, key=lambda f: (order.get(f.path, len(order)), f.path, _key(f.at)))


def _key(at: tuple[str | int, ...]) -> tuple[tuple[int, int, str], ...]:
    """Data paths in document order of list items (entries[2] before entries[10])."""
    return tuple((1, p, "") if isinstance(p, int) else (0, 0, p) for p in at)
