"""Making and re-running draws from the records in ``content/``.

The shell around :mod:`generator.draw`: it gathers the plain inputs a draw needs
from published records (the task, the registry snapshot's rows, the inspector
registry, the earlier draws of the year and the beacon), calls the core and turns
the outcome into a draw record — or compares it with a published one.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from .content import Content, Loaded
from .draw import (
    ALGORITHM,
    DrawError,
    History,
    Outcome,
    Person,
    Rows,
    StratumSpec,
    TaskSpec,
    make_seed,
    run_draw,
)
from .models import (
    CEREMONY_MAX_DIGITS,
    CEREMONY_MIN_DIGITS,
    CeremonySource,
    ChecklistItem,
    Draw,
    InspectorRegistry,
    LotterySource,
    Plan,
    TargetRegistry,
    Task,
    Void,
)

QUICKNET_GENESIS = 1692803367
QUICKNET_PERIOD = 3
QUICKNET_CHAIN = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
BEIJING = dt.timezone(dt.timedelta(hours=8))


def _index(content: Content, cls: type[Any]) -> dict[str, dict[int, Loaded]]:
    """The content's records of ``cls`` by id and version, made once per loaded
    content and kind (a province re-runs ten thousand draws from one content)."""

    def make() -> dict[str, dict[int, Loaded]]:
        out: dict[str, dict[int, Loaded]] = defaultdict(dict)
        for r in content.records:
            if issubclass(r.model, cls):
                out[r.record.id][r.record.version] = r
        return out

    return _kept(content, ("by kind", cls), make)


T = TypeVar("T")


def _kept(content: Content, name: object, make: Callable[[], T]) -> T:
    """``make()``, kept on the content: its records are not changed after loading (a
    changed number of records makes everything kept again)."""
    held: tuple[int, dict[object, Any]] | None = getattr(content, "_kept", None)
    if held is None or held[0] != len(content.records):
        held = (len(content.records), {})
        content._kept = held  # type: ignore[attr-defined]
    if name not in held[1]:
        held[1][name] = make()
    return cast(T, held[1][name])


def of_kind(content: Content, cls: type[Any]) -> list[Loaded]:
    """The content's records of ``cls``, by id and version (from :func:`_index`)."""
    return [r for versions in _index(content, cls).values() for _, r in sorted(versions.items())]


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
) -> Mapping[str, Mapping[str, str]]:
    """Registry rows keyed by id, keeping only ``columns``.

    The rows of the last registries read are kept (up to ``_ROWS_KEPT`` rows in all),
    keyed by the file's path, size and modification time: re-running every draw of a
    province reads each registry once when the draws come grouped by registry."""
    keep = sorted(c for c in columns if manifest.column(c) is not None)
    stat = csv_path.stat()
    key = (str(csv_path.resolve()), stat.st_size, stat.st_mtime_ns, manifest.id_column, tuple(keep))
    rows = _ROWS.pop(key, None)
    if rows is None:
        rows = Rows()
        with csv_path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                rows[row[manifest.id_column]] = {c: row[c] for c in keep}
    _ROWS[key] = rows  # the most recently used last
    while sum(len(r) for r in _ROWS.values()) > _ROWS_KEPT and len(_ROWS) > 1:
        del _ROWS[next(iter(_ROWS))]
    return rows


_ROWS: dict[tuple[str, int, int, str, tuple[str, ...]], Rows] = {}
_ROWS_KEPT = 1_000_000


def registry_sha256(csv_path: Path) -> str:
    """The registry file's SHA-256, remembered by path, size and modification time."""
    stat = csv_path.stat()
    key = (str(csv_path.resolve()), stat.st_size, stat.st_mtime_ns)
    digest = _SHA256.get(key)
    if digest is None:
        from .canonical import file_sha256

        digest = _SHA256[key] = file_sha256(str(csv_path))
    return digest


_SHA256: dict[tuple[str, int, int], str] = {}


def _clean_codes() -> frozenset[str]:
    return frozenset({"1"})


