"""Benchmark: gongkai's draw (``generator.sampler.sample``) against Rivest's package.

Part A (the default): 1,000,000 made-up target ids (``--ids N``) in 3 strata, 3 % of
each stratum drawn (``k = ceil(0.03 × N)``). In one run it times

* gongkai: ``sample(ids, seed, k)`` for each stratum, and
* the reference: ``consistent_sampler.sampler(sorted(ids), seed=seed, take=k,
  output='tuple', digits=100)`` of ``consistent-sampler`` 1.0.10 for each stratum,

each in its own fresh process (``os.wait4`` gives that process's peak RSS, with its
forked workers), and checks that both selections are identical: the same ids in the
same order, and every reference ticket a prefix of gongkai's full-precision ticket (the
reference trims to ``digits`` digits). Goal: gongkai at least 8× faster.

Part B (``--big``): 10,000,000 ids (``--ids`` to change), the same 3 strata and 3 %,
drawn by gongkai alone in a fresh process; goal: at most 10 s and 2 GB (2,000 MB).
Generating the ids and sampling them are timed apart. The reference would need
about a minute here, so the selection is then verified in another process with the
reference package's own ticket function (``consistent_sampler.first_fraction``): every
selected id's ticket is recomputed and must equal gongkai's, the selection must be in
``(ticket, id)`` order, and every ``--check-every``-th id of each stratum that was not
selected must have a larger ticket than the last one selected.

The ids are 18-character codes shaped like unified social credit codes (统一社会信用
代码) with a valid check character, derived from the index alone (no randomness), so
every run draws from the same pool. Stratum ``s`` holds ids ``s, s + 3, s + 6, …``.

Times are measured inside the processes around the calls (interpreter start-up and
id generation are shown apart); the speed-up is the reference's ``sampler`` time,
without the ``sorted(ids)`` that the draw specification puts before it, over gongkai's
``sample`` time. The machine's load average is printed before and after each process;
with ``--max-load`` the script first waits (up to ``--wait`` seconds) for a quiet
machine.

    python bench/draw_sampler.py                  # Part A, 1,000,000 ids
    python bench/draw_sampler.py --big            # Part B, 10,000,000 ids
    python bench/draw_sampler.py --ids 300000 --sampler /tmp/sampler.py
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from generator.codes import USCC_ALPHABET, USCC_WEIGHTS  # noqa: E402

GOAL_SPEEDUP = 8.0
BIG_GOAL_SECONDS = 10.0
BIG_GOAL_BYTES = 2_000_000_000
MB = 1_000_000
PSS_INTERVAL = 0.1
"""Seconds between two samples of a measured process's PSS."""
STRATA = 3
RATIO_PERCENT = 3
SEED = (
    "gongkai-draw/1|BENCH-2026-001|"
    "5f0c6e1d2b7a4c3e9d8f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d|"
    "drand-quicknet:12345678:"
    "0e7a9b3c5d1f2e4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a"
)
"""Shaped like a real draw seed (``gongkai-draw/1|task|plan SHA-256|beacon``)."""

# ---------------------------------------------------------------------------
# The pool

_CHUNK = 31**3
_PREFIXES = ("91511025", "92511025", "91511024", "92511011", "93511002", "91511083")
"""登记管理部门 9 (市场监管), 机构类别 1/2/3, then a county-level division code."""


def _chunks(position: int) -> tuple[list[str], list[int]]:
    """All 3-symbol runs at ``position`` of a USCC, with their weighted sums mod 31."""
    w = USCC_WEIGHTS[position : position + 3]
    texts: list[str] = []
    sums: list[int] = []
    for v in range(_CHUNK):
        d0, d1, d2 = v // 961, v // 31 % 31, v % 31
        texts.append(USCC_ALPHABET[d0] + USCC_ALPHABET[d1] + USCC_ALPHABET[d2])
        sums.append((d0 * w[0] + d1 * w[1] + d2 * w[2]) % 31)
    return texts, sums


