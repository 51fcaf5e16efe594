"""The draw bundle: one JSON file that lets anyone re-run and check a draw without the site.

A bundle (format ``gongkai-draw-bundle/1``, JSON Schema
``schemas/draw-bundle.v1.schema.json``, described in docs/draw-bundle.md) is published
at ``draws/<task-id>/bundle.json``. It carries

* the signed records, as DSSE envelopes: the draw, the plan whose task it draws, the
  checklist items the task names, and the trust chain (every root version and every
  key registry version) that their signatures are checked against;
* the inputs that are not in those records: the pool ids of every stratum (sorted),
  the inspectors the draw could choose from;
* copies of the outcome (selection with full tickets, visiting order, teams,
  assignments) for readers who only want to look, which must equal the signed record.

:func:`verify_bundle` checks a bundle on its own and says, check by check, what it
could not check from the bundle alone (the registry snapshot and the inspector
registry carry private columns, so only their SHA-256 is public).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from . import strictjson
from .canonical import record_digest
from .confidential import (
    ConfidentialStratum,
    Opening,
    check_openings,
    conceal,
    public_checks,
)
from .content import Content, Loaded
from .draw import (
    ALGORITHM,
    RFC3797,
    DrawError,
    Person,
    TaskSpec,
    assign_inspectors,
    draw_targets,
    make_seed,
)
from .envelope import dsse_envelope
from .errors import GongkaiError
from .models import (
    RECORD_KINDS,
    Assignment,
    ChecklistItem,
    Commitment,
    Draw,
    Excluded,
    Id,
    InspectorRegistry,
    KeyRegistry,
    Plan,
    Record,
    Root,
    Strict,
    TeamDrawn,
    Ticketed,
    Void,
)
from .signing import pae, payload_type
from .trust import (
    Check,
    SignedDoc,
    StatedClock,
    verify_key_registry,
    verify_record,
    verify_root_chain,
)

BUNDLE_FORMAT = "gongkai-draw-bundle/1"
MAX_BUNDLE_BYTES = 512 * 2**20
"""A bundle of 10,000,000 pool ids is about 250 MB."""
SEED_FORMULA = '"gongkai-draw/1|" + task id + "|" + plan payload SHA-256 + "|" + beacon label'


class BundleError(GongkaiError):
    """A bundle that cannot be read (not JSON, not the format, or not where it was said)."""


class DsseSignature(Strict):
    keyid: str
    sig: str


class DsseEnvelope(Strict):
    """A signed record as DSSE: ``payload`` is base64 of the record's RFC 8785 JSON."""

    payloadType: str  # noqa: N815 - DSSE's field name
    payload: str
    signatures: list[DsseSignature]


class BundleStratum(Strict):
    """One stratum's pool, as the draw saw it."""

    match: dict[str, str] = Field(default_factory=dict)
    population: int = Field(ge=0)
    """N, the number of pool ids."""
    take: int = Field(ge=0)
    """k."""
    ids: list[str] | None = None
    """The pool ids, in ascending order; None for a confidential stratum (see commitments)."""
    selected: list[Ticketed]
    """The first k in ticket order, with full tickets."""
    highest_ticket: str | None = None
    """The largest selected ticket (None when nothing was taken)."""


class BundleInspector(Strict):
    """An inspector the draw could choose from: the public fields it needs."""

    id: Id
    unit: Id
    expertise: list[str] = Field(default_factory=list)
    conflicts: list[str] = Field(default_factory=list)
    active: bool = True


class BundleTrust(Strict):
    root: list[DsseEnvelope] = Field(min_length=1)
    """Every root version, 1 … N."""
    keys: list[DsseEnvelope] = Field(min_length=1)
    """Every key registry version."""


