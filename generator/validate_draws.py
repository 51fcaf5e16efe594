"""Checks across draws, voids and results.

* A draw names a task of a plan, and the very commitments of that task: the
  plan's payload SHA-256, the registry snapshot and its SHA-256, the inspector
  registry (and its digest), the lead department, the algorithm, the randomness
  source (and for a ceremony the number of witnesses).
* A task has at most one live draw: a second one needs a void record of the first.
* A void names an existing draw of its own department.
* A result of a drawn task belongs to a drawn target, by the team drawn for it or by its reserves,
  used in their published order (递补).

Re-running the draw itself is ``gongkai verify-draw`` (and ``gongkai verify``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from .content import Content, Loaded
from .errors import Problem
from .models import Draw, InspectorRegistry, Plan, Result, Void


def voided_draws(
    records: list[Loaded],
    add: Callable[[Problem], None] | None = None,
    *,
    signed_only: bool = False,
) -> set[str]:
    """The ids of draws named by a void record; with ``signed_only`` only signed
    (published) voids count. ``add`` gets the problems of voids that name no draw,
    or another department's draw (reported, and still counted as voiding it)."""
    by_ref = {r.record.ref: r for r in records if isinstance(r.record, Draw)}
    voided: set[str] = set()
    for v in records:
        rec = v.record
        if not isinstance(rec, Void) or (signed_only and v.signatures is None):
            continue
        target = by_ref.get(rec.draw)
        if target is None:
            if add is not None:
                add(
                    v.problem(
                        "draw",
                        f"no such draw (got {rec.draw!r}, expected ID@VERSION of a draw in content/draws)",
                        "draw",
                    )
                )
            continue
        assert isinstance(target.record, Draw)
        if target.record.department != rec.department and add is not None:
            add(
                v.problem(
                    "department",
                    f"only the draw's department can void it (got {rec.department!r}, "
                    f"expected {target.record.department!r})",
                    "department",
                )
            )
        voided.add(target.record.id)
    return voided


def live_draws(records: list[Loaded], voided: set[str]) -> dict[str, list[Loaded]]:
    """Each task's draws that no void took back, in the order of ``records``."""
    live: dict[str, list[Loaded]] = defaultdict(list)
    for d in records:
        if isinstance(d.record, Draw) and d.record.id not in voided:
            live[d.record.task].append(d)
    return live


def second_draw_problems(live: dict[str, list[Loaded]]) -> list[Problem]:
    """One problem for every live draw of a task after its first."""
    out: list[Problem] = []
    for task_id, task_draws in live.items():
        for d in task_draws[1:]:
            out.append(
                d.problem(
                    "task",
                    f"a second draw for task {task_id} without a void of the first "
                    f"(got {', '.join(x.record.id for x in task_draws)}, expected one live draw; "
                    "void the earlier draw with a signed void record and its reason)",
                    "task",
                )
            )
    return out


def check_draws(content: Content, add: Callable[[Problem], None]) -> None:
    records = content.records
    plans: dict[str, Loaded] = {r.record.ref: r for r in records if isinstance(r.record, Plan)}
    inspectors = {r.record.ref: r for r in records if isinstance(r.record, InspectorRegistry)}
    draws = [r for r in records if isinstance(r.record, Draw)]
    live = live_draws(draws, voided_draws(records, add))
    for d in draws:
        rec = d.record
        assert isinstance(rec, Draw)
        plan_loaded = plans.get(rec.plan)
        if plan_loaded is None or "@" not in rec.plan:
            add(
                d.problem(
                    "plan",
                    f"unknown plan (got {rec.plan!r}, expected ID@VERSION of a plan)",
                    "plan",
                )
            )
            continue
        plan = plan_loaded.record
        assert isinstance(plan, Plan)
        task = next((t for t in plan.tasks if t.id == rec.task), None)
        if task is None:
            add(d.problem("task", f"no such task in {rec.plan} (got {rec.task!r})", "task"))
            continue
        expectations: list[tuple[str, object, object]] = [
            ("plan_sha256", rec.plan_sha256, plan_loaded.digest),
            ("department", rec.department, task.lead),
            ("registry", rec.registry, task.scope.registry),
            ("registry_sha256", rec.registry_sha256, task.scope.registry_sha256),
            ("inspector_registry", rec.inspector_registry, task.inspectors.registry),
        ]
        ins = inspectors.get(task.inspectors.registry)
        if ins is not None:
            expectations.append(
                ("inspector_registry_sha256", rec.inspector_registry_sha256, ins.digest)
            )
        expectations += [
            ("algorithm", rec.algorithm, task.algorithm),
            ("beacon.source", rec.beacon.source, task.randomness.source),
        ]
        if rec.beacon.source == "ceremony":
            expectations.append(
                (
                    "beacon.witnesses_required",
                    rec.beacon.witnesses_required,
                    getattr(task.randomness, "witnesses_required", None),
                )
            )
        for field, got, expected in expectations:
            if got != expected:
                add(
                    d.problem(
                        field,
                        f"does not match what task {task.id} committed to (got {got!r}, "
                        f"expected {expected!r})",
                        *field.split("."),
                    )
                )
        if rec.drawn_at[:10] < plan.published_on:
            add(
                d.problem(
                    "drawn_at",
                    f"drawn before the plan was published (got {rec.drawn_at}, "
                    f"expected after {plan.published_on})",
                    "drawn_at",
                )
            )
    for problem in second_draw_problems(live):
        add(problem)

    for r in records:
        if isinstance(r.record, Result):
            _check_result_against_draw(r, r.record, live, add)


def _check_result_against_draw(
    r: Loaded, result: Result, live: dict[str, list[Loaded]], add: Callable[[Problem], None]
) -> None:
    task_draws = live.get(result.task, [])
    if not task_draws:
        # Results before any draw break the order of steps; that is a publishing rule
        # (checked on each pull request with the deadlines), not a consistency error.
        return
    draw = task_draws[0].record
    assert isinstance(draw, Draw)
    assigned = {a.target: a for a in draw.assignments}
    for e, entry in enumerate(result.entries):
        base = ("entries", e)
        a = assigned.get(entry.target)
        if a is None:
            add(
                r.problem(
                    f"entries[{e}].target",
                    f"not drawn for task {result.task} (got {entry.target!r}, "
                    f"expected a target of draw {draw.id})",
                    *base,
                    "target",
                )
            )
            continue
        teams = {t.team: list(t.members) for t in draw.teams}
        # 分散: reserves are people; 分组: reserve teams, whose members stand in together.
        reserves = (
            list(a.reserves)
            if a.team is None
            else [m for t in a.reserves for m in teams.get(t, [])]
        )
        allowed = set(a.members) | set(reserves)
        for i, pid in enumerate(entry.inspectors):
            if pid not in allowed:
                add(
                    r.problem(
                        f"entries[{e}].inspectors[{i}]",
                        f"neither assigned to this target nor a reserve "
                        f"(got {pid!r}, expected one of: {', '.join(a.members)}; reserves in order: "
                        f"{', '.join(reserves) or 'none'})",
                        *base,
                        "inspectors",
                        i,
                    )
                )
        used = [pid for pid in reserves if pid in entry.inspectors]
        if used != reserves[: len(used)]:
            add(
                r.problem(
                    f"entries[{e}].inspectors",
                    f"reserves used out of order (got {', '.join(used)}, "
                    f"expected the first {len(used)} of: {', '.join(reserves)})",
                    *base,
                    "inspectors",
                )
            )