def make_ids(n: int) -> list[str]:
    """``n`` distinct USCC-shaped ids with valid check characters, the same every time.

    Block ``j`` of 29,791 ids shares a prefix and symbols 9-14 (from a bijection of
    ``j`` modulo 31**6); symbols 15-17 run through all values, and the 18th is the
    GB 32100-2015 check character.
    """
    s0, w0 = _chunks(8)
    s1, w1 = _chunks(11)
    s2, w2 = _chunks(14)
    checks = ["".join(USCC_ALPHABET[-(r + w) % 31] for w in w2) for r in range(31)]
    prefix_sums = [
        sum(USCC_ALPHABET.index(c) * w for c, w in zip(p, USCC_WEIGHTS, strict=False)) % 31
        for p in _PREFIXES
    ]
    out: list[str] = []
    j = 0
    while len(out) < n:
        a, b = divmod((j * 7_368_787 + 123_457) % (_CHUNK * _CHUNK), _CHUNK)
        p = j % len(_PREFIXES)
        head = _PREFIXES[p] + s0[a] + s1[b]
        check = checks[(prefix_sums[p] + w0[a] + w1[b]) % 31]
        count = min(_CHUNK, n - len(out))
        out.extend([head + s + c for s, c in zip(s2[:count], check, strict=False)])
        j += 1
    return out


def split(ids: list[str], ordered: bool = True) -> list[list[str]]:
    """The strata: stratum ``s`` holds ids ``s, s + STRATA, …``, sorted when ``ordered``
    (gongkai's draw passes each stratum in id order, as ``build_pool`` collects it)."""
    strata = [ids[s::STRATA] for s in range(STRATA)]
    if ordered:
        for stratum in strata:
            stratum.sort()
    return strata


def cpu() -> float:
    """CPU seconds (user + system) of this process and its reaped children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def take_for(n: int) -> int:
    """``ceil(0.03 × n)`` in integers."""
    return (RATIO_PERCENT * n + 99) // 100


def load() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


# ---------------------------------------------------------------------------
# In the child processes


def _reference() -> ModuleType:
    return importlib.import_module("consistent_sampler")


def _gongkai(path: str | None) -> ModuleType:
    if not path:
        return importlib.import_module("generator.sampler")
    # A copy under trial: registered under its own name so forked workers find it.
    spec = importlib.util.spec_from_file_location("bench_trial_sampler", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def child_draw(side: str, n: int, out: str, sampler_path: str | None, ordered: bool) -> int:
    """Generate the pool, draw every stratum with one side, write JSON to ``out``."""
    start = time.perf_counter()
    strata = split(make_ids(n), ordered)
    generate = time.perf_counter() - start
    report: dict[str, Any] = {"generate": generate, "strata": []}
    if side == "gongkai":
        sample = _gongkai(sampler_path).sample
        for ids in strata:
            k = take_for(len(ids))
            c0, t0 = cpu(), time.perf_counter()
            chosen = sample(ids, SEED, k)
            seconds, used = time.perf_counter() - t0, cpu() - c0
            report["strata"].append(
                {"n": len(ids), "take": k, "seconds": seconds, "cpu": used, "sort": 0.0}
                | {"selected": chosen}
            )
    else:
        sampler = _reference().sampler
        for ids in strata:
            k = take_for(len(ids))
            t0 = time.perf_counter()
            by_id = sorted(ids)
            c1, t1 = cpu(), time.perf_counter()
            chosen = [
                [ticket, item]
                for ticket, item, _ in sampler(by_id, seed=SEED, take=k, output="tuple", digits=100)
            ]
            t2, used = time.perf_counter(), cpu() - c1
            report["strata"].append(
                {"n": len(ids), "take": k, "seconds": t2 - t1, "cpu": used, "sort": t1 - t0}
                | {"selected": chosen}
            )
            del by_id
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(report, fh)
    return 0


def child_check(n: int, selection: str, every: int) -> int:
    """Spot-check gongkai's selection with the reference's ticket function; print JSON."""
    ref = _reference()
    seed_hash = ref.sha256_hex(SEED)
    first_fraction: Callable[[str, str, str], str] = ref.first_fraction
    with open(selection, encoding="utf-8") as fh:
        drawn = json.load(fh)
    start = time.perf_counter()
    strata = split(make_ids(n))
    problems: list[str] = []
    recomputed = compared = 0
    for s, (ids, result) in enumerate(zip(strata, drawn["strata"], strict=True)):
        chosen = [(t, i) for t, i in result["selected"]]
        if len(chosen) != take_for(len(ids)):
            problems.append(f"stratum {s}: {len(chosen)} selected, expected {take_for(len(ids))}")
        if chosen != sorted(chosen):
            problems.append(f"stratum {s}: the selection is not in (ticket, id) order")
        for t, i in chosen:
            recomputed += 1
            if first_fraction(i, SEED, seed_hash) != t:
                problems.append(f"stratum {s}: ticket of {i} differs from the reference's")
                break
        picked = {i for _, i in chosen}
        if len(picked) != len(chosen):
            problems.append(f"stratum {s}: an id is selected twice")
        last = max(chosen) if chosen else ("0.", "")
        for i in ids[s::every]:
            if i in picked:
                continue
            compared += 1
            if (first_fraction(i, SEED, seed_hash), i) < last:
                problems.append(f"stratum {s}: {i} was not selected but has a smaller ticket")
                break
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": seconds,
                "recomputed": recomputed,
                "compared": compared,
                "problems": problems[:20],
            }
        )
    )
    return 0


# ---------------------------------------------------------------------------
# Measuring a process


@dataclass
class Measured:
    label: str
    wall: float
    """Wall time of the whole process, interpreter start-up included."""
    peak: int
    """Peak RSS in bytes: the largest of the process and its forked workers."""
    pss: int
    """Peak of the summed PSS of the process and its workers, sampled (0: not on Linux).

    A forked worker shares the parent's pages until either writes to them, so its RSS
    counts them again; PSS splits shared pages between the processes that map them."""
    returncode: int
    stdout: str
    stderr: str
    load_before: float
    load_after: float

    @property
    def load(self) -> str:
        return f"{self.load_before:.2f} → {self.load_after:.2f}"


def _read(fh: IO[bytes]) -> str:
    fh.seek(0)
    return fh.read().decode("utf-8", errors="replace")


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (only ``pid`` if they cannot be listed)."""
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                for child in fh.read().split():
                    found += _tree(int(child))
    except (OSError, ValueError):
        pass
    return found