def history_for(
    content: Content, plan: Plan, task: Task, before: str, exclude_draw: str | None
) -> History:
    """Earlier draws of the plan's year (not voided) and results, for the exclusion rules."""
    index = _history_index(content)
    when = dt.datetime.fromisoformat(before)
    items = {ref.partition("@")[0] for ref in task.items}
    other: dict[str, set[str]] = defaultdict(set)
    for earlier in index.sharing(plan.year, items):
        if earlier.at >= when or earlier.id == exclude_draw or earlier.lead in (None, task.lead):
            continue
        assert earlier.window is not None
        overlaps = (
            earlier.window.start <= task.window.end and task.window.start <= earlier.window.end
        )
        if overlaps:
            shared = items & earlier.items
            for target in earlier.targets:
                other[target] |= shared
    return History(
        _DrawnBefore(index.drawn.get(plan.year, {}), when, exclude_draw),
        {t: frozenset(v) for t, v in other.items()},
        index.clean_years,
    )


@dataclass(frozen=True)
class _Earlier:
    """What the exclusion rules need of one live draw."""

    id: str
    at: dt.datetime
    lead: str | None
    """The lead of the draw's task (None when the plan does not name the task)."""
    window: Any
    items: frozenset[str]
    targets: tuple[str, ...]


class _DrawnBefore(Mapping[str, int]):
    """target -> number of live draws of the year made before ``when`` that drew it
    (not counting ``exclude``), computed on lookup from the year's index."""

    def __init__(
        self,
        times: Mapping[str, list[tuple[dt.datetime, str]]],
        when: dt.datetime,
        exclude: str | None,
    ) -> None:
        self._times, self._when, self._exclude = times, when, exclude

    def get(self, target: str, default: Any = None) -> Any:
        times = self._times.get(target)
        if not times:
            return default
        n = sum(1 for at, did in times if at < self._when and did != self._exclude)
        return n if n else default

    def __getitem__(self, target: str) -> int:
        n = sum(
            1 for at, did in self._times.get(target, ()) if at < self._when and did != self._exclude
        )
        if not n:
            raise KeyError(target)
        return n

    def __iter__(self) -> Iterator[str]:
        return (t for t in self._times if t in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, target: object) -> bool:
        return isinstance(target, str) and any(
            at < self._when and did != self._exclude for at, did in self._times.get(target, ())
        )


