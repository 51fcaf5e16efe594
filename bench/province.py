"""Generate a synthetic province for the site-build benchmark (bench/site_build.py).

    python bench/province.py --out /tmp/province            # the issue's province
    python bench/province.py --out /tmp/county --county     # a county

The province has (by default) 100 counties, each with a registry of 10,000 rows
(1,000,000 registry rows) and its own inspectors; each county department publishes a
plan a year (4 years: 3,200 plans), 10,000 tasks in all, each drawn once; each draw
has 2 result notices of 25 entries (500,000 results). The county has one registry
of 10,000 rows, 8 plans of 25 tasks (200 draws) and one notice of 25 results per
draw (5,000 results).

Every record is real: plans validate, every draw is the output of the draw
algorithm (generator.draw.run_draw) on its registry with the exclusions of the
earlier draws of the year, results belong to drawn targets and their drawn
teams, and every record is signed with the demo's TEST keys
(tests/fixtures/test-keys) and entered into a transparency log. The randomness
of each task is a (synthetic) lottery number drawn after the plan was published.
All names are synthetic. The output directory holds a complete project
(content/, site_config/, schemas/, mkdocs.yml) that ``gongkai build`` builds.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import multiprocessing
import shutil
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator import demo  # noqa: E402
from generator.canonical import record_digest  # noqa: E402
from generator.demo_signing import LOG_KEY, _key, _sign  # noqa: E402
from generator.draw import History, Person, make_seed, run_draw  # noqa: E402
from generator.drawing import beacon_label, beacon_record, record_data, spec_for  # noqa: E402
from generator.keyfile import PrivateKey  # noqa: E402
from generator.models import ChecklistItem, InspectorRegistry, LotterySource, Plan, Task  # noqa: E402
from generator.yamlwrite import dump_yaml  # noqa: E402

KEYS = REPO / "tests" / "fixtures" / "test-keys"
NOTE = "# 基准测试用合成数据（虚构省份），由 bench/province.py 生成。\n"
VISITS = 50
"""Visits wanted per draw (the result notices take the first 50)."""


def _copy_project(out: Path) -> Path:
    """The project files a build needs, and the demo's trust, departments and checklist."""
    for name in ("mkdocs.yml",):
        shutil.copy2(REPO / name, out / name)
    for name in ("site_config", "schemas"):
        shutil.copytree(REPO / name, out / name)
    content = out / "content"
    for name in ("root", "keys", "departments", "checklist"):
        shutil.copytree(REPO / "content" / name, content / name)
    return content


def _items(content: Path) -> dict[str, list[ChecklistItem]]:
    by_dept: dict[str, list[ChecklistItem]] = defaultdict(list)
    for item in demo._read_items(content).values():
        by_dept[item.department].append(item)
    for items in by_dept.values():
        items.sort(key=lambda i: i.id)
    return by_dept


def _inspectors(county: int) -> list[dict[str, Any]]:
    people = demo.make_inspectors()
    for p in people:
        p["id"] = f"C{county:03d}-{p['id']}"
        p["licence_no"] = f"{p['licence_no']}{county:03d}"
    return people


def _registries(
    content: Path, counties: int, rows: int
) -> tuple[list[dict[str, dict[str, str]]], list[str], dict[str, str]]:
    """Write the county registries; return their rows, their SHA-256s and all names."""
    print(f"  {counties * rows:,} registry rows...", file=sys.stderr, flush=True)
    entities = demo.make_entities(counties * rows)
    columns = [c["name"] for c in demo.REGISTRY_COLUMNS]
    keep = ("region", "credit_class", "risk_level", "industry", "status")
    all_rows: list[dict[str, dict[str, str]]] = []
    shas: list[str] = []
    names: dict[str, str] = {}
    for c in range(counties):
        part = entities[c * rows : (c + 1) * rows]
        data = demo.registry_csv(part)
        reg_dir = content / "registries" / "targets" / f"county-{c:03d}-targets"
        reg_dir.mkdir(parents=True, exist_ok=True)
        (reg_dir / "v1.csv").write_bytes(data)
        sha = hashlib.sha256(data).hexdigest()
        shas.append(sha)
        all_rows.append({e.uscc: {k: getattr(e, k) for k in keep if k in columns} for e in part})
        names.update((e.uscc, e.name) for e in part)
        manifest = {
            "_type": "target-registry/v1", "id": f"county-{c:03d}-targets", "version": 1,
            "supersedes": None, "name": f"示例省第{c + 1:03d}县市场主体检查对象名录库",
            "department": "scjgj", "snapshot_date": "2023-01-03",
            "description": "合成数据，仅供基准测试。", "file": "v1.csv", "sha256": sha,
            "rows": len(part), "id_column": "uscc", "name_column": "name",
            "allow_registration_numbers": False, "columns": demo.REGISTRY_COLUMNS,
        }  # fmt: skip
        yield_record(reg_dir / "v1.yaml", manifest)
        ins = {
            "_type": "inspector-registry/v1", "id": f"county-{c:03d}-inspectors", "version": 1,
            "supersedes": None, "name": f"示例省第{c + 1:03d}县执法检查人员名录库",
            "department": "scjgj", "as_of": "2023-01-03", "inspectors": _inspectors(c),
        }  # fmt: skip
        yield_record(content / "registries" / "inspectors" / str(ins["id"]) / "v1.yaml", ins)
    return all_rows, shas, names