def _pss_of(pid: int) -> int:
    """Proportional set size of one process, in bytes (0 once gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _pss(pid: int) -> int | None:
    """Summed PSS of ``pid`` and its descendants, in bytes; None if a process started or
    ended while they were read.

    A page shared by k processes counts 1/k in each, so a process forked or ended between
    two reads would count shared pages more than once: such a sample is discarded."""
    before = _tree(pid)
    total = sum(_pss_of(p) for p in before)
    return total if _tree(pid) == before else None


def measure(label: str, argv: list[str]) -> Measured:
    """Run ``argv``; its wall time, peak RSS (``os.wait4``) and sampled peak PSS."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        before = load()
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=err)
        pss = [0]
        done = threading.Event()

        def poll() -> None:
            while not done.wait(PSS_INTERVAL):
                pss[0] = max(pss[0], _pss(proc.pid) or 0)

        poller = threading.Thread(target=poll, daemon=True)
        if sys.platform == "linux":
            poller.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        if poller.is_alive():
            poller.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        # ru_maxrss is in KiB on Linux and in bytes on macOS; wait4 reports the largest
        # of the child and its own waited-for children (the forked workers).
        peak = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
        return Measured(
            label, wall, peak, pss[0], proc.returncode, _read(out), _read(err), before, load()
        )


def run_draw(
    side: str, n: int, folder: Path, sampler_path: str | None, ordered: bool
) -> tuple[Measured, Any]:
    out = folder / f"{side}.json"
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", side, "--ids", str(n)]
    argv += ["--out", str(out)]
    if not ordered:
        argv.append("--unsorted")
    if sampler_path:
        argv += ["--sampler", sampler_path]
    result = measure(side, argv)
    if result.returncode != 0:
        raise SystemExit(f"{side} process failed (exit {result.returncode}):\n{result.stderr}")
    with open(out, encoding="utf-8") as fh:
        return result, json.load(fh)


def wait_for_quiet(max_load: float, wait: float) -> None:
    """Wait (polling every 30 s, at most ``wait`` seconds) for load ≤ ``max_load``."""
    deadline = time.monotonic() + wait
    while load() > max_load and time.monotonic() < deadline:
        print(f"  load {load():.2f} > {max_load:g}: waiting 30 s", flush=True)
        time.sleep(min(30.0, max(0.0, deadline - time.monotonic())))
    print(f"load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


# ---------------------------------------------------------------------------
# Report


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cores} cores, {model}, Python {platform.python_version()}, {platform.system()}"


def compare(gongkai: list[dict[str, Any]], reference: list[dict[str, Any]]) -> list[str]:
    """Differences between the two selections, stratum by stratum (empty: identical)."""
    wrong: list[str] = []
    for s, (g, r) in enumerate(zip(gongkai, reference, strict=True)):
        g_sel, r_sel = g["selected"], r["selected"]
        if len(g_sel) != len(r_sel):
            wrong.append(f"stratum {s}: gongkai drew {len(g_sel)}, the reference {len(r_sel)}")
        for pos, ((gt, gi), (rt, ri)) in enumerate(zip(g_sel, r_sel, strict=False)):
            if gi != ri or not gt.startswith(rt):
                wrong.append(
                    f"stratum {s}, place {pos + 1}: gongkai {gi} {gt}, reference {ri} {rt}"
                )
                break
    return wrong