class _HistoryIndex:
    """The content's live draws by year, target and item, and the clean years of every
    target from the results: made once per loaded content, so that re-running every draw
    of a province does not read every other draw each time."""

    def __init__(self, content: Content) -> None:
        voided = {v.draw for _, v in content.each(Void)}
        plans = _index(content, Plan)
        self.drawn: dict[int, dict[str, list[tuple[dt.datetime, str]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self._by_item: dict[tuple[int, str], list[_Earlier]] = defaultdict(list)
        for _, rec in content.each(Draw):
            if rec.ref in voided:
                continue
            try:
                other_plan = _get(plans, rec.plan).record
            except DrawError:
                continue
            assert isinstance(other_plan, Plan)
            year = other_plan.year
            at = dt.datetime.fromisoformat(rec.drawn_at)
            for visit in rec.visits:
                self.drawn[year][visit.target].append((at, rec.id))
            other_task = next((t for t in other_plan.tasks if t.id == rec.task), None)
            if other_task is None:
                continue
            items = frozenset(ref.partition("@")[0] for ref in other_task.items)
            earlier = _Earlier(
                rec.id, at, other_task.lead, other_task.window, items,
                tuple(v.target for v in rec.visits),
            )  # fmt: skip
            for item in items:
                self._by_item[(year, item)].append(earlier)
        clean: dict[str, set[int]] = defaultdict(set)
        dirty: dict[str, set[int]] = defaultdict(set)
        from .models import Result

        for _, result in content.each(Result):
            for e in result.entries:
                year = int(e.completed_on[:4])
                (clean if e.result in _clean_codes() else dirty)[e.target].add(year)
        self.clean_years = {t: frozenset(y - dirty.get(t, set())) for t, y in clean.items()}

    def sharing(self, year: int, items: set[str]) -> list[_Earlier]:
        """The year's live draws of tasks that share one of ``items``."""
        seen: dict[str, _Earlier] = {}
        for item in items:
            for e in self._by_item.get((year, item), ()):
                seen.setdefault(e.id, e)
        return list(seen.values())


def _history_index(content: Content) -> _HistoryIndex:
    """The content's history index, made on first use and kept on the content."""
    return _kept(content, "history", lambda: _HistoryIndex(content))


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
        algorithm=task.algorithm,
    )


def round_time(round_: int) -> int:
    """Unix time of a quicknet round."""
    return QUICKNET_GENESIS + (round_ - 1) * QUICKNET_PERIOD


def _after_publication_day(plan: Plan) -> dt.datetime:
    """The first instant after the plan's publication day (Beijing time): the plan states
    only the day it was published, so the randomness must come after the whole day."""
    return dt.datetime.fromisoformat(plan.published_on).replace(tzinfo=BEIJING) + dt.timedelta(
        days=1
    )


def _check_ceremony(value: object, plan: Plan, task: Task, source: CeremonySource) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]+", value):
        raise DrawError(
            f"任务 {task.id}：现场摇号数字只能由 0–9 组成 / task {task.id}: ceremony digits are the decimal digits "
            f"0-9 only, without spaces or signs (got {value!r})"
        )
    if len(value) < CEREMONY_MIN_DIGITS:
        raise DrawError(
            f"任务 {task.id}：现场摇号数字太少，随机性不足 / task {task.id}: too few ceremony digits for enough "
            f"randomness (got {len(value)}, expected at least {CEREMONY_MIN_DIGITS}, "
            f"about {CEREMONY_MIN_DIGITS * 3.32:.0f} bits)"
        )
    if len(value) > CEREMONY_MAX_DIGITS:
        raise DrawError(
            f"任务 {task.id}：现场摇号数字太多 / task {task.id}: too many ceremony digits "
            f"(got {len(value)}, expected at most {CEREMONY_MAX_DIGITS})"
        )
    if dt.datetime.fromisoformat(source.scheduled_at) < _after_publication_day(plan):
        raise DrawError(
            f"任务 {task.id}：现场摇号时间须晚于计划公布日 / task {task.id}: the ceremony is not after the plan "
            f"was published (scheduled {source.scheduled_at}, plan published {plan.published_on}; "
            "expected a later day)"
        )
    return f"ceremony:{value}"


def _key_string_hint(value: str) -> str:
    """``; did you mean KEY`` when ``value`` reads as numbers grouped by '/'."""
    from .rfc3797 import key_string

    if not re.fullmatch(r"[0-9\s,./]*[0-9][0-9\s,./]*", value):
        return ""
    groups = [re.findall(r"[0-9]+", part) for part in value.strip().strip("/").split("/")]
    if not all(groups):
        return ""
    return f"; 是否应为 / did you mean {key_string([[int(v) for v in g] for g in groups])}"


def _check_lottery(value: object, plan: Plan, task: Task, source: LotterySource) -> str:
    from .rfc3797 import SelectionError, canonical_key_string

    if source.draw_date <= plan.published_on:
        raise DrawError(
            f"任务 {task.id}：彩票开奖日期须晚于计划公布日 / task {task.id}: the lottery draw is not after the plan "
            f"was published (draw_date {source.draw_date}, plan published {plan.published_on}; "
            "expected a later day)"
        )
    text = value if isinstance(value, str) else ""
    try:
        canonical = canonical_key_string(text)
    except SelectionError:
        raise DrawError(
            f"任务 {task.id}：彩票号码不是 RFC 3797 密钥串 / task {task.id}: the lottery numbers are not an RFC 3797 "
            f"key string (got {value!r}, expected each source's values in ascending order, each "
            f"followed by '.', each source ended by '/', e.g. 9319./2.5.8.10.12./)"
            + _key_string_hint(text)
        ) from None
    if canonical != text:
        raise DrawError(
            f"任务 {task.id}：密钥串中每组号码须从小到大排列 / task {task.id}: in a key string each source's values "
            f"are in ascending order (got {text}, expected {canonical})"
        )
    return f"lottery:{text}"


def check_beacon(beacon: Mapping[str, Any], plan: Plan, task: Task) -> str:
    """Verify the beacon offline against the source the task named; return its seed label.

    ``beacon`` is a drand round as its HTTP API returns it, or for the other sources
    ``{"source": "ceremony" | "lottery", "value": digits | key string}``."""
    source = task.randomness.source
    given = beacon.get("source", "drand-quicknet")
    if given != source:
        raise DrawError(
            f"任务 {task.id}：随机数来源与计划不符 / task {task.id}: wrong randomness source (got {given}, "
            f"expected {source} as the signed plan commits)"
        )
    if isinstance(task.randomness, CeremonySource):
        return _check_ceremony(beacon.get("value"), plan, task, task.randomness)
    if isinstance(task.randomness, LotterySource):
        return _check_lottery(beacon.get("value"), plan, task, task.randomness)
    beacon = {k: v for k, v in beacon.items() if k != "source"}
    round_ = beacon.get("round")
    expected_round = getattr(task.randomness, "round", None)
    if not isinstance(round_, int) or round_ != expected_round:
        raise DrawError(
            f"task {task.id}: wrong beacon round (got {round_}, expected {expected_round} as the signed plan commits)"
        )
    from .beacon import QUICKNET, verify_round

    randomness = verify_round(QUICKNET, dict(beacon))
    if round_time(int(round_)) < _after_publication_day(plan).timestamp():
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
    src = task.randomness
    if isinstance(src, CeremonySource):
        if drawn < dt.datetime.fromisoformat(src.scheduled_at):
            raise DrawError(
                f"任务 {task.id}：摇号时间早于计划的现场摇号时间 / task {task.id}: drawn before the ceremony the "
                f"plan scheduled (got {drawn_at}, expected at or after {src.scheduled_at})"
            )
    elif isinstance(src, LotterySource):
        if drawn.astimezone(BEIJING).date().isoformat() < src.draw_date:
            raise DrawError(
                f"任务 {task.id}：摇号时间早于彩票开奖日 / task {task.id}: drawn before the lottery draw "
                f"(got {drawn_at}, expected on or after {src.draw_date}, Beijing time)"
            )
    elif drawn.timestamp() < round_time(int(beacon["round"])):
        raise DrawError(
            f"task {task.id}: drawn before its beacon round existed (got {drawn_at}, expected after "
            f"{dt.datetime.fromtimestamp(round_time(int(beacon['round'])), BEIJING).isoformat()})"
        )
    return label


def beacon_input(rec: Draw) -> dict[str, Any]:
    """The beacon a published draw names, in the form :func:`check_beacon` reads."""
    if rec.beacon.source != "drand-quicknet":
        return {"source": rec.beacon.source, "value": rec.beacon.value}
    return {
        "round": rec.beacon.round,
        "randomness": rec.beacon.randomness,
        "signature": rec.beacon.signature,
    }


def beacon_record(beacon: Mapping[str, Any], task: Task) -> dict[str, Any]:
    """The draw record's ``beacon``: the checked beacon input, as its source publishes it."""
    src = task.randomness
    if isinstance(src, CeremonySource):
        return {
            "source": "ceremony",
            "value": beacon["value"],
            "witnesses_required": src.witnesses_required,
        }
    if isinstance(src, LotterySource):
        return {"source": "lottery", "value": beacon["value"]}
    return {
        "source": "drand-quicknet",
        "chain_hash": QUICKNET_CHAIN,
        "round": beacon["round"],
        "signature": beacon["signature"],
        "randomness": beacon["randomness"],
    }


def compute(
    content: Content,
    task_id: str,
    beacon: Mapping[str, Any],
    drawn_at: str,
    exclude_draw: str | None = None,
    plan_ref: str | None = None,
    secret: bytes | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Loaded, Task, Outcome, dict[str, Any]]:
    """Run the draw for ``task_id`` from the records; return the outcome and the record header.
    A re-run passes the ``plan_ref`` the published draw names. When the strata use a private
    registry column the outcome is concealed (confidential strata), and the commitments are
    made when the department's draw ``secret`` is given."""
    plan_loaded, task = find_task(content, task_id, plan_ref)
    plan = plan_loaded.record
    assert isinstance(plan, Plan)
    registries = _index(content, TargetRegistry)
    reg_loaded = _get(registries, task.scope.registry)
    reg = reg_loaded.record
    assert isinstance(reg, TargetRegistry)
    csv_path = Path(reg_loaded.path).parent / reg.file
    actual = registry_sha256(csv_path)
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
    outcome = run_draw(spec, seed, rows, people, history, progress)
    private = [c for c in spec.strata_by if (col := reg.column(c)) and col.visibility == "private"]
    if private and spec.draws_targets:
        _conceal(outcome, spec, rows, secret, private)
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
        "beacon": beacon_record(beacon, task),
    }
    return plan_loaded, task, outcome, header


