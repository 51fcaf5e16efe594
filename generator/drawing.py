"""Making and re-running draws from the records in ``content/``.

The shell around :mod:`generator.draw`: it gathers the plain inputs a draw needs
from published records (the task, the registry snapshot's rows, the inspector
registry, the earlier draws of the year and the beacon), calls the core and turns
the outcome into a draw record — or compares it with a published one.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .content import Content, Loaded
from .draw import (
    ALGORITHM,
    DrawError,
    History,
    Outcome,
    Person,
    StratumSpec,
    TaskSpec,
    make_seed,
    run_draw,
)
from .models import ChecklistItem, Draw, InspectorRegistry, Plan, TargetRegistry, Task, Void

QUICKNET_GENESIS = 1692803367
QUICKNET_PERIOD = 3
QUICKNET_CHAIN = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
BEIJING = dt.timezone(dt.timedelta(hours=8))


def _index(content: Content, cls: type[Any]) -> dict[str, dict[int, Loaded]]:
    out: dict[str, dict[int, Loaded]] = defaultdict(dict)
    for r in content.records:
        if isinstance(r.record, cls):
            out[r.record.id][r.record.version] = r
    return out


def _get(index: Mapping[str, Mapping[int, Loaded]], ref: str) -> Loaded:
    rid, _, version = ref.partition("@")
    versions = index.get(rid, {})
    hit = versions.get(int(version)) if version else (versions[max(versions)] if versions else None)
    if hit is None:
        raise DrawError(f"no such record: {ref}")
    return hit


def find_task(content: Content, task_id: str, plan_ref: str | None = None) -> tuple[Loaded, Task]:
    """The task in the plan version ``plan_ref`` names (a re-run), or in the latest
    plan version that holds it (a new draw)."""
    plans = _index(content, Plan)
    if plan_ref is not None:
        plan_loaded = _get(plans, plan_ref)
        assert isinstance(plan_loaded.record, Plan)
        task = next((t for t in plan_loaded.record.tasks if t.id == task_id), None)
        if task is None:
            raise DrawError(f"no task {task_id!r} in plan {plan_ref}")
        return plan_loaded, task
    for versions in plans.values():
        latest = versions[max(versions)]
        assert isinstance(latest.record, Plan)
        for task in latest.record.tasks:
            if task.id == task_id:
                return latest, task
    raise DrawError(f"no task {task_id!r} in any plan under {content.root}")


def read_rows(
    manifest: TargetRegistry, csv_path: Path, columns: set[str]
) -> dict[str, dict[str, str]]:
    """Registry rows keyed by id, keeping only ``columns``."""
    keep = [c for c in columns if manifest.column(c) is not None]
    rows: dict[str, dict[str, str]] = {}
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            rows[row[manifest.id_column]] = {c: row[c] for c in keep}
    return rows


def _clean_codes() -> frozenset[str]:
    return frozenset({"1"})


def history_for(
    content: Content, plan: Plan, task: Task, before: str, exclude_draw: str | None
) -> History:
    """Earlier draws of the plan's year (not voided) and results, for the exclusion rules."""
    voided = {v.record.draw for v in content.records if isinstance(v.record, Void)}
    plans = _index(content, Plan)
    drawn: Counter[str] = Counter()
    other: dict[str, set[str]] = defaultdict(set)
    items = {ref.partition("@")[0] for ref in task.items}
    for r in content.records:
        rec = r.record
        if (
            not isinstance(rec, Draw)
            or rec.ref in voided
            or rec.id == exclude_draw
            or dt.datetime.fromisoformat(rec.drawn_at) >= dt.datetime.fromisoformat(before)
        ):
            continue
        try:
            other_plan = _get(plans, rec.plan).record
        except DrawError:
            continue
        assert isinstance(other_plan, Plan)
        if other_plan.year != plan.year:
            continue
        other_task = next((t for t in other_plan.tasks if t.id == rec.task), None)
        for visit in rec.visits:
            drawn[visit.target] += 1
        if other_task is None or other_task.lead == task.lead:
            continue
        overlaps = (
            other_task.window.start <= task.window.end
            and task.window.start <= other_task.window.end
        )
        shared = items & {ref.partition("@")[0] for ref in other_task.items}
        if overlaps and shared:
            for visit in rec.visits:
                other[visit.target] |= shared
    clean: dict[str, set[int]] = defaultdict(set)
    dirty: dict[str, set[int]] = defaultdict(set)
    from .models import Result

    for r in content.records:
        if isinstance(r.record, Result):
            for e in r.record.entries:
                year = int(e.completed_on[:4])
                (clean if e.result in _clean_codes() else dirty)[e.target].add(year)
    clean_years = {t: frozenset(y - dirty.get(t, set())) for t, y in clean.items()}
    return History(dict(drawn), {t: frozenset(v) for t, v in other.items()}, clean_years)