def part_a(args: argparse.Namespace, folder: Path) -> bool:
    n: int = args.ids
    print(f"\nPart A: {n:,} ids, {STRATA} strata, {RATIO_PERCENT} % each; goal ≥ {GOAL_SPEEDUP:g}×")
    print(f"strata handed to gongkai {'in generation order' if args.unsorted else 'sorted by id'}")
    g_run, g = run_draw("gongkai", n, folder, args.sampler, not args.unsorted)
    r_run, r = run_draw("reference", n, folder, None, not args.unsorted)
    wrong = compare(g["strata"], r["strata"])
    print(
        f"\n{'stratum':<9}{'ids':>11}{'take':>8}{'gongkai s':>11}{'(cpu s)':>9}"
        f"{'ref s':>9}{'(cpu s)':>9}{'ref sort s':>12}{'speed-up':>10}"
    )
    for s, (gs, rs) in enumerate(zip(g["strata"], r["strata"], strict=True)):
        print(
            f"{s:<9}{gs['n']:>11,}{gs['take']:>8,}{gs['seconds']:>11.3f}{gs['cpu']:>9.2f}"
            f"{rs['seconds']:>9.3f}{rs['cpu']:>9.2f}{rs['sort']:>12.3f}"
            f"{rs['seconds'] / gs['seconds']:>9.1f}×"
        )
    g_s = sum(x["seconds"] for x in g["strata"])
    r_s = sum(x["seconds"] for x in r["strata"])
    g_cpu = sum(x["cpu"] for x in g["strata"])
    r_cpu = sum(x["cpu"] for x in r["strata"])
    selected = sum(x["take"] for x in g["strata"])
    speedup = r_s / g_s
    identical = not wrong
    ok = identical and speedup >= GOAL_SPEEDUP
    print(
        f"\n{'ids':>11}{'strata':>7}{'selected':>10}{'gongkai s':>11}{'reference s':>13}"
        f"{'speed-up':>10}{'gongkai MB':>12}{'ref MB':>8}{'identical':>11}  goal"
    )
    print(
        f"{n:>11,}{STRATA:>7}{selected:>10,}{g_s:>11.3f}{r_s:>13.3f}{speedup:>9.1f}×"
        f"{g_run.peak / MB:>12,.0f}{r_run.peak / MB:>8,.0f}{'yes' if identical else 'NO':>11}"
        f"  {'pass' if ok else 'FAIL'} (≥ {GOAL_SPEEDUP:g}×)"
    )
    print(
        f"\nCPU s (user + system, workers included): gongkai {g_cpu:.2f}, reference {r_cpu:.2f} "
        f"({r_cpu / g_cpu:.1f}× less CPU)"
    )
    for run, res in ((g_run, g), (r_run, r)):
        print(
            f"{run.label:<10} process {run.wall:6.2f} s wall (ids generated in "
            f"{res['generate']:.2f} s), peak RSS {run.peak / MB:,.0f} MB, peak PSS "
            f"{run.pss / MB:,.0f} MB, load {run.load}"
        )
    if wrong:
        print("\nselections differ:\n" + "\n".join(wrong[:20]))
    return ok