def _conceal(
    outcome: Outcome,
    spec: TaskSpec,
    rows: Mapping[str, Mapping[str, str]],
    secret: bytes | None,
    private: list[str],
) -> None:
    """Confidential strata: hide who is in which stratum, commit to every pooled target's class."""
    from .confidential import class_of, commit_pool, conceal

    if outcome.algorithm != ALGORITHM:
        raise DrawError(
            f"task {spec.task_id}: strata by the private column(s) {', '.join(private)} are "
            f"confidential, and confidential strata need the {ALGORITHM} algorithm"
        )
    outcome.confidential = True
    outcome.strata = conceal(outcome.strata)
    if secret is not None:
        classes = {t: class_of(rows[t], spec.strata_by) for ids in outcome.members for t in ids}
        outcome.commitments, outcome.openings = commit_pool(secret, spec.task_id, classes)


def record_data(draw_id: str, header: Mapping[str, Any], outcome: Outcome) -> dict[str, Any]:
    """The draw record's data, in its published field order (the header ends with the beacon)."""
    data: dict[str, Any] = {
        "_type": "draw/v1",
        "id": draw_id,
        "version": 1,
        "supersedes": None,
        **header,
    }
    data["seed"] = outcome.seed
    data["algorithm"] = outcome.algorithm
    data["in_scope"] = outcome.in_scope
    data["exclusions"] = outcome.exclusions
    data["strata"] = outcome.strata
    data["visits"] = outcome.visits
    data["teams"] = outcome.teams
    data["assignments"] = outcome.assignments
    if outcome.confidential:
        if outcome.commitments is None:
            raise DrawError(
                f"task {header['task']}: the strata are confidential; the draw needs the "
                "department's draw secret (--secret FILE) to commit to every target's class"
            )
        data["commitments"] = outcome.commitments
    return data