class DrawBundle(Strict):
    """摇号数据包: everything needed to re-run one draw (format gongkai-draw-bundle/1)."""

    format: Literal["gongkai-draw-bundle/1"]
    draw: str
    """The draw record, ID@VERSION."""
    task: Id
    algorithm: str
    seed_formula: str
    seed: str
    in_scope: int = Field(ge=0)
    excluded: list[Excluded] = Field(default_factory=list)
    strata: list[BundleStratum] = Field(default_factory=list)
    visits: list[Ticketed]
    inspectors: list[BundleInspector] = Field(default_factory=list)
    teams: list[TeamDrawn] = Field(default_factory=list)
    assignments: list[Assignment] = Field(default_factory=list)
    commitments: list[Commitment] = Field(default_factory=list)
    """Confidential strata: the record's commitments, one per pooled target."""
    voided_by: str | None = None
    """The void record (ID@VERSION) when this draw was declared void."""
    record: DsseEnvelope
    """The signed draw record."""
    plan: DsseEnvelope
    items: list[DsseEnvelope] = Field(default_factory=list)
    trust: BundleTrust


# ---------------------------------------------------------------------------
# Making a bundle from the content tree


def _envelope(loaded: Loaded) -> dict[str, Any]:
    return dsse_envelope(loaded.signed, loaded.signatures)


def build_bundle(content: Content, loaded: Loaded) -> dict[str, Any]:
    """The bundle of one published draw, re-run from the records (raises DrawError)."""
    from .drawing import beacon_input, compute, of_kind, task_items

    rec = loaded.record
    assert isinstance(rec, Draw)
    plan_loaded, task, outcome, _ = compute(
        content,
        rec.task,
        beacon_input(rec),
        rec.drawn_at,
        exclude_draw=rec.id,
        plan_ref=rec.plan,
    )
    registry = next(
        r for r in of_kind(content, InspectorRegistry) if r.record.ref == rec.inspector_registry
    )
    assert isinstance(registry.record, InspectorRegistry)
    units = {task.lead, *task.participants}
    inspectors = [
        {
            "id": p.id,
            "unit": p.unit,
            "expertise": list(p.expertise),
            "conflicts": list(p.conflicts),
            "active": p.active,
        }
        for p in sorted(registry.record.inspectors, key=lambda p: p.id)
        if p.unit in units or p.id in task.assigned_inspectors
    ]
    strata = []
    for drawn, ids in zip(rec.strata, outcome.members or [[] for _ in rec.strata], strict=True):
        strata.append(
            {
                "match": dict(drawn.match),
                "population": drawn.population,
                "take": drawn.take,
                "ids": None if rec.commitments else ids,
                "selected": [s.model_dump() for s in drawn.selected],
                "highest_ticket": drawn.highest_ticket
                if rec.commitments
                else max((s.ticket for s in drawn.selected if s.ticket), default=None),
            }
        )
    voids = [
        v
        for v in (r.record for r in of_kind(content, Void))
        if isinstance(v, Void) and v.draw == rec.ref
    ]
    roots = sorted(of_kind(content, Root), key=lambda r: r.record.version)
    keys = sorted(of_kind(content, KeyRegistry), key=lambda r: r.record.version)
    signed = loaded.signed
    return {
        "format": BUNDLE_FORMAT,
        "draw": rec.ref,
        "task": rec.task,
        "algorithm": rec.algorithm,
        "seed_formula": SEED_FORMULA,
        "seed": rec.seed,
        "in_scope": rec.in_scope,
        "excluded": signed.get("exclusions", []),
        "strata": strata,
        "visits": signed["visits"],
        "inspectors": inspectors,
        "teams": signed.get("teams", []),
        "assignments": signed.get("assignments", []),
        "commitments": signed.get("commitments", []),
        "voided_by": voids[0].ref if voids else None,
        "record": _envelope(loaded),
        "plan": _envelope(plan_loaded),
        "items": [_envelope(item) for item in task_items(content, task)],
        "trust": {"root": [_envelope(r) for r in roots], "keys": [_envelope(k) for k in keys]},
    }


