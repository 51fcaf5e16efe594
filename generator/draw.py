"""The draw (摇号): targets and inspectors, from a public beacon, re-runnable by anyone.

This module is the specification; docs/draw-algorithm.md repeats it word for word.
It is pure: the shell gathers the inputs from published records, this computes.

**Inputs.** A task of a signed plan (and the plan's payload SHA-256 ``P``); the target
registry snapshot the task committed to (its SHA-256 must equal the task's
``scope.registry_sha256``); the inspector registry the task names; the earlier draws of
the same year (for the exclusion rules); and the beacon value ``B`` of the randomness
source the task named.

**1. Seed.** ``S = "gongkai-draw/1|" + task id + "|" + P + "|" + B`` where ``B`` is the
beacon label of the source the task's ``randomness`` names:

- ``drand-quicknet``: ``"drand-quicknet:" + round + ":" + randomness`` (randomness = hex
  SHA-256 of the BLS signature). The round is the one the task named, verified offline
  against the pinned quicknet key; its time is after the plan's publication day (Beijing
  time), and the draw is made after that time.
- ``ceremony``: ``"ceremony:" + digits``, the digits read out in public at the task's
  ``scheduled_at`` and ``place``: 20 to 200 ASCII digits 0-9 (20 digits from ten-sided dice
  carry 20 × log2(10) ≈ 66 bits). ``scheduled_at`` is after the plan's publication day, the
  draw is made no earlier than ``scheduled_at``, and the draw record needs the signatures
  of at least ``witnesses_required`` distinct witness keys (it states that number).
- ``lottery``: ``"lottery:" + key``, the official numbers of the lottery draw the task named
  as an RFC 3797 key string: for each source in order, its values in ascending order, each
  written in decimal and followed by ``.``, then ``/`` (e.g. ``9319./2.5.8.10.12./``). Its
  ``draw_date`` is after the plan's publication day (``draw_date`` > ``published_on``), and
  the draw is made on or after ``draw_date`` (Beijing time).

**2. Pool.** The registry rows in scope (all rows for 不定向; for 定向, the rows whose
value in every filter column is one of the listed values), minus exclusions. Each
excluded row is listed with the first reason that applies, in this order:
``inactive`` (its status column is not an active status: deregistered, revoked or closed);
``twice-this-year`` (already drawn by ``max_per_year`` = 2 earlier draws of the same
year); ``exempt`` (clean results in each of the last ``clean_years`` = 3 calendar years);
``same-item-other-agency`` (drawn for one of this task's items by another department's
task whose window overlaps this task's window); ``no-stratum`` (its values match no
stratum of the task).

**3. Strata.** Each stratum takes the pool rows matching its ``match`` values. With
``N`` rows, it draws ``k = count`` or ``k = ceil(ratio × N)``, computed with exact
decimals. A stratum with a positive ratio must not be empty, ``k`` must not exceed
``N``, and unless the task states a ``ratio_justification`` the strata together draw at
least ``ceil(0.03 × pool size)``.

**4. Targets.** For each stratum, the selection is
``sampler(sorted(ids), seed=S, take=k, output='id')`` of Rivest's consistent-sampler
1.0.10 (:mod:`generator.sampler`), with full-precision tickets. Across strata, targets
are visited in ascending ``(ticket, id)`` order; for 重点 items this is the order of the
inspection batches. With ``algorithm: rfc3797`` (only for a task whose source is
``lottery``, that has one stratum and draws targets), the selection is RFC 3797's instead
(:mod:`generator.rfc3797`): the stratum's ``sorted(ids)`` are numbered 1 … N, and step
j = 0, 1, … k − 1 takes, of the members not yet taken (kept in that order), the one at
0-based index ``MD5(u16be(j) ‖ key ‖ u16be(j)) mod R``, with ``key`` the lottery's key
string (not S) and R the number of members left. Each selected target records its number
(``position``) and the step's MD5 digest in lowercase hex (``digest``) instead of a ticket,
and targets are visited in selection order. Under either algorithm the inspectors (steps
5 and 5') are ranked by Rivest's sampler seeded by S. A target gets every item of the task
in one visit (进一次门，查多项事).

**5. Inspectors (分散).** Eligible: active inspectors whose unit is the lead or a
participating department. Each task needs one member from every one of its departments
and, together, every expertise its items require; a team has
``T = max(team_size, number of departments)`` members. For each target in visiting order,
the eligible ids are ranked by ``sampler(sorted(eligible), seed=S + "|inspectors|" + target)``
and walked in that order: a person who declared a conflict with the target is skipped
(回避), as is one who already has ``workload_cap`` assignments in this task; otherwise the
person joins the team if they bring a missing department or expertise, or if the free
places exceed the number of missing departments and expertises. The walk stops when the
team has ``T`` members and nothing is missing (it may pass ``T`` only to cover what is
still missing). The next ``reserves`` (= 2) people of the same walk who could have been
chosen are the ordered reserves (递补).

**5'. Inspectors (分组).** Teams first: all eligible ids ranked by
``sampler(sorted(eligible), seed=S + "|teams")`` are walked, building team G01, then G02 …
by the same joining rule, until no further complete team can be built. Then for each
target in visiting order the teams are ranked by
``sampler(sorted(team ids), seed=S + "|teams|" + target)``; the first team with no member
in conflict and under ``workload_cap`` is assigned, and the next eligible team is the
reserve.

**6. Single random (单随机).** A task that draws only targets assigns its
``assigned_inspectors`` to every target; one that draws only inspectors takes its
``assigned_targets`` in the order given. What was not drawn is recorded as assigned.

**7. Confidential strata (分层依据保密).** When a column of ``strata.by`` is private in the
registry (e.g. a firm's credit class), the draw is the same but the record does not say
who is in which stratum: each stratum states N, k and its ``highest_ticket`` (the largest
selected ticket) with an empty ``selected``, and the record lists ``commitments``, one per
pooled target in ascending id order: ``SHA-256(nonce ‖ UTF-8(class))`` in hex, where
``nonce = HMAC-SHA256(secret, UTF-8(task id + "|" + target))`` with the department's
32-byte draw secret and ``class`` is the target's values in the ``strata.by`` columns
joined by ``"|"``. The opening of a target is ``{target, class, nonce}``. Without
openings anyone can check that the commitments cover the pool, each selected ticket,
each k from N, and that no unselected pooled target has a ticket below every stratum's
highest selected ticket; with a target's opening, that it matches its commitment and that
the target was selected exactly when its ticket is at most its stratum's highest
selected ticket; with all openings, the whole draw.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .errors import GongkaiError
from .rfc3797 import SelectionError, select
from .sampler import order, sample

SEED_PREFIX = "gongkai-draw/1"
ALGORITHM = "rivest-consistent-sampler-1.0.10"
RFC3797 = "rfc3797"
MIN_OVERALL_RATIO = Decimal("0.03")
RESERVES = 2


class DrawError(GongkaiError):
    """The draw cannot be made (or re-made) as the task commits to."""


def make_seed(task_id: str, plan_sha256: str, beacon_label: str) -> str:
    """The seed string S, printed verbatim on the site."""
    return f"{SEED_PREFIX}|{task_id}|{plan_sha256}|{beacon_label}"


@dataclass(frozen=True)
class Person:
    """An inspector as the draw sees them."""

    id: str
    unit: str
    expertise: frozenset[str]
    conflicts: frozenset[str] = frozenset()
    active: bool = True


@dataclass(frozen=True)
class StratumSpec:
    match: Mapping[str, str]
    ratio: str | None
    count: int | None


@dataclass(frozen=True)
class History:
    """Earlier draws and results that the exclusion rules look at."""

    drawn_this_year: Mapping[str, int] = field(default_factory=dict)
    """target -> number of earlier (not voided) draws of the same year that drew it."""
    other_agency_items: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """target -> item ids drawn for it by another department's overlapping task."""
    clean_years: Mapping[str, frozenset[int]] = field(default_factory=dict)
    """target -> calendar years in which all its results were clean."""