def part_b(args: argparse.Namespace, folder: Path) -> bool:
    n: int = args.ids
    print(
        f"\nPart B: {n:,} ids, {STRATA} strata, {RATIO_PERCENT} % each; "
        f"goal ≤ {BIG_GOAL_SECONDS:g} s and ≤ {BIG_GOAL_BYTES // MB:,} MB"
    )
    print(f"strata handed to gongkai {'in generation order' if args.unsorted else 'sorted by id'}")
    run, g = run_draw("gongkai", n, folder, args.sampler, not args.unsorted)
    print(f"\n{'stratum':<9}{'ids':>12}{'take':>9}{'gongkai s':>11}{'(cpu s)':>9}")
    for s, gs in enumerate(g["strata"]):
        print(f"{s:<9}{gs['n']:>12,}{gs['take']:>9,}{gs['seconds']:>11.3f}{gs['cpu']:>9.2f}")
    generate = float(g["generate"])
    sampling = sum(x["seconds"] for x in g["strata"])
    sampling_cpu = sum(x["cpu"] for x in g["strata"])
    selected = sum(x["take"] for x in g["strata"])
    time_ok = sampling <= BIG_GOAL_SECONDS
    memory_ok = max(run.peak, run.pss) <= BIG_GOAL_BYTES
    print(
        f"\n{'ids':>12}{'selected':>10}{'generate s':>12}{'sample s':>10}{'total s':>9}"
        f"{'process s':>11}{'RSS MB':>8}{'PSS MB':>8}  goal"
    )
    print(
        f"{n:>12,}{selected:>10,}{generate:>12.2f}{sampling:>10.2f}{generate + sampling:>9.2f}"
        f"{run.wall:>11.2f}{run.peak / MB:>8,.0f}{run.pss / MB:>8,.0f}  "
        f"{'pass' if time_ok and memory_ok else 'FAIL'} (sample ≤ {BIG_GOAL_SECONDS:g} s: "
        f"{'yes' if time_ok else 'no'}; ≤ {BIG_GOAL_BYTES // MB:,} MB: "
        f"{'yes' if memory_ok else 'no'}; generate + sample ≤ {BIG_GOAL_SECONDS:g} s: "
        f"{'yes' if generate + sampling <= BIG_GOAL_SECONDS else 'no'})"
    )
    print(f"sampling used {sampling_cpu:.2f} CPU s (workers included); load {run.load}")
    if args.no_check:
        return time_ok and memory_ok
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", "check", "--ids", str(n)]
    argv += ["--out", str(folder / "gongkai.json"), "--check-every", str(args.check_every)]
    check = measure("check", argv)
    if check.returncode != 0:
        print(f"check process failed (exit {check.returncode}):\n{check.stderr}")
        return False
    found = json.loads(check.stdout)
    print(
        f"\nspot check with consistent_sampler.first_fraction: {found['recomputed']:,} selected "
        f"tickets recomputed, {found['compared']:,} unselected ids (1 in "
        f"{args.check_every}) compared, in {check.wall:.1f} s: "
        + ("all agree" if not found["problems"] else "PROBLEMS")
    )
    for p in found["problems"]:
        print(f"  {p}")
    return time_ok and memory_ok and not found["problems"]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time gongkai's sampler against Rivest's consistent-sampler over 3 strata "
        f"at 3 % (Part A, goal ≥ {GOAL_SPEEDUP:g}× and identical selections) or, with --big, "
        f"gongkai alone over 10,000,000 ids (Part B, goal ≤ {BIG_GOAL_SECONDS:g} s and "
        f"≤ {BIG_GOAL_BYTES // MB:,} MB).",
    )
    parser.add_argument(
        "--big",
        action="store_true",
        help="Part B: 10,000,000 ids, gongkai alone, then a spot check",
    )
    parser.add_argument(
        "--ids", type=int, help="ids in the pool (default 1,000,000; 10,000,000 with --big)"
    )
    parser.add_argument(
        "--max-load",
        type=float,
        help="first wait until the 1-minute load average is at most this (polled every 30 s)",
    )
    parser.add_argument(
        "--wait", type=float, default=300.0, help="longest wait for --max-load, s (default 300)"
    )
    parser.add_argument(
        "--sampler",
        metavar="FILE",
        help="time this copy of generator/sampler.py instead (to try a change)",
    )
    parser.add_argument(
        "--check-every",
        type=int,
        default=20,
        help="Part B: compare every Nth unselected id with the last selected (default 20)",
    )
    parser.add_argument("--no-check", action="store_true", help="Part B: skip the spot check")
    parser.add_argument(
        "--unsorted",
        action="store_true",
        help="hand gongkai each stratum in generation order instead of sorted by id",
    )
    parser.add_argument(
        "--child", choices=("gongkai", "reference", "check"), help=argparse.SUPPRESS
    )
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.ids is None:
        args.ids = 10_000_000 if args.big else 1_000_000
    if args.ids < STRATA:
        parser.error(f"--ids must be at least {STRATA}")
    if args.check_every < 1:
        parser.error("--check-every must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child == "check":
        return child_check(args.ids, args.out, args.check_every)
    if args.child:
        return child_draw(args.child, args.ids, args.out, args.sampler, not args.unsorted)
    print(f"machine: {machine()}")
    if args.sampler:
        print(f"gongkai's sampler: {args.sampler} (a trial copy)")
    if args.max_load is not None:
        wait_for_quiet(args.max_load, args.wait)
    with tempfile.TemporaryDirectory(prefix="gongkai-draw-bench-") as tmp:
        ok = part_b(args, Path(tmp)) if args.big else part_a(args, Path(tmp))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
