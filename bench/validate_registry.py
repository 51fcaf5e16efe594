"""Benchmark: validate a generated registry of targets (检查对象名录库).

Writes a deterministic registry of ``--rows`` targets (default 1,000,000) as a
content tree: a CSV, its manifest and the department that maintains it. Then
it times, each in a fresh process so that the peak memory is the validator's
own:

* ``scan_registry`` on the CSV, called directly;
* ``gongkai validate --content DIR --config site_config`` on the whole tree.

It prints wall time, rows per second and peak resident memory (``ru_maxrss``
of that process alone, from ``os.wait4``) against the goal: at most 15 s and
1.5 GB (1,500 MB) for 1,000,000 rows on a 2-core machine. Generation time is
shown but not counted.

With ``--faults`` it also writes a second registry of the same size with a
handful of known faults (a wrong check character, a duplicate, a value outside
an enum, ...) and shows that each is reported at its row.

The data are made up: every value is derived from SHA-256 of the row index,
so the same ``--rows`` always gives the same file, byte for byte.

    python bench/validate_registry.py                 # 1,000,000 rows
    python bench/validate_registry.py --rows 100000 --faults
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from generator.codes import USCC_ALPHABET, uscc_check_char  # noqa: E402
from generator.models import TargetRegistry  # noqa: E402
from generator.registry import scan_registry  # noqa: E402
from generator.yamlsafe import read_yaml_file  # noqa: E402

GOAL_SECONDS = 15.0
GOAL_BYTES = 1_500_000_000  # 1.5 GB, counted in decimal megabytes below
MB = 1_000_000

DEPARTMENT = "bench-scjg"
REGISTRY = "bench-targets"
SNAPSHOT = "2026-11-01"

# ---------------------------------------------------------------------------
# Values. Weighted choices are 256-entry tables indexed by one hash byte.


def _weighted(*pairs: tuple[str, int]) -> tuple[str, ...]:
    total = sum(w for _, w in pairs)
    table: list[str] = []
    for b in range(256):
        point = b * total // 256
        for value, weight in pairs:
            if point < weight:
                table.append(value)
                break
            point -= weight
    return tuple(table)


# entity type -> (weight, USCC prefix: 登记管理部门 9 = 市场监管, then 机构类别, name ending)
ENTITY_TYPES: dict[str, tuple[int, str, str]] = {
    "个体工商户": (55, "92", "经营部"),
    "有限责任公司": (34, "91", "有限公司"),
    "股份有限公司": (1, "91", "股份有限公司"),
    "个人独资企业": (4, "91", "中心"),
    "合伙企业": (2, "91", "合伙企业"),
    "农民专业合作社": (4, "93", "专业合作社"),
}
ENTITY_TABLE = _weighted(*((k, v[0]) for k, v in ENTITY_TYPES.items()))

# industry (国民经济行业门类) -> word used in names
INDUSTRIES: dict[str, str] = {
    "批发和零售业": "商贸",
    "住宿和餐饮业": "餐饮",
    "制造业": "机械制造",
    "建筑业": "建筑工程",
    "交通运输、仓储和邮政业": "物流",
    "信息传输、软件和信息技术服务业": "网络科技",
    "租赁和商务服务业": "商务咨询",
    "居民服务、修理和其他服务业": "家政服务",
    "农、林、牧、渔业": "农业开发",
    "房地产业": "房地产开发",
    "科学研究和技术服务业": "检测技术",
    "文化、体育和娱乐业": "文化传媒",
    "卫生和社会工作": "健康管理",
    "教育": "教育咨询",
    "电力、热力、燃气及水生产和供应业": "燃气",
}
INDUSTRY_NAMES = tuple(INDUSTRIES)
TOWNS = (
    "城关镇", "东兴镇", "龙门镇", "石桥镇", "白马镇", "新店镇",
    "双河镇", "高梁镇", "观音镇", "连界镇", "椑木镇", "永安乡",
)  # fmt: skip
ROADS = ("人民路", "建设路", "解放路", "滨江路", "新华街", "光明路", "兴隆街", "工业园区")
CREDIT = _weighted(("A", 30), ("B", 55), ("C", 12), ("D", 3))
RISK = _weighted(("低", 60), ("中", 32), ("高", 8))
FOREIGN = _weighted(("是", 3), ("否", 97))
STATUS = _weighted(("存续", 88), ("注销", 8), ("吊销", 4))
# Administrative division codes of the counties around 示例县 (area code 0832).
DIVISIONS = ("511025", "511024", "511011", "511002", "511083")
BRAND = "鑫源恒达宏泰瑞丰嘉华盛兴永安德隆金鼎福康新元博远天成润和佳美信诚昌明正大同创"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兵"
_FIRST_DAY = dt.date(1995, 1, 1).toordinal()
DATES = tuple(
    dt.date.fromordinal(d).isoformat()
    for d in range(_FIRST_DAY, dt.date.fromisoformat(SNAPSHOT).toordinal())
)

HEADER = (
    "uscc", "name", "entity_type", "industry", "region", "credit_class", "risk_level",
    "foreign", "status", "address", "person_in_charge", "phone", "registered_on",
)  # fmt: skip


def _body(index: int) -> str:
    """Nine USCC symbols unique to ``index`` (a bijection modulo 31**9)."""
    n = (index * 16_340_585_143_680 + 104_729) % 31**9
    out = []
    for _ in range(9):
        n, d = divmod(n, 31)
        out.append(USCC_ALPHABET[d])
    return "".join(reversed(out))


def make_row(index: int) -> list[str]:
    """Row ``index`` (0-based) of the registry: the same every time."""
    h = hashlib.sha256(b"gongkai-bench:%d" % index).digest()
    entity = ENTITY_TABLE[h[0]]
    _, prefix, ending = ENTITY_TYPES[entity]
    industry = INDUSTRY_NAMES[h[1] % len(INDUSTRY_NAMES)]
    town = TOWNS[h[2] % len(TOWNS)]
    first17 = prefix + DIVISIONS[h[3] % len(DIVISIONS)] + _body(index)
    brand = BRAND[h[4] % len(BRAND)] + BRAND[h[5] % len(BRAND)]
    name = f"示例县{brand}{index + 1}号{INDUSTRIES[industry]}{ending}"
    address = f"示例县{town}{ROADS[h[6] % len(ROADS)]}{1 + int.from_bytes(h[7:9]) % 300}号"
    person = SURNAMES[h[9] % len(SURNAMES)] + GIVEN[h[10] % len(GIVEN)]
    if h[11] & 1:
        person += GIVEN[h[12] % len(GIVEN)]
    number = int.from_bytes(h[13:17]) % 10_000_000
    if entity == "个体工商户":
        phone = f"1{3 + h[17] % 7}{h[18] % 10}{number:07d}{h[19] % 10}"
    else:
        phone = f"0832-{number:07d}"
    return [
        first17 + uscc_check_char(first17),
        name,
        entity,
        industry,
        town,
        CREDIT[h[20]],
        RISK[h[21]],
        FOREIGN[h[22]],
        STATUS[h[23]],
        address,
        person,
        phone,
        DATES[int.from_bytes(h[24:28]) % len(DATES)],
    ]


# ---------------------------------------------------------------------------
# Faults for --faults: (what, index of the row, column, change)


@dataclass(frozen=True)
class Fault:
    what: str
    index: int
    column: str
    change: Callable[[list[str], int], None]

    @property
    def row(self) -> int:
        """The row as the validator reports it: the header is row 1."""
        return self.index + 2


def _wrong_check(row: list[str], _: int) -> None:
    right = row[0][17]
    row[0] = row[0][:17] + USCC_ALPHABET[(USCC_ALPHABET.index(right) + 1) % 31]


def _set(column: str, value: str) -> Callable[[list[str], int], None]:
    def change(row: list[str], _: int) -> None:
        row[HEADER.index(column)] = value

    return change


def _duplicate_of(source: int) -> Callable[[list[str], int], None]:
    def change(row: list[str], _: int) -> None:
        row[0] = make_row(source)[0]

    return change


def faults_for(rows: int) -> list[Fault]:
    faults = [
        Fault("wrong check character", rows // 10, "uscc", _wrong_check),
        Fault("value outside the enum", rows // 3, "credit_class", _set("credit_class", "E")),
        Fault("duplicate id", rows // 2, "uscc", _duplicate_of(rows // 4)),
        Fault("no such day", 2 * rows // 3, "registered_on", _set("registered_on", "2023-02-30")),
        Fault("not 是 or 否", 3 * rows // 4, "foreign", _set("foreign", "Y")),
        Fault(
            "mobile number in a public column",
            9 * rows // 10,
            "address",
            _set("address", "示例县城关镇人民路1号 联系电话13912345678"),
        ),
    ]
    used = [f.index for f in faults] + [rows // 4]
    if rows < 20 or len(set(used)) != len(used):
        raise SystemExit("--faults needs --rows 20 or more")
    return faults


# ---------------------------------------------------------------------------
# Writing the content tree


@dataclass
class Generated:
    root: Path
    """The variant's directory; ``content/`` is inside."""
    content: Path
    manifest: Path
    csv: Path
    rows: int
    size: int
    seconds: float
    faults: list[Fault] = field(default_factory=list)