def bundle_json(bundle: Mapping[str, Any]) -> bytes:
    """The published form: compact UTF-8 JSON (one line and a newline), keys in the
    order above. Compact, because a province publishes ten thousand bundles."""
    return (json.dumps(bundle, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------
# Reading a bundle


def _loc(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _shown(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_bundle(raw: bytes, source: str) -> DrawBundle:
    """Parse and validate a bundle; every problem names the field (raises BundleError)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleError(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        data = strictjson.loads(text)
    except json.JSONDecodeError as exc:
        raise BundleError(
            f"{source}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg} "
            "(expected a draw bundle, format gongkai-draw-bundle/1)"
        ) from exc
    except strictjson.RepeatedFieldError as exc:
        raise BundleError(f"{source}: the bundle {exc} (expected each field once)") from None
    except strictjson.NotPlainNumberError as exc:
        raise BundleError(f"{source}: the bundle {exc} (expected plain JSON numbers)") from None
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        got = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise BundleError(
            f"{source}: format: not a draw bundle this version reads "
            f"(got {got!r}, expected {BUNDLE_FORMAT!r})"
        )
    try:
        return DrawBundle.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{source}: {_loc(err['loc'])}: {err['msg']} (got {_shown(err.get('input'))})"
            for err in exc.errors()[:20]
        ]
        raise BundleError("\n".join(lines)) from None


# ---------------------------------------------------------------------------
# Checking a bundle


class _Doc:
    """A record read from a DSSE envelope of the bundle."""

    def __init__(self, env: DsseEnvelope, where: str, source: str) -> None:
        self.where = where
        try:
            body = base64.b64decode(env.payload, validate=True)
            signed = strictjson.loads(body)
        except (binascii.Error, ValueError) as exc:
            raise DrawError(f"{where}.payload: not base64 of a JSON record ({exc})") from exc
        if not isinstance(signed, dict):
            raise DrawError(f"{where}.payload: not a record (expected a JSON object)")
        record_type = str(signed.get("_type"))
        model = RECORD_KINDS.get(record_type)
        if model is None:
            raise DrawError(f"{where}.payload: _type: unknown record kind (got {record_type!r})")
        if env.payloadType != payload_type(record_type):
            raise DrawError(
                f"{where}.payloadType: does not match the record's kind "
                f"(got {env.payloadType!r}, expected {payload_type(record_type)!r})"
            )
        try:
            record = model.model_validate(signed)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise DrawError(f"{where}.payload: {_loc(err['loc'])}: {err['msg']}") from None
        self.record: Record = record
        self.signed: dict[str, Any] = signed
        self.digest = record_digest(signed)
        self.doc = SignedDoc(
            f"{source}: {where}",
            record,
            signed,
            [s.model_dump() for s in env.signatures],
            message=pae(env.payloadType, body),
            sha256=self.digest,
        )


def _check(subject: str, status: Literal["pass", "fail", "not checked"], reason: str) -> Check:
    return Check(subject, status, reason)


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, ensure_ascii=False) == json.dumps(
        b, sort_keys=True, ensure_ascii=False
    )


def _differences(published: Mapping[str, Any], recomputed: Mapping[str, Any]) -> list[str]:
    return [key for key, value in recomputed.items() if not _same(published.get(key, []), value)]


def verify_bundle(
    bundle: DrawBundle,
    source: str,
    pinned_sha256: str | None,
    now: str,
    openings: Sequence[Opening] | None = None,
) -> tuple[list[Check], list[str]]:
    """Check a bundle on its own; (checks, explanation lines). Never raises on bad content."""
    checks: list[Check] = []
    explain: list[str] = []

    def fail(subject: str, reason: str) -> tuple[list[Check], list[str]]:
        checks.append(_check(f"{source}: {subject}", "fail", reason))
        return checks, explain

    # 1. The signed records and the trust chain.
    try:
        roots = [_Doc(e, f"trust.root[{i}]", source) for i, e in enumerate(bundle.trust.root)]
        keys = [_Doc(e, f"trust.keys[{i}]", source) for i, e in enumerate(bundle.trust.keys)]
        draw_doc = _Doc(bundle.record, "record", source)
        plan_doc = _Doc(bundle.plan, "plan", source)
        item_docs = [_Doc(e, f"items[{i}]", source) for i, e in enumerate(bundle.items)]
    except DrawError as exc:
        return fail("records", str(exc))
    for docs, cls in (
        (roots, Root),
        (keys, KeyRegistry),
        ([draw_doc], Draw),
        ([plan_doc], Plan),
        (item_docs, ChecklistItem),
    ):
        wrong = next((d for d in docs if not isinstance(d.record, cls)), None)
        if wrong is not None:
            return fail(
                wrong.where,
                f"wrong record kind (got {type(wrong.record).KIND}, expected {cls.KIND})",
            )
    root, root_checks = verify_root_chain([d.doc for d in roots], now, pinned_sha256)
    checks.extend(root_checks)
    first_root = min(roots, key=lambda d: d.record.version).digest
    if pinned_sha256 is None:
        checks.append(
            _check(
                f"{source}: trust.root",
                "not checked",
                f"the root of trust is not pinned: this bundle's root 1 has SHA-256 {first_root}; "
                "compare it with the one on the site and in `gongkai --help`, or pass --root SHA256",
            )
        )
    if root is None:
        return fail("trust.keys", "no trusted root to check the key registry against")
    registry, reg_checks = verify_key_registry([d.doc for d in keys], root)
    checks.extend(reg_checks)
    if registry is None:
        return fail("record", "no trusted key registry to check the signatures against")
    signed = (draw_doc, plan_doc, *item_docs)
    # A bundle carries no log times: keys are judged at the dates the records state.
    stated = {d.digest: d.record.signed_on() or now[:10] for d in signed}
    checks.append(
        _check(
            f"{source}: log times",
            "not checked",
            "包中没有透明日志的时间：密钥有效性按记录自述的日期判断，未按入日志时间核验（在仓库中运行 "
            "gongkai verify 可核验）/ the bundle carries no transparency-log times: key validity "
            "is judged at the dates the records state, not at when they entered the log (run "
            "gongkai verify on the repository for that)",
        )
    )
    clock = StatedClock(now[:10], stated)
    for d in signed:
        checks.append(verify_record(d.doc, registry, clock))

    rec = draw_doc.record
    plan = plan_doc.record
    assert isinstance(rec, Draw)
    assert isinstance(plan, Plan)
    published = draw_doc.signed

    # 2. The bundle names the record it carries, and the record the plan it carries.
    mismatch = [
        f"{name} (bundle {mine!r}, record {theirs!r})"
        for name, mine, theirs in (
            ("draw", bundle.draw, rec.ref),
            ("task", bundle.task, rec.task),
            ("algorithm", bundle.algorithm, rec.algorithm),
            ("seed", bundle.seed, rec.seed),
            ("in_scope", bundle.in_scope, rec.in_scope),
        )
        if mine != theirs
    ]
    if mismatch:
        return fail("record", "the bundle and its signed record disagree on " + "; ".join(mismatch))
    if plan.ref != rec.plan or plan_doc.digest != rec.plan_sha256:
        return fail(
            "plan",
            f"not the plan the draw names (got {plan.ref} with SHA-256 {plan_doc.digest}, "
            f"expected {rec.plan} with SHA-256 {rec.plan_sha256})",
        )
    task = next((t for t in plan.tasks if t.id == rec.task), None)
    if task is None:
        return fail("plan", f"the plan has no task {rec.task!r}")
    if rec.registry != task.scope.registry or rec.registry_sha256 != task.scope.registry_sha256:
        return fail(
            "record.registry_sha256",
            "the draw used another registry snapshot than the plan committed to "
            f"(got {rec.registry} {rec.registry_sha256}, expected {task.scope.registry} "
            f"{task.scope.registry_sha256})",
        )
    item_refs = sorted(d.record.ref for d in item_docs)
    if item_refs != sorted(task.items):
        return fail(
            "items",
            f"not the checklist items the task names (got {', '.join(item_refs) or 'none'}, "
            f"expected {', '.join(sorted(task.items))})",
        )
    checks.append(
        _check(
            f"{source}: plan",
            "pass",
            f"the draw names plan {plan.ref} (SHA-256 {plan_doc.digest[:16]}…), task {task.id}, "
            f"and the registry snapshot it committed to",
        )
    )
    explain.append(f"task {task.id} of plan {plan.ref}, published {plan.published_on}")

    # 3. The beacon and the seed.
    from .drawing import beacon_input, beacon_label, spec_for

    if rec.algorithm not in (ALGORITHM, RFC3797):
        return fail(
            "record.algorithm",
            f"unknown algorithm (got {rec.algorithm!r}, expected {ALGORITHM!r} or {RFC3797!r})",
        )
    try:
        label = beacon_label(beacon_input(rec), plan, task, rec.drawn_at)
    except GongkaiError as exc:
        return fail("record.beacon", str(exc))
    checks.append(_check(f"{source}: record.beacon", "pass", _beacon_summary(rec)))
    seed = make_seed(task.id, rec.plan_sha256, label)
    if seed != rec.seed:
        return fail(
            "record.seed",
            f"the seed differs from the formula (got {rec.seed!r}, expected {seed!r})",
        )
    checks.append(_check(f"{source}: record.seed", "pass", f"S = {seed}"))
    explain.append(f"seed S = {seed}")

    spec = spec_for(plan, task, [d.record for d in item_docs])
    explain.extend(_explain_pool(bundle, spec))

    # 4. The pool and the targets.
    pool_problem = _pool_problem(bundle, spec, rec)
    if pool_problem is not None:
        return fail("strata", pool_problem)
    if rec.commitments:
        outcome = _confidential_targets(spec, rec, seed, source, openings)
        if isinstance(outcome, tuple):
            return fail(*outcome)
        checks.extend(outcome)
        visits = [v.model_dump(exclude_none=True) for v in rec.visits]
        strata = [s.model_dump(exclude_none=True) for s in rec.strata]
        explain.extend(_explain_strata(strata))
    elif spec.draws_targets:
        members = [s.ids or [] for s in bundle.strata]
        try:
            strata, visits = draw_targets(spec, seed, members)
        except DrawError as exc:
            return fail("strata", str(exc))
    else:
        strata, visits = [], [{"target": t, "ticket": ""} for t in spec.assigned_targets]
    diffs = [] if rec.commitments else _differences(published, {"strata": strata, "visits": visits})
    if diffs:
        return fail(
            "record." + diffs[0],
            "the re-run selects other targets than the signed record "
            f"(differs in {', '.join(diffs)})",
        )
    copies = _copy_differences(bundle, rec)
    if copies:
        return fail(copies[0], "the bundle's copy differs from the signed record")
    if not rec.commitments:
        checks.append(
            _check(
                f"{source}: strata",
                "pass",
                f"re-run: {len(visits)} targets from {sum(s.population for s in bundle.strata)} "
                f"in {len(strata)} strata, the same ids, order and full tickets as signed",
            )
        )
        explain.extend(_explain_strata(strata))

    # 5. The inspectors.
    people = {
        p.id: Person(p.id, p.unit, frozenset(p.expertise), frozenset(p.conflicts), p.active)
        for p in bundle.inspectors
    }
    if spec.draws_inspectors:
        try:
            teams, assignments = assign_inspectors(spec, seed, visits, people)
        except DrawError as exc:
            return fail("inspectors", str(exc))
    else:
        teams = []
        assignments = [
            {
                "target": v["target"],
                "members": list(spec.assigned_inspectors),
                "reserves": [],
                "recusals": [],
            }
            for v in visits
        ]
    diffs = _differences(published, {"teams": teams, "assignments": assignments})
    if diffs:
        return fail(
            "record." + diffs[0],
            f"the re-run assigns other inspectors than the signed record (differs in {', '.join(diffs)})",
        )
    bundle_dump = bundle.model_dump(exclude_none=False)
    copies = _differences(
        {"teams": bundle_dump["teams"], "assignments": bundle_dump["assignments"]},
        {
            "teams": published.get("teams", []),
            "assignments": _full(published.get("assignments", [])),
        },
    )
    if copies:
        return fail(copies[0], "the bundle's copy differs from the signed record")
    checks.append(
        _check(
            f"{source}: inspectors",
            "pass",
            f"re-run: {len(assignments)} assignments ({task.inspectors.matching}"
            f"{', ' + str(len(teams)) + ' teams' if teams else ''}) with their ordered reserves, as signed",
        )
    )
    explain.extend(_explain_inspectors(spec, seed, visits, people, assignments))

    # 6. What the bundle alone cannot show.
    checks.append(
        _check(
            f"{source}: registry",
            "not checked",
            f"that the pool ids, their strata and the {len(bundle.excluded)} exclusions come from "
            f"the registry snapshot (SHA-256 {rec.registry_sha256[:16]}…) and the earlier draws and "
            "results: the snapshot has private columns; with the content repository, run "
            f"`gongkai verify-draw {rec.id}`",
        )
    )
    checks.append(
        _check(
            f"{source}: inspectors.registry",
            "not checked",
            f"that the {len(bundle.inspectors)} inspectors listed are those of {rec.inspector_registry} "
            f"(SHA-256 {rec.inspector_registry_sha256[:16]}…), which has private fields",
        )
    )
    if rec.beacon.source == "lottery":
        lottery = getattr(task.randomness, "lottery", "the lottery")
        checks.append(
            _check(
                f"{source}: record.beacon",
                "not checked",
                f"that {rec.beacon.value} are the official numbers of {lottery}: compare them "
                "with the lottery operator's announcement",
            )
        )
    elif rec.beacon.source == "ceremony":
        checks.append(
            _check(
                f"{source}: record.beacon",
                "not checked",
                "that these digits are the ones read out in public: the witnesses who signed the "
                "record attest it",
            )
        )
    if bundle.voided_by is not None:
        checks.append(
            _check(
                f"{source}: record",
                "not checked",
                f"this draw was declared void by {bundle.voided_by}; its void record is not in the bundle",
            )
        )
    return checks, explain


def _copy_differences(bundle: DrawBundle, rec: Draw) -> list[str]:
    """Fields where the bundle's copy of the selection differs from the signed record."""
    out = []
    for i, (mine, signed) in enumerate(zip(bundle.strata, rec.strata, strict=False)):
        same = (mine.match, mine.population, mine.take, mine.selected) == (
            signed.match,
            signed.population,
            signed.take,
            signed.selected,
        )
        if not same:
            out.append("strata")
        high = (
            signed.highest_ticket
            if rec.commitments
            else max((t.ticket for t in signed.selected if t.ticket), default=None)
        )
        if mine.highest_ticket != high:
            out.append(f"strata[{i}].highest_ticket")
    if len(bundle.strata) != len(rec.strata):
        out.append("strata")
    if bundle.visits != rec.visits:
        out.append("visits")
    if bundle.commitments != rec.commitments:
        out.append("commitments")
    return out


def _beacon_summary(rec: Draw) -> str:
    b = rec.beacon
    if b.source == "drand-quicknet":
        return (
            f"drand quicknet round {b.round}: the signature verifies offline against the pinned "
            "chain key; the round comes after the plan's publication day and before the draw"
        )
    if b.source == "ceremony":
        return (
            f"ceremony digits {b.value}: well formed, read out at the time the plan scheduled "
            "(after its publication day); the witnesses' signatures are checked with the record"
        )
    return (
        f"lottery key string {b.value}: well formed, of a lottery drawn after the plan's "
        "publication day; compare the numbers with the lottery's official announcement"
    )


def _full(assignments: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Assignments with the defaults a bundle writes out."""
    return [Assignment.model_validate(dict(a)).model_dump(exclude_none=False) for a in assignments]


def _pool_problem(bundle: DrawBundle, spec: TaskSpec, rec: Draw) -> str | None:
    if not spec.draws_targets:
        return None if not bundle.strata else "a task that draws no targets has no strata"
    if len(bundle.strata) != len(spec.strata):
        return f"the bundle lists {len(bundle.strata)} strata, the task {len(spec.strata)}"
    seen: set[str] = {e.target for e in bundle.excluded}
    if len(seen) != len(bundle.excluded):
        return "excluded: an id is listed twice"
    if rec.commitments:
        return _confidential_pool_problem(bundle, spec, rec, seen)
    for i, (s, committed) in enumerate(zip(bundle.strata, spec.strata, strict=True)):
        if dict(s.match) != dict(committed.match):
            return f"strata[{i}].match: not the task's stratum (got {s.match}, expected {dict(committed.match)})"
        if s.ids is None:
            return f"strata[{i}].ids: missing (the strata are not confidential)"
        if s.ids != sorted(set(s.ids)):
            return f"strata[{i}].ids: not in ascending order without repeats"
        if len(s.ids) != s.population:
            return f"strata[{i}].population: got {s.population}, but {len(s.ids)} ids are listed"
        again = seen.intersection(s.ids)
        if again:
            return (
                f"strata[{i}].ids: {sorted(again)[0]} is also listed in another stratum or excluded"
            )
        seen.update(s.ids)
    if len(seen) != rec.in_scope:
        return (
            f"the pool and the exclusions hold {len(seen)} ids, but the record says "
            f"{rec.in_scope} rows were in scope"
        )
    if [e.model_dump() for e in bundle.excluded] != [e.model_dump() for e in rec.exclusions]:
        return "excluded: differs from the signed record's exclusions"
    return None


def _confidential_pool_problem(
    bundle: DrawBundle, spec: TaskSpec, rec: Draw, excluded: set[str]
) -> str | None:
    for i, (s, committed) in enumerate(zip(bundle.strata, spec.strata, strict=True)):
        if dict(s.match) != dict(committed.match):
            return f"strata[{i}].match: not the task's stratum (got {s.match}, expected {dict(committed.match)})"
        if s.ids is not None:
            return f"strata[{i}].ids: a confidential stratum must not list its members"
    pooled = {c.target for c in rec.commitments}
    if pooled & excluded:
        return f"excluded: {sorted(pooled & excluded)[0]} is also committed as pooled"
    if len(pooled) + len(excluded) != rec.in_scope:
        return (
            f"the commitments and the exclusions hold {len(pooled) + len(excluded)} ids, but "
            f"the record says {rec.in_scope} rows were in scope"
        )
    if [e.model_dump() for e in bundle.excluded] != [e.model_dump() for e in rec.exclusions]:
        return "excluded: differs from the signed record's exclusions"
    return None


def _confidential_targets(
    spec: TaskSpec,
    rec: Draw,
    seed: str,
    source: str,
    openings: Sequence[Opening] | None,
) -> list[Check] | tuple[str, str]:
    """Checks of a draw with confidential strata: public ones, then what the openings add.
    Returns the checks, or (subject, reason) of the first failure."""
    commitments = [c.model_dump() for c in rec.commitments]
    visits = [v.model_dump(exclude_none=True) for v in rec.visits]
    conf = [
        ConfidentialStratum(s.match, committed, s.population, s.take, s.highest_ticket)
        for s, committed in zip(rec.strata, spec.strata, strict=True)
    ]
    problems = public_checks(seed, commitments, conf, visits)
    if problems:
        return "record.commitments", problems[0]
    out = [
        _check(
            f"{source}: strata",
            "pass",
            f"confidential strata, public checks: {len(commitments)} commitments cover the pool; "
            f"the {len(visits)} selected tickets recomputed; every k follows from N; no "
            "unselected target has a ticket below every stratum's highest selected ticket",
        )
    ]
    if not openings:
        out.append(
            _check(
                f"{source}: strata.members",
                "not checked",
                "which stratum each target is in, and so each stratum's exact selection: the "
                "class is confidential; a firm or an auditor given openings checks it with "
                "`gongkai verify-draw BUNDLE --opening FILE`",
            )
        )
        return out
    problems, members = check_openings(
        seed, spec.task_id, spec.strata_by, commitments, conf, visits, openings
    )
    if problems:
        return "openings", problems[0]
    if members is None:
        out.append(
            _check(
                f"{source}: openings",
                "pass",
                f"{len(openings)} opening(s) match their commitments, and each of those targets "
                "was selected exactly when its ticket is within its stratum's highest selected ticket",
            )
        )
        out.append(
            _check(
                f"{source}: strata.members",
                "not checked",
                f"the stratum of the other {len(commitments) - len(openings)} pooled targets "
                "(their openings were not given)",
            )
        )
        return out
    try:
        strata, again = draw_targets(spec, seed, members)
    except DrawError as exc:
        return "openings", str(exc)
    if conceal(strata) != [s.model_dump(exclude_none=True) for s in rec.strata] or again != visits:
        return "openings", "with every opening, the re-run selects other targets than the record"
    out.append(
        _check(
            f"{source}: openings",
            "pass",
            f"all {len(openings)} openings match their commitments; the full re-run by stratum "
            "gives the signed selection, order and tickets",
        )
    )
    return out


def _explain_pool(bundle: DrawBundle, spec: TaskSpec) -> list[str]:
    from collections import Counter

    reasons = Counter(e.reason for e in bundle.excluded)
    lines = [
        f"pool: {bundle.in_scope} rows in scope, {len(bundle.excluded)} excluded"
        + (
            " (" + ", ".join(f"{r} {n}" for r, n in sorted(reasons.items())) + ")"
            if reasons
            else ""
        )
    ]
    for e in bundle.excluded[:10]:
        lines.append(f"  excluded {e.target}: {e.reason} ({e.detail})")
    if len(bundle.excluded) > 10:
        lines.append(f"  … {len(bundle.excluded) - 10} more exclusions in the record")
    if not spec.draws_targets:
        lines.append("targets: assigned by name (单随机: only inspectors are drawn)")
    return lines


def _explain_strata(strata: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = []
    for s in strata:
        match = ", ".join(f"{k}={v}" for k, v in s["match"].items()) or "all"
        rule = f"ratio {s['ratio']}" if "ratio" in s else f"count {s['count']}"
        lines.append(f"stratum {match}: N={s['population']}, {rule}, k={s['take']}")
        for pick in s["selected"][:5]:
            if pick.get("ticket"):
                lines.append(f"  {pick['target']}  ticket {pick['ticket'][:20]}…")
            else:
                lines.append(f"  {pick['target']}  no. {pick['position']}, MD5 {pick['digest']}")
        if len(s["selected"]) > 5:
            lines.append(f"  … {len(s['selected']) - 5} more")
    return lines


def _explain_inspectors(
    spec: TaskSpec,
    seed: str,
    visits: Sequence[Mapping[str, str]],
    people: Mapping[str, Person],
    assignments: Sequence[Mapping[str, Any]],
) -> list[str]:
    from .draw import eligible_people, inspector_ranking

    if not spec.draws_inspectors:
        return [f"inspectors: assigned by name: {', '.join(spec.assigned_inspectors)}"]
    eligible = eligible_people(spec, people)
    lines = [f"inspectors: {len(eligible)} eligible, {spec.matching}"]
    for visit, a in zip(visits, assignments, strict=True):
        target = visit["target"]
        if spec.matching == "分组":
            lines.append(
                f"{target}: team {a.get('team')} ({', '.join(a['members'])}); "
                f"reserve {', '.join(a['reserves']) or 'none'}"
            )
            continue
        ranking = inspector_ranking(eligible, seed, target)
        shown = ranking[: len(a["members"]) + len(a["reserves"]) + len(a.get("recusals", [])) + 2]
        lines.append(
            f"{target}: ranking {' > '.join(shown)} …; team {', '.join(a['members'])}; "
            f"reserves {', '.join(a['reserves']) or 'none'}"
            + (
                "; recused " + ", ".join(r["inspector"] for r in a["recusals"])
                if a.get("recusals")
                else ""
            )
        )
    return lines


def today_beijing() -> str:
    """Now, as the verifier's reference time for key validity."""
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(microsecond=0).isoformat()


def read_source(arg: str, timeout: float = 30.0) -> list[tuple[str, bytes]]:
    """Bundles named by a command-line argument: a file, a directory or an http(s) URL."""
    if arg.startswith(("http://", "https://")):
        import urllib.error
        import urllib.request

        from .beacon import _HttpOnlyRedirects

        opener = urllib.request.build_opener(_HttpOnlyRedirects())
        try:
            with opener.open(arg, timeout=timeout) as resp:
                body: bytes = resp.read(MAX_BUNDLE_BYTES + 1)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise BundleError(f"{arg}: could not fetch the bundle ({reason})") from exc
        if len(body) > MAX_BUNDLE_BYTES:
            raise BundleError(f"{arg}: larger than {MAX_BUNDLE_BYTES // 2**20} MiB; not read")
        return [(arg, body)]
    path = Path(arg)
    if path.is_dir():
        found = sorted(path.rglob("*bundle.json"))
        if not found:
            raise BundleError(f"{arg}: no bundle.json in this directory or below it")
        return [(str(p), p.read_bytes()) for p in found]
    if path.is_file():
        if path.stat().st_size > MAX_BUNDLE_BYTES:
            raise BundleError(f"{arg}: larger than {MAX_BUNDLE_BYTES // 2**20} MiB; not read")
        return [(arg, path.read_bytes())]
    raise BundleError(f"{arg}: no such file, directory or draw")
