"""Checks across records: paths, version chains, references, registries, privacy.

Each record has already passed its own model. What is checked here needs
more than one record (or a record and its file): that a plan cites item
versions that exist, that version N+1 names the digest of version N, that a
task's registry snapshot is the one whose SHA-256 it committed to, that every
result code is in the code list, and so on. Every problem found is reported.
"""

from __future__ import annotations

import functools
import typing
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .codes import find_personal_numbers
from .content import Content, Loaded, display_path
from .errors import Problem
from .models import (
    FREE_TEXT,
    ChecklistItem,
    Department,
    DisposalList,
    Draw,
    InspectorRegistry,
    KeyRegistry,
    Plan,
    Record,
    Result,
    ResultCode,
    ResultCodeList,
    Root,
    TargetRegistry,
    Task,
    Void,
)
from .registry import RegistryScan, scan_registry
from .validate_draws import check_draws
from .yamlsafe import Path_


@dataclass
class Report:
    """The outcome of validating a content tree."""

    content: Content
    problems: list[Problem] = field(default_factory=list)
    registry_scans: dict[str, RegistryScan] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def unsigned(self) -> list[Loaded]:
        return [r for r in self.content.records if r.signatures is None]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for r in self.content.records:
            out[type(r.record).KIND] += 1
        return dict(out)


def _expected_location(loaded: Loaded) -> str | None:
    """The path (relative to content/) a record must live at."""
    rec = loaded.record
    v = f"v{rec.version}.yaml"
    if isinstance(rec, Department):
        return f"departments/{rec.id}.yaml"
    if isinstance(rec, ChecklistItem):
        return f"checklist/{rec.department}/{rec.id}/{v}"
    if isinstance(rec, TargetRegistry):
        return f"registries/targets/{rec.id}/{v}"
    if isinstance(rec, InspectorRegistry):
        return f"registries/inspectors/{rec.id}/{v}"
    if isinstance(rec, Plan):
        return f"plans/{rec.year}/{rec.id}/{v}"
    if isinstance(rec, Result):
        return f"results/{rec.published_on[:4]}/{rec.id}/{v}"
    if isinstance(rec, Root):
        return f"root/{rec.version}.yaml"
    if isinstance(rec, KeyRegistry):
        return f"keys/{v}"
    if isinstance(rec, Draw):
        return f"draws/{rec.drawn_at[:4]}/{rec.id}/{v}"
    if isinstance(rec, Void):
        return f"voids/{rec.voided_on[:4]}/{rec.id}/{v}"
    return None