def _column(name: str, label: str, kind: str, visibility: str, values: Sequence[str] = ()) -> str:
    text = f"  - name: {name}\n    label: {label}\n    type: {kind}\n    visibility: {visibility}\n"
    if values:
        text += "    values:\n" + "".join(f"      - {v}\n" for v in values)
    return text


def manifest_text(rows: int, sha256: str, file: str) -> str:
    """The registry manifest, written out by hand (no floats, no YAML library)."""
    return (
        "# Generated by bench/validate_registry.py: made-up data for a benchmark.\n"
        "_type: target-registry/v1\n"
        f"id: {REGISTRY}\n"
        "version: 1\n"
        "supersedes: null\n"
        "name: 示例县市场主体名录库（基准测试）\n"
        f"department: {DEPARTMENT}\n"
        f"snapshot_date: {SNAPSHOT}\n"
        "description: 由基准测试脚本生成的虚构数据，仅用于测量验证速度。\n"
        f"file: {file}\n"
        f'sha256: "{sha256}"\n'
        f"rows: {rows}\n"
        "id_column: uscc\n"
        "name_column: name\n"
        "columns:\n"
        + _column("uscc", "统一社会信用代码", "uscc", "public")
        + _column("name", "名称", "text", "public")
        + _column("entity_type", "主体类型", "enum", "public", tuple(ENTITY_TYPES))
        + _column("industry", "行业", "enum", "public", INDUSTRY_NAMES)
        + _column("region", "所属乡镇", "enum", "public", TOWNS)
        + _column("credit_class", "信用等级", "enum", "public", ("A", "B", "C", "D"))
        + _column("risk_level", "风险等级", "enum", "public", ("低", "中", "高"))
        + _column("foreign", "外资", "bool", "public")
        + _column("status", "登记状态", "enum", "public", ("存续", "注销", "吊销"))
        + _column("address", "住所", "text", "public")
        + _column("person_in_charge", "负责人", "person_name", "private")
        + _column("phone", "联系电话", "phone", "private")
        + _column("registered_on", "成立日期", "date", "public")
    )