@dataclass(frozen=True)
class TaskSpec:
    """What the task committed to, as plain values."""

    task_id: str
    year: int
    lead: str
    participants: tuple[str, ...]
    items: tuple[str, ...]
    """Item ids (without versions)."""
    expertise: tuple[str, ...]
    filter: Mapping[str, Sequence[str]]
    strata_by: tuple[str, ...]
    strata: tuple[StratumSpec, ...]
    draws_targets: bool
    draws_inspectors: bool
    matching: str
    team_size: int
    workload_cap: int | None
    ratio_justified: bool
    assigned_targets: tuple[str, ...] = ()
    assigned_inspectors: tuple[str, ...] = ()
    status_column: str = "status"
    active_statuses: tuple[str, ...] = ("存续",)
    max_per_year: int = 2
    clean_years: int = 3
    algorithm: str = ALGORITHM
    """How targets are selected: ALGORITHM (Rivest) or RFC3797."""


@dataclass
class Outcome:
    """Everything the draw computed: what the draw record states."""

    seed: str
    in_scope: int
    exclusions: list[dict[str, str]]
    strata: list[dict[str, Any]]
    visits: list[dict[str, Any]]
    """Selected targets in visiting order: {target, ticket} (ticket empty when assigned);
    under rfc3797 {target, position, digest}."""
    teams: list[dict[str, Any]] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)
    members: list[list[str]] = field(default_factory=list)
    """The pool ids of each stratum, sorted (not part of the record; the bundle lists them)."""
    algorithm: str = ALGORITHM
    confidential: bool = False
    """The strata use a private column: the record states commitments, not the strata's members."""
    commitments: list[dict[str, str]] | None = None
    """Confidential: one commitment per pooled target (None when the secret was not given)."""
    openings: list[dict[str, str]] = field(default_factory=list)
    """Confidential: the openings of the commitments (never published; for the department)."""