class _Index:
    """Records by kind, id and version."""

    def __init__(self, records: list[Loaded], broken: set[tuple[str, str]] | None = None) -> None:
        self.broken = broken or set()
        self.by_kind: dict[str, dict[str, dict[int, Loaded]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        self.duplicates: list[tuple[Loaded, Loaded]] = []
        for r in records:
            versions = self.by_kind[type(r.record).KIND][r.record.id]
            if r.record.version in versions:
                self.duplicates.append((versions[r.record.version], r))
            else:
                versions[r.record.version] = r

    def get(self, kind: str, ref: str) -> Loaded | None:
        rid, _, version = ref.partition("@")
        versions = self.by_kind.get(kind, {}).get(rid)
        if not versions:
            return None
        if version:
            return versions.get(int(version))
        return versions[max(versions)]

    def is_broken(self, kind: str, ref: str) -> bool:
        """True when the record ``ref`` names failed its own checks (already reported)."""
        return (kind, ref.partition("@")[0]) in self.broken

    def versions(self, kind: str, rid: str) -> list[int]:
        return sorted(self.by_kind.get(kind, {}).get(rid, {}))

    def ids(self, kind: str) -> set[str]:
        return set(self.by_kind.get(kind, {}))


def validate(content: Content, progress: Callable[[str], None] | None = None) -> Report:
    """Run every cross-record check on loaded content."""
    report = Report(content, list(content.problems))
    add = report.problems.append
    index = _Index(content.records, content.broken)
    config_index = _Index(content.config_records)

    for first, again in index.duplicates:
        add(
            again.problem(
                "version",
                f"the same id and version twice (got {again.record.ref}, also in {first.path})",
                "version",
            )
        )

    for r in content.records:
        expected = _expected_location(r)
        if expected is None:
            continue
        actual = Path(r.path).resolve().relative_to(content.root.resolve()).as_posix()
        if actual != expected:
            expected = display_path(content.root / expected)
            add(
                Problem(
                    r.path,
                    0,
                    0,
                    "",
                    f"record is in the wrong place (got {r.path}, expected {expected})",
                )
            )

    _check_version_chains(index, add)
    departments = index.ids("department")

    def need_department(r: Loaded, dept: str, where: str, *path: str | int) -> None:
        if dept not in departments and not index.is_broken("department", dept):
            add(
                r.problem(
                    where,
                    f"unknown department (got {dept!r}, expected one of: "
                    f"{', '.join(sorted(departments)) or 'none defined'})",
                    *path,
                )
            )

    codes: ResultCodeList | None = None
    disposals: DisposalList | None = None
    site = content.site
    if site is not None:
        loaded_codes = config_index.get("result-codes", site.result_codes)
        loaded_disp = config_index.get("disposals", site.disposals)
        if loaded_codes is None or not isinstance(loaded_codes.record, ResultCodeList):
            add(
                Problem(
                    display_path(content.config_root / "site.yaml"),
                    0,
                    0,
                    "result_codes",
                    f"no such result code list (got {site.result_codes!r})",
                )
            )
        else:
            codes = loaded_codes.record
        if loaded_disp is None or not isinstance(loaded_disp.record, DisposalList):
            add(
                Problem(
                    display_path(content.config_root / "site.yaml"),
                    0,
                    0,
                    "disposals",
                    f"no such disposal list (got {site.disposals!r})",
                )
            )
        else:
            disposals = loaded_disp.record

    for r in content.records:
        rec = r.record
        if isinstance(rec, ChecklistItem):
            need_department(r, rec.department, "department", "department")
            for i, d in enumerate(rec.joint_departments):
                need_department(r, d, f"joint_departments[{i}]", "joint_departments", i)
        elif isinstance(rec, TargetRegistry | InspectorRegistry | Plan | Result):
            need_department(r, rec.department, "department", "department")
        if isinstance(rec, KeyRegistry):
            for i, key in enumerate(rec.keys):
                if key.department is not None:
                    need_department(
                        r, key.department, f"keys[{i}].department", "keys", i, "department"
                    )
        if isinstance(rec, InspectorRegistry):
            for i, person in enumerate(rec.inspectors):
                need_department(r, person.unit, f"inspectors[{i}].unit", "inspectors", i, "unit")

    for r in content.records:
        if isinstance(r.record, TargetRegistry):
            csv_path = Path(r.path).parent / r.record.file
            if progress is not None:
                progress(display_path(csv_path))
            scan = scan_registry(r.record, str(csv_path), display_path(csv_path))
            report.registry_scans[r.record.ref] = scan
            report.problems.extend(scan.problems)

    for r in content.records:
        if isinstance(r.record, Plan):
            _check_plan(r, r.record, index, report, need_department)
    for r in content.records:
        if isinstance(r.record, Result):
            _check_result(r, r.record, index, report, codes, disposals)
    check_draws(content, add)

    for r in [*content.records, *content.config_records]:
        for path, text in _free_text(r.record, ()):
            for found in find_personal_numbers(text):
                line, col = r.position(*path)
                add(
                    Problem(
                        r.path,
                        line,
                        col,
                        _dotted((*r.prefix, *path)),
                        f"personal data in a public record (got {found}, expected none: "
                        "remove it or keep it in a private field)",
                    )
                )
    return report


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + part
    return out


def _has_marker(tp: Any) -> bool:
    if typing.get_origin(tp) is typing.Annotated and FREE_TEXT in typing.get_args(tp)[1:]:
        return True
    return any(_has_marker(arg) for arg in typing.get_args(tp))


def _is_free_text(info: Any) -> bool:
    return FREE_TEXT in info.metadata or _has_marker(info.annotation)


def _free_text(model: BaseModel, at: Path_) -> Iterator[tuple[Path_, str]]:
    """Every free-text string in a model, with its data path."""
    for name, key, free in _fields(type(model)):
        value = getattr(model, name)
        here = (*at, key)
        if isinstance(value, BaseModel):
            yield from _free_text(value, here)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _free_text(item, (*here, i))
                elif free and isinstance(item, str):
                    yield (*here, i), item
        elif free and isinstance(value, str):
            yield here, value


@functools.cache
def _fields(cls: type[BaseModel]) -> tuple[tuple[str, str, bool], ...]:
    """(attribute, key as written, whether it holds free text) of each field of a model."""
    return tuple(
        (name, info.alias or name, _is_free_text(info)) for name, info in cls.model_fields.items()
    )


def _check_version_chains(index: _Index, add: Callable[[Problem], None]) -> None:
    for kind, by_id in index.by_kind.items():
        for rid, versions in by_id.items():
            numbers = sorted(versions)
            for n in numbers:
                r = versions[n]
                if n > 1 and (n - 1) not in versions:
                    add(
                        r.problem(
                            "version",
                            f"version {n - 1} of {rid!r} is missing "
                            f"(got versions {', '.join(map(str, numbers))}, expected 1 to {max(numbers)})",
                            "version",
                        )
                    )
                    continue
                if n > 1:
                    prev = versions[n - 1]
                    if r.record.supersedes != prev.digest:
                        add(
                            r.problem(
                                "supersedes",
                                f"does not match version {n - 1} "
                                f"(got {r.record.supersedes}, expected {prev.digest}; "
                                f"was {prev.path} edited? history is never overwritten)",
                                "supersedes",
                            )
                        )
                    if kind == "checklist-item":
                        a, b = prev.record, r.record
                        assert isinstance(a, ChecklistItem)
                        assert isinstance(b, ChecklistItem)
                        if a.department != b.department:
                            add(
                                r.problem(
                                    "department",
                                    f"an item cannot move to another department "
                                    f"(got {b.department!r}, expected {a.department!r})",
                                    "department",
                                )
                            )


def _check_plan(
    r: Loaded,
    plan: Plan,
    index: _Index,
    report: Report,
    need_department: Callable[..., None],
) -> None:
    add = report.problems.append
    for t, task in enumerate(plan.tasks):
        base: tuple[str | int, ...] = ("tasks", t)
        f = f"tasks[{t}]"
        need_department(r, task.lead, f"{f}.lead", *base, "lead")
        for i, d in enumerate(task.participants):
            need_department(r, d, f"{f}.participants[{i}]", *base, "participants", i)
        task_depts = {task.lead, *task.participants}
        known_departments = index.ids("department")
        items: list[ChecklistItem] = []
        for i, ref in enumerate(task.items):
            where = (*base, "items", i)
            rid, _, version = ref.partition("@")
            versions = index.versions("checklist-item", rid)
            if index.is_broken("checklist-item", rid):
                continue
            if not versions:
                add(
                    r.problem(
                        f"{f}.items[{i}]",
                        f"unknown checklist item (got {ref!r}, expected an item id "
                        "from content/checklist)",
                        *where,
                    )
                )
                continue
            if not version:
                cites = " or ".join(f"'{rid}@{v}'" for v in versions)
                add(
                    r.problem(
                        f"{f}.items[{i}]",
                        f"cite the item's version (got {ref!r}, expected {cites}; "
                        f"item {rid} has version{'s' if len(versions) > 1 else ''} "
                        f"{', '.join(map(str, versions))})",
                        *where,
                    )
                )
                continue
            hit = index.get("checklist-item", ref)
            if hit is None:
                add(
                    r.problem(
                        f"{f}.items[{i}]",
                        f"no such version (got {ref!r}, expected one of: "
                        f"{', '.join(f'{rid}@{v}' for v in versions)})",
                        *where,
                    )
                )
                continue
            item = hit.record
            assert isinstance(item, ChecklistItem)
            items.append(item)
            if task_depts <= known_departments and item.department not in task_depts:
                add(
                    r.problem(
                        f"{f}.items[{i}]",
                        f"the item belongs to {item.department!r}, which is neither "
                        f"the lead nor a participant (got lead {task.lead!r}, participants "
                        f"{', '.join(task.participants) or 'none'})",
                        *where,
                    )
                )
            if item.effective_from > plan.published_on:
                add(
                    r.problem(
                        f"{f}.items[{i}]",
                        f"the item version is not yet in force when the plan is "
                        f"published (got effective_from {item.effective_from}, expected on or before "
                        f"{plan.published_on})",
                        *where,
                    )
                )
        _check_scope(r, task, base, f, index, report)
        _check_ratios(r, task, items, base, f, add)
        reg = index.get("inspector-registry", task.inspectors.registry)
        if reg is None and index.is_broken("inspector-registry", task.inspectors.registry):
            pass
        elif reg is None:
            add(
                r.problem(
                    f"{f}.inspectors.registry",
                    f"unknown inspector registry (got "
                    f"{task.inspectors.registry!r}, expected ID@VERSION of a registry in "
                    "content/registries/inspectors)",
                    *base,
                    "inspectors",
                    "registry",
                )
            )
        elif "@" not in task.inspectors.registry:
            add(
                r.problem(
                    f"{f}.inspectors.registry",
                    f"cite the registry's version (got "
                    f"{task.inspectors.registry!r}, expected {reg.record.ref!r})",
                    *base,
                    "inspectors",
                    "registry",
                )
            )
        if task.window.start < plan.published_on:
            add(
                r.problem(
                    f"{f}.window.start",
                    f"inspections start before the plan is published "
                    f"(got {task.window.start}, expected on or after {plan.published_on})",
                    *base,
                    "window",
                    "start",
                )
            )


def _check_scope(
    r: Loaded, task: Task, base: tuple[str | int, ...], f: str, index: _Index, report: Report
) -> None:
    add = report.problems.append
    ref = task.scope.registry
    hit = index.get("target-registry", ref)
    if hit is None and index.is_broken("target-registry", ref):
        return
    if hit is None or "@" not in ref:
        versions = index.versions("target-registry", ref.partition("@")[0])
        expected = (
            ", ".join(f"{ref.partition('@')[0]}@{v}" for v in versions)
            or "a registry in content/registries/targets"
        )
        add(
            r.problem(
                f"{f}.scope.registry",
                f"unknown registry snapshot (got {ref!r}, expected {expected})",
                *base,
                "scope",
                "registry",
            )
        )
        return
    reg = hit.record
    assert isinstance(reg, TargetRegistry)
    if task.scope.registry_sha256 != reg.sha256:
        add(
            r.problem(
                f"{f}.scope.registry_sha256",
                f"does not match the snapshot {ref} "
                f"(got {task.scope.registry_sha256}, expected {reg.sha256})",
                *base,
                "scope",
                "registry_sha256",
            )
        )
    for column, values in task.scope.filter.items():
        col = reg.column(column)
        if col is None:
            add(
                r.problem(
                    f"{f}.scope.filter.{column}",
                    f"no such registry column (got {column!r}, expected "
                    f"one of: {', '.join(c.name for c in reg.columns)})",
                    *base,
                    "scope",
                    "filter",
                    column,
                )
            )
            continue
        if col.visibility == "private":
            add(
                r.problem(
                    f"{f}.scope.filter.{column}",
                    f"a private column cannot define a public scope (got {column!r})",
                    *base,
                    "scope",
                    "filter",
                    column,
                )
            )
        if col.values is not None:
            for v in values:
                if v not in col.values:
                    add(
                        r.problem(
                            f"{f}.scope.filter.{column}",
                            f"value not in the column (got {v!r}, "
                            f"expected one of: {', '.join(col.values)})",
                            *base,
                            "scope",
                            "filter",
                            column,
                        )
                    )
    for i, column in enumerate(task.strata.by):
        col = reg.column(column)
        if col is None or col.type not in ("enum", "bool"):
            add(
                r.problem(
                    f"{f}.strata.by[{i}]",
                    f"strata need an enum or yes/no column (got {column!r}, "
                    f"expected one of: {', '.join(c.name for c in reg.columns if c.type in ('enum', 'bool'))})",
                    *base,
                    "strata",
                    "by",
                    i,
                )
            )
    seen: set[tuple[tuple[str, str], ...]] = set()
    for g, group in enumerate(task.strata.groups):
        where = (*base, "strata", "groups", g, "match")
        if set(group.match) != set(task.strata.by):
            add(
                r.problem(
                    f"{f}.strata.groups[{g}].match",
                    f"a stratum must give a value for each column in "
                    f"strata.by (got {', '.join(group.match) or 'none'}, expected "
                    f"{', '.join(task.strata.by) or 'none'})",
                    *where,
                )
            )
            continue
        key = tuple(sorted(group.match.items()))
        if key in seen:
            add(
                r.problem(
                    f"{f}.strata.groups[{g}].match",
                    "the same stratum twice (expected each once)",
                    *where,
                )
            )
        seen.add(key)
        for column, value in group.match.items():
            col = reg.column(column)
            allowed = (
                col.values
                if col is not None and col.values is not None
                else (["是", "否"] if col is not None and col.type == "bool" else None)
            )
            if allowed is not None and value not in allowed:
                add(
                    r.problem(
                        f"{f}.strata.groups[{g}].match.{column}",
                        f"value not in the column "
                        f"(got {value!r}, expected one of: {', '.join(allowed)})",
                        *where,
                        column,
                    )
                )


def _check_ratios(
    r: Loaded,
    task: Task,
    items: list[ChecklistItem],
    base: tuple[str | int, ...],
    f: str,
    add: Callable[[Problem], None],
) -> None:
    if task.ratio_justification is not None:
        return
    for g, group in enumerate(task.strata.groups):
        if group.ratio is None:
            continue
        ratio = Decimal(group.ratio)
        where = (*base, "strata", "groups", g, "ratio")
        for item in items:
            low = Decimal(item.ratio.min)
            if ratio < low:
                add(
                    r.problem(
                        f"{f}.strata.groups[{g}].ratio",
                        f"below the minimum of item {item.ref} "
                        f"(got {group.ratio!r}, expected at least {item.ratio.min!r}, "
                        "or a ratio_justification)",
                        *where,
                    )
                )
            if (
                item.category == "一般"
                and item.ratio.max is not None
                and ratio > Decimal(item.ratio.max)
            ):
                add(
                    r.problem(
                        f"{f}.strata.groups[{g}].ratio",
                        f"above the cap of 一般 item {item.ref} "
                        f"(got {group.ratio!r}, expected at most {item.ratio.max!r}, "
                        "or a ratio_justification)",
                        *where,
                    )
                )


def _leaf_codes(node: ResultCode) -> list[str]:
    if not node.children:
        return [node.code]
    return [code for child in node.children for code in _leaf_codes(child)]


def _check_result(
    r: Loaded,
    result: Result,
    index: _Index,
    report: Report,
    codes: ResultCodeList | None,
    disposals: DisposalList | None,
) -> None:
    add = report.problems.append
    plan_hit = index.get("plan", result.plan)
    if plan_hit is None and index.is_broken("plan", result.plan):
        return
    if plan_hit is None or "@" not in result.plan:
        add(
            r.problem(
                "plan",
                f"unknown plan (got {result.plan!r}, expected ID@VERSION of a plan in "
                "content/plans)",
                "plan",
            )
        )
        return
    plan = plan_hit.record
    assert isinstance(plan, Plan)
    task = next((t for t in plan.tasks if t.id == result.task), None)
    if task is None:
        add(
            r.problem(
                "task",
                f"no such task in {result.plan} (got {result.task!r}, expected one of: "
                f"{', '.join(t.id for t in plan.tasks)})",
                "task",
            )
        )
        return
    departments = index.ids("department")
    task_depts_known = {task.lead, *task.participants} <= departments
    if task_depts_known and result.department not in {task.lead, *task.participants}:
        add(
            r.problem(
                "department",
                f"only the task's departments publish its results (got "
                f"{result.department!r}, expected {task.lead!r}"
                f"{''.join(', ' + repr(p) for p in task.participants)})",
                "department",
            )
        )
    if codes is not None and result.code_list != codes.ref:
        add(
            r.problem(
                "code_list",
                f"not the site's result code list (got {result.code_list!r}, "
                f"expected {codes.ref!r})",
                "code_list",
            )
        )
    flat = codes.flat() if codes is not None else {}
    leaves = {c for c, (node, _) in flat.items() if not node.children}
    scan = report.registry_scans.get(task.scope.registry)
    inspectors_hit = index.get("inspector-registry", task.inspectors.registry)
    people = (
        {p.id for p in inspectors_hit.record.inspectors}
        if inspectors_hit is not None and isinstance(inspectors_hit.record, InspectorRegistry)
        else None
    )
    task_items = set(task.items)
    # A task citing an unknown item is reported on the plan; checking results
    # against that list would only repeat the mistake.
    task_items_known = all(index.get("checklist-item", ref) is not None for ref in task.items)

    def check_code(code: str, field_path: str, *path: str | int) -> None:
        if not flat:
            return
        if code not in flat:
            add(
                r.problem(
                    field_path,
                    f"unknown result code (got {code!r}, expected one of: "
                    f"{', '.join(c for c in flat if c in leaves)})",
                    *path,
                )
            )
        elif code not in leaves:
            node, _ = flat[code]
            add(
                r.problem(
                    field_path,
                    f"use the most specific code (got {code!r} {node.label}, expected one of "
                    f"its most specific sub-codes: {', '.join(_leaf_codes(node))})",
                    *path,
                )
            )

    for e, entry in enumerate(result.entries):
        base: tuple[str | int, ...] = ("entries", e)
        f = f"entries[{e}]"
        check_code(entry.result, f"{f}.result", *base, "result")
        for i, item in enumerate(entry.items):
            check_code(item.result, f"{f}.items[{i}].result", *base, "items", i, "result")
            if task_items_known and item.item not in task_items:
                add(
                    r.problem(
                        f"{f}.items[{i}].item",
                        f"not an item of task {task.id} (got {item.item!r}, "
                        f"expected one of: {', '.join(task.items)})",
                        *base,
                        "items",
                        i,
                        "item",
                    )
                )
        if disposals is not None:
            for i, d in enumerate(entry.disposal):
                if d not in disposals.options:
                    add(
                        r.problem(
                            f"{f}.disposal[{i}]",
                            f"not a standard 后续处置 (got {d!r}, expected one of: "
                            f"{', '.join(disposals.options)})",
                            *base,
                            "disposal",
                            i,
                        )
                    )
        if people is not None:
            for i, pid in enumerate(entry.inspectors):
                if pid not in people:
                    add(
                        r.problem(
                            f"{f}.inspectors[{i}]",
                            f"unknown inspector (got {pid!r}, expected an id from "
                            f"{task.inspectors.registry})",
                            *base,
                            "inspectors",
                            i,
                        )
                    )
        if scan is not None and scan.complete:
            if entry.target not in scan.ids:
                add(
                    r.problem(
                        f"{f}.target",
                        f"not in the task's registry snapshot (got {entry.target!r}, "
                        f"expected a target of {task.scope.registry})",
                        *base,
                        "target",
                    )
                )
            elif (
                entry.target_name is not None and scan.names.get(entry.target) != entry.target_name
            ):
                add(
                    r.problem(
                        f"{f}.target_name",
                        f"does not match the registry (got {entry.target_name!r}, "
                        f"expected {scan.names.get(entry.target)!r})",
                        *base,
                        "target_name",
                    )
                )
        if entry.completed_on < task.window.start:
            add(
                r.problem(
                    f"{f}.completed_on",
                    f"before the task's window (got {entry.completed_on}, "
                    f"expected on or after {task.window.start})",
                    *base,
                    "completed_on",
                )
            )


def record_kind(record: Record) -> str:
    """The kind name of a record, e.g. ``plan``."""
    return type(record).KIND