DEPARTMENT_TEXT = f"""\
# Generated by bench/validate_registry.py.
_type: department/v1
id: {DEPARTMENT}
version: 1
supersedes: null
name: 示例县市场监督管理局
short_name: 县市场监管局
jurisdiction: 示例县
published_on: {SNAPSHOT}
"""


def generate(root: Path, rows: int, faults: list[Fault]) -> Generated:
    """Write ``root/content/`` with the department, the manifest and the CSV."""
    start = time.perf_counter()
    content = root / "content"
    folder = content / "registries" / "targets" / REGISTRY
    folder.mkdir(parents=True, exist_ok=True)
    (content / "departments").mkdir(parents=True, exist_ok=True)
    (content / "departments" / f"{DEPARTMENT}.yaml").write_text(DEPARTMENT_TEXT, encoding="utf-8")
    csv_path = folder / "v1.csv"
    by_index = {f.index: f for f in faults}
    with open(csv_path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")  # as Excel's 另存为 CSV UTF-8 writes it
        writer.writerow(HEADER)
        for index in range(rows):
            row = make_row(index)
            fault = by_index.get(index)
            if fault is not None:
                fault.change(row, index)
            writer.writerow(row)
    digest = hashlib.sha256()
    with open(csv_path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    manifest = folder / "v1.yaml"
    manifest.write_text(manifest_text(rows, digest.hexdigest(), csv_path.name), encoding="utf-8")
    seconds = time.perf_counter() - start
    return Generated(
        root, content, manifest, csv_path, rows, csv_path.stat().st_size, seconds, faults
    )


# ---------------------------------------------------------------------------
# Measuring a process


@dataclass
class Measured:
    step: str
    seconds: float
    """Wall time of the whole process, interpreter start-up included."""
    peak: int
    """Peak resident set size of that process, in bytes."""
    returncode: int
    stdout: str
    stderr: str
    scan_seconds: float | None = None
    """Time inside ``scan_registry`` alone, when the process reports it."""
    failed: bool = False
    """The process did not do what was expected (its figures mean little)."""

    @property
    def within_goal(self) -> bool:
        return self.seconds <= GOAL_SECONDS and self.peak <= GOAL_BYTES


def _read(fh: IO[bytes]) -> str:
    fh.seek(0)
    return fh.read().decode("utf-8", errors="replace")


def measure(step: str, argv: list[str], cwd: Path) -> Measured:
    """Run ``argv`` and return its wall time and its own peak RSS (os.wait4)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        # ru_maxrss is in KiB on Linux and in bytes on macOS.
        peak = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
        return Measured(step, seconds, peak, proc.returncode, _read(out), _read(err))


CLI = "import sys; from generator.cli import main; sys.argv[0] = 'gongkai'; main()"
"""What the ``gongkai`` console script runs (generator.cli:main), from this checkout."""


def run_scan(gen: Generated) -> Measured:
    argv = [sys.executable, str(Path(__file__).resolve()), "--child-scan", str(gen.manifest)]
    result = measure("scan_registry", argv, gen.root)
    if result.returncode == 0:
        result.scan_seconds = float(json.loads(result.stdout)["seconds"])
    return result


def run_validate(gen: Generated, config: Path) -> Measured:
    argv = [sys.executable, "-c", CLI, "validate", "--content", "content", "--config", str(config)]
    return measure("gongkai validate", argv, gen.root)


def child_scan(manifest_path: str) -> int:
    """In the child process: load the manifest, scan the CSV, print JSON."""
    doc, problems = read_yaml_file(manifest_path)
    if doc is None or problems:
        print("\n".join(str(p) for p in problems), file=sys.stderr)
        return 2
    manifest = TargetRegistry.model_validate(doc.data)
    csv_path = Path(manifest_path).parent / manifest.file
    start = time.perf_counter()
    scan = scan_registry(manifest, str(csv_path), os.path.relpath(csv_path))
    seconds = time.perf_counter() - start
    report: dict[str, Any] = {
        "seconds": seconds,
        "rows": scan.rows,
        "ids": len(scan.ids),
        "problems": [[p.line, p.column, str(p)] for p in scan.problems],
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0


# ---------------------------------------------------------------------------
# Report


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        model = platform.processor() or model
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cores} cores, {model}, Python {platform.python_version()}, {platform.system()}"


def table(rows: int, results: list[Measured]) -> str:
    lines = [
        f"{'step':<26}{'wall s':>8}{'scan s':>8}{'rows/s':>11}{'peak MB':>9}  goal",
    ]
    for r in results:
        scan = f"{r.scan_seconds:.2f}" if r.scan_seconds is not None else "-"
        verdict = "pass" if r.within_goal else "FAIL"
        if r.failed:
            verdict = "no figure: the run failed (see below)"
        if r.seconds > GOAL_SECONDS:
            verdict += f" (time > {GOAL_SECONDS:g} s)"
        if r.peak > GOAL_BYTES:
            verdict += f" (memory > {GOAL_BYTES // MB} MB)"
        lines.append(
            f"{r.step:<26}{r.seconds:>8.2f}{scan:>8}{rows / r.seconds:>11,.0f}"
            f"{r.peak / MB:>9,.0f}  {verdict}"
        )
    return "\n".join(lines)


def check_clean(gen: Generated, scan: Measured, cli: Measured) -> list[str]:
    """What went wrong with the clean registry (it must pass)."""
    wrong: list[str] = []
    if scan.returncode != 0:
        scan.failed = True
        wrong.append(f"scan process failed (exit {scan.returncode}):\n{scan.stderr}")
    else:
        found = json.loads(scan.stdout)
        if found["problems"]:
            wrong.append("scan_registry reported problems in the clean registry:")
            wrong.extend(f"  {p[2]}" for p in found["problems"][:10])
        if found["rows"] != gen.rows or found["ids"] != gen.rows:
            wrong.append(f"scan_registry counted {found['rows']} rows, {found['ids']} ids")
    if cli.returncode != 0:
        cli.failed = "Traceback" in cli.stderr
        wrong.append(f"gongkai validate exited {cli.returncode}:")
        wrong.extend(f"  {line}" for line in cli.stderr.splitlines()[-20:])
    return wrong


def check_faults(gen: Generated, scan: Measured, cli: Measured) -> list[str]:
    """Show the faults as reported; return what was missed or unexpected."""
    wrong: list[str] = []
    if scan.returncode != 0:
        scan.failed = True
        return [f"scan process failed (exit {scan.returncode}):\n{scan.stderr}"]
    reported = {(row, column): text for row, column, text in json.loads(scan.stdout)["problems"]}
    for f in gen.faults:
        if reported.pop((f.row, f.column), None) is None:
            wrong.append(f"fault not reported: {f.what} at row {f.row}, column {f.column}")
    wrong.extend(f"unexpected problem: {text}" for text in reported.values())
    if cli.returncode != 1 or "Traceback" in cli.stderr:
        cli.failed = True
        wrong.append(f"gongkai validate exited {cli.returncode}, expected 1:")
        wrong.extend(f"  {line}" for line in cli.stderr.splitlines()[-20:])
    return wrong


def show_faults(gen: Generated, scan: Measured, cli: Measured) -> None:
    """Print each injected fault with what scan_registry and gongkai validate said."""
    reported = {(row, column): text for row, column, text in json.loads(scan.stdout)["problems"]}
    print("\nInjected faults, as scan_registry reported them:")
    for f in gen.faults:
        print(f"  row {f.row:>9,}  {f.column:<14} {f.what}")
        print(f"      -> {reported.get((f.row, f.column), 'NOT REPORTED')}")
    if not cli.failed:
        print("gongkai validate said (stderr):")
        for line in cli.stderr.splitlines():
            if ":row " in line or "Validation failed" in line:
                print(f"  {line}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time validation of a generated registry of targets "
        f"(goal: {GOAL_SECONDS:g} s and {GOAL_BYTES // MB:,} MB peak for 1,000,000 rows).",
    )
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="targets in the registry (default 1,000,000)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="write the content trees here and keep them (default: a temporary directory)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=REPO / "site_config",
        help="site configuration for gongkai validate (default: this checkout's site_config/)",
    )
    parser.add_argument(
        "--faults",
        action="store_true",
        help="also validate a registry with a handful of faults and show them by row",
    )
    parser.add_argument("--child-scan", metavar="MANIFEST", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_scan:
        return child_scan(args.child_scan)

    faults = faults_for(args.rows) if args.faults else []
    config: Path = args.config.resolve()
    out: Path = args.out.resolve() if args.out else Path(tempfile.mkdtemp(prefix="gongkai-bench-"))
    print(f"machine: {machine()}")
    print(f"goal:    ≤ {GOAL_SECONDS:g} s wall and ≤ {GOAL_BYTES // MB:,} MB peak RSS per process")
    wrong: list[str] = []
    try:
        variants: list[tuple[str, list[Fault]]] = [("clean", [])]
        if faults:
            variants.append(("faults", faults))
        for variant, injected in variants:
            gen = generate(out / variant, args.rows, injected)
            print(
                f"\n[{variant}] {gen.rows:,} rows, {gen.size / MB:,.1f} MB CSV, "
                f"generated in {gen.seconds:.1f} s (not counted): {gen.csv}"
            )
            scan = run_scan(gen)
            cli = run_validate(gen, config)
            check = check_clean if variant == "clean" else check_faults
            problems = check(gen, scan, cli)
            print(table(gen.rows, [scan, cli]))
            if variant == "faults" and not scan.failed:
                show_faults(gen, scan, cli)
            if problems:
                print(f"\n[{variant}] unexpected outcome:")
                print("\n".join(problems))
            wrong.extend(problems)
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    if wrong:
        return 1
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_self *= 1 if sys.platform == "darwin" else 1024
    print(f"\n(the benchmark driver's own peak, not counted: {peak_self / MB:,.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