def k_for(spec: StratumSpec, n: int) -> int:
    """How many a stratum of ``n`` draws: its count, or ceil(ratio × n) exactly."""
    if spec.count is not None:
        return spec.count
    assert spec.ratio is not None
    return math.ceil(Decimal(spec.ratio) * n)


def _exclusion(
    task: TaskSpec, target: str, row: Mapping[str, str], history: History
) -> tuple[str, str] | None:
    status = row.get(task.status_column)
    if status is not None and status not in task.active_statuses:
        return "inactive", f"登记状态为{status}"
    drawn = history.drawn_this_year.get(target, 0)
    if drawn >= task.max_per_year:
        return "twice-this-year", f"{task.year}年已被抽中{drawn}次"
    clean = history.clean_years.get(target)
    if (
        clean
        and task.clean_years > 0
        and all(task.year - i in clean for i in range(1, task.clean_years + 1))
    ):
        return "exempt", f"连续{task.clean_years}年检查结果良好，免于抽查"
    other = history.other_agency_items.get(target)
    overlap = sorted(other & set(task.items)) if other else []
    if overlap:
        return "same-item-other-agency", f"同一事项已由其他部门检查：{'、'.join(overlap)}"
    return None


def _stratum_of(task: TaskSpec, row: Mapping[str, str]) -> int | None:
    for i, spec in enumerate(task.strata):
        if all(row.get(col) == value for col, value in spec.match.items()):
            return i
    return None


def build_pool(
    task: TaskSpec, rows: Mapping[str, Mapping[str, str]], history: History
) -> tuple[int, list[dict[str, str]], list[list[str]]]:
    """(rows in scope, exclusions, pool ids per stratum)."""
    in_scope = 0
    exclusions: list[dict[str, str]] = []
    members: list[list[str]] = [[] for _ in task.strata]
    for target in _candidates(task, rows):
        row = rows[target]
        if any(row.get(col) not in values for col, values in task.filter.items()):
            continue
        in_scope += 1
        excluded = _exclusion(task, target, row, history)
        if excluded is not None:
            exclusions.append({"target": target, "reason": excluded[0], "detail": excluded[1]})
            continue
        stratum = _stratum_of(task, row)
        if stratum is None:
            exclusions.append(
                {"target": target, "reason": "no-stratum", "detail": "不属于任何分层"}
            )
            continue
        members[stratum].append(target)
    return in_scope, exclusions, members