def next_draw_id(content: Content, task_id: str) -> str:
    """``<task>-D<n>``: refuses a second draw unless every earlier one was voided."""
    voided = {v.draw.partition("@")[0] for _, v in content.each(Void)}
    draws = [d for _, d in content.each(Draw) if d.task == task_id]
    live = [d.id for d in draws if d.id not in voided]
    if live:
        raise DrawError(
            f"task {task_id} already has a draw ({', '.join(sorted(live))}); a new draw needs a signed void "
            "record for it first (content/voids/), with the reason"
        )
    return f"{task_id}-D{len({d.id for d in draws}) + 1}"


def compare(published: Mapping[str, Any], recomputed: Mapping[str, Any]) -> list[str]:
    """Fields of a published draw that differ from the re-run (empty: identical).
    ``commitments`` are compared only when the re-run made them (it needs the secret)."""
    keys = [
        "plan_sha256",
        "registry_sha256",
        "inspector_registry_sha256",
        "beacon",
        "seed",
        "algorithm",
        "in_scope",
        "exclusions",
        "strata",
        "visits",
        "teams",
        "assignments",
    ]
    if "commitments" in recomputed:
        keys.append("commitments")
    diffs = []
    for key in keys:
        default: list[Any] | None = [] if key in ("exclusions", "teams", "commitments") else None
        if published.get(key, default) != recomputed.get(key):
            diffs.append(key)
    return diffs