def task_items(content: Content, task: Task) -> list[Loaded]:
    """The checklist item versions the task names."""
    items = _index(content, ChecklistItem)
    return [_get(items, ref) for ref in task.items]


def task_spec(content: Content, plan: Plan, task: Task) -> TaskSpec:
    items = [loaded.record for loaded in task_items(content, task)]
    return spec_for(plan, task, items)


def spec_for(plan: Plan, task: Task, items: list[Any]) -> TaskSpec:
    """The task's commitments as plain values; ``items`` are its checklist items."""
    expertise: set[str] = set()
    for item in items:
        assert isinstance(item, ChecklistItem)
        expertise.update(item.expertise)
    return TaskSpec(
        task_id=task.id,
        year=plan.year,
        lead=task.lead,
        participants=tuple(task.participants),
        items=tuple(ref.partition("@")[0] for ref in task.items),
        expertise=tuple(sorted(expertise)),
        filter={k: tuple(v) for k, v in task.scope.filter.items()},
        strata_by=tuple(task.strata.by),
        strata=tuple(StratumSpec(dict(g.match), g.ratio, g.count) for g in task.strata.groups),
        draws_targets="targets" in task.draws,
        draws_inspectors="inspectors" in task.draws,
        matching=task.inspectors.matching,
        team_size=task.inspectors.team_size,
        workload_cap=task.inspectors.workload_cap,
        ratio_justified=task.ratio_justification is not None,
        assigned_targets=tuple(task.assigned_targets),
        assigned_inspectors=tuple(task.assigned_inspectors),
    )


def round_time(round_: int) -> int:
    """Unix time of a quicknet round."""
    return QUICKNET_GENESIS + (round_ - 1) * QUICKNET_PERIOD


def check_beacon(beacon: Mapping[str, Any], plan: Plan, task: Task) -> str:
    """Verify the beacon offline against the source the task named; return its seed label."""
    source = task.randomness.source
    if source != "drand-quicknet":
        raise DrawError(
            f"task {task.id}: randomness source {source!r} is not supported by this version yet"
        )
    round_ = beacon.get("round")
    expected_round = getattr(task.randomness, "round", None)
    if not isinstance(round_, int) or round_ != expected_round:
        raise DrawError(
            f"task {task.id}: wrong beacon round (got {round_}, expected {expected_round} as the signed plan commits)"
        )
    from .beacon import QUICKNET, verify_round

    randomness = verify_round(QUICKNET, dict(beacon))
    # Margin: the round must come after the whole publication day (Beijing time),
    # since the plan states only the day it was published.
    published = dt.datetime.fromisoformat(plan.published_on).replace(tzinfo=BEIJING) + dt.timedelta(
        days=1
    )
    if round_time(int(round_)) < published.timestamp():
        raise DrawError(
            f"task {task.id}: beacon round {round_} is not after the plan was published "
            f"(round time {dt.datetime.fromtimestamp(round_time(int(round_)), BEIJING).isoformat()}, "
            f"plan published {plan.published_on})"
        )
    return f"drand-quicknet:{round_}:{randomness}"


def beacon_label(beacon: Mapping[str, Any], plan: Plan, task: Task, drawn_at: str) -> str:
    """Check the beacon (as :func:`check_beacon`) and that the draw came after it; its seed label."""
    label = check_beacon(beacon, plan, task)
    drawn = dt.datetime.fromisoformat(drawn_at)
    if drawn.timestamp() < round_time(int(beacon["round"])):
        raise DrawError(
            f"task {task.id}: drawn before its beacon round existed (got {drawn_at}, expected after "
            f"{dt.datetime.fromtimestamp(round_time(int(beacon['round'])), BEIJING).isoformat()})"
        )
    return label


def beacon_input(rec: Draw) -> dict[str, Any]:
    """The beacon a published draw names, in the form :func:`check_beacon` reads."""
    return {
        "round": rec.beacon.round,
        "randomness": rec.beacon.randomness,
        "signature": rec.beacon.signature,
    }