class Rows(dict[str, dict[str, str]]):
    """Registry rows by id that remember their ids in order and, per column, the ids
    with each value: a province re-runs thousands of draws over the same registry,
    each with its own filter. Treat as read-only once made."""

    def sorted_ids(self) -> list[str]:
        ids: list[str] | None = getattr(self, "_sorted", None)
        if ids is None:
            ids = self._sorted = sorted(self)
        return ids

    def ids_by_value(self, column: str) -> dict[str | None, list[str]]:
        by_column: dict[str, dict[str | None, list[str]]] = self.__dict__.setdefault("_by", {})
        index = by_column.get(column)
        if index is None:
            index = {}
            for target in self.sorted_ids():
                index.setdefault(self[target].get(column), []).append(target)
            by_column[column] = index
        return index


def _candidates(task: TaskSpec, rows: Mapping[str, Mapping[str, str]]) -> list[str]:
    """The ids that can be in scope, in sorted order: with :class:`Rows`, only those with
    one of the values of the task's first filter column (the caller checks them all)."""
    if not isinstance(rows, Rows):
        return sorted(rows)
    if not task.filter:
        return rows.sorted_ids()
    column, values = next(iter(task.filter.items()))
    index = rows.ids_by_value(column)
    return sorted(t for v in set(values) for t in index.get(v, ()))


def _describe(match: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in match.items()) or "all"


def lottery_key(task: TaskSpec, seed: str) -> str:
    """The RFC 3797 key string in the seed: the part of S after its last ``|lottery:``."""
    label = seed.rpartition("|")[2]
    if not label.startswith("lottery:"):
        raise DrawError(
            f"任务 {task.task_id}：rfc3797 算法需要彩票号码 / task {task.task_id}: rfc3797 selects "
            f"from lottery numbers (got the seed {seed!r}, expected one ending in |lottery:KEY)"
        )
    return label.removeprefix("lottery:")