PENDING: list[tuple[Path, dict[str, Any]]] = []
"""Records to sign and write (in worker processes, at the end)."""


def yield_record(path: Path, data: dict[str, Any]) -> None:
    PENDING.append((path, data))


def _task_item(
    items: list[ChecklistItem], people: list[dict[str, Any]], dept: str
) -> tuple[ChecklistItem, Decimal]:
    """The department's first item that its inspectors can check, and a ratio it allows."""
    staff = [set(p["expertise"]) for p in people if p["unit"] == dept]
    for item in items:
        if sum(set(item.expertise) <= s for s in staff) >= 3:
            ratio = max(Decimal(item.ratio.min), Decimal("0.05"))
            if item.ratio.max is not None:
                ratio = min(ratio, Decimal(item.ratio.max))
            return item, ratio
    raise SystemExit(f"no item of {dept} that its inspectors can check")


def _pool_regions(ratio: Decimal, rows: int) -> int:
    """How many regions of a county give about VISITS visits at ``ratio``."""
    per_region = rows / len(demo.REGIONS) * 0.93  # about 7 % are closed and excluded
    return max(1, min(len(demo.REGIONS), int(VISITS * 1.1 / (per_region * float(ratio))) + 1))


def _plans(
    years: Sequence[int],
    draws: int,
    counties: int,
    rows: int,
    shas: list[str],
    items: dict[str, list[ChecklistItem]],
    people: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """One plan per county, department and year, ``draws`` tasks in all, spread evenly."""
    depts = [d["id"] for d in demo.DEPARTMENTS]
    slots = [(year, c, di) for year in years for c in range(counties) for di in range(len(depts))]
    per, extra = divmod(draws, len(slots))
    plans = []
    for k, (year, c, di) in enumerate(slots):
        dept = depts[di]
        item, ratio = _task_item(items[dept], people, dept)
        m = _pool_regions(ratio, rows)
        county = f"示例省第{c + 1:03d}县"
        prefix = f"C{c:03d}-{dept.upper()}-{year}"
        tasks = []
        for n in range(1, per + (k < extra) + 1):
            first = (n * 5 + di + c) % len(demo.REGIONS)
            regions = [demo.REGIONS[(first + j) % len(demo.REGIONS)] for j in range(m)]
            start = date(year, 3, 1) + timedelta(days=(n * 23 + c * 3 + di * 5) % 120)
            tasks.append({
                "id": f"{prefix}-{n:03d}", "number": n,
                "title": f"{county}{item.name}抽查（{year}年第{n}批）",
                "kind": "定向", "lead": dept, "participants": [], "items": [item.ref],
                "methods": ["实地检查"],
                "scope": {"registry": f"county-{c:03d}-targets@1", "registry_sha256": shas[c],
                          "filter": {"region": regions}},
                "strata": {"by": ["credit_class"],
                           "groups": [{"match": {"credit_class": v}, "ratio": str(ratio)}
                                      for v, _ in demo.CREDIT]},
                "inspectors": {"registry": f"county-{c:03d}-inspectors@1", "matching": "分散",
                               "team_size": 2, "workload_cap": 100},
                "window": {"start": start.isoformat(),
                           "end": (start + timedelta(days=90)).isoformat()},
                "start_within_working_days": 5,
                "randomness": {"source": "lottery",
                               "lottery": f"中国福利彩票双色球（合成）{year}{n:03d}期",
                               "draw_date": (start - timedelta(days=3)).isoformat()},
            })  # fmt: skip
        if not tasks:
            continue
        name = demo.DEPARTMENTS[di]["name"].removeprefix("示例县")
        plans.append({
            "_type": "plan/v1", "id": prefix, "version": 1, "supersedes": None, "year": year,
            "title": f"{county}{name}{year}年度“双随机、一公开”抽查工作计划",
            "department": dept, "published_on": f"{year}-01-16", "adjustments": [],
            "tasks": tasks,
        })  # fmt: skip
    return plans


def _lottery(task_id: str) -> str:
    """A synthetic 双色球-like key string: six numbers of 1-33 and one of 1-16 (RFC 3797)."""
    h = hashlib.sha256(task_id.encode()).digest()
    reds = sorted({1 + b % 33 for b in h[:12]})[:6]
    return "".join(f"{r}." for r in reds) + "/" + f"{1 + h[12] % 16}./"


def _drawn_at(task: Task) -> str:
    src = task.randomness
    assert isinstance(src, LotterySource)
    return f"{src.draw_date}T{9 + task.number % 8:02d}:{task.number % 60:02d}:00+08:00"


def _draws_and_results(
    plans: list[dict[str, Any]],
    county_rows: list[dict[str, dict[str, str]]],
    items: dict[str, list[ChecklistItem]],
    names: dict[str, str],
    results_per_draw: int,
) -> Iterator[tuple[str, int]]:
    """Draw every task in order (the exclusions see the earlier draws of the year) and
    write its result notices; yields (task id, visits) for progress."""
    item_by_ref = {i.ref: i for its in items.values() for i in its}
    people_cache: dict[str, dict[str, Person]] = {}
    drawn_by_year: dict[int, Counter[str]] = defaultdict(Counter)
    clean: dict[str, set[int]] = defaultdict(set)
    dirty: dict[str, set[int]] = defaultdict(set)
    code_index = 0
    parsed = [(Plan.model_validate(p), record_digest(p)) for p in plans]
    jobs = sorted(
        ((_drawn_at(task), plan, digest, task) for plan, digest in parsed for task in plan.tasks),
        key=lambda j: (j[0], j[3].id),
    )
    pending: list[str] = []
    clean_years: dict[str, frozenset[int]] = {}
    moment, snap_year = "", 0
    for drawn_at, plan, plan_digest, task in jobs:
        year = plan.year
        if year != snap_year:  # only earlier years' results matter (3 clean years exempt)
            clean_years = {t: frozenset(y - dirty.get(t, set())) for t, y in clean.items()}
        if (drawn_at, year) != (moment, snap_year):
            # A draw sees the draws of its year made strictly before it (as gongkai verify).
            drawn_by_year[snap_year].update(pending)
            pending = []
            moment, snap_year = drawn_at, year
        c = int(task.scope.registry.split("-")[1])
        if task.inspectors.registry not in people_cache:
            ins = InspectorRegistry.model_validate(
                {"_type": "inspector-registry/v1", "id": "x", "version": 1,
                 "supersedes": None, "name": "x", "department": "scjgj",
                 "as_of": "2023-01-03", "inspectors": _inspectors(c)}
            )  # fmt: skip
            people_cache[task.inspectors.registry] = {
                p.id: Person(p.id, p.unit, frozenset(p.expertise), frozenset(p.conflicts), p.active)
                for p in ins.inspectors
            }
        beacon = {"source": "lottery", "value": _lottery(task.id)}
        label = beacon_label(beacon, plan, task, drawn_at)
        seed = make_seed(task.id, plan_digest, label)
        spec = spec_for(plan, task, [item_by_ref[r] for r in task.items])
        history = History(drawn_by_year[year], {}, clean_years)
        outcome = run_draw(
            spec, seed, county_rows[c], people_cache[task.inspectors.registry], history
        )
        header = {
            "plan": plan.ref, "plan_sha256": plan_digest, "task": task.id,
            "department": task.lead, "drawn_at": drawn_at, "registry": task.scope.registry,
            "registry_sha256": task.scope.registry_sha256,
            "inspector_registry": task.inspectors.registry,
            "inspector_registry_sha256": INSPECTOR_DIGESTS[task.inspectors.registry],
            "beacon": beacon_record(beacon, task),
        }  # fmt: skip
        data = record_data(f"{task.id}-D1", header, outcome)
        yield_record(DRAWS / str(year) / data["id"] / "v1.yaml", data)
        pending.extend(v["target"] for v in data["visits"])
        assignments = data["assignments"][: results_per_draw * 25]
        start = date.fromisoformat(task.window.start)
        for b in range(results_per_draw):
            batch = assignments[b * 25 : (b + 1) * 25]
            if not batch:
                break
            entries = []
            last = start
            for k, a in enumerate(batch):
                code = demo.CODE_CYCLE[code_index % len(demo.CODE_CYCLE)]
                code_index += 1
                done = start + timedelta(days=10 + (k * 7) % 40 + 30 * b)
                last = max(last, done)
                (clean if code == "1" else dirty)[a["target"]].add(year)
                entries.append({
                    "target": a["target"], "target_name": names[a["target"]],
                    "completed_on": done.isoformat(), "inspectors": list(a["members"]),
                    "result": code, "items": [{"item": task.items[0], "result": code}],
                    "disposal": demo.DISPOSAL[code],
                })  # fmt: skip
            late = task.number % 97 == 0 and b == 1
            published = last + timedelta(days=40 if late else 7)
            yield_record(
                RESULTS / published.isoformat()[:4] / f"{task.id}-R{b + 1}" / "v1.yaml",
                {
                    "_type": "result/v1", "id": f"{task.id}-R{b + 1}", "version": 1,
                    "supersedes": None, "plan": plan.ref, "task": task.id,
                    "department": task.lead, "published_on": published.isoformat(),
                    "code_list": "result-codes@1", "entries": entries,
                },
            )  # fmt: skip
        yield task.id, len(data["visits"])


INSPECTOR_DIGESTS: dict[str, str] = {}
DRAWS = Path()
RESULTS = Path()


def _write_one(job: tuple[Path, dict[str, Any]]) -> None:
    path, data = job
    keys = [_cached_key(f"dept-{data['department']}")]
    if data["_type"] == "draw/v1":
        keys.append(_cached_key("witness-notary"))
    path.parent.mkdir(parents=True, exist_ok=True)
    envelope = {"signed": data, "signatures": _sign(data, keys)}
    path.write_text(NOTE + dump_yaml(envelope), encoding="utf-8")


@functools.cache
def _cached_key(name: str) -> PrivateKey:
    return _key(KEYS, name)


def generate(
    out: Path, counties: int, rows: int, years: list[int], draws: int, results: int
) -> None:
    global DRAWS, RESULTS
    if out.exists():
        raise SystemExit(f"{out} exists; remove it or choose another --out")
    out.mkdir(parents=True)
    t0 = time.perf_counter()
    content = _copy_project(out)
    DRAWS, RESULTS = content / "draws", content / "results"
    items = _items(content)
    county_rows, shas, names = _registries(content, counties, rows)
    for _, data in PENDING:
        if data["_type"] == "inspector-registry/v1":
            INSPECTOR_DIGESTS[f"{data['id']}@1"] = record_digest(data)
    print(f"  registries: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    people = _inspectors(0)
    plans = _plans(years, draws, counties, rows, shas, items, people)
    for p in plans:
        yield_record(content / "plans" / str(p["year"]) / p["id"] / "v1.yaml", p)
    total = sum(len(p["tasks"]) for p in plans)
    visits = 0
    for n, (_, v) in enumerate(
        _draws_and_results(plans, county_rows, items, names, results), start=1
    ):
        visits += v
        if n % 500 == 0 or n == total:
            print(
                f"  draws {n:,}/{total:,} ({visits / n:.0f} visits each), "
                f"{time.perf_counter() - t0:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    print(f"  signing and writing {len(PENDING):,} records...", file=sys.stderr, flush=True)
    with multiprocessing.get_context("fork").Pool() as pool:
        for _ in pool.imap_unordered(_write_one, PENDING, chunksize=64):
            pass
    print(f"  records: {time.perf_counter() - t0:.0f} s; the log...", file=sys.stderr, flush=True)
    from generator.demo_signing import demo_log_time
    from generator.logfiles import append

    append(content, [_key(KEYS, LOG_KEY[0])], demo_log_time, "2026-12-01")
    print(f"  done in {time.perf_counter() - t0:.0f} s: {out}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--county", action="store_true", help="a county instead of a province")
    parser.add_argument("--counties", type=int, default=None)
    parser.add_argument("--rows", type=int, default=10_000, help="registry rows per county")
    parser.add_argument("--draws", type=int, default=None, help="tasks (each drawn once)")
    parser.add_argument("--years", default="2023-2026")
    args = parser.parse_args(argv)
    first, _, last = args.years.partition("-")
    years = list(range(int(first), int(last or first) + 1))
    if args.county:  # one year: 8 plans of 25 tasks, one notice of 25 results per draw
        years = years[-1:]
        counties, results = args.counties or 1, 1
        draws = args.draws or 200
    else:  # 4 years x 100 counties x 8 departments: 3,200 plans of 3 or 4 tasks, 2 notices each
        counties, results = args.counties or 100, 2
        draws = args.draws or 10_000
    generate(args.out, counties, args.rows, years, draws, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