def compute(
    content: Content,
    task_id: str,
    beacon: Mapping[str, Any],
    drawn_at: str,
    exclude_draw: str | None = None,
    plan_ref: str | None = None,
) -> tuple[Loaded, Task, Outcome, dict[str, Any]]:
    """Run the draw for ``task_id`` from the records; return the outcome and the record header.
    A re-run passes the ``plan_ref`` the published draw names."""
    plan_loaded, task = find_task(content, task_id, plan_ref)
    plan = plan_loaded.record
    assert isinstance(plan, Plan)
    registries = _index(content, TargetRegistry)
    reg_loaded = _get(registries, task.scope.registry)
    reg = reg_loaded.record
    assert isinstance(reg, TargetRegistry)
    csv_path = Path(reg_loaded.path).parent / reg.file
    from .canonical import file_sha256

    actual = file_sha256(str(csv_path))
    if actual != task.scope.registry_sha256:
        raise DrawError(
            f"task {task.id}: the registry's SHA-256 differs from the plan's "
            f"(got {actual}, expected {task.scope.registry_sha256})"
        )
    spec = task_spec(content, plan, task)
    columns = set(spec.filter) | set(spec.strata_by) | {spec.status_column}
    rows = read_rows(reg, csv_path, columns)
    ins_loaded = _get(_index(content, InspectorRegistry), task.inspectors.registry)
    ins = ins_loaded.record
    assert isinstance(ins, InspectorRegistry)
    people = {
        p.id: Person(p.id, p.unit, frozenset(p.expertise), frozenset(p.conflicts), p.active)
        for p in ins.inspectors
    }
    label = beacon_label(beacon, plan, task, drawn_at)
    seed = make_seed(task.id, plan_loaded.digest, label)
    history = history_for(content, plan, task, drawn_at, exclude_draw)
    outcome = run_draw(spec, seed, rows, people, history)
    header = {
        "plan": plan.ref,
        "plan_sha256": plan_loaded.digest,
        "task": task.id,
        "department": task.lead,
        "drawn_at": drawn_at,
        "registry": task.scope.registry,
        "registry_sha256": task.scope.registry_sha256,
        "inspector_registry": task.inspectors.registry,
        "inspector_registry_sha256": ins_loaded.digest,
    }
    return plan_loaded, task, outcome, header


def record_data(
    draw_id: str, header: Mapping[str, Any], beacon: Mapping[str, Any], outcome: Outcome
) -> dict[str, Any]:
    """The draw record's data, in its published field order."""
    data: dict[str, Any] = {
        "_type": "draw/v1",
        "id": draw_id,
        "version": 1,
        "supersedes": None,
        **header,
    }
    data["beacon"] = {
        "source": "drand-quicknet",
        "chain_hash": QUICKNET_CHAIN,
        "round": beacon["round"],
        "signature": beacon["signature"],
        "randomness": beacon["randomness"],
    }
    data["seed"] = outcome.seed
    data["algorithm"] = ALGORITHM
    data["in_scope"] = outcome.in_scope
    data["exclusions"] = outcome.exclusions
    data["strata"] = outcome.strata
    data["visits"] = outcome.visits
    data["teams"] = outcome.teams
    data["assignments"] = outcome.assignments
    return data


def next_draw_id(content: Content, task_id: str) -> str:
    """``<task>-D<n>``: refuses a second draw unless every earlier one was voided."""
    voided = {
        v.record.draw.partition("@")[0] for v in content.records if isinstance(v.record, Void)
    }
    draws = [
        r.record for r in content.records if isinstance(r.record, Draw) and r.record.task == task_id
    ]
    live = [d.id for d in draws if d.id not in voided]
    if live:
        raise DrawError(
            f"task {task_id} already has a draw ({', '.join(sorted(live))}); a new draw needs a signed void "
            "record for it first (content/voids/), with the reason"
        )
    return f"{task_id}-D{len({d.id for d in draws}) + 1}"


def compare(published: Mapping[str, Any], recomputed: Mapping[str, Any]) -> list[str]:
    """Fields of a published draw that differ from the re-run (empty: identical)."""
    keys = [
        "plan_sha256",
        "registry_sha256",
        "inspector_registry_sha256",
        "seed",
        "algorithm",
        "in_scope",
        "exclusions",
        "strata",
        "visits",
        "teams",
        "assignments",
    ]
    diffs = []
    for key in keys:
        if published.get(key, [] if key in ("exclusions", "teams") else None) != recomputed.get(
            key
        ):
            diffs.append(key)
    return diffs