def draw_targets(
    task: TaskSpec,
    seed: str,
    members: list[list[str]],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per-stratum selections, and every selected target in visiting order. ``progress``
    is told (ids hashed, pool size) as the sampler goes."""
    pool_size = sum(len(m) for m in members)
    hashed = 0
    if pool_size == 0:
        raise DrawError(
            f"task {task.task_id}: the pool is empty (no registry row in scope is drawable)"
        )
    rfc = task.algorithm == RFC3797
    if not rfc and task.algorithm != ALGORITHM:
        raise DrawError(
            f"任务 {task.task_id}：未知的摇号算法 / task {task.task_id}: unknown algorithm "
            f"(got {task.algorithm!r}, expected {ALGORITHM} or {RFC3797})"
        )
    if rfc and len(members) != 1:
        raise DrawError(
            f"任务 {task.task_id}：rfc3797 算法只用于单一分层 / task {task.task_id}: rfc3797 draws "
            f"one stratum (got {len(members)} strata, expected 1)"
        )
    key = lottery_key(task, seed) if rfc else ""
    strata: list[dict[str, Any]] = []
    visits: list[tuple[str, str]] = []
    in_order: list[dict[str, Any]] = []
    total_k = 0
    for spec, ids in zip(task.strata, members, strict=True):
        n = len(ids)
        k = k_for(spec, n)
        if n == 0 and (k > 0 or (spec.ratio is not None and Decimal(spec.ratio) > 0)):
            raise DrawError(
                f"task {task.task_id}: stratum {_describe(spec.match)} is empty but has a positive "
                f"{'ratio' if spec.ratio is not None else 'count'} (got N=0, expected at least one row)"
            )
        if k > n:
            raise DrawError(
                f"task {task.task_id}: stratum {_describe(spec.match)} draws more than it holds "
                f"(got k={k}, expected at most N={n})"
            )
        total_k += k
        entry: dict[str, Any] = {"match": dict(spec.match), "population": n, "take": k}
        entry["ratio" if spec.ratio is not None else "count"] = (
            spec.ratio if spec.ratio is not None else spec.count
        )
        if rfc:
            try:
                chosen_rfc = select(ids, key, k) if k else []
            except SelectionError as exc:
                raise DrawError(
                    f"任务 {task.task_id}：RFC 3797 选取失败 / task {task.task_id}: rfc3797: {exc}"
                ) from None
            entry["selected"] = [
                {"target": c.item, "position": c.position, "digest": c.digest} for c in chosen_rfc
            ]
            in_order.extend(entry["selected"])
        else:
            report = (
                None
                if progress is None
                else lambda done, _n, before=hashed: progress(before + done, pool_size)
            )
            chosen = sample(ids, seed, k, progress=report)
            entry["selected"] = [{"target": t, "ticket": tk} for tk, t in chosen]
            visits.extend(chosen)
        hashed += n
        strata.append(entry)
    minimum = math.ceil(MIN_OVERALL_RATIO * pool_size)
    if total_k < minimum and not task.ratio_justified:
        raise DrawError(
            f"task {task.task_id}: the strata draw {total_k} of {pool_size}, below the 3% minimum "
            f"(got {total_k}, expected at least {minimum}, or a ratio_justification in the signed plan)"
        )
    if rfc:
        return strata, in_order
    visits.sort()
    return strata, [{"target": t, "ticket": tk} for tk, t in visits]


@dataclass
class _Needs:
    departments: set[str]
    expertise: set[str]

    def helped_by(self, p: Person) -> bool:
        return p.unit in self.departments or bool(p.expertise & self.expertise)

    def take(self, p: Person) -> None:
        self.departments.discard(p.unit)
        self.expertise -= p.expertise

    @property
    def unmet(self) -> int:
        return len(self.departments) + len(self.expertise)


def _team_size(task: TaskSpec) -> int:
    return max(task.team_size, 1 + len(task.participants))


def _needs(task: TaskSpec) -> _Needs:
    return _Needs({task.lead, *task.participants}, set(task.expertise))


def _walk(
    task: TaskSpec, ranking: Sequence[str], people: Mapping[str, Person], usable: Any
) -> tuple[list[str], list[str], list[dict[str, str]]]:
    """Build one team from a ranking; return (team, reserves, skipped)."""
    size = _team_size(task)
    needs = _needs(task)
    team: list[str] = []
    reserves: list[str] = []
    skipped: list[dict[str, str]] = []
    done = False
    for pid in ranking:
        why = usable(pid)
        if why is not None:
            skipped.append({"inspector": pid, "reason": why})
            continue
        person = people[pid]
        if done:
            reserves.append(pid)
            if len(reserves) == RESERVES:
                break
            continue
        free = size - len(team)
        if needs.helped_by(person) or free > needs.unmet:
            team.append(pid)
            needs.take(person)
        if len(team) >= size and needs.unmet == 0:
            done = True
    if not done:
        missing = sorted(needs.departments) + sorted(needs.expertise)
        raise DrawError(
            f"task {task.task_id}: too few eligible inspectors for a team "
            f"(got {len(team)} of {size}; still missing: {', '.join(missing) or 'members'})"
        )
    return team, reserves, skipped


def eligible_people(task: TaskSpec, people: Mapping[str, Person]) -> list[str]:
    units = {task.lead, *task.participants}
    return sorted(pid for pid, p in people.items() if p.active and p.unit in units)


def inspector_ranking(eligible: Sequence[str], seed: str, target: str) -> list[str]:
    """分散: the eligible inspectors in the order they are walked for ``target``."""
    return [pid for _, pid in order(eligible, f"{seed}|inspectors|{target}")]


def assign_dispersed(
    task: TaskSpec, seed: str, visits: Sequence[Mapping[str, str]], people: Mapping[str, Person]
) -> list[dict[str, Any]]:
    """分散: a team per target, in visiting order."""
    eligible = eligible_people(task, people)
    load: Counter[str] = Counter()
    out: list[dict[str, Any]] = []
    for visit in visits:
        target = visit["target"]

        def usable(pid: str, target: str = target) -> str | None:
            if target in people[pid].conflicts:
                return "回避"
            if task.workload_cap is not None and load[pid] >= task.workload_cap:
                return "已达工作量上限"
            return None

        ranking = inspector_ranking(eligible, seed, target)
        team, reserves, skipped = _walk(task, ranking, people, usable)
        for pid in team:
            load[pid] += 1
        recusals = [s for s in skipped if s["reason"] == "回避"]
        out.append({"target": target, "members": team, "reserves": reserves, "recusals": recusals})
    return out


def draw_teams(task: TaskSpec, seed: str, people: Mapping[str, Person]) -> list[dict[str, Any]]:
    """分组: build teams G01, G02 … from one ranking of all eligible inspectors."""
    remaining = [pid for _, pid in order(eligible_people(task, people), f"{seed}|teams")]
    teams: list[dict[str, Any]] = []
    while remaining:
        try:
            team, _, _ = _walk(task, remaining, people, lambda _pid: None)
        except DrawError:
            break
        teams.append({"team": f"G{len(teams) + 1:02d}", "members": team})
        remaining = [pid for pid in remaining if pid not in team]
    if not teams:
        raise DrawError(f"task {task.task_id}: too few eligible inspectors to build one team")
    return teams


def assign_grouped(
    task: TaskSpec,
    seed: str,
    visits: Sequence[Mapping[str, str]],
    people: Mapping[str, Person],
    teams: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """分组: match the drawn teams to targets in visiting order."""
    by_id = {t["team"]: t["members"] for t in teams}
    load: Counter[str] = Counter()
    out: list[dict[str, Any]] = []
    for visit in visits:
        target = visit["target"]
        ranking = [tid for _, tid in order(sorted(by_id), f"{seed}|teams|{target}")]
        chosen: list[str] = []
        recusals: list[dict[str, str]] = []
        for tid in ranking:
            if any(target in people[m].conflicts for m in by_id[tid]):
                recusals.append({"inspector": tid, "reason": "回避"})
                continue
            if task.workload_cap is not None and load[tid] >= task.workload_cap:
                continue
            chosen.append(tid)
            if len(chosen) == 2:
                break
        if not chosen:
            raise DrawError(
                f"task {task.task_id}: no team is free to inspect {target} (conflicts or workload)"
            )
        load[chosen[0]] += 1
        out.append(
            {
                "target": target,
                "team": chosen[0],
                "members": list(by_id[chosen[0]]),
                "reserves": chosen[1:],
                "recusals": recusals,
            }
        )
    return out


def run_draw(
    task: TaskSpec,
    seed: str,
    rows: Mapping[str, Mapping[str, str]],
    people: Mapping[str, Person],
    history: History,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """The whole draw, from its inputs: the same inputs always give the same outcome."""
    if task.draws_targets:
        in_scope, exclusions, members = build_pool(task, rows, history)
        strata, visits = draw_targets(task, seed, members, progress)
    else:
        members = []
        unknown = [t for t in task.assigned_targets if t not in rows]
        if unknown:
            raise DrawError(
                f"task {task.task_id}: assigned targets not in the registry (got {', '.join(unknown)})"
            )
        in_scope, exclusions, strata = len(task.assigned_targets), [], []
        visits = [{"target": t, "ticket": ""} for t in task.assigned_targets]
    outcome = Outcome(
        seed, in_scope, exclusions, strata, visits, members=members, algorithm=task.algorithm
    )
    if not task.draws_inspectors:
        unknown = [p for p in task.assigned_inspectors if p not in people]
        if unknown or len(task.assigned_inspectors) < 2:
            raise DrawError(
                f"task {task.task_id}: a task that does not draw inspectors names at least two "
                f"registered inspectors (got {', '.join(task.assigned_inspectors) or 'none'})"
            )
        outcome.assignments = [
            {
                "target": v["target"],
                "members": list(task.assigned_inspectors),
                "reserves": [],
                "recusals": [],
            }
            for v in visits
        ]
    else:
        outcome.teams, outcome.assignments = assign_inspectors(task, seed, visits, people)
    return outcome


def assign_inspectors(
    task: TaskSpec, seed: str, visits: Sequence[Mapping[str, str]], people: Mapping[str, Person]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(teams, assignments) for the visits, by the task's matching mode (steps 5 and 5')."""
    if task.matching == "分组":
        teams = draw_teams(task, seed, people)
        return teams, assign_grouped(task, seed, visits, people, teams)
    return [], assign_dispersed(task, seed, visits, people)
